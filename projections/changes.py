"""What changed: an entity's comparable status fields, and the developments that changed them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from tracker.events import Recorded
from tracker.projections.folds import FOLDS, Fields, fold, kind_of
from tracker.projections.model import StatusChange
from tracker.projections.resolution import Resolution, counted, effective_events, known_prefix, resolve

__all__ = ["status_changes", "status_fields"]

_Walk = list[tuple[Recorded, str, str | None, str | None]]


def status_fields(records: Iterable[Recorded], *, as_of: date, known_at: datetime | None) -> dict[str, str | None]:
    """The entity's comparable status fields (status, level, due_on, chair, ...) as text; {} if absent."""
    records = list(records)
    if not records or kind_of(records[0].stream) not in FOLDS:
        return {}
    cls = FOLDS[kind_of(records[0].stream)]
    return fold(cls, effective_events(records, as_of=as_of, known_at=known_at)).fields()


def _diff(before: Fields, after: Fields) -> list[tuple[str, str | None, str | None]]:
    names = list(after) + [name for name in before if name not in after]
    return [(n, before.get(n), after.get(n)) for n in names if before.get(n) != after.get(n)]


def status_changes(
    records: Iterable[Recorded], *, as_of: date, known_at: datetime | None,
    known_since: datetime | None = None, occurred_after: date | None = None,
) -> list[StatusChange]:
    """Status changes of one entity, each attributed to the development that caused it.

    Without `known_since`: every change along the world timeline as known at `known_at`, in world
    order. With it: what an observer learnt between `known_since` and `known_at` (the answer at
    `known_since` compared field by field with the answer at `known_at`), each change attributed
    to the development recorded in that window that caused it. `occurred_after` keeps only changes
    whose cause is dated (earliest day) after that date.
    """
    records = list(records)
    if not records or kind_of(records[0].stream) not in FOLDS:
        return []
    resolution = resolve(records, known_at)
    walk, setter, current = _walk(FOLDS[kind_of(records[0].stream)], resolution, as_of)
    if known_since is None:
        changes = [_change(record, name, old, new) for record, name, old, new in walk]
    else:
        changes = _learnt(records, resolution, setter, current, as_of=as_of, known_since=known_since)
    if occurred_after is not None:
        changes = [c for c in changes if c.occurred_on.earliest > occurred_after]
    return changes


def _walk(cls: type, resolution: Resolution, as_of: date) -> tuple[_Walk, dict[str, Recorded], Fields]:
    """Every field change along the world timeline, who last set each field, and the final fields."""
    state = cls()
    walk: _Walk = []
    setter: dict[str, Recorded] = {}
    current: Fields = {}
    for record in counted(resolution, as_of):
        state.apply(record)
        after = state.fields()
        for name, old, new in _diff(current, after):
            walk.append((record, name, old, new))
            setter[name] = record
        current = after
    return walk, setter, current


def _learnt(
    records: list[Recorded], resolution: Resolution, setter: dict[str, Recorded], current: Fields,
    *, as_of: date, known_since: datetime,
) -> list[StatusChange]:
    before = status_fields(records, as_of=as_of, known_at=known_since)
    # Known at known_at but not yet at known_since: a suffix of the known versions.
    window = list(resolution.known[len(known_prefix(resolution.known, known_since)):])
    changes = []
    for name, old, new in _diff(before, current):
        cause = _cause(setter.get(name), resolution, window)
        if cause is not None:
            changes.append(_change(cause, name, old, new))
    return changes


def _cause(setter: Recorded | None, resolution: Resolution, window: list[Recorded]) -> Recorded | None:
    """The record in the window that explains a field's new value."""
    if setter is not None:
        if any(r.ref == setter.ref for r in window):
            return setter
        corrector = resolution.corrected_by.get(setter.ref)
        for record in window:
            if record.ref == corrector:
                return record
    # The value fell back to an older one (a retraction, a backfilled earlier event): blame the
    # latest development recorded in the window, the one a reader would look at.
    return window[-1] if window else setter


def _change(record: Recorded, name: str, old: str | None, new: str | None) -> StatusChange:
    return StatusChange(
        entity=record.stream, ref=record.ref, occurred_on=record.event.occurred_on,
        recorded_at=record.recorded_at, field=name, before=old, after=new,
    )
