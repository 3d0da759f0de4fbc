"""Rules a development must pass before it is stored, judged on the world timeline.

Pure: the caller hands in the entity's recorded history and a reader for other entities.
History is backfilled, so nothing here trusts recording order for world order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cache
from typing import Protocol

import tracker.events as ev
from tracker.errors import (
    AlreadyExists,
    InvalidInput,
    NotAParty,
    RuleViolation,
    UnknownEntity,
    UnknownEvent,
)
from tracker.events import Development, InvalidEvent, Recorded, parse_event_ref, parse_replacement
from tracker.projections.resolution import resolve

__all__ = ["StreamReader", "check", "consulted_by_rules", "effective_history", "references"]

_TERMINAL_COMMITMENT = (
    ev.CommitmentFulfilled, ev.CommitmentLapsed, ev.CommitmentWithdrawn, ev.CommitmentSuperseded,
)
_CORRECTIONS = (ev.EventRetracted, ev.EventCorrected)
_NEEDS_SIGNATURE = ("ratification", "acceptance", "approval")


_CONSULTED = (
    *_TERMINAL_COMMITMENT, ev.DocumentSigned, ev.MeetingHeld,
    ev.ProposalWithdrawn, ev.ProposalRejected, ev.ProposalAdopted,
)


def consulted_by_rules(cls: type[Development]) -> bool:
    """True when `check` may read past events of this type in a stream that has no amendments.

    Writers keep only these decoded (plus every event of a stream with retractions or
    corrections): keep this in step with the `_check_*` functions below.
    """
    return cls.creates_stream or issubclass(cls, _CONSULTED)


class StreamReader(Protocol):
    """Reads another entity's recorded history (empty when it does not exist)."""

    def load(self, stream: str) -> Sequence[Recorded]:
        """All events of `stream`, in version order."""
        ...

    def exists(self, stream: str) -> bool:
        """True when `stream` has been recorded."""
        ...


def effective_history(history: Sequence[Recorded]) -> list[Recorded]:
    """The stream's events as known now: the one resolution the answers use too."""
    return resolve(history).live()


_REFERENCE_FIELDS = (
    ("organization_id", "organization"),
    ("body_id", "body"),
    ("meeting_id", "meeting"),
    ("into_commitment_id", "commitment"),
    ("into_document_id", "document"),
    ("by_commitment_id", "commitment"),
)


@cache
def _reference_fields(cls: type[Development]) -> tuple[tuple[str, str], ...]:
    # Asked once per class: getattr on a field a pydantic model lacks goes through its slow
    # __getattr__, which dominated imports when asked for every field of every event.
    return tuple((field, kind) for field, kind in _REFERENCE_FIELDS if field in cls.model_fields)


def references(event: Development) -> Iterable[tuple[str, str, str]]:
    """The other entities an event names: (field, kind, id) triples that must exist."""
    for field, kind in _reference_fields(type(event)):
        value = getattr(event, field)
        if value is not None and f"{kind}:{value}" != event.stream:
            yield field, kind, value
    origin = event.origin if isinstance(event, ev.CommitmentUndertaken) else None
    if origin is not None:
        yield "origin.id", origin.kind, origin.id
    # A party that is not a state is a recorded organization (org:eu): it must exist too.
    for field, organization in ev.party_organizations(event):
        yield field, "organization", organization


def check(
    event: Development,
    history: Sequence[Recorded],
    reader: StreamReader,
    *,
    current: list[Recorded] | None = None,
) -> None:
    """Raise a TrackerError naming the problem if `event` cannot follow `history`.

    `current` is the effective history when the caller already has it (imports keep it).
    """
    for field, kind, entity_id in references(event):
        if not reader.exists(f"{kind}:{entity_id}"):
            raise UnknownEntity(kind, entity_id, field)
    if isinstance(event, _CORRECTIONS):
        _check_correction(event, history)
        return
    if isinstance(event, ev.ReviewDecided):
        _check_decision(event, reader)
        return
    if current is None:
        current = effective_history(history)
    if event.creates_stream:
        if current:
            raise AlreadyExists(event.stream_field, getattr(event, event.stream_field), "is already recorded")
        return
    if not current:
        if isinstance(event, ev.MeetingHeld):
            _check_unscheduled_meeting(event)
            return
        kind, _, entity_id = event.stream.partition(":")
        raise UnknownEntity(kind, entity_id, event.stream_field)
    _check_following(event, current)


def _check_decision(event: ev.ReviewDecided, reader: StreamReader) -> None:
    """A decision lives in its review item's own stream: it needs the entity it concerns."""
    if not reader.exists(event.entity):
        kind, _, entity_id = event.entity.partition(":")
        raise UnknownEntity(kind, entity_id, "entity")


