"""Presidencies from recorded events, through the store on SQLite and PostgreSQL.

Each case records developments with `Tracker.record` and asks the read model, so a rule the
engine handles but the store's path cannot (a fixed schedule, a state outside a names table)
fails here. Cases from public history cite their sources in the events themselves.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest

from tracker.app import Tracker

SCO_SOURCE = {"publisher": "BNews.kz", "title": "SCO Prosecutors General meeting", "language": "en"}
UN_SOURCE = {
    "publisher": "United Nations Security Council",
    "title": "Presidency of the Security Council (monthly list, 2023-2025)",
    "url": "https://main.un.org/securitycouncil/en/content/presidency",
    "language": "en",
}
EU_SOURCE = {
    "publisher": "Council of the European Union",
    "title": "Council Decision (EU) 2016/1316 on the order of the Presidencies, OJ L 208, 2.8.2016",
    "url": "https://eur-lex.europa.eu/eli/dec/2016/1316/oj",
    "language": "en",
}


def ev(type_: str, occurred_on: str, source: dict[str, str] = SCO_SOURCE, **fields: Any) -> dict[str, Any]:
    """One development in its JSON Lines form."""
    return {"type": type_, "occurred_on": occurred_on, "sources": [source], **fields}


def record_all(tracker: Tracker, events: list[dict[str, Any]]) -> list[str]:
    """Record each development; return their references."""
    return [tracker.record(e).ref for e in events]


def org(org_id: str, members: list[str], on: str, source: dict[str, str] = SCO_SOURCE) -> list[dict[str, Any]]:
    """An organization and its members from a day."""
    return [
        ev("OrganizationRegistered", on, source, organization_id=org_id, names={"en": org_id.upper()}),
        *[ev("MembershipChanged", on, source, organization_id=org_id, state=s, status="member") for s in members],
    ]


def body(body_id: str, org_id: str, rotation: dict[str, Any], on: str, source: dict[str, str] = SCO_SOURCE) -> dict[
    str, Any
]:
    """A body of an organization with its rotation rule."""
    return ev("BodyEstablished", on, source, body_id=body_id, organization_id=org_id,
              names={"en": body_id}, rotation=rotation)


def handover(body_id: str, on: str, to: str, frm: str | None = None, source: dict[str, str] = SCO_SOURCE) -> dict[
    str, Any
]:
    """The chair passed."""
    return ev("ChairmanshipHandedOver", on, source, body_id=body_id, from_state=frm, to_state=to)


SCO_MEMBERS = ["CHN", "IND", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"]
ALPHA_RU = {"kind": "alphabetical", "language": "ru", "term": "per_meeting"}


def kinds(tracker: Tracker, body_id: str, **when: Any) -> list[str]:
    """The kinds of the body's review items."""
    return [i.kind for i in tracker.read_model().review_items(body_id=body_id, **when)]


def every_read(tracker: Tracker, body_id: str) -> None:
    """Every read that touches a presidency answers (no exception), now and as of an old date."""
    model = tracker.read_model()
    for as_of in (None, date(2020, 1, 1)):
        model.presidencies(as_of=as_of)
        model.review_items(as_of=as_of)
        model.status(f"body:{body_id}", as_of=as_of)


# --- Issue 9 point 2 / issue 14 point 2: no accepted event breaks a read --------------------


def test_a_state_outside_the_names_table_is_named_by_iso_and_flagged(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        handover("sco-pg", "2023-06-01", "KGZ", "KAZ"),
        ev("MembershipChanged", "2023-07-01", organization_id="sco", state="USA", status="member",
           note="a careless or hypothetical record: the USA is not an SCO member"),
    ])
    every_read(tracker, "sco-pg")
    answer = tracker.read_model().presidency("sco-pg")
    assert answer is not None and answer.current is not None and answer.current.state == "KGZ"
    # ISO's official Russian name of the USA files it under Es (Соединённые Штаты Америки):
    # after России, before Таджикистана. The answer and the review list both say so.
    assert answer.expected_next == "PAK"
    assert any("USA" in note and "ISO" in note for note in answer.notes)
    items = [i for i in tracker.read_model().review_items(body_id="sco-pg") if i.kind == "names_fallback"]
    assert len(items) == 1 and "USA" in items[0].message and "Соединённые Штаты Америки" in items[0].message


