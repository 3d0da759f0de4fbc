"""Pure status reductions: one entity's recorded events -> its status as of a date, as known at a time.

Two times govern every answer. *known_at* filters by record time (what the tracker knew);
corrections and retractions apply from their own record time, so asking as known before them
brings the old answer back. *as_of* filters by world time: an event counts from the earliest
day its partial date allows. Effective events are folded in world order (earliest, latest,
record time, version), never in recording order, because history is backfilled.

Decisions the contract leaves open (callers and tests rely on them):
- A retraction wins over any correction of the same target, whatever their record order;
  only retracting the retraction brings the target back. Corrections apply in record order,
  the last live one wins.
- A correction whose replacement names another entity, does not validate, or turns an event
  into an amendment (or back) is not applied; it becomes a review item instead.
- The amendments themselves (EventRetracted / EventCorrected) are not developments of the
  entity: they never count in `developments` nor become `last_development`.
- Within one entity every fact is "latest in world order wins" (levels, signatures, consent,
  dates, place); duplicates that a person should look at are review items.
- Commitment: `overdue` only while still "undertaken" (a withdrawn, lapsed or superseded
  commitment owes nothing); `level` stays "no_evidence" until an overall assessment, never
  derived from per-party ones; `party_levels` lists the parties only (an assessment naming a
  non-party is a review item).
- Proposal: supporters are exactly the states of ProposalSupported events, the proposer is
  not added; `adopted_into` is set only while the status is "adopted" and prefers the
  commitment when an adoption names both a commitment and a document.
- Meeting: held beats every other status, also a cancellation (the meeting did take place;
  the conflict becomes a review item). The stream does not know its organization, so
  `reduce_meeting` takes `organization_id` from the caller (from the body's stream).
- Document: a party's status is its consent kind ("ratified", ...), else "signed"; a
  denunciation is shown apart in `denounced_on` and leaves the status as it was. `actions`
  lists "signature" too. `in_force_for` is empty when any entry into force was general.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple, TypeVar

from events import (
    BodyEstablished,
    BodyRenamed,
    ChairmanshipAttested,
    ChairmanshipHandedOver,
    CommitmentFulfilled,
    CommitmentLapsed,
    CommitmentSuperseded,
    CommitmentUndertaken,
    CommitmentWithdrawn,
    DeadlineChanged,
    Development,
    DocumentDrafted,
    DocumentEnteredIntoForce,
    DocumentSigned,
    EventCorrected,
    EventRetracted,
    MeetingCancelled,
    MeetingHeld,
    MeetingRelocated,
    MeetingRescheduled,
    MeetingScheduled,
    MembershipChanged,
    OrganizationRegistered,
    OrganizationRenamed,
    PartialDate,
    PartyActionTaken,
    ProgressAssessed,
    ProposalAdopted,
    ProposalDeferred,
    ProposalRejected,
    ProposalSupported,
    ProposalTabled,
    ProposalWithdrawn,
    Recorded,
    RotationOverridden,
    RotationRule,
    RotationRuleChanged,
    SeatAssigned,
    parse_event,
    parse_partial_date,
)
from events.vocabulary import FormerName
from projections.model import (
    Attendance,
    CommitmentState,
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    Level,
    MeetingState,
    MeetingStatus,
    PartyDocumentStatus,
    ProposalState,
    ProposalStatus,
    ReviewItem,
    StatusChange,
)

__all__ = [
    "BodyStatus",
    "Handover",
    "MembershipEntry",
    "OrganizationStatus",
    "Override",
    "RuleEntry",
    "describe_rule",
    "effective_events",
    "reduce_body",
    "reduce_commitment",
    "reduce_document",
    "reduce_meeting",
    "reduce_organization",
    "reduce_proposal",
    "review_items",
    "status_changes",
    "status_fields",
    "summarize",
    "world_key",
]

_Fields = dict[str, str | None]
_AMENDMENTS = (EventRetracted, EventCorrected)
_CONSENT_STATUS = {
    "ratification": "ratified",
    "acceptance": "accepted",
    "approval": "approved",
    "accession": "acceded",
    "succession": "succeeded",
}
_TEXT_ACTIONS = ("reservation", "declaration", "objection")


# --- Record time: corrections and retractions -------------------------------------------------


def _record_key(record: Recorded) -> tuple[datetime, int]:
    return (record.recorded_at, record.version)


def world_key(record: Recorded) -> tuple[date, date, datetime, int]:
    """Sort key of the world timeline: occurred earliest, latest, then record time and version."""
    return (*record.event.occurred_on.sort_key(), record.recorded_at, record.version)


@dataclass
class _Resolution:
    """The records as known at one time, each with its live content and amendment marks."""

    visible: list[Recorded]  # recorded <= known_at, record order, content after corrections
    retracted_by: dict[str, str]
    corrected_by: dict[str, str]  # the last live correction applied to a ref
    problems: list[ReviewItem]

    def live(self) -> list[Recorded]:
        """Live developments (no amendments, nothing retracted), record order."""
        return [
            r for r in self.visible
            if r.ref not in self.retracted_by and not isinstance(r.event, _AMENDMENTS)
        ]


def _resolve(records: Iterable[Recorded], known_at: datetime) -> _Resolution:
    visible = sorted((r for r in records if r.recorded_at <= known_at), key=_record_key)
    position = {r.ref: i for i, r in enumerate(visible)}
    # An amendment can only concern what was recorded before it, so walking backwards in record
    # order settles every amendment (is it itself retracted or corrected?) before its target is
    # reached: one pass, no fixpoint, no quadratic rescans.
    incoming: dict[str, list[tuple[int, Development]]] = {}
    contents: list[Development] = [r.event for r in visible]
    retracted_by: dict[str, str] = {}
    corrected_by: dict[str, str] = {}
    problems: list[ReviewItem] = []
    for i in range(len(visible) - 1, -1, -1):
        record = visible[i]
        content: Development = record.event
        # incoming was appended from later records backwards: reverse for record order.
        for j, amendment in reversed(incoming.get(record.ref, [])):
            amender = visible[j]
            if isinstance(amendment, EventRetracted):
                retracted_by[record.ref] = amender.ref
                continue
            assert isinstance(amendment, EventCorrected)
            replacement = _parse_replacement(record, content, amender, amendment, problems)
            if replacement is not None:
                content = replacement
                corrected_by[record.ref] = amender.ref
        contents[i] = content
        if record.ref in retracted_by or not isinstance(content, _AMENDMENTS):
            continue
        where = position.get(content.target)
        if where is None or where >= i:
            problems.append(ReviewItem(
                kind="dangling_reference", entity=record.stream,
                message=f"{record.ref} amends {content.target}, which is not an earlier event of this entity",
                refs=(record.ref, content.target),
            ))
            continue
        incoming.setdefault(content.target, []).append((i, content))
    resolved = [
        r if c is r.event else r.model_copy(update={"event": c})
        for r, c in zip(visible, contents, strict=True)
    ]
    # Corrections recorded after a retraction of the same target are moot: keep the mark honest.
    for ref in retracted_by:
        corrected_by.pop(ref, None)
    return _Resolution(resolved, retracted_by, corrected_by, problems)


@lru_cache(maxsize=4096)
def _parse_replacement_json(text: str) -> tuple[Development | None, str]:
    """Validate a replacement once: reductions run per query and date parsing is costly."""
    # Keyed on the canonical JSON so equal replacements share one frozen, immutable event.
    try:
        return parse_event(json.loads(text)), ""
    except ValueError as exc:
        return None, str(exc)


def _parse_replacement(
    target: Recorded, current: Development, amender: Recorded, correction: EventCorrected,
    problems: list[ReviewItem],
) -> Development | None:
    def refuse(kind: str, why: str) -> None:
        problems.append(ReviewItem(kind=kind, entity=target.stream, message=f"{amender.ref}: {why}",
                                   refs=(amender.ref, target.ref)))

    replacement, error = _parse_replacement_json(json.dumps(correction.replacement, sort_keys=True, default=str))
    if replacement is None:
        refuse("invalid_correction", f"the replacement for {target.ref} does not validate ({error})")
        return None
    if isinstance(replacement, _AMENDMENTS) != isinstance(current, _AMENDMENTS):
        refuse("invalid_correction",
               f"cannot replace a {current.type_name()} by a {replacement.type_name()} ({target.ref})")
        return None
    if replacement.stream != target.stream:
        # An event cannot move to another entity's stream; applying it here would mix entities.
        refuse("entity_changed",
               f"the correction of {target.ref} names {replacement.stream} instead; not applied")
        return None
    return replacement


def effective_events(records: Iterable[Recorded], *, as_of: date, known_at: datetime) -> list[Recorded]:
    """The developments that count as of `as_of` as known at `known_at`, corrected, in world order."""
    return _effective(_resolve(records, known_at), as_of)


def _effective(resolution: _Resolution, as_of: date) -> list[Recorded]:
    counted = [r for r in resolution.live() if r.event.occurred_on.earliest <= as_of]
    counted.sort(key=world_key)
    return counted


# --- One-line summaries ----------------------------------------------------------------------


def _name(names: dict[str, str]) -> str:
    return names.get("en") or next(iter(names.values()), "")


def _join(states: Iterable[str]) -> str:
    return ", ".join(states)


def _span(starts: PartialDate, ends: PartialDate | None) -> str:
    return str(starts) if ends is None or ends == starts else f"{starts} to {ends}"


def describe_rule(rule: RotationRule) -> str:
    """A rotation rule in a few words, e.g. 'alphabetical (ru), per_meeting'."""
    text: str = rule.kind
    if rule.language:
        text += f" ({rule.language})"
    if rule.term:
        text += f", every {rule.term_months} months" if rule.term_months else f", {rule.term}"
    if rule.order:
        text += f", order {'-'.join(rule.order)}"
    if rule.groups:
        text += f", groups {' > '.join(g.name for g in rule.groups)}"
    if rule.schedule:
        text += f", {len(rule.schedule)} scheduled terms"
    return text


def _with_reason(text: str, reason: str | None) -> str:
    return f"{text} ({reason})" if reason else text


def _describe(event: Development) -> str:
    match event:
        case OrganizationRegistered():
            abbreviation = _name(event.abbreviations) if event.abbreviations else ""
            suffix = f" ({abbreviation})" if abbreviation else ""
            return f"Organization registered: {_name(event.names)}{suffix}"
        case MembershipChanged():
            return f"Membership: {event.state} became {event.status.replace('_', ' ')}"
        case BodyEstablished():
            return f"Body established: {_name(event.names)}, rotation {describe_rule(event.rotation)}"
        case RotationRuleChanged():
            return _with_reason(f"Rotation rule changed to {describe_rule(event.rotation)}", event.reason)
        case RotationOverridden():
            return f"Rotation overridden ({event.override} {_join(event.states)}): {event.reason}"
        case OrganizationRenamed() | BodyRenamed():
            return f"Renamed: {_name(event.names)}"
        case ChairmanshipAttested():
            at = f" at {event.meeting_id}" if event.meeting_id else ""
            return f"Chair held by {event.state}{at}"
        case SeatAssigned():
            until = f" until {event.until}" if event.until else ""
            return f"Seat held by {event.state}{until}"
        case ChairmanshipHandedOver() if event.from_state == event.to_state:
            return f"{event.to_state} kept the chair for another term"
        case ChairmanshipHandedOver():
            text = f"Chair passed from {event.from_state} to {event.to_state}" if event.from_state \
                else f"Chair passed to {event.to_state}"
            return f"{text} at {event.meeting_id}" if event.meeting_id else text
        case MeetingScheduled():
            place = f" in {event.city}" if event.city else ""
            return f"Meeting scheduled for {_span(event.starts_on, event.ends_on)}{place}"
        case MeetingRescheduled():
            return _with_reason(f"Meeting rescheduled to {_span(event.starts_on, event.ends_on)}", event.reason)
        case MeetingRelocated():
            where = [w for w in (event.city, event.venue, event.host_state, event.format) if w]
            return _with_reason(f"Meeting relocated: {', '.join(where) or 'place changed'}", event.reason)
        case MeetingCancelled():
            return _with_reason("Meeting cancelled", event.reason)
        case MeetingHeld():
            chair = f", chaired by {event.chaired_by}" if event.chaired_by else ""
            return f"Meeting held ({len(event.attendees)} delegations{chair})"
        case ProposalTabled():
            return f"Proposal tabled by {event.by_state}: {event.title}"
        case ProposalSupported():
            return f"Proposal supported by {_join(event.states)}"
        case ProposalAdopted():
            if event.into_commitment_id:
                return f"Proposal adopted into commitment {event.into_commitment_id}"
            if event.into_document_id:
                return f"Proposal adopted into document {event.into_document_id}"
            return "Proposal adopted"
        case ProposalRejected():
            return _with_reason("Proposal rejected", event.reason)
        case ProposalWithdrawn():
            return _with_reason("Proposal withdrawn", event.reason)
        case ProposalDeferred():
            text = f"Proposal deferred until {event.until}" if event.until else "Proposal deferred"
            return _with_reason(text, event.reason)
        case CommitmentUndertaken():
            due = f" (due {event.due_on})" if event.due_on else ""
            return f"Commitment undertaken by {_join(event.parties)}: {event.title}{due}"
        case ProgressAssessed():
            return f"Progress assessed: {event.level} ({event.party or 'overall'})"
        case DeadlineChanged():
            text = f"Deadline changed to {event.due_on}" if event.due_on else "Deadline removed"
            return _with_reason(text, event.reason)
        case CommitmentFulfilled():
            return "Commitment fulfilled"
        case CommitmentLapsed():
            return _with_reason("Commitment lapsed", event.reason)
        case CommitmentWithdrawn():
            return _with_reason("Commitment withdrawn", event.reason)
        case CommitmentSuperseded():
            return _with_reason(f"Commitment superseded by {event.by_commitment_id}", event.reason)
        case DocumentDrafted():
            return f"Document drafted ({event.kind}): {event.title}"
        case DocumentSigned():
            return f"Signed by {_join(s.state for s in event.signatories)}"
        case PartyActionTaken():
            return f"{event.action.capitalize()} by {event.state}"
        case DocumentEnteredIntoForce():
            return f"Entered into force for {_join(event.for_states)}" if event.for_states \
                else "Entered into force"
        case EventRetracted():
            return f"Retracted {event.target}: {event.reason}"
        case EventCorrected():
            return f"Corrected {event.target}: {event.reason}"
    return event.type_name()  # pragma: no cover - every vocabulary type has a branch above


def summarize(record: Recorded) -> DevelopmentSummary:
    """One recorded development as a one-line human summary (no retraction/correction marks)."""
    event = record.event
    return DevelopmentSummary(
        ref=record.ref, type=event.type_name(), entity=record.stream, occurred_on=event.occurred_on,
        recorded_at=record.recorded_at, summary=_describe(event), sources=event.sources,
    )


# --- Folds: one per entity kind, applied in world order --------------------------------------


def _pd(value: PartialDate | None) -> str | None:
    return None if value is None else value.text


class _Base(ABC):
    """A fold of one entity's effective events in world order; shares creation, count, review items."""

    creator: type[Development] = Development

    def __init__(self) -> None:
        self.created: Recorded | None = None
        self.last: Recorded | None = None
        self.count = 0
        self.problems: list[ReviewItem] = []
        self.early: list[Recorded] = []  # sorted before the creation in world order

    @abstractmethod
    def apply(self, record: Recorded) -> None:
        """Take one more effective event (in world order) into account."""

    @abstractmethod
    def fields(self) -> _Fields:
        """The comparable status fields so far (empty before creation)."""

    def _review(self, kind: str, record: Recorded, message: str, *refs: str) -> None:
        self.problems.append(ReviewItem(kind=kind, entity=record.stream, message=message,
                                        refs=(*refs, record.ref)))

    def _check_early(self, creation: Recorded) -> None:
        # Sorting before the creation is harmless when the partial dates overlap (signed
        # "2019-01-01", drafted "2019"); only an event surely dated earlier is a conflict.
        start = creation.event.occurred_on
        for record in self.early:
            on = record.event.occurred_on
            if on.latest < start.earliest:
                self.problems.append(ReviewItem(
                    kind="date_conflict", entity=record.stream,
                    message=f"{record.ref} ({record.event.type_name()}, {on}) is dated before "
                            f"{creation.ref} created the entity ({start})",
                    refs=(record.ref, creation.ref),
                ))
        self.early.clear()

    def _take(self, record: Recorded) -> bool:
        """Count the event; True when it is the (first) creation event."""
        self.count += 1
        self.last = record
        if isinstance(record.event, self.creator):
            if self.created is None:
                self._check_early(record)
                return True
            self._review("duplicate_creation", record,
                         f"{record.ref} creates the entity again after {self.created.ref}; ignored",
                         self.created.ref)
            return False
        if self.created is None:
            self.early.append(record)
        return False


