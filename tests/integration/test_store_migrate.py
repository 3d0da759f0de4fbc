"""Migration keeps history: every event, record time, key, digest and link, into an empty store, all or nothing."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.builders import event, sco_world
from tests.pg import require_postgres, throwaway_database
from tracker.app import Tracker
from tracker.errors import ChainBroken, InvalidInput
from tracker.settings import Settings


@contextmanager
def _other_backend(database_url: str) -> Iterator[str]:
    """An empty store on the other backend (SQLite -> PostgreSQL and back)."""
    if database_url.startswith("sqlite"):
        require_postgres()
        with throwaway_database() as url:
            yield url
        return
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'migrated.sqlite'}"


def _history(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    first = tracker.record(event("ProgressAssessed", "2019", commitment_id="c", party="KAZ", level="limited",
                                 key="pa-2019"))
    tracker.record(event("ProgressAssessed", "2020", commitment_id="c", party="RUS", level="substantial"))
    tracker.record(event("EventCorrected", "2020", target=first.ref, reason="misread",
                         replacement={**event("ProgressAssessed", "2019", commitment_id="c", party="KAZ",
                                              level="not_started", key="pa-2019")}))
    tracker.record(event("CommitmentFulfilled", "2021", commitment_id="c"))
    tracker.record(event("EventRetracted", "2021", target="commitment:c#5", reason="premature"))


def _log(tracker: Tracker) -> list[tuple[Any, ...]]:
    return [(r.stream, r.version, r.recorded_at, r.event.to_json_dict()) for r in tracker.iter_log()]


def test_migration_to_the_other_backend_keeps_every_answer_as_known_at_any_time(
    tracker: Tracker, database_url: str
) -> None:
    _history(tracker)
    before = tracker.verify()
    with _other_backend(database_url) as target_url:
        report = tracker.migrate_to(target_url)
        assert (report.events, report.head) == (before.events, before.head)
        target = Tracker(Settings(database_url=target_url))
        try:
            assert _log(target) == _log(tracker)  # record times, order, content
            assert target.verify().head == before.head
            times = [r.recorded_at for r in tracker.iter_log()]
            mine, theirs = tracker.read_model(), target.read_model()
            for known_at in (times[10], times[12], times[-2], times[-1]):
                assert theirs.status("commitment:c", known_at=known_at) == mine.status(
                    "commitment:c", known_at=known_at)
            # Recording goes on after the migrated history, never before it.
            later = target.record(event("ProgressAssessed", "2022", commitment_id="c", level="complete"))
            assert target.history("c")[-1].recorded_at > times[-1] and later.stored
        finally:
            target.close()


def test_migration_refuses_a_store_that_is_not_empty(tracker: Tracker, tmp_path: Path) -> None:
    _history(tracker)
    other_url = f"sqlite:///{tmp_path / 'other.sqlite'}"
    other = Tracker(Settings(database_url=other_url))
    try:
        other.record(sco_world()[0])
        with pytest.raises(InvalidInput) as caught:
            tracker.migrate_to(other_url)
        assert caught.value.problems[0][0] == "to"
        assert other.event_log.max_position() == 1
    finally:
        other.close()


def test_migration_of_a_tampered_log_stores_nothing(sqlite_url: str, tmp_path: Path) -> None:
    import sqlite3

    source = Tracker(Settings(database_url=sqlite_url))
    try:
        _history(source)
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
            conn.execute("UPDATE stored_events SET state = replace(state, 'Joint', 'Joiny') WHERE rowid = 12")
        target_url = f"sqlite:///{tmp_path / 'target.sqlite'}"
        with pytest.raises(ChainBroken) as caught:
            source.migrate_to(target_url)
        assert "12" in str(caught.value)
        target = Tracker(Settings(database_url=target_url))
        try:
            assert target.is_empty()
        finally:
            target.close()
    finally:
        source.close()


def test_the_command_line_migrates_once_and_refuses_twice(sqlite_url: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    source = Tracker(Settings(database_url=sqlite_url))
    try:
        _history(source)
    finally:
        source.close()
    env = {**os.environ, "TRACKER_DATABASE_URL": sqlite_url, "PYTHONPATH": str(Path(__file__).parents[2])}
    target = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    runs = [subprocess.run([sys.executable, "-m", "tracker", "migrate", "--to", target], capture_output=True,
                           text=True, env=env, timeout=120, check=False) for _ in range(2)]
    assert runs[0].returncode == 0 and "Migrated 17 events" in runs[0].stdout, runs[0].stderr
    assert runs[1].returncode == 1 and "is not empty" in runs[1].stderr and "Traceback" not in runs[1].stderr
