"""One-line human summaries of developments and rotation rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from tracker.events import (
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
)
from tracker.projections.model import (
    DevelopmentSummary,
)

__all__ = ["date_span", "describe_rule", "join_states", "summarize"]


def _name(names: dict[str, str]) -> str:
    return names.get("en") or next(iter(names.values()), "")


def join_states(states: Iterable[str]) -> str:
    """States joined for a sentence: 'KAZ, KGZ'."""
    return ", ".join(states)


def date_span(starts: PartialDate, ends: PartialDate | None) -> str:
    """A date or a range of dates in words."""
    return str(starts) if ends is None or ends == starts else f"{starts} to {ends}"


def describe_rule(rule: RotationRule) -> str:
    """A rotation rule in a few words, e.g. 'alphabetical (ru), per_meeting'."""
    if rule.kind == "unknown":
        return "rule unknown"  # reports translate it as the catalogue's 'value.rule.rule unknown'
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


def _chair_passed(event: ChairmanshipHandedOver) -> str:
    if event.from_state == event.to_state:
        return f"{event.to_state} kept the chair for another term"
    text = f"Chair passed from {event.from_state} to {event.to_state}" if event.from_state \
        else f"Chair passed to {event.to_state}"
    return f"{text} at {event.meeting_id}" if event.meeting_id else text


def _organization(event: OrganizationRegistered) -> str:
    abbreviation = _name(event.abbreviations) if event.abbreviations else ""
    suffix = f" ({abbreviation})" if abbreviation else ""
    return f"Organization registered: {_name(event.names)}{suffix}"


def _relocated(event: MeetingRelocated) -> str:
    where = [w for w in (event.city, event.venue, event.host_state, event.format) if w]
    return _with_reason(f"Meeting relocated: {', '.join(where) or 'place changed'}", event.reason)


def _adopted(event: ProposalAdopted) -> str:
    if event.into_commitment_id:
        return f"Proposal adopted into commitment {event.into_commitment_id}"
    if event.into_document_id:
        return f"Proposal adopted into document {event.into_document_id}"
    return "Proposal adopted"


def _deferred(event: ProposalDeferred) -> str:
    return _with_reason(f"Proposal deferred until {event.until}" if event.until else "Proposal deferred", event.reason)


def _deadline(event: DeadlineChanged) -> str:
    return _with_reason(f"Deadline changed to {event.due_on}" if event.due_on else "Deadline removed", event.reason)


def _scheduled(event: MeetingScheduled) -> str:
    place = f" in {event.city}" if event.city else ""
    return f"Meeting scheduled for {date_span(event.starts_on, event.ends_on)}{place}"


def _undertaken(event: CommitmentUndertaken) -> str:
    due = f" (due {event.due_on})" if event.due_on else ""
    return f"Commitment undertaken by {join_states(event.parties)}: {event.title}{due}"


# One line per development type; each entry reads only its own type's fields.
_DESCRIBE: dict[type[Development], Callable[[Any], str]] = {
    OrganizationRegistered: _organization,
    MembershipChanged: lambda e: f"Membership: {e.state} became {e.status.replace('_', ' ')}",
    BodyEstablished: lambda e: f"Body established: {_name(e.names)}, rotation {describe_rule(e.rotation)}",
    RotationRuleChanged: lambda e: _with_reason(f"Rotation rule changed to {describe_rule(e.rotation)}", e.reason),
    RotationOverridden: lambda e: f"Rotation overridden ({e.override} {join_states(e.states)}): {e.reason}",
    ChairmanshipHandedOver: _chair_passed,
    OrganizationRenamed: lambda e: f"Renamed: {_name(e.names)}",
    BodyRenamed: lambda e: f"Renamed: {_name(e.names)}",
    ChairmanshipAttested: lambda e: f"Chair held by {e.state}" + (f" at {e.meeting_id}" if e.meeting_id else ""),
    SeatAssigned: lambda e: f"Seat held by {e.state}" + (f" until {e.until}" if e.until else ""),
    MeetingScheduled: _scheduled,
    MeetingRescheduled: lambda e: _with_reason(
        f"Meeting rescheduled to {date_span(e.starts_on, e.ends_on)}", e.reason),
    MeetingRelocated: _relocated,
    MeetingCancelled: lambda e: _with_reason("Meeting cancelled", e.reason),
    MeetingHeld: lambda e: f"Meeting held ({len(e.attendees)} delegations"
                           + (f", chaired by {e.chaired_by})" if e.chaired_by else ")"),
    ProposalTabled: lambda e: f"Proposal tabled by {e.by_state}: {e.title}",
    ProposalSupported: lambda e: f"Proposal supported by {join_states(e.states)}",
    ProposalAdopted: _adopted,
    ProposalRejected: lambda e: _with_reason("Proposal rejected", e.reason),
    ProposalWithdrawn: lambda e: _with_reason("Proposal withdrawn", e.reason),
    ProposalDeferred: _deferred,
    CommitmentUndertaken: _undertaken,
    ProgressAssessed: lambda e: f"Progress assessed: {e.level} ({e.party or 'overall'})",
    DeadlineChanged: _deadline,
    CommitmentFulfilled: lambda e: "Commitment fulfilled",
    CommitmentLapsed: lambda e: _with_reason("Commitment lapsed", e.reason),
    CommitmentWithdrawn: lambda e: _with_reason("Commitment withdrawn", e.reason),
    CommitmentSuperseded: lambda e: _with_reason(f"Commitment superseded by {e.by_commitment_id}", e.reason),
    DocumentDrafted: lambda e: f"Document drafted ({e.kind}): {e.title}",
    DocumentSigned: lambda e: f"Signed by {join_states(s.state for s in e.signatories)}",
    PartyActionTaken: lambda e: f"{e.action.capitalize()} by {e.state}",
    DocumentEnteredIntoForce: lambda e: f"Entered into force for {join_states(e.for_states)}" if e.for_states
                                        else "Entered into force",
    EventRetracted: lambda e: f"Retracted {e.target}: {e.reason}",
    EventCorrected: lambda e: f"Corrected {e.target}: {e.reason}",
}


def _describe(event: Development) -> str:
    # Through the class hierarchy: a subclass (a later schema in tests) describes as its base.
    for cls in type(event).__mro__:
        describe = _DESCRIBE.get(cls)
        if describe is not None:
            return describe(event)
    return event.type_name()


def summarize(record: Recorded) -> DevelopmentSummary:
    """One recorded development as a one-line human summary (no retraction/correction marks)."""
    event = record.event
    return DevelopmentSummary(
        ref=record.ref, type=event.type_name(), entity=record.stream, occurred_on=event.occurred_on,
        recorded_at=record.recorded_at, summary=_describe(event), sources=event.sources,
    )


