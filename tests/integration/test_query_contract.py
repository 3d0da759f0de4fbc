"""Contract: every query answers the same from the views as from the events.

Random histories (backfills, retractions, corrections, handovers, meetings; catch-ups at random
points) are recorded through the real store on SQLite and PostgreSQL, with the clock frozen.
Every ReadModel query is then asked in both modes -- `use_views=True` (view rows wherever they
hold the answer) and `use_views=False` (everything reduced from the events) -- for past, current
and future dates, as known now and as known half-way, in every scope; the answers must be equal.
Presidencies and their review items (gaps, deviations, chain conflicts) are judged per query in
both modes, so they are compared too. One entity's status and timeline are also asked of the
events path alone (`EventAnswers`, which lists streams from the log, not the views' index):
over the store, and on SQLite over the standard library's reader that `tracker status` uses.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.integration.test_rebuild_property import BODIES, STEP, recorded_history
from tests.pg import require_postgres, throwaway_database, throwaway_sqlite
from tracker.app import Tracker
from tracker.bootstrap import sqlite_path
from tracker.log_reader import SQLiteLogReader
from tracker.projections.answers import EventAnswers, EventSource
from tracker.projections.clock import FixedClock
from tracker.projections.queries import Queries
from tracker.settings import Settings

TODAY = datetime(2024, 6, 15, 9, tzinfo=UTC)  # histories run 2018-2027: some events lie ahead of it
DAYS = (None, date(2020, 12, 31), date(2030, 1, 1))
SCOPES: tuple[dict[str, str], ...] = ({}, {"organization_id": "sco"}, {"body_id": BODIES[0]})


def every_answer(model: Queries, streams: list[str], *, as_of: date | None, known_at: datetime | None,
                 since: datetime | None) -> dict[str, Any]:
    """Every query's answer for one (as_of, known_at), in every scope, and for every entity."""
    times = {"as_of": as_of, "known_at": known_at}
    found: dict[str, Any] = {}
    for scope in SCOPES:
        tag = repr(sorted(scope.items()))
        for name in ("commitments", "proposals", "documents", "meetings", "presidencies", "review_items"):
            found[f"{name} {tag}"] = getattr(model, name)(**scope, **times)
        found[f"developments {tag}"] = model.developments(**scope, **times)
        found[f"developments since {tag}"] = model.developments(**scope, **times, recorded_after=since)
        found[f"status_changes since {tag}"] = model.status_changes(**scope, **times, recorded_after=since)
    for stream in streams:
        found[f"status {stream}"] = model.status(stream, **times)
        found[f"timeline {stream}"] = model.timeline(stream, **times)
    return found


def assert_modes_agree(tracker: Tracker) -> int:
    """Compare both modes on every question; returns how many answers were compared."""
    views, events = tracker.read_model(), tracker.read_model(use_views=False)
    assert views.use_views and not events.use_views
    log = list(tracker.iter_log())
    halfway = log[len(log) // 2].recorded_at
    compared = 0
    for as_of in DAYS:
        for known_at in (None, halfway):
            expected = every_answer(events, tracker.streams(), as_of=as_of, known_at=known_at, since=halfway)
            found = every_answer(views, tracker.streams(), as_of=as_of, known_at=known_at, since=halfway)
            assert found.keys() == expected.keys()
            for key, answer in expected.items():
                assert found[key] == answer, (key, as_of, known_at)
            compared += len(expected)
            compared += _events_alone_agree(tracker, expected, as_of=as_of, known_at=known_at)
    return compared


def _events_alone_agree(
    tracker: Tracker, expected: dict[str, Any], *, as_of: date | None, known_at: datetime | None,
) -> int:
    """Each entity's status and timeline from `EventAnswers` alone equal the read model's; how many compared."""
    sources: list[EventSource] = [tracker.event_log]
    path = sqlite_path(tracker.settings)
    reader = SQLiteLogReader(path) if path is not None else None
    if reader is not None:
        sources.append(reader)
    compared = 0
    try:
        for source in sources:
            alone = EventAnswers(source, stale_days=tracker.settings.stale_days, clock=tracker.clock)
            for stream in tracker.streams():
                times = {"as_of": as_of, "known_at": known_at}
                assert alone.status(stream, **times) == expected[f"status {stream}"], (stream, source)
                assert alone.timeline(stream, **times) == expected[f"timeline {stream}"], (stream, source)
                compared += 2
    finally:
        if reader is not None:
            reader.close()
    return compared


def _check(database_url: str, steps: list[tuple[str, int, str, int]]) -> None:
    tracker = Tracker(Settings(database_url=database_url, batch_size=4), clock=FixedClock(TODAY))
    try:
        recorded_history(tracker, steps)
        assert assert_modes_agree(tracker) > 0
    finally:
        tracker.close()


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=20))
def test_views_and_events_answer_alike_sqlite(steps: list[tuple[str, int, str, int]]) -> None:
    with throwaway_sqlite() as url:
        _check(url, steps)


@pytest.mark.postgres
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=15))
def test_views_and_events_answer_alike_postgres(steps: list[tuple[str, int, str, int]]) -> None:
    require_postgres()
    with throwaway_database() as url:
        _check(url, steps)


def test_the_demo_answers_alike_in_both_modes(tracker: Tracker) -> None:
    from tracker.demo import demo_lines

    tracker.clock = FixedClock(TODAY)
    assert tracker.import_events(demo_lines()).stored == 38
    assert assert_modes_agree(tracker) > 100
