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
        handover("sco-pg", "2023-06-01", "KGZ", "CHN"),
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
        handover("sco-pg", "2023-06-01", "KGZ", "CHN"),
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


# --- Per-body seats (issue 14 point 3) -----------------------------------------------------

UN_MEMBERS_SAMPLE = ["CHN", "FRA", "RUS", "GBR", "USA", "ECU", "JPN", "MLT", "MOZ", "CHE", "DZA", "GUY", "KOR",
                     "SLE", "SVN", "DNK", "GRC", "PAK", "PAN", "SOM", "ALB", "BRA", "GAB", "GHA", "ARE", "DEU"]
ELECTED = {  # Security Council elected members and their two-year terms (UN_SOURCE, "Current Members")
    "2022-01-01": ["ALB", "BRA", "GAB", "GHA", "ARE"],
    "2023-01-01": ["ECU", "JPN", "MLT", "MOZ", "CHE"],
    "2024-01-01": ["DZA", "GUY", "KOR", "SLE", "SVN"],
    "2025-01-01": ["DNK", "GRC", "PAK", "PAN", "SOM"],
}


def security_council_with_seats() -> list[dict[str, Any]]:
    """The UN, its Security Council with permanent and elected seats, presidencies Dec 2023 - Dec 2024."""
    events = [
        *org("un", UN_MEMBERS_SAMPLE, "1945-10-24", UN_SOURCE),
        body("un-sc", "un", {"kind": "alphabetical", "language": "en", "term": "monthly"}, "1946-01-17", UN_SOURCE),
        *[ev("SeatAssigned", "1946-01-17", UN_SOURCE, body_id="un-sc", state=s, note="permanent member")
          for s in ("CHN", "FRA", "RUS", "GBR", "USA")],
    ]
    for start, states in ELECTED.items():
        until = f"{int(start[:4]) + 1}-12-31"
        events += [ev("SeatAssigned", start, UN_SOURCE, body_id="un-sc", state=s, until=until) for s in states]
    month = date(2023, 12, 1)
    for state in [*UNSC_PRESIDENTS, "DZA"]:  # Algeria, January 2025
        events.append(handover("un-sc", month.isoformat(), state, source=UN_SOURCE))
        month = (month + timedelta(days=32)).replace(day=1)
    return events


def test_a_body_with_its_own_seats_draws_its_chairs_from_them(tracker: Tracker) -> None:
    record_all(tracker, security_council_with_seats())
    model = tracker.read_model()
    answer = model.presidency("un-sc", as_of=date(2025, 1, 15))
    assert answer is not None and answer.current is not None and answer.current.state == "DZA"
    # Organization members without a seat (Germany) never come up; 2025's elected members do.
    assert answer.deviations == () and answer.gaps == () and answer.notes == ()
    assert [s for s, _ in answer.upcoming] == ["CHN", "DNK", "FRA", "GRC", "GUY", "PAK"]  # Feb-Jul 2025
    assert answer.upcoming[0][1] == date(2025, 2, 1)
    assert kinds(tracker, "un-sc", as_of=date(2025, 1, 15)) == []


# --- Chairs from every kind of evidence (issue 14 point 4) ------------------------------------


def test_a_state_keeping_the_chair_is_recorded_as_a_new_term(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        handover("sco-pg", "2023-06-01", "RUS", "PAK"),
        handover("sco-pg", "2024-06-01", "RUS", "RUS"),
    ])
    answer = tracker.read_model().presidency("sco-pg")
    assert answer is not None and [t.state for t in answer.terms] == ["RUS", "RUS"]
    assert len(answer.deviations) == 1 and "RUS kept the chair" in answer.deviations[0]
    assert answer.expected_next == "TJK"


