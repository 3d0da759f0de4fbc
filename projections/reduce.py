"""Pure status reductions: one entity's recorded events -> its status as of a date, as known at a time.

Two times govern every answer. *known_at* selects what the tracker knew (`projections.resolution`:
corrections and retractions apply from their own record time); *as_of* filters by world time: an
event counts from the earliest day its partial date allows. Effective events are folded in world
order (earliest, latest, version), never in recording order, because history is backfilled.

Each reduction is two steps, so a caller that already holds a fold (the views) builds the same
answer: `reduce_x(records, ...)` = `x_status(fold(XFold, effective_events(records, ...)))`. What
depends on the asked date alone (a commitment's `overdue` and `stale`, a proposal's `stale`)
is judged by `judge_commitment` and `judge_proposal`, the one place that judges each.

Decisions the contract leaves open (callers and tests rely on them):
- Within one entity every fact is "latest in world order wins" (levels, signatures, consent,
  dates, place); duplicates that a person should look at are review items.
- Commitment: `overdue` only while still "undertaken" (a withdrawn, lapsed or superseded
  commitment owes nothing); `level` stays "no_evidence" until an overall assessment, never
  derived from per-party ones; `party_levels` lists the parties only.
- Proposal: supporters are exactly the states of ProposalSupported events, the proposer is
  not added; `adopted_into` is set only while the status is "adopted" and prefers the
  commitment when an adoption names both a commitment and a document.
- Meeting: held beats every other status, also a cancellation. The stream does not know its
  organization, so `reduce_meeting` takes `organization_id` from the caller (from the body).
- Document: a party's status is its consent kind ("ratified", ...), else "signed"; a
  denunciation is shown apart in `denounced_on` and leaves the status as it was. `actions`
  lists "signature" too. `in_force_for` is empty when any entry into force was general.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import TypeVar

from tracker.events import (
    BodyEstablished,
    CommitmentUndertaken,
    Development,
    DocumentDrafted,
    MeetingHeld,
    MeetingScheduled,
    OrganizationRegistered,
    ProposalTabled,
    Recorded,
)
from tracker.projections.decoding import dataclass_instance
from tracker.projections.folds import (
    BodyFold,
    CommitmentFold,
    DocumentFold,
    EntityFold,
    MeetingFold,
    OrganizationFold,
    ProposalFold,
    fold,
)
from tracker.projections.folds.meeting import attendance
from tracker.projections.model import (
    BodyStatus,
    CommitmentStatus,
    DevelopmentSummary,
    DocumentStatus,
    MeetingStatus,
    OrganizationStatus,
    ProposalStatus,
)
from tracker.projections.resolution import effective_events
from tracker.projections.summaries import describe_rule, summarize

__all__ = [
    "BodyStatus",
    "OrganizationStatus",
    "body_status",
    "commitment_status",
    "describe_rule",
    "document_status",
    "judge_commitment",
    "judge_proposal",
    "meeting_status",
    "organization_status",
    "proposal_status",
    "reduce_body",
    "reduce_commitment",
    "reduce_document",
    "reduce_meeting",
    "reduce_organization",
    "reduce_proposal",
]


def _creation(state: EntityFold) -> Development:
    assert state.created is not None
    return state.created.event


def _last(state: EntityFold) -> DevelopmentSummary:
    assert state.last is not None  # a created fold has taken at least its creation
    return summarize(state.last)


def judge_commitment(status: CommitmentStatus, *, as_of: date, stale_days: int) -> CommitmentStatus:
    """The commitment with `overdue` and `stale` judged on `as_of` (the only date-dependent facts)."""
    open_ = status.status == "undertaken"
    quiet_days = (as_of - status.last_development.occurred_on.latest).days
    overdue = open_ and status.due_on is not None and status.due_on.latest < as_of
    stale = open_ and quiet_days > stale_days
    if overdue == status.overdue and stale == status.stale:
        return status  # frozen: the same facts need no copy
    return _judged(status, overdue=overdue, stale=stale)


def judge_proposal(status: ProposalStatus, *, as_of: date, stale_days: int) -> ProposalStatus:
    """The proposal with `stale` judged on `as_of`: still waiting for a decision, on a commitment's clock."""
    waiting = status.status in ("tabled", "deferred")
    stale = waiting and (as_of - status.last_development.occurred_on.latest).days > stale_days
    return status if stale == status.stale else _judged(status, stale=stale)


_J = TypeVar("_J", CommitmentStatus, ProposalStatus)


def _judged(status: _J, **flags: bool) -> _J:
    """`dataclasses.replace(status, **flags)` without re-running the generated __init__ (a tenth of its cost).

    Equal by construction: these result types have no __post_init__ and no field outside __init__,
    so replace would only copy every field and set the flags.
    """
    return dataclass_instance(type(status), {**status.__dict__, **flags})


def commitment_status(state: CommitmentFold) -> CommitmentStatus | None:
    """A folded commitment's facts (not yet judged for a date: overdue and stale are False)."""
    if state.created is None:
        return None
    event = _creation(state)
    assert isinstance(event, CommitmentUndertaken)
    return CommitmentStatus(
        commitment_id=event.commitment_id, organization_id=event.organization_id, body_id=event.body_id,
        title=event.title, text=event.text, parties=event.parties,
        origin=(event.origin.kind, event.origin.id) if event.origin else None, topics=event.topics,
        undertaken_on=event.occurred_on, status=state.status, superseded_by=state.superseded_by,
        level=state.level, party_levels=state.party_levels(), due_on=state.due_on,
        due_version=1 + state.deadline_changes, overdue=False, stale=False,
        last_development=_last(state), developments=state.count,
    )


