"""The review queue: stable ids for review items, and the reviewers' decisions applied to them.

A review item is identified by what it is about (kind, entity, and the events it cites, or its
message when it cites none), so the same conflict keeps its id across rebuilds and processes.
Decisions are `ReviewDecided` events in the item's own stream `review:<id>`; the latest one
recorded (by `known_at`, dated by `as_of`) is the item's state, and "reopened" undoes the ones
before it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from tracker.events import Recorded, ReviewDecided
from tracker.projections.model import ReviewItem

__all__ = ["Decision", "ReviewEntry", "ReviewState", "decisions_of", "review_entry", "review_item_id", "review_stream"]

ReviewState = Literal["open", "decided", "reopened"]
REVIEW_STATES: tuple[ReviewState, ...] = ("open", "decided", "reopened")


def review_item_id(item: ReviewItem) -> str:
    """The item's stable id: 16 hex digits of a digest of its kind, entity and cited events (or message)."""
    cited = "|".join(sorted(item.refs)) if item.refs else item.message
    digest = hashlib.sha256(f"{item.kind}\x1f{item.entity}\x1f{cited}".encode()).hexdigest()
    return digest[:16]


def review_stream(item_id: str) -> str:
    """The stream holding an item's decisions."""
    return f"review:{item_id}"


@dataclass(frozen=True)
class Decision:
    """One reviewer decision, as recorded."""

    ref: str
    decision: str  # preferred_source | explained | dismissed | reopened
    preferred_ref: str | None
    reason: str
    decided_by: str | None
    decided_on: date
    recorded_at: datetime


@dataclass(frozen=True)
class ReviewEntry:
    """A review item with its id, its state and every decision taken on it (oldest first)."""

    item_id: str
    item: ReviewItem
    state: ReviewState
    decisions: tuple[Decision, ...]

    @property
    def latest(self) -> Decision | None:
        """The decision that counts, if any."""
        return self.decisions[-1] if self.decisions else None


def decisions_of(records: Sequence[Recorded], *, as_of: date, known_at: datetime) -> tuple[Decision, ...]:
    """The decisions in a review stream known at `known_at` and dated by `as_of`, in record order."""
    found = []
    for record in sorted(records, key=lambda r: (r.recorded_at, r.version)):
        event = record.event
        if not isinstance(event, ReviewDecided) or record.recorded_at > known_at:
            continue
        if event.occurred_on.earliest > as_of:
            continue
        found.append(Decision(
            ref=record.ref, decision=event.decision, preferred_ref=event.preferred_ref, reason=event.reason,
            decided_by=event.recorded_by, decided_on=event.occurred_on.earliest, recorded_at=record.recorded_at,
        ))
    return tuple(found)


def review_entry(item: ReviewItem, decisions: tuple[Decision, ...]) -> ReviewEntry:
    """The item's state from its decisions: none is open, the latest "reopened" is reopened, else decided."""
    if not decisions:
        state: ReviewState = "open"
    elif decisions[-1].decision == "reopened":
        state = "reopened"
    else:
        state = "decided"
    return ReviewEntry(review_item_id(item), item, state, decisions)