def test_attestations_and_meetings_chaired_corroborate_or_disagree_naming_both_sources(tracker: Tracker) -> None:
    refs = record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        handover("sco-pg", "2023-06-01", "KGZ", "KAZ"),
        ev("ChairmanshipAttested", "2023-11-10", body_id="sco-pg", state="KGZ"),
        ev("MeetingScheduled", "2024-01", meeting_id="sco-pg/21-extra", body_id="sco-pg", starts_on="2024-03-05",
           host_state="KGZ"),
        ev("MeetingHeld", "2024-03-05", meeting_id="sco-pg/21-extra", chaired_by="CHN"),
    ])
    model = tracker.read_model()
    answer = model.presidency("sco-pg")
    assert answer is not None and answer.current is not None
    assert answer.current.state == "KGZ" and refs[-3] in answer.current.refs  # the attestation corroborates
    conflict = next(i for i in model.review_items(body_id="sco-pg") if i.kind == "evidence_conflict")
    assert conflict.refs == ("meeting:sco-pg/21-extra", refs[-4]) and "CHN" in conflict.message
    # The same answer from the events (as of a past date) as from the views (now).
    past = model.review_items(body_id="sco-pg", as_of=date(2024, 12, 31))
    assert [i for i in past if i.kind == "evidence_conflict"] == [conflict]


def test_an_attestation_alone_begins_the_record(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        ev("ChairmanshipAttested", "2019-05-01", body_id="sco-pg", state="KGZ"),
    ])
    answer = tracker.read_model().presidency("sco-pg")
    assert answer is not None and answer.current is not None and answer.current.state == "KGZ"
    assert answer.expected_next == "PAK"


# --- Deviations a person would write (issue 14 point 5) --------------------------------------

SUMMITS_SOURCE = {"publisher": "SCO Secretariat", "title": "Meetings of the Council of Heads of State (2001-2011)",
                  "url": "https://eng.sectsco.org/", "language": "en"}


def test_sco_summits_2008_2009_swap_is_reported_once(tracker: Tracker) -> None:
    founders = ["CHN", "KAZ", "KGZ", "RUS", "TJK", "UZB"]
    summits = [("2006-06-15", "CHN"), ("2007-08-16", "KGZ"), ("2008-08-28", "TJK"), ("2009-06-16", "RUS"),
               ("2010-06-11", "UZB"), ("2011-06-15", "KAZ"), ("2012-06-07", "CHN")]
    events = [*org("sco", founders, "2001-06-15", SUMMITS_SOURCE),
              body("sco-chs", "sco", ALPHA_RU, "2001-06-15", SUMMITS_SOURCE)]
    previous = None
    for day, state in summits:
        events.append(handover("sco-chs", day, state, previous, SUMMITS_SOURCE))
        previous = state
    refs = record_all(tracker, events)
    answer = tracker.read_model().presidency("sco-chs", as_of=date(2012, 12, 31))
    assert answer is not None and len(answer.deviations) == 1
    assert answer.deviations[0].startswith("TJK and RUS exchanged turns")
    (item,) = [i for i in tracker.read_model().review_items(body_id="sco-chs", as_of=date(2012, 12, 31))
               if i.kind == "deviation"]
    assert item.refs == (refs[-5], refs[-4])  # Dushanbe 2008 and Yekaterinburg 2009


ASEAN_SOURCE = {"publisher": "ASEAN Secretariat", "title": "ASEAN Chairmanship; Chairman's Statement of the "
                "46th ASEAN Summit (2025-05-26): the Philippines to assume the Chairmanship in 2026",
                "url": "https://asean.org/", "language": "en"}


def test_asean_2026_term_names_the_term_it_changes(tracker: Tracker) -> None:
    members = ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"]
    chairs = [("2019-01-01", "THA"), ("2020-01-01", "VNM"), ("2021-01-01", "BRN"), ("2022-01-01", "KHM"),
              ("2023-01-01", "IDN"), ("2024-01-01", "LAO"), ("2025-01-01", "MYS")]
    record_all(tracker, [
        *org("asean", members, "1999-04-30", ASEAN_SOURCE),
        body("asean-summit", "asean", {"kind": "alphabetical", "language": "en", "term": "annual"}, "2008-12-15",
             ASEAN_SOURCE),
        *[handover("asean-summit", day, state, source=ASEAN_SOURCE) for day, state in chairs],
        ev("RotationOverridden", "2025-05-26", ASEAN_SOURCE, body_id="asean-summit", override="skip",
           states=["MMR"], term="2026", reason="Myanmar did not take its 2026 turn; the Philippines chairs"),
    ])
    answer = tracker.read_model().presidency("asean-summit", as_of=date(2025, 9, 1))
    assert answer is not None and answer.notes == ()  # "Lao PDR", "Viet Nam": ASEAN's own names, shipped
    # 2026 the Philippines (in Myanmar's place), then the cycle as usual -- Myanmar's later turns are untouched.
    assert [s for s, _ in answer.upcoming][:3] == ["PHL", "SGP", "THA"]
    # Myanmar's next turn (2035, after a full cycle) is untouched by the 2026 override.
    later = tracker.read_model().presidency("asean-summit", as_of=date(2035, 6, 1))
    assert later is not None and any("2035-01-01" in g and "expected MMR" in g for g in later.gaps)


