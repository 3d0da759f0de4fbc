"""Delivery: claim outbox rows under a lease, send each through its channel, mark it sent or back off."""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from tracker.reminders.channels import Channel, DeliveryError
from tracker.reminders.config import DeliveryConfig
from tracker.reminders.outbox import Claimed, claim, create_outbox, mark_failed, mark_sent, release

__all__ = ["HANG_AFTER_SEND_ENV", "MIN_ATTEMPT_SECONDS", "DeliveryReport", "deliver", "worker_id"]

HANG_AFTER_SEND_ENV = "TRACKER_REMINDERS_TEST_HANG_AFTER_SEND"
"""Test hook: when set, print `SENT <key>` after a send and block before marking it, to be killed there."""

log = logging.getLogger("tracker.reminders")


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery run: sent, to be retried, dead-lettered, lease lost, and left for the next run untried."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0
    deferred: int = 0  # claimed but not attempted before the run's deadline (handed back)
    out_of_time: bool = False  # the run stopped at its deadline with rows possibly still due


MIN_ATTEMPT_SECONDS = 0.5
"""Below this much time left, a run starts no further send (it could not finish one)."""


def worker_id() -> str:
    """A worker name unique to this process run: host, pid and a random tail."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _hang_after_send(key: str) -> None:
    # Reaching here means the channel has sent but the outbox does not know yet: the one
    # window where a crash causes a resend. The bounded wait keeps a forgotten variable from
    # hanging a process forever.
    print(f"SENT {key}", flush=True)
    sys.stdout.flush()
    threading.Event().wait(float(os.environ.get(HANG_AFTER_SEND_ENV) or 60))


@dataclass
class _Run:
    """One delivery run's settings and tallies, shared by the per-row steps."""

    engine: Engine
    config: DeliveryConfig
    channels: Mapping[str, Channel]
    worker: str
    now: datetime | None
    hang: bool
    sent: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0

    def moment(self) -> datetime:
        return datetime.now(UTC) if self.now is None else self.now

    def attempt(self, item: Claimed, left: float) -> None:
        """Send one claimed row with `left` seconds to spare, then mark it sent, or failed with its backoff."""
        row = item.row
        channel = self.channels.get(row.channel)
        moment = self.moment()
        try:
            if channel is None:
                raise DeliveryError(f"channel {row.channel!r} is not configured", permanent=True)
            channel.send(row, timeout=left)
        except DeliveryError as exc:
            config = self.config
            status = mark_failed(
                self.engine, row.id, worker=self.worker, now=moment, error=str(exc), attempt=item.attempt,
                max_attempts=config.max_attempts, base=timedelta(seconds=config.backoff_seconds),
                cap=timedelta(seconds=config.backoff_max_seconds), permanent=exc.permanent,
            )
            log.warning("reminder %s attempt %d failed (%s): %s", row.key, item.attempt, status, exc)
            if status == "dead":
                self.dead += 1
            else:
                self.retrying += 1
            return
        if self.hang:
            _hang_after_send(row.key)
        if mark_sent(self.engine, row.id, worker=self.worker, now=moment):
            self.sent += 1
        else:
            # Our lease ran out mid-send and someone else took the row: they will resend
            # under the same key, which the receiver can recognise.
            self.lost += 1
            log.warning("reminder %s: lease lost before marking sent", row.key)


def deliver(
    engine: Engine,
    config: DeliveryConfig,
    channels: Mapping[str, Channel],
    *,
    now: datetime | None = None,
    worker: str | None = None,
    deadline_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DeliveryReport:
    """Send pending reminders whose time had come when the run started, each at most once, until the deadline.

    The run ends by `deadline_seconds` (default: the config's, see DeliveryConfig.deadline_seconds): each send
    gets the time left (capped by its channel's own timeout), rows claimed but not reached are
    handed back untried, and a failed row is retried by a later run after its backoff, never
    within this one (only rows due by the run's start are claimed).
    """
    create_outbox(engine)
    run = _Run(engine, config, channels, worker or worker_id(), now,
               hang=os.environ.get(HANG_AFTER_SEND_ENV) is not None)
    ends = clock() + (config.deadline_seconds() if deadline_seconds is None else deadline_seconds)
    started = run.moment()
    deferred = 0
    out_of_time = False
    while not out_of_time:
        if ends - clock() < MIN_ATTEMPT_SECONDS:
            out_of_time = True
            break
        batch = claim(engine, worker=run.worker, now=run.moment(), lease=timedelta(seconds=config.lease_seconds),
                      limit=config.batch, ready_by=started)
        if not batch:
            break
        for index, item in enumerate(batch):
            left = ends - clock()
            if left < MIN_ATTEMPT_SECONDS:
                out_of_time = True
                deferred += release(engine, [c.row.id for c in batch[index:]], worker=run.worker)
                break
            run.attempt(item, left)
    if out_of_time:
        log.warning("delivery: run deadline reached; %d reminder(s) handed back for the next run", deferred)
    return DeliveryReport(sent=run.sent, retrying=run.retrying, dead=run.dead, lost=run.lost, deferred=deferred,
                          out_of_time=out_of_time)