class _CommitmentFold(_Base):
    creator = CommitmentUndertaken

    def __init__(self) -> None:
        super().__init__()
        self.status: CommitmentState = "undertaken"
        self.superseded_by: str | None = None
        self.level: Level = "no_evidence"
        self.assessed: dict[str, Level] = {}
        self.due_on: PartialDate | None = None
        self.deadline_changes = 0
        self.parties: tuple[str, ...] = ()

    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            assert isinstance(event, CommitmentUndertaken)
            self.created = record
            self.parties = event.parties
            # A DeadlineChanged dated before the undertaking (backfill) already set the date.
            if self.deadline_changes == 0:
                self.due_on = event.due_on
            return
        match event:
            case ProgressAssessed(party=None):
                self.level = event.level
            case ProgressAssessed():
                assert event.party is not None
                if self.created is not None and event.party not in self.parties:
                    self._review("unknown_party", record,
                                 f"{record.ref} assesses {event.party}, which is not a party")
                self.assessed[event.party] = event.level
            case DeadlineChanged():
                self.due_on = event.due_on
                self.deadline_changes += 1
            case CommitmentFulfilled():
                self._close(record, "fulfilled")
            case CommitmentLapsed():
                self._close(record, "lapsed")
            case CommitmentWithdrawn():
                self._close(record, "withdrawn")
            case CommitmentSuperseded():
                self._close(record, "superseded")
                self.superseded_by = event.by_commitment_id

    def _close(self, record: Recorded, status: CommitmentState) -> None:
        if self.status not in ("undertaken", status):
            self._review("status_conflict", record,
                         f"{record.ref} marks the commitment {status} after it was already {self.status}")
        self.status = status
        if status != "superseded":
            self.superseded_by = None

    def party_levels(self) -> dict[str, Level]:
        """Every party's latest level; parties never assessed are 'no_evidence'."""
        return {p: self.assessed.get(p, "no_evidence") for p in self.parties}

    def fields(self) -> _Fields:
        if self.created is None:
            return {}
        out: _Fields = {
            "status": self.status, "superseded_by": self.superseded_by, "level": self.level,
            "due_on": _pd(self.due_on),
        }
        for party, level in self.party_levels().items():
            out[f"level[{party}]"] = level
        return out


