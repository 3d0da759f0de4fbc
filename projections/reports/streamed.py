"""A report read and built a page at a time: the rows of its long sections are built while it is rendered.

`open_report` reads what is small at once (documents, meetings, presidencies, review items,
names) and the long sections (commitments, proposals) in pages: a first pass counts the
headline and orders the rows by their keys, and the rows are built, in that order, while the
renderer writes them: from the rows the first pass kept when there were up to KEEP of them,
else read again a page at a time. Memory holds at most KEEP rows, one key per row, a page of
histories and the sources cited so far; the output is the same as rendering `build_report`'s.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, Protocol, TypeVar

from tracker.projections.model import (
    CommitmentStatus,
    DevelopmentSummary,
    ProposalStatus,
    ReadModel,
    StatusChange,
)
from tracker.projections.reports.data import (
    SCHEMA,
    ChangeGroup,
    Changes,
    CommitmentRow,
    MeetingRow,
    Meetings,
    ProposalRow,
    ReportData,
    Rows,
    Scope,
    Tally,
    _assumed_rules,
    _changes,
    _commitment_row,
    _document_row,
    _labels,
    _organization_party_names,
    _parties_changed,
    _parties_named,
    _pick,
    _proposal_row,
    _Query,
    _SourceIndex,
    _split_meetings,
)
from tracker.projections.reports.i18n import DEFAULT_LANGUAGE, Texts, texts

__all__ = ["PAGE", "PagedReadModel", "open_report"]

PAGE = 1000
"""Rows read and built at a time."""

KEEP = 10_000
"""Up to this many commitments (and as many proposals), the first pass keeps the rows it read
rather than reading them again; beyond it, only their keys (memory stays bounded either way)."""

_S = TypeVar("_S")


class PagedReadModel(Protocol):
    """What a streamed report reads beyond ReadModel (projections.queries.Queries has it)."""

    def commitment_pages(
        self, *, organization_id: str | None = None, body_id: str | None = None, as_of: date | None = None,
        known_at: datetime | None = None, size: int = PAGE, ids: Sequence[str] | None = None,
    ) -> Iterator[list[CommitmentStatus]]:
        """`commitments()` in pages."""
        ...

    def proposal_pages(
        self, *, organization_id: str | None = None, body_id: str | None = None, as_of: date | None = None,
        known_at: datetime | None = None, size: int = PAGE, ids: Sequence[str] | None = None,
    ) -> Iterator[list[ProposalStatus]]:
        """`proposals()` in pages."""
        ...

    def developments_of(
        self, streams: Sequence[str], *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[DevelopmentSummary]:
        """`developments()` of these entities only."""
        ...


class _Lists:
    """PagedReadModel over a plain ReadModel's lists (the in-memory stand-ins): the same answers, in pages."""

    def __init__(self, read_model: ReadModel) -> None:
        self.read_model = read_model

    @staticmethod
    def _pages(items: list[_S], key: Callable[[_S], str], size: int, ids: Sequence[str] | None) -> Iterator[list[_S]]:
        if ids is not None:
            wanted = set(ids)
            items = [i for i in items if key(i) in wanted]
        for start in range(0, len(items), size):
            yield items[start:start + size]

    def commitment_pages(self, *, size: int = PAGE, ids: Sequence[str] | None = None,
                         **query: Any) -> Iterator[list[CommitmentStatus]]:
        return self._pages(self.read_model.commitments(**query), lambda c: c.commitment_id, size, ids)

    def proposal_pages(self, *, size: int = PAGE, ids: Sequence[str] | None = None,
                       **query: Any) -> Iterator[list[ProposalStatus]]:
        return self._pages(self.read_model.proposals(**query), lambda p: p.proposal_id, size, ids)

    def developments_of(self, streams: Sequence[str], **query: Any) -> list[DevelopmentSummary]:
        wanted = set(streams)
        return [d for d in self.read_model.developments(**query) if d.entity in wanted]


def _paged(read_model: ReadModel) -> PagedReadModel:
    if all(hasattr(read_model, name) for name in ("commitment_pages", "proposal_pages", "developments_of")):
        return read_model  # type: ignore[return-value]  # checked just above
    return _Lists(read_model)


def _histories(paged: PagedReadModel, streams: list[str], query: _Query) -> dict[str, list[DevelopmentSummary]]:
    history: dict[str, list[DevelopmentSummary]] = defaultdict(list)
    for dev in paged.developments_of(streams, **query):
        history[dev.entity].append(dev)
    return history


@dataclass
class _FirstPass:
    """What the first pass over the long sections keeps: counts, each row's id in order, titles, the life span."""

    tally: Tally = field(default_factory=Tally)
    commitment_ids: list[str] = field(default_factory=list)
    proposal_ids: list[str] = field(default_factory=list)
    commitments: dict[str, CommitmentStatus] | None = None  # every row read, while they were few enough
    proposals: dict[str, ProposalStatus] | None = None
    titles: dict[str, str] = field(default_factory=dict)
    days: list[date] = field(default_factory=list)  # the earliest and latest day of the commitments' lives
    parties: set[str] = field(default_factory=set)  # every party the rows name (states and org:eu alike)


