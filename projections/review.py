"""What a person should look at within one entity: date and status conflicts, doubtful corrections."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from tracker.events import Recorded
from tracker.projections.folds import FOLDS, fold, kind_of
from tracker.projections.model import ReviewItem
from tracker.projections.resolution import Resolution, counted, resolve

__all__ = ["review_items", "review_items_of"]


def review_items(
    stream: str, records: Iterable[Recorded], *, as_of: date, known_at: datetime | None,
) -> list[ReviewItem]:
    """The entity's review items as of `as_of` as known at `known_at`."""
    return review_items_of(stream, resolve((r for r in records if r.stream == stream), known_at), as_of)


def review_items_of(stream: str, resolution: Resolution, as_of: date) -> list[ReviewItem]:
    """Review items of an already resolved stream: its resolution's problems, then its fold's."""
    items = list(resolution.problems)
    if kind_of(stream) in FOLDS:
        items.extend(fold(FOLDS[kind_of(stream)], counted(resolution, as_of)).problems)
    return items
