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

from events import PartialDate
from projections.model import PresidencyStatus
from projections.reports.data import CommitmentRow

__all__ = [
    "Axis",
    "LifeChart",
    "LifeMark",
    "PresidencyChart",
    "TermBar",
    "Tick",
    "life_axis",
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

    def x(self, day: date) -> float:
        """The horizontal position of a day, clamped to the axis."""
        span = max((self.end - self.start).days, 1)
        offset = min(max((day - self.start).days, 0), span)
        return round(self.left + self.width * offset / span, 1)

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
    width: float
    height: float
    bar_y: float
    bar_height: float
    bars: tuple[TermBar, ...]
    ticks: tuple[Tick, ...]
    now_x: float
    axis_y: float


def _describe(value: PartialDate | None) -> str:
    return value.describe() if value is not None else "now"


def presidency_chart(p: PresidencyStatus, as_of: date, width: float = 720.0) -> PresidencyChart | None:
    """The presidency timeline of one body, or None when it has no recorded terms."""
    if not p.terms:
        return None
    axis = _axis(
        [as_of, *(t.start.earliest for t in p.terms), *(t.end.latest for t in p.terms if t.end is not None)],
        left=8.0,
        width=width - 16.0,
    )
    bars = []
    for t in p.terms:
        x1 = axis.x(t.start.earliest)
        x2 = axis.x(t.end.latest if t.end is not None else max(as_of, t.start.latest))
        fuzzy = axis.x(t.start.latest) - x1
        expected = f"; the rule expected {t.expected_state}" if t.deviation and t.expected_state else ""
        bars.append(
            TermBar(
                x=x1,
                width=max(x2 - x1, 2.0),
                fuzzy_width=fuzzy,
                state=t.state,
                title=f"{t.state}: {t.start.describe()} to {_describe(t.end)}{expected}",
                deviation=t.deviation,
                current=t.end is None,
            )
        )
    return PresidencyChart(
        body_id=p.body_id,
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
class LifeMark:
    """A development on a commitment's timeline."""

    x: float
    title: str
    retracted: bool


@dataclass(frozen=True)
class LifeChart:
    """A commitment's life on the report's shared time axis: span, developments, due date, today."""

    width: float
    height: float
    mid: float
    start_x: float
    end_x: float
    open: bool
    marks: tuple[LifeMark, ...]
    due_x: float | None
    due_title: str
    overdue: bool
    now_x: float
    title: str


def life_axis(rows: Sequence[CommitmentRow], as_of: date, width: float = 220.0) -> Axis | None:
    """One axis shared by every commitment's chart, so their lives line up; None without commitments."""
    if not rows:
        return None
    days = [as_of]
    for r in rows:
        days.append(r.undertaken_on.earliest)
        if r.due_on is not None:
            days.append(r.due_on.latest)
    return _axis(days, left=4.0, width=width - 8.0)


def life_chart(row: CommitmentRow, axis: Axis, as_of: date) -> LifeChart:
    """The life of one commitment: from undertaken to now (or its closing development)."""
    points = row.history or ()
    start = row.undertaken_on.earliest
    is_open = row.status in _OPEN_STATES
    # A closed commitment's line stops at its last development: the fulfilment, lapse, etc.
    end = as_of if is_open or not points else max(p.occurred_on.earliest for p in points)
    marks = tuple(
        LifeMark(x=axis.x(p.occurred_on.earliest), title=f"{p.occurred_on.describe()}: {p.summary}",
                 retracted=p.retracted)
        for p in points
    )
    return LifeChart(
        width=axis.left * 2 + axis.width,
        height=20.0,
        mid=10.0,
        start_x=axis.x(start),
        end_x=axis.x(end),
        open=is_open,
        marks=marks,
        due_x=axis.x(row.due_on.latest) if row.due_on is not None else None,
        due_title=f"due {row.due_on.describe()}" if row.due_on is not None else "",
        overdue=row.overdue,
        now_x=axis.x(as_of),
        title=f"{row.title}: undertaken {row.undertaken_on.describe()}, {row.status}",
    )
