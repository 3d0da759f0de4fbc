"""The `tracker scheduler` process: one active scheduler per database, APScheduler jobs for scan, deliver, digest."""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Protocol

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Connection, Engine, text

from tracker.projections.model import ReadModel
from tracker.reminders.channels import Channel, build_channels
from tracker.reminders.config import WEEKDAYS, RemindersConfig
from tracker.reminders.delivery import deliver, worker_id
from tracker.reminders.outbox import create_outbox
from tracker.reminders.scan import issue_digests, scan

__all__ = [
    "ADVISORY_LOCK_KEY",
    "FileLeadership",
    "Leadership",
    "Listener",
    "PostgresLeadership",
    "build_scheduler",
    "leadership_for",
    "run_scheduler",
]

ADVISORY_LOCK_KEY = 0x7472_6B72_656D_6E64  # "trkremnd": fixed, so every scheduler of a database contends for it
"""The pg_try_advisory_lock key that makes one scheduler active per PostgreSQL database."""

log = logging.getLogger("tracker.reminders")

Listener = Callable[[str, object], None]
"""Called with ("standby" | "active" | "stopped" | "lost", None) or (job name, its report) after each job."""


class Leadership(Protocol):
    """Who is the active scheduler: acquire without blocking, check still held, release."""

    def try_acquire(self) -> bool:
        """Become the active scheduler if nobody else is."""
        ...

    def alive(self) -> bool:
        """Whether leadership is still held (the lock's connection is still up)."""
        ...

    def release(self) -> None:
        """Give leadership up."""
        ...


class PostgresLeadership:
    """pg_try_advisory_lock on a dedicated connection held for the process lifetime.

    The lock is a session lock: it goes when the connection goes, so a scheduler that dies
    (even by SIGKILL) frees it and a standby takes over at its next try.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None
        self._held = False

    def try_acquire(self) -> bool:
        """Try the advisory lock once."""
        if self._held:
            return True
        try:
            if self._conn is None:
                self._conn = self.engine.connect()
            got = bool(self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_LOCK_KEY}).scalar())
            self._conn.commit()  # session-level lock: survives the commit, ends no earlier than the session
        except Exception:
            log.exception("scheduler: cannot reach PostgreSQL to take the lock")
            self._drop()
            return False
        self._held = got
        return got

    def alive(self) -> bool:
        """Ping the lock's connection: if it is gone, so is the lock."""
        if not self._held or self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1")).scalar()
            self._conn.commit()
        except Exception:
            log.exception("scheduler: lock connection lost")
            self._drop()
            return False
        return True

    def _drop(self) -> None:
        self._held = False
        if self._conn is not None:
            try:
                self._conn.invalidate()
                self._conn.close()
            except Exception:
                pass
        self._conn = None

    def release(self) -> None:
        """Unlock and close the dedicated connection."""
        if self._conn is not None and self._held:
            try:
                self._conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_LOCK_KEY})
                self._conn.commit()
            except Exception:
                log.exception("scheduler: unlocking failed; closing the connection frees the lock")
        if self._conn is not None:
            self._conn.close()
        self._conn = None
        self._held = False


