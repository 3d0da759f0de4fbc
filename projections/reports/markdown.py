"""The Markdown report, for email and wikis: every piece of stored text is escaped before it is written."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

from events import PartialDate
from projections.model import MeetingStatus, PresidencyStatus, ReviewItem
from projections.reports.data import (
    COMMITMENT_STATES,
    CONSENT_MARKS,
    LEVELS,
    CommitmentRow,
    DocumentRow,
    MeetingRow,
    ReportData,
    SourceEntry,
    consent_text,
    words,
)

__all__ = ["escape_markdown", "render_markdown"]

# One translation table, applied in a single pass so an entity's own '&' and ';' are never
# re-escaped: raw HTML becomes entities, and what Markdown (CommonMark + GFM tables) would read
# as emphasis, code, links, strikethrough or a cell boundary gets a backslash.
_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;"} | {ch: "\\" + ch for ch in "\\`*_[]{}|~"}
)


def escape_markdown(text: str) -> str:
    """Text made inert for Markdown: raw HTML as entities, pipes and emphasis/link marks backslashed, one line."""
    # A newline would end a table row or a list item and let the rest start a block of its own.
    return " ".join(text.translate(_ESCAPES).split())


def _e(text: str | None) -> str:
    return escape_markdown(text) if text else ""


def _url(url: str) -> str:
    # Only http(s) becomes a link; inside <...> a destination may not hold <, > or spaces.
    return re.sub(r"[<>\s|]", lambda m: f"%{ord(m.group(0)):02X}", url)


@lru_cache(maxsize=4096)
def _described(value: PartialDate) -> str:
    # Reports repeat a few thousand distinct dates many times over; describe each once.
    return escape_markdown(value.describe())


def _date(value: PartialDate | None) -> str:
    return _described(value) if value is not None else ""


def _refs(numbers: Iterable[int]) -> str:
    return " ".join(f"[{n}]" for n in numbers)


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines.extend("| " + " | ".join(cell or " " for cell in row) + " |" for row in rows)
    return lines


def _headline(report: ReportData) -> list[str]:
    h = report.headline
    counts = dict(h.by_status)
    levels = dict(h.by_level)
    lines = [
        "## Headline",
        "",
        f"- **Commitments:** {h.commitments} ("
        + ", ".join(f"{words(s)} {counts.get(s, 0)}" for s in COMMITMENT_STATES)
        + ")",
        "- **Implementation:** " + ", ".join(f"{words(lv)} {levels.get(lv, 0)}" for lv in LEVELS),
        f"- **Overdue:** {h.overdue} · **Stale:** {h.stale}",
        f"- **Documents in force:** {h.documents_in_force} of {h.documents}",
    ]
    if h.chairs:
        chairs = "; ".join(
            f"{_e(c.body_id)}: {_e(c.state) or 'none'}" + (f" since {_date(c.since)}" if c.since else "")
            for c in h.chairs
        )
        lines.append(f"- **Chairs:** {chairs}")
    return [*lines, ""]


def _commitment_cells(row: CommitmentRow) -> list[str]:
    marks = [m for m, on in (("**OVERDUE**", row.overdue), ("stale", row.stale)) if on]
    status = words(row.status) + (f" by {_e(row.superseded_by)}" if row.superseded_by else "")
    return [
        f"{_e(row.title)}<br>{_e(row.commitment_id)}",
        status,
        words(row.level),
        _e(" ".join(row.parties)),
        _date(row.due_on),
        " ".join(marks),
        _e(row.last_development.summary),
        _date(row.last_development.occurred_on),
        _refs(row.sources),
    ]


def _commitments(report: ReportData) -> list[str]:
    lines = ["## Commitments", ""]
    if not report.commitments:
        return [*lines, "No commitments in scope.", ""]
    header = ["Commitment", "Status", "Level", "Parties", "Due", "Marks", "Last development", "On", "Sources"]
    return [*lines, *_table(header, (_commitment_cells(r) for r in report.commitments)), ""]


def _document(doc: DocumentRow) -> list[str]:
    if doc.in_force:
        scope = f" for {_e(' '.join(doc.in_force_for))}" if doc.in_force_for else " for all its parties"
        force = f"in force since {_date(doc.in_force_on)}{scope}" if doc.in_force_on else f"in force{scope}"
    else:
        force = "not in force"
    lines = [
        f"### {_e(doc.title)}",
        "",
        f"{_e(words(doc.kind))} {_e(doc.document_id)}, drafted {_date(doc.drafted_on)}; **{force}**. "
        f"Sources: {_refs(doc.sources) or 'none'}",
        "",
    ]
    consent_header = "Ratification, Acceptance (A), Approval (AA), Accession (a), Succession (d)"
    rows = (
        [
            _e(p.state),
            _e(p.signed_on.text) if p.signed_on else "",
            _e(consent_text(p)),
            _e(p.denounced_on.text) if p.denounced_on else "",
            "; ".join(_e(r) for r in p.reservations),
        ]
        for p in doc.parties
    )
    return [*lines, *_table(["Participant", "Signature", consent_header, "Denunciation", "Reservations"], rows), ""]


def _documents(report: ReportData) -> list[str]:
    lines = ["## Documents", ""]
    if not report.documents:
        return [*lines, "No documents in scope.", ""]
    assert set(CONSENT_MARKS) >= {"ratification", "accession"}  # the header above names these marks
    for doc in report.documents:
        lines.extend(_document(doc))
    return lines


def _presidency(p: PresidencyStatus) -> list[str]:
    current = (
        f"{_e(p.current.state)} since {_date(p.current.start)}" if p.current is not None else "none recorded"
    )
    upcoming = ", then ".join(
        _e(state) + (f" (from {start.isoformat()})" if start else "") for state, start in p.upcoming
    )
    lines = [
        f"### {_e(p.body_id)} ({_e(p.organization_id)})",
        "",
        f"- **Rule:** {_e(p.rule)}",
        f"- **Current chair:** {current}",
        f"- **Expected next:** {_e(p.expected_next) or 'not computable'}"
        + (f"; upcoming {upcoming}" if upcoming else ""),
    ]
    for label, items in (("Deviation", p.deviations), ("Gap", p.gaps), ("Chain conflict", p.chain_conflicts)):
        lines.extend(f"- **{label}:** {_e(item)}" for item in items)
    lines.append("")
    rows = (
        [_e(t.state), _date(t.start), _date(t.end) or "(current)", _e(t.expected_state),
         "**yes**" if t.deviation else ""]
        for t in p.terms
    )
    return [*lines, *_table(["Chair", "From", "To", "Expected", "Deviation"], rows), ""]


def _presidencies(report: ReportData) -> list[str]:
    lines = ["## Presidency", ""]
    if not report.presidencies:
        return [*lines, "No bodies in scope.", ""]
    for p in report.presidencies:
        lines.extend(_presidency(p))
    return lines


def _meeting_cells(row: MeetingRow) -> list[str]:
    m: MeetingStatus = row.meeting
    name = f"No. {m.number}" if m.number is not None else _e(m.meeting_id)
    place = ", ".join(_e(x) for x in (m.venue, m.city, m.host_state) if x)
    return [name, _e(m.body_id), _date(m.held_on or m.starts_on), place, words(m.status), _refs(row.sources)]


def _meetings(report: ReportData) -> list[str]:
    lines = ["## Meetings", ""]
    header = ["Meeting", "Body", "Date", "Place", "Status", "Sources"]
    for label, rows in (("Recent", report.meetings.recent), ("Upcoming", report.meetings.upcoming)):
        lines.extend([f"### {label}", ""])
        if rows:
            lines.extend([*_table(header, (_meeting_cells(r) for r in rows)), ""])
        else:
            lines.extend(["None.", ""])
    return lines


def _changes(report: ReportData) -> list[str]:
    c = report.changes
    if c is None:
        return []
    what = "record time" if c.kind == "recorded" else "world date"
    lines = [f"## Changes since {_e(c.since)} ({what})", ""]
    if not c.groups:
        return [*lines, "No changes in the window.", ""]
    for group in c.groups:
        lines.extend([f"### {_e(group.entity)}", ""])
        for e in group.entries:
            flags = "".join(
                f" ({flag})" for flag, on in (("retracted", e.retracted), ("corrected", e.corrected_by)) if on
            )
            lines.append(
                f"- {_date(e.occurred_on)}: {_e(e.summary)}{flags}, recorded "
                f"{e.recorded_at.strftime('%Y-%m-%d %H:%M %Z').strip()} {_refs(e.sources)}".rstrip()
            )
            lines.extend(
                f"  - {_e(s.field)}: {_e(s.before) or '(none)'} → {_e(s.after) or '(none)'}" for s in e.status_changes
            )
        lines.extend(
            f"- {_date(s.occurred_on)}: {_e(s.field)}: {_e(s.before) or '(none)'} → {_e(s.after) or '(none)'}"
            for s in group.unmatched
        )
        lines.append("")
    return lines


def _review(items: Sequence[ReviewItem]) -> list[str]:
    lines = ["## Needs review", ""]
    if not items:
        return [*lines, "Nothing to review.", ""]
    rows = ([_e(words(r.kind)), _e(r.entity), _e(r.message), _e(" ".join(r.refs))] for r in items)
    return [*lines, *_table(["Kind", "Entity", "Message", "Refs"], rows), ""]


def _source(s: SourceEntry) -> str:
    title = _e(s.title) if s.title else _e(s.publisher)
    cited = f"[{title}](<{_url(s.url)}>)" if s.url and s.url.startswith(("https://", "http://")) else title
    parts = [cited]
    if s.title:
        parts.append(_e(s.publisher))
    parts.append(f"published {_date(s.published_on)}" if s.published_on else "undated")
    if s.language:
        parts.append(_e(s.language))
    return f"- \\[{s.number}\\] " + ", ".join(parts)


def _sources(report: ReportData) -> list[str]:
    lines = ["## Sources", ""]
    if not report.sources:
        return [*lines, "No sources cited.", ""]
    return [*lines, *(_source(s) for s in report.sources), ""]


def render_markdown(report: ReportData) -> str:
    """The whole report as GitHub-flavoured Markdown text."""
    meta = (
        f"Scope: {_e(report.scope.label())} · As of {report.as_of.isoformat()} · "
        f"As known at {report.known_at.isoformat()} · Generated {report.generated_at.isoformat()}"
    )
    lines = [f"# {_e(report.title)}", "", meta, ""]
    for section in (
        _headline(report),
        _commitments(report),
        _documents(report),
        _presidencies(report),
        _meetings(report),
        _changes(report),
        _review(report.review),
        _sources(report),
    ):
        lines.extend(section)
    return "\n".join(lines).rstrip("\n") + "\n"
