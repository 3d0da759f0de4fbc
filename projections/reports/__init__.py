"""Status reports: build the data once from a ReadModel, then render it as Markdown, HTML, JSON or CSV."""

from __future__ import annotations

from typing import Literal

from projections.reports.csvout import render_csv
from projections.reports.data import SCHEMA, ReportData, build_report
from projections.reports.html import render_html
from projections.reports.jsonout import render_json, report_to_dict
from projections.reports.markdown import render_markdown

__all__ = [
    "FORMATS",
    "SCHEMA",
    "Format",
    "ReportData",
    "build_report",
    "render",
    "render_csv",
    "render_html",
    "render_json",
    "render_markdown",
    "report_to_dict",
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
