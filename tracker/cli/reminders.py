"""CLI: `tracker reminders scan|deliver|list|dead-letters|retry`, `tracker scheduler`, `tracker calendar`."""

from __future__ import annotations

import json
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any, Protocol, TypeVar

import click
from sqlalchemy import Engine

from tracker.cli.output import output_options, write_output
from tracker.projections.model import ReadModel
from tracker.reminders.calendar import calendar_from_read_model
from tracker.reminders.channels import build_channels
from tracker.reminders.config import ReminderConfigError, RemindersConfig, load_config
from tracker.reminders.delivery import deliver
from tracker.reminders.outbox import OutboxRow, create_outbox, list_rows, retry
from tracker.reminders.scan import scan
from tracker.reminders.scheduler import run_scheduler

__all__ = ["TrackerContext", "calendar", "reminders", "scheduler"]

F = TypeVar("F", bound=Callable[..., Any])


class TrackerContext(Protocol):
    """What these commands need from `ctx.obj`: the read model and the tracker database's engine."""

    def read_model(self) -> ReadModel:
        """A ReadModel on the tracker's events."""
        ...

    def engine(self) -> Engine:
        """An SQLAlchemy Engine on the tracker's database."""
        ...


def _obj(ctx: click.Context) -> TrackerContext:
    obj = ctx.obj
    if obj is None or not hasattr(obj, "read_model") or not hasattr(obj, "engine"):
        raise click.ClickException("internal: the CLI context object must provide read_model() and engine()")
    return obj  # type: ignore[no-any-return]


def _config_option(func: F) -> F:
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), envvar="TRACKER_REMINDERS_CONFIG",
        default=None, help="reminders.toml (default: the shipped config/reminders.toml; env TRACKER_REMINDERS_CONFIG)",
    )(func)


def _load(config_path: Path | None) -> RemindersConfig:
    try:
        return load_config(config_path)
    except ReminderConfigError as exc:
        raise click.ClickException(str(exc)) from None


def _logging() -> None:
    # The log channel writes through logging: make sure it reaches the console.
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO date-time (value: {value!r})", param_hint="--now") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


_NOW_HELP = "As of this UTC date-time (ISO) instead of the clock, e.g. for a backfill or a test run."


@click.group("reminders")
def reminders() -> None:
    """Reminders one step at a time (for cron): scan, deliver, list the outbox, dead letters, retry."""


@reminders.command("scan")
@_config_option
@click.option("--now", "now_text", default=None, help=_NOW_HELP)
@click.option("--digests/--no-digests", default=True, show_default=True, help="Also issue the weekly digests due.")
@click.pass_context
def scan_command(ctx: click.Context, config_path: Path | None, now_text: str | None, digests: bool) -> None:
    """Write every reminder that is due and not yet issued into the outbox (once each)."""
    _logging()
    obj = _obj(ctx)
    report = scan(obj.engine(), obj.read_model(), _load(config_path), now=_parse_now(now_text), digests=digests)
    click.echo(f"due {report.due}, issued {len(report.issued)} ({report.late} late)")


@reminders.command("deliver")
@_config_option
@click.option("--worker", default=None, help="Name this worker in the outbox's claimed_by (default: host:pid:random).")
@click.option("--now", "now_text", default=None, help=_NOW_HELP)
@click.option("--deadline", "deadline_seconds", type=click.FloatRange(1, 86400), default=None,
              help="End the run by this many seconds (default: [delivery] run_deadline_seconds, else 50); "
                   "what is left waits for the next run.")
@click.pass_context
def deliver_command(
    ctx: click.Context, config_path: Path | None, worker: str | None, now_text: str | None,
    deadline_seconds: float | None,
) -> None:
    """Send what the outbox holds and is due, each row once per run, ending by the run's deadline."""
    _logging()
    config = _load(config_path)
    try:
        channels = build_channels(config)
    except ReminderConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if deadline_seconds is not None and deadline_seconds >= config.delivery.lease_seconds:
        raise click.BadParameter(
            f"must be shorter than [delivery] lease_seconds ({config.delivery.lease_seconds}) "
            f"(value: {deadline_seconds!r})", param_hint="--deadline")
    report = deliver(_obj(ctx).engine(), config.delivery, channels, worker=worker, now=_parse_now(now_text),
                     deadline_seconds=deadline_seconds)
    click.echo(f"sent {report.sent}, retrying {report.retrying}, dead {report.dead}, lease lost {report.lost}"
               + (f", deadline reached: {report.deferred} left for the next run" if report.out_of_time else ""))