def test_a_handover_to_a_state_outside_the_table_answers(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        handover("sco-pg", "2023-06-01", "KGZ", "KAZ"),
        handover("sco-pg", "2024-06-01", "TUR", "KGZ"),
    ])
    every_read(tracker, "sco-pg")
    answer = tracker.read_model().presidency("sco-pg")
    assert answer is not None and answer.current is not None and answer.current.state == "TUR"
    # Турция files after Таджикистан: the cycle continues from Türkiye's place.
    assert answer.expected_next == "UZB"
    review = kinds(tracker, "sco-pg")
    assert "names_fallback" in review and "deviation" in review


def test_a_body_whose_organization_has_no_names_in_the_rule_language(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("ots", ["AZE", "KAZ", "KGZ", "TUR", "UZB"], "2009-10-03"),
        body("ots-pg", "ots", ALPHA_RU, "2012"),
        handover("ots-pg", "2023-09-01", "KAZ"),
    ])
    every_read(tracker, "ots-pg")
    answer = tracker.read_model().presidency("ots-pg")
    assert answer is not None
    # ISO's Russian names: Азербайджанская Республика, Казахстан, Киргизия, Турция, Узбекистан.
    assert answer.expected_next == "KGZ"
    item = next(i for i in tracker.read_model().review_items(body_id="ots-pg") if i.kind == "names_fallback")
    assert all(s in item.message for s in ("AZE", "KAZ", "KGZ", "TUR", "UZB")) and item.refs == ("body:ots-pg#1",)


def test_an_unknown_collation_language_answers_and_says_so(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("ots", ["AZE", "KAZ", "KGZ", "TUR", "UZB"], "2009-10-03"),
        body("ots-pg", "ots", {"kind": "alphabetical", "language": "kk", "term": "annual"}, "2012"),
        handover("ots-pg", "2023-01-01", "KAZ"),
    ])
    every_read(tracker, "ots-pg")
    assert {"collation_fallback", "names_fallback"} <= set(kinds(tracker, "ots-pg"))


# --- The organization's own names are data ---------------------------------------------------

UNSC_2023 = ["CHN", "FRA", "RUS", "GBR", "USA", "ALB", "BRA", "GAB", "GHA", "ARE", "ECU", "JPN", "MLT", "MOZ", "CHE"]
UNSC_2024_IN = ["DZA", "GUY", "KOR", "SLE", "SVN"]
UNSC_2024_OUT = ["ALB", "BRA", "GAB", "GHA", "ARE"]
# Presidents of the Security Council, December 2023 to December 2024 (UN_SOURCE).
UNSC_PRESIDENTS = ["ECU", "FRA", "GUY", "JPN", "MLT", "MOZ", "KOR", "RUS", "SLE", "SVN", "CHE", "GBR", "USA"]


def unsc(org_id: str, names: dict[str, str] | None = None) -> list[dict[str, Any]]:
    """The Security Council's 2024 membership and monthly presidencies as an organization's body."""
    rotation: dict[str, Any] = {"kind": "alphabetical", "language": "en", "term": "monthly"}
    if names:
        rotation["names"] = names
    events = [
        ev("OrganizationRegistered", "1945-10-24", UN_SOURCE, organization_id=org_id, names={"en": "United Nations"}),
        *[ev("MembershipChanged", "2023-01-01", UN_SOURCE, organization_id=org_id, state=s, status="member")
          for s in UNSC_2023],
        *[ev("MembershipChanged", "2024-01-01", UN_SOURCE, organization_id=org_id, state=s, status="member")
          for s in UNSC_2024_IN],
        *[ev("MembershipChanged", "2024-01-01", UN_SOURCE, organization_id=org_id, state=s, status="withdrawn")
          for s in UNSC_2024_OUT],
        body(f"{org_id}-sc", org_id, rotation, "1946-01-17", UN_SOURCE),
    ]
    month = date(2023, 12, 1)
    for state in UNSC_PRESIDENTS:
        events.append(handover(f"{org_id}-sc", month.isoformat(), state, source=UN_SOURCE))
        month = (month + timedelta(days=32)).replace(day=1)
    return events


