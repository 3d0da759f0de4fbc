"""What the projections answer: frozen result types shared by queries, reports and reminders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, NamedTuple, Protocol

from tracker.events import PartialDate, RotationRule, Source
from tracker.events.vocabulary import FormerName

__all__ = [
    "EMPTY_LOG",
    "Attendance",
    "AttestationEntry",
    "BodyStatus",
    "ChairTerm",
    "CommitmentState",
    "CommitmentStatus",
    "DevelopmentSummary",
    "DocumentStatus",
    "EntityNames",
    "EntityStatus",
    "HandoverEntry",
    "LogHead",
    "MeetingState",
    "MeetingStatus",
    "MembershipEntry",
    "Message",
    "OrganizationStatus",
    "OverrideEntry",
    "Params",
    "PartyDocumentStatus",
    "PresidencyStatus",
    "ProposalState",
    "ProposalStatus",
    "ReadModel",
    "ReviewItem",
    "RuleEntry",
    "StatusChange",
    "params",
]

CommitmentState = Literal["undertaken", "fulfilled", "lapsed", "withdrawn", "superseded"]
ProposalState = Literal["tabled", "adopted", "rejected", "withdrawn", "deferred"]
MeetingState = Literal["scheduled", "rescheduled", "relocated", "cancelled", "held"]
Level = Literal["no_evidence", "not_started", "limited", "substantial", "complete"]


Params = tuple[tuple[str, str], ...]
"""A message's parameters by name (sorted), each as text: a state code, a partial date's text, a ref, a number.

A report words a parameter by its name: `state`, `*_state` a state code ("" for none known),
`states` codes joined by ",", `on`, `*_on` a partial date, `*_day` an ISO day, `*status` a status
word; any other is shown as it is.
"""


def params(**values: object) -> Params:
    """Message parameters as the read model carries them: sorted by name, None as ""."""
    return tuple(sorted((name, "" if value is None else str(value)) for name, value in values.items()))


@dataclass(frozen=True)
class Message:
    """A line of the read model: a code a report words in its language (`msg.<code>`), and the English line."""

    code: str
    params: Params
    text: str  # the line in English, as the read model has always said it (the API shows it)


@dataclass(frozen=True)
class LogHead:
    """The log position and chain link an answer was read from, so it can be checked against the log."""

    position: int  # 0 for an empty log
    chain_head: str | None  # the last event's link; None when empty or stored before the chain

    @property
    def short(self) -> str:
        """The chain head's first 12 hex digits (or "" when there is none), as reports print it."""
        return (self.chain_head or "")[:12]


EMPTY_LOG = LogHead(0, None)
"""The head of a log with no event (a read model whose owner gave none answers from nothing)."""


@dataclass(frozen=True)
class DevelopmentSummary:
    """One recorded development, as reports and timelines show it."""

    ref: str  # e.g. "commitment:sco-joint-action-extremism-2018#2"
    type: str  # e.g. "ProgressAssessed"
    entity: str  # the stream, e.g. "commitment:sco-joint-action-extremism-2018"
    occurred_on: PartialDate
    recorded_at: datetime
    summary: str  # one human line, e.g. "Progress assessed: limited (KAZ)"
    sources: tuple[Source, ...] = ()
    retracted: bool = False
    corrected_by: str | None = None


@dataclass(frozen=True)
class StatusChange:
    """A development that changed an entity's status, from what to what."""

    entity: str
    ref: str
    occurred_on: PartialDate
    recorded_at: datetime
    field: str  # "status", "level", "due_on", "chair", ...
    before: str | None
    after: str | None


@dataclass(frozen=True)
class CommitmentStatus:
    """A commitment's state as of a world date, as known at a record time."""

    commitment_id: str
    organization_id: str
    body_id: str | None
    title: str
    text: str
    parties: tuple[str, ...]
    origin: tuple[str, str] | None  # (kind, id)
    topics: tuple[str, ...]
    undertaken_on: PartialDate
    status: CommitmentState
    superseded_by: str | None
    level: Level  # overall implementation level ("no_evidence" until assessed)
    party_levels: dict[str, Level]  # per party; parties never assessed are "no_evidence"
    due_on: PartialDate | None
    due_version: int  # bumps whenever the due date changes: reminders key on it
    overdue: bool  # due date passed (latest possible day < as_of) and not fulfilled
    stale: bool  # no development for N days (config, default 365) while still open
    last_development: DevelopmentSummary
    developments: int  # how many developments count for this answer