def _row_json(row: OutboxRow) -> str:
    def stamp(moment: datetime | None) -> str | None:
        return None if moment is None else moment.isoformat()

    return json.dumps({
        "id": row.id, "key": row.key, "status": row.status, "rule": row.rule, "kind": row.kind,
        "entity": row.entity, "channel": row.channel, "subject": row.subject, "due_on": row.due_on.isoformat(),
        "late": row.late, "attempts": row.attempts, "issued_at": stamp(row.created_at),
        "next_attempt_at": stamp(row.next_attempt_at) if row.status == "pending" else None,
        "sent_at": stamp(row.sent_at), "last_error": row.last_error,
    }, ensure_ascii=False)


def _row_line(row: OutboxRow) -> str:
    if row.status == "sent":
        when = f"sent {row.sent_at:%Y-%m-%d %H:%M}" if row.sent_at else "sent"
    elif row.status == "pending":
        when = f"next {row.next_attempt_at:%Y-%m-%d %H:%M}" + (f", {row.attempts} attempts" if row.attempts else "")
    else:
        when = f"{row.attempts} attempts: {row.last_error or ''}"
    late = " [late]" if row.late else ""
    return f"{row.id}\t{row.status}\t{row.channel}\t{row.due_on.isoformat()}{late}\t{row.subject}\t{when}"


def _show(rows: list[OutboxRow], *, as_json: bool, empty: str) -> None:
    for row in rows:
        click.echo(_row_json(row) if as_json else _row_line(row))
    if not rows and not as_json:
        click.echo(empty)


@reminders.command("list")
@click.option("--status", "statuses", type=click.Choice(["pending", "sent", "dead"]), multiple=True,
              help="Only rows in this status (repeat for several; default: all).")
@click.option("--rule", default=None, help="Only rows of this rule.")
@click.option("--channel", default=None, help="Only rows for this channel.")
@click.option("--entity", default=None, help="Only rows about this entity, e.g. commitment:ID or digest:GROUP.")
@click.option("--limit", type=click.IntRange(1), default=None, help="At most this many rows (the latest).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def list_command(
    ctx: click.Context, statuses: tuple[str, ...], rule: str | None, channel: str | None, entity: str | None,
    limit: int | None, as_json: bool,
) -> None:
    """Show what the outbox holds: pending (with the next attempt), sent, dead; oldest first."""
    engine = _obj(ctx).engine()
    create_outbox(engine)
    rows = list_rows(engine, statuses=statuses or None, rule=rule, channel=channel, entity=entity, limit=limit)
    _show(rows, as_json=as_json, empty="the outbox holds no such reminder")


@reminders.command("dead-letters")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
def dead_letters_command(ctx: click.Context, as_json: bool) -> None:
    """List the reminders that failed every attempt (same as `list --status dead`; retry with `retry ID`)."""
    engine = _obj(ctx).engine()
    create_outbox(engine)
    _show(list_rows(engine, statuses=("dead",)), as_json=as_json, empty="no dead letters")


@reminders.command("retry")
@click.argument("row_id", metavar="ID", type=int)
@click.pass_context
def retry_command(ctx: click.Context, row_id: int) -> None:
    """Queue a dead letter for delivery again, with fresh attempts."""
    engine = _obj(ctx).engine()
    create_outbox(engine)
    if not retry(engine, row_id, now=datetime.now(UTC)):
        raise click.ClickException(f"ID: no dead letter with id {row_id} (see `tracker reminders dead-letters`)")
    click.echo(f"dead letter {row_id} queued again")


@click.command("scheduler")
@_config_option
@click.option("--poll-seconds", type=click.FloatRange(0.1, 300), default=5.0, show_default=True,
              help="How often a standby tries to take over, and the active one checks its lock.")
@click.pass_context
def scheduler(ctx: click.Context, config_path: Path | None, poll_seconds: float) -> None:
    """Run scan, deliver and the weekly digest on schedule; one active per database, others wait as standby."""
    _logging()
    obj = _obj(ctx)
    config = _load(config_path)
    try:
        channels = build_channels(config)
    except ReminderConfigError as exc:
        raise click.ClickException(str(exc)) from None
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    run_scheduler(obj.engine(), obj.read_model, config, stop=stop, channels=channels, poll_seconds=poll_seconds)


@click.command("calendar")
@output_options(required=True, help_text="Where to write the .ics feed (written whole, then moved into place).")
@click.option("--organization", default=None, help="Only this organization's meetings and deadlines.")
@click.option("--body", default=None, help="Only this body's meetings and deadlines.")
@click.pass_context
def calendar(ctx: click.Context, output: str, force: bool, mkdir: bool, organization: str | None,
             body: str | None) -> None:
    """Write meetings and commitment deadlines as an iCalendar feed with stable UIDs."""
    data = calendar_from_read_model(_obj(ctx).read_model(), organization_id=organization, body_id=body)
    # Written whole then moved into place: a calendar app polling the file never reads half a feed.
    write_output(output, lambda handle: handle.write(data), force=force, mkdir=mkdir)
    click.echo(f"wrote {output}")
