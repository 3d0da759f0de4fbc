"""The calendar of a rule's terms: where annual and monthly terms begin, and which a day belongs to."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

from tracker.events import PartialDate, RotationRule, parse_partial_date

__all__ = [
    "described", "first_boundary_from", "midpoint", "nearest", "nearest_boundary", "on_day", "rule_basis", "shift",
    "term_length", "window",
]


def on_day(day: date) -> PartialDate:
    """A date known to the day."""
    return parse_partial_date(day)


def described(value: PartialDate) -> str:
    """`value.describe()`, worded once per distinct date text (a presidency words one or two per meeting)."""
    # The text alone determines a partial date (every one is parsed from it), so it is the key.
    found = _DESCRIBED.get(value.text)
    if found is None:
        if len(_DESCRIBED) >= _DESCRIBED_MAX:
            _DESCRIBED.clear()
        found = _DESCRIBED[value.text] = value.describe()
    return found


_DESCRIBED: dict[str, str] = {}
_DESCRIBED_MAX = 65536


def midpoint(value: PartialDate) -> date:
    """The middle day of a partial date: what an imprecise date is rounded from."""
    return value.earliest + (value.latest - value.earliest) // 2


def _term_words(rule: RotationRule) -> str:
    if rule.term == "annual":
        return f"annual from {rule.anchor or '01-01'}"
    if rule.term == "months":
        return f"every {rule.term_months} months from {rule.anchor or '01-01'}"
    return str(rule.term)


def rule_basis(rule: RotationRule) -> str:
    """A rule in the words an expectation cites, e.g. 'alphabetical (ru), annual from 07-01'."""
    if rule.kind == "alphabetical":
        return f"alphabetical ({rule.language}), {_term_words(rule)}"
    if rule.kind == "cycle":
        return f"cycle {'-'.join(rule.order)}, {_term_words(rule)}"
    if rule.kind == "regional":
        return f"regional groups {' > '.join(g.name for g in rule.groups)}, {_term_words(rule)}"
    if rule.kind == "fixed_schedule":
        return f"fixed schedule ({len(rule.schedule)} terms)"
    if rule.kind == "unknown":
        return "rule unknown"
    return "host of next meeting"


def _anchor(rule: RotationRule) -> tuple[int, int]:
    # The vocabulary refuses anchors that are not a day every year has; an event stored
    # before it did is read as the nearest such day rather than breaking the read.
    month_text, day_text = (rule.anchor or "01-01")[-5:].split("-")
    month = min(max(int(month_text), 1), 12)
    return month, min(max(int(day_text), 1), calendar.monthrange(2023, month)[1])


def nearest(candidates: Sequence[date], day: date) -> date:
    """The candidate closest to day (ties: the earlier)."""
    return min(sorted(candidates), key=lambda c: abs((c - day).days))


_EPOCH = 2000


def term_length(rule: RotationRule) -> int:
    """A term's length in months (annual 12, monthly 1, or the rule's term_months)."""
    return {"annual": 12, "monthly": 1}.get(str(rule.term), rule.term_months or 12)


def shift(rule: RotationRule, boundary: date, steps: int) -> date:
    """The term boundary `steps` terms away: anchor days every term_length months (monthly: 1st of months)."""
    months = boundary.year * 12 + boundary.month - 1 + steps * term_length(rule)
    day = boundary.day if rule.term != "monthly" else 1
    year, month = months // 12, months % 12 + 1
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def nearest_boundary(rule: RotationRule, day: date) -> date:
    """The term boundary a handover on `day` belongs to (handovers come a little early or late)."""
    if rule.term == "monthly":
        base = day.replace(day=1)
    else:
        # Boundaries fall on the anchor day every term_length months, counted from the
        # anchor's year (2000 when it gives none: two-year terms then begin in even years).
        month, dom = _anchor(rule)
        epoch = int(rule.anchor[:4]) if rule.anchor and len(rule.anchor) == 10 else _EPOCH
        elapsed = (day.year - epoch) * 12 + day.month - month
        base = shift(rule, date(epoch, month, dom), elapsed // term_length(rule))
        if base > day:
            base = shift(rule, base, -1)
    return nearest([shift(rule, base, k) for k in (-1, 0, 1)], day)


def first_boundary_from(rule: RotationRule, day: date) -> date:
    """The first term boundary on or after day."""
    boundary = nearest_boundary(rule, day)
    return boundary if boundary >= day else shift(rule, boundary, 1)


def window(rule: RotationRule, boundary: date) -> tuple[date, date]:
    """Days that round to this boundary: [start, end), consistent with nearest()'s ties."""
    before, after = shift(rule, boundary, -1), shift(rule, boundary, 1)
    start = before + timedelta(days=(boundary - before).days // 2 + 1)
    end = boundary + timedelta(days=(after - boundary).days // 2 + 1)
    return start, end
