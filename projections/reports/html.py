"""The HTML report: one self-contained, offline file (inline CSS and SVG, no script) from Jinja2 templates."""

from __future__ import annotations

from datetime import date
from functools import cache, lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from events import PartialDate
from projections.model import PresidencyStatus
from projections.reports.charts import Axis, LifeChart, PresidencyChart, life_axis, life_chart, presidency_chart
from projections.reports.data import CommitmentRow, ReportData, consent_text, describe, words

__all__ = ["render_html"]

TEMPLATES = Path(__file__).parent / "templates"


def _describe(value: PartialDate | None) -> str:
    return describe(value) if value is not None else ""


@lru_cache(maxsize=4096)
def _refs(numbers: tuple[int, ...]) -> Markup:
    # Built here (and memoised: rows cite the same few sources), not in a macro, because it runs
    # for every row; only our own integers go into it.
    # ":d" refuses anything but an integer, so nothing else can reach the markup.
    return Markup(" ".join(f'<a href="#src-{n:d}">[{n:d}]</a>' for n in numbers))


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
    )
    env.filters["words"] = words
    env.filters["consent"] = consent_text
    env.filters["pd"] = _describe
    env.filters["refs"] = _refs
    return env


def render_html(report: ReportData) -> str:
    """The whole report as one HTML document that works offline and runs no script."""
    axis: Axis | None = life_axis(report.commitments, report.as_of)
    as_of: date = report.as_of

    def life(row: CommitmentRow) -> LifeChart:
        assert axis is not None  # only called for rows, and rows make an axis
        return life_chart(row, axis, as_of)

    def presidency(p: PresidencyStatus) -> PresidencyChart | None:
        return presidency_chart(p, as_of)

    template = _environment().get_template("report.html.j2")
    return template.render(r=report, life=life, presidency=presidency)
