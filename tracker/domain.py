"""Rules a development must pass before it is stored, judged on the world timeline.

Pure: the caller hands in the entity's recorded history and a reader for other entities.
History is backfilled, so nothing here trusts recording order for world order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache
from typing import Protocol

import events as ev
from events import Development, InvalidEvent, Recorded, parse_event, parse_event_ref
from tracker.errors import (
    AlreadyExists,
    InvalidInput,
    KeyConflict,
    NotAParty,
    RuleViolation,
    UnknownEntity,
    UnknownEvent,
)

__all__ = ["StreamReader", "StreamState", "check", "effective_history", "references"]

_TERMINAL_COMMITMENT = (
    ev.CommitmentFulfilled, ev.CommitmentLapsed, ev.CommitmentWithdrawn, ev.CommitmentSuperseded,
)
_CORRECTIONS = (ev.EventRetracted, ev.EventCorrected)
_NEEDS_SIGNATURE = ("ratification", "acceptance", "approval")


class StreamReader(Protocol):
    """Reads another entity's recorded history (empty when it does not exist)."""

    def load(self, stream: str) -> Sequence[Recorded]:
        """All events of `stream`, in version order."""
        ...

    def exists(self, stream: str) -> bool:
        """True when `stream` has been recorded."""
        ...


class StreamState:
    """One stream's history with the indexes a writer needs: keys, digests, effective events."""

    def __init__(self, records: Iterable[tuple[Recorded, str]] = ()) -> None:
        self.records: list[Recorded] = []
        self._by_key: dict[str, tuple[Recorded, str]] = {}
        self._by_digest: dict[str, Recorded] = {}
        self._effective: list[Recorded] | None = None
        for record, digest in records:
            self.add(record, digest)

    def add(self, record: Recorded, digest: str) -> None:
        """Append a stored event, keeping the indexes current."""
        self.records.append(record)
        if record.event.key is not None:
            self._by_key.setdefault(record.event.key, (record, digest))
        self._by_digest.setdefault(digest, record)
        if isinstance(record.event, _CORRECTIONS):
            self._effective = None  # a correction can change any earlier answer: recompute
        elif self._effective is not None:
            self._effective.append(record)

    @property
    def next_version(self) -> int:
        """The version the next event of this stream gets."""
        return len(self.records) + 1

    @property
    def effective(self) -> list[Recorded]:
        """The history as known now (retractions and corrections applied)."""
        if self._effective is None:
            self._effective = effective_history(self.records)
        return self._effective

    def repeat_of(self, event: Development, digest: str, *, match_content: bool) -> Recorded | None:
        """The stored event `event` repeats (same key; or, unkeyed, same content), if any."""
        if event.key is not None:
            found = self._by_key.get(event.key)
            if found is None:
                return None
            if found[1] != digest:
                raise KeyConflict("key", event.key, f"was already used for different content ({found[0].ref})")
            return found[0]
        return self._by_digest.get(digest) if match_content else None


def effective_history(history: Sequence[Recorded]) -> list[Recorded]:
    """The stream's events as known now: retracted ones dropped, corrected ones replaced."""
    retracted: set[int] = set()
    corrected: dict[int, Development] = {}
    # Walk backwards: a correction can itself be retracted later, and targets always
    # precede the event naming them, so one reverse pass settles everything.
    for record in reversed(history):
        if record.version in retracted:
            continue
        event = record.event
        if isinstance(event, ev.EventRetracted):
            retracted.add(parse_event_ref(event.target)[1])
        elif isinstance(event, ev.EventCorrected):
            target = parse_event_ref(event.target)[1]
            if target not in corrected:
                corrected[target] = parse_event(event.replacement)
    return [
        record.model_copy(update={"event": corrected[record.version]}) if record.version in corrected else record
        for record in history
        if record.version not in retracted and not isinstance(record.event, _CORRECTIONS)
    ]


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
    if current is None:
        current = effective_history(history)
    if event.creates_stream:
        if current:
            raise AlreadyExists(event.stream_field, getattr(event, event.stream_field), "is already recorded")
        return
    if not current:
        kind, _, entity_id = event.stream.partition(":")
        raise UnknownEntity(kind, entity_id, event.stream_field)
    created = current[0].event
    if created.creates_stream and event.occurred_on.latest < created.occurred_on.earliest:
        raise RuleViolation(
            "occurred_on", event.occurred_on.text,
            f"is before {event.stream} came into being on {created.occurred_on.text}",
        )
    if isinstance(created, ev.CommitmentUndertaken):
        _check_commitment(event, created, current)
    elif isinstance(created, ev.DocumentDrafted):
        _check_document(event, current)
    # Meetings have no rule here: a second report that a meeting was held is kept beside the
    # first (sources disagree on who came, how many, when), and the review list settles it.
    elif isinstance(created, ev.ProposalTabled):
        _check_proposal(event, current)


def _check_correction(event: ev.EventRetracted | ev.EventCorrected, history: Sequence[Recorded]) -> None:
    _, version = parse_event_ref(event.target)
    target = next((r for r in history if r.version == version), None)
    if target is None:
        raise UnknownEvent(event.target)
    live = {r.version for r in effective_history(history)} | {r.version for r in _live_corrections(history)}
    if version not in live:
        raise RuleViolation("target", event.target, "is already retracted")
    if isinstance(event, ev.EventCorrected):
        try:
            replacement = parse_event(event.replacement)
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
        if isinstance(target.event, _CORRECTIONS):
            raise RuleViolation("target", event.target, "a correction cannot be corrected: retract it instead")


def _live_corrections(history: Sequence[Recorded]) -> list[Recorded]:
    retracted: set[int] = set()
    live: list[Recorded] = []
    for record in reversed(history):
        if record.version in retracted:
            continue
        if isinstance(record.event, ev.EventRetracted):
            retracted.add(parse_event_ref(record.event.target)[1])
        if isinstance(record.event, _CORRECTIONS):
            live.append(record)
    return live


def _check_commitment(event: Development, created: ev.CommitmentUndertaken, current: list[Recorded]) -> None:
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