class _ProposalFold(_Base):
    creator = ProposalTabled

    def __init__(self) -> None:
        super().__init__()
        self.status: ProposalState = "tabled"
        self.supporters: set[str] = set()
        self.adopted_into: tuple[str, str] | None = None
        self.deferred_until: PartialDate | None = None

    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            self.created = record
            return
        match event:
            case ProposalSupported():
                self.supporters.update(event.states)
            case ProposalAdopted():
                self._move(record, "adopted")
                if event.into_commitment_id:
                    self.adopted_into = ("commitment", event.into_commitment_id)
                elif event.into_document_id:
                    self.adopted_into = ("document", event.into_document_id)
            case ProposalRejected():
                self._move(record, "rejected")
            case ProposalWithdrawn():
                self._move(record, "withdrawn")
            case ProposalDeferred():
                self._move(record, "deferred")
                self.deferred_until = event.until

    def _move(self, record: Recorded, status: ProposalState) -> None:
        # Deferral is a waiting room: anything may follow it. After a decision, flag a change.
        if self.status in ("adopted", "rejected", "withdrawn"):
            self._review("status_conflict", record,
                         f"{record.ref} marks the proposal {status} after it was already {self.status}")
        self.status = status
        if status != "adopted":
            self.adopted_into = None
        if status != "deferred":
            self.deferred_until = None

    def fields(self) -> _Fields:
        if self.created is None:
            return {}
        into = self.adopted_into
        return {
            "status": self.status, "supporters": _join(sorted(self.supporters)) or None,
            "adopted_into": f"{into[0]}:{into[1]}" if into else None,
            "deferred_until": _pd(self.deferred_until),
        }


