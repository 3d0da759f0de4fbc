"""A body whose rotation rule is unknown, and a meeting held that was never scheduled, through the store.

Issue 10 point 4: an analyst records what the sources say without inventing a rule or a
schedule. Both backends (SQLite and PostgreSQL) via the `tracker` fixture.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tests.integration.test_presidency_store import SCO_MEMBERS, body, ev, every_read, handover, org, record_all
from tracker.app import Tracker
from tracker.errors import InvalidInput, RuleViolation, TrackerError
from tracker.projections.reports import FORMATS, build_report, render

UNKNOWN = {"kind": "unknown"}
ALPHA_RU = {"kind": "alphabetical", "language": "ru", "term": "per_meeting"}


def _held(meeting_id: str, on: str, **fields: object) -> dict[str, object]:
    return ev("MeetingHeld", on, meeting_id=meeting_id, **fields)


def test_unknown_rule_answers_from_evidence_and_predicts_nothing(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", UNKNOWN, "2002"),
        handover("sco-pg", "2022-06-01", "CHN"),
        # PAK is not next in any Russian alphabetical order after CHN: no rule, no deviation.
        handover("sco-pg", "2023-06-01", "PAK", "CHN"),
    ])
    every_read(tracker, "sco-pg")
    answer = tracker.read_model().presidency("sco-pg")
    assert answer is not None and answer.current is not None
    assert answer.current.state == "PAK"
    assert [t.state for t in answer.terms] == ["CHN", "PAK"]
    assert answer.expected_next is None and answer.upcoming == ()
    assert answer.deviations == () and answer.gaps == ()
    assert all(t.expected_state is None and not t.deviation for t in answer.terms)
    assert answer.rule == "rule unknown"
    assert any(note.startswith("rule unknown") for note in answer.notes)
    kinds = {i.kind for i in tracker.read_model().review_items(body_id="sco-pg")}
    assert not kinds & {"deviation", "gap"}
    status = tracker.read_model().status("body:sco-pg")
    assert status is not None

    report = build_report(tracker.read_model(), body_id="sco-pg")
    (shown,) = [p for p in report.presidencies if p.body_id == "sco-pg"]
    assert shown.expected_next is None and shown.upcoming == ()
    markdown = render(report, "md")
    assert "rule unknown" in markdown and "(predicted)" not in markdown
    for fmt in FORMATS:
        assert render(report, fmt)
    assert "правило неизвестно" in render(build_report(tracker.read_model(), body_id="sco-pg", lang="ru"), "md")


def test_unknown_rule_takes_a_chair_from_a_meeting_report(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", UNKNOWN, "2002"),
        _held("sco-pg-20", "2023-06-01", body_id="sco-pg", chaired_by="IND"),
    ])
    answer = tracker.read_model().presidency("sco-pg")
    assert answer is not None and answer.current is not None and answer.current.state == "IND"
    assert answer.expected_next is None


def test_a_later_rule_change_gives_the_real_rule(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", UNKNOWN, "2002"),
        handover("sco-pg", "2023-06-01", "KGZ", "CHN"),
        ev("RotationRuleChanged", "2023-07-01", body_id="sco-pg", rotation=ALPHA_RU),
    ])
    model = tracker.read_model()
    before = model.presidency("sco-pg", as_of=date(2023, 6, 15))
    assert before is not None and before.rule == "rule unknown"
    # Asked before the new rule takes effect, but known already: the next term follows it.
    assert before.expected_next == "PAK" and before.notes[0].startswith("rule unknown until 2023-07-01")
    unaware = model.presidency("sco-pg", as_of=date(2023, 6, 15), known_at=_known_before_rule(tracker))
    assert unaware is not None and unaware.expected_next is None and unaware.notes[0].startswith("rule unknown:")
    after = model.presidency("sco-pg")
    # Киргизия -> Пакистан in the SCO's own Russian names (ISO: Кыргызстан files it under K anyway).
    assert after is not None and after.expected_next == "PAK"
    assert not any(note.startswith("rule unknown") for note in after.notes)


def test_an_unknown_rule_refuses_invented_parts() -> None:
    from tracker.events import RotationRule

    with pytest.raises(ValueError, match="unknown"):
        RotationRule.model_validate({"kind": "unknown", "term": "annual"})


def test_a_meeting_never_scheduled_is_created_by_its_report(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        _held("sco-pg-21", "2024-05-16", body_id="sco-pg", number=21, city="Astana", host_state="KAZ",
              chaired_by="KAZ", attendees=[{"state": "KAZ"}, {"state": "RUS"}]),
    ])
    model = tracker.read_model()
    (meeting,) = model.meetings(body_id="sco-pg")
    assert meeting.meeting_id == "sco-pg-21" and meeting.organization_id == "sco"
    assert meeting.status == "held" and meeting.number == 21 and meeting.city == "Astana"
    assert meeting.host_state == "KAZ" and meeting.chaired_by == "KAZ"
    assert meeting.starts_on.text == "2024-05-16" and meeting.held_on is not None
    assert meeting.held_on.text == "2024-05-16"
    status = model.status("meeting:sco-pg-21")
    assert status is not None
    kinds = {i.kind for i in model.review_items(body_id="sco-pg")}
    assert "meeting_unconfirmed" not in kinds and "date_conflict" not in kinds
    answer = model.presidency("sco-pg")
    assert answer is not None and answer.current is not None and answer.current.state == "KAZ"
    report = build_report(model, body_id="sco-pg")
    markdown = render(report, "md")
    assert isinstance(markdown, str)
    (row,) = [line for line in markdown.splitlines() if line.startswith("| No. 21 |")]
    assert "Astana" in row and "held" in row
    # A second report of the same meeting is kept beside the first, as for a scheduled one.
    tracker.record(_held("sco-pg-21", "2024-05-16", attendance_count=8))
    (again,) = tracker.read_model().meetings(body_id="sco-pg")
    assert again.status == "held" and again.city == "Astana"


def test_a_meeting_never_scheduled_needs_its_body(tracker: Tracker) -> None:
    record_all(tracker, [*org("sco", SCO_MEMBERS, "2001-06-15"), body("sco-pg", "sco", ALPHA_RU, "2002")])
    with pytest.raises(RuleViolation, match="body_id") as refused:
        tracker.record(_held("sco-pg-22", "2025-05-16", chaired_by="KGZ"))
    assert refused.value.field == "body_id"
    with pytest.raises(TrackerError, match="body_id"):
        tracker.record(_held("sco-pg-22", "2025-05-16", body_id="no-such-body"))
    assert tracker.read_model().meetings(body_id="sco-pg") == []


def test_a_scheduled_meeting_held_under_another_body_is_refused(tracker: Tracker) -> None:
    record_all(tracker, [
        *org("sco", SCO_MEMBERS, "2001-06-15"),
        body("sco-pg", "sco", ALPHA_RU, "2002"),
        body("sco-fm", "sco", ALPHA_RU, "2002"),
        ev("MeetingScheduled", "2025-01-10", meeting_id="sco-pg-22", body_id="sco-pg", starts_on="2025-05-16"),
    ])
    with pytest.raises(RuleViolation, match="body_id"):
        tracker.record(_held("sco-pg-22", "2025-05-16", body_id="sco-fm"))
    tracker.record(_held("sco-pg-22", "2025-05-16", body_id="sco-pg", chaired_by="KGZ"))
    (meeting,) = tracker.read_model().meetings(body_id="sco-pg")
    assert meeting.status == "held" and meeting.chaired_by == "KGZ"
    with pytest.raises((InvalidInput, RuleViolation)):
        tracker.record(ev("MeetingScheduled", "2025-01-10", meeting_id="sco-pg-21x", body_id="sco-pg",
                          starts_on="not a date"))


def _known_before_rule(tracker: Tracker) -> datetime:
    """The record time just before the rule change was recorded."""
    (change,) = [r for r in tracker.history("body:sco-pg") if r.event.type_name() == "RotationRuleChanged"]
    return change.recorded_at - timedelta(microseconds=1)
