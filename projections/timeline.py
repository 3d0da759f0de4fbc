"""An entity's full history in world order, retracted and corrected developments marked, not hidden."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime

from tracker.events import Recorded
from tracker.projections.model import DevelopmentSummary
from tracker.projections.resolution import Resolution, resolve, world_key
from tracker.projections.summaries import summarize

__all__ = ["timeline", "timeline_of"]


def timeline(records: Iterable[Recorded], *, as_of: date, known_at: datetime | None) -> list[DevelopmentSummary]:
    """Every development of an entity known at `known_at` and dated by `as_of`, in world order.

    Unlike the reductions, nothing is dropped: retracted developments carry `retracted=True`,
    corrected ones show their corrected content with `corrected_by` naming the correction, and
    the retractions and corrections themselves appear at their own world dates (so only when
    dated by `as_of`). The marks depend on `known_at` alone, as amendments act in record time.
    """
    return timeline_of(resolve(records, known_at), as_of=as_of)


def timeline_of(resolution: Resolution, *, as_of: date) -> list[DevelopmentSummary]:
    """The timeline of an already resolved stream (the marks agree with what the reductions count)."""
    shown = sorted((r for r in resolution.known if r.event.occurred_on.earliest <= as_of), key=world_key)
    if not resolution.retracted_by and not resolution.corrected_by:
        return [summarize(record) for record in shown]  # nothing to mark: no copy per entry
    found = []
    for record in shown:
        summary = summarize(record)
        ref = summary.ref
        retracted, corrected_by = ref in resolution.retracted_by, resolution.corrected_by.get(ref)
        found.append(replace(summary, retracted=retracted, corrected_by=corrected_by)
                     if retracted or corrected_by is not None else summary)
    return found
