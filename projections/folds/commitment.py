"""A commitment's fold: status, level per party, deadline."""

from __future__ import annotations

from typing_extensions import override

from tracker.events import (
    CommitmentFulfilled,
    CommitmentLapsed,
    CommitmentSuperseded,
    CommitmentUndertaken,
    CommitmentWithdrawn,
    DeadlineChanged,
    PartialDate,
    ProgressAssessed,
    Recorded,
)
from tracker.projections.folds.base import EntityFold, Fields, partial_text
from tracker.projections.model import (
    CommitmentState,
    Level,
    Message,
    params,
)

__all__ = ["CommitmentFold"]


class CommitmentFold(EntityFold):
    """Folds a commitment's effective events in world order."""

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

    @override
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
                    self._review("unknown_party", record, Message(
                        "assessed_not_a_party", params(ref=record.ref, state=event.party),
                        f"{record.ref} assesses {event.party}, which is not a party",
                    ))
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
            self._review("status_conflict", record, Message(
                "commitment_status_after", params(ref=record.ref, status=status, previous_status=self.status),
                f"{record.ref} marks the commitment {status} after it was already {self.status}",
            ))
        self.status = status
        if status != "superseded":
            self.superseded_by = None

    def party_levels(self) -> dict[str, Level]:
        """Every party's latest level; parties never assessed are 'no_evidence'."""
        return {p: self.assessed.get(p, "no_evidence") for p in self.parties}

    @override
    def fields(self) -> Fields:
        if self.created is None:
            return {}
        out: Fields = {
            "status": self.status, "superseded_by": self.superseded_by, "level": self.level,
            "due_on": partial_text(self.due_on),
        }
        for party, level in self.party_levels().items():
            out[f"level[{party}]"] = level
        return out

