"""Nobody waits unboundedly behind a long import: lock waits end with StoreBusy naming the holder.

A thread of this process holds an import's write transaction open (as a long import does)
while other processes start up, read and write through the command line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import pytest

from tests.builders import event, sco_world
from tests.pg import require_postgres, throwaway_database
from tracker.app import Tracker
from tracker.errors import StoreBusy
from tracker.settings import Settings

ROOT = Path(__file__).parents[2]


@contextmanager
def _import_in_progress(tracker: Tracker) -> Iterator[None]:
    """Hold an import's write transaction (lock taken, rows written, not committed) until the block ends."""
    holding, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with tracker.event_log.bulk("import") as bulk:
                bulk.rows("commitment:c")  # a read inside the transaction, as an import does
                holding.set()
                # Keep working, as an import does (PostgreSQL ends sessions idle in a transaction).
                deadline = time.monotonic() + 120
                while not release.wait(0.5) and time.monotonic() < deadline:
                    bulk.exists("commitment:c")
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)
            holding.set()

    thread = threading.Thread(target=hold)
    thread.start()
    assert holding.wait(30)
    assert not failure, failure
    try:
        yield
    finally:
        release.set()
        thread.join(30)


def _cli(database_url: str, *args: str, timeout: float = 60) -> tuple[subprocess.CompletedProcess[str], float]:
    env = {**os.environ, "TRACKER_DATABASE_URL": database_url, "TRACKER_LOCK_TIMEOUT": "2",
           "PYTHONPATH": str(ROOT)}
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True, env=env,
                          timeout=timeout, check=False)
    return done, time.monotonic() - start


def test_a_write_during_an_import_fails_fast_with_a_clear_error(tracker: Tracker, database_url: str) -> None:
    for data in sco_world():
        tracker.record(data)
    line = orjson.dumps(event("ProgressAssessed", "2020", commitment_id="c", party="KAZ", level="limited")).decode()
    with _import_in_progress(tracker):
        done, took = _cli(database_url, "record", line)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "store busy" in done.stderr and "nothing was stored" in done.stderr
    if database_url.startswith("postgres"):
        assert "tracker import (pid" in done.stderr  # names who holds the lock
    assert took < 30  # the 2 s timeout, plus interpreter start-up on a loaded machine
    # Nothing was stored, and once the import ends the same write goes through.
    assert [r.version for r in tracker.history("c")] == [1]
    assert _cli(database_url, "record", line)[0].returncode == 0
    assert [r.version for r in tracker.history("c")] == [1, 2]


@pytest.mark.postgres
def test_postgres_start_up_and_reads_take_no_lock_an_import_holds() -> None:
    require_postgres()
    with throwaway_database() as database_url:
        _start_up_during_an_import(database_url)


def _start_up_during_an_import(database_url: str) -> None:
    tracker = Tracker(Settings(database_url=database_url))
    try:
        for data in sco_world():
            tracker.record(data)
        with _import_in_progress(tracker):
            # A process starting now checks the catalog instead of queueing a CREATE INDEX behind
            # the import's table lock, and reads what is committed.
            done, took = _cli(database_url, "list", "commitment")
            assert done.returncode == 0, done.stderr
            assert "c" in done.stdout
            assert took < 30
    finally:
        tracker.close()


def test_record_waits_at_most_the_lock_timeout_in_process(database_url: str) -> None:
    holder = Tracker(Settings(database_url=database_url))
    writer = Tracker(Settings(database_url=database_url, lock_timeout=1))
    try:
        for data in sco_world():
            holder.record(data)
        with _import_in_progress(holder):
            start = time.monotonic()
            with pytest.raises(StoreBusy) as caught:
                writer.record(event("ProgressAssessed", "2020", commitment_id="c", level="limited"))
            assert time.monotonic() - start < 20
        assert "nothing was stored" in str(caught.value)
    finally:
        writer.close()
        holder.close()