@dataclass(frozen=True)
class ProposalStatus:
    """A proposal's state as of a world date."""

    proposal_id: str
    organization_id: str
    body_id: str | None
    meeting_id: str | None
    title: str
    summary: str | None
    kind: str
    by_state: str
    by_person: str | None
    by_office: str | None
    tabled_on: PartialDate
    status: ProposalState
    supporters: tuple[str, ...]
    adopted_into: tuple[str, str] | None  # ("commitment" | "document", id)
    deferred_until: PartialDate | None
    last_development: DevelopmentSummary
    stale: bool = False  # no development for N days (as for commitments) while tabled or deferred


@dataclass(frozen=True)
class PartyDocumentStatus:
    """One state's standing toward a document, reduced as the UN Treaty Collection does."""

    state: str
    signed_on: PartialDate | None
    signed_by: str | None  # "person, office"
    consent: str | None  # ratification / acceptance / approval / accession / succession
    consent_on: PartialDate | None
    status: str | None  # "signed", "ratified", "accepted", "approved", "acceded", "succeeded"
    denounced_on: PartialDate | None
    reservations: tuple[str, ...]  # texts of reservations, declarations, objections
    actions: tuple[tuple[str, PartialDate], ...]  # every action with its date, world order


@dataclass(frozen=True)
class DocumentStatus:
    """A document's state as of a world date."""

    document_id: str
    organization_id: str
    body_id: str | None
    meeting_id: str | None
    kind: str
    title: str
    drafted_on: PartialDate
    parties: tuple[PartyDocumentStatus, ...]
    in_force: bool
    in_force_on: PartialDate | None
    in_force_for: tuple[str, ...]  # empty with in_force: for all its parties
    last_development: DevelopmentSummary


@dataclass(frozen=True)
class Attendance:
    """One state's representation at a held meeting."""

    state: str
    person: str | None
    office: str | None
    level: str | None


@dataclass(frozen=True)
class MeetingStatus:
    """A meeting's state as of a world date."""

    meeting_id: str
    body_id: str
    organization_id: str
    number: int | None
    city: str | None
    venue: str | None
    host_state: str | None
    starts_on: PartialDate
    ends_on: PartialDate | None
    format: str  # in_person, virtual, hybrid; "unknown" for a meeting known only from the report it was held
    theme: str | None
    status: MeetingState
    held_on: PartialDate | None
    attendees: tuple[Attendance, ...]
    reschedule_count: int  # bumps whenever dates change: calendar SEQUENCE and reminders key on it
    last_development: DevelopmentSummary
    chaired_by: str | None = None  # as the report of the meeting names it
    previous_starts_on: tuple[PartialDate, ...] = ()  # start dates it was rescheduled away from, in order
    attendance_count: int | None = None  # delegations present: a source's number, else the names listed


@dataclass(frozen=True)
class ChairTerm:
    """A state's term in the chair of a body."""

    state: str
    start: PartialDate
    end: PartialDate | None  # None: still chairing
    expected_state: str | None  # who the rule expected for this term
    deviation: bool
    refs: tuple[str, ...]


@dataclass(frozen=True)
class PresidencyStatus:
    """A body's presidency as of a world date."""

    body_id: str
    organization_id: str
    rule: str  # e.g. "alphabetical (ru), per_meeting"
    current: ChairTerm | None
    terms: tuple[ChairTerm, ...]
    expected_next: str | None
    upcoming: tuple[tuple[str, date | None], ...]  # (state, expected start if computable)
    deviations: tuple[str, ...]  # human lines naming who was expected and the event
    gaps: tuple[str, ...]
    chain_conflicts: tuple[str, ...]
    # What the answer rests on that a reader should know (e.g. ISO names used for an order).
    notes: tuple[str, ...] = ()
    # The same four lists as codes with parameters, one for one, for reports in any language.
    deviation_messages: tuple[Message, ...] = ()
    gap_messages: tuple[Message, ...] = ()
    chain_conflict_messages: tuple[Message, ...] = ()
    note_messages: tuple[Message, ...] = ()


@dataclass(frozen=True)
class EntityNames:
    """An organization's or a body's names as recorded, per language (what reports show beside ids)."""

    stream: str  # "organization:sco", "body:sco-prosecutors-general"
    names: dict[str, str]
    abbreviations: dict[str, str] = field(default_factory=dict)
    organization_id: str | None = None  # a body's organization


@dataclass(frozen=True)
class ReviewItem:
    """Something for a person to look at: sources disagree, or a rule is broken."""

    kind: str  # "chain_conflict", "deviation", "gap", "date_conflict", ...
    entity: str
    message: str  # in English (the API's and the review queue's; an item without refs is keyed on it)
    refs: tuple[str, ...] = field(default_factory=tuple)
    code: str = ""  # the message as a catalogue code (`msg.<code>`), so a report words it in its language
    params: Params = ()

    @classmethod
    def coded(cls, kind: str, entity: str, line: Message, refs: tuple[str, ...] = ()) -> ReviewItem:
        """An item whose message is `line`: its English text, code and parameters."""
        return cls(kind, entity, line.text, refs, line.code, line.params)


