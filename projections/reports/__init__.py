"""Status reports: build the data once from a ReadModel, then render it as Markdown, HTML, JSON or CSV."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from typing import Literal

from projections.model import ReadModel
from projections.reports.csvout import csv_chunks, render_csv
from projections.reports.data import SCHEMA, ReportData, build_report
from projections.reports.html import html_chunks, render_html
from projections.reports.jsonout import json_chunks, render_json, report_to_dict
from projections.reports.markdown import markdown_chunks, render_markdown
from projections.reports.streamed import open_report

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
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")


def report_chunks(report: ReportData, fmt: Format) -> Iterator[bytes]:
    """`render`'s output as UTF-8 pieces (csv: with its BOM), made as they are written."""
    if fmt == "md":
        return (chunk.encode("utf-8") for chunk in markdown_chunks(report))
    if fmt == "html":
        return (chunk.encode("utf-8") for chunk in html_chunks(report))
    if fmt == "json":
        return (chunk.encode("utf-8") for chunk in json_chunks(report))
    if fmt == "csv":
        return csv_chunks(report)
    raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")


# Output handed to `write` in pieces of about this many bytes.
_WRITE_SIZE = 1 << 16


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
    lang: str = "en",
) -> ReportData:
    """Read, build and write a report a page at a time: the bytes of `render(build_report(...), fmt)`.

    Returns the report (its headline, scope and times; its sections were spent writing it).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown report format {fmt!r}: use one of {', '.join(FORMATS)}")
    report = open_report(read_model, organization_id=organization_id, body_id=body_id, as_of=as_of,
                         known_at=known_at, since=since, generated_at=generated_at, lang=lang,
                         histories=fmt == "html")
    pending: list[bytes] = []
    size = 0
    for chunk in report_chunks(report, fmt):
        pending.append(chunk)
        size += len(chunk)
        if size >= _WRITE_SIZE:
            write(b"".join(pending))
            pending, size = [], 0
    if pending:
        write(b"".join(pending))
    return report
