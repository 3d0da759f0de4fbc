"""Concurrent writers: judged side by side on different entities, queued fairly on one, nothing lost or doubled.

Each writer is its own Tracker (its own connections), in a thread of this process. A writer
is held inside its judgement by wrapping the rules (`tracker.app.check`) for its thread only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
import pytest

from tests.builders import event, sco_world
from tests.pg import require_postgres, throwaway_database
from tracker import app as app_module
from tracker.app import RecordResult, Tracker
from tracker.settings import Settings


def _assessment(commitment: str, n: int) -> dict[str, Any]:
    return event("ProgressAssessed", f"{2019 + n // 12}-{n % 12 + 1:02d}", commitment_id=commitment,
                 level="limited", key=f"{commitment}-{n}", note=f"assessment {n}")


def _commitment(commitment_id: str) -> dict[str, Any]:
    first = next(d for d in sco_world() if d["type"] == "CommitmentUndertaken")
    return {**first, "commitment_id": commitment_id, "title": f"commitment {commitment_id}"}


@contextmanager
def _rules_paused_in(
    thread_name: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[threading.Event, threading.Event]]:
    """(judging, release): the named thread's first judgement sets `judging` and waits for `release`."""
    judging, release = threading.Event(), threading.Event()
    real: Callable[..., None] = app_module.check

    def paused(*args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == thread_name and not judging.is_set():
            judging.set()
            assert release.wait(60)
        real(*args, **kwargs)

    monkeypatch.setattr(app_module, "check", paused)
    try:
        yield judging, release
    finally:
        release.set()


def _in_thread(
    name: str, fn: Callable[[], RecordResult]
) -> tuple[threading.Thread, list[RecordResult | BaseException]]:
    out: list[RecordResult | BaseException] = []

    def run() -> None:
        try:
            out.append(fn())
        except BaseException as exc:  # reported by the test
            out.append(exc)

    thread = threading.Thread(target=run, name=name)
    thread.start()
    return thread, out


def test_a_slow_writer_of_one_entity_is_not_starved_by_a_fast_one(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = Tracker(Settings(database_url=database_url))
    slow = Tracker(Settings(database_url=database_url))
    real: Callable[..., None] = app_module.check

    def slow_rules(*args: Any, **kwargs: Any) -> None:
        if threading.current_thread().name == "slow":
            time.sleep(0.3)  # a judgement far slower than the other writer's whole record()
        real(*args, **kwargs)

    monkeypatch.setattr(app_module, "check", slow_rules)
    try:
        for data in sco_world():
            fast.record(data)
        done = threading.Event()
        stored_fast: list[int] = []

        def keep_writing() -> None:
            n = 0
            while not done.is_set() and n < 400:
                n += 1
                assert fast.record(_assessment("c", n)).stored
                stored_fast.append(n)

        writer = threading.Thread(target=keep_writing, name="fast")
        writer.start()
        while len(stored_fast) < 3:  # the fast writer is going
            time.sleep(0.01)
        try:
            results = [slow.record(_assessment("c", 1000 + i)) for i in range(3)]
        finally:
            done.set()
            writer.join(60)
        # Every slow write went through (no ConcurrencyConflict after retries), each once.
        assert all(r.stored for r in results)
        versions = [r.version for r in slow.history("c")]
        assert versions == list(range(1, len(versions) + 1))
        keys = [r.event.key for r in slow.history("c")]
        assert len(keys) == len(set(keys)) == 1 + len(stored_fast) + 3
    finally:
        fast.close()
        slow.close()


@pytest.mark.postgres
def test_postgres_writers_of_different_entities_judge_side_by_side(monkeypatch: pytest.MonkeyPatch) -> None:
    # PostgreSQL only: SQLite has one writer at a time by design.
    require_postgres()
    with throwaway_database() as database_url:
        _judge_side_by_side(database_url, monkeypatch)


def _judge_side_by_side(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    first = Tracker(Settings(database_url=database_url))
    second = Tracker(Settings(database_url=database_url, lock_timeout=5))
    try:
        for data in [*sco_world(), _commitment("d")]:
            first.record(data)
        with _rules_paused_in("first", monkeypatch) as (judging, release):
            thread, out = _in_thread("first", lambda: first.record(_assessment("c", 1)))
            assert judging.wait(30)
            # The first writer holds its judgement open; a writer of another entity goes through.
            result = second.record(_assessment("d", 1))
            assert result.stored and result.ref == "commitment:d#2"
            assert thread.is_alive()
            release.set()
            thread.join(30)
        assert isinstance(out[0], RecordResult) and out[0].stored, out
        assert out[0].ref == "commitment:c#2"
        assert first.event_log.verify().ok  # one chain, in commit order
    finally:
        first.close()
        second.close()


def test_an_import_landing_during_a_judgement_is_seen_by_the_retry(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = Tracker(Settings(database_url=database_url))
    importer = Tracker(Settings(database_url=database_url))
    try:
        for data in sco_world():
            writer.record(data)
        same = _assessment("c", 1)
        if database_url.startswith("sqlite"):
            # SQLite judges under its write lock: the import simply lands first.
            importer.import_events([orjson.dumps(same)])
            result = writer.record(same)
        else:
            with _rules_paused_in("writer", monkeypatch) as (judging, release):
                thread, out = _in_thread("writer", lambda: writer.record(same))
                assert judging.wait(30)
                # The import takes the table lock only; it commits while the writer is judging.
                report = importer.import_events([orjson.dumps(same), orjson.dumps(_assessment("c", 2))])
                assert report.stored == 2
                release.set()
                thread.join(30)
            assert isinstance(out[0], RecordResult), out
            result = out[0]
        # Judged again on what the import stored: the same key is already there, stored once.
        assert not result.stored and result.ref == "commitment:c#2"
        keys = [r.event.key for r in writer.history("c")]
        assert keys.count("c-1") == 1
        assert writer.event_log.verify().ok
    finally:
        writer.close()
        importer.close()
