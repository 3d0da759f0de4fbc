"""Every error a user can meet is ours, names field and value, and echoes at most a bounded excerpt."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, Field, ValidationError

from tests.builders import event, sco_world
from tracker import events
from tracker.app import Tracker
from tracker.cli import cli
from tracker.errors import (
    ConfigurationError,
    ImportFailed,
    InvalidInput,
    LoginFailed,
    LoginThrottled,
    RuleViolation,
    TrackerError,
    as_tracker_error,
)
from tracker.events.base import EXCERPT_CHARS, validation_problems
from tracker.projections.errors import QueryRefused
from tracker.projections.queries import Queries
from tracker.reminders.channels import DeliveryError
from tracker.reminders.config import ReminderConfigError, parse_config

HUGE = "x" * 10_000_000  # 10 MB: the error must not echo it back


def _bounded(message: str) -> None:
    assert len(message) < 2_000, len(message)
    assert "10000000 characters in all" in message


def test_a_huge_field_is_echoed_as_a_bounded_excerpt_on_record(tracker: Tracker) -> None:
    with pytest.raises(InvalidInput) as caught:
        tracker.record(event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"}, note=HUGE))
    _bounded(str(caught.value))
    field, value, message = caught.value.problems[0]
    assert field == "note" and "at most 5000 characters" in message
    assert value.startswith("x" * EXCERPT_CHARS + "…") and len(value) < 300
    with pytest.raises(InvalidInput) as by_method:
        tracker.register_organization(organization_id="sco", names={"en": "SCO"}, occurred_on="2001-06-15",
                                      note=HUGE, unsourced=True)
    _bounded(str(by_method.value))
    assert tracker.streams(None) == []


def test_a_huge_value_in_a_message_of_our_own_is_cut_too(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    with pytest.raises(InvalidInput) as caught:
        tracker.record(event("MembershipChanged", organization_id="sco", state=HUGE, status="member"))
    assert len(str(caught.value)) < 2_000
    assert caught.value.problems[0][0] == "state"


def test_a_huge_line_in_an_import_is_bounded(tracker: Tracker) -> None:
    lines = [json.dumps(e) for e in sco_world()]
    lines.append(json.dumps(event("ProgressAssessed", commitment_id="c", party="KAZ", level="limited", note=HUGE)))
    with pytest.raises(ImportFailed) as caught:
        tracker.import_events(lines)
    _bounded(str(caught.value))
    assert str(caught.value).startswith(f"line {len(lines)}: note:")


def test_huge_value_through_the_cli_is_one_bounded_line(tmp_path: Path) -> None:
    file = tmp_path / "big.json"
    file.write_text(json.dumps(event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"}, note=HUGE)))
    result = CliRunner().invoke(cli, ["--database-url", f"sqlite:///{tmp_path / 't.sqlite'}", "record", str(file)])
    assert result.exit_code == 1
    errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and errors[0].startswith("Error: note: String should have at most 5000 characters")
    _bounded(errors[0])


def test_one_flattening_of_validation_errors() -> None:
    class Thing(BaseModel):
        name: str = Field(max_length=3)
        items: list[int]

    with pytest.raises(ValidationError) as caught:
        Thing.model_validate({"name": HUGE, "items": [1, "two"]})
    problems = validation_problems(caught.value)
    assert [p[0] for p in problems] == ["name", "items.1"]
    assert problems[1][1] == "two" and "valid integer" in problems[1][2]
    assert problems[0][1].endswith("(10000000 characters in all)")
    translated = as_tracker_error(caught.value)
    assert isinstance(translated, InvalidInput) and translated.problems[1][0] == "items.1"


def test_foreign_errors_users_meet_belong_to_the_tree() -> None:
    with pytest.raises(events.InvalidEvent) as caught:
        events.parse_event({"type": "NoSuchThing"})
    translated = as_tracker_error(caught.value)
    assert isinstance(translated, InvalidInput)
    assert translated.problems == [("type", "NoSuchThing", "unknown event type")]
    with pytest.raises(ReminderConfigError) as config:
        parse_config(f'[[rules]]\nkind = "{"y" * 100_000}"\n')
    assert isinstance(config.value, ConfigurationError) and isinstance(config.value, TrackerError)
    assert len(str(config.value)) < 2_000 and "100000 characters in all" in str(config.value)
    assert issubclass(DeliveryError, TrackerError)
    assert as_tracker_error(RuntimeError("a bug")) is None


def test_rule_violations_bound_their_value() -> None:
    error = RuleViolation("title", HUGE, "is too long")
    _bounded(str(error))
    assert error.problems == [("title", HUGE, "is too long")]


def test_a_status_of_a_kind_with_none_names_field_and_value(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    for use_views in (True, False):
        with pytest.raises(TrackerError) as caught:
            tracker.read_model(use_views=use_views).status("review:0123456789abcdef")
        assert isinstance(caught.value, InvalidInput)  # raised as the tracker's own error, not translated later
        assert isinstance(caught.value, ValueError)  # what it raised before, for callers that catch that
        [(field, value, message)] = caught.value.problems
        assert (field, value) == ("id", "review:0123456789abcdef") and "'review'" in message
        assert "id" in str(caught.value) and "review:0123456789abcdef" in str(caught.value)


def test_the_read_model_on_its_own_refuses_with_its_own_error(tracker: Tracker) -> None:
    # Without an owner's error (projections used without the tracker) the read model raises
    # QueryRefused, which the boundary's one translation makes InvalidInput.
    tracker.record(sco_world()[0])
    tracker.projector.catch_up()
    alone = Queries(tracker.engine, tracker.event_log)
    with pytest.raises(QueryRefused) as caught:
        alone.status("nosuchkind:x")
    assert not isinstance(caught.value, TrackerError)
    translated = as_tracker_error(caught.value)
    assert isinstance(translated, InvalidInput)
    assert translated.problems[0][:2] == ("id", "nosuchkind:x")


def test_login_errors_live_in_the_tree_and_where_they_were() -> None:
    from tracker.web import auth

    assert auth.LoginFailed is LoginFailed and auth.LoginThrottled is LoginThrottled
    assert issubclass(LoginFailed, TrackerError) and issubclass(LoginThrottled, TrackerError)


def test_the_drawing_names_every_error_of_the_tree() -> None:
    import inspect

    import tracker.errors as tree

    drawn = set(re.findall(r"[├└]── (\w+)", tree.__doc__ or ""))
    defined = {name for name, cls in inspect.getmembers(tree, inspect.isclass)
               if issubclass(cls, TrackerError) and cls.__module__ == tree.__name__}
    assert defined - {"TrackerError"} <= drawn, defined - drawn


def test_the_front_door_names_every_error_of_the_drawing() -> None:
    import tracker as front_door
    import tracker.errors as tree

    drawn = set(re.findall(r"[├└]── (\w+)", tree.__doc__ or "")) | {"TrackerError"}
    assert drawn <= set(front_door.__all__), drawn - set(front_door.__all__)
    for name in drawn:
        error = getattr(front_door, name)
        assert isinstance(error, type) and issubclass(error, TrackerError), name
