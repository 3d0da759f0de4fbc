"""Chart geometry for the HTML report; the SVG itself is written by Jinja2 templates (autoescaped).

Why templates and not matplotlib: a report of 10,000 commitments draws 10,000 small timelines,
which matplotlib (tens of milliseconds a figure) cannot do within the time budget; its SVG
also carries per-run ids and metadata that break byte-stable output, and it emits text outside
Jinja2's autoescape. Plain geometry here plus templates is fast, deterministic, escaped by
construction, and styled by the page's CSS (so print and dark schemes apply to charts too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from tracker.events import PartialDate
from tracker.projections.model import PresidencyStatus
from tracker.projections.reports.data import CommitmentRow
from tracker.projections.reports.i18n import DEFAULT_LANGUAGE, Texts, texts

__all__ = [
    "Axis",
    "LifeChart",
    "PresidencyChart",
    "TermBar",
    "Tick",
    "life_axis",
    "life_axis_of",
    "life_chart",
    "presidency_chart",
]

_OPEN_STATES = frozenset({"undertaken"})


@dataclass(frozen=True)
class Tick:
    """A year mark on a time axis."""

    x: float
    label: str


@dataclass(frozen=True)
class Axis:
    """A linear map from days to horizontal units over [start, end]."""

    start: date
    end: date
    left: float
    width: float

    @cached_property
    def scale(self) -> tuple[int, int, float]:
        """(first day's ordinal, span in days, units per day)."""
        first = self.start.toordinal()
        span = max(self.end.toordinal() - first, 1)
        return first, span, self.width / span

    def x(self, day: date) -> float:
        """The horizontal position of a day, clamped to the axis."""
        first, span, per_day = self.scale  # called for every development: keep it to arithmetic
        offset = min(max(day.toordinal() - first, 0), span)
        return round(self.left + per_day * offset, 1)

    def ticks(self, most: int = 12) -> tuple[Tick, ...]:
        """January 1st of every year (or every few years, to keep at most `most` labels) on the axis."""
        first, last = self.start.year + (self.start > date(self.start.year, 1, 1)), self.end.year
        years = list(range(first, last + 1))
        step = max(1, -(-len(years) // most))
        return tuple(Tick(self.x(date(y, 1, 1)), str(y)) for y in years[::step])


def _axis(days: Iterable[date], left: float, width: float) -> Axis:
    known = sorted(days)
    start, end = known[0], known[-1]
    # Pad to whole years so ticks sit inside the chart and a one-day span still has a width.
    return Axis(start=date(start.year, 1, 1), end=date(end.year, 12, 31), left=left, width=width)


@dataclass(frozen=True)
class TermBar:
    """One chair term drawn as a bar; `fuzzy_width` is the part where the start is only partly known."""

    x: float
    width: float
    fuzzy_width: float
    state: str
    title: str
    deviation: bool
    current: bool


@dataclass(frozen=True)
class PresidencyChart:
    """A body's presidency timeline: its terms as bars on one lane, deviations marked."""

    body_id: str
    label: str
    width: float
    height: float
    bar_y: float
    bar_height: float
    bars: tuple[TermBar, ...]
    ticks: tuple[Tick, ...]
    now_x: float
    axis_y: float


def _describe(t: Texts, value: PartialDate | None) -> str:
    return t.date(value) if value is not None else t("chart.now")


# Narrow enough that a phone shows the chart at (nearly) its drawn size, so its 11 px labels stay
# 11 px; wider screens scale it up to the CSS max-width.
PRESIDENCY_WIDTH = 480.0


def presidency_chart(
    p: PresidencyStatus, as_of: date, t: Texts | None = None, width: float = PRESIDENCY_WIDTH
) -> PresidencyChart | None:
    """The presidency timeline of one body, or None when it has no recorded terms."""
    t = t or texts(DEFAULT_LANGUAGE)
    if not p.terms:
        return None
    axis = _axis(
        [as_of, *(x.start.earliest for x in p.terms), *(x.end.latest for x in p.terms if x.end is not None)],
        left=8.0,
        width=width - 16.0,
    )
    bars = []
    for term in p.terms:
        x1 = axis.x(term.start.earliest)
        x2 = axis.x(term.end.latest if term.end is not None else max(as_of, term.start.latest))
        fuzzy = axis.x(term.start.latest) - x1
        expected = t("chart.expected", state=t.state(term.expected_state)) \
            if term.deviation and term.expected_state else ""
        bars.append(
            TermBar(
                x=x1,
                width=max(x2 - x1, 2.0),
                fuzzy_width=fuzzy,
                state=term.state,
                title=t("chart.term", state=t.state(term.state), start=t.date(term.start),
                        end=_describe(t, term.end)) + expected,
                deviation=term.deviation,
                current=term.end is None,
            )
        )
    return PresidencyChart(
        body_id=p.body_id,
        label=t("chart.presidency", body=p.body_id),
        width=width,
        height=64.0,
        bar_y=14.0,
        bar_height=22.0,
        bars=tuple(bars),
        ticks=axis.ticks(),
        now_x=axis.x(as_of),
        axis_y=42.0,
    )


@dataclass(frozen=True)
class LifeChart:
    """A commitment's life on the report's shared time axis, as ready-made SVG path data.

    Paths rather than one element per development: 10,000 commitments with 10 developments each
    would otherwise mean 100,000 elements and as many escape calls; one path per layer keeps the
    page light and the render within budget. The developments are listed in the chart's title.
    """

    view_box: str
    title: str
    line: str
    open: bool
    dots: str
    retracted: str
    due: str
    due_title: str
    overdue: bool
    now: str
    start_x: float
    end_x: float
    now_x: float
    due_x: float | None


def life_axis(rows: Sequence[CommitmentRow], as_of: date, width: float = 220.0) -> Axis | None:
    """One axis shared by every commitment's chart, so their lives line up; None without commitments."""
    if not rows:
        return None
    days = [as_of]
    for r in rows:
        days.append(r.undertaken_on.earliest)
        if r.due_on is not None:
            days.append(r.due_on.latest)
    return life_axis_of(days, width)


def life_axis_of(days: Iterable[date], width: float = 220.0) -> Axis:
    """The life charts' axis spanning these days (as of, each undertaken and due day, or just their bounds)."""
    return _axis(days, left=4.0, width=width - 8.0)


# A development's dot by its position: positions repeat (an axis is a few hundred units wide at
# a tenth of a unit), formatting a float does not come cheap, and the map stays small.
_DOTS: dict[float, str] = {}
_DOTS_KEPT = 50_000


def life_chart(row: CommitmentRow, axis: Axis, as_of: date, t: Texts | None = None) -> LifeChart:
    """The life of one commitment: from undertaken to now (or its closing development)."""
    t = t or texts(DEFAULT_LANGUAGE)
    points = row.history
    width, height, mid = axis.left * 2 + axis.width, 20.0, 10.0
    is_open = row.status in _OPEN_STATES
    # A closed commitment's line stops at its last development: the fulfilment, lapse, etc.
    end = as_of if is_open or not points else max(p.occurred_on.earliest for p in points)
    start_x, end_x, now_x = axis.x(row.undertaken_on.earliest), axis.x(end), axis.x(as_of)
    due_x = axis.x(row.due_on.latest) if row.due_on is not None else None
    lines = [t("chart.undertaken", title=row.title, date=t.date(row.undertaken_on),
               status=t.word("value.status", row.status))]
    if row.due_on is not None:
        lines.append(t("chart.due", date=t.date(row.due_on)) + (t("chart.overdue") if row.overdue else ""))
    # One pass over the developments, arithmetic inlined and lookups hoisted: this loop runs
    # 100,000 times in a big report (a dot's path is made once per distinct position).
    first, span, per_day, left = *axis.scale, axis.left
    dots: list[str] = []
    gone: list[str] = []
    say_date, say_development = t.date, t.development
    for p in points:
        when = p.occurred_on
        x = left + per_day * min(max(when.earliest.toordinal() - first, 0), span) - 3
        dot = _DOTS.get(x)
        if dot is None:
            if len(_DOTS) >= _DOTS_KEPT:  # a long-lived process drawing many axes
                _DOTS.clear()
            dot = _DOTS[x] = f"M{x:.1f} 10a3 3 0 1 0 6 0a3 3 0 1 0 -6 0"
        if p.retracted:
            gone.append(dot)
            lines.append(f"{say_date(when)}: {say_development(p.type, p.summary)} ({t('mark.retracted')})")
        else:
            dots.append(dot)
            lines.append(f"{say_date(when)}: {say_development(p.type, p.summary)}")
    return LifeChart(
        view_box=f"0 0 {width:g} {height:g}",
        title="\n".join(lines),
        line=f"M{start_x:.1f} {mid:g}H{max(end_x, start_x + 1):.1f}",
        open=is_open,
        dots="".join(dots),
        retracted="".join(gone),
        due=f"M{due_x:.1f} {mid - 6:g}l5 6l-5 6l-5 -6z" if due_x is not None else "",
        due_title=t("chart.due", date=t.date(row.due_on)) if row.due_on is not None else "",
        overdue=row.overdue,
        now=f"M{now_x:.1f} 2V{height - 2:g}",
        start_x=start_x,
        end_x=end_x,
        now_x=now_x,
        due_x=due_x,
    )