def _kept(kept: dict[str, _S] | None, page: list[_S], key: Callable[[_S], str]) -> dict[str, _S] | None:
    """The rows kept so far with this page's, or None once they are too many to keep."""
    if kept is None or len(kept) + len(page) > KEEP:
        return None
    kept.update((key(item), item) for item in page)
    return kept


def _first_pass(paged: PagedReadModel, query: _Query) -> _FirstPass:
    """Count the headline and order the commitments and proposals by their keys, a page at a time."""
    out = _FirstPass(commitments={}, proposals={})
    commitment_keys: list[tuple[str, str, date, date, str]] = []
    for page in paged.commitment_pages(**query, size=PAGE):
        out.commitments = _kept(out.commitments, page, lambda c: c.commitment_id)
        for c in page:
            out.tally.commitment(c)
            commitment_keys.append((c.organization_id, c.body_id or "", *c.undertaken_on.sort_key(), c.commitment_id))
            out.titles[f"commitment:{c.commitment_id}"] = c.title
            out.parties.update(c.parties)
            out.days.append(c.undertaken_on.earliest)
            if c.due_on is not None:
                out.days.append(c.due_on.latest)
        if out.days:
            out.days = [min(out.days), max(out.days)]
    proposal_keys: list[tuple[str, str, date, date, str]] = []
    for proposals in paged.proposal_pages(**query, size=PAGE):
        out.proposals = _kept(out.proposals, proposals, lambda p: p.proposal_id)
        for p in proposals:
            out.tally.proposal(p)
            proposal_keys.append((p.organization_id, p.body_id or "", *p.tabled_on.sort_key(), p.proposal_id))
            out.titles[f"proposal:{p.proposal_id}"] = p.title
            out.parties.update((p.by_state, *p.supporters))
    # The same order as build_report's sort of whole rows: these keys are that sort's keys.
    out.commitment_ids = [k[-1] for k in sorted(commitment_keys)]
    out.proposal_ids = [k[-1] for k in sorted(proposal_keys)]
    return out


@dataclass
class _Commitments:
    """The commitments section of a streamed report: its rows a page at a time, or only what they cite."""

    paged: PagedReadModel
    query: _Query
    first: _FirstPass
    histories: bool

    def _pages(self) -> Iterator[tuple[list[str], dict[str, CommitmentStatus]]]:
        ids_in_order = self.first.commitment_ids
        for start in range(0, len(ids_in_order), PAGE):
            ids = ids_in_order[start:start + PAGE]
            kept = self.first.commitments
            yield ids, kept if kept is not None else {
                c.commitment_id: c for page in self.paged.commitment_pages(**self.query, size=PAGE, ids=ids)
                for c in page}

    def rows(self, index: _SourceIndex) -> Iterator[CommitmentRow]:
        """The rows in report order, citing their sources into `index`."""
        for ids, found in self._pages():
            streams = [f"commitment:{i}" for i in ids]
            history = _histories(self.paged, streams, self.query) if self.histories else defaultdict(list)
            for i in ids:
                yield _commitment_row(found[i], history[f"commitment:{i}"], index)

    def citations(self, index: _SourceIndex) -> None:
        """What building the rows cites (each its last development's sources), in their order; no row built."""
        for ids, found in self._pages():
            for i in ids:
                index.cite(found[i].last_development.sources)