def test_security_council_2024_follows_the_uns_own_names(tracker: Tracker) -> None:
    record_all(tracker, unsc("un"))
    answer = tracker.read_model().presidency("un-sc", as_of=date(2024, 12, 15))
    assert answer is not None and answer.current is not None and answer.current.state == "USA"
    assert answer.deviations == () and answer.notes == ()
    # "Republic of Korea" under R: June 2024 was Korea's, between Mozambique and Russia.
    assert [t.state for t in answer.terms][6] == "KOR" and not answer.terms[6].deviation
    assert answer.expected_next == "DZA"  # Algeria, January 2025 (UN_SOURCE)
    assert "names_fallback" not in kinds(tracker, "un-sc", as_of=date(2024, 12, 15))


def test_without_the_uns_names_iso_breaks_the_order_and_the_answer_says_why(tracker: Tracker) -> None:
    record_all(tracker, unsc("unsc"))
    answer = tracker.read_model().presidency("unsc-sc", as_of=date(2024, 12, 15))
    assert answer is not None
    # ISO's official names file China as "People's Republic of China" and the UK and USA
    # under their long names: the order is no longer the UN's, and the answer says why.
    assert answer.deviations and any("CHN" in n for n in answer.notes)
    assert "names_fallback" in kinds(tracker, "unsc-sc", as_of=date(2024, 12, 15))


def test_names_recorded_in_the_rule_override_and_amend_by_rule_change(tracker: Tracker) -> None:
    un_names = {"CHN": "China", "FRA": "France", "RUS": "Russian Federation", "USA": "United States of America",
                "GBR": "United Kingdom of Great Britain and Northern Ireland", "ECU": "Ecuador", "JPN": "Japan",
                "MLT": "Malta", "MOZ": "Mozambique", "CHE": "Switzerland", "DZA": "Algeria", "GUY": "Guyana",
                "SLE": "Sierra Leone", "SVN": "Slovenia", "ALB": "Albania", "BRA": "Brazil", "GAB": "Gabon",
                "GHA": "Ghana", "ARE": "United Arab Emirates"}
    # First recorded with Korea missing from the names: ISO's "Korea, Republic of" files it
    # under K, so Malta (April) and Mozambique (May) look like deviations and the answer
    # says that Korea's name came from ISO.
    record_all(tracker, unsc("unsc", un_names))
    before = datetime.now().astimezone()
    first = tracker.read_model().presidency("unsc-sc", as_of=date(2024, 12, 15))
    assert first is not None and first.deviations
    assert [n for n in first.notes if "ISO" in n] == [n for n in first.notes if "KOR" in n] != []
    tracker.record(ev("RotationRuleChanged", "1946-01-17", UN_SOURCE, body_id="unsc-sc", rotation={
        "kind": "alphabetical", "language": "en", "term": "monthly",
        "names": {**un_names, "KOR": "Republic of Korea"}}, reason="Korea's UN name added"))
    now = tracker.read_model().presidency("unsc-sc", as_of=date(2024, 12, 15))
    assert now is not None and now.deviations == () and now.notes == ()
    then = tracker.read_model().presidency("unsc-sc", as_of=date(2024, 12, 15), known_at=before)
    assert then is not None and then.deviations == first.deviations and then.notes == first.notes


# --- Fixed schedules from recorded events (issue 14 point 1) ----------------------------------

EU_SCHEDULE = [  # Council Decision (EU) 2016/1316, annex (EU_SOURCE)
    ("NLD", "2016-01-01"), ("SVK", "2016-07-01"), ("MLT", "2017-01-01"), ("EST", "2017-07-01"),
    ("BGR", "2018-01-01"), ("AUT", "2018-07-01"), ("ROU", "2019-01-01"), ("FIN", "2019-07-01"),
    ("HRV", "2020-01-01"), ("DEU", "2020-07-01"), ("PRT", "2021-01-01"), ("SVN", "2021-07-01"),
    ("FRA", "2022-01-01"), ("CZE", "2022-07-01"), ("SWE", "2023-01-01"), ("ESP", "2023-07-01"),
    ("BEL", "2024-01-01"), ("HUN", "2024-07-01"), ("POL", "2025-01-01"), ("DNK", "2025-07-01"),
]
EU_MEMBERS = sorted({s for s, _ in EU_SCHEDULE} | {"CYP", "IRL", "LTU", "GRC", "ITA", "LVA", "LUX"})