class MembershipEntry(NamedTuple):
    """One change of a state's standing in an organization."""

    state: str
    status: str
    on: PartialDate
    ref: str


class RuleEntry(NamedTuple):
    """A presidency rule of a body and when it took effect."""

    on: PartialDate
    rule: RotationRule
    ref: str


class OverrideEntry(NamedTuple):
    """A one-off departure from a body's rotation."""

    on: PartialDate
    kind: str
    states: tuple[str, ...]
    reason: str
    ref: str
    term: PartialDate | None = None  # the one term it changes, when the event names it


class AttestationEntry(NamedTuple):
    """A source's word that a state chaired a body on a date."""

    on: PartialDate
    state: str
    meeting_id: str | None
    ref: str


class HandoverEntry(NamedTuple):
    """A recorded passing of a body's chair."""

    on: PartialDate
    from_state: str | None
    to_state: str
    meeting_id: str | None
    ref: str


@dataclass(frozen=True)
class OrganizationStatus:
    """An organization as of a world date: its names and membership timeline (world order)."""

    organization_id: str
    names: dict[str, str]
    abbreviations: dict[str, str]
    former_names: tuple[FormerName, ...]
    identifiers: dict[str, str]
    registered_on: PartialDate
    memberships: tuple[MembershipEntry, ...]
    last_development: DevelopmentSummary

    def status_on(self, state: str, day: date) -> str | None:
        """A state's standing on a day (latest change counted from its earliest day), or None."""
        standing: str | None = None
        for entry in self.memberships:
            if entry.on.earliest > day:
                break
            if entry.state == state:
                standing = entry.status
        return standing

    def members_on(self, day: date) -> tuple[str, ...]:
        """The states that were full members on a day, sorted."""
        standing: dict[str, str] = {}
        for entry in self.memberships:
            if entry.on.earliest > day:
                break  # memberships are in world order
            standing[entry.state] = entry.status
        return tuple(sorted(s for s, status in standing.items() if status == "member"))


@dataclass(frozen=True)
class BodyStatus:
    """A body as of a world date: what the rotation engine needs, every list in world order."""

    body_id: str
    organization_id: str
    names: dict[str, str]
    established_on: PartialDate
    rules: tuple[RuleEntry, ...]
    overrides: tuple[OverrideEntry, ...]
    handovers: tuple[HandoverEntry, ...]
    last_development: DevelopmentSummary
    seats: tuple[MembershipEntry, ...] = ()  # the body's own seats; the organization's members when empty
    attestations: tuple[AttestationEntry, ...] = ()

    def rule_on(self, day: date) -> RotationRule:
        """The rule in effect on a day (the first rule before the body existed)."""
        current = self.rules[0].rule
        for entry in self.rules:
            if entry.on.earliest > day:
                break
            current = entry.rule
        return current




EntityStatus = (
    CommitmentStatus | ProposalStatus | DocumentStatus | MeetingStatus | PresidencyStatus | OrganizationStatus
)
"""What `status()` answers for one entity, by its kind (a body's status is its presidency)."""


class ReadModel(Protocol):
    """The queries reports and reminders rely on; every one answers as of / as known at."""

    def commitments(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[CommitmentStatus]:
        """Every commitment in scope."""
        ...

    def proposals(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[ProposalStatus]:
        """Every proposal in scope."""
        ...

    def documents(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[DocumentStatus]:
        """Every document in scope."""
        ...

    def meetings(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[MeetingStatus]:
        """Every meeting in scope."""
        ...

    def presidencies(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[PresidencyStatus]:
        """The presidency of every body in scope."""
        ...

    def review_items(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[ReviewItem]:
        """What needs a person's review."""
        ...

    def entity_names(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[EntityNames]:
        """The recorded names of the organizations and bodies in scope (a body's organization included)."""
        ...

    def developments(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        recorded_after: datetime | None = None, occurred_after: date | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[DevelopmentSummary]:
        """Developments in scope, in world order, optionally only those after a time."""
        ...

    def status_changes(
        self, *, organization_id: str | None = None, body_id: str | None = None,
        recorded_after: datetime | None = None, occurred_after: date | None = None,
        as_of: date | None = None, known_at: datetime | None = None,
    ) -> list[StatusChange]:
        """Status changes caused by developments in the window."""
        ...

    def log_head(self) -> LogHead:
        """The log position and chain head these answers are read from."""
        ...
