"""Differential property: the rules and the answers resolve retractions and corrections alike.

Random histories of one commitment are recorded through the real store (SQLite and PostgreSQL):
assessments, retractions and corrections of any earlier version (amendments included), a clock
that steps back between writes, and a schema change half-way (ProgressAssessed becomes v2 with
an upcaster, so earlier events *and earlier corrections' replacements* are read upcast). An
independent oracle written here from the specification in `projections.resolution` predicts:

- which amendments the rules refuse (a target already retracted, or a correction of an amendment);
- what the rules hold as the effective history now;
- what the answers show (timeline marks and content, the commitment's developments) as known
  now and as known at every record time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, ClassVar

import orjson
import pytest
import time_machine
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tracker.events as ev
from tests.builders import event, sco_world
from tests.pg import require_postgres, throwaway_database, throwaway_sqlite
from tracker.app import Tracker
from tracker.domain import effective_history
from tracker.errors import RuleViolation
from tracker.settings import Settings

STREAM = "commitment:c"
LEVELS = ("not_started", "limited", "substantial", "complete")
START = datetime(2026, 3, 1, 12, tzinfo=UTC)


class _ProgressAssessedV2(ev.ProgressAssessed):
    """A later schema: the scale lost 'limited'; v1 events saying it are read as 'substantial'."""

    class_version: ClassVar[int] = 2

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        if state.get("level") == "limited":
            state["level"] = "substantial"


_ProgressAssessedV2.__name__ = "ProgressAssessed"


def _upcast_level(level: str, era: int, bumped: bool) -> str:
    return "substantial" if bumped and era == 1 and level == "limited" else level


@dataclass
class Written:
    """What the test wrote, kept apart from what the store reads back."""

    version: int
    kind: str  # "assess", "retract", "correct" (the creation is version 1, kind "create")
    recorded_at: datetime | None = None
    level: str | None = None  # assessed or replacement level, as written
    era: int = 1  # the schema it was written under
    target: int | None = None
    day: str = ""  # the world date written (assessment or replacement)


class Oracle:
    """The specification, naively: recursion over versions, no walk, no shared code."""

    def __init__(self, writes: list[Written], known_at: datetime | None, *, bumped: bool = False) -> None:
        self.writes = writes
        self.bumped = bumped  # the schema changed (read upcast), whatever was written after
        known = len(writes)
        if known_at is not None:
            times = [w.recorded_at for w in writes]
            known = max((v for v in range(1, len(writes) + 1)
                         if min(t for t in times[v - 1:] if t is not None) <= known_at), default=0)
        self.known = writes[:known]
        self.retracted = cache(self._retracted)

    def _retracted(self, version: int) -> bool:
        return any(w.kind == "retract" and w.target == version and not self.retracted(w.version)
                   for w in self.known if w.version > version)

    def corrector(self, version: int) -> Written | None:
        if self.retracted(version):
            return None
        fixes = [w for w in self.known if w.kind == "correct" and w.target == version and not self.retracted(w.version)]
        return fixes[-1] if fixes else None

    def level(self, version: int) -> str | None:
        write = self.corrector(version) or self.writes[version - 1]
        bumped = any(w.era == 2 for w in self.writes) or self.bumped
        return None if write.level is None else _upcast_level(write.level, write.era, bumped)

    def overall_level(self) -> str:
        """The commitment's level: the latest live assessment in world order (date, then version)."""
        live = [w for w in self.known if w.kind == "assess" and not self.retracted(w.version)]
        dated = sorted(live, key=lambda w: ((self.corrector(w.version) or w).day, w.version))
        return self.level(dated[-1].version) or "no_evidence" if dated else "no_evidence"

    def refuses(self, kind: str, target: int) -> bool:
        aimed = self.writes[target - 1]
        return self.retracted(target) or (kind == "correct" and aimed.kind in ("retract", "correct"))


ACTIONS = st.one_of(
    st.tuples(st.just("assess"), st.sampled_from(LEVELS), st.integers(2019, 2025)),
    st.tuples(st.just("retract"), st.integers(0, 50), st.just(0)),
    st.tuples(st.just("correct"), st.integers(0, 50), st.sampled_from(LEVELS)),
    st.tuples(st.just("clock"), st.integers(-7200, 3600), st.just(0)),
    st.tuples(st.just("bump"), st.just(0), st.just(0)),
)


