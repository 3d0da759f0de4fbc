"""The HTML report: one self-contained, offline file (inline CSS and SVG, no script) from Jinja2 templates."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

from tracker.events import PartialDate
from tracker.projections.model import PresidencyStatus
from tracker.projections.reports.charts import (
    Axis,
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
    SourceEntry,
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

# Strings every commitment row repeats: looked up and escaped once per report.
_LABELS = ("col.commitment", "col.status", "col.level", "col.parties", "col.due", "col.last_development",
           "col.sources", "col.timeline", "mark.overdue", "mark.stale")

TEMPLATES = Path(__file__).parent / "templates"

# Rows of the commitments table joined into one piece for the template: it prints a piece with
# one call, where a call per cell cost ~10 us (a dozen a row, 10,000 rows: over a second).
_ROWS_PER_PIECE = 64

_Row = TypeVar("_Row")


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


def _text(value: str) -> str:
    # What the template does to every value it prints (finalize, then autoescape): display-safe,
    # then escaped; a plain str, since adding a str to Markup would escape it again.
    return str(escape(safe_text(value)))


class _Rows:
    """The long sections' rows (commitments, sources) written in Python, byte for byte as the template did.

    A template costs ~10 us a printed value and a commitment row prints two dozen: here a row is
    one f-string, and the template prints a piece of _ROWS_PER_PIECE rows at a time.
    """

    def __init__(self, report: ReportData, axis: Axis | None) -> None:
        self.t = t = report.texts
        self.axis = axis
        self.as_of = report.as_of
        self.unsourced = Markup('<span class="badge unsourced">{}</span>').format(t("mark.unsourced"))
        self.cited: dict[tuple[int, ...], Markup] = {}
        # Display strings repeated row after row, escaped once each: bounded by the distinct values
        # (states, levels, party lists, dates, publishers), not by the rows.
        self.shown: dict[tuple[str, object], str] = {}
        self.label = {key: _text(t(key)) for key in _LABELS}
        self.overdue_badge = f' <span class="badge overdue">{self.label["mark.overdue"]}</span>'
        self.stale_badge = f' <span class="badge stale">{self.label["mark.stale"]}</span>'

    def refs(self, numbers: tuple[int, ...]) -> Markup:
        """A row's source links (memoised: rows cite the same few sources); ":d" lets only integers in."""
        found = self.cited.get(numbers)
        if found is None:
            links = " ".join(f'<a href="#src-{n:d}">[{n:d}]</a>' for n in numbers)
            found = self.cited[numbers] = Markup(f'<span class="refs">{links}</span>') if numbers else self.unsourced
        return found

    def _once(self, kind: str, value: object, make: Callable[[], str]) -> str:
        found = self.shown.get((kind, value))
        if found is None:
            found = self.shown[kind, value] = _text(make())
        return found

    def _date(self, value: PartialDate | None) -> str:
        return self._once("date", value.text if value is not None else None, lambda: self.t.date(value))

    def commitment(self, row: CommitmentRow) -> str:
        """One commitment's <tr>, as report.html.j2 wrote it before."""
        t, label = self.t, self.label
        assert self.axis is not None  # only called for rows, and rows make an axis
        last = row.last_development
        lc = life_chart(row, self.axis, self.as_of, t)
        status = self._once("status", row.status, lambda: t.word("value.status", row.status)) + "</span>"
        if row.superseded_by:
            status += " " + _text(t("status.superseded_by", id=row.superseded_by))
        if row.overdue:
            status += self.overdue_badge
        if row.stale:
            status += self.stale_badge
        chart = (f'<svg class="chart life-chart" viewBox="{_text(lc.view_box)}" role="img" '
                 f'xmlns="http://www.w3.org/2000/svg"><title>{_text(lc.title)}</title>'
                 f'<path class="life{" open" if lc.open else ""}" d="{_text(lc.line)}"/>')
        if lc.due:
            chart += (f'<path class="due{" overdue" if lc.overdue else ""}" d="{_text(lc.due)}">'
                      f'<title>{_text(lc.due_title)}</title></path>')
        chart += f'<path class="dev" d="{_text(lc.dots)}"/>'
        if lc.retracted:
            chart += f'<path class="dev retracted" d="{_text(lc.retracted)}"/>'
        chart += f'<path class="now" d="{_text(lc.now)}"/></svg>'
        ident = _text(row.commitment_id)
        level = self._once("level", row.level, lambda: t.word("value.level", row.level))
        parties = self._once("parties", row.parties, lambda: t.states(row.parties))
        return (
            f'<tr id="c-{ident}">\n'
            f'<td data-label="{label["col.commitment"]}">{_text(row.title)}<span class="id">{ident}</span></td>\n'
            f'<td data-label="{label["col.status"]}"><span class="badge {_text(row.status)}">{status}</td>\n'
            f'<td data-label="{label["col.level"]}"><span class="badge {_text(row.level)}">{level}</span></td>\n'
            f'<td data-label="{label["col.parties"]}">{parties}</td>\n'
            f'<td data-label="{label["col.due"]}">{self._date(row.due_on)}</td>\n'
            f'<td data-label="{label["col.last_development"]}">{_text(t.development(last.type, last.summary))}'
            f'<span class="id">{self._date(last.occurred_on)}</span></td>\n'
            f'<td data-label="{label["col.sources"]}">{self.refs(row.sources)}</td>\n'
            f'<td data-label="{label["col.timeline"]}">{chart}</td>\n'
            '</tr>\n'
        )

    def source(self, s: SourceEntry) -> str:
        """One source's <li>, as report.html.j2 wrote it before."""
        t = self.t
        shown = _text(s.title or s.publisher)
        if s.url and s.url.startswith(("https://", "http://")):
            shown = f'<a href="{_text(s.url)}" rel="noopener noreferrer">{shown}</a>'
        if s.title:
            shown += ", " + self._once("text", s.publisher, lambda: s.publisher)
        if s.published_on is not None:
            published = self._once("published", s.published_on.text,
                                   lambda: t("sources.published", date=t.date(s.published_on)))
        else:
            published = self._once("undated", None, lambda: t("sources.undated"))
        language = f' <span class="muted">({self._once("text", s.language, lambda: s.language or "")})</span>' \
            if s.language else ""
        quotes = "".join(f"<blockquote>{_text(t('sources.quote', quote=q))}</blockquote>" for q in s.quotes)
        return f'<li id="src-{s.number:d}" value="{s.number:d}">{shown}, {published}{language}{quotes}</li>\n'

    def pieces(self, rows: Iterable[_Row], write: Callable[[_Row], str]) -> Iterator[Markup]:
        """Rows written by `write`, _ROWS_PER_PIECE of them a piece."""
        piece: list[str] = []
        for row in rows:
            piece.append(write(row))
            if len(piece) == _ROWS_PER_PIECE:
                yield Markup("".join(piece))
                piece = []
        if piece:
            yield Markup("".join(piece))


