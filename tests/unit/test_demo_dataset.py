"""The shipped demo dataset (config/demo/demo.jsonl): every line a valid, keyed, sourced event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pycountry
import pytest

from tracker.events import (
    Development,
    DocumentSigned,
    MembershipChanged,
    normalize_state,
    parse_event,
    parse_partial_date,
)

DEMO = Path(__file__).resolve().parents[2] / "config" / "demo" / "demo.jsonl"

REQUIRED = {
    "organization": {"sco", "ots"},
    "body": {"sco-prosecutors-general", "ots-prosecutors-general"},
    "meeting": {"sco-prosecutors-general/16", "sco-prosecutors-general/22", "ots-prosecutors-general/3"},
    "proposal": {"sco-internet-counterterrorism-instrument"},
    "commitment": {"sco-joint-action-extremism-2018"},
    "document": {"sco-prosecutors-general/22/protocol"},
}

# Fields holding one state code, and fields holding several.
_STATE_FIELDS = ("state", "by_state", "host_state", "chaired_by", "from_state", "to_state", "party")
_STATES_FIELDS = ("states", "parties", "for_states")


def _lines() -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(DEMO.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"line {number} is blank"
        data = json.loads(line)
        assert isinstance(data, dict), f"line {number} is not a JSON object"
        rows.append((number, data))
    return rows


LINES = _lines()


def _events() -> list[Development]:
    return [parse_event(data) for _, data in LINES]


def _state_codes(event: Development) -> list[str]:
    codes: list[str] = []
    for name in _STATE_FIELDS:
        value = getattr(event, name, None)
        if isinstance(value, str):
            codes.append(value)
    for name in _STATES_FIELDS:
        codes.extend(getattr(event, name, None) or ())
    for name in ("attendees", "signatories"):
        codes.extend(part.state for part in getattr(event, name, None) or ())
    return codes


def test_file_is_nonempty_utf8_jsonl() -> None:
    assert DEMO.is_file()
    assert len(LINES) >= 20


@pytest.mark.parametrize(("number", "data"), LINES, ids=[str(d.get("key")) for _, d in LINES])
def test_every_line_parses(number: int, data: dict[str, Any]) -> None:
    event = parse_event(data)
    assert event.type_name() == data["type"], f"line {number}"
    assert event.recorded_by == "demo", f"line {number}: recorded_by must be 'demo'"


def test_every_line_has_a_unique_readable_key() -> None:
    keys = [str(data.get("key")) for _, data in LINES]
    assert all(k.startswith("demo:") for k in keys), keys
    duplicates = {k for k in keys if keys.count(k) > 1}
    assert not duplicates, f"duplicate keys: {sorted(duplicates)}"


def test_required_identifiers_are_created() -> None:
    created: dict[str, set[str]] = {}
    for event in _events():
        if event.creates_stream:
            created.setdefault(event.stream_kind, set()).add(getattr(event, event.stream_field))
    for kind, ids in REQUIRED.items():
        missing = ids - created.get(kind, set())
        assert not missing, f"{kind}: {sorted(missing)} never created"


def test_streams_are_created_before_they_are_used() -> None:
    created: set[str] = set()
    for event in _events():
        if event.creates_stream:
            assert event.stream not in created, f"{event.stream} created twice"
            created.add(event.stream)
        else:
            assert event.stream in created, f"{event.key}: {event.stream} used before it is created"
        for kind, field in (("organization", "organization_id"), ("body", "body_id"), ("meeting", "meeting_id")):
            if event.stream_kind != kind and getattr(event, field, None):
                ref = f"{kind}:{getattr(event, field)}"
                assert ref in created, f"{event.key}: refers to {ref} before it is created"


def test_every_event_is_sourced_or_explains_why_not() -> None:
    for event in _events():
        if event.unsourced:
            assert not event.sources
            assert event.note and len(event.note) > 20, f"{event.key}: unsourced without an explaining note"
        else:
            assert event.sources, f"{event.key}: no source"
            for source in event.sources:
                assert source.publisher.strip()


def test_the_undated_kabar_article_has_no_publication_date() -> None:
    kabar = [s for e in _events() for s in e.sources if s.publisher.startswith("Kabar")]
    assert kabar, "the Kabar article is cited"
    assert all(s.published_on is None for s in kabar)
    bnews = [s for e in _events() for s in e.sources if s.publisher == "BNews.kz"]
    assert bnews and all(str(s.published_on) == "2018-09-21" for s in bnews)


def test_some_dates_are_only_known_to_the_month_or_year() -> None:
    precisions = {event.occurred_on.precision for event in _events()}
    assert {"month", "year"} <= precisions


def test_states_are_canonical_alpha3_after_parsing() -> None:
    seen = 0
    for event in _events():
        for code in _state_codes(event):
            seen += 1
            assert pycountry.countries.get(alpha_3=code) is not None, f"{event.key}: {code!r} is not alpha-3"
            assert normalize_state(code) == code, f"{event.key}: {code!r} is not canonical"
    assert seen > 50


def test_sco_22_protocol_is_signed_by_the_ten_members_of_the_day() -> None:
    meeting_day = parse_partial_date("2024-07-25")
    members: set[str] = set()
    signed: set[str] = set()
    for event in _events():
        if (
            isinstance(event, MembershipChanged)
            and event.organization_id == "sco"
            and event.status == "member"
            and event.occurred_on.latest <= meeting_day.earliest
        ):
            members.add(event.state)
        if isinstance(event, DocumentSigned) and event.document_id == "sco-prosecutors-general/22/protocol":
            signed |= {s.state for s in event.signatories}
    assert len(members) == 10
    assert signed == members