@dataclass
class _Party:
    state: str
    signed_on: PartialDate | None = None
    signed_by: str | None = None
    consent: str | None = None
    consent_on: PartialDate | None = None
    denounced_on: PartialDate | None = None
    reservations: list[str] = field(default_factory=list)
    actions: list[tuple[str, PartialDate]] = field(default_factory=list)

    def status(self) -> str | None:
        if self.consent is not None:
            return _CONSENT_STATUS[self.consent]
        return "signed" if self.signed_on is not None else None

    def freeze(self) -> PartyDocumentStatus:
        return PartyDocumentStatus(
            state=self.state, signed_on=self.signed_on, signed_by=self.signed_by, consent=self.consent,
            consent_on=self.consent_on, status=self.status(), denounced_on=self.denounced_on,
            reservations=tuple(self.reservations), actions=tuple(self.actions),
        )


class _DocumentFold(_Base):
    creator = DocumentDrafted

    def __init__(self) -> None:
        super().__init__()
        self.parties: dict[str, _Party] = {}
        self.in_force_on: PartialDate | None = None
        self.in_force_for: set[str] = set()
        self.general_force = False

    def _party(self, state: str) -> _Party:
        party = self.parties.get(state)
        if party is None:
            party = self.parties[state] = _Party(state)
        return party

    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            self.created = record
            return
        on = event.occurred_on
        match event:
            case DocumentSigned():
                for signatory in event.signatories:
                    party = self._party(signatory.state)
                    if party.signed_on is not None:
                        self._review("duplicate_action", record,
                                     f"{signatory.state} signs again in {record.ref} (first on {party.signed_on})")
                    party.signed_on = on
                    party.signed_by = ", ".join(x for x in (signatory.person, signatory.office) if x) or None
                    party.actions.append(("signature", on))
            case PartyActionTaken():
                party = self._party(event.state)
                party.actions.append((event.action, on))
                if event.action in _CONSENT_STATUS:
                    if party.consent is not None:
                        self._review("duplicate_action", record,
                                     f"{event.state} consents again in {record.ref} "
                                     f"(already {party.consent} on {party.consent_on})")
                    party.consent, party.consent_on = event.action, on
                elif event.action == "denunciation":
                    party.denounced_on = on
                elif event.text:
                    party.reservations.append(event.text)
            case DocumentEnteredIntoForce():
                if self.in_force_on is None:
                    self.in_force_on = on
                if event.for_states:
                    self.in_force_for.update(event.for_states)
                else:
                    self.general_force = True

    def force_for(self) -> tuple[str, ...]:
        """States it is in force for; empty when it entered into force for all its parties."""
        return () if self.general_force else tuple(sorted(self.in_force_for))

    def fields(self) -> _Fields:
        if self.created is None:
            return {}
        out: _Fields = {
            "in_force": "yes" if self.in_force_on is not None else "no",
            "in_force_for": _join(self.force_for()) or None,
        }
        for state in sorted(self.parties):
            party = self.parties[state]
            out[f"party[{state}]"] = party.status()
            out[f"denounced[{state}]"] = _pd(party.denounced_on)
        return out