def html_chunks(report: ReportData) -> Iterator[str]:
    """The HTML report as consecutive pieces of text, made as the template reaches them."""
    t = report.texts
    axis: Axis | None
    if report.life_days is not None and report.commitments:
        axis = life_axis_of((report.as_of, *report.life_days))
    else:
        axis = life_axis(report.commitments, report.as_of)
    as_of: date = report.as_of
    rows = _Rows(report, axis)

    def commitment_rows(commitments: Iterable[CommitmentRow]) -> Iterator[Markup]:
        return rows.pieces(commitments, rows.commitment)

    def source_items(sources: Iterable[SourceEntry]) -> Iterator[Markup]:
        return rows.pieces(sources, rows.source)

    def presidency(p: PresidencyStatus) -> PresidencyChart | None:
        return presidency_chart(p, as_of, t)

    def upcoming(p: PresidencyStatus) -> str:
        return t("list.then").join(
            t("presidency.from", state=t.state(state), date=t.day(start)) if start else t.state(state)
            for state, start in p.upcoming
        )

    template = _environment().get_template("report.html.j2")
    return template.generate(
        r=report, t=t, commitment_rows=commitment_rows, source_items=source_items, presidency=presidency,
        refs=rows.refs, upcoming=upcoming, jsonld=_json_ld(report),
    )
