"""Review decisions through the store (SQLite and PostgreSQL): stable ids, states in both times, rules, rebuilds."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.web.conftest import CONFLICT
from tracker.app import Tracker
from tracker.demo import demo_lines
from tracker.errors import InvalidInput, UnknownEntity
from tracker.projections.review_queue import review_item_id


def _decide(tracker: Tracker, item_id: str, entity: str, decision: str, **extra: str) -> str:
    return tracker.record({"type": "ReviewDecided", "item_id": item_id, "entity": entity, "decision": decision,
                           "reason": f"because {decision}", "occurred_on": datetime.now(UTC).date().isoformat(),
                           "unsourced": True, "recorded_by": "tester", **extra}).ref


def test_decisions_set_the_state_in_both_times_and_change_no_entity(tracker: Tracker) -> None:
    tracker.import_events(demo_lines())
    tracker.record(CONFLICT)
    model = tracker.read_model()
    before_presidency = model.presidency("ots-prosecutors-general")
    before_timeline = model.timeline("body:ots-prosecutors-general")
    entry = next(e for e in model.review_queue() if e.item.entity == "body:ots-prosecutors-general")
    assert entry.state == "open" and entry.item_id == review_item_id(entry.item)
    assert [e.item for e in model.review_queue()] == model.review_items()
    scoped = model.review_queue(entity="body:ots-prosecutors-general")
    assert scoped == [e for e in model.review_queue() if e.item.entity == "body:ots-prosecutors-general"]

    ref = _decide(tracker, entry.item_id, entry.item.entity, "preferred_source", preferred_ref=entry.item.refs[0])
    assert ref == f"review:{entry.item_id}#1"
    decided_at = datetime.now(UTC)
    model = tracker.read_model()
    after = next(e for e in model.review_queue() if e.item_id == entry.item_id)
    assert after.state == "decided"
    assert after.latest is not None and after.latest.decided_by == "tester"
    assert after.latest.preferred_ref == entry.item.refs[0]
    assert model.presidency("ots-prosecutors-general") == before_presidency
    assert model.timeline("body:ots-prosecutors-general") == before_timeline

    _decide(tracker, entry.item_id, entry.item.entity, "reopened")
    model = tracker.read_model()
    assert next(e for e in model.review_queue() if e.item_id == entry.item_id).state == "reopened"
    as_known = next(e for e in model.review_queue(known_at=decided_at) if e.item_id == entry.item_id)
    assert as_known.state == "decided" and len(as_known.decisions) == 1

    # The views rebuild from a log that holds review streams, and answer the same.
    tracker.projector.rebuild()
    assert [e.state for e in tracker.read_model().review_queue()] == [e.state for e in model.review_queue()]


def test_a_decision_must_name_a_recorded_entity_and_valid_fields(tracker: Tracker) -> None:
    tracker.import_events(demo_lines())
    with pytest.raises(UnknownEntity) as missing:
        _decide(tracker, "0123456789abcdef", "body:no-such-body", "dismissed")
    assert missing.value.problems[0][:2] == ("entity", "no-such-body")
    with pytest.raises(InvalidInput) as bad:
        _decide(tracker, "0123456789abcdef", "body:sco-prosecutors-general", "preferred_source")
    assert "preferred_ref" in str(bad.value)
    with pytest.raises(InvalidInput) as wrong_id:
        _decide(tracker, "not-an-id", "body:sco-prosecutors-general", "dismissed")
    assert wrong_id.value.problems[0][0] == "item_id"
    assert tracker.streams("review") == []
