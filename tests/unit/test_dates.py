"""The partial-date parser against the edtf package, over every form the tracker accepts."""

from __future__ import annotations

import math
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tracker.events import parse_partial_date

FULLWIDTH = "\uff12\uff10\uff12\uff14-\uff10\uff17-\uff12\uff15"  # 2024-07-25 in fullwidth digits
QUALIFIERS = st.sampled_from(["", "?", "~", "%"])


@st.composite
def parts(draw: st.DrawFn, qualified: bool = True, unspecified: bool = True) -> str:
    """One date: YYYY, YYYY-MM, YYYY-MM-DD, with unspecified digits (201X, 2024-XX, 2024-07-XX) and a qualifier."""
    day = draw(st.dates(min_value=date(1000, 1, 1), max_value=date(9998, 12, 31)))
    text = day.isoformat()[: draw(st.sampled_from([10, 7, 4]))]
    form = draw(st.sampled_from(["plain", "unspecified"] if unspecified else ["plain"]))
    if form == "unspecified":
        text = text[: 4 - draw(st.integers(1, 2))].ljust(4, "X") if len(text) == 4 else text[:-2] + "XX"
    return text + (draw(QUALIFIERS) if qualified else "")


@st.composite
def dates(draw: st.DrawFn) -> str:
    """Any form: a part, an interval (open ends included), or one of a set."""
    kind = draw(st.sampled_from(["part", "interval", "open_start", "open_end", "set"]))
    if kind == "part":
        return draw(parts())
    if kind == "set":
        items = draw(st.lists(parts(qualified=False, unspecified=False), min_size=2, max_size=3))
        return "[" + ",".join(items) + "]"
    # The edtf package (5.0.2) fails on sets and intervals with unspecified digits: plain parts there.
    first, second = sorted(
        [draw(parts(qualified=False, unspecified=False)), draw(parts(qualified=False, unspecified=False))],
        key=lambda t: parse_partial_date(t).earliest,
    )
    if parse_partial_date(second).latest < parse_partial_date(first).earliest:
        first, second = second, first
    if kind == "open_start":
        return f"../{second}"
    if kind == "open_end":
        return f"{first}/.."
    return f"{first}/{second}"


def _bound(value: object, open_end: date) -> date:
    from edtf import struct_time_to_date

    if isinstance(value, float) and math.isinf(value):
        return open_end
    return struct_time_to_date(value)  # type: ignore[arg-type]


@settings(max_examples=80, deadline=None)  # edtf's grammar is slow: a few dozen cases suffice
@given(dates())
def test_every_form_agrees_with_the_edtf_package(text: str) -> None:
    from edtf import parse_edtf

    ours = parse_partial_date(text)
    reference = parse_edtf(text)
    assert ours.earliest == _bound(reference.lower_strict(), date.min)
    assert ours.latest == _bound(reference.upper_strict(), date.max)
    assert ours.text == text and ours.earliest <= ours.latest


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision"),
    [
        ("[2013,2014]", "2013-01-01", "2014-12-31", "year"),
        ("2013/2014", "2013-01-01", "2014-12-31", "year"),
        ("2024-07/..", "2024-07-01", "9999-12-31", "month"),
        ("201X", "2010-01-01", "2019-12-31", "year"),
        ("2024-XX", "2024-01-01", "2024-12-31", "year"),
        ("2024-07-XX", "2024-07-01", "2024-07-31", "month"),
    ],
)
def test_the_forms_historians_need(text: str, earliest: str, latest: str, precision: str) -> None:
    parsed = parse_partial_date(text)
    assert (parsed.earliest.isoformat(), parsed.latest.isoformat(), parsed.precision) == (earliest, latest, precision)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (FULLWIDTH, "ASCII digits"),
        ("\u0662\u0660\u0662\u0664-\u0660\u0667-\u0662\u0665", "ASCII digits"),  # Arabic-Indic digits
        ("2024-XX-05", "unspecified too"),
        ("2014/2013", "ends before it starts"),
        ("../..", "at least one end"),
        ("2024-13", "not a valid calendar date"),
    ],
)
def test_dates_outside_the_subset_are_refused_with_a_clear_error(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_partial_date(text)


def test_an_event_with_non_ascii_digits_is_refused_naming_the_field() -> None:
    from tracker.events import InvalidEvent, parse_event

    with pytest.raises(InvalidEvent) as caught:
        parse_event({"type": "MembershipChanged", "occurred_on": FULLWIDTH, "unsourced": True,
                     "organization_id": "sco", "state": "KAZ", "status": "member"})
    assert [(field, "ASCII" in message) for field, _, message in caught.value.problems] == [("occurred_on", True)]
