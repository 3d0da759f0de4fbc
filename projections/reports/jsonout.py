"""The JSON report: a plain, versioned document (schema "tracker.report/1", see report.schema.json)."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

import orjson

from tracker.events import PartialDate
from tracker.projections.model import (
    ChairTerm,
    MeetingStatus,
    Message,
    PartyDocumentStatus,
    PresidencyStatus,
    ReviewItem,
    StatusChange,
)
from tracker.projections.reports.data import (
    ChangeEntry,
    Changes,
    CommitmentRow,
    DocumentRow,
    LastDevelopment,
    MeetingRow,
    ProposalRow,
    ReportData,
    SourceEntry,
    previous_chair,
)

__all__ = ["json_chunks", "render_json", "report_to_dict"]

Json = dict[str, Any]


def _date(value: PartialDate | None) -> PartialDate | None:
    # Every partial date travels with its bounds and precision so consumers never re-parse EDTF.
    # PartialDate is a dataclass: orjson writes it natively as {"text", "earliest", "latest",
    # "precision", "uncertain", "approximate"} (dates as YYYY-MM-DD), far faster than building dicts.
    return value


def _time(value: datetime) -> str:
    return value.isoformat()


def _last(dev: LastDevelopment) -> Json:
    return {
        "ref": dev.ref,
        "type": dev.type,
        "summary": dev.summary,
        "occurred_on": _date(dev.occurred_on),
        "recorded_at": _time(dev.recorded_at),
        "sources": list(dev.sources),
        "unsourced": dev.unsourced,
    }


def _proposal(row: ProposalRow) -> Json:
    return {
        "proposal_id": row.proposal_id,
        "organization_id": row.organization_id,
        "body_id": row.body_id,
        "meeting_id": row.meeting_id,
        "title": row.title,
        "summary": row.summary,
        "kind": row.kind,
        "status": row.status,
        "by_state": row.by_state,
        "by_person": row.by_person,
        "by_office": row.by_office,
        "tabled_on": _date(row.tabled_on),
        "supporters": list(row.supporters),
        "adopted_into": {"kind": row.adopted_into[0], "id": row.adopted_into[1]} if row.adopted_into else None,
        "became": row.became,
        "deferred_until": _date(row.deferred_until),
        "days_since_last_development": row.days_since,
        "stale": row.stale,
        "last_development": _last(row.last_development),
        "sources": list(row.sources),
    }


def _commitment(row: CommitmentRow) -> Json:
    return {
        "commitment_id": row.commitment_id,
        "organization_id": row.organization_id,
        "body_id": row.body_id,
        "title": row.title,
        "status": row.status,
        "level": row.level,
        "parties": list(row.parties),
        "undertaken_on": _date(row.undertaken_on),
        "due_on": _date(row.due_on),
        "overdue": row.overdue,
        "stale": row.stale,
        "superseded_by": row.superseded_by,
        "developments": row.developments,
        "last_development": _last(row.last_development),
        "sources": list(row.sources),
    }


def _party(p: PartyDocumentStatus) -> Json:
    return {
        "state": p.state,
        "signed_on": _date(p.signed_on),
        "signed_by": p.signed_by,
        "consent": p.consent,
        "consent_on": _date(p.consent_on),
        "status": p.status,
        "denounced_on": _date(p.denounced_on),
        "reservations": list(p.reservations),
        "actions": [{"action": action, "on": _date(on)} for action, on in p.actions],
    }


def _document(row: DocumentRow) -> Json:
    return {
        "document_id": row.document_id,
        "organization_id": row.organization_id,
        "body_id": row.body_id,
        "meeting_id": row.meeting_id,
        "kind": row.kind,
        "title": row.title,
        "drafted_on": _date(row.drafted_on),
        "in_force": row.in_force,
        "in_force_on": _date(row.in_force_on),
        "in_force_for": list(row.in_force_for),
        "parties": [_party(p) for p in row.parties],
        "last_development": _last(row.last_development),
        "sources": list(row.sources),
    }


def _term(t: ChairTerm | None) -> Json | None:
    if t is None:
        return None
    return {
        "state": t.state,
        "start": _date(t.start),
        "end": _date(t.end),
        "expected_state": t.expected_state,
        "deviation": t.deviation,
        "refs": list(t.refs),
    }


def _message(m: Message) -> Json:
    return {"code": m.code, "params": dict(m.params), "text": m.text}


def _review(r: ReviewItem) -> Json:
    coded = {"code": r.code, "params": dict(r.params)} if r.code else {}  # an item without a code has only its text
    return {"kind": r.kind, "entity": r.entity, "message": r.message, "refs": list(r.refs), **coded}


def _messages(p: PresidencyStatus) -> Json:
    # The lines again as message codes, so a consumer can word them in its language; only where
    # the read model coded them one for one (a read model may give the English lines alone).
    lists = (("deviation", p.deviations, p.deviation_messages), ("gap", p.gaps, p.gap_messages),
             ("chain_conflict", p.chain_conflicts, p.chain_conflict_messages), ("note", p.notes, p.note_messages))
    return {f"{name}_messages": [_message(m) for m in coded]
            for name, lines, coded in lists if len(coded) == len(lines)}


def _presidency(p: PresidencyStatus, assumed: frozenset[str]) -> Json:
    return {
        "organization_id": p.organization_id,
        "body_id": p.body_id,
        "rule": p.rule,
        "rule_assumed": p.body_id in assumed,
        "previous_chair": previous_chair(p),
        "current": _term(p.current),
        "expected_next": p.expected_next,
        "upcoming": [
            {"state": state, "expected_start": start.isoformat() if start else None} for state, start in p.upcoming
        ],
        "terms": [_term(t) for t in p.terms],
        "deviations": list(p.deviations),
        "gaps": list(p.gaps),
        "chain_conflicts": list(p.chain_conflicts),
        "notes": list(p.notes),
        **_messages(p),
    }


def _meeting(row: MeetingRow) -> Json:
    m: MeetingStatus = row.meeting
    return {
        "meeting_id": m.meeting_id,
        "organization_id": m.organization_id,
        "body_id": m.body_id,
        "number": m.number,
        "status": m.status,
        "starts_on": _date(m.starts_on),
        "ends_on": _date(m.ends_on),
        "held_on": _date(m.held_on),
        "city": m.city,
        "venue": m.venue,
        "host_state": m.host_state,
        "format": m.format,
        "theme": m.theme,
        "chaired_by": m.chaired_by,
        "previous_starts_on": list(m.previous_starts_on),
        "attendees": [
            {"state": a.state, "person": a.person, "office": a.office, "level": a.level} for a in m.attendees
        ],
        "reschedule_count": m.reschedule_count,
        "last_development": {
            "ref": m.last_development.ref,
            "type": m.last_development.type,
            "summary": m.last_development.summary,
            "occurred_on": _date(m.last_development.occurred_on),
            "recorded_at": _time(m.last_development.recorded_at),
            "sources": list(row.sources),
            "unsourced": not row.sources,
        },
        "sources": list(row.sources),
    }


def _status_change(s: StatusChange) -> Json:
    return {
        "entity": s.entity,
        "ref": s.ref,
        "occurred_on": _date(s.occurred_on),
        "recorded_at": _time(s.recorded_at),
        "field": s.field,
        "before": s.before,
        "after": s.after,
    }


def _entry(e: ChangeEntry) -> Json:
    return {
        "ref": e.ref,
        "type": e.type,
        "summary": e.summary,
        "sentence": e.sentence,
        "occurred_on": _date(e.occurred_on),
        "recorded_at": _time(e.recorded_at),
        "retracted": e.retracted,
        "corrected_by": e.corrected_by,
        "status_changes": [_status_change(s) for s in e.status_changes],
        "sources": list(e.sources),
        "unsourced": e.unsourced,
    }


def _changes(c: Changes | None) -> Json | None:
    if c is None:
        return None
    return {
        "kind": c.kind,
        "since": c.since,
        "groups": [
            {"entity": g.entity, "label": g.label, "entries": [_entry(e) for e in g.entries],
             "unmatched": [_status_change(s) for s in g.unmatched],
             "unmatched_sentences": list(g.unmatched_sentences)}
            for g in c.groups
        ],
    }


def _source(s: SourceEntry) -> Json:
    return {
        "number": s.number,
        "publisher": s.publisher,
        "title": s.title,
        "url": s.url,
        "published_on": _date(s.published_on),
        "language": s.language,
        "quotes": list(s.quotes),
    }


class _Each:
    """A list value written an item at a time (the report's long sections)."""

    def __init__(self, items: Iterable[Any]) -> None:
        self.items = items


def _parts(report: ReportData) -> Iterator[tuple[str, Any]]:
    """The report's top-level keys and values in order, each made only when reached (rows cite as they are built)."""
    h = report.headline
    yield "schema", report.schema
    yield "lang", report.lang
    yield "title", report.title
    yield "scope", {"organization_id": report.scope.organization_id, "body_id": report.scope.body_id}
    yield "as_of", report.as_of.isoformat()
    yield "known_at", _time(report.known_at)
    yield "generated_at", _time(report.generated_at)
    yield "log_position", report.log_head.position
    yield "chain_head", report.log_head.chain_head
    yield "headline", {
        "commitments": h.commitments,
        "proposals": h.proposals,
        "proposals_waiting": h.proposals_waiting,
        "by_status": dict(h.by_status),
        "by_level": dict(h.by_level),
        "overdue": h.overdue,
        "stale": h.stale,
        "documents": h.documents,
        "documents_in_force": h.documents_in_force,
        "chairs": [
            {"organization_id": c.organization_id, "body_id": c.body_id, "state": c.state,
             "since": _date(c.since)}
            for c in h.chairs
        ],
    }
    yield "commitments", _Each(_commitment(r) for r in report.commitments)
    yield "proposals", _Each(_proposal(r) for r in report.proposals)
    yield "documents", [_document(r) for r in report.documents]
    yield "presidencies", [_presidency(p, report.assumed_rules) for p in report.presidencies]
    yield "meetings", {
        "recent": [_meeting(r) for r in report.meetings.recent],
        "upcoming": [_meeting(r) for r in report.meetings.upcoming],
    }
    yield "changes", _changes(report.changes)
    yield "review", [_review(r) for r in report.review]
    yield "sources", _Each(_source(s) for s in report.sources)
    yield "names", dict(sorted(report.names.items()))


def report_to_dict(report: ReportData) -> Json:
    """The report as plain JSON-ready data, in the shape report.schema.json describes."""
    return {key: list(value.items) if isinstance(value, _Each) else value for key, value in _parts(report)}


def _dumps(value: Any, depth: int) -> str:
    # orjson's two-space indent, shifted to where the value sits; strings hold no raw newline.
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode("utf-8").replace("\n", "\n" + "  " * depth)


# Items of a long list dumped by one orjson call.
_ITEMS_PER_DUMP = 128


def json_chunks(report: ReportData) -> Iterator[str]:
    """The JSON report as consecutive pieces of text, byte for byte `render_json`'s, long lists an item at a time."""
    yield "{"
    first = True
    for key, value in _parts(report):
        yield ("\n  " if first else ",\n  ") + orjson.dumps(key).decode("utf-8") + ": "
        first = False
        if not isinstance(value, _Each):
            yield _dumps(value, 1)
            continue
        opened = False
        items = iter(value.items)
        # A batch of items dumped as one list, shifted to where it sits, brackets dropped: the
        # same text as an item at a time, with one orjson call and one shift per batch
        # (10,000 commitments: 20,000 calls -> 80).
        while batch := list(itertools.islice(items, _ITEMS_PER_DUMP)):
            listed = _dumps(batch, 1)  # '[\n    {...},\n    {...}\n  ]'
            yield ("[" if not opened else ",") + listed[1:-4]
            opened = True
        yield "\n  ]" if opened else "[]"
    yield "\n}\n" if not first else "}\n"


def render_json(report: ReportData) -> str:
    """The report as indented UTF-8 JSON text (non-ASCII kept readable), ending in a newline."""
    return "".join(json_chunks(report))
