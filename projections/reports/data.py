"""The report's data: one frozen structure built from a ReadModel, which every renderer formats."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Generic, Literal, TypedDict, TypeVar, overload

from tracker.events import PartialDate, Source, party_organization
from tracker.projections.decoding import dataclass_instance
from tracker.projections.model import (
    ChairTerm,
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    LogHead,
    MeetingStatus,
    PartyDocumentStatus,
    PresidencyStatus,
    ProposalStatus,
    ReadModel,
    ReviewItem,
    StatusChange,
)
from tracker.projections.reports.i18n import DEFAULT_LANGUAGE, Texts, texts
from tracker.projections.reports.sentences import change_sentence

__all__ = [
    "COMMITMENT_STATES",
    "CONSENT_MARKS",
    "LEVELS",
    "SCHEMA",
    "ChairLine",
    "ChangeEntry",
    "ChangeGroup",
    "Changes",
    "CommitmentRow",
    "DocumentRow",
    "Headline",
    "LastDevelopment",
    "MeetingRow",
    "Meetings",
    "ProposalRow",
    "ReportData",
    "Rows",
    "Scope",
    "SourceEntry",
    "Tally",
    "build_report",
    "consent_text",
    "describe",
    "previous_chair",
    "shown_expectation",
    "since_text",
    "words",
]

SCHEMA = "tracker.report/1"
"""The version tag every JSON report carries; bump it when the JSON shape changes."""

COMMITMENT_STATES: tuple[str, ...] = ("undertaken", "fulfilled", "lapsed", "withdrawn", "superseded")
"""Commitment states in the order the headline counts them."""

LEVELS: tuple[str, ...] = ("no_evidence", "not_started", "limited", "substantial", "complete")
"""Implementation levels from least to most."""

# Meetings further back than this are history, not "recent"; at least a few are always shown
# so a quiet body still has context.
RECENT_DAYS = 365
RECENT_MINIMUM = 3


_R = TypeVar("_R")


class Rows(Sequence[_R], Generic[_R]):
    """A report section whose rows are built when iterated, a page at a time (a streamed report's sections).

    Rows cite their sources into the report's index as they are built, so renderers iterate the
    sections in document order, each once; `preview()` builds them without citing (for a summary
    printed ahead of the sections, like the HTML head's JSON-LD).
    """

    def __init__(self, count: int | Callable[[], int], build: Callable[[_SourceIndex], Iterator[_R]],
                 index: _SourceIndex, cite: Callable[[_SourceIndex], None] | None = None) -> None:
        self._count = count
        self._build = build
        self._index = index
        self._cite = cite

    def __len__(self) -> int:
        return self._count if isinstance(self._count, int) else self._count()

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[_R]:
        return self._build(self._index)

    def preview(self) -> Iterator[_R]:
        """The rows, their sources numbered in a scratch index: the report's numbering is untouched."""
        return self._build(_SourceIndex())

    def cite(self) -> None:
        """Cite the rows' sources into the report's index, in the order iterating would, without keeping the rows.

        For a renderer that needs every citation (and quote) before it writes the first row: the
        section's own citing pass when it has one (no row built), else its rows built and dropped.
        """
        if self._cite is not None:
            self._cite(self._index)
            return
        for _ in self:
            pass

    def release(self) -> None:
        """Let go of what the rows are built from (a written report's): the count stays, iterating is refused."""
        self._count = len(self)  # a count asked of the index (the sources') is fixed by now
        self._build = _released
        self._cite = None
        self._index = _SourceIndex()  # the report's own index holds every source cited (10,000 a large report)

    @overload
    def __getitem__(self, i: int) -> _R: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[_R]: ...
    def __getitem__(self, i: int | slice) -> _R | Sequence[_R]:
        return tuple(self)[i]  # builds every row: for small sections and tests, not for renderers


def _released(index: _SourceIndex) -> Iterator[Any]:
    raise RuntimeError("these report rows were written and released: open the report again to read them")


def preview(rows: Sequence[_R]) -> Sequence[_R]:
    """Rows to show ahead of their section without numbering their sources (plain rows as they are)."""
    return tuple(rows.preview()) if isinstance(rows, Rows) else rows


@dataclass(frozen=True)
class Scope:
    """What the report covers: one organization, one body, or everything."""

    organization_id: str | None
    body_id: str | None

    def label(self, t: Texts | None = None, names: dict[str, str] | None = None) -> str:
        """A human phrase naming the scope, with the recorded name beside the id when there is one."""
        t = t or texts(DEFAULT_LANGUAGE)
        names = names or {}
        if self.body_id is not None:
            name = names.get(f"body:{self.body_id}")
            return t("scope.body", id=self.body_id, name=f"{name} ({self.body_id})" if name else self.body_id)
        if self.organization_id is not None:
            name = names.get(f"organization:{self.organization_id}")
            return t("scope.organization", id=self.organization_id,
                     name=f"{name} ({self.organization_id})" if name else self.organization_id)
        return t("scope.all")


@dataclass(frozen=True)
class SourceEntry:
    """A cited source, numbered in order of first citation."""

    number: int
    publisher: str
    title: str | None
    url: str | None
    published_on: PartialDate | None
    language: str | None
    quotes: tuple[str, ...] = ()  # what the cited text says, each quote once, in order of first citation


@dataclass(frozen=True)
class LastDevelopment:
    """The latest development of an entity, with the numbers of its sources (none: recorded unsourced)."""

    ref: str
    type: str
    summary: str
    occurred_on: PartialDate
    recorded_at: datetime
    sources: tuple[int, ...]

    @property
    def unsourced(self) -> bool:
        """Recorded without a citation (the event said so explicitly)."""
        return not self.sources


@dataclass(frozen=True)
class CommitmentRow:
    """One row of the commitments table."""

    commitment_id: str
    organization_id: str
    body_id: str | None
    title: str
    status: str
    level: str
    parties: tuple[str, ...]
    undertaken_on: PartialDate
    due_on: PartialDate | None
    overdue: bool
    stale: bool
    superseded_by: str | None
    last_development: LastDevelopment
    developments: int
    history: tuple[DevelopmentSummary, ...]  # world order, as the read model gives them (streamed: HTML only)
    sources: tuple[int, ...]


@dataclass(frozen=True)
class ProposalRow:
    """One proposal: who tabled it, who supported it, what it became, and how long it has been quiet."""

    proposal_id: str
    organization_id: str
    body_id: str | None
    meeting_id: str | None
    title: str
    summary: str | None
    kind: str
    status: str
    by_state: str
    by_person: str | None
    by_office: str | None
    tabled_on: PartialDate
    supporters: tuple[str, ...]
    adopted_into: tuple[str, str] | None  # ("commitment" | "document", id)
    became: str | None  # the title of what it was adopted into, when the report knows it
    deferred_until: PartialDate | None
    days_since: int  # days from its last development (latest possible day) to as_of
    stale: bool
    last_development: LastDevelopment
    sources: tuple[int, ...]  # of its tabling and of its last development


@dataclass(frozen=True)
class DocumentRow:
    """One document with its parties-by-action matrix."""

    document_id: str
    organization_id: str
    body_id: str | None
    meeting_id: str | None
    kind: str
    title: str
    drafted_on: PartialDate
    parties: tuple[PartyDocumentStatus, ...]  # sorted by state code
    in_force: bool
    in_force_on: PartialDate | None
    in_force_for: tuple[str, ...]
    last_development: LastDevelopment
    sources: tuple[int, ...]


@dataclass(frozen=True)
class MeetingRow:
    """A meeting with the numbers of its last development's sources."""

    meeting: MeetingStatus
    sources: tuple[int, ...]


@dataclass(frozen=True)
class Meetings:
    """Recent meetings (newest first) and upcoming ones (soonest first)."""

    recent: Sequence[MeetingRow]
    upcoming: Sequence[MeetingRow]


@dataclass(frozen=True)
class ChairLine:
    """A body's current chair, for the headline."""

    organization_id: str
    body_id: str
    state: str | None
    since: PartialDate | None


@dataclass(frozen=True)
class Headline:
    """Counts an analyst reads first."""

    commitments: int
    proposals: int
    proposals_waiting: int  # tabled or deferred: no decision yet
    by_status: tuple[tuple[str, int], ...]  # every state, zeros included, in COMMITMENT_STATES order
    by_level: tuple[tuple[str, int], ...]  # every level, zeros included, in LEVELS order
    overdue: int
    stale: int
    documents: int
    documents_in_force: int
    chairs: tuple[ChairLine, ...]


@dataclass(frozen=True)
class ChangeEntry:
    """A development in the window and the status changes it caused."""

    ref: str
    type: str
    summary: str
    sentence: str  # the development as one sentence in the report's language, names beside codes
    occurred_on: PartialDate
    recorded_at: datetime
    retracted: bool
    corrected_by: str | None
    status_changes: tuple[StatusChange, ...]
    sources: tuple[int, ...]

    @property
    def unsourced(self) -> bool:
        """Recorded without a citation."""
        return not self.sources


@dataclass(frozen=True)
class ChangeGroup:
    """Every change to one entity in the window."""

    entity: str
    label: str  # the entity as a reader names it: a title or a recorded name
    entries: tuple[ChangeEntry, ...]
    # Status changes whose causing development is not listed (e.g. it was recorded before the window).
    unmatched: tuple[StatusChange, ...]
    unmatched_sentences: tuple[str, ...] = ()  # one per unmatched change, in the report's language


@dataclass(frozen=True)
class Changes:
    """What changed since a record time ("recorded") or a world date ("world")."""

    kind: Literal["recorded", "world"]
    since: str  # ISO text of the datetime or date
    groups: Sequence[ChangeGroup]


@dataclass(frozen=True)
class ReportData:
    """Everything a status report shows, already sorted; renderers only format it."""

    schema: str
    lang: str
    title: str
    scope: Scope
    as_of: date
    known_at: datetime
    generated_at: datetime
    # The log position and chain head the answers were read from: the whole log up to there,
    # also when asked "as known at" an earlier time (see build_report).
    log_head: LogHead
    headline: Headline
    commitments: Sequence[CommitmentRow]
    proposals: Sequence[ProposalRow]
    documents: Sequence[DocumentRow]
    presidencies: tuple[PresidencyStatus, ...]
    meetings: Meetings
    changes: Changes | None
    review: tuple[ReviewItem, ...]
    sources: Sequence[SourceEntry]
    names: dict[str, str]  # "organization:sco" / "body:..." -> its recorded name in the report's language
    labels: dict[str, str]  # any entity in scope ("meeting:...", "commitment:...") -> how a reader names it
    assumed_rules: frozenset[str]  # bodies whose rotation rule was recorded without a source
    # The earliest and latest day of the commitments' lives (undertaken, due), when known before
    # their rows are built (a streamed report); None: read them from the rows.
    life_days: tuple[date, date] | None = None

    @property
    def texts(self) -> Texts:
        """The strings, state names and date formats of the report's language."""
        return texts(self.lang).with_organizations(self.names)

    def label(self, entity: str) -> str:
        """An entity ('meeting:sco-prosecutors-general/22') as a reader names it, with its id beside it."""
        found = self.labels.get(entity)
        return f"{found} ({entity})" if found else entity

    def name(self, kind: str, entity_id: str | None) -> str:
        """An organization's or body's recorded name, or its id when none was recorded."""
        if entity_id is None:
            return ""
        return self.names.get(f"{kind}:{entity_id}", entity_id)


class _Query(TypedDict):
    organization_id: str | None
    body_id: str | None
    as_of: date
    known_at: datetime


_SourceKey = tuple[str, str, str, str]


class _SourceIndex:
    """Numbers sources in order of first citation; the same source cited twice keeps one number."""

    def __init__(self) -> None:
        self._numbers: dict[_SourceKey, int] = {}
        self._entries: list[SourceEntry] = []
        self._quotes: dict[int, list[str]] = defaultdict(list)

    def cite(self, sources: Iterable[Source]) -> tuple[int, ...]:
        numbers: list[int] = []
        for source in sources:
            # The quote differs between citations of one article, so it is not part of its identity;
            # each distinct quote is kept with the source it came from.
            key = (
                source.publisher,
                source.url or "",
                source.title or "",
                source.published_on.text if source.published_on else "",
            )
            number = self._numbers.get(key)
            if number is None:
                number = len(self._entries) + 1
                self._numbers[key] = number
                self._entries.append(dataclass_instance(SourceEntry, dict(
                    number=number,
                    publisher=source.publisher,
                    title=source.title,
                    url=source.url,
                    published_on=source.published_on,
                    language=source.language,
                    quotes=(),
                )))
            if source.quote and source.quote not in self._quotes[number]:
                self._quotes[number].append(source.quote)
            if number not in numbers:
                numbers.append(number)
        return tuple(numbers)

    def count(self) -> int:
        return len(self._entries)

    def entries(self) -> tuple[SourceEntry, ...]:
        return tuple(self.each())

    def each(self) -> Iterator[SourceEntry]:
        """The entries with their quotes, one at a time (a streamed report's are not copied all at once)."""
        for e in self._entries:
            quotes = self._quotes.get(e.number)
            yield replace(e, quotes=tuple(quotes)) if quotes else e


def _last(dev: DevelopmentSummary, index: _SourceIndex) -> LastDevelopment:
    return dataclass_instance(LastDevelopment, dict(
        ref=dev.ref,
        type=dev.type,
        summary=dev.summary,
        occurred_on=dev.occurred_on,
        recorded_at=dev.recorded_at,
        sources=index.cite(dev.sources),
    ))


def _commitment_row(
    c: CommitmentStatus, history: list[DevelopmentSummary], index: _SourceIndex
) -> CommitmentRow:
    last = _last(c.last_development, index)
    return dataclass_instance(CommitmentRow, dict(
        commitment_id=c.commitment_id,
        organization_id=c.organization_id,
        body_id=c.body_id,
        title=c.title,
        status=c.status,
        level=c.level,
        parties=tuple(sorted(c.parties)),
        undertaken_on=c.undertaken_on,
        due_on=c.due_on,
        overdue=c.overdue,
        stale=c.stale,
        superseded_by=c.superseded_by,
        last_development=last,
        developments=c.developments,
        # The ReadModel contract returns developments in world order; kept as they are (not copied
        # into another type, not re-sorted): at 100,000 developments that was most of the build time.
        history=tuple(history),
        sources=last.sources,
    ))


def _proposal_row(
    p: ProposalStatus, history: list[DevelopmentSummary], titles: dict[str, str], as_of: date, index: _SourceIndex
) -> ProposalRow:
    # The tabling is the proposal's founding fact: its sources (and quotes) are cited even when
    # a later development is the last one.
    tabled = next((d for d in history if d.type == "ProposalTabled" and not d.retracted), None)
    cited = index.cite(tabled.sources) if tabled is not None else ()
    last = _last(p.last_development, index)
    into = p.adopted_into
    return ProposalRow(
        proposal_id=p.proposal_id,
        organization_id=p.organization_id,
        body_id=p.body_id,
        meeting_id=p.meeting_id,
        title=p.title,
        summary=p.summary,
        kind=p.kind,
        status=p.status,
        by_state=p.by_state,
        by_person=p.by_person,
        by_office=p.by_office,
        tabled_on=p.tabled_on,
        supporters=tuple(sorted(p.supporters)),
        adopted_into=into,
        became=titles.get(f"{into[0]}:{into[1]}") if into else None,
        deferred_until=p.deferred_until,
        days_since=max((as_of - p.last_development.occurred_on.latest).days, 0),
        stale=p.stale,
        last_development=last,
        sources=tuple(dict.fromkeys((*cited, *last.sources))),
    )


def _document_row(d: DocumentStatus, index: _SourceIndex) -> DocumentRow:
    last = _last(d.last_development, index)
    return DocumentRow(
        document_id=d.document_id,
        organization_id=d.organization_id,
        body_id=d.body_id,
        meeting_id=d.meeting_id,
        kind=d.kind,
        title=d.title,
        drafted_on=d.drafted_on,
        parties=tuple(sorted(d.parties, key=lambda p: p.state)),
        in_force=d.in_force,
        in_force_on=d.in_force_on,
        in_force_for=tuple(sorted(d.in_force_for)),
        last_development=last,
        sources=last.sources,
    )


def _world_order(d: DevelopmentSummary) -> tuple[date, date, datetime, str]:
    return (*d.occurred_on.sort_key(), d.recorded_at, d.ref)


def _split_meetings(meetings: list[MeetingStatus], as_of: date) -> tuple[list[MeetingStatus], list[MeetingStatus]]:
    """Past meetings newest first (trimmed to the recent ones) and future ones soonest first."""
    past: list[MeetingStatus] = []
    upcoming: list[MeetingStatus] = []
    for m in meetings:
        when = m.held_on or m.starts_on
        # A meeting that may still lie ahead (its earliest possible day is after as_of) and was
        # not held is upcoming; a cancelled one is news only while its date is ahead.
        if m.status != "held" and when.earliest > as_of:
            upcoming.append(m)
        else:
            past.append(m)
    past.sort(key=lambda m: ((m.held_on or m.starts_on).sort_key(), m.meeting_id), reverse=True)
    upcoming.sort(key=lambda m: (m.starts_on.sort_key(), m.meeting_id))
    horizon = as_of - timedelta(days=RECENT_DAYS)
    recent = [m for m in past if (m.held_on or m.starts_on).latest >= horizon]
    if len(recent) < RECENT_MINIMUM:
        recent = past[:RECENT_MINIMUM]
    return recent, upcoming


def _current_chair(p: PresidencyStatus) -> ChairLine:
    current: ChairTerm | None = p.current
    return ChairLine(
        organization_id=p.organization_id,
        body_id=p.body_id,
        state=current.state if current else None,
        since=current.start if current else None,
    )


def _changes(
    developments: list[DevelopmentSummary],
    *,
    status_changes: list[StatusChange],
    kind: Literal["recorded", "world"],
    since_text: str,
    index: _SourceIndex,
    t: Texts,
    labels: dict[str, str],
) -> Changes:
    by_ref: dict[str, list[StatusChange]] = defaultdict(list)
    for sc in status_changes:
        by_ref[sc.ref].append(sc)
    listed = {d.ref for d in developments}
    entries: dict[str, list[ChangeEntry]] = defaultdict(list)
    for d in sorted(developments, key=_world_order):
        caused = sorted(by_ref.get(d.ref, ()), key=lambda s: (s.field, s.before or "", s.after or ""))
        entries[d.entity].append(
            ChangeEntry(
                ref=d.ref,
                type=d.type,
                summary=d.summary,
                sentence=change_sentence(d.type, d.summary, caused, t, labels.get(d.entity)),
                occurred_on=d.occurred_on,
                recorded_at=d.recorded_at,
                retracted=d.retracted,
                corrected_by=d.corrected_by,
                status_changes=tuple(caused),
                sources=index.cite(d.sources),
            )
        )
    unmatched: dict[str, list[StatusChange]] = defaultdict(list)
    for sc in status_changes:
        if sc.ref not in listed:
            unmatched[sc.entity].append(sc)
    groups = []
    for entity in sorted(set(entries) | set(unmatched)):
        rest = sorted(unmatched.get(entity, ()), key=lambda s: (*s.occurred_on.sort_key(), s.ref, s.field))
        groups.append(
            ChangeGroup(
                entity=entity,
                label=labels.get(entity) or entity,
                entries=tuple(entries.get(entity, ())),
                unmatched=tuple(rest),
                unmatched_sentences=tuple(change_sentence("", "", [s], t, labels.get(entity)) for s in rest),
            )
        )
    return Changes(kind=kind, since=since_text, groups=tuple(groups))


def _pick(names: dict[str, str], lang: str) -> str:
    # The report's language, else English, else whatever was recorded first.
    return names.get(lang) or names.get(DEFAULT_LANGUAGE) or next(iter(names.values()), "")


def _labels(
    names: dict[str, str],
    *,
    titles: dict[str, str],
    documents: Iterable[DocumentStatus],
    meetings: Iterable[MeetingStatus],
    t: Texts,
) -> dict[str, str]:
    """How a reader names each entity in scope: its title (`titles`: "commitment:..." and "proposal:..."),
    or its recorded name, or its meeting number."""
    labels = dict(names)
    labels.update(titles)
    labels.update((f"document:{d.document_id}", d.title) for d in documents)
    for m in meetings:
        body = names.get(f"body:{m.body_id}", m.body_id)
        labels[f"meeting:{m.meeting_id}"] = (
            t("meeting.numbered", number=m.number, body=body) if m.number is not None
            else t("meeting.unnumbered", id=m.meeting_id, body=body)
        )
    return labels


def _parties_named(
    commitments: Iterable[CommitmentStatus],
    proposals: Iterable[ProposalStatus],
    documents: Iterable[DocumentStatus],
    presidencies: Iterable[PresidencyStatus],
    meetings: Iterable[MeetingStatus],
) -> set[str]:
    """Every party the report names: states and organizations (org:eu) alike."""
    found: set[str] = set()
    for c in commitments:
        found.update(c.parties)
    for p in proposals:
        found.update((p.by_state, *p.supporters))
    for d in documents:
        found.update(party.state for party in d.parties)
    for presidency in presidencies:
        found.update(t.state for t in presidency.terms)
        found.update(state for state, _ in presidency.upcoming)
    for m in meetings:
        found.update(a.state for a in m.attendees)
        found.update((m.chaired_by,) if m.chaired_by else ())
    return found


def _parties_changed(changes: Iterable[StatusChange]) -> set[str]:
    """Organization parties named by status changes, in a field (membership[org:eu]) or a value (the chair)."""
    found: set[str] = set()
    for c in changes:
        _, bracket, key = c.field.rstrip("]").partition("[")
        candidates = (key if bracket else None, c.before, c.after)
        found.update(v for v in candidates if v is not None and party_organization(v) is not None)
    return found


def _organization_party_names(
    read_model: ReadModel, query: _Query, lang: str, parties: Iterable[str], known: dict[str, str],
) -> dict[str, str]:
    """The recorded names of the organizations named as parties (org:eu -> "European Union"), as of the report."""
    found: dict[str, str] = {}
    for party in sorted(parties):
        organization = party_organization(party)
        stream = f"organization:{organization}"
        if organization is None or stream in known:
            continue
        scoped: _Query = {**query, "organization_id": organization, "body_id": None}
        for entry in read_model.entity_names(**scoped):
            if entry.stream == stream:
                found[stream] = _pick(entry.names, lang)
    return found


def _assumed_rules(developments: Iterable[DevelopmentSummary], as_of: date) -> frozenset[str]:
    """Bodies whose rule in effect on as_of was set by a development recorded without a source."""
    rule_set: dict[str, DevelopmentSummary] = {}
    for d in developments:  # world order: the last one that took effect wins
        if d.type in ("BodyEstablished", "RotationRuleChanged") and not d.retracted and d.occurred_on.earliest <= as_of:
            rule_set[d.entity] = d
    return frozenset(entity.partition(":")[2] for entity, d in rule_set.items() if not d.sources)


class Tally:
    """The headline's counts, gathered one commitment and one proposal at a time."""

    def __init__(self) -> None:
        self.by_status = dict.fromkeys(COMMITMENT_STATES, 0)
        self.by_level = dict.fromkeys(LEVELS, 0)
        self.commitments = self.overdue = self.stale = 0
        self.proposals = self.proposals_waiting = 0

    def commitment(self, c: CommitmentStatus) -> None:
        """Count one commitment."""
        self.commitments += 1
        self.by_status[c.status] = self.by_status.get(c.status, 0) + 1
        self.by_level[c.level] = self.by_level.get(c.level, 0) + 1
        self.overdue += c.overdue
        self.stale += c.stale

    def proposal(self, p: ProposalStatus) -> None:
        """Count one proposal."""
        self.proposals += 1
        self.proposals_waiting += p.status in ("tabled", "deferred")

    def headline(self, documents: Sequence[DocumentStatus], presidencies: Iterable[PresidencyStatus]) -> Headline:
        """The headline of what was counted, with the documents and the bodies' chairs."""
        return Headline(
            commitments=self.commitments,
            proposals=self.proposals,
            proposals_waiting=self.proposals_waiting,
            by_status=tuple(self.by_status.items()),
            by_level=tuple(self.by_level.items()),
            overdue=self.overdue,
            stale=self.stale,
            documents=len(documents),
            documents_in_force=sum(d.in_force for d in documents),
            chairs=tuple(_current_chair(p) for p in presidencies),
        )


def build_report(
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
) -> ReportData:
    """Build the report of a scope as of a world date, as known at a record time, optionally since a time.

    The whole report in memory, every section a tuple: `open_report`'s, its sections built in
    document order (so sources are numbered as a renderer meets them) and kept.
    """
    from tracker.projections.reports.streamed import open_report

    report = open_report(read_model, organization_id=organization_id, body_id=body_id, as_of=as_of,
                         known_at=known_at, since=since, title=title, generated_at=generated_at, lang=lang)
    commitments = tuple(report.commitments)
    proposals = tuple(report.proposals)
    documents = tuple(report.documents)
    meetings = Meetings(recent=tuple(report.meetings.recent), upcoming=tuple(report.meetings.upcoming))
    changes = report.changes
    if changes is not None:
        changes = replace(changes, groups=tuple(changes.groups))
    return replace(report, commitments=commitments, proposals=proposals, documents=documents, meetings=meetings,
                   changes=changes, sources=tuple(report.sources), life_days=None)


# UN Treaty Collection convention: the consent date carries a mark saying which kind of consent it was.
CONSENT_MARKS: dict[str, str] = {
    "ratification": "",
    "acceptance": "A",
    "approval": "AA",
    "accession": "a",
    "succession": "d",
}
"""The UNTC mark that follows a consent date (ratification has none)."""


# Keyed by the EDTF text, which alone determines the phrase: str hashes are cached by Python,
# a PartialDate's hash is recomputed from six fields on every lookup. Bounded by the number of
# distinct dates (a few hundred thousand at most), so it is never evicted.
_DESCRIBED: dict[str, str] = {}


def describe(value: PartialDate) -> str:
    """PartialDate.describe(), memoised: a large report shows the same few thousand dates many times."""
    text = value.text
    found = _DESCRIBED.get(text)
    if found is None:
        found = _DESCRIBED[text] = value.describe()
    return found


def previous_chair(p: PresidencyStatus) -> str | None:
    """Who chaired before the current chair, when the recorded terms say it (a handover's from_state
    or a meeting's chaired_by make such a term)."""
    if p.current is None or len(p.terms) < 2:
        return None
    position = next((i for i, term in enumerate(p.terms) if term == p.current), len(p.terms) - 1)
    if position == 0:
        return None
    before = p.terms[position - 1].state
    return before if before != p.current.state else None


def shown_expectation(term: ChairTerm) -> str | None:
    """The state the rule expected for a term, shown only where it differs from who chaired."""
    return term.expected_state if term.expected_state and term.expected_state != term.state else None


def since_text(t: Texts, changes: Changes) -> str:
    """The start of a "Changes since" window as a reader says it."""
    if changes.kind == "recorded":
        return t.moment(datetime.fromisoformat(changes.since))
    return t.day(date.fromisoformat(changes.since))


def words(value: str) -> str:
    """A machine value ('no_evidence') as words ('no evidence')."""
    return value.replace("_", " ")


def consent_text(party: PartyDocumentStatus) -> str:
    """The consent cell as the UNTC shows it: '2021-06 AA', or '' when no consent yet."""
    if party.consent_on is None:
        return ""
    mark = CONSENT_MARKS.get(party.consent or "", party.consent or "")
    return f"{party.consent_on.text} {mark}".strip()