class Run:
    """Records drawn actions, predicting the rules' verdicts with the oracle."""

    def __init__(self, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
        self.url = url
        self.monkeypatch = monkeypatch
        self.now = START
        self.era = 1
        self.tracker = Tracker(Settings(database_url=url))
        self.writes: list[Written] = []
        with time_machine.travel(self.now, tick=False):
            self.tracker.import_events(orjson.dumps(data) for data in sco_world())
        self.writes.append(Written(1, "create", self._last_time()))

    def _record(self, data: dict[str, Any]) -> bool:
        """Record; False when the store already holds the same content (recording is idempotent)."""
        self.now += timedelta(seconds=1)
        with time_machine.travel(self.now, tick=False):
            return self.tracker.record(data).stored

    def _last_time(self) -> datetime:
        return self.tracker.history(STREAM)[-1].recorded_at

    def act(self, action: str, a: Any, b: Any) -> None:
        if action == "clock":
            self.now += timedelta(seconds=a)  # may step back: record times out of order
        elif action == "bump" and self.era == 1:
            self.tracker.close()  # a new release with the new schema: a new process
            self.monkeypatch.setitem(ev.EVENT_TYPES, "ProgressAssessed", _ProgressAssessedV2)
            self.era = 2
            self.tracker = Tracker(Settings(database_url=self.url))
        elif action == "assess":
            if not self._record(event("ProgressAssessed", f"{b}-06-01", commitment_id="c", level=a)):
                return  # the same assessment again: already present, nothing new to predict
            self.writes.append(
                Written(len(self.writes) + 1, "assess", self._last_time(), a, self.era, day=f"{b}-06-01"))
        elif action in ("retract", "correct"):
            self._amend(action, 2 + a % len(self.writes) if len(self.writes) > 1 else 0, b)

    def _amend(self, kind: str, target: int, level: str) -> None:
        if target < 2 or target > len(self.writes):
            return
        ref = f"{STREAM}#{target}"
        data = event("EventRetracted", "2026-01-01", target=ref, reason="wrong")
        if kind == "correct":
            data = event("EventCorrected", "2026-01-01", target=ref, reason="misread",
                         replacement=event("ProgressAssessed", "2020-06-01", commitment_id="c", level=level))
        expected = Oracle(self.writes, None, bumped=self.era == 2).refuses(kind, target)
        try:
            stored = self._record(data)
        except RuleViolation:
            assert expected, f"the rules refused {kind} of #{target}; the specification allows it"
            return
        if not stored:
            return  # the same amendment again: already present before any rule is asked
        assert not expected, f"the rules allowed {kind} of #{target}; the specification refuses it"
        self.writes.append(Written(len(self.writes) + 1, kind, self._last_time(), level if kind == "correct" else None,
                                   self.era, target, day="2020-06-01"))

    def check(self) -> None:
        history = self.tracker.history(STREAM)
        assert [r.version for r in history] == [w.version for w in self.writes]
        oracle = Oracle(self.writes, None, bumped=self.era == 2)
        # The rules' effective history now.
        rules = {r.version: getattr(r.event, "level", None) for r in effective_history(history)}
        assert rules == {w.version: oracle.level(w.version) for w in self.writes
                         if w.kind in ("create", "assess") and not oracle.retracted(w.version)}
        # The answers, as known now (views) and as known at every record time (events).
        model = self.tracker.read_model()
        self._compare(model.timeline(STREAM), oracle)
        # The views' answer now (derived by the projector through the same resolution).
        [status] = [c for c in model.commitments() if c.commitment_id == "c"]
        assert (status.level, status.developments) == (oracle.overall_level(), len(rules))
        times = sorted({w.recorded_at for w in self.writes if w.recorded_at is not None})
        for at in times:
            self._compare(model.timeline(STREAM, known_at=at), Oracle(self.writes, at, bumped=self.era == 2))
            status = model.status(STREAM, known_at=at)
            at_oracle = Oracle(self.writes, at, bumped=self.era == 2)
            live = [w for w in at_oracle.known if w.kind in ("create", "assess") and not at_oracle.retracted(w.version)]
            assert status is not None and status.developments == len(live)

    def _compare(self, timeline: list[Any], oracle: Oracle) -> None:
        shown = {int(d.ref.rpartition("#")[2]): d for d in timeline}
        assert sorted(shown) == [w.version for w in oracle.known]
        for write in oracle.known:
            item = shown[write.version]
            assert item.retracted == oracle.retracted(write.version), write
            fix = oracle.corrector(write.version)
            assert item.corrected_by == (f"{STREAM}#{fix.version}" if fix else None), write
            if write.kind == "assess" and not oracle.retracted(write.version):
                assert item.summary == f"Progress assessed: {oracle.level(write.version)} (overall)", write


def _run(url: str, monkeypatch: pytest.MonkeyPatch, actions: list[tuple[str, Any, Any]]) -> None:
    with monkeypatch.context() as patch:
        run = Run(url, patch)
        try:
            for action in actions:
                run.act(*action)
            run.check()
        finally:
            run.tracker.close()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTIONS, min_size=1, max_size=18))
def test_rules_and_answers_agree_with_the_specification_sqlite(
    monkeypatch: pytest.MonkeyPatch, actions: list[tuple[str, Any, Any]],
) -> None:
    with throwaway_sqlite() as url:
        _run(url, monkeypatch, actions)


@pytest.mark.postgres
@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.function_scoped_fixture])
@given(actions=st.lists(ACTIONS, min_size=1, max_size=15))
def test_rules_and_answers_agree_with_the_specification_postgres(
    monkeypatch: pytest.MonkeyPatch, actions: list[tuple[str, Any, Any]],
) -> None:
    require_postgres()
    with throwaway_database() as url:
        _run(url, monkeypatch, actions)


def test_a_correction_written_before_a_schema_change_is_upcast_and_later_writes_still_work(
    database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = Run(database_url, monkeypatch)
    try:
        run.act("assess", "not_started", 2020)
        run.act("correct", 0, "complete")
        run.act("clock", -3600, 0)  # the clock steps back an hour
        run.act("correct", 0, "limited")  # the last correction wins; written under v1: "substantial" under v2
        run.act("bump", 0, 0)
        run.act("assess", "complete", 2021)  # used to raise InvalidEvent on the old replacement
        run.act("retract", 2, 0)  # retracts the second correction: the first one counts again
        run.check()
        assert [(w.kind, w.target) for w in run.writes] == [
            ("create", None), ("assess", None), ("correct", 2), ("correct", 2), ("assess", None), ("retract", 4)]
        # The store keeps record times monotonic: the clock stepped back, the record time did not.
        assert run.writes[3].recorded_at > run.writes[2].recorded_at  # type: ignore[operator]
    finally:
        run.tracker.close()
    again = Tracker(Settings(database_url=database_url))
    try:
        with pytest.raises(RuleViolation, match="already retracted"):
            again.record(event("EventRetracted", "2026-01-01", target=f"{STREAM}#4", reason="again"))
    finally:
        again.close()