class _MeetingFold(_Base):
    creator = MeetingScheduled

    def __init__(self) -> None:
        super().__init__()
        self.status: MeetingState = "scheduled"
        self.starts_on: PartialDate | None = None
        self.ends_on: PartialDate | None = None
        self.city: str | None = None
        self.venue: str | None = None
        self.host_state: str | None = None
        self.format = "in_person"
        self.held: Recorded | None = None
        self.cancelled: Recorded | None = None
        self.reschedules = 0

    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            assert isinstance(event, MeetingScheduled)
            self.created = record
            if self.reschedules == 0:
                self.starts_on, self.ends_on = event.starts_on, event.ends_on
            self.city = self.city or event.city
            self.venue = self.venue or event.venue
            self.host_state = self.host_state or event.host_state
            self.format = event.format
            return
        match event:
            case MeetingRescheduled():
                self.starts_on, self.ends_on = event.starts_on, event.ends_on
                self.reschedules += 1
                self._set_status("rescheduled")
            case MeetingRelocated():
                self.city = event.city or self.city
                self.venue = event.venue or self.venue
                self.host_state = event.host_state or self.host_state
                self.format = event.format or self.format
                self._set_status("relocated")
            case MeetingCancelled():
                self.cancelled = record
                if self.held is not None:
                    self._review("status_conflict", record,
                                 f"{record.ref} cancels a meeting already held ({self.held.ref})", self.held.ref)
                self._set_status("cancelled")
            case MeetingHeld():
                self._check_held(record)
                if self.held is not None:
                    self._compare_reports(self.held, record)
                self.held = record
                self.status = "held"

    def _compare_reports(self, first: Recorded, second: Recorded) -> None:
        """Two reports of one meeting held: a review item naming what they disagree on, if anything."""
        a, b = first.event, second.event
        assert isinstance(a, MeetingHeld) and isinstance(b, MeetingHeld)
        differences = [
            f"{name}: {x} vs {y}"
            for name, x, y in (
                ("date", a.occurred_on.text, b.occurred_on.text),
                ("chaired by", a.chaired_by, b.chaired_by),
                ("delegations", _attendance(a), _attendance(b)),
                ("attendees", _join(sorted({x.state for x in a.attendees})) or None,
                 _join(sorted({x.state for x in b.attendees})) or None),
            )
            if x is not None and y is not None and x != y
        ]
        if differences:
            self._review("report_conflict", second,
                         f"{second.ref} and {first.ref} report the meeting differently ({'; '.join(differences)})",
                         first.ref)

    def _set_status(self, status: MeetingState) -> None:
        # Held beats everything: later news about a meeting that took place changes no status.
        if self.held is None:
            self.status = status

    def _check_held(self, record: Recorded) -> None:
        on = record.event.occurred_on
        if self.cancelled is not None:
            self._review("status_conflict", record,
                         f"{record.ref} records as held a meeting cancelled by {self.cancelled.ref}",
                         self.cancelled.ref)
        if self.starts_on is None:
            return
        last = (self.ends_on or self.starts_on).latest
        if on.latest < self.starts_on.earliest or on.earliest > last:
            self._review("date_conflict", record,
                         f"{record.ref} says the meeting was held on {on}, outside its dates "
                         f"{_span(self.starts_on, self.ends_on)}")

    def attendees(self) -> tuple[Attendance, ...]:
        """Who attended, from the latest MeetingHeld."""
        if self.held is None:
            return ()
        event = self.held.event
        assert isinstance(event, MeetingHeld)
        return tuple(Attendance(a.state, a.person, a.office, a.level) for a in event.attendees)

    def fields(self) -> _Fields:
        if self.created is None:
            return {}
        return {
            "status": self.status, "starts_on": _pd(self.starts_on), "ends_on": _pd(self.ends_on),
            "city": self.city, "venue": self.venue, "host_state": self.host_state, "format": self.format,
            "held_on": _pd(self.held.event.occurred_on) if self.held else None,
        }


