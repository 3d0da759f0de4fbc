"""Status reports: build the data once from a ReadModel, then render it as Markdown, HTML, JSON or CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Literal, TypeVar

from tracker.projections.decoding import collector_paused
from tracker.projections.errors import QueryRefused
from tracker.projections.model import ReadModel
from tracker.projections.reports.csvout import csv_chunks, render_csv
from tracker.projections.reports.data import SCHEMA, ReportData, Rows, build_report
from tracker.projections.reports.html import html_chunks, render_html
from tracker.projections.reports.i18n import DEFAULT_LANGUAGE
from tracker.projections.reports.jsonout import json_chunks, render_json, report_to_dict
from tracker.projections.reports.markdown import markdown_chunks, render_markdown
from tracker.projections.reports.streamed import open_report

__all__ = [
    "FORMATS",
    "SCHEMA",
    "Format",
    "ReportData",
    "build_report",
    "open_report",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "report_chunks",
    "report_to_dict",
    "stream_report",
]

Format = Literal["md", "html", "json", "csv"]
FORMATS: tuple[Format, ...] = ("md", "html", "json", "csv")
"""The formats `render` accepts."""


def _unknown_format(fmt: object) -> QueryRefused:
    """The refusal of a format no renderer writes (a ValueError; the tracker's InvalidInput at its front door)."""
    return QueryRefused([("format", fmt, f"unknown report format: use one of {', '.join(FORMATS)}")])


def render(report: ReportData, fmt: Format) -> str | bytes:
    """Render a report: str for md, html and json; bytes (UTF-8 with BOM) for csv."""
    if fmt == "md":
        return render_markdown(report)
    if fmt == "html":
        return render_html(report)
    if fmt == "json":
        return render_json(report)
    if fmt == "csv":
        return render_csv(report)
    raise _unknown_format(fmt)


def _text_chunks(report: ReportData, fmt: Format) -> Iterator[str] | None:
    if fmt == "md":
        return markdown_chunks(report)
    if fmt == "html":
        return html_chunks(report)
    if fmt == "json":
        return json_chunks(report)
    return None


def report_chunks(report: ReportData, fmt: Format) -> Iterator[bytes]:
    """`render`'s output as UTF-8 pieces of about 64 KiB (csv: with its BOM), made as they are written."""
    if fmt not in FORMATS:
        raise _unknown_format(fmt)
    text = _text_chunks(report, fmt)
    if text is None:
        yield from _gathered(csv_chunks(report), b"")
        return
    # Text pieces are small (a template's, a line): joined first, encoded once per written piece.
    for joined in _gathered(text, ""):
        yield joined.encode("utf-8")


_S = TypeVar("_S", str, bytes)

# Output gathered into pieces of about this many characters (or bytes) before it is handed on.
_WRITE_SIZE = 1 << 16


def _gathered(pieces: Iterable[_S], empty: _S) -> Iterator[_S]:
    pending: list[_S] = []
    size = 0
    for piece in pieces:
        pending.append(piece)
        size += len(piece)
        if size >= _WRITE_SIZE:
            yield empty.join(pending)
            pending, size = [], 0
    if pending:
        yield empty.join(pending)


def stream_report(
    read_model: ReadModel,
    fmt: Format,
    write: Callable[[bytes], object],
    *,
    organization_id: str | None = None,
    body_id: str | None = None,
    as_of: date | None = None,
    known_at: datetime | None = None,
    since: datetime | date | None = None,
    generated_at: datetime | None = None,
    lang: str = DEFAULT_LANGUAGE,
) -> ReportData:
    """Read, build and write a report a page at a time: the bytes of `render(build_report(...), fmt)`.

    Returns the report: its headline, scope and times; its sections were written and released (counted, not re-read).
    """
    if fmt not in FORMATS:
        raise _unknown_format(fmt)
    # A report's rows are freed by reference counting as they are written (none forms a cycle),
    # yet the cyclic collector's passes over the objects alive meanwhile cost as much as building
    # the report (md 11.3x -> 5.7x a raw read of its rows, 100k events): paused while it runs.
    with collector_paused():
        report = open_report(read_model, organization_id=organization_id, body_id=body_id, as_of=as_of,
                             known_at=known_at, since=since, generated_at=generated_at, lang=lang,
                             histories=fmt == "html")
        for piece in report_chunks(report, fmt):
            write(piece)
        # Freed here, by reference counting, rather than walked by the collector's first pass
        # once it runs again: the rows kept for the second pass (10,000 commitments) made that
        # pass cost 40-170 ms at the end of every report.
        _release(report)
    return report


def _release(report: ReportData) -> None:
    sections: list[object] = [report.commitments, report.proposals, report.documents, report.meetings.recent,
                              report.meetings.upcoming, report.sources]
    if report.changes is not None:
        sections.append(report.changes.groups)
    for rows in sections:
        if isinstance(rows, Rows):
            rows.release()