# --- Dates historians write (issue 14 point 7, issue 9 point 7) -----------------------------


def test_a_handover_known_as_one_of_two_years_answers_with_its_bounds(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        handover("sco-pg", "[2013,2014]", "KGZ", "CHN"),
        handover("sco-pg", "2015/2016", "PAK", "KGZ"),
    ])
    model = tracker.read_model()
    assert model.presidency("sco-pg", as_of=date(2012, 12, 31)).current is None  # type: ignore[union-attr]
    first = model.presidency("sco-pg", as_of=date(2013, 6, 1))
    assert first is not None and first.current is not None and first.current.start.text == "[2013,2014]"
    assert (first.current.start.earliest, first.current.start.latest) == (date(2013, 1, 1), date(2014, 12, 31))
    now = model.presidency("sco-pg")
    assert now is not None and now.current is not None and now.current.start.describe() == "2015/2016, year precision"
    from tracker.errors import InvalidInput

    with pytest.raises(InvalidInput) as caught:
        tracker.record(handover("sco-pg", "\uff12\uff10\uff12\uff14-\uff10\uff17-\uff12\uff15", "RUS", "PAK"))
    assert [field for field, _, _ in caught.value.problems] == ["occurred_on"]


# --- Other rule kinds (issue 14 point 9) ---------------------------------------------------

ARCTIC_SOURCE = {"publisher": "Arctic Council", "title": "Chairmanships of the Arctic Council (1996-2027)",
                 "url": "https://arctic-council.org/about/previous-chairmanships/", "language": "en"}
# Ministerial meetings where the chair passed: Kiruna, Iqaluit, Fairbanks, Rovaniemi, Reykjavik,
# (virtual) 2023, Tromso 2025.
ARCTIC_HANDOVERS = [("2013-05-15", "SWE", "CAN"), ("2015-04-24", "CAN", "USA"), ("2017-05-11", "USA", "FIN"),
                    ("2019-05-07", "FIN", "ISL"), ("2021-05-20", "ISL", "RUS"), ("2023-05-11", "RUS", "NOR"),
                    ("2025-05-12", "NOR", "DNK")]
ARCTIC_ORDER = ["CAN", "USA", "FIN", "ISL", "RUS", "NOR", "DNK", "SWE"]