def reduce_commitment(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime | None, stale_days: int = 365,
) -> CommitmentStatus | None:
    """A commitment's status as of a world date as known at a record time; None if not yet undertaken."""
    facts = commitment_status(fold(CommitmentFold, effective_events(records, as_of=as_of, known_at=known_at)))
    return None if facts is None else judge_commitment(facts, as_of=as_of, stale_days=stale_days)


def proposal_status(state: ProposalFold) -> ProposalStatus | None:
    """A folded proposal's status."""
    if state.created is None:
        return None
    event = _creation(state)
    assert isinstance(event, ProposalTabled)
    return ProposalStatus(
        proposal_id=event.proposal_id, organization_id=event.organization_id, body_id=event.body_id,
        meeting_id=event.meeting_id, title=event.title, summary=event.summary, kind=event.kind,
        by_state=event.by_state, by_person=event.by_person, by_office=event.by_office,
        tabled_on=event.occurred_on, status=state.status, supporters=tuple(sorted(state.supporters)),
        adopted_into=state.adopted_into, deferred_until=state.deferred_until, last_development=_last(state),
    )


def reduce_proposal(records: Iterable[Recorded], *, as_of: date, known_at: datetime | None) -> ProposalStatus | None:
    """A proposal's status as of a world date as known at a record time; None if not yet tabled."""
    return proposal_status(fold(ProposalFold, effective_events(records, as_of=as_of, known_at=known_at)))


def document_status(state: DocumentFold) -> DocumentStatus | None:
    """A folded document's status, per party as the UN Treaty Collection shows it."""
    if state.created is None:
        return None
    event = _creation(state)
    assert isinstance(event, DocumentDrafted)
    return DocumentStatus(
        document_id=event.document_id, organization_id=event.organization_id, body_id=event.body_id,
        meeting_id=event.meeting_id, kind=event.kind, title=event.title, drafted_on=event.occurred_on,
        parties=tuple(state.parties[s].freeze() for s in sorted(state.parties)),
        in_force=state.in_force_on is not None, in_force_on=state.in_force_on, in_force_for=state.force_for(),
        last_development=_last(state),
    )


def reduce_document(records: Iterable[Recorded], *, as_of: date, known_at: datetime | None) -> DocumentStatus | None:
    """A document's status, per party as the UN Treaty Collection shows it; None if not yet drafted."""
    return document_status(fold(DocumentFold, effective_events(records, as_of=as_of, known_at=known_at)))


def meeting_status(state: MeetingFold, *, organization_id: str) -> MeetingStatus | None:
    """A folded meeting's status; `organization_id` comes from its body."""
    if state.created is None:
        return None
    event = _creation(state)
    # A meeting never scheduled is created by the report that it was held (MeetingHeld names its body).
    assert isinstance(event, (MeetingScheduled, MeetingHeld)) and event.body_id is not None
    assert state.starts_on is not None
    return MeetingStatus(
        meeting_id=event.meeting_id, body_id=event.body_id, organization_id=organization_id,
        number=state.number, city=state.city, venue=state.venue, host_state=state.host_state,
        starts_on=state.starts_on, ends_on=state.ends_on, format=state.format or "unknown",
        theme=event.theme if isinstance(event, MeetingScheduled) else None,
        status=state.status, held_on=state.held.event.occurred_on if state.held else None,
        attendees=state.attendees(), reschedule_count=state.reschedules, last_development=_last(state),
        chaired_by=state.held.event.chaired_by if state.held and isinstance(state.held.event, MeetingHeld) else None,
        previous_starts_on=tuple(state.previous_starts),
        attendance_count=attendance(state.held.event) if state.held and isinstance(state.held.event, MeetingHeld)
        else None,
    )


def reduce_meeting(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime | None, organization_id: str,
) -> MeetingStatus | None:
    """A meeting's status; `organization_id` comes from its body, which the meeting stream does not name."""
    state = fold(MeetingFold, effective_events(records, as_of=as_of, known_at=known_at))
    return meeting_status(state, organization_id=organization_id)


def organization_status(state: OrganizationFold) -> OrganizationStatus | None:
    """A folded organization's names and membership timeline."""
    if state.created is None:
        return None
    event = _creation(state)
    assert isinstance(event, OrganizationRegistered)
    return OrganizationStatus(
        organization_id=event.organization_id, names=state.names,
        abbreviations=state.abbreviations, former_names=tuple(state.former),
        identifiers=dict(event.identifiers), registered_on=event.occurred_on,
        memberships=tuple(state.memberships), last_development=_last(state),
    )


def reduce_organization(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime | None,
) -> OrganizationStatus | None:
    """An organization's names and membership timeline; None if not yet registered."""
    return organization_status(fold(OrganizationFold, effective_events(records, as_of=as_of, known_at=known_at)))


def body_status(state: BodyFold) -> BodyStatus | None:
    """A folded body's rule history, overrides and handovers."""
    if state.created is None:
        return None
    event = _creation(state)
    assert isinstance(event, BodyEstablished)
    return BodyStatus(
        body_id=event.body_id, organization_id=event.organization_id, names=state.names,
        established_on=event.occurred_on, rules=tuple(state.rules), overrides=tuple(state.overrides),
        handovers=tuple(state.handovers), last_development=_last(state),
        seats=tuple(sorted(state.seats, key=lambda e: e.on.earliest)), attestations=tuple(state.attestations),
    )


def reduce_body(records: Iterable[Recorded], *, as_of: date, known_at: datetime | None) -> BodyStatus | None:
    """A body's rule history, overrides and handovers for the rotation engine; None if not yet established."""
    return body_status(fold(BodyFold, effective_events(records, as_of=as_of, known_at=known_at)))