def eu(schedule: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """The EU, its Council and a fixed six-month schedule of presidencies."""
    rotation = {"kind": "fixed_schedule", "schedule": [{"state": s, "start": d} for s, d in schedule]}
    council = body("eu-council", "eu", rotation, "2016-07-26", EU_SOURCE)
    return [*org("eu", EU_MEMBERS, "1993-11-01", EU_SOURCE), council]


def test_a_fixed_schedule_answers_with_no_handover_recorded(tracker: Tracker) -> None:
    record_all(tracker, eu(EU_SCHEDULE))
    every_read(tracker, "eu-council")
    model = tracker.read_model()
    answer = model.presidency("eu-council", as_of=date(2024, 9, 1))
    assert answer is not None and answer.current is not None
    assert answer.current.state == "HUN" and answer.current.start.text == "2024-07-01"
    assert answer.current.refs == ("body:eu-council#1",)
    assert answer.expected_next == "POL" and answer.upcoming[:2] == (("POL", date(2025, 1, 1)),
                                                                      ("DNK", date(2025, 7, 1)))
    assert answer.deviations == () and answer.gaps == ()
    assert "schedule_ended" not in kinds(tracker, "eu-council", as_of=date(2024, 9, 1))


def test_a_handover_that_disagrees_with_the_schedule_is_a_deviation(tracker: Tracker) -> None:
    # The UK was to hold the second half of 2017; after the 2016 referendum the Council
    # moved Estonia up (Decision 2016/1316 replaced the 2009 order). Recorded against the
    # 2009-style schedule, Estonia's term is a deviation from it.
    old = [(s, d) for s, d in EU_SCHEDULE if d < "2017-07-01"] + [("GBR", "2017-07-01"), ("EST", "2018-01-01")]
    record_all(tracker, [*eu(old), handover("eu-council", "2017-07-01", "EST", "MLT", EU_SOURCE)])
    answer = tracker.read_model().presidency("eu-council", as_of=date(2017, 9, 1))
    assert answer is not None and answer.current is not None and answer.current.state == "EST"
    assert len(answer.deviations) == 1 and "GBR" in answer.deviations[0]


def test_an_amended_schedule_governs_and_the_old_one_answers_as_known_before(tracker: Tracker) -> None:
    old = [(s, d) for s, d in EU_SCHEDULE if d < "2017-07-01"] + [("GBR", "2017-07-01"), ("EST", "2018-01-01")]
    record_all(tracker, eu(old))
    before = datetime.now().astimezone()
    tracker.record(ev("RotationRuleChanged", "2016-07-26", EU_SOURCE, body_id="eu-council",
                      rotation={"kind": "fixed_schedule",
                                "schedule": [{"state": s, "start": d} for s, d in EU_SCHEDULE]},
                      reason="the United Kingdom relinquished its 2017 presidency"))
    model = tracker.read_model()
    now = model.presidency("eu-council", as_of=date(2017, 9, 1))
    assert now is not None and now.current is not None and now.current.state == "EST"
    then = model.presidency("eu-council", as_of=date(2017, 9, 1), known_at=before)
    assert then is not None and then.current is not None and then.current.state == "GBR"


def test_a_schedule_that_has_run_out_says_so(tracker: Tracker) -> None:
    record_all(tracker, eu(EU_SCHEDULE))
    answer = tracker.read_model().presidency("eu-council", as_of=date(2025, 9, 1))
    assert answer is not None and answer.current is not None and answer.current.state == "DNK"
    assert answer.upcoming == () and answer.expected_next is None
    assert any("run out" in n for n in answer.notes)
    assert "schedule_ended" in kinds(tracker, "eu-council", as_of=date(2025, 9, 1))


def test_a_schedule_with_duplicate_starts_is_refused_naming_the_field(tracker: Tracker) -> None:
    from tracker.errors import InvalidInput

    record_all(tracker, org("eu", EU_MEMBERS, "1993-11-01", EU_SOURCE))
    with pytest.raises(InvalidInput) as caught:
        tracker.record(body("eu-council", "eu", {"kind": "fixed_schedule", "schedule": [
            {"state": "NLD", "start": "2016-01-01"}, {"state": "SVK", "start": "2016-01-01"}]}, "2016", EU_SOURCE))
    assert any("schedule" in (field + message) for field, _, message in caught.value.problems)
    assert tracker.streams("body") == []
