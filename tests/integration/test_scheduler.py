"""The scheduler: fixed UTC jobs with grace and coalescing, one active per database, a month's pause caught up once."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine

from tests.unit.reminder_fakes import FakeReadModel, commitment, development, meeting
from tracker.db import make_engine
from tracker.reminders.config import RemindersConfig, parse_config
from tracker.reminders.outbox import list_rows
from tracker.reminders.scan import ScanReport
from tracker.reminders.scheduler import build_scheduler, run_scheduler

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 6, 1, 9, tzinfo=UTC)
CONFIG = """
[schedule]
scan_every_minutes = 15
deliver_every_seconds = 60
misfire_grace_seconds = 900
[channels.log]
type = "log"
[[rules]]
name = "deadline"
kind = "deadline_approaching"
channels = ["log"]
[[rules]]
name = "meeting"
kind = "meeting_upcoming"
channels = ["log"]
[[rules]]
name = "weekly"
kind = "digest"
weekday = "friday"
at = "17:30"
channels = ["log"]
"""


def config() -> RemindersConfig:
    return parse_config(CONFIG)


def model(start: datetime = T0) -> FakeReadModel:
    return FakeReadModel(
        commitment_rows=[commitment(f"c{i}", due=(start + timedelta(days=25 + i)).date().isoformat())
                         for i in range(5)],
        meeting_rows=[meeting(f"m{i}", starts=(start + timedelta(days=10 + i)).date().isoformat()) for i in range(3)],
    )


def live_model() -> FakeReadModel:
    """The same items, dated from the real clock (for processes that scan "now")."""
    return model(datetime.now(UTC))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def wait_for(events: queue.Queue[tuple[str, object]], name: str, timeout: float = 30) -> object:
    deadline = datetime.now(UTC).timestamp() + timeout
    while True:
        left = deadline - datetime.now(UTC).timestamp()
        try:
            got, report = events.get(timeout=max(0.01, left))
        except queue.Empty:
            raise AssertionError(f"no {name!r} event within {timeout}s") from None
        if got == name:
            return report


def run_until_first_scan(engine: Engine, rm: FakeReadModel) -> ScanReport:
    events: queue.Queue[tuple[str, object]] = queue.Queue()
    stop = threading.Event()
    thread = threading.Thread(target=run_scheduler, args=(engine, lambda: rm, config()),
                              kwargs={"stop": stop, "listener": lambda n, r: events.put((n, r)), "poll_seconds": 0.1})
    thread.start()
    try:
        report = wait_for(events, "scan")
    finally:
        stop.set()
        thread.join(timeout=30)
    assert not thread.is_alive()
    assert isinstance(report, ScanReport)
    return report


def test_jobs_are_utc_memory_only_with_grace_and_coalescing(engine: Engine) -> None:
    sched = build_scheduler(engine, model, config(), {})
    sched.start(paused=True)  # jobs get their defaults applied on start; paused: nothing runs
    try:
        jobs = {job.id: job for job in sched.get_jobs()}
    finally:
        sched.shutdown(wait=False)
    assert set(jobs) == {"scan", "deliver", "digest:weekly"}
    assert all(job.coalesce and job.misfire_grace_time == 900 and job.max_instances == 1 for job in jobs.values())
    assert isinstance(jobs["scan"].trigger, IntervalTrigger) and jobs["scan"].trigger.interval == timedelta(minutes=15)
    digest = jobs["digest:weekly"].trigger
    assert isinstance(digest, CronTrigger) and str(digest.timezone) == "UTC"
    assert digest.get_next_fire_time(None, T0) == datetime(2025, 6, 6, 17, 30, tzinfo=UTC)
    assert type(sched._jobstores["default"]).__name__ == "MemoryJobStore"


def test_a_month_stopped_issues_one_reminder_per_missed_item_on_restart(engine: Engine) -> None:
    rm = model()
    with time_machine.travel(T0, tick=True):
        first = run_until_first_scan(engine, rm)
    # On T0: the 30-day stage of every commitment, the 14-day stage of every meeting; no digest,
    # since nothing had been recorded by last Friday's slot (a new database owes no backlog).
    assert {r.rule for r in list_rows(engine)} == {"deadline", "meeting"}
    before = {r.key for r in list_rows(engine)}
    assert set(first.issued) <= before
    rm.development_rows.append(("sco", development("commitment:c0#2", recorded_at=T0 + timedelta(days=1))))
    with time_machine.travel(T0 + timedelta(days=28), tick=True):  # Sunday 2025-06-29
        second = run_until_first_scan(engine, rm)
    new = {(r.rule, r.entity): r for r in list_rows(engine) if r.key not in before}
    # 28 days passed: scans every 15 minutes would have walked c3 and c4 through their 30, 7 and 1-day stages
    # and issued 4 digests; the restart issues the one reminder still true for each (c0-c2 and every
    # meeting are past), and the latest digest, not one per missed day or stage.
    assert len(new) == len(list_rows(engine)) - len(before) == 3
    assert new[("deadline", "commitment:c3")].key == "deadline:commitment:c3:v1:1d@log"
    assert new[("deadline", "commitment:c3")].late  # its 1-day stage was yesterday
    assert new[("deadline", "commitment:c4")].key == "deadline:commitment:c4:v1:1d@log"
    assert not new[("deadline", "commitment:c4")].late  # due tomorrow: today is its day
    assert new[("weekly", "digest:*")].key == "weekly:digest:*:2025-06-27@log" and new[("weekly", "digest:*")].late
    assert second.late == 2


def test_second_scheduler_waits_as_standby_and_takes_over(engine: Engine) -> None:
    events: queue.Queue[tuple[str, object]] = queue.Queue()
    stops = {"a": threading.Event(), "b": threading.Event()}
    threads = {
        name: threading.Thread(target=run_scheduler, args=(engine, model, config()),
                               kwargs={"stop": stops[name], "poll_seconds": 0.1,
                                       "listener": lambda n, r, who=name: events.put((f"{who}:{n}", r))})
        for name in stops
    }
    try:
        threads["a"].start()
        wait_for(events, "a:active")
        threads["b"].start()
        wait_for(events, "b:standby")
        stops["a"].set()
        wait_for(events, "a:stopped")
        wait_for(events, "b:active")
    finally:
        for name in stops:
            stops[name].set()
        for thread in threads.values():
            if thread.is_alive() or thread.ident is not None:
                thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads.values())


SCHEDULER_SCRIPT = """
import sys, threading
from tracker.db import make_engine
from tests.integration.test_scheduler import config, live_model
from tracker.reminders.scheduler import run_scheduler
run_scheduler(make_engine(sys.argv[1]), live_model, config(), stop=threading.Event(), poll_seconds=0.2,
              listener=lambda name, _report: print(name, flush=True))
