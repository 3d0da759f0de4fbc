"""The JSON report carries the read model's message codes beside its English lines, within tracker.report/1.

Recorded through the store (both backends): a presidency that deviates, breaks its chain and
leaves a gap, a body whose rule is unknown and a meeting held outside its dates (the world of
test_report_language). The codes a consumer reads from the JSON are the read model's own.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

import tracker as front_door
from tests.integration.test_report_language import AS_OF, _world
from tracker.app import Tracker
from tracker.projections import model
from tracker.projections.reports import build_report
from tracker.projections.reports.jsonout import render_json

SCHEMA = json.loads((Path(__file__).parents[2] / "projections" / "reports" / "report.schema.json").read_text("utf-8"))
LISTS = {"deviation_messages": "deviations", "gap_messages": "gaps",
         "chain_conflict_messages": "chain_conflicts", "note_messages": "notes"}


def _validator() -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture
def document(tracker: Tracker) -> dict[str, Any]:
    _world(tracker)
    report = build_report(tracker.read_model(), organization_id="sco", as_of=AS_OF)
    parsed: dict[str, Any] = json.loads(render_json(report))
    return parsed


def test_review_items_carry_the_read_models_codes(tracker: Tracker, document: dict[str, Any]) -> None:
    asked = tracker.read_model().review_items(organization_id="sco", as_of=AS_OF)
    expected = sorted((r.kind, r.entity, r.message, r.code, dict(r.params)) for r in asked)
    shown = sorted((r["kind"], r["entity"], r["message"], r["code"], r["params"]) for r in document["review"])
    assert shown == expected
    assert {"deviation_out_of_turn", "handover_from_another", "held_outside_day"} <= {r[3] for r in shown}


def test_presidency_lines_come_with_codes_one_for_one(tracker: Tracker, document: dict[str, Any]) -> None:
    by_body = {p["body_id"]: p for p in document["presidencies"]}
    for body_id in ("sco-pg", "sco-x"):
        status = tracker.read_model().presidency(body_id, as_of=AS_OF)
        assert status is not None
        shown = by_body[body_id]
        assert shown["notes"] == list(status.notes)
        for key, lines in LISTS.items():
            assert [m["text"] for m in shown[key]] == shown[lines]  # the English lines, in the same order
            assert [(m["code"], m["params"]) for m in shown[key]] == [
                (m.code, dict(m.params)) for m in getattr(status, key)]
    deviations = by_body["sco-pg"]["deviation_messages"]
    assert [(m["code"], m["params"]["expected_state"]) for m in deviations] == [
        ("deviation_out_of_turn", "KAZ"), ("deviation_out_of_turn", "CHN")]
    assert [m["code"] for m in by_body["sco-pg"]["chain_conflict_messages"]] == ["handover_from_another"]
    assert "rule_unknown" in [m["code"] for m in by_body["sco-x"]["note_messages"]]


def test_the_schema_takes_the_codes_and_still_takes_a_report_without_them(document: dict[str, Any]) -> None:
    assert document["schema"] == "tracker.report/1"
    assert [f"{list(e.path)}: {e.message}" for e in _validator().iter_errors(document)] == []
    older = copy.deepcopy(document)  # a tracker.report/1 document written before the codes
    for item in older["review"]:
        del item["code"], item["params"]
    for presidency in older["presidencies"]:
        for key in (*LISTS, "notes"):
            del presidency[key]
    assert _validator().is_valid(older)
    broken = copy.deepcopy(document)
    del broken["presidencies"][0]["deviation_messages"][0]["code"]
    assert not _validator().is_valid(broken)
    broken = copy.deepcopy(document)
    broken["review"][0]["params"] = {"state": 1}  # parameters travel as text
    assert not _validator().is_valid(broken)


def test_the_front_door_names_the_message_type(tracker: Tracker) -> None:
    assert "Message" in front_door.__all__
    assert front_door.Message is model.Message
    _world(tracker)
    status = tracker.read_model().presidency("sco-pg", as_of=AS_OF)
    assert status is not None and status.deviation_messages
    assert all(isinstance(m, front_door.Message) for m in status.deviation_messages)
