"""The HTML report: one self-contained, offline file (inline CSS and SVG, no script) from Jinja2 templates."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from tracker.projections.model import PresidencyStatus
from tracker.projections.reports.charts import (
    Axis,
    LifeChart,
    PresidencyChart,
    life_axis,
    life_axis_of,
    life_chart,
    presidency_chart,
)
from tracker.projections.reports.data import (
    CommitmentRow,
    Meetings,
    ReportData,
    consent_text,
    preview,
    previous_chair,
    shown_expectation,
    since_text,
    words,
)
from tracker.projections.reports.jsonld import json_ld
from tracker.projections.safety import safe_text

__all__ = ["html_chunks", "render_html"]

# Strings the template repeats on every row: looked up once per report, read as L[key] in it.
_LABELS = ("col.commitment", "col.status", "col.level", "col.parties", "col.due", "col.last_development",
           "col.sources", "col.timeline", "mark.overdue", "mark.stale")

TEMPLATES = Path(__file__).parent / "templates"


@dataclass(frozen=True)
class _CommitmentCells:
    """One commitment row's display strings, built in Python: Jinja calls cost ~10 us each, and a
    row would otherwise make a dozen of them (10,000 rows: over a second)."""

    status: str
    superseded: str
    level: str
    parties: str
    due: str
    last: str
    last_on: str
    refs: Markup
    chart: LifeChart


def _finalize(value: Any) -> Any:
    # Every value a template prints passes here before autoescape: stored text loses its bidi and
    # control characters; our own markup (Markup) is left as built.
    if isinstance(value, str) and not isinstance(value, Markup):
        return safe_text(value)
    return value


@cache
def _environment() -> Environment:
    # autoescape=True for every template (not only *.html): the SVG macros and the CSS include live
    # in .j2/.css files, and user text must be escaped wherever it lands.
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters["words"] = words
    env.filters["consent"] = consent_text
    env.globals.update(
        zip=zip, previous_chair=previous_chair, shown_expectation=shown_expectation, since_text=since_text
    )
    return env


def render_html(report: ReportData) -> str:
    """The whole report as one HTML document that works offline and runs no script."""
    return "".join(html_chunks(report))


def _json_ld(report: ReportData) -> Markup:
    # Printed in the head, before the sections: built from rows that number no source, so the
    # sections still number theirs in document order.
    ahead = replace(report, documents=preview(report.documents),
                    meetings=Meetings(preview(report.meetings.recent), preview(report.meetings.upcoming)))
    return Markup(json_ld(ahead)) if ahead.meetings.recent or ahead.meetings.upcoming or ahead.documents else escape("")


def html_chunks(report: ReportData) -> Iterator[str]:
    """The HTML report as consecutive pieces of text, made as the template reaches them."""
    t = report.texts
    axis: Axis | None
    if report.life_days is not None and report.commitments:
        axis = life_axis_of((report.as_of, *report.life_days))
    else:
        axis = life_axis(report.commitments, report.as_of)
    as_of: date = report.as_of
    unsourced = Markup('<span class="badge unsourced">{}</span>').format(t("mark.unsourced"))
    cited: dict[tuple[int, ...], Markup] = {}

    def refs(numbers: tuple[int, ...]) -> Markup:
        # Built here (and memoised: rows cite the same few sources), not in a macro, because it runs
        # for every row; ":d" refuses anything but an integer, so nothing else reaches the markup.
        found = cited.get(numbers)
        if found is None:
            links = " ".join(f'<a href="#src-{n:d}">[{n:d}]</a>' for n in numbers)
            found = cited[numbers] = Markup(f'<span class="refs">{links}</span>') if numbers else unsourced
        return found

    def cells(row: CommitmentRow) -> _CommitmentCells:
        assert axis is not None  # only called for rows, and rows make an axis
        last = row.last_development
        return _CommitmentCells(
            status=t.word("value.status", row.status),
            superseded=t("status.superseded_by", id=row.superseded_by) if row.superseded_by else "",
            level=t.word("value.level", row.level),
            parties=t.states(row.parties),
            due=t.date(row.due_on),
            last=t.development(last.type, last.summary),
            last_on=t.date(last.occurred_on),
            refs=refs(row.sources),
            chart=life_chart(row, axis, as_of, t),
        )

    def presidency(p: PresidencyStatus) -> PresidencyChart | None:
        return presidency_chart(p, as_of, t)

    def upcoming(p: PresidencyStatus) -> str:
        return t("list.then").join(
            t("presidency.from", state=t.state(state), date=t.day(start)) if start else t.state(state)
            for state, start in p.upcoming
        )

    template = _environment().get_template("report.html.j2")
    return template.generate(
        r=report, t=t, cells=cells, presidency=presidency, refs=refs, upcoming=upcoming,
        L={key: t(key) for key in _LABELS}, jsonld=_json_ld(report),
    )