def _attendance(event: MeetingHeld) -> int | None:
    """Delegations present: the count a source gives, else the names it lists (None: neither)."""
    return event.attendance_count or (len({a.state for a in event.attendees}) or None)


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


class Override(NamedTuple):
    """A one-off departure from a body's rotation."""

    on: PartialDate
    kind: str
    states: tuple[str, ...]
    reason: str
    ref: str
    term: PartialDate | None = None  # the one term it changes, when the event names it


class Attestation(NamedTuple):
    """A source's word that a state chaired a body on a date."""

    on: PartialDate
    state: str
    meeting_id: str | None
    ref: str


class Handover(NamedTuple):
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
    overrides: tuple[Override, ...]
    handovers: tuple[Handover, ...]
    last_development: DevelopmentSummary
    seats: tuple[MembershipEntry, ...] = ()  # the body's own seats; the organization's members when empty
    attestations: tuple[Attestation, ...] = ()

    def rule_on(self, day: date) -> RotationRule:
        """The rule in effect on a day (the first rule before the body existed)."""
        current = self.rules[0].rule
        for entry in self.rules:
            if entry.on.earliest > day:
                break
            current = entry.rule
        return current


class _OrganizationFold(_Base):
    creator = OrganizationRegistered

    def __init__(self) -> None:
        super().__init__()
        self.memberships: list[MembershipEntry] = []
        self.standing: dict[str, str] = {}
        self.names: dict[str, str] = {}
        self.abbreviations: dict[str, str] = {}
        self.former: list[FormerName] = []

    def apply(self, record: Recorded) -> None:
        event = record.event
        if self._take(record):
            assert isinstance(event, OrganizationRegistered)
            self.created = record
            self.names, self.abbreviations = dict(event.names), dict(event.abbreviations)
            self.former = list(event.former_names)
        elif isinstance(event, OrganizationRenamed):
            # The names in use until the day before: they become former names then.
            until = event.occurred_on
            self.former += [FormerName(name=n, language=lang, until=until) for lang, n in self.names.items()]
            self.names = dict(event.names)
            self.abbreviations = dict(event.abbreviations) or self.abbreviations
        elif isinstance(event, MembershipChanged):
            self.memberships.append(MembershipEntry(event.state, event.status, event.occurred_on, record.ref))
            self.standing[event.state] = event.status

    def fields(self) -> _Fields:
        if self.created is None:
            return {}
        return {f"membership[{s}]": status for s, status in sorted(self.standing.items())}


class _BodyFold(_Base):
    creator = BodyEstablished

    def __init__(self) -> None:
        super().__init__()
        self.rules: list[RuleEntry] = []
        self.overrides: list[Override] = []
        self.handovers: list[Handover] = []
        self.by_day: dict[date, Handover] = {}
        self.seats: list[MembershipEntry] = []
        self.attestations: list[Attestation] = []
        self.names: dict[str, str] = {}

    def apply(self, record: Recorded) -> None:
        event = record.event
        on = event.occurred_on
        if self._take(record):
            assert isinstance(event, BodyEstablished)
            self.created = record
            self.names = dict(event.names)
            self.rules.append(RuleEntry(on, event.rotation, record.ref))
            return
        match event:
            case RotationRuleChanged():
                self.rules.append(RuleEntry(on, event.rotation, record.ref))
            case RotationOverridden():
                self.overrides.append(Override(on, event.override, event.states, event.reason, record.ref, event.term))
            case SeatAssigned():
                self.seats.append(MembershipEntry(event.state, "member", on, record.ref))
                if event.until is not None:
                    left = parse_partial_date(event.until.latest + timedelta(days=1))
                    self.seats.append(MembershipEntry(event.state, "withdrawn", left, record.ref))
            case BodyRenamed():
                self.names = dict(event.names)
            case ChairmanshipAttested():
                self.attestations.append(Attestation(on, event.state, event.meeting_id, record.ref))
            case ChairmanshipHandedOver():
                handover = Handover(on, event.from_state, event.to_state, event.meeting_id, record.ref)
                self.handovers.append(handover)
                if on.precision == "day":
                    other = self.by_day.get(on.earliest)
                    if other is not None and other.to_state != handover.to_state:
                        self._review("chain_conflict", record,
                                     f"the chair passes to {other.to_state} ({other.ref}) and to "
                                     f"{handover.to_state} ({record.ref}) on the same day {on}", other.ref)
                    self.by_day.setdefault(on.earliest, handover)

    def fields(self) -> _Fields:
        if self.created is None:
            return {}
        return {
            "rule": describe_rule(self.rules[-1].rule) if self.rules else None,
            "chair": self.handovers[-1].to_state if self.handovers else None,
        }


