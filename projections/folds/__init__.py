"""Folds: one per entity kind, each taking an entity's effective events in world order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from tracker.events import Recorded
from tracker.projections.folds.base import EntityFold, Fields
from tracker.projections.folds.body import BodyFold
from tracker.projections.folds.commitment import CommitmentFold
from tracker.projections.folds.document import DocumentFold
from tracker.projections.folds.meeting import MeetingFold
from tracker.projections.folds.organization import OrganizationFold
from tracker.projections.folds.proposal import ProposalFold

__all__ = [
    "FOLDS", "BodyFold", "CommitmentFold", "DocumentFold", "EntityFold", "Fields", "MeetingFold",
    "OrganizationFold", "ProposalFold", "fold", "kind_of",
]

FOLDS: dict[str, type[EntityFold]] = {
    "commitment": CommitmentFold,
    "proposal": ProposalFold,
    "document": DocumentFold,
    "meeting": MeetingFold,
    "organization": OrganizationFold,
    "body": BodyFold,
}


def kind_of(stream: str) -> str:
    """The entity kind of a stream ('commitment' for 'commitment:x')."""
    return stream.split(":", 1)[0]


_F = TypeVar("_F", bound=EntityFold)


def fold(cls: type[_F], effective: Iterable[Recorded]) -> _F:
    """Apply effective events (world order) to a fresh fold of `cls`."""
    state: _F = cls()
    for record in effective:
        state.apply(record)
    return state