"""


class ProcessLines:
    """A child's stdout read line by line on a thread, so no line can hide in a buffer.

    Waiting with select() on the pipe and then calling readline() loses lines: readline reads
    a whole chunk, and lines that arrived together ("active", "scan", "deliver" from a loaded
    machine) sit in the file object's buffer where select() never sees them, until the next
    output (the deliver job, 60 s later) or the timeout. That was the flaky failure.
    """

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stdout = proc.stdout
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        for line in self._stdout:
            self._lines.put(line.strip())
        self._lines.put(None)  # end of output: the process exited

    def wait_for(self, wanted: str, timeout: float = 120) -> None:
        """Consume lines until `wanted`; the timeout bounds the wait for a process under load."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"process never said {wanted!r} within {timeout} s") from None
            if line is None:
                raise AssertionError(f"process exited before saying {wanted!r}")
            if line == wanted:
                return


@pytest.mark.postgres
def test_postgres_one_active_scheduler_and_takeover_when_it_dies(engine: Engine, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs a single scheduler process (file lock), tested with threads above")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start() -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-c", SCHEDULER_SCRIPT, database_url], cwd=ROOT, env=env,
                                text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    first = start()
    second = None
    try:
        ProcessLines(first).wait_for("active")
        second = start()
        said = ProcessLines(second)
        said.wait_for("standby")
        first.send_signal(signal.SIGKILL)  # no clean-up: the lock must go with the dead connection
        first.wait(timeout=10)
        said.wait_for("active")
        said.wait_for("scan")  # the scheduler tells "active" before its jobs run, so "scan" comes after
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
    keys = [r.key for r in list_rows(engine)]
    assert keys and len(keys) == len(set(keys))
