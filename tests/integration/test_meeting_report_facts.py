"""What a report that a meeting was held says about its format, number and place, through the store.

Issue 10: a meeting created from its report has no known format (not a guessed in_person), and
a report's number, city or host state for a scheduled meeting is kept as that source's fact; a
disagreement with the schedule (or a relocation) is a review item, as conflicting reports are.
Both backends via the `tracker` fixture; the views and the events give the same answers.
"""

from __future__ import annotations

from typing import Any

from tests.integration.test_presidency_store import SCO_MEMBERS, body, ev, org, record_all
from tracker.app import Tracker
from tracker.projections.model import MeetingStatus, ReviewItem
from tracker.projections.reports import build_report, render

ALPHA_RU = {"kind": "alphabetical", "language": "ru", "term": "per_meeting"}


def _world(tracker: Tracker, *events: dict[str, Any]) -> list[str]:
    return record_all(tracker, [*org("sco", SCO_MEMBERS, "2001-06-15"), body("sco-pg", "sco", ALPHA_RU, "2002"),
                                *events])


def _scheduled(**fields: Any) -> dict[str, Any]:
    return ev("MeetingScheduled", "2025-01-10", meeting_id="sco-pg-22", body_id="sco-pg", starts_on="2025-05-16",
              **fields)


def _held(**fields: Any) -> dict[str, Any]:
    return ev("MeetingHeld", "2025-05-16", meeting_id="sco-pg-22", **fields)


def _meeting(tracker: Tracker) -> MeetingStatus:
    answers = []
    for use_views in (True, False):
        (meeting,) = tracker.read_model(use_views=use_views).meetings(body_id="sco-pg")
        status = tracker.read_model(use_views=use_views).status("meeting:sco-pg-22")
        assert status == meeting
        answers.append(meeting)
    assert answers[0] == answers[1]
    return answers[0]


def _conflicts(tracker: Tracker) -> list[ReviewItem]:
    found = []
    for use_views in (True, False):
        items = tracker.read_model(use_views=use_views).review_items(body_id="sco-pg")
        found.append([i for i in items if i.entity == "meeting:sco-pg-22" and i.kind == "report_conflict"])
    assert found[0] == found[1]
    return found[0]


def test_a_meeting_known_only_from_its_report_has_an_unknown_format(tracker: Tracker) -> None:
    _world(tracker, _held(body_id="sco-pg", number=22, city="Bishkek"))
    meeting = _meeting(tracker)
    assert meeting.format == "unknown"
    report = build_report(tracker.read_model(), body_id="sco-pg")
    html = render(report, "html")
    assert isinstance(html, str) and '"@type":"Event"' in html.replace(" ", "")
    assert "AttendanceMode" not in html  # not guessed in the report's structured data


def test_a_relocation_gives_the_format_of_a_meeting_known_from_its_report(tracker: Tracker) -> None:
    _world(tracker, _held(body_id="sco-pg"), ev("MeetingRelocated", "2025-05-20", meeting_id="sco-pg-22",
                                                format="virtual"))
    assert _meeting(tracker).format == "virtual"


def test_a_scheduled_meeting_keeps_its_format(tracker: Tracker) -> None:
    _world(tracker, _scheduled(format="hybrid"), _held())
    assert _meeting(tracker).format == "hybrid"
    html = render(build_report(tracker.read_model(), body_id="sco-pg"), "html")
    assert isinstance(html, str) and "MixedEventAttendanceMode" in html


def test_the_report_fills_what_the_schedule_left_unknown(tracker: Tracker) -> None:
    _world(tracker, _scheduled(), _held(number=22, city="Bishkek", host_state="KGZ"))
    meeting = _meeting(tracker)
    assert (meeting.number, meeting.city, meeting.host_state) == (22, "Bishkek", "KGZ")
    assert _conflicts(tracker) == []


def test_a_report_that_agrees_with_the_schedule_raises_nothing(tracker: Tracker) -> None:
    _world(tracker, _scheduled(number=22, city="Bishkek", host_state="KGZ"),
           _held(number=22, city="Bishkek", host_state="KGZ"))
    meeting = _meeting(tracker)
    assert (meeting.number, meeting.city, meeting.host_state) == (22, "Bishkek", "KGZ")
    assert _conflicts(tracker) == []


def test_a_report_that_disagrees_with_the_schedule_is_a_review_item(tracker: Tracker) -> None:
    scheduled, held = _world(tracker, _scheduled(number=22, city="Bishkek", host_state="KGZ"),
                             _held(number=23, city="Cholpon-Ata", host_state="KGZ"))[-2:]
    meeting = _meeting(tracker)
    # The report of the meeting held says what happened; the schedule said what was planned.
    assert (meeting.number, meeting.city, meeting.host_state) == (23, "Cholpon-Ata", "KGZ")
    items = _conflicts(tracker)
    assert sorted(i.message for i in items) == [
        f"{held} reports the meeting's city as Cholpon-Ata, {scheduled} as Bishkek",
        f"{held} reports the meeting's number as 23, {scheduled} as 22",
    ]
    assert all(i.refs == (scheduled, held) for i in items)


def test_a_report_that_disagrees_with_a_relocation_cites_the_relocation(tracker: Tracker) -> None:
    refs = _world(tracker, _scheduled(city="Bishkek"),
                  ev("MeetingRelocated", "2025-03-01", meeting_id="sco-pg-22", city="Osh"),
                  _held(city="Bishkek"))
    relocated, held = refs[-2:]
    assert _meeting(tracker).city == "Bishkek"
    (item,) = _conflicts(tracker)
    assert item.refs == (relocated, held)
    assert item.message == f"{held} reports the meeting's city as Bishkek, {relocated} as Osh"


def test_two_reports_that_disagree_on_the_place_are_one_review_item(tracker: Tracker) -> None:
    refs = _world(tracker, _held(body_id="sco-pg", city="Bishkek"), _held(city="Osh", attendance_count=5))
    first, second = refs[-2:]
    assert _meeting(tracker).city == "Osh"
    (item,) = _conflicts(tracker)
    assert item.refs == (first, second)
    assert "city: Bishkek vs Osh" in item.message
