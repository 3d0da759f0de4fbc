"""Export then import into an empty store reproduces every event, version for version, on both backends.

One idempotency rule serves recording and import: the same key, or without a key the same
content, is already present. Were `record()` to store a repeat that import then skips, every
later version of the stream would shift on restore and `#N` references would hit other events.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import event, sco_world
from tests.integration.test_rebuild_property import STEP, History, _base
from tests.pg import require_postgres, throwaway_database
from tracker.app import Tracker
from tracker.settings import Settings


def _content(tracker: Tracker) -> list[tuple[str, int, dict[str, Any]]]:
    return [(r.stream, r.version, r.event.to_json_dict()) for r in tracker.iter_log()]


@contextmanager
def _empty_store_like(database_url: str) -> Iterator[Tracker]:
    """A second, empty store on the same backend as `database_url`."""
    if database_url.startswith("sqlite"):
        with tempfile.TemporaryDirectory() as directory:
            other = Tracker(Settings(database_url=f"sqlite:///{Path(directory) / 'restored.sqlite'}"))
            try:
                yield other
            finally:
                other.close()
        return
    with throwaway_database() as url:
        other = Tracker(Settings(database_url=url))
        try:
            yield other
        finally:
            other.close()


def assert_round_trip(tracker: Tracker) -> None:
    """Export, import into an empty store, and compare every stream, version and content."""
    exported = io.BytesIO()
    count = tracker.export_events(exported)
    with _empty_store_like(str(tracker.settings.database_url)) as other:
        report = other.import_events(exported.getvalue().splitlines())
        assert (report.stored, report.already_present, report.rejected) == (count, 0, [])
        assert _content(other) == _content(tracker)


def test_recording_the_same_unkeyed_content_twice_stores_it_once(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    assessment = event("ProgressAssessed", "2020", commitment_id="c", party="KAZ", level="limited")
    first = tracker.record(assessment)
    again = tracker.record(assessment)
    assert first.stored and not again.stored
    assert again.ref == first.ref
    # Every recording method follows the same rule and says which it was.
    by_method = tracker.assess_progress(**{k: v for k, v in assessment.items() if k != "type"})
    assert not by_method.stored and by_method.ref == first.ref
    other = tracker.assess_progress(**{**{k: v for k, v in assessment.items() if k != "type"}, "level": "substantial"})
    assert other.stored and other.ref == "commitment:c#3"
    assert [r.version for r in tracker.history("c")] == [1, 2, 3]


def test_issue_reproducer_export_then_import_keeps_every_reference(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    assessment = event("ProgressAssessed", "2020", commitment_id="c", party="KAZ", level="limited")
    tracker.record(assessment)
    tracker.record(assessment)  # the repeat is already present: no version is taken
    third = tracker.record(event("ProgressAssessed", "2021", commitment_id="c", party="KAZ", level="substantial"))
    assert third.ref == "commitment:c#3"
    tracker.record(event("EventRetracted", "2021", target=third.ref, reason="wrong level"))
    assert_round_trip(tracker)


def _random_history(database_url: str, steps: list[tuple[str, int, str, int]]) -> None:
    tracker = Tracker(Settings(database_url=database_url, batch_size=4))
    try:
        for data in _base():
            tracker.record(data)
        history = History(tracker)
        for step in steps:
            history.step(*step)
            if step[0] in ("assess", "retract", "correct"):
                # Repeats of what was just recorded, unkeyed: already present, never a new version.
                last = history.refs[-1][1] if history.refs else None
                if last is not None:
                    assert not tracker.record(last).stored
        assert_round_trip(tracker)
    finally:
        tracker.close()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=30))
def test_round_trip_of_random_histories_sqlite(steps: list[tuple[str, int, str, int]]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        _random_history(f"sqlite:///{Path(directory) / 'tracker.sqlite'}", steps)


@pytest.mark.postgres
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=20))
def test_round_trip_of_random_histories_postgres(steps: list[tuple[str, int, str, int]]) -> None:
    require_postgres()
    with throwaway_database() as url:
        _random_history(url, steps)