def open_report(
    read_model: ReadModel,
    *,
    organization_id: str | None = None,
    body_id: str | None = None,
    as_of: date | None = None,
    known_at: datetime | None = None,
    since: datetime | date | None = None,
    title: str | None = None,
    generated_at: datetime | None = None,
    lang: str = DEFAULT_LANGUAGE,
    histories: bool = True,
) -> ReportData:
    """`build_report`'s report with its long sections built while iterated; `histories=False` leaves each
    commitment's `history` empty (only the HTML life charts draw it). Render it once, in document order."""
    t = texts(lang)  # refuses a language without a catalogue before anything is read
    # The head of the whole log the read model answers from, even for an earlier `known_at`: the
    # log is append-only and each link covers every event before it, so this head pins the exact
    # log the report was computed from, and re-asking with the same `known_at` against a log that
    # verifies to this head reproduces the report. Naming the last event recorded by `known_at`
    # instead would need a search by record time and would not prove which later events were
    # (correctly) left out.
    head = read_model.log_head()
    generated = generated_at or datetime.now(UTC)
    # Both axes default to "now", and the same now, so one report never mixes two instants.
    world = as_of if as_of is not None else generated.date()
    known = known_at if known_at is not None else generated
    scope = Scope(organization_id=organization_id, body_id=body_id)
    query = _Query(organization_id=organization_id, body_id=body_id, as_of=world, known_at=known)
    paged = _paged(read_model)

    first = _first_pass(paged, query)
    commitment_ids, proposal_ids, days = first.commitment_ids, first.proposal_ids, first.days

    documents = sorted(
        read_model.documents(**query),
        key=lambda d: (d.organization_id, d.body_id or "", d.drafted_on.sort_key(), d.document_id),
    )
    presidencies = tuple(sorted(read_model.presidencies(**query), key=lambda p: (p.organization_id, p.body_id)))
    review = tuple(sorted(read_model.review_items(**query), key=lambda r: (r.kind, r.entity, r.message, r.refs)))
    entity_names = read_model.entity_names(**query)
    names = {n.stream: _pick(n.names, lang) for n in entity_names}
    # Every meeting is read after the presidencies and review items (which read the meetings of
    # their bodies themselves), so the two are never in memory at once, and only the recent and
    # upcoming ones are kept past their labels.
    all_meetings = read_model.meetings(**query)
    recent, upcoming = _split_meetings(all_meetings, world)
    # Organizations that are parties (org:eu) are named as recorded, in the report's language.
    named = first.parties | _parties_named((), (), documents, presidencies, all_meetings)
    names.update(_organization_party_names(read_model, query, lang, named, names))
    t = t.with_organizations(names)
    labels = _labels(names, titles=first.titles, documents=documents, meetings=all_meetings, t=t)
    del all_meetings
    bodies = [n.stream for n in entity_names if n.stream.startswith("body:")]
    rule_developments = [d for d in paged.developments_of(bodies, **query) if d.entity.startswith("body:")]

    def proposal_rows(index: _SourceIndex) -> Iterator[ProposalRow]:
        for start in range(0, len(proposal_ids), PAGE):
            ids = proposal_ids[start:start + PAGE]
            found = first.proposals if first.proposals is not None else {
                p.proposal_id: p for page in paged.proposal_pages(**query, size=PAGE, ids=ids) for p in page}
            history = _histories(paged, [f"proposal:{i}" for i in ids], query)
            for i in ids:
                yield _proposal_row(found[i], history[f"proposal:{i}"], labels, world, index)

    commitments = _Commitments(paged, query, first, histories)
    index = _SourceIndex()
    changes: Changes | None = None
    if since is not None:
        recorded_after = since if isinstance(since, datetime) else None
        occurred_after = None if isinstance(since, datetime) else since
        kind: Literal["recorded", "world"] = "recorded" if recorded_after is not None else "world"
        window = read_model.developments(**query, recorded_after=recorded_after, occurred_after=occurred_after)
        caused = read_model.status_changes(**query, recorded_after=recorded_after, occurred_after=occurred_after)
        # Organizations named only by what changed (a new member: membership[org:african-union]).
        found = _organization_party_names(read_model, query, lang, _parties_changed(caused), names)
        if found:
            names.update(found)
            t = t.with_organizations(names)
        changes = _lazy_changes(window, caused, kind=kind, since_text=since.isoformat(), t=t, labels=labels,
                                index=index)

    return ReportData(
        schema=SCHEMA,
        lang=lang,
        title=title if title is not None else t("title", scope=scope.label(t, names)),
        scope=scope,
        as_of=world,
        known_at=known,
        generated_at=generated,
        log_head=head,
        headline=first.tally.headline(documents, presidencies),
        commitments=Rows(len(commitment_ids), commitments.rows, index, cite=commitments.citations),
        proposals=Rows(len(proposal_ids), proposal_rows, index),
        documents=Rows(len(documents), lambda ix: (_document_row(d, ix) for d in documents), index),
        presidencies=presidencies,
        meetings=Meetings(
            recent=Rows(len(recent), lambda ix: (MeetingRow(m, ix.cite(m.last_development.sources)) for m in recent),
                        index),
            upcoming=Rows(len(upcoming),
                          lambda ix: (MeetingRow(m, ix.cite(m.last_development.sources)) for m in upcoming), index),
        ),
        changes=changes,
        review=review,
        sources=Rows(index.count, lambda ix: ix.each(), index),
        names=names,
        labels=labels,
        assumed_rules=_assumed_rules(rule_developments, world),
        life_days=(days[0], days[-1]) if days else None,
    )


def _lazy_changes(
    window: list[DevelopmentSummary], caused: list[StatusChange], *, kind: Literal["recorded", "world"],
    since_text: str, t: Texts, labels: dict[str, str], index: _SourceIndex,
) -> Changes:
    """Changes whose entries cite their sources when the section is reached, not before."""
    listed = {d.ref for d in window}
    count = len({d.entity for d in window} | {sc.entity for sc in caused if sc.ref not in listed})

    def groups(ix: _SourceIndex) -> Iterator[ChangeGroup]:
        return iter(_changes(window, status_changes=caused, kind=kind, since_text=since_text, index=ix, t=t,
                             labels=labels).groups)

    return Changes(kind=kind, since=since_text, groups=Rows(count, groups, index))
