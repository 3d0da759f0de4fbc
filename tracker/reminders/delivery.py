"""Delivery: claim outbox rows under a lease, send each through its channel, mark it sent or back off."""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from tracker.reminders.channels import Channel, DeliveryError
from tracker.reminders.config import DeliveryConfig
from tracker.reminders.outbox import claim, create_outbox, mark_failed, mark_sent

__all__ = ["HANG_AFTER_SEND_ENV", "DeliveryReport", "deliver", "worker_id"]

HANG_AFTER_SEND_ENV = "TRACKER_REMINDERS_TEST_HANG_AFTER_SEND"
"""Test hook: when set, print `SENT <key>` after a send and block before marking it, to be killed there."""

log = logging.getLogger("tracker.reminders")


@dataclass(frozen=True)
class DeliveryReport:
    """Counts of one delivery run: sent, to be retried, dead-lettered, and sends whose lease was lost."""

    sent: int = 0
    retrying: int = 0
    dead: int = 0
    lost: int = 0


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


def deliver(
    engine: Engine,
    config: DeliveryConfig,
    channels: Mapping[str, Channel],
    *,
    now: datetime | None = None,
    worker: str | None = None,
    max_rounds: int = 1000,
) -> DeliveryReport:
    """Send every pending reminder whose time has come, batch by batch, until none is left."""
    create_outbox(engine)
    worker = worker or worker_id()
    sent = retrying = dead = lost = 0
    hang = os.environ.get(HANG_AFTER_SEND_ENV) is not None
    for _ in range(max_rounds):
        moment = datetime.now(UTC) if now is None else now
        batch = claim(engine, worker=worker, now=moment, lease=timedelta(seconds=config.lease_seconds),
                      limit=config.batch)
        if not batch:
            break
        for item in batch:
            row = item.row
            channel = channels.get(row.channel)
            try:
                if channel is None:
                    raise DeliveryError(f"channel {row.channel!r} is not configured", permanent=True)
                channel.send(row)
            except DeliveryError as exc:
                status = mark_failed(
                    engine, row.id, worker=worker, now=moment, error=str(exc), attempt=item.attempt,
                    max_attempts=config.max_attempts, base=timedelta(seconds=config.backoff_seconds),
                    cap=timedelta(seconds=config.backoff_max_seconds), permanent=exc.permanent,
                )
                log.warning("reminder %s attempt %d failed (%s): %s", row.key, item.attempt, status, exc)
                if status == "dead":
                    dead += 1
                else:
                    retrying += 1
                continue
            if hang:
                _hang_after_send(row.key)
            if mark_sent(engine, row.id, worker=worker, now=moment):
                sent += 1
            else:
                # Our lease ran out mid-send and someone else took the row: they will resend
                # under the same key, which the receiver can recognise.
                lost += 1
                log.warning("reminder %s: lease lost before marking sent", row.key)
    return DeliveryReport(sent=sent, retrying=retrying, dead=dead, lost=lost)
