"""The `tracker` command: record, import, export, inspect, and run the demo."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from tracker.cli.context import CliContext
from tracker.cli.reminders import calendar, reminders, scheduler
from tracker.cli.report import report
from tracker.cli.views import presidency, project, rebuild, review, status, timeline
from tracker.errors import TrackerError
from tracker.settings import Settings

__all__ = ["cli", "main"]

_err = Console(stderr=True)


class _Group(click.Group):
    """Turns our own errors into one clear line and exit code 1: no traceback for user mistakes."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TrackerError as exc:
            raise click.ClickException(str(exc)) from None
        except ValidationError as exc:
            lines = [f"{'.'.join(map(str, e['loc']))}: {e['msg']} (value: {e.get('input')!r})" for e in exc.errors()]
            raise click.ClickException("; ".join(lines)) from None


@click.group(cls=_Group)
@click.option("--database-url", metavar="URL", help="Overrides TRACKER_DATABASE_URL and tracker.toml.")
@click.version_option(package_name="commitments-tracker")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Track the commitments states make to each other in intergovernmental bodies."""
    overrides: dict[str, Any] = {"database_url": database_url} if database_url else {}
    context = CliContext(Settings(**overrides))
    ctx.obj = context
    ctx.call_on_close(context.close)


@cli.command()
@click.pass_obj
def init(obj: CliContext) -> None:
    """Create the database tables (idempotent)."""
    tracker = obj.tracker()
    click.echo(f"Ready: {obj.settings.describe()} ({tracker.event_log.max_position()} events)")


@cli.command()
@click.pass_obj
def verify(obj: CliContext) -> None:
    """Check that no stored event was altered, removed, inserted or reordered (exit 1 naming the first)."""
    report = obj.tracker().verify()
    if not report.ok:
        raise click.ClickException(
            f"chain broken at log position {report.broken_at} ({report.broken_ref}): that event, or its place "
            f"in the log, was altered, or an event before it was removed or inserted; "
            f"{report.events - 1 - report.unchained} events before it verified"
        )
    legacy = f", {report.unchained} stored before the chain existed (not covered)" if report.unchained else ""
    click.echo(f"Verified: {report.events} events{legacy}; chain head {report.head or '(empty)'}")


@cli.command()
@click.option("--to", "target", required=True, metavar="URL", help="An empty store: sqlite:///FILE or postgresql://...")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when on a terminal).")
@click.pass_obj
def migrate(obj: CliContext, target: str, progress: bool | None) -> None:
    """Copy the whole store into an empty one, keeping record times, order, keys, digests and the chain."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    tracker = obj.tracker()
    console = Console(stderr=True)
    show = console.is_terminal if progress is None else progress
    if show:
        with Progress(TextColumn("migrating"), BarColumn(), MofNCompleteColumn(), console=console,
                      transient=True) as bar:
            task = bar.add_task("migrating", total=tracker.event_log.max_position())
            report = tracker.migrate_to(target, on_event=lambda n: bar.update(task, completed=n))
    else:
        report = tracker.migrate_to(target)
    click.echo(f"Migrated {report.events} events; both chain heads are {report.head or '(empty)'}")


def _read_json_argument(value: str) -> Any:
    if value == "-":
        text = sys.stdin.read()
    elif value.lstrip().startswith("{"):
        text = value
    else:
        path = Path(value)
        if not path.exists():
            raise click.BadParameter(f"{value!r} is neither JSON, '-', nor an existing file", param_hint="EVENT")
        text = path.read_text(encoding="utf-8")
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint="EVENT") from None


@cli.command()
@click.argument("event", metavar="EVENT")
@click.pass_obj
def record(obj: CliContext, event: str) -> None:
    """Record one development given as JSON ({"type": "MeetingHeld", ...}), a file, or - for stdin."""
    result = obj.tracker().record(_read_json_argument(event))
    click.echo(f"{'Recorded' if result.stored else 'Already recorded'}: {result.ref}")


@cli.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--keep-going", is_flag=True, help="Store the good lines and report the bad ones.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when on a terminal).")
@click.pass_obj
def import_(obj: CliContext, file: Path, keep_going: bool, progress: bool | None) -> None:
    """Import JSON Lines: all or nothing, unless --keep-going."""
    from tracker.cli.io import import_file

    import_file(obj.tracker(), file, keep_going=keep_going, progress=progress)


@cli.command()
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Default: standard output.")
@click.pass_obj
def export(obj: CliContext, output: Path | None) -> None:
    """Export every event as JSON Lines, in the order recorded."""
    tracker = obj.tracker()
    if output is None:
        count = tracker.export_events(sys.stdout.buffer)
    else:
        with output.open("wb") as out:
            count = tracker.export_events(out)
        _err.print(f"Exported {count} events to {output}")


@cli.command()
@click.argument("entity")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def show(obj: CliContext, entity: str, as_json: bool) -> None:
    """Show every recorded event of one entity (an id, or kind:id)."""
    history = obj.tracker().history(entity)
    if as_json:
        rows = [
            {"ref": r.ref, "recorded_at": r.recorded_at.isoformat(), "event": r.event.to_json_dict()} for r in history
        ]
        click.echo(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode())
        return
    table = Table(title=history[0].stream if history else entity)
    for column in ("ref", "type", "occurred", "recorded", "by"):
        table.add_column(column)
    for r in history:
        table.add_row(
            r.ref, r.event.type_name(), r.event.occurred_on.describe(),
            r.recorded_at.strftime("%Y-%m-%d %H:%M:%S"), r.event.recorded_by or "",
        )
    Console().print(table)


@cli.command(name="list")
@click.argument("kind", required=False, type=click.Choice(
    ["organization", "body", "meeting", "proposal", "commitment", "document"]))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(obj: CliContext, kind: str | None, as_json: bool) -> None:
    """List recorded entities, optionally of one kind."""
    streams = obj.tracker().streams(kind)
    if as_json:
        click.echo(orjson.dumps(streams).decode())
        return
    for stream in streams:
        click.echo(stream)


@cli.command()
@click.option("--force", is_flag=True, help="Load the demo into a store that already holds other data.")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("demo-report.html"), show_default=True, help="Where to write the HTML report.")
@click.pass_obj
def demo(obj: CliContext, force: bool, report_path: Path) -> None:
    """Load the demo dataset (the two seed articles) and summarise it."""
    from tracker.demo import run_demo

    run_demo(obj.tracker(), force=force, report_path=report_path, console=Console())


for _command in (status, presidency, timeline, review, rebuild, project, report, reminders, scheduler, calendar):
    cli.add_command(_command)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tracker")