def arctic(extra: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The Arctic Council: a fixed order of eight states, two-year chairmanships from May of odd years."""
    rule = {"kind": "cycle", "order": ARCTIC_ORDER, "term": "months", "term_months": 24, "anchor": "2013-05-15"}
    return [
        *org("arctic-council", ARCTIC_ORDER, "1996-09-19", ARCTIC_SOURCE),
        body("arctic-council-ministerial", "arctic-council", rule, "1996-09-19", ARCTIC_SOURCE),
        *[handover("arctic-council-ministerial", day, to, frm, ARCTIC_SOURCE) for day, frm, to in ARCTIC_HANDOVERS],
        *(extra or []),
    ]


def test_a_fixed_order_cycle_with_two_year_terms(tracker: Tracker) -> None:
    record_all(tracker, arctic())
    answer = tracker.read_model().presidency("arctic-council-ministerial", as_of=date(2025, 9, 1))
    assert answer is not None and answer.current is not None and answer.current.state == "DNK"
    assert answer.deviations == () and answer.gaps == () and answer.notes == ()
    assert answer.upcoming[:3] == (("SWE", date(2027, 5, 15)), ("CAN", date(2029, 5, 15)),
                                   ("USA", date(2031, 5, 15)))
    assert "cycle" in answer.rule and "24 months" in answer.rule
    # A chairmanship not handed over by its boundary is a gap, as for any cycle.
    late = tracker.read_model().presidency("arctic-council-ministerial", as_of=date(2027, 9, 1))
    assert late is not None and [g.split(":")[0] for g in late.gaps] == ["2027-05-15 to 2029-05-15"]


def test_a_standing_exclusion_holds_until_readmitted(tracker: Tracker) -> None:
    # Hypothetical, to exercise the rule: the other members decide that Sweden takes no
    # turn until further notice, and later readmit it.
    record_all(tracker, arctic([
        ev("RotationOverridden", "2026-01-10", ARCTIC_SOURCE, body_id="arctic-council-ministerial",
           override="exclude", states=["SWE"], reason="hypothetical: Sweden stands aside until further notice",
           unsourced=False),
    ]))
    model = tracker.read_model()
    excluded = model.presidency("arctic-council-ministerial", as_of=date(2026, 2, 1), horizon=10)
    assert excluded is not None and [s for s, _ in excluded.upcoming][:8] == [
        "CAN", "USA", "FIN", "ISL", "RUS", "NOR", "DNK", "CAN"]
    tracker.record(ev("RotationOverridden", "2026-06-01", ARCTIC_SOURCE, body_id="arctic-council-ministerial",
                      override="readmit", states=["SWE"], reason="hypothetical: Sweden takes its turns again"))
    readmitted = model.presidency("arctic-council-ministerial", as_of=date(2026, 7, 1))
    assert readmitted is not None and readmitted.expected_next == "SWE"


NORDIC_SOURCE = {"publisher": "Nordic Co-operation", "title": "Presidency of the Nordic Council of Ministers",
                 "url": "https://www.norden.org/en/information/presidency-nordic-council-ministers", "language": "en"}


def test_a_cycle_the_body_fixed_is_not_alphabetical(tracker: Tracker) -> None:
    # Finland 2021, Norway 2022, Iceland 2023, Sweden 2024, Denmark 2025: Iceland after Norway.
    order = ["DNK", "FIN", "NOR", "ISL", "SWE"]
    chairs = [("2021-01-01", "FIN"), ("2022-01-01", "NOR"), ("2023-01-01", "ISL"), ("2024-01-01", "SWE"),
              ("2025-01-01", "DNK")]
    record_all(tracker, [
        *org("nordic", order, "1971-07-01", NORDIC_SOURCE),
        body("nordic-council-of-ministers", "nordic", {"kind": "cycle", "order": order, "term": "annual"},
             "1971-07-01", NORDIC_SOURCE),
        *[handover("nordic-council-of-ministers", day, state, source=NORDIC_SOURCE) for day, state in chairs],
    ])
    answer = tracker.read_model().presidency("nordic-council-of-ministers", as_of=date(2025, 6, 1))
    assert answer is not None and answer.deviations == () and answer.gaps == ()
    assert [s for s, _ in answer.upcoming][:2] == ["FIN", "NOR"] and answer.upcoming[0][1] == date(2026, 1, 1)


def test_cycle_rules_are_refused_without_an_order_or_with_a_stray_term_length(tracker: Tracker) -> None:
    from tracker.errors import InvalidInput

    record_all(tracker, org("nordic", ["DNK", "FIN"], "1971-07-01", NORDIC_SOURCE))
    for rotation in ({"kind": "cycle", "order": ["DNK"], "term": "annual"},
                     {"kind": "alphabetical", "language": "en", "term": "annual", "term_months": 6}):
        with pytest.raises(InvalidInput):
            tracker.record(body("nordic-com", "nordic", rotation, "1971-07-01", NORDIC_SOURCE))
    assert tracker.streams("body") == []


# --- Meetings as sources report them (issue 14 point 6) -------------------------------------

OTS_PG_SOURCES = [
    {"publisher": "Kabar", "title": "Prosecutors General of the Turkic States met in Bishkek", "language": "en"},
    {"publisher": "AKIpress", "title": "OTS Council of Prosecutors General: nine delegations", "language": "en"},
]


def test_a_second_report_of_a_meeting_is_stored_and_its_disagreement_reviewed(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("ots", ["AZE", "KAZ", "KGZ", "TUR", "UZB"], "2009-10-03"),
        body("ots-pg", "ots", {"kind": "host_of_next_meeting"}, "2012"),
        ev("MeetingScheduled", "2024-06", meeting_id="ots-pg/3", body_id="ots-pg", number=3, starts_on="2024-07-25",
           host_state="KGZ"),
    ])
    first = tracker.record(ev("MeetingHeld", "2024-07-25", OTS_PG_SOURCES[0], meeting_id="ots-pg/3",
                              attendance_count=10, chaired_by="KGZ"))
    second = tracker.record(ev("MeetingHeld", "2024-07-25", OTS_PG_SOURCES[1], meeting_id="ots-pg/3",
                               attendance_count=9, chaired_by="KGZ"))
    assert second.stored and first.ref != second.ref
    model = tracker.read_model()
    (item,) = [i for i in model.review_items(body_id="ots-pg") if i.kind == "report_conflict"]
    assert set(item.refs) == {first.ref, second.ref} and "delegations: 10 vs 9" in item.message
    meeting = model.status("meeting:ots-pg/3")
    assert meeting is not None and meeting.status == "held" and meeting.attendance_count == 9


def test_a_count_may_not_be_fewer_than_the_names_listed(tracker: Tracker) -> None:
    from tracker.errors import InvalidInput

    record_all(tracker, [
        *org("ots", ["AZE", "KAZ", "KGZ", "TUR", "UZB"], "2009-10-03"),
        body("ots-pg", "ots", {"kind": "host_of_next_meeting"}, "2012"),
        ev("MeetingScheduled", "2024-06", meeting_id="ots-pg/3", body_id="ots-pg", starts_on="2024-07-25"),
    ])
    with pytest.raises(InvalidInput) as caught:
        tracker.record(ev("MeetingHeld", "2024-07-25", meeting_id="ots-pg/3", attendance_count=1,
                          attendees=[{"state": "KAZ"}, {"state": "KGZ"}]))
    assert any("attendance_count: 1 is fewer than the 2 attendees" in message
               for _, _, message in caught.value.problems)


def test_unrecorded_numbers_and_meetings_that_passed_unconfirmed_are_listed(tracker: Tracker) -> None:
    meetings = [(14, "2016-06-08", "held"), (16, "2018-09-20", "held"), (17, "2019-08-22", "held"),
                (18, "2021-10-27", "scheduled")]
    events = [*org("sco", SCO_MEMBERS, "2001-06-15"), body("sco-pg", "sco", ALPHA_RU, "2002")]
    for number, day, status in meetings:
        events.append(ev("MeetingScheduled", day[:4], meeting_id=f"sco-pg/{number}", body_id="sco-pg",
                         number=number, starts_on=day))
        if status == "held":
            events.append(ev("MeetingHeld", day, meeting_id=f"sco-pg/{number}"))
    record_all(tracker, events)
    items = {i.kind: i for i in tracker.read_model().review_items(body_id="sco-pg", as_of=date(2022, 1, 1))}
    assert "numbered 15 have no record " in items["meeting_unrecorded"].message
    assert items["meeting_unconfirmed"].refs == ("meeting:sco-pg/18",)


# --- Renaming (issue 14 point 8) ----------------------------------------------------------

OTS_RENAMED = {"publisher": "Organization of Turkic States", "title": "Istanbul Declaration of the 8th Summit "
               "(2021-11-12): the Turkic Council renamed the Organization of Turkic States",
               "url": "https://www.turkicstates.org/en/haberler/", "language": "en"}


def test_names_asked_as_of_a_date_are_the_names_in_use_then(tracker: Tracker) -> None:
    record_all(tracker, [
        ev("OrganizationRegistered", "2009-10-03", OTS_RENAMED, organization_id="ots",
           names={"en": "Cooperation Council of Turkic Speaking States"}, abbreviations={"en": "Turkic Council"}),
        ev("OrganizationRenamed", "2021-11-12", OTS_RENAMED, organization_id="ots",
           names={"en": "Organization of Turkic States"}, abbreviations={"en": "OTS"}),
        body("ots-pg", "ots", {"kind": "host_of_next_meeting"}, "2012", OTS_RENAMED),
        ev("BodyRenamed", "2021-11-12", OTS_RENAMED, body_id="ots-pg",
           names={"en": "Council of Prosecutors General of the OTS"}),
    ])
    model = tracker.read_model()
    then = model.status("organization:ots", as_of=date(2020, 1, 1))
    now = model.status("organization:ots")
    assert then.names == {"en": "Cooperation Council of Turkic Speaking States"}
    assert then.abbreviations == {"en": "Turkic Council"} and then.former_names == ()
    assert now.names == {"en": "Organization of Turkic States"} and now.abbreviations == {"en": "OTS"}
    assert [(f.name, f.until.text) for f in now.former_names] == [
        ("Cooperation Council of Turkic Speaking States", "2021-11-12")]
    timeline = [d.summary for d in model.timeline("organization:ots")]
    assert "Renamed: Organization of Turkic States" in timeline
    from tracker.projections.reduce import reduce_body

    records = tracker.history("body:ots-pg")
    old = reduce_body(records, as_of=date(2020, 1, 1), known_at=datetime.now().astimezone())
    new = reduce_body(records, as_of=date(2022, 1, 1), known_at=datetime.now().astimezone())
    assert old is not None and new is not None and old.names != new.names


UNGA_SOURCE = {"publisher": "United Nations General Assembly", "title": "Presidents of the General Assembly "
               "(72nd-80th sessions); resolution 33/138 on the regional rotation",
               "url": "https://www.un.org/pga/", "language": "en"}
UNGA_GROUPS = [
    {"name": "Eastern European", "states": ["SVK", "HUN", "POL"]},
    {"name": "Latin American and Caribbean", "states": ["ECU", "TTO", "BRA"]},
    {"name": "African", "states": ["NGA", "CMR", "ZAF"]},
    {"name": "Western European and others", "states": ["TUR", "DEU", "FRA"]},
    {"name": "Asia-Pacific", "states": ["MDV", "IND", "JPN"]},
]
# Sessions open in September: Slovakia 2017, Ecuador 2018, Nigeria 2019, Turkey 2020,
# Maldives 2021, Hungary 2022, Trinidad and Tobago 2023, Cameroon 2024, Germany 2025.
UNGA_PRESIDENTS = [("2017-09-12", "SVK"), ("2018-09-18", "ECU"), ("2019-09-17", "NGA"), ("2020-09-15", "TUR"),
                   ("2021-09-14", "MDV"), ("2022-09-13", "HUN"), ("2023-09-05", "TTO"), ("2024-09-10", "CMR"),
                   ("2025-09-09", "DEU")]


def test_rotation_among_regional_groups(tracker: Tracker) -> None:
    states = [s for g in UNGA_GROUPS for s in g["states"]]
    rule = {"kind": "regional", "groups": UNGA_GROUPS, "term": "annual", "anchor": "09-15"}
    record_all(tracker, [
        *org("un", states, "1945-10-24", UNGA_SOURCE),
        body("unga", "un", rule, "1946-01-10", UNGA_SOURCE),
        *[handover("unga", day, state, source=UNGA_SOURCE) for day, state in UNGA_PRESIDENTS],
    ])
    answer = tracker.read_model().presidency("unga", as_of=date(2025, 10, 1))
    assert answer is not None and answer.current is not None and answer.current.state == "DEU"
    assert answer.deviations == () and answer.gaps == ()
    # The 81st session (2026) is Asia-Pacific's: the group picks the state.
    assert answer.upcoming[:2] == (("group:Asia-Pacific", date(2026, 9, 15)), ("group:Eastern European",
                                                                                date(2027, 9, 15)))
    # A president from the wrong group is a deviation naming the group whose turn it was.
    tracker.record(handover("unga", "2026-09-08", "FRA", "DEU", UNGA_SOURCE))
    later = tracker.read_model().presidency("unga", as_of=date(2026, 10, 1))
    assert later is not None and len(later.deviations) == 1 and "group:Asia-Pacific" in later.deviations[0]
