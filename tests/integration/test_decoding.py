"""Events read back without re-validation equal the events the validator builds from the same stored rows."""

from __future__ import annotations

import orjson
import pytest

from tests.builders import SCO_2018, event
from tracker.app import Tracker
from tracker.decoding import constructor
from tracker.demo import demo_lines
from tracker.events import EVENT_TYPES
from tracker.projections.views import DEVELOPMENT
from tracker.projections.views.rows import development_doc


def test_every_stored_event_reads_back_as_the_validator_builds_it(tracker: Tracker) -> None:
    tracker.import_events(demo_lines())
    tracker.record(event("CommitmentUndertaken", "2019-05", commitment_id="decoded", organization_id="sco",
                         parties=SCO_2018[:3], title="Decoded", text="Read back", due_on="2020~",
                         origin={"kind": "meeting", "id": "sco-prosecutors-general/16"}, topics=["security"]))
    tracker.record(event("ProgressAssessed", "2019-06-01", commitment_id="decoded", party=SCO_2018[0],
                         level="limited", evidence="a report"))
    seen: set[str] = set()
    for stream in tracker.event_log.streams():
        loaded = tracker.event_log.load(stream)
        for record, stored in zip(loaded, tracker.event_log.recorder.select_events(stream), strict=True):
            body = orjson.loads(stored.state)["event"]
            validated = EVENT_TYPES[stored.topic].model_validate(body)
            assert record.event == validated
            assert record.event.model_fields_set == validated.model_fields_set
            assert record.event.model_dump() == validated.model_dump()
            assert list(record.event.__dict__) == list(validated.__dict__)  # field order, for repr and dumps
            seen.add(stored.topic)
    assert {"CommitmentUndertaken", "MeetingHeld", "DocumentSigned", "BodyEstablished"} <= seen


def test_a_body_the_plan_does_not_cover_is_validated_and_refused_by_name() -> None:
    build = constructor(EVENT_TYPES["ProgressAssessed"])
    body = {"occurred_on": "2019", "unsourced": True, "commitment_id": "x", "level": "limited", "surprise": 1}
    with pytest.raises(ValueError, match="surprise"):
        build(body)
    del body["surprise"], body["level"]
    with pytest.raises(ValueError, match="level"):
        build(body)


def test_development_documents_are_what_the_adapter_dumps(tracker: Tracker) -> None:
    tracker.import_events(demo_lines())
    stream = "commitment:decoded"
    tracker.record(event("CommitmentUndertaken", "2019-05", commitment_id="decoded", organization_id="sco",
                         parties=SCO_2018[:2], title="Decoded", text="Read back"))
    tracker.record(event("ProgressAssessed", "2019-06", commitment_id="decoded", level="limited"))
    tracker.record(event("EventRetracted", "2019-07", target=f"{stream}#2", reason="wrong report"))
    developments = tracker.read_model(use_views=False).developments()
    assert any(d.retracted for d in developments)
    for development in developments:
        assert orjson.loads(development_doc(development)) == DEVELOPMENT.dump_python(development, mode="json")
