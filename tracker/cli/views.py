"""`tracker status | presidency | timeline | review | rebuild | project`: the projections from the command line.

`--json` output follows the schema `tracker.cli/1`, documented in the README: an object with
`schema`, `as_of`, `known_at`, and the answer under a key named after the command.
"""

from __future__ import annotations

import signal
import threading
from datetime import UTC, date, datetime
from typing import Any

import click
import orjson
from pydantic import TypeAdapter
from rich.table import Table

from tracker.cli.context import CliContext
from tracker.cli.display import shown, terminal
from tracker.cli.options import time_options
from tracker.errors import NotFound
from tracker.events import state_name
from tracker.projections.model import DevelopmentSummary, PresidencyStatus, ReviewItem
from tracker.projections.review_queue import Decision, ReviewEntry

__all__ = ["presidency", "project", "rebuild", "review", "status", "timeline"]

SCHEMA = "tracker.cli/1"


def _emit(command: str, answer: Any, as_of: date | None, known_at: datetime | None) -> None:
    """Print the answer as the documented JSON envelope."""
    envelope = {
        "schema": SCHEMA,
        "as_of": (as_of or datetime.now(UTC).date()).isoformat(),
        "known_at": (known_at or datetime.now(UTC)).isoformat(),
        command: TypeAdapter(Any).dump_python(answer, mode="json"),
    }
    click.echo(orjson.dumps(envelope, option=orjson.OPT_INDENT_2).decode())


def _when(as_of: date | None, known_at: datetime | None) -> str:
    parts = [f"as of {as_of.isoformat()}" if as_of else "as of today"]
    parts.append(f"as known at {known_at.isoformat()}" if known_at else "as known now")
    return ", ".join(parts)


@click.command()
@click.argument("entity")
@time_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema tracker.cli/1).")
@click.pass_obj
def status(obj: CliContext, entity: str, as_of: date | None, known_at: datetime | None, as_json: bool) -> None:
    """Status of a commitment, proposal, document, meeting or body (an id, or kind:id)."""
    resolve, answers = obj.answers()
    stream = resolve(entity)
    answer = answers.status(stream, as_of=as_of, known_at=known_at)
    if answer is None:
        raise NotFound(f"id: {stream} did not exist {_when(as_of, known_at)} (value: {entity!r})")
    if as_json:
        _emit("status", answer, as_of, known_at)
        return
    console = terminal()
    console.print(f"[bold]{shown(stream)}[/bold] ({_when(as_of, known_at)})")
    data = TypeAdapter(Any).dump_python(answer, mode="json")
    table = Table(show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    for key, value in data.items():
        if key in ("text", "doc"):
            continue
        table.add_row(key, shown(_plain(value)))
    console.print(table)


def _plain(value: Any) -> str:
    """A compact human rendering of a JSON value (dates as their text, lists joined)."""
    if isinstance(value, dict):
        if "text" in value and "precision" in value:
            return f"{value['text']}" + ("" if value["precision"] == "day" else f" ({value['precision']} precision)")
        if "summary" in value:
            return f"{value['summary']} — {_plain(value.get('occurred_on'))} [{value.get('ref')}]"
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return "" if value is None else str(value)


@click.command()
@click.argument("body")
@time_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema tracker.cli/1).")
@click.option("--horizon", type=click.IntRange(0, 1000), default=6, show_default=True,
              help="How many upcoming terms to show.")
@click.pass_obj
def presidency(
    obj: CliContext, body: str, as_of: date | None, known_at: datetime | None, as_json: bool, horizon: int
) -> None:
    """Who chairs BODY and since when, its history, who is expected next, and deviations."""
    resolve, answers = obj.answers()
    stream = resolve(body if ":" in body else f"body:{body}")
    answer: PresidencyStatus | None = answers.presidency(
        stream.partition(":")[2], as_of=as_of, known_at=known_at, horizon=horizon
    )
    if answer is None:
        raise NotFound(f"body: {body!r} had not been established {_when(as_of, known_at)} (value: {body!r})")
    if as_json:
        _emit("presidency", answer, as_of, known_at)
        return
    console = terminal()
    current = answer.current
    console.print(f"[bold]{shown(answer.body_id)}[/bold] — rule: {shown(answer.rule)} ({_when(as_of, known_at)})")
    if current:
        console.print(f"Chair: {state_name(current.state)} ({current.state}) since {shown(current.start.describe())}")
    else:
        console.print("Chair: unknown (no handover recorded)")
    if answer.expected_next:
        upcoming = ", ".join(state for state, _ in answer.upcoming)
        console.print(f"Expected next: {answer.expected_next}; upcoming terms: {upcoming}")
    table = Table(title="Terms")
    for column in ("chair", "from", "to", "expected", "deviation", "events"):
        table.add_column(column)
    for term in answer.terms:
        table.add_row(
            term.state,
            term.start.describe(),
            term.end.describe() if term.end else "(current)",
            term.expected_state or "",
            "yes" if term.deviation else "",
            shown(", ".join(term.refs)),
        )
    console.print(table)
    for title, lines in (
        ("Deviations", answer.deviations),
        ("Gaps", answer.gaps),
        ("Chain conflicts", answer.chain_conflicts),
        ("Notes", answer.notes),
    ):
        for line in lines:
            console.print(f"[yellow]{title[:-1]}:[/yellow] {shown(line)}")


