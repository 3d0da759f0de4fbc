"""The event vocabulary: partial dates, states, sources, validation errors that name field and value."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tracker.events as ev
from tracker.events import ENTITY_KINDS, EVENT_TYPES, InvalidEvent, parse_event, parse_partial_date

SOURCE = {"publisher": "BNews.kz", "title": "Kazakh Prosecutor General partook", "language": "en"}


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision"),
    [
        ("2018-09-20", date(2018, 9, 20), date(2018, 9, 20), "day"),
        ("2024-07", date(2024, 7, 1), date(2024, 7, 31), "month"),
        ("2024-02", date(2024, 2, 1), date(2024, 2, 29), "month"),
        ("2013", date(2013, 1, 1), date(2013, 12, 31), "year"),
        ("2013~", date(2013, 1, 1), date(2013, 12, 31), "year"),
    ],
)
def test_partial_date_bounds_and_precision(text: str, earliest: date, latest: date, precision: str) -> None:
    parsed = parse_partial_date(text)
    assert (parsed.earliest, parsed.latest, parsed.precision) == (earliest, latest, precision)
    assert str(parsed) == text


def test_partial_date_qualifiers() -> None:
    assert parse_partial_date("2024-07?").uncertain and not parse_partial_date("2024-07?").approximate
    assert parse_partial_date("2013~").approximate and not parse_partial_date("2013~").uncertain
    both = parse_partial_date("2018-09-20%")
    assert both.uncertain and both.approximate
    assert parse_partial_date("2024-07").describe() == "2024-07, month precision"


@pytest.mark.parametrize("bad", ["2018-13", "2023-02-30", "20-09", "2018/09/20", "2000/1999-01-01", "", "next year"])
def test_partial_date_rejects_outside_the_subset(bad: str) -> None:
    with pytest.raises(ValueError, match="date"):
        parse_partial_date(bad)


@settings(max_examples=30, deadline=None)
@given(st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)))
def test_partial_date_bounds_contain_the_day(day: date) -> None:
    for text in (day.isoformat(), day.isoformat()[:7], day.isoformat()[:4]):
        parsed = parse_partial_date(text)
        assert parsed.earliest <= day <= parsed.latest


@settings(max_examples=40, deadline=None)  # edtf's grammar is slow: a few dozen cases suffice
@given(
    st.dates(min_value=date(1000, 1, 1), max_value=date(9999, 12, 31)),
    st.sampled_from([10, 7, 4]),
    st.sampled_from(["", "?", "~", "%"]),
)
def test_partial_date_agrees_with_the_edtf_package(day: date, length: int, qualifier: str) -> None:
    from edtf import parse_edtf, struct_time_to_date

    text = day.isoformat()[:length] + qualifier
    ours = parse_partial_date(text)
    reference = parse_edtf(text)
    assert ours.earliest == struct_time_to_date(reference.lower_strict())
    assert ours.latest == struct_time_to_date(reference.upper_strict())


@pytest.mark.parametrize(
    ("spelling", "code"),
    [
        ("KGZ", "KGZ"), ("kg", "KGZ"), ("Kyrgyz Republic", "KGZ"), ("Kyrgyzstan", "KGZ"),
        ("Киргизия", "KGZ"), ("Кыргызстан", "KGZ"), ("Turkey", "TUR"), ("Türkiye", "TUR"),
        ("Pakistan", "PAK"), ("Islamic Republic of Pakistan", "PAK"), ("Китай", "CHN"), ("Россия", "RUS"),
        ("KZ", "KAZ"), ("Kazakhstan", "KAZ"),
    ],
)
def test_states_accept_codes_names_and_variants(spelling: str, code: str) -> None:
    assert ev.normalize_state(spelling) == code


def _membership(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "type": "MembershipChanged", "organization_id": "sco", "state": "Kyrgyz Republic",
        "status": "member", "occurred_on": "2001-06-15", "sources": [SOURCE],
    }
    data.update(overrides)
    return data


def test_state_is_stored_canonical() -> None:
    event = parse_event(_membership())
    assert isinstance(event, ev.MembershipChanged)
    assert event.state == "KGZ"
    assert event.to_json_dict()["state"] == "KGZ"


def test_unknown_state_names_field_and_value() -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(_membership(state="Narnia"))
    assert caught.value.problems[0][0] == "state"
    assert caught.value.problems[0][1] == "Narnia"


def test_sources_are_required_unless_waived_explicitly() -> None:
    with pytest.raises(InvalidEvent, match="sources"):
        parse_event(_membership(sources=[]))
    waived = parse_event(_membership(sources=[], unsourced=True))
    assert waived.unsourced and waived.sources == ()
    with pytest.raises(InvalidEvent, match="unsourced"):
        parse_event(_membership(unsourced=True))


def test_extra_fields_are_refused_and_events_are_frozen() -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event(_membership(colour="red"))
    assert caught.value.problems[0][:2] == ("colour", "red")
    event = parse_event(_membership())
    with pytest.raises(ValueError, match="frozen"):
        event.state = "KAZ"  # type: ignore[misc]


def test_identifiers_are_readable_slugs() -> None:
    assert parse_event(_membership(organization_id="sco-prosecutors-general/22")).stream == (
        "organization:sco-prosecutors-general/22"
    )
    with pytest.raises(InvalidEvent) as caught:
        parse_event(_membership(organization_id="SCO General"))
    assert caught.value.problems[0][0] == "organization_id"


def test_unknown_type_is_named() -> None:
    with pytest.raises(InvalidEvent) as caught:
        parse_event({"type": "ProposalTabledd"})
    assert caught.value.problems == [("type", "ProposalTabledd", "unknown event type: did you mean ProposalTabled?")]


def test_every_type_is_past_tense_and_frozen_and_forbids_extra() -> None:
    # Every development class the vocabulary defines is a known type (none left out of __all__).
    import tracker.events.vocabulary as vocabulary

    defined = {c for c in vars(vocabulary).values()
               if isinstance(c, type) and issubclass(c, ev.Development) and c is not ev.Development}
    assert set(ev.EVENT_TYPES.values()) == defined
    for name, cls in ev.EVENT_TYPES.items():
        assert re.search(r"(ed|Taken|Held|Undertaken|Overridden|Withdrawn)(Over|IntoForce)?$", name), name
        assert cls.model_config.get("frozen") is True
        assert cls.model_config.get("extra") == "forbid"


def test_rotation_rule_must_be_complete_for_its_kind() -> None:
    body = {
        "type": "BodyEstablished", "body_id": "sco-prosecutors-general", "organization_id": "sco",
        "names": {"en": "Meeting of Prosecutors General"}, "occurred_on": "2002~", "unsourced": True,
        "rotation": {"kind": "alphabetical", "language": "ru"},
    }
    with pytest.raises(InvalidEvent, match="collation language and a term"):
        parse_event(body)
    body["rotation"] = {"kind": "alphabetical", "language": "ru", "term": "per_meeting"}
    assert isinstance(parse_event(body), ev.BodyEstablished)


def test_swap_names_two_states() -> None:
    data = {
        "type": "RotationOverridden", "body_id": "b", "override": "swap", "states": ["KAZ"],
        "reason": "host swap", "occurred_on": "2020", "unsourced": True,
    }
    with pytest.raises(InvalidEvent, match="swap names 2"):
        parse_event(data)


def test_event_refs_and_correction_streams() -> None:
    retraction = parse_event({
        "type": "EventRetracted", "target": "commitment:sco-joint-action-extremism-2018#2",
        "reason": "wrong article", "occurred_on": "2024-08", "unsourced": True,
    })
    assert retraction.stream == "commitment:sco-joint-action-extremism-2018"
    with pytest.raises(InvalidEvent) as caught:
        parse_event({"type": "EventRetracted", "target": "x#0", "reason": "r", "occurred_on": "2024",
                     "unsourced": True})
    assert caught.value.problems[0][0] == "target"


def test_json_round_trip_keeps_content() -> None:
    original = parse_event({
        "type": "MeetingScheduled", "meeting_id": "sco-prosecutors-general/22", "body_id": "sco-prosecutors-general",
        "number": 22, "city": "Bishkek", "venue": "Ala-Archa state residence", "host_state": "Kyrgyz Republic",
        "starts_on": "2024-07-25", "occurred_on": "2024-07", "sources": [SOURCE], "key": "k",
    })
    again = parse_event(original.to_json_dict())
    assert again == original


@pytest.mark.parametrize(
    ("type_", "identity"),
    [
        ("OrganizationRegistered", {"organization_id": "ots"}),
        ("OrganizationRenamed", {"organization_id": "ots"}),
        ("BodyEstablished", {"body_id": "ots-summit", "organization_id": "ots",
                             "rotation": {"kind": "unknown"}}),
        ("BodyRenamed", {"body_id": "ots-summit"}),
    ],
)
def test_creations_and_renamings_check_names_alike(type_: str, identity: dict[str, object]) -> None:
    # One definition of an entity's names serves its creation and its renaming: the same
    # refusal naming the field, and the same interchange form (the id, then the names).
    line = {"type": type_, "occurred_on": "2021-11-12", "unsourced": True, **identity}
    with pytest.raises(InvalidEvent) as caught:
        parse_event({**line, "names": {"en": "  "}})
    assert caught.value.problems[0][0] == "names"
    stored = parse_event({**line, "names": {"en": "Organization of Turkic States"}}).to_json_dict()
    keys = list(stored)
    assert stored["names"] == {"en": "Organization of Turkic States"}
    assert keys.index("names") == keys.index(next(iter(identity))) + 1


def test_every_entity_kind_has_an_event_that_creates_it_and_no_other_does() -> None:
    created = {cls.stream_kind for cls in EVENT_TYPES.values() if cls.creates_stream}
    assert created == set(ENTITY_KINDS)