_FOLDS: dict[str, type[_Base]] = {
    "commitment": _CommitmentFold,
    "proposal": _ProposalFold,
    "document": _DocumentFold,
    "meeting": _MeetingFold,
    "organization": _OrganizationFold,
    "body": _BodyFold,
}


def _kind(stream: str) -> str:
    return stream.split(":", 1)[0]


_F = TypeVar("_F", bound=_Base)


def _fold(kind: str, effective: Iterable[Recorded]) -> _Base:
    fold = _FOLDS[kind]()
    for record in effective:
        fold.apply(record)
    return fold


def _folded(cls: type[_F], records: Iterable[Recorded], as_of: date, known_at: datetime) -> _F | None:
    fold = cls()
    for record in effective_events(records, as_of=as_of, known_at=known_at):
        fold.apply(record)
    return fold if fold.created is not None else None


# --- Public reductions -------------------------------------------------------------------------


def _creation(fold: _Base) -> Development:
    assert fold.created is not None
    return fold.created.event


def _last(fold: _Base) -> DevelopmentSummary:
    assert fold.last is not None  # a created fold has taken at least its creation
    return summarize(fold.last)


def reduce_commitment(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime, stale_days: int = 365,
) -> CommitmentStatus | None:
    """A commitment's status as of a world date as known at a record time; None if not yet undertaken."""
    fold = _folded(_CommitmentFold, records, as_of, known_at)
    if fold is None:
        return None
    event = _creation(fold)
    assert isinstance(event, CommitmentUndertaken) and fold.last is not None
    open_ = fold.status == "undertaken"
    quiet_days = (as_of - fold.last.event.occurred_on.latest).days
    return CommitmentStatus(
        commitment_id=event.commitment_id, organization_id=event.organization_id, body_id=event.body_id,
        title=event.title, text=event.text, parties=event.parties,
        origin=(event.origin.kind, event.origin.id) if event.origin else None, topics=event.topics,
        undertaken_on=event.occurred_on, status=fold.status, superseded_by=fold.superseded_by,
        level=fold.level, party_levels=fold.party_levels(), due_on=fold.due_on,
        due_version=1 + fold.deadline_changes,
        overdue=open_ and fold.due_on is not None and fold.due_on.latest < as_of,
        stale=open_ and quiet_days > stale_days,
        last_development=_last(fold), developments=fold.count,
    )


def reduce_proposal(records: Iterable[Recorded], *, as_of: date, known_at: datetime) -> ProposalStatus | None:
    """A proposal's status as of a world date as known at a record time; None if not yet tabled."""
    fold = _folded(_ProposalFold, records, as_of, known_at)
    if fold is None:
        return None
    event = _creation(fold)
    assert isinstance(event, ProposalTabled)
    return ProposalStatus(
        proposal_id=event.proposal_id, organization_id=event.organization_id, body_id=event.body_id,
        meeting_id=event.meeting_id, title=event.title, summary=event.summary, kind=event.kind,
        by_state=event.by_state, by_person=event.by_person, by_office=event.by_office,
        tabled_on=event.occurred_on, status=fold.status, supporters=tuple(sorted(fold.supporters)),
        adopted_into=fold.adopted_into, deferred_until=fold.deferred_until, last_development=_last(fold),
    )


def reduce_document(records: Iterable[Recorded], *, as_of: date, known_at: datetime) -> DocumentStatus | None:
    """A document's status, per party as the UN Treaty Collection shows it; None if not yet drafted."""
    fold = _folded(_DocumentFold, records, as_of, known_at)
    if fold is None:
        return None
    event = _creation(fold)
    assert isinstance(event, DocumentDrafted)
    return DocumentStatus(
        document_id=event.document_id, organization_id=event.organization_id, body_id=event.body_id,
        meeting_id=event.meeting_id, kind=event.kind, title=event.title, drafted_on=event.occurred_on,
        parties=tuple(fold.parties[s].freeze() for s in sorted(fold.parties)),
        in_force=fold.in_force_on is not None, in_force_on=fold.in_force_on, in_force_for=fold.force_for(),
        last_development=_last(fold),
    )


def reduce_meeting(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime, organization_id: str,
) -> MeetingStatus | None:
    """A meeting's status; `organization_id` comes from its body, which the meeting stream does not name."""
    fold = _folded(_MeetingFold, records, as_of, known_at)
    if fold is None:
        return None
    event = _creation(fold)
    assert isinstance(event, MeetingScheduled) and fold.starts_on is not None
    return MeetingStatus(
        meeting_id=event.meeting_id, body_id=event.body_id, organization_id=organization_id,
        number=event.number, city=fold.city, venue=fold.venue, host_state=fold.host_state,
        starts_on=fold.starts_on, ends_on=fold.ends_on, format=fold.format, theme=event.theme,
        status=fold.status, held_on=fold.held.event.occurred_on if fold.held else None,
        attendees=fold.attendees(), reschedule_count=fold.reschedules, last_development=_last(fold),
        chaired_by=fold.held.event.chaired_by if fold.held and isinstance(fold.held.event, MeetingHeld) else None,
        attendance_count=_attendance(fold.held.event) if fold.held and isinstance(fold.held.event, MeetingHeld)
        else None,
    )


