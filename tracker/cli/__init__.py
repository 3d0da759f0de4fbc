"""The `tracker` command: record, import, export, inspect, and run the demo.

Start-up is kept cheap (`tracker --help` imports neither the store nor the views): commands
defined in other modules are imported only when run (click's lazy-group pattern), and their
one-line help for the command list comes from `LAZY_COMMANDS` (a test keeps it in step).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from tracker.cli.output import check_output, output_options, write_output

if TYPE_CHECKING:
    from tracker.cli.context import CliContext

__all__ = ["LAZY_COMMANDS", "cli", "main"]

LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "calendar": ("tracker.cli.reminders:calendar",
                 "Write meetings and commitment deadlines as an iCalendar feed with stable UIDs."),
    "presidency": ("tracker.cli.views:presidency",
                   "Who chairs BODY and since when, its history, who is expected next, and deviations."),
    "project": ("tracker.cli.views:project",
                "Bring the views up to date with the log (once, or following it as it grows)."),
    "rebuild": ("tracker.cli.views:rebuild", "Drop every view and rebuild it from the event log, in batches."),
    "reminders": ("tracker.cli.reminders:reminders",
                  "Reminders one step at a time (for cron): scan, deliver, list the outbox, dead letters, retry."),
    "report": ("tracker.cli.report:report",
               "Write a status report (headline, commitments, documents, presidency, meetings, review, sources)."),
    "review": ("tracker.cli.views:review",
               "What the sources disagree on and what breaks a rule, for a person to look at, with reviewers' "
               "decisions."),
    "scheduler": ("tracker.cli.reminders:scheduler",
                  "Run scan, deliver and the weekly digest on schedule; one active per database, "
                  "others wait as standby."),
    "schema": ("tracker.cli.schema:schema",
               "Reference of every development type: fields, types, required, an example."),
    "serve": ("tracker.cli.serve:serve",
              "Serve the site and the HTTP API (uvicorn): pages at /, the API and its OpenAPI document under /api/v1."),
    "sources": ("tracker.cli.sources:sources",
                "Keep local copies of sources in the database by content; check that cited web pages still answer."),
    "status": ("tracker.cli.views:status",
               "Status of a commitment, proposal, document, meeting or body (an id, or kind:id)."),
    "timeline": ("tracker.cli.views:timeline",
                 "Every development of one entity in world order, retracted and corrected ones marked."),
    "users": ("tracker.cli.serve:users", "Accounts (reader, editor, reviewer, admin) and API tokens of the web face."),
}
"""Commands imported on first use: name -> ("module:attribute", the one-line help `tracker --help` shows)."""


class _Group(click.Group):
    """Loads commands lazily; turns our own errors into one clear line and exit code 1 (no traceback)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command, the lazy ones included, in alphabetical order."""
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command, importing its module on first use."""
        if cmd_name in self.commands or cmd_name not in LAZY_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module, _, attribute = LAZY_COMMANDS[cmd_name][0].partition(":")
        command = getattr(importlib.import_module(module), attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"{LAZY_COMMANDS[cmd_name][0]} is not a click command")
        self.add_command(command, cmd_name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of `--help`, without importing the lazy commands' modules."""
        width = formatter.width - 6 - max(len(name) for name in self.list_commands(ctx))
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_COMMANDS and name not in self.commands:
                text = LAZY_COMMANDS[name][1]
                rows.append((name, click.utils.make_default_short_help(text, max(width, 45))))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(max(width, 45))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; a user mistake becomes `Error: ...` and exit code 1."""
        try:
            return super().invoke(ctx)
        except Exception as exc:
            from tracker.errors import as_tracker_error
            from tracker.projections.safety import safe_text  # imported when a command runs, not for --help

            error = as_tracker_error(exc)
            if error is None:
                raise
            # Errors quote the values given: made display-safe (no bidi or control characters).
            raise click.ClickException(safe_text(str(error))) from None


@click.group(cls=_Group)
@click.option("--database-url", metavar="URL", help="Overrides TRACKER_DATABASE_URL and tracker.toml.")
@click.version_option(package_name="commitments-tracker")
@click.pass_context
def cli(ctx: click.Context, database_url: str | None) -> None:
    """Track the commitments states make to each other in intergovernmental bodies."""
    from tracker.cli.context import CliContext
    from tracker.settings import load_settings

    overrides: dict[str, Any] = {"database_url": database_url} if database_url else {}
    context = CliContext(load_settings(**overrides))
    ctx.obj = context
    ctx.call_on_close(context.close)


@cli.command()
@click.pass_obj
def init(obj: CliContext) -> None:
    """Create the database tables (idempotent)."""
    tracker = obj.tracker(create=True)
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
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from tracker.cli.display import terminal

    tracker = obj.tracker()
    console = terminal(stderr=True)
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
    import orjson

    from tracker.cli.io import decode_utf8

    if value == "-":
        text = decode_utf8(sys.stdin.buffer.read(), "standard input")
    elif value.lstrip().startswith("{"):
        text = value
    else:
        path = Path(value)
        if not path.is_file():
            raise click.BadParameter(f"{value!r} is neither JSON, '-', nor an existing file", param_hint="EVENT")
        text = decode_utf8(path.read_bytes(), value)
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise click.BadParameter(f"not valid JSON: {exc}", param_hint="EVENT") from None


_SCHEMA_EPILOG = (
    "Every development type with its fields, their types, what is required and an example: "
    "`tracker schema [TYPE]` (docs/developments.md); the JSON Schema of a line: `tracker schema --json-schema`."
)


@cli.command(epilog=_SCHEMA_EPILOG)
@click.argument("event", metavar="EVENT")
@click.pass_obj
def record(obj: CliContext, event: str) -> None:
    """Record one development given as JSON ({"type": "MeetingHeld", ...}), a file, or - for stdin."""
    result = obj.tracker(create=True).record(_read_json_argument(event))
    click.echo(f"{'Recorded' if result.stored else 'Already recorded'}: {result.ref}")


@cli.command(name="import", epilog=_SCHEMA_EPILOG)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--keep-going", is_flag=True, help="Store the good lines and report the bad ones.")
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: when on a terminal).")
@click.pass_obj
def import_(obj: CliContext, file: Path, keep_going: bool, progress: bool | None) -> None:
    """Import JSON Lines: all or nothing, unless --keep-going."""
    from tracker.cli.io import import_file

    import_file(obj.tracker(create=True), file, keep_going=keep_going, progress=progress)


@cli.command()
@output_options(stdout_default=True, help_text="File to write; - for standard output.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "quickstatements", "popolo"]), default="jsonl",
              show_default=True, help="jsonl: every event; quickstatements: Wikidata statements; popolo: Popolo JSON.")
@click.option("--wikidata-ids", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="quickstatements: a TOML [ids] table of kind:id = Q-id (documents, or overrides).")
@click.pass_obj
def export(obj: CliContext, output: str, force: bool, mkdir: bool, fmt: str, wikidata_ids: Path | None) -> None:
    """Export every event as JSON Lines in the order recorded, or the read model as QuickStatements or Popolo."""
    if output != "-":
        check_output(output, force=force, mkdir=mkdir)  # before opening the store, not after the work
    if fmt != "jsonl":
        from tracker.cli.interchange import export_interchange

        export_interchange(obj, fmt, output, wikidata_ids, force=force, mkdir=mkdir)
        return
    tracker = obj.tracker()
    if output == "-":
        tracker.export_events(sys.stdout.buffer)
        return
    count = write_output(output, tracker.export_events, force=force, mkdir=mkdir)
    click.echo(f"Exported {count} events to {output}", err=True)


@cli.command()
@click.argument("entity")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def show(obj: CliContext, entity: str, as_json: bool) -> None:
    """Show every recorded event of one entity (an id, or kind:id)."""
    import orjson
    from rich.table import Table

    from tracker.cli.display import shown, terminal

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
            shown(r.ref), r.event.type_name(), shown(r.event.occurred_on.describe()),
            r.recorded_at.strftime("%Y-%m-%d %H:%M:%S"), shown(r.event.recorded_by),
        )
    terminal().print(table)


@cli.command(name="list")
# tracker.events.ENTITY_KINDS, written out: importing the vocabulary here would cost every
# `tracker --help` its start-up (tests/e2e/test_cli_startup.py holds the two equal).
@click.argument("kind", required=False, type=click.Choice(
    ["organization", "body", "meeting", "proposal", "commitment", "document"]))
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_obj
def list_(obj: CliContext, kind: str | None, as_json: bool) -> None:
    """List recorded entities, optionally of one kind."""
    import orjson

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
    from tracker.cli.display import terminal
    from tracker.demo import run_demo

    run_demo(obj.tracker(create=True), force=force, report_path=report_path, console=terminal())


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="tracker")
