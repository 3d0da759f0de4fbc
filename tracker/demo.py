"""The demo: the two seed articles as events, loaded into the configured store and summarised."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.resources import files
from pathlib import Path

import orjson
from rich.console import Console
from rich.table import Table

from tracker.app import ImportReport, Tracker
from tracker.errors import ConfigurationError
from tracker.events import state_name
from tracker.projections.reports import build_report, render

__all__ = ["demo_lines", "load_demo", "run_demo"]


def demo_lines() -> Iterator[bytes]:
    """The demo dataset's JSON lines, read from the installed package."""
    with (files("tracker.config") / "demo" / "demo.jsonl").open("rb") as handle:
        yield from handle


def _demo_keys() -> set[str]:
    return {str(orjson.loads(line)["key"]) for line in demo_lines() if line.strip()}


def load_demo(tracker: Tracker, *, force: bool = False) -> ImportReport:
    """Import the demo dataset; refuse a store that holds other data unless forced."""
    if not force and not tracker.is_empty():
        keys = _demo_keys()
        foreign = sum(1 for record in tracker.iter_log() if record.event.key not in keys)
        if foreign:
            raise ConfigurationError(
                f"database_url: {tracker.settings.describe()} already holds {foreign} events that are not "
                "the demo's; point TRACKER_DATABASE_URL at a new file, or pass --force to mix the demo in"
            )
    return tracker.import_events(demo_lines())


def run_demo(tracker: Tracker, *, force: bool, report_path: Path | None, console: Console) -> None:
    """Load the demo, then print the current chairs and the open commitments, and write the report."""
    report = load_demo(tracker, force=force)
    console.print(
        f"Demo loaded into {tracker.settings.describe()}: {report.stored} events stored, "
        f"{report.already_present} already present."
    )
    model = tracker.read_model()
    chairs = Table(title="Current chairs")
    for column in ("body", "chair", "since", "expected next"):
        chairs.add_column(column)
    for presidency in model.presidencies():
        current = presidency.current
        chairs.add_row(
            presidency.body_id,
            f"{state_name(current.state)} ({current.state})" if current else "unknown",
            current.start.describe() if current else "",
            presidency.expected_next or "",
        )
    console.print(chairs)
    open_table = Table(title="Open commitments")
    for column in ("commitment", "parties", "level", "last development"):
        open_table.add_column(column)
    for commitment in model.commitments():
        if commitment.status != "undertaken":
            continue
        last = commitment.last_development
        open_table.add_row(
            commitment.commitment_id,
            ", ".join(commitment.parties),
            commitment.level + (" (stale)" if commitment.stale else ""),
            f"{last.summary} ({last.occurred_on.describe()})",
        )
    console.print(open_table)
    if report_path is not None:
        html = render(build_report(model, title="Demo: SCO and OTS Prosecutors General"), "html")
        from tracker.cli.output import write_output

        # The demo's own report is regenerated on every run (force), but never through a symlink.
        payload = str(html).encode("utf-8")
        write_output(report_path, lambda handle: handle.write(payload), force=True)
        console.print(f"HTML report of the demo written to {report_path.resolve()}")
