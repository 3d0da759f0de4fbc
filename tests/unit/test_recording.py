"""The typed front door: generated recording methods in step with the event models, lazy `tracker` names."""

from __future__ import annotations

import inspect
import subprocess
import sys
from typing import Any

import pytest

import tracker
import tracker.events as ev
from tracker.app import RecordResult
from tracker.gen_recording import METHODS, TARGET, render
from tracker.recording import RecordingMethods


def test_recording_py_is_in_step_with_the_event_models() -> None:
    # Fails after an event class changes until `python -m tracker.gen_recording` is run.
    assert TARGET.read_text(encoding="utf-8") == render()


@pytest.mark.parametrize("type_name", sorted(ev.EVENT_TYPES))
def test_each_method_takes_exactly_its_events_fields_as_keywords(type_name: str) -> None:
    method = getattr(RecordingMethods, METHODS[type_name][0])
    parameters = list(inspect.signature(method).parameters.values())[1:]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    assert {p.name for p in parameters} == set(ev.EVENT_TYPES[type_name].model_fields)


@pytest.mark.slow
def test_mypy_refuses_a_misspelled_field() -> None:
    from mypy import api

    snippet = (
        "from tracker import Tracker\n"
        "def f(t: Tracker) -> None:\n"
        "    t.change_membership(organization_id='sco', stat='KAZ', status='member', occurred_on='2001')\n"
        "    t.change_membership(organization_id='sco', state='KAZ', status='partner', occurred_on='2001')\n"
    )
    out, _, status = api.run(["--config-file", "", "--ignore-missing-imports", "--no-error-summary", "-c", snippet])
    assert status == 1
    assert 'Unexpected keyword argument "stat"' in out
    assert '"status" to "change_membership" of "RecordingMethods" has incompatible type' in out


def test_the_front_door_names_everything_and_imports_lazily() -> None:
    assert {"open_tracker", "Settings", "Tracker", "CommitmentStatus", "TrackerError", "FixedClock"} <= set(
        tracker.__all__)
    for name in tracker.__all__:
        assert getattr(tracker, name) is not None
    with pytest.raises(AttributeError):
        _ = tracker.Nothing  # type: ignore[attr-defined]
    # `import tracker` alone loads neither the store, the views nor pydantic's models.
    probe = ("import sys, tracker\n"
             "print(sorted(m for m in ('eventsourcing', 'sqlalchemy', 'tracker.events') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == "[]"


class _Capture(RecordingMethods):
    def __init__(self) -> None:
        self.events: list[ev.Development] = []

    def record(self, event: ev.Development | dict[str, Any]) -> RecordResult:
        assert isinstance(event, ev.Development)
        self.events.append(event)
        return RecordResult(f"{event.stream}#{len(self.events)}", True)


def test_support_proposal_takes_state_like_the_other_events_and_stores_states() -> None:
    capture = _Capture()
    capture.support_proposal(proposal_id="p", state="Russia", occurred_on="2020", unsourced=True)
    capture.support_proposal(proposal_id="p", states=["KAZ", "CHN"], occurred_on="2020", unsourced=True)
    assert [e.states for e in capture.events] == [("RUS",), ("KAZ", "CHN")]  # type: ignore[attr-defined]
    # Stored as before (`states`), so events recorded by earlier releases read unchanged.
    assert "state" not in capture.events[0].to_json_dict()
    with pytest.raises(tracker.InvalidInput, match="supporting state"):
        capture.support_proposal(proposal_id="p", occurred_on="2020", unsourced=True)


def test_defaulted_mappings_are_left_to_the_event() -> None:
    capture = _Capture()
    capture.register_organization(organization_id="sco", names={"en": "SCO"}, occurred_on="2001-06-15",
                                  unsourced=True)
    assert capture.events[0].abbreviations == {}  # type: ignore[attr-defined]