def _check_following(event: Development, current: list[Recorded]) -> None:
    """An event on an entity that exists: not before its creation, and by the rules of its kind."""
    created = current[0].event
    if isinstance(event, ev.MeetingHeld) and event.body_id not in (None, getattr(created, "body_id", None)):
        raise RuleViolation(
            "body_id", event.body_id, f"differs from the body of {event.stream} ({getattr(created, 'body_id', None)})"
        )
    if created.creates_stream and event.occurred_on.latest < created.occurred_on.earliest:
        raise RuleViolation(
            "occurred_on", event.occurred_on.text,
            f"is before {event.stream} came into being on {created.occurred_on.text}",
        )
    # Meetings have no rule here: a second report that a meeting was held is kept beside the
    # first (sources disagree on who came, how many, when), and the review list settles it.
    rules = _RULES_BY_CREATION.get(type(created))
    if rules is not None:
        rules(event, current)


def _check_unscheduled_meeting(event: ev.MeetingHeld) -> None:
    """A meeting never scheduled is created by the report that it was held, which must name its body."""
    if event.body_id is None:
        raise RuleViolation(
            "body_id", None,
            f"is required: {event.stream} was never scheduled, so the report that it was held creates it "
            "and must name its body",
        )


def _check_correction(event: ev.EventRetracted | ev.EventCorrected, history: Sequence[Recorded]) -> None:
    _, version = parse_event_ref(event.target)
    target = next((r for r in history if r.version == version), None)
    if target is None:
        raise UnknownEvent(event.target)
    if not resolve(history).is_live(target.ref):
        raise RuleViolation("target", event.target, "is already retracted")
    if not isinstance(event, ev.EventCorrected):
        return
    if isinstance(target.event, _CORRECTIONS):
        raise RuleViolation("target", event.target, "a correction cannot be corrected: retract it instead")
    try:
        replacement = parse_replacement(event.replacement)
    except InvalidEvent as exc:
        raise InvalidInput([(f"replacement.{f}", v, m) for f, v, m in exc.problems]) from None
    if type(replacement) is not type(target.event):
        raise RuleViolation(
            "replacement.type", replacement.type_name(),
            f"must stay a {target.event.type_name()} (retract the event and record a new one instead)",
        )
    if replacement.stream != target.event.stream:
        raise RuleViolation(
            "replacement", replacement.stream,
            f"must stay on {target.event.stream} (retract the event and record a new one instead)",
        )


def _check_commitment(event: Development, current: list[Recorded]) -> None:
    created = current[0].event
    assert isinstance(created, ev.CommitmentUndertaken)
    party = event.party if isinstance(event, ev.ProgressAssessed) else None
    if party is not None and party not in created.parties:
        raise NotAParty("party", party, f"is not a party to {created.commitment_id} ({', '.join(created.parties)})")
    for record in current:
        done = record.event
        if isinstance(done, _TERMINAL_COMMITMENT) and event.occurred_on.earliest > done.occurred_on.latest:
            verb = done.type_name().removeprefix("Commitment").lower()
            raise RuleViolation(
                "occurred_on", event.occurred_on.text,
                f"{created.commitment_id} was {verb} on {done.occurred_on.text} ({record.ref}): "
                "nothing can happen to it afterwards",
            )
        if isinstance(event, _TERMINAL_COMMITMENT) and isinstance(done, _TERMINAL_COMMITMENT):
            raise RuleViolation(
                "type", event.type_name(),
                f"{created.commitment_id} already ended ({done.type_name()} on {done.occurred_on.text}, {record.ref})",
            )


def _check_document(event: Development, current: list[Recorded]) -> None:
    signed: dict[str, Recorded] = {}
    for record in current:
        if isinstance(record.event, ev.DocumentSigned):
            for signatory in record.event.signatories:
                signed[signatory.state] = record
    if isinstance(event, ev.DocumentSigned):
        for signatory in event.signatories:
            if signatory.state in signed:
                raise RuleViolation(
                    "signatories.state", signatory.state,
                    f"already signed {event.document_id} ({signed[signatory.state].ref})",
                )
    if isinstance(event, ev.PartyActionTaken) and event.action in _NEEDS_SIGNATURE:
        signature = signed.get(event.state)
        if signature is None or signature.event.occurred_on.earliest > event.occurred_on.latest:
            raise NotAParty(
                "state", event.state,
                f"has not signed {event.document_id} by {event.occurred_on.text}: "
                f"{event.action} follows signature (a state that did not sign accedes)",
            )


def _check_proposal(event: Development, current: list[Recorded]) -> None:
    for record in current:
        done = record.event
        if isinstance(done, ev.ProposalWithdrawn | ev.ProposalRejected | ev.ProposalAdopted) and (
            event.occurred_on.earliest > done.occurred_on.latest
            and not isinstance(event, ev.ProposalSupported)
        ):
            verb = done.type_name().removeprefix("Proposal").lower()
            raise RuleViolation(
                "occurred_on", event.occurred_on.text,
                f"the proposal was {verb} on {done.occurred_on.text} ({record.ref})",
            )


# The rules of each entity kind, by the event that created the entity.
_RULES_BY_CREATION: dict[type[Development], Callable[[Development, list[Recorded]], None]] = {
    ev.CommitmentUndertaken: _check_commitment,
    ev.DocumentDrafted: _check_document,
    ev.ProposalTabled: _check_proposal,
}
