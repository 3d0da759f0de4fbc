"""Random combinations of overrides in one rotation (issue 14 point 9): they resolve consistently.

A deferral, a skip and a swap may meet in one term or touch neighbouring turns, named by the
term they change or left to "the state's next turn". Whatever the combination: nobody chairs
twice running, a state skipped or deferred for a named term does not chair that term, no
turn is lost for good, and once the overrides are spent the cycle is the rule's again.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.test_rotation import (
    ALPHA_RU_ANNUAL,
    SCO,
    MembershipChange,
    P,
    compute,
    d,
    ho,
    order_of,
    upcoming_states,
)
from tracker.projections.model import OverrideEntry as Override

FOUNDERS = ("CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB")
FIRST_TERM = 2014  # the annual terms start on 07-01; the sitting chair's began 2013-07-01
N = len(FOUNDERS)


@st.composite
def override_combinations(draw: st.DrawFn) -> tuple[Override, ...]:
    """Up to four overrides, states drawn with repeats (so several meet one state), some naming a term."""
    out = []
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["skip", "defer", "swap"]))
        states = tuple(draw(st.lists(st.sampled_from(FOUNDERS), min_size=2, max_size=2, unique=True))) \
            if kind == "swap" else (draw(st.sampled_from(FOUNDERS)),)
        term = draw(st.none() | st.integers(FIRST_TERM, FIRST_TERM + N - 1))
        decided = d("2014-01-01") + timedelta(days=i)
        out.append(Override(P(decided.isoformat()), kind, states, f"reason {i}", f"o{i}",
                            P(str(term)) if term is not None else None))
    return tuple(out)


@settings(max_examples=300, deadline=None)
@given(overrides=override_combinations(), chair=st.sampled_from(FOUNDERS), data=st.data())
def test_override_combinations_resolve_consistently(
    overrides: tuple[Override, ...], chair: str, data: st.DataObject,
) -> None:
    founders = tuple(MembershipChange(s, "member", d("2001-06-15")) for s in FOUNDERS)
    horizon = 5 * N

    def run(given: tuple[Override, ...]) -> list[str]:
        p = compute([ho("2013-07-01", None, chair, "e0")], "2014-06-01", rule=ALPHA_RU_ANNUAL,
                    overrides=given, membership=founders, horizon=horizon)
        assert [t.start for t in p.upcoming] == [d(f"{FIRST_TERM + k}-07-01") for k in range(horizon)]
        return upcoming_states(p)

    states = run(overrides)
    assert len(states) == horizon
    # Decided on different days, they are matched in decision order whatever order they come in.
    assert run(tuple(data.draw(st.permutations(overrides)))) == states
    # Nobody chairs twice running.
    assert all(a != b for a, b in zip([chair, *states], states, strict=False)), (chair, states)
    by_year = dict(zip(range(FIRST_TERM, FIRST_TERM + horizon), states, strict=True))
    for o in overrides:
        if o.term is not None and o.kind in ("skip", "defer"):
            # A state skipped or deferred for a term does not chair it, whatever else met it.
            assert by_year[o.term.earliest.year] != o.states[0], (chair, states, o)
    # No turn is lost for good: each state chairs within any three rounds.
    for start in range(horizon - 3 * N + 1):
        assert set(states[start : start + 3 * N]) == set(FOUNDERS), (chair, states)
    # Once the overrides are spent the cycle is the rule's again: the last round is in order.
    order = order_of(FOUNDERS, SCO, "ru")
    last = states[-N:]
    at = order.index(last[0])
    assert tuple(last) == order[at:] + order[:at], (chair, states)
