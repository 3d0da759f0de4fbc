"""The commitments table as CSV: UTF-8 with a BOM, CRLF rows, formula-looking cells neutralised.

Why a BOM: Excel opens a BOM-less .csv in the machine's ANSI code page, so Cyrillic titles
turn into mojibake on a double click; with the BOM it reads UTF-8, and LibreOffice, Numbers,
Google Sheets and Python's "utf-8-sig" all accept it. UTF-16 would also work in Excel but
breaks grep, diff and most CSV libraries.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
from collections.abc import Iterable, Iterator

from tracker.events import PartialDate
from tracker.projections.reports.data import CommitmentRow, LastDevelopment, ProposalRow, ReportData, Rows, SourceEntry
from tracker.projections.reports.i18n import Texts
from tracker.projections.safety import safe_text

__all__ = ["COLUMNS", "csv_chunks", "render_csv"]

COLUMNS: tuple[str, ...] = (
    "record",
    "id",
    "organization_id",
    "organization",
    "body_id",
    "body",
    "title",
    "status",
    "level",
    "parties",
    "party_names",
    "proposed_by",
    "supporters",
    "became",
    "started_on",
    "started_earliest",
    "started_latest",
    "due_on",
    "due_earliest",
    "due_latest",
    "due_precision",
    "overdue",
    "stale",
    "days_since_last_development",
    "last_development",
    "last_development_on",
    "last_development_earliest",
    "last_development_latest",
    "last_development_precision",
    "unsourced",
    "source_numbers",
    "sources",
    "quotes",
    "log_position",
    "chain_head",
)
"""The CSV header, in order: one row per commitment, then one per proposal ("record" says which).

Every partial date (EDTF text) has `_earliest` and `_latest` columns beside it, so a spreadsheet
can sort and filter on plain ISO days without parsing EDTF. `log_position` and `chain_head` repeat
on every row: a CSV has no header block, a comment line would break readers, and a row copied
out of the file still names the log it came from.
"""

# A cell a spreadsheet would evaluate as a formula (CSV injection): prefix a quote so it stays text.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_LINE = re.compile("\n[=+\\-@\t\r]")


def _cell(value: str) -> str:
    value = safe_text(value)
    if value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _date(value: PartialDate | None) -> tuple[str, str, str]:
    if value is None:
        return "", "", ""
    return value.text, value.earliest.isoformat(), value.latest.isoformat()


def _cite(source: SourceEntry) -> str:
    parts = [f"[{source.number}] {source.publisher}"]
    if source.title:
        parts.append(source.title)
    if source.url:
        parts.append(source.url)
    return ", ".join(parts)


def _sources(by_number: dict[int, SourceEntry], numbers: tuple[int, ...]) -> tuple[str, str, str, str]:
    cited = [by_number[n] for n in numbers]
    quotes = [f"[{s.number}] {q}" for s in cited for q in s.quotes]
    return ("yes" if not numbers else "no", " ".join(str(n) for n in numbers), "; ".join(_cite(s) for s in cited),
            " | ".join(quotes))


def _last(last: LastDevelopment, t: Texts) -> tuple[str, ...]:
    return (t.development(last.type, last.summary), *_date(last.occurred_on), last.occurred_on.precision)


def _commitment(report: ReportData, row: CommitmentRow, t: Texts, by_number: dict[int, SourceEntry]) -> list[str]:
    due = _date(row.due_on)
    return [
        "commitment", row.commitment_id, row.organization_id, report.name("organization", row.organization_id),
        row.body_id or "", report.name("body", row.body_id), row.title, row.status, row.level,
        " ".join(row.parties), "; ".join(t.state_name(p) for p in row.parties), "", "", "",
        *_date(row.undertaken_on), *due, row.due_on.precision if row.due_on else "",
        "yes" if row.overdue else "no", "yes" if row.stale else "no",
        str(max((report.as_of - row.last_development.occurred_on.latest).days, 0)),
        *_last(row.last_development, t), *_sources(by_number, row.sources),
    ]


def _proposal(report: ReportData, row: ProposalRow, t: Texts, by_number: dict[int, SourceEntry]) -> list[str]:
    became = f"{row.adopted_into[0]}:{row.adopted_into[1]}" if row.adopted_into else ""
    return [
        "proposal", row.proposal_id, row.organization_id, report.name("organization", row.organization_id),
        row.body_id or "", report.name("body", row.body_id), row.title, row.status, "",
        "", "", ": ".join(x for x in (t.state(row.by_state), ", ".join(y for y in (row.by_person, row.by_office) if y))
                          if x),
        t.states(row.supporters), became,
        *_date(row.tabled_on), "", "", "", "", "", "yes" if row.stale else "no", str(row.days_since),
        *_last(row.last_development, t), *_sources(by_number, row.sources),
    ]


def _cite_all(report: ReportData) -> None:
    """Cite a streamed report's rows once, unwritten, so its sources carry every quote before any row is written.

    A row lists its sources' quotes, including quotes a later citation adds: the whole report is
    cited first, as `build_report` does before anything is rendered.
    """
    sections: list[Iterable[object]] = [report.commitments, report.proposals, report.documents,
                                        report.meetings.recent, report.meetings.upcoming]
    if report.changes is not None:
        sections.append(report.changes.groups)
    for rows in sections:
        if isinstance(rows, Rows):
            rows.cite()  # the commitments cite without building their rows (10,000: ~100 ms less)


# Rows written into one piece of output at a time.
_ROWS_PER_CHUNK = 500


def csv_chunks(report: ReportData) -> Iterator[bytes]:
    """The CSV as consecutive pieces of bytes, byte for byte `render_csv`'s (the first starts with the BOM)."""
    _cite_all(report)
    t = report.texts
    by_number = {s.number: s for s in report.sources}  # once: a large report cites thousands of sources
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    head = (str(report.log_head.position), report.log_head.chain_head or "")
    yield codecs.BOM_UTF8
    rows = itertools.chain(
        (_commitment(report, row, t, by_number) for row in report.commitments),
        (_proposal(report, proposal, t, by_number) for proposal in report.proposals),
    )
    while batch := list(itertools.islice(rows, _ROWS_PER_CHUNK)):
        writer.writerows(_cells([*cells, *head]) for cells in batch)
        yield buffer.getvalue().encode("utf-8")
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


def _cells(cells: list[str]) -> list[str]:
    """`_cell` of each cell: display safety judged once for the whole row (35 cells), the same answer.

    safe_text removes characters one by one, so a row is unchanged exactly when each of its cells
    is; a row is almost always clean (10,000 rows: 350,000 safe_text and startswith calls -> 10,000
    of each and a regex search).
    """
    # Cells on lines of their own: a cell starting like a formula is a line starting so. A newline
    # inside a cell can only make the search find one where there is none: then the full path.
    line = "\n" + "\n".join(cells)
    if _FORMULA_LINE.search(line) is None and safe_text(line) == line:
        return cells
    return [_cell(v) for v in cells]


def render_csv(report: ReportData) -> bytes:
    """Commitments and proposals as CSV bytes (UTF-8 with BOM): a header row, then one row per record."""
    return b"".join(csv_chunks(report))
