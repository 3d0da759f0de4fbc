"""The development reference, the docs page and the JSON Schema are generated from the models and in step."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from tracker.cli import cli
from tracker.events import EVENT_TYPES, parse_event
from tracker.events.reference import json_schema, markdown, type_docs

ROOT = Path(__file__).parents[2]
REGENERATE = "regenerate with: .venv/bin/tracker schema --markdown > docs/developments.md"


def test_docs_page_is_in_step_with_the_models() -> None:
    page = (ROOT / "docs" / "developments.md").read_text(encoding="utf-8")
    assert page == markdown(), REGENERATE


def test_json_schema_file_is_in_step_with_the_models() -> None:
    stored = json.loads((ROOT / "docs" / "events.schema.json").read_text(encoding="utf-8"))
    assert stored == json_schema(), "regenerate with: .venv/bin/tracker schema --json-schema > docs/events.schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_demo_validates_against_the_json_schema(validator: jsonschema.Draft202012Validator) -> None:
    lines = [json.loads(line) for line in (ROOT / "config" / "demo" / "demo.jsonl").read_text().splitlines() if line]
    assert len(lines) > 30
    for number, line in enumerate(lines, start=1):
        errors = [e.message for e in validator.iter_errors(line)]
        assert errors == [], f"line {number}: {errors[:1]}"


@pytest.mark.parametrize(
    "line",
    [
        {"type": "NoSuchDevelopment", "occurred_on": "2024"},
        {"type": "MeetingHeld", "occurred_on": "2024-07-25", "unsourced": True},  # meeting_id missing
        {"type": "MeetingHeld", "occurred_on": "25.07.2024", "unsourced": True, "meeting_id": "m"},
        {"type": "MeetingHeld", "occurred_on": "2024", "unsourced": True, "meeting_id": "m", "colour": "red"},
    ],
)
def test_the_json_schema_refuses_bad_lines(line: dict[str, Any], validator: jsonschema.Draft202012Validator) -> None:
    assert not validator.is_valid(line)


def test_every_type_is_documented_with_a_valid_example(validator: jsonschema.Draft202012Validator) -> None:
    docs = type_docs()
    assert [d.name for d in docs] == sorted(EVENT_TYPES)
    for doc in docs:
        assert doc.summary, doc.name
        assert validator.is_valid(doc.example), doc.name
        assert parse_event(doc.example).type_name() == doc.name
        required = {f.name for f in doc.fields if f.required}
        assert required <= set(doc.example), doc.name


def test_schema_command_lists_explains_and_suggests() -> None:
    runner = CliRunner()
    listed = runner.invoke(cli, ["schema"])
    assert listed.exit_code == 0 and all(name in listed.output for name in EVENT_TYPES)
    one = runner.invoke(cli, ["schema", "ChairmanshipHandedOver"])
    assert one.exit_code == 0
    assert "to_state" in one.output and "required" in one.output and "state (ISO 3166-1 code" in one.output
    example = json.loads(one.output.strip().splitlines()[-1])
    assert parse_event(example).type_name() == "ChairmanshipHandedOver"
    wrong = runner.invoke(cli, ["schema", "MeetingHold"])
    assert wrong.exit_code == 1 and "did you mean MeetingHeld" in wrong.output
    assert "tracker schema" in runner.invoke(cli, ["record", "--help"]).output


def test_a_misspelled_event_type_gets_a_suggestion() -> None:
    from tracker.events import InvalidEvent

    with pytest.raises(InvalidEvent) as caught:
        parse_event({"type": "ProposalTable", "occurred_on": "2024", "unsourced": True})
    assert caught.value.problems == [("type", "ProposalTable", "unknown event type: did you mean ProposalTabled?")]
