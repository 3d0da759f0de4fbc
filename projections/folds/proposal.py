"""A proposal's fold: status, supporters, what it became."""

from __future__ import annotations

from typing_extensions import override

from tracker.events import (
    PartialDate,
    ProposalAdopted,
    ProposalDeferred,
    ProposalRejected,
    ProposalSupported,
    ProposalTabled,
    ProposalWithdrawn,
    Recorded,
)
from tracker.projections.folds.base import EntityFold, Fields, partial_text
from tracker.projections.model import (
    Message,
    ProposalState,
    params,
)
from tracker.projections.summaries import join_states

__all__ = ["ProposalFold"]


class ProposalFold(EntityFold):
    """Folds a proposal's effective events in world order."""

    creator = ProposalTabled

    def __init__(self) -> None:
        super().__init__()
        self.status: ProposalState = "tabled"
        self.supporters: set[str] = set()
        self.adopted_into: tuple[str, str] | None = None
        self.deferred_until: PartialDate | None = None

    @override
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
            self._review("status_conflict", record, Message(
                "proposal_status_after", params(ref=record.ref, status=status, previous_status=self.status),
                f"{record.ref} marks the proposal {status} after it was already {self.status}",
            ))
        self.status = status
        if status != "adopted":
            self.adopted_into = None
        if status != "deferred":
            self.deferred_until = None

    @override
    def fields(self) -> Fields:
        if self.created is None:
            return {}
        into = self.adopted_into
        return {
            "status": self.status, "supporters": join_states(sorted(self.supporters)) or None,
            "adopted_into": f"{into[0]}:{into[1]}" if into else None,
            "deferred_until": partial_text(self.deferred_until),
        }