@click.command()
@click.argument("entity")
@time_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema tracker.cli/1).")
@click.pass_obj
def timeline(obj: CliContext, entity: str, as_of: date | None, known_at: datetime | None, as_json: bool) -> None:
    """Every development of one entity in world order, retracted and corrected ones marked."""
    resolve, answers = obj.answers()
    stream = resolve(entity)
    items: list[DevelopmentSummary] = answers.timeline(stream, as_of=as_of, known_at=known_at)
    if as_json:
        _emit("timeline", items, as_of, known_at)
        return
    table = Table(title=f"{shown(stream)} ({_when(as_of, known_at)})")
    for column in ("occurred", "development", "ref", "recorded", "sources"):
        table.add_column(column)
    for item in items:
        mark = (
            " [red](retracted)[/red]"
            if item.retracted
            else (f" [yellow](corrected by {shown(item.corrected_by)})[/yellow]" if item.corrected_by else "")
        )
        table.add_row(
            item.occurred_on.describe(),
            shown(item.summary) + mark,
            shown(item.ref),
            item.recorded_at.strftime("%Y-%m-%d %H:%M"),
            shown("; ".join(s.publisher for s in item.sources)),
        )
    terminal().print(table)


@click.command()
@click.option("--org", "organization_id", metavar="ORG_ID", help="Only this organization.")
@click.option("--body", "body_id", metavar="BODY_ID", help="Only this body.")
@time_options
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output (schema tracker.cli/1).")
@click.pass_obj
def review(
    obj: CliContext,
    organization_id: str | None,
    body_id: str | None,
    as_of: date | None,
    known_at: datetime | None,
    as_json: bool,
) -> None:
    """What the sources disagree on and what breaks a rule, for a person to look at, with reviewers' decisions."""
    entries = obj.tracker().read_model().review_queue(
        organization_id=organization_id, body_id=body_id, as_of=as_of, known_at=known_at
    )
    if as_json:
        # Each item as before, with its stable id, its state and the decision that counts.
        _emit("review", [_review_json(e) for e in entries], as_of, known_at)
        return
    if not entries:
        click.echo("Nothing needs review.")
        return
    table = Table(title=f"Needs review ({_when(as_of, known_at)})")
    table.add_column("id", no_wrap=True)  # what a decision names: never cut
    for column in ("entity", "kind", "what", "events", "state"):
        table.add_column(column)
    for e in entries:
        table.add_row(e.item_id, shown(e.item.entity), shown(e.item.kind), shown(e.item.message),
                      shown(", ".join(e.item.refs)), shown(_state_line(e)))
    terminal().print(table)


def _state_line(entry: ReviewEntry) -> str:
    """'open', or the decision that counts: 'decided: dismissed by ana on 2026-11-30 (reason)'."""
    latest = entry.latest
    if latest is None or entry.state == "open":
        return entry.state
    by = f" by {latest.decided_by}" if latest.decided_by else ""
    preferred = f" {latest.preferred_ref}" if latest.preferred_ref else ""
    reason = f" ({latest.reason})" if latest.reason else ""
    return f"{entry.state}: {latest.decision}{preferred}{by} on {latest.decided_on.isoformat()}{reason}"


def _review_json(entry: ReviewEntry) -> dict[str, Any]:
    latest = entry.latest
    return {
        **TypeAdapter(ReviewItem).dump_python(entry.item, mode="json"),
        "item_id": entry.item_id,
        "state": entry.state,
        "decision": None if latest is None else TypeAdapter(Decision).dump_python(latest, mode="json"),
    }


@click.command()
@click.pass_obj
def rebuild(obj: CliContext) -> None:
    """Drop every view and rebuild it from the event log, in batches."""
    tracker = obj.tracker()
    entities = tracker.projector.rebuild()
    click.echo(f"Rebuilt the views: {entities} entities, up to log position {tracker.projector.position()}.")


@click.command()
@click.option("--follow", is_flag=True, help="Keep applying new events until stopped (SIGTERM or Ctrl-C).")
@click.option(
    "--poll-seconds",
    type=click.FloatRange(0.05, 60),
    default=0.5,
    show_default=True,
    help="How long to wait when the log has nothing new.",
)
@click.pass_obj
def project(obj: CliContext, follow: bool, poll_seconds: float) -> None:
    """Bring the views up to date with the log (once, or following it as it grows)."""
    tracker = obj.tracker()
    if not follow:
        applied = tracker.projector.catch_up()
        click.echo(f"Applied {applied} events; views at log position {tracker.projector.position()}.")
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo(f"Following the log from position {tracker.projector.position()} (stop with Ctrl-C).", err=True)
    tracker.projector.follow(stop, poll_seconds=poll_seconds)
    click.echo(f"Stopped at log position {tracker.projector.position()}.", err=True)
