"""The commitments table as CSV: UTF-8 with a BOM, CRLF rows, formula-looking cells neutralised.

Why a BOM: Excel opens a BOM-less .csv in the machine's ANSI code page, so Cyrillic titles
turn into mojibake on a double click; with the BOM it reads UTF-8, and LibreOffice, Numbers,
Google Sheets and Python's "utf-8-sig" all accept it. UTF-16 would also work in Excel but
breaks grep, diff and most CSV libraries.
"""

from __future__ import annotations

import csv
import io

from events import PartialDate
from projections.reports.data import ReportData, SourceEntry

__all__ = ["COLUMNS", "render_csv"]

COLUMNS: tuple[str, ...] = (
    "commitment_id",
    "organization_id",
    "body_id",
    "title",
    "status",
    "level",
    "parties",
    "undertaken_on",
    "due_on",
    "due_precision",
    "overdue",
    "stale",
    "last_development",
    "last_development_on",
    "last_development_precision",
    "source_numbers",
    "sources",
)
"""The CSV header, in order."""

# A cell a spreadsheet would evaluate as a formula (CSV injection): prefix a quote so it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _date(value: PartialDate | None) -> str:
    return value.text if value is not None else ""


def _cite(source: SourceEntry) -> str:
    parts = [f"[{source.number}] {source.publisher}"]
    if source.title:
        parts.append(source.title)
    if source.url:
        parts.append(source.url)
    return ", ".join(parts)


def render_csv(report: ReportData) -> bytes:
    """The commitments table as CSV bytes (UTF-8 with BOM), one header row then one row per commitment."""
    by_number = {s.number: s for s in report.sources}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in report.commitments:
        last = row.last_development
        writer.writerow(
            _cell(v)
            for v in (
                row.commitment_id,
                row.organization_id,
                row.body_id or "",
                row.title,
                row.status,
                row.level,
                " ".join(row.parties),
                row.undertaken_on.text,
                _date(row.due_on),
                row.due_on.precision if row.due_on else "",
                "yes" if row.overdue else "no",
                "yes" if row.stale else "no",
                last.summary,
                last.occurred_on.text,
                last.occurred_on.precision,
                " ".join(str(n) for n in row.sources),
                "; ".join(_cite(by_number[n]) for n in row.sources),
            )
        )
    return buffer.getvalue().encode("utf-8-sig")
