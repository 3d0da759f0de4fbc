"""Record times filtered in the database: "as known at" from our record-time table, not from decoded JSON.

Every answer is compared with the slow definition: decode every event and keep those whose
record time is at or before the moment.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.errors import ImportFailed
from tracker.settings import Settings
from tracker.store import EventLog
from tracker.store_sql import RECORD_TIMES

_TICK = timedelta(microseconds=1)


def _assessment(n: int) -> dict[str, object]:
    return event("ProgressAssessed", f"2020-{n % 12 + 1:02d}", commitment_id="c", level="limited", key=f"k{n}")


def _moments(log: EventLog) -> list[datetime]:
    """Every record time in the log, and a microsecond either side of each."""
    times = sorted({r.recorded_at for r in log.read(0, 10_000)})
    return [m + d for m in times for d in (-_TICK, timedelta(0), _TICK)]


def _assert_known_at_agrees(log: EventLog, stream: str = "commitment:c") -> None:
    everything = log.read(0, 10_000)
    whole = log.load(stream)
    for moment in _moments(log):
        known = [r for r in everything if r.recorded_at <= moment]
        assert log.position_known_at(moment) == (known[-1].position if known else 0)
        expected = [(r.version, r.recorded_at) for r in whole if r.recorded_at <= moment]
        assert [(r.version, r.recorded_at) for r in log.load(stream, known_at=moment)] == expected


def test_known_at_is_answered_in_the_database_as_decoding_would(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    tracker.import_events([orjson.dumps(_assessment(n)) for n in range(3)])  # one transaction, one time
    for n in range(3, 6):
        tracker.record(_assessment(n))
    log = tracker.event_log
    _assert_known_at_agrees(log)
    first = log.read(0, 1)[0]
    assert log.position_known_at(first.recorded_at - _TICK) == 0
    assert log.load("commitment:c", known_at=first.recorded_at - _TICK) == []
    # Naive times are read as UTC, like every record time the store writes.
    naive = first.recorded_at.replace(tzinfo=None)
    assert log.position_known_at(naive) == log.position_known_at(first.recorded_at)


def test_a_failed_import_leaves_no_record_time(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    far = datetime(9000, 1, 1, tzinfo=UTC)
    before = tracker.event_log.position_known_at(far)
    assert before == tracker.event_log.max_position()
    with pytest.raises(ImportFailed):
        tracker.import_events([orjson.dumps(_assessment(1)), b'{"type": "NoSuchEvent"}'])
    assert tracker.event_log.position_known_at(far) == before


def _drop_record_times(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(database_url.removeprefix("sqlite:///")) as conn:
            conn.execute(f"DROP TABLE {RECORD_TIMES}")
        return
    import psycopg
    from sqlalchemy.engine import make_url

    conninfo = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f"DROP TABLE {RECORD_TIMES}")


def test_a_store_from_before_the_record_time_table_is_filled_when_opened(database_url: str) -> None:
    tracker = Tracker(Settings(database_url=database_url))
    try:
        for data in sco_world():
            tracker.record(data)
        tracker.import_events([orjson.dumps(_assessment(n)) for n in range(3)])
        tracker.record(_assessment(3))
    finally:
        tracker.close()
    _drop_record_times(database_url)
    reopened = Tracker(Settings(database_url=database_url))
    try:
        _assert_known_at_agrees(reopened.event_log)
        reopened.record(_assessment(4))  # and kept current from there on
        _assert_known_at_agrees(reopened.event_log)
    finally:
        reopened.close()


def _known_refs(log: EventLog, moment: datetime) -> list[str]:
    until = log.position_known_at(moment)
    return [r.ref for r in log.read(0, 10_000) if r.position is not None and r.position <= until]


def test_a_migration_keeps_the_record_times(tracker: Tracker, tmp_path: Path) -> None:
    for data in sco_world():
        tracker.record(data)
    tracker.import_events([orjson.dumps(_assessment(n)) for n in range(3)])
    tracker.record(_assessment(3))
    target_url = f"sqlite:///{tmp_path}/copy.sqlite"
    tracker.migrate_to(target_url)
    copy = EventLog(target_url)
    try:
        for moment in _moments(tracker.event_log):
            assert _known_refs(copy, moment) == _known_refs(tracker.event_log, moment)
        _assert_known_at_agrees(copy)
    finally:
        copy.close()
