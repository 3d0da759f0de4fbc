"""JSON Lines import from a file, with a progress bar on long imports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from tracker.app import ImportReport, Tracker

__all__ = ["import_file"]


def _lines(path: Path, progress: Progress | None) -> Iterator[bytes]:
    """Yield the file's lines one by one; memory stays flat whatever the file size."""
    task = progress.add_task("importing", total=path.stat().st_size) if progress else None
    with path.open("rb") as handle:
        for line in handle:
            if progress is not None and task is not None:
                progress.advance(task, len(line))
            yield line


def import_file(tracker: Tracker, path: Path, *, keep_going: bool, progress: bool | None) -> ImportReport:
    """Import `path` and print what happened; exit 1 when lines were rejected."""
    console = Console(stderr=True)
    show = console.is_terminal if progress is None else progress
    bar = (
        Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                 console=console, transient=True)
        if show
        else None
    )
    if bar is not None:
        with bar:
            report = tracker.import_events(_lines(path, bar), all_or_nothing=not keep_going)
    else:
        report = tracker.import_events(_lines(path, None), all_or_nothing=not keep_going)
    if report.stored == 0 and report.already_present and not report.rejected:
        click.echo(f"Nothing new: all {report.already_present} events of {path} were already recorded.")
    else:
        click.echo(
            f"Imported {path}: {report.stored} stored, {report.already_present} already present, "
            f"{len(report.rejected)} rejected."
        )
    for _, message in report.rejected:
        click.echo(message, err=True)
    if report.rejected:
        sys.exit(1)
    return report
