"""Two `tracker project --follow` processes on one PostgreSQL log while two writers record concurrently.

Every event must be applied exactly once, by one follower or the other: the views equal a
rebuild, each commitment's development count equals its events in the log, and the tracking
position ends at the log's last notification id.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_projections import answers, view_rows
from tests.pg import require_postgres, throwaway_database
from tracker.app import Tracker
from tracker.settings import Settings

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
WRITERS = 2
EVENTS_PER_WRITER = 200
COMMITMENTS = ("w0", "w1", "shared")

WRITER = """
import sys
from tests.builders import event
from tracker.app import Tracker
from tracker.settings import Settings
url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
tracker = Tracker(Settings(database_url=url))
for i in range(count):
    # Half on the writer's own commitment, half on one both writers share (same stream, concurrent).
    commitment = name if i % 2 else "shared"
    tracker.record(event("ProgressAssessed", f"20{19 + i % 6}-0{1 + i % 9}-1{i % 10}", commitment_id=commitment,
                         level=["limited", "substantial"][i % 2], evidence=f"{name} report {i}"))
tracker.close()
print("wrote", count, flush=True)
"""


@pytest.fixture
def pg_url() -> Iterator[str]:
    require_postgres()
    with throwaway_database() as url:
        yield url


def _wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def _spawn(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                                stdout=out, stderr=subprocess.STDOUT)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
    for process in processes:
        if process.poll() is None:
            process.wait(timeout=10)


def test_two_followers_apply_every_event_once_under_concurrent_writers(pg_url: str, tmp_path: Path) -> None:
    tracker = Tracker(Settings(database_url=pg_url))
    processes: list[subprocess.Popen[bytes]] = []
    try:
        from tests.builders import event, sco_world

        for data in sco_world():
            tracker.record(data)
        for cid in COMMITMENTS[:2]:
            tracker.record(event("CommitmentUndertaken", "2019-01-01", commitment_id=cid, organization_id="sco",
                                 parties=["KAZ", "RUS"], title=cid, text="Writer's own"))
        tracker.record(event("CommitmentUndertaken", "2019-01-01", commitment_id="shared", organization_id="sco",
                             parties=["KAZ", "RUS"], title="shared", text="Both writers"))
        followers = [
            _spawn(["-m", "tracker", "--database-url", pg_url, "project", "--follow", "--poll-seconds", "0.1"],
                   tmp_path / f"follower{i}.log")
            for i in range(2)
        ]
        processes.extend(followers)
        # Both followers started: the views have caught up with the world recorded so far.
        start = tracker.event_log.max_position()
        _wait_for(lambda: tracker.projector.position() == start, 60, "the followers to start")
        writers = [
            _spawn(["-c", WRITER, pg_url, f"w{i}", str(EVENTS_PER_WRITER)], tmp_path / f"writer{i}.log")
            for i in range(WRITERS)
        ]
        processes.extend(writers)
        for writer in writers:
            writer.wait(timeout=240)
            assert writer.returncode == 0, (tmp_path / "writer0.log").read_text() + (
                tmp_path / "writer1.log").read_text()
        last = tracker.event_log.max_position()
        assert last == start + WRITERS * EVENTS_PER_WRITER
        _wait_for(lambda: tracker.projector.position() == last, 60, "the followers to reach the log's end")
        assert all(f.poll() is None for f in followers), "a follower died"
        for follower in followers:
            follower.send_signal(signal.SIGTERM)
        for i, follower in enumerate(followers):
            follower.wait(timeout=30)
            output = (tmp_path / f"follower{i}.log").read_text()
            assert follower.returncode == 0, output
            assert f"Stopped at log position {last}" in output, output

        # Instrumented: the tracking position is the max notification id, nothing after it.
        assert tracker.projector.position() == tracker.event_log.max_position() == last
        assert tracker.event_log.read(last, 10) == []
        # Each commitment counts exactly its events in the log: none skipped, none applied twice.
        in_log: dict[str, int] = {}
        for record in tracker.iter_log():
            if record.stream.startswith("commitment:"):
                in_log[record.stream] = in_log.get(record.stream, 0) + 1
        model = tracker.read_model(catch_up=False)
        counted = {f"commitment:{c.commitment_id}": c.developments for c in model.commitments()}
        assert counted == in_log
        assert counted["commitment:shared"] == 1 + EVENTS_PER_WRITER  # half of each writer's events
        rows = view_rows(tracker)
        # The developments view holds one row per event of every entity: none skipped, none twice.
        assert len(rows["view_developments"]) == last
        followed: dict[str, Any] = answers(tracker)
        tracker.projector.rebuild()
        assert view_rows(tracker) == rows
        rebuilt = answers(tracker)
        for key in followed:
            assert rebuilt[key] == followed[key], key
    finally:
        _stop(processes)
        tracker.close()