class FileLeadership:
    """SQLite: an exclusive flock on a file next to the database, for a single active process per host."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        """Try the lock once, without blocking."""
        if self._fh is not None:
            return True
        fh = self.path.open("ab")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._fh = fh
        return True

    def alive(self) -> bool:
        """A held flock lasts as long as the file handle."""
        return self._fh is not None

    def release(self) -> None:
        """Unlock by closing the handle."""
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
        self._fh = None


class _ProcessLeadership:
    """In-memory SQLite: only this process can see the database, so it always leads."""

    def try_acquire(self) -> bool:
        return True

    def alive(self) -> bool:
        return True

    def release(self) -> None:
        return None


def leadership_for(engine: Engine) -> Leadership:
    """The leader election that fits the database: advisory lock on PostgreSQL, file lock on SQLite."""
    if engine.dialect.name == "postgresql":
        return PostgresLeadership(engine)
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file::memory:"):
            return _ProcessLeadership()
        return FileLeadership(Path(database).with_name(Path(database).name + ".scheduler.lock"))
    raise NotImplementedError(f"dialect: the scheduler supports sqlite and postgresql, not {engine.dialect.name!r}")


def _guard(name: str, job: Callable[[], object], listener: Listener | None) -> Callable[[], None]:
    def run() -> None:
        try:
            report = job()
        except Exception:
            # Logged, not raised: the next run retries, and the scheduler keeps its other jobs.
            log.exception("scheduler: %s failed", name)
            report = None
        if listener is not None:
            listener(name, report)
    return run


def build_scheduler(
    engine: Engine,
    read_model: Callable[[], ReadModel],
    config: RemindersConfig,
    channels: dict[str, Channel],
    *,
    listener: Listener | None = None,
    worker: str | None = None,
) -> BackgroundScheduler:
    """A configured, not yet started, UTC BackgroundScheduler with the scan, deliver and digest jobs."""
    grace = config.schedule.misfire_grace_seconds
    sched = BackgroundScheduler(
        jobstores={"default": MemoryJobStore()},  # never shared, never pickled: jobs are code, registered here
        executors={"default": ThreadPoolExecutor(max_workers=3)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": grace},
        timezone=UTC,
    )
    worker = worker or worker_id()
    start = datetime.now(UTC)
    # The first scan runs at once: after downtime it issues what was missed, once each, marked late.
    sched.add_job(
        _guard("scan", lambda: scan(engine, read_model(), config, digests=True), listener),
        IntervalTrigger(minutes=config.schedule.scan_every_minutes, timezone=UTC),
        id="scan", name="scan", next_run_time=start, misfire_grace_time=grace, coalesce=True, replace_existing=True,
    )
    sched.add_job(
        _guard("deliver", lambda: deliver(engine, config.delivery, channels, worker=worker), listener),
        IntervalTrigger(seconds=config.schedule.deliver_every_seconds, timezone=UTC),
        id="deliver", name="deliver", next_run_time=start, misfire_grace_time=grace, coalesce=True,
        replace_existing=True,
    )
    for rule in config.rules:
        if rule.kind != "digest":
            continue
        sched.add_job(
            _guard("digest", lambda: issue_digests(engine, read_model(), config), listener),
            CronTrigger(day_of_week=WEEKDAYS.index(rule.weekday), hour=rule.at.hour, minute=rule.at.minute,
                        timezone=UTC),
            id=f"digest:{rule.name}", name=f"digest {rule.name}", misfire_grace_time=grace, coalesce=True,
            replace_existing=True,
        )
    return sched


def run_scheduler(
    engine: Engine,
    read_model: Callable[[], ReadModel],
    config: RemindersConfig,
    *,
    stop: threading.Event,
    channels: dict[str, Channel] | None = None,
    poll_seconds: float = 5.0,
    listener: Listener | None = None,
    leadership: Leadership | None = None,
) -> None:
    """Run until `stop` is set: standby until leadership is ours, then the jobs, back to standby if it is lost."""
    create_outbox(engine)
    channels = build_channels(config) if channels is None else channels
    leadership = leadership_for(engine) if leadership is None else leadership

    def tell(state: str) -> None:
        log.info("scheduler: %s", state)
        if listener is not None:
            listener(state, None)

    standby_told = False
    try:
        while not stop.is_set():
            if not leadership.try_acquire():
                if not standby_told:
                    tell("standby")
                    standby_told = True
                stop.wait(poll_seconds)
                continue
            standby_told = False
            sched = build_scheduler(engine, read_model, config, channels, listener=listener)
            # Told before the jobs start: a listener sees "active" before any job's report (a
            # fast first scan could otherwise finish before "active" is told).
            tell("active")
            sched.start()
            try:
                while not stop.wait(poll_seconds):
                    if not leadership.alive():
                        tell("lost")
                        break
            finally:
                sched.shutdown(wait=True)
    finally:
        leadership.release()
        tell("stopped")