def reduce_organization(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime,
) -> OrganizationStatus | None:
    """An organization's names and membership timeline; None if not yet registered."""
    fold = _folded(_OrganizationFold, records, as_of, known_at)
    if fold is None:
        return None
    event = _creation(fold)
    assert isinstance(event, OrganizationRegistered)
    return OrganizationStatus(
        organization_id=event.organization_id, names=fold.names,
        abbreviations=fold.abbreviations, former_names=tuple(fold.former),
        identifiers=dict(event.identifiers), registered_on=event.occurred_on,
        memberships=tuple(fold.memberships), last_development=_last(fold),
    )


def reduce_body(records: Iterable[Recorded], *, as_of: date, known_at: datetime) -> BodyStatus | None:
    """A body's rule history, overrides and handovers for the rotation engine; None if not yet established."""
    fold = _folded(_BodyFold, records, as_of, known_at)
    if fold is None:
        return None
    event = _creation(fold)
    assert isinstance(event, BodyEstablished)
    return BodyStatus(
        body_id=event.body_id, organization_id=event.organization_id, names=fold.names,
        established_on=event.occurred_on, rules=tuple(fold.rules), overrides=tuple(fold.overrides),
        handovers=tuple(fold.handovers), last_development=_last(fold),
        seats=tuple(sorted(fold.seats, key=lambda e: e.on.earliest)), attestations=tuple(fold.attestations),
    )


# --- What changed, and what needs review -------------------------------------------------------


def _stream_of(records: Sequence[Recorded]) -> str | None:
    return records[0].stream if records else None


def status_fields(records: Iterable[Recorded], *, as_of: date, known_at: datetime) -> dict[str, str | None]:
    """The entity's comparable status fields (status, level, due_on, chair, ...) as text; {} if absent."""
    records = list(records)
    stream = _stream_of(records)
    if stream is None or _kind(stream) not in _FOLDS:
        return {}
    return _fold(_kind(stream), effective_events(records, as_of=as_of, known_at=known_at)).fields()


def _diff(before: _Fields, after: _Fields) -> list[tuple[str, str | None, str | None]]:
    names = list(after) + [name for name in before if name not in after]
    return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def status_changes(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime,
    known_since: datetime | None = None, occurred_after: date | None = None,
) -> list[StatusChange]:
    """Status changes of one entity, each attributed to the development that caused it.

    Without `known_since`: every change along the world timeline as known at `known_at`, in world
    order. With it: what an observer learnt between `known_since` and `known_at` (the answer at
    `known_since` compared field by field with the answer at `known_at`), each change attributed
    to the development recorded in that window that caused it. `occurred_after` keeps only changes
    whose cause is dated (earliest day) after that date.
    """
    records = list(records)
    stream = _stream_of(records)
    if stream is None or _kind(stream) not in _FOLDS:
        return []
    kind = _kind(stream)
    resolution = _resolve(records, known_at)
    fold = _FOLDS[kind]()
    walk: list[tuple[Recorded, str, str | None, str | None]] = []
    setter: dict[str, Recorded] = {}
    current: _Fields = {}
    for record in _effective(resolution, as_of):
        fold.apply(record)
        after = fold.fields()
        for name, old, new in _diff(current, after):
            walk.append((record, name, old, new))
            setter[name] = record
        current = after
    if known_since is None:
        changes = [_change(record, name, old, new) for record, name, old, new in walk]
    else:
        before = _fold(kind, effective_events(records, as_of=as_of, known_at=known_since)).fields()
        window = [r for r in resolution.visible if r.recorded_at > known_since]
        changes = []
        for name, old, new in _diff(before, current):
            cause = _cause(setter.get(name), resolution, window, known_since)
            if cause is not None:
                changes.append(_change(cause, name, old, new))
    if occurred_after is not None:
        changes = [c for c in changes if c.occurred_on.earliest > occurred_after]
    return changes


def _cause(
    setter: Recorded | None, resolution: _Resolution, window: list[Recorded], since: datetime,
) -> Recorded | None:
    """The record in the window that explains a field's new value."""
    if setter is not None:
        if setter.recorded_at > since:
            return setter
        corrector = resolution.corrected_by.get(setter.ref)
        for record in window:
            if record.ref == corrector:
                return record
    # The value fell back to an older one (a retraction, a backfilled earlier event): blame the
    # latest development recorded in the window, the one a reader would look at.
    return window[-1] if window else setter


def _change(record: Recorded, name: str, old: str | None, new: str | None) -> StatusChange:
    return StatusChange(
        entity=record.stream, ref=record.ref, occurred_on=record.event.occurred_on,
        recorded_at=record.recorded_at, field=name, before=old, after=new,
    )


def review_items(stream: str, records: Iterable[Recorded], *, as_of: date, known_at: datetime) -> list[ReviewItem]:
    """What a person should look at within one entity: date and status conflicts, doubtful corrections."""
    resolution = _resolve((r for r in records if r.stream == stream), known_at)
    items = list(resolution.problems)
    if _kind(stream) in _FOLDS:
        items.extend(_fold(_kind(stream), _effective(resolution, as_of)).problems)
    return items
