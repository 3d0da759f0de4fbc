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

# The subset: a year, a year-month or a full date, optionally qualified as uncertain (?),
# approximate (~) or both (%). Wider EDTF (intervals, seasons, unspecified digits) is
# refused on purpose: every stored date must reduce to one earliest and one latest day.
_SUBSET = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?([?~%])?$")


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
    """Parse '2018-09-20', '2024-07', '2013', optionally suffixed '?', '~' or '%'."""
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, date):
        value = value.isoformat()
    if not isinstance(value, str):
        raise ValueError(f"expected an EDTF date such as 2024-07-25, 2024-07 or 2024, got {value!r}")
    return _parse(value.strip())


@lru_cache(maxsize=65536)
def _parse(text: str) -> PartialDate:
    # The bounds of this subset are plain calendar arithmetic. The edtf package's grammar
    # gives the same answers (tests/unit/test_events.py checks it on random dates) but
    # costs about 12 ms a date through pyparsing, which would dominate every import.
    match = _SUBSET.match(text)
    if match is None:
        raise ValueError(
            f"{text!r} is not a date the tracker accepts: use YYYY, YYYY-MM or YYYY-MM-DD, "
            "optionally followed by ? (uncertain), ~ (approximate) or % (both)"
        )
    year_text, month_text, day_text, qualifier = match.groups()
    year = int(year_text)
    try:
        if day_text:
            earliest = latest = date(year, int(month_text), int(day_text))
        elif month_text:
            month = int(month_text)
            earliest = date(year, month, 1)
            latest = date(year, month, calendar.monthrange(year, month)[1])
        else:
            earliest, latest = date(year, 1, 1), date(year, 12, 31)
    except ValueError:
        raise ValueError(f"{text!r} is not a valid calendar date") from None
    if year == 0:
        raise ValueError(f"{text!r} is not a valid calendar date")
    precision: Precision = "day" if day_text else "month" if month_text else "year"
    qualifier = qualifier or ""
    return PartialDate(
        text=text,
        earliest=earliest,
        latest=latest,
        precision=precision,
        uncertain=qualifier in ("?", "%"),
        approximate=qualifier in ("~", "%"),
    )


WorldDate = Annotated[
    PartialDate,
    BeforeValidator(parse_partial_date),
    PlainSerializer(lambda d: d.text, return_type=str),
    WithJsonSchema({"type": "string", "pattern": _SUBSET.pattern, "examples": ["2024-07-25", "2024-07", "2013~"]}),
]
"""A pydantic field type: parsed from and serialised to its EDTF text."""
