"""Property: views built incrementally, in any batches, equal the views of a full rebuild.

Random histories over a few commitments, meetings and bodies, with backfills (world dates
recorded in random order), retractions and corrections of earlier events, and catch-ups at
random points between the writes.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.builders import SCO_2018, event
from tests.integration.test_projections import assert_rebuild_matches
from tests.pg import require_postgres, throwaway_database, throwaway_sqlite
from tracker.app import Tracker
from tracker.errors import TrackerError
from tracker.settings import Settings

BODIES = ("sco-prosecutors-general", "sco-foreign-ministers")
YEARS = tuple(str(y) for y in range(2018, 2027))
DATES = st.one_of(
    st.sampled_from(YEARS),
    st.tuples(st.sampled_from(YEARS), st.integers(1, 12)).map(lambda t: f"{t[0]}-{t[1]:02d}"),
    st.tuples(st.sampled_from(YEARS), st.integers(1, 12), st.integers(1, 28)).map(
        lambda t: f"{t[0]}-{t[1]:02d}-{t[2]:02d}"),
)
OPS = (
    "undertake", "assess", "assess", "deadline", "end", "schedule", "reschedule", "hold", "cancel",
    "handover", "handover", "retract", "correct", "catch_up", "catch_up",
)
STEP = st.tuples(st.sampled_from(OPS), st.integers(0, 2), DATES, st.integers(0, 10_000))


def _base() -> list[dict[str, Any]]:
    return [
        event("OrganizationRegistered", "2001-06-15", organization_id="sco", names={"en": "SCO", "ru": "ШОС"}),
        *[event("MembershipChanged", "2001-06-15", organization_id="sco", state=s, status="member")
          for s in SCO_2018],
        *[event("BodyEstablished", "2002", body_id=b, organization_id="sco", names={"en": b},
                rotation={"kind": "alphabetical", "language": "ru", "term": "per_meeting"}) for b in BODIES],
    ]


class History:
    """Turns drawn steps into events the tracker accepts (most of the time)."""

    def __init__(self, tracker: Tracker) -> None:
        self.tracker = tracker
        self.refs: list[tuple[str, dict[str, Any]]] = []  # (ref, event as recorded) of every development
        self.commitments: list[str] = []
        self.meetings: list[str] = []
        self.born: dict[str, int] = {}  # entity -> the year it came into being
        self.stored = 0
        self.refused = 0

    def record(self, data: dict[str, Any]) -> str | None:
        try:
            result = self.tracker.record(data)
        except TrackerError:
            self.refused += 1  # an impossible transition the generator produced: skip it
            return None
        self.stored += 1
        if data["type"] not in ("EventRetracted", "EventCorrected"):
            self.refs.append((result.ref, data))
        return result.ref

    def after(self, entity: str | None, day: str) -> str:
        """`day`, moved to a later year when it falls in or before the entity's first year."""
        born = self.born.get(entity or "", 0)
        if int(day[:4]) > born:
            return day
        return f"{min(born + 1, 2027)}{day[4:]}"

    def step(self, op: str, n: int, day: str, pick: int) -> None:
        commitment = self.commitments[n % len(self.commitments)] if self.commitments else None
        meeting = self.meetings[n % len(self.meetings)] if self.meetings else None
        body = BODIES[n % len(BODIES)]
        states = SCO_2018
        if op == "catch_up":
            self.tracker.projector.catch_up(max_batches=1 + pick % 3)
            return
        if (commitment is None and op in ("assess", "deadline", "end")) or (
            op == "undertake" and len(self.commitments) < 3
        ):
            cid = f"c{len(self.commitments)}"
            due = {"due_on": day} if pick % 2 else {}
            if self.record(event("CommitmentUndertaken", day, commitment_id=cid, organization_id="sco",
                                 body_id=body, parties=list(states[: 2 + pick % 5]), title=f"C {cid}",
                                 text="Do something", **due)):
                self.commitments.append(cid)
                self.born[cid] = int(day[:4])
            return
        if op in ("assess", "deadline", "end"):
            day = self.after(commitment, day)
        elif op in ("reschedule", "hold", "cancel"):
            day = self.after(meeting, day)
        if op in ("assess", "undertake"):
            party = {"party": states[pick % 2]} if pick % 3 == 0 else {}
            level = ("not_started", "limited", "substantial", "complete")[pick % 4]
            self.record(event("ProgressAssessed", day, commitment_id=commitment, level=level, **party))
        elif op == "deadline":
            self.record(event("DeadlineChanged", day, commitment_id=commitment, due_on=YEARS[pick % len(YEARS)]))
        elif op == "end":
            kind = ("CommitmentFulfilled", "CommitmentLapsed", "CommitmentWithdrawn")[pick % 3]
            self.record(event(kind, day, commitment_id=commitment))
        elif (op == "schedule" and len(self.meetings) < 4) or meeting is None:
            mid = f"{body}/{len(self.meetings) + 1}"
            if self.record(event("MeetingScheduled", day, meeting_id=mid, body_id=body, number=len(self.meetings) + 1,
                                 host_state=states[pick % len(states)], starts_on=day)):
                self.meetings.append(mid)
                self.born[mid] = int(day[:4])
        elif op == "reschedule":
            self.record(event("MeetingRescheduled", day, meeting_id=meeting, starts_on=day))
        elif op == "hold":
            self.record(event("MeetingHeld", day, meeting_id=meeting, chaired_by=states[pick % len(states)]))
        elif op == "cancel":
            self.record(event("MeetingCancelled", day, meeting_id=meeting))
        elif op == "handover":
            to_state = states[pick % len(states)]
            from_state = {"from_state": states[(pick // 7) % len(states)]} if pick % 2 else {}
            if from_state.get("from_state") == to_state:
                from_state = {}
            self.record(event("ChairmanshipHandedOver", day, body_id=body, to_state=to_state, **from_state))
        elif op in ("retract", "correct") and self.refs:
            ref, original = self.refs[pick % len(self.refs)]
            if op == "retract":
                self.record(event("EventRetracted", day, target=ref, reason="wrong"))
            else:
                # The same event moved to another world date: a correction that backfills too.
                self.record(event("EventCorrected", day, target=ref, reason="misdated",
                                  replacement={**original, "occurred_on": day}))


def recorded_history(tracker: Tracker, steps: list[tuple[str, int, str, int]]) -> History:
    """The base world, then each drawn step, recorded through the tracker: where every property test starts."""
    for data in _base():
        tracker.record(data)
    history = History(tracker)
    for step in steps:
        history.step(*step)
    return history


def _check(database_url: str, steps: list[tuple[str, int, str, int]]) -> None:
    tracker = Tracker(Settings(database_url=database_url, batch_size=4))
    try:
        history = recorded_history(tracker, steps)
        # Mostly valid histories: the generator is not just exercising the rules' refusals.
        assert history.stored >= history.refused or len(steps) < 6
        assert_rebuild_matches(tracker)
    finally:
        tracker.close()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=30))
def test_incremental_views_equal_a_rebuild_sqlite(steps: list[tuple[str, int, str, int]]) -> None:
    with throwaway_sqlite() as url:
        _check(url, steps)


@pytest.mark.postgres
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=20))
def test_incremental_views_equal_a_rebuild_postgres(steps: list[tuple[str, int, str, int]]) -> None:
    require_postgres()
    with throwaway_database() as url:
        _check(url, steps)
