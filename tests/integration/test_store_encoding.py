"""The stored bytes of an event (body, content digest, chain link) are what the original encoding wrote.

The store serialises an event once and derives its canonical form, its stored state and its
link from those bytes (tracker.store.body_and_digest). Digests already stored recognise a
repeated import, and links already stored must verify, so every byte must be as the direct
serialisation below (the encoding as it was first written) makes it: on random histories
recorded through the store, and on random field values (unicode, escapes, keys sorting after
"type" such as `unsourced`) encoded directly.
"""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.builders import SCO_2018, event
from tests.integration.test_rebuild_property import STEP, _base, recorded_history
from tests.integration.test_store_import import _lines
from tests.pg import throwaway_sqlite
from tracker import app as app_module
from tracker.app import Tracker
from tracker.chain import GENESIS
from tracker.demo import demo_lines
from tracker.events import EVENT_TYPES, Development, InvalidEvent, parse_event
from tracker.settings import Settings
from tracker.store import body_and_digest, decode_row, encode, encode_chained
from tracker.store_sql import StoredRow


def reference_body_and_digest(event: Development) -> tuple[dict[str, Any], str]:
    """The body and digest as first defined: the digest over `{"type": ..., **body}` with sorted keys."""
    body = event.model_dump(mode="json", exclude_defaults=True)
    canonical = orjson.dumps({"type": event.type_name(), **body}, option=orjson.OPT_SORT_KEYS)
    return body, hashlib.sha256(canonical).hexdigest()[:32]


def reference_state(at: str, event: Development) -> bytes:
    """The stored state before its link, serialised directly."""
    body, digest = reference_body_and_digest(event)
    state: dict[str, Any] = {"at": at, "digest": digest, "event": body}
    if type(event).class_version > 1:
        state["v"] = type(event).class_version
    return orjson.dumps(state, option=orjson.OPT_SORT_KEYS)


def reference_sealed(previous: str, stream: str, version: int, at: str, event: Development) -> tuple[bytes, str]:
    """The stored state with its link, and the link, as the chain first defined them."""
    unsealed = reference_state(at, event)
    digest = hashlib.sha256(previous.encode())
    digest.update(b"\0" + stream.encode() + b"\0" + str(version).encode() + b"\0" + event.type_name().encode() + b"\0")
    digest.update(unsealed)
    link = digest.hexdigest()
    return unsealed[:-1] + b',"h":"' + link.encode() + b'"}', link


def assert_encoded_as_reference(event: Development, stream: str = "x:y", version: int = 3) -> None:
    """Digest, body, unchained state and chained state all byte for byte as the reference."""
    at = "2026-11-30T12:00:00.123456+00:00"
    body, digest = body_and_digest(event)
    reference_body, reference_digest = reference_body_and_digest(event)
    assert digest == reference_digest
    assert body == orjson.dumps(reference_body, option=orjson.OPT_SORT_KEYS)
    assert encode(stream, version, at, event).state == reference_state(at, event)
    stored, link = encode_chained("0" * 64, stream, version, at, event)
    assert (stored.state, link) == reference_sealed("0" * 64, stream, version, at, event)


def assert_store_wrote_reference_bytes(tracker: Tracker) -> int:
    """Every stored row is what the reference encoding makes of its decoded event, link after link."""
    head = GENESIS
    count = 0
    for position, stream, version, topic, blob in tracker.event_log._stored_rows(500):
        recorded, _ = decode_row(StoredRow(stream, version, topic, blob, position))
        at = str(orjson.loads(blob)["at"])
        expected, head = reference_sealed(head, stream, version, at, recorded.event)
        assert blob == expected, f"{stream}#{version}"
        count += 1
    return count


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=12)


@st.composite
def assessments(draw: st.DrawFn) -> dict[str, Any]:
    """A ProgressAssessed with random optional fields, text with quotes, escapes and non-ASCII."""
    data = event("ProgressAssessed", draw(st.sampled_from(["2020", "2020-05", "2020-05-17", "2020~"])),
                 commitment_id=draw(st.sampled_from(["c", "c-2", "a.b/c"])),
                 level=draw(st.sampled_from(["limited", "complete"])))
    if draw(st.booleans()):
        data.pop("sources")
        data["unsourced"] = True  # a key sorting after "type"
    else:
        data["sources"] = [{"publisher": draw(TEXT), **({"quote": draw(TEXT)} if draw(st.booleans()) else {})}]
    for name in ("note", "key", "assessor", "evidence", "recorded_by"):
        if draw(st.booleans()):
            data[name] = draw(TEXT)
    if draw(st.booleans()):
        data["party"] = draw(st.sampled_from(SCO_2018))
    return data


