"""Partial world dates: the EDTF subset the tracker accepts, with their earliest and latest day."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, PlainSerializer, WithJsonSchema

__all__ = ["PartialDate", "Precision", "WorldDate", "parse_partial_date"]

Precision = Literal["day", "month", "year"]

# The subset. A part is a year, year-month or full date, optionally qualified as uncertain
# (?), approximate (~) or both (%), with unspecified trailing digits written X (201X,
# 2024-XX, 2024-07-XX). A date is one part, an interval of two (2013/2014; an open end
# is '..': 2024-07/..), or one of a set ([2013,2014], [2013..2015]). Every form reduces
# to one earliest and one latest day; an open end is the calendar's first or last day.
# [0-9], not \d: \d also matches other scripts' digits, which would store a date the
# duplicate check cannot recognise.
_PART = re.compile(r"^([0-9]{4}|[0-9]{3}X|[0-9]{2}XX)(?:-([0-9]{2}|XX)(?:-([0-9]{2}|XX))?)?([?~%])?$")
_PATTERN = (
    r"^(\[[0-9X?~%,.\-]+\]|(\.\.|[0-9X?~%\-]+)/(\.\.|[0-9X?~%\-]+)|[0-9]{2}[0-9X]{2}(-[0-9X]{2}){0,2}[?~%]?)$"
)
_HELP = (
    "use YYYY, YYYY-MM or YYYY-MM-DD, optionally followed by ? (uncertain), ~ (approximate) or % (both); "
    "X for unspecified digits (201X, 2024-XX); an interval 2013/2014 (open end: 2024-07/..); "
    "or one of a set [2013,2014]"
)
_COARSER: dict[str, int] = {"day": 0, "month": 1, "year": 2}


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A world date known to the day, month or year, possibly uncertain or approximate."""

    text: str
    earliest: date
    latest: date
    precision: Precision
    uncertain: bool
    approximate: bool

    def __str__(self) -> str:
        return self.text

    @property
    def qualifier(self) -> str:
        """The EDTF qualifier suffix ('', '?', '~' or '%')."""
        return self.text[-1] if self.text[-1] in "?~%" else ""

    def describe(self) -> str:
        """A human phrase such as '2024-07, month precision'."""
        words = [f"{self.text.rstrip('?~%')}"]
        if self.precision != "day":
            words.append(f"{self.precision} precision")
        if self.uncertain:
            words.append("uncertain")
        if self.approximate:
            words.append("approximate")
        return ", ".join(words)

    def sort_key(self) -> tuple[date, date]:
        """Order by earliest possible day, then latest: how the world timeline is read."""
        return (self.earliest, self.latest)


def parse_partial_date(value: Any) -> PartialDate:
    """Parse '2018-09-20', '2024-07', '2013' (qualified ?, ~ or %), '201X', '2013/2014', '2024-07/..', '[2013,2014]'."""
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"expected an EDTF date such as 2024-07-25, 2024-07 or 2024, got {value!r}")
    return _parse(value.strip())


@dataclass(frozen=True, slots=True)
class _Span:
    earliest: date
    latest: date
    precision: Precision
    uncertain: bool
    approximate: bool


def _unspecified(text: str) -> tuple[int, int]:
    """The lowest and highest year a year with unspecified digits (201X, 20XX) can be."""
    return int(text.replace("X", "0")), int(text.replace("X", "9"))


def _part(text: str) -> _Span:
    """One date of the subset, with its bounds."""
    match = _PART.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a date the tracker accepts: {_HELP}")
    year_text, month_text, day_text, qualifier = match.groups()
    month_known, day_known = month_text not in (None, "XX"), day_text not in (None, "XX")
    if (day_known and not month_known) or (month_known and "X" in year_text):
        raise ValueError(f"{text!r}: digits after an unspecified one must be unspecified too (2024-XX-XX)")
    low_year, high_year = _unspecified(year_text)
    precision: Precision = "day" if day_known else "month" if month_known else "year"
    try:
        if day_known:
            earliest = latest = date(low_year, int(month_text), int(day_text))
        elif month_known:
            month = int(month_text)
            earliest = date(low_year, month, 1)
            latest = date(low_year, month, calendar.monthrange(low_year, month)[1])
        else:
            earliest, latest = date(low_year, 1, 1), date(high_year, 12, 31)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid calendar date") from None
    if low_year == 0:
        raise ValueError(f"{text!r} is not a valid calendar date")
    qualifier = qualifier or ""
    return _Span(earliest, latest, precision, qualifier in ("?", "%"), qualifier in ("~", "%"))


def _combine(spans: list[_Span]) -> _Span:
    """The bounds of several parts together: the earliest start, the latest end, the coarsest precision."""
    return _Span(
        min(s.earliest for s in spans),
        max(s.latest for s in spans),
        max((s.precision for s in spans), key=_COARSER.__getitem__),
        any(s.uncertain for s in spans),
        any(s.approximate for s in spans),
    )


def _interval(start: str, end: str) -> _Span:
    """'2013/2014', with '..' for an open end."""
    if start == end == "..":
        raise ValueError("'../..' says nothing: give at least one end of the interval")
    low = _part(start) if start != ".." else None
    high = _part(end) if end != ".." else None
    if low is not None and high is not None and high.latest < low.earliest:
        raise ValueError(f"'{start}/{end}' is not a date the tracker accepts: the interval ends before it starts")
    spans = [s for s in (low, high) if s is not None]
    whole = _combine(spans)
    return _Span(
        low.earliest if low else date.min, high.latest if high else date.max,
        whole.precision, whole.uncertain, whole.approximate,
    )


def _one_of(inner: str) -> _Span:
    """'[2013,2014]' or '[2013..2015]': one of the listed dates."""
    spans: list[_Span] = []
    for item in inner.split(","):
        first, dots, last = item.strip().partition("..")
        if dots and first and last:
            spans.append(_interval(first, last))
        elif dots:
            raise ValueError(f"[{inner}]: an open range in a set is not a date the tracker can bound")
        else:
            spans.append(_part(item.strip()))
    return _combine(spans)


@lru_cache(maxsize=65536)
def _parse(text: str) -> PartialDate:
    # The bounds of this subset are plain calendar arithmetic. The edtf package's grammar
    # gives the same answers (tests/unit/test_dates.py checks it on random dates) but
    # costs about 12 ms a date through pyparsing, which would dominate every import.
    if not text.isascii():
        raise ValueError(f"{text!r} is not a date the tracker accepts: write it with ASCII digits 0-9; {_HELP}")
    if text.startswith("[") and text.endswith("]") and len(text) > 2:
        span = _one_of(text[1:-1])
    elif "/" in text:
        start, _, end = text.partition("/")
        span = _interval(start, end)
    else:
        span = _part(text)
    return PartialDate(text, span.earliest, span.latest, span.precision, span.uncertain, span.approximate)


WorldDate = Annotated[
    PartialDate,
    BeforeValidator(parse_partial_date),
    PlainSerializer(lambda d: d.text, return_type=str),
    WithJsonSchema(
        {"type": "string", "pattern": _PATTERN, "examples": ["2024-07-25", "2024-07", "2013~", "[2013,2014]"]}
    ),
]
"""A pydantic field type: parsed from and serialised to its EDTF text."""
