"""Reading user files: strict UTF-8 with clear errors, and JSON Lines import with a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from tracker.errors import ImportFailed, InvalidInput

if TYPE_CHECKING:
    from rich.progress import Progress

    from tracker.app import ImportReport, Tracker

__all__ = ["decode_utf8", "import_file", "line_ranges"]

_BOM = b"\xef\xbb\xbf"


def _bad_utf8(exc: UnicodeDecodeError, source: str, offset: int, line: int | None) -> str:
    where = f"byte {offset + exc.start}" + (f" (line {line})" if line is not None else "")
    return f"not valid UTF-8 at {where}: {exc.object[exc.start:exc.start + 1]!r}; save {source} as UTF-8"


def decode_utf8(data: bytes, source: str) -> str:
    """Decode a whole file's bytes (a leading BOM allowed); InvalidInput names the file and byte offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput([("file", source, _bad_utf8(exc, source, 0, None))]) from None


def line_ranges(rejected: list[tuple[int, str]]) -> str:
    """Line numbers as short ranges: [(2, ..), (5, ..), (6, ..), (7, ..)] -> '2, 5-7'."""
    numbers = sorted({number for number, _ in rejected})
    parts: list[str] = []
    start = previous = numbers[0] if numbers else 0
    for number in [*numbers[1:], None]:
        if number is not None and number == previous + 1:
            previous = number
            continue
        parts.append(str(start) if start == previous else f"{start}-{previous}")
        if number is not None:
            start = previous = number
    return ", ".join(parts) if numbers else ""


class _Lines:
    """The file's lines decoded one by one; memory stays flat whatever the file size."""

    def __init__(self, path: Path, progress: Progress | None, *, keep_going: bool) -> None:
        self.path, self.progress, self.keep_going = path, progress, keep_going
        self.rejected: list[tuple[int, str]] = []
        self.blank = True

    def __iter__(self) -> Iterator[str]:
        progress = self.progress
        task = progress.add_task("importing", total=self.path.stat().st_size) if progress is not None else None
        offset = 0
        with self.path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if progress is not None and task is not None:
                    progress.advance(task, len(raw))
                start = len(_BOM) if number == 1 and raw.startswith(_BOM) else 0
                try:
                    text = raw[start:].decode("utf-8")
                except UnicodeDecodeError as exc:
                    problem = [("file", str(self.path), _bad_utf8(exc, str(self.path), offset + start, number))]
                    if not self.keep_going:
                        raise ImportFailed(number, problem) from None
                    self.rejected.append((number, str(ImportFailed(number, problem))))
                    text = ""  # skipped as blank by the import; reported with the rejected lines
                else:
                    self.blank = self.blank and not text.strip()
                offset += len(raw)
                yield text


def import_file(tracker: Tracker, path: Path, *, keep_going: bool, progress: bool | None) -> ImportReport:
    """Import `path` and print what happened; exit 1 when lines were rejected."""
    from tracker.cli.display import terminal

    console = terminal(stderr=True)
    show = console.is_terminal if progress is None else progress
    bar = None
    if show:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                       console=console, transient=True)
    lines = _Lines(path, bar, keep_going=keep_going)
    if bar is not None:
        with bar:
            report = tracker.import_events(lines, all_or_nothing=not keep_going)
    else:
        report = tracker.import_events(lines, all_or_nothing=not keep_going)
    report.rejected = sorted([*report.rejected, *lines.rejected])
    if lines.blank and not report.rejected:
        what = "is empty" if path.stat().st_size == 0 else "holds only blank lines"
        click.echo(f"Nothing to import: {path} {what}.")
    elif report.stored == 0 and report.already_present and not report.rejected:
        click.echo(f"Nothing new: all {report.already_present} events of {path} were already recorded.")
    else:
        rejected = f" (line{'s' if len(report.rejected) > 1 else ''} {line_ranges(report.rejected)})"
        click.echo(
            f"Imported {path}: {report.stored} stored, {report.already_present} already present, "
            f"{len(report.rejected)} rejected{rejected if report.rejected else ''}."
        )
    for _, message in report.rejected:
        click.echo(message, err=True)
    if report.rejected:
        sys.exit(1)
    return report