@settings(max_examples=300, deadline=None)
@given(data=assessments())
def test_random_events_encode_as_the_reference(data: dict[str, Any]) -> None:
    try:
        development = parse_event(data)
    except InvalidEvent:
        assume(False)  # text that strips to nothing: not an event
        raise
    assert_encoded_as_reference(development)


def test_every_demo_event_and_an_empty_body_encode_as_the_reference() -> None:
    seen = set()
    for line in demo_lines():
        development = parse_event(orjson.loads(line))
        assert_encoded_as_reference(development, development.stream)
        seen.add(development.type_name())
    assert len(seen) >= 10
    # A class whose every field sorts after "type" or is left out as a default: the edge cases.
    bare = EVENT_TYPES["ProgressAssessed"].model_validate(
        {"occurred_on": "2020", "unsourced": True, "commitment_id": "c", "level": "limited"})
    assert_encoded_as_reference(bare)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=30))
def test_random_histories_are_stored_as_the_reference_encodes_them(steps: list[tuple[str, int, str, int]]) -> None:
    """Recorded one by one, then exported and imported in one transaction: both stores hold the reference bytes."""
    with throwaway_sqlite() as url, throwaway_sqlite() as other_url:
        tracker = Tracker(Settings(database_url=url))
        other = Tracker(Settings(database_url=other_url))
        try:
            recorded_history(tracker, steps)
            count = assert_store_wrote_reference_bytes(tracker)
            lines = [orjson.dumps(r.event.to_json_dict()) for r in tracker.iter_log()]
            assert other.import_events(lines).stored == count
            assert assert_store_wrote_reference_bytes(other) == count
            # The digests recognise every event as already present.
            assert other.import_events(lines).already_present == count
        finally:
            tracker.close()
            other.close()


@pytest.mark.parametrize("keep_going", [False, True])
def test_an_import_failing_after_many_batches_stores_nothing_and_leaves_the_store_usable(
    tracker: Tracker, keep_going: bool
) -> None:
    """PostgreSQL keeps one COPY open across batches: a failure ends it and the rollback still runs."""
    world = [orjson.dumps(d) for d in _base()]
    many = [orjson.dumps(event("ProgressAssessed", "2020", commitment_id="c", level="limited", note=f"n{i}"))
            for i in range(1_200)]
    commitment = orjson.dumps(event("CommitmentUndertaken", "2019", commitment_id="c", organization_id="sco",
                                    parties=SCO_2018[:2], title="C", text="Do"))
    # An amendment after the first batches: the stream is read back while the COPY is open.
    retract = orjson.dumps(event("EventRetracted", "2021", target="commitment:c#5", reason="wrong"))
    lines = [*world, commitment, *many[:700], retract, *many[700:]]
    if not keep_going:
        with pytest.raises(Exception, match="level"):
            tracker.import_events([*lines, orjson.dumps(event("ProgressAssessed", commitment_id="c", level="x"))])
        assert tracker.is_empty()
    report = tracker.import_events([*lines, b"{not json"], all_or_nothing=False)
    assert (report.stored, len(report.rejected)) == (len(lines), 1)
    assert [r.version for r in tracker.history("c")][-1] == 1 + 1_200 + 1
    assert tracker.verify().ok and tracker.verify().events == len(lines)
    # The store takes more afterwards, a single record() included.
    assert tracker.import_events(lines).already_present == len(lines)
    assert tracker.record(event("ProgressAssessed", "2022", commitment_id="c", level="complete")).stored


@pytest.mark.parametrize("known", [1, 10_000])
def test_an_import_remembering_streams_that_exist_judges_as_one_asking_each_time(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch, known: int
) -> None:
    """Streams found to exist are remembered (bounded); with room for one only, the database is asked again."""
    monkeypatch.setattr(app_module, "_IMPORT_CACHE_COST", 1)
    monkeypatch.setattr(app_module, "_IMPORT_FLUSH_EVERY", 3)
    monkeypatch.setattr(app_module, "_IMPORT_KNOWN_STREAMS", known)
    lines = _lines()
    first = tracker.import_events(lines, all_or_nothing=False)
    again = tracker.import_events(lines, all_or_nothing=False)
    assert (first.stored, first.already_present, [n for n, _ in first.rejected]) == (
        len(lines) - 3, 1, [len(lines) - 10, len(lines) - 9])
    assert (again.stored, again.already_present, len(again.rejected)) == (0, len(lines) - 2, 2)
    assert tracker.verify().ok
