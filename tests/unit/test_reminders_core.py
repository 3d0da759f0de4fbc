"""The pure reminder core: what is due when, under which key; the config; the calendar feed."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from icalendar import Calendar

from tests.unit.reminder_fakes import commitment, development, meeting, pd, presidency, status_change
from tracker.errors import InvalidInput, as_tracker_error
from tracker.projections.errors import QueryRefused
from tracker.projections.reminders import (
    RecipientGroup,
    Rule,
    build_digest_content,
    digest_reminders,
    digest_slot,
    due_reminders,
    fact_token,
    settle_lateness,
)
from tracker.reminders.calendar import build_calendar
from tracker.reminders.config import ReminderConfigError, load_config, parse_config, smtp_settings, webhook_secret

SCO = RecipientGroup("sco-desk", organizations=("sco",), addresses=("sco@example.org",))
OTS = RecipientGroup("ots-desk", organizations=("ots",), addresses=("ots@example.org",))
DEADLINE = Rule("deadline", "deadline_approaching", ("log",), (SCO, OTS), days_before=(30, 7, 1))
OVERDUE = Rule("overdue", "overdue", ("log",), (SCO,))
MEETING = Rule("meeting", "meeting_upcoming", ("log",), (), days_before=(14, 1))
CHAIR = Rule("chair", "chair_term_ending", ("log",), (), days_before=(30,))


def at(day: str, hour: int = 12) -> datetime:
    return datetime.combine(date.fromisoformat(day), time(hour), tzinfo=UTC)


def due(rules: list[Rule], now: datetime, *, commitments=(), meetings=(), presidencies=()):  # type: ignore[no-untyped-def]
    return due_reminders(rules, commitments=list(commitments), meetings=list(meetings),
                         presidencies=list(presidencies), now=now)


@pytest.mark.parametrize(("day", "stage", "late"), [
    ("2025-05-31", "30d", False),  # exactly 30 days before June 30
    ("2025-06-10", "30d", True),   # still the 30-day stage (its day has passed: late if not yet issued)
    ("2025-06-23", "7d", False),
    ("2025-06-29", "1d", False),
    ("2025-06-30", "1d", True),    # the due day itself: the 1-day stage, a day late
])
def test_deadline_stage_is_the_nearest_offset_that_has_come(day: str, stage: str, late: bool) -> None:
    [r] = due([DEADLINE], at(day), commitments=[commitment("c", due="2025-06-30")])
    assert r.key == f"deadline:commitment:c:v1:{stage}"
    assert r.late is late
    assert r.recipients == ("sco@example.org",)
    assert r.groups == ("sco-desk",)


def test_no_deadline_reminder_before_the_first_offset_nor_after_the_deadline() -> None:
    c = commitment("c", due="2025-06-30")
    assert due([DEADLINE], at("2025-05-30"), commitments=[c]) == []
    assert due([DEADLINE], at("2025-07-01"), commitments=[c]) == []


def test_a_month_of_downtime_yields_one_late_reminder_not_every_missed_stage() -> None:
    reminders = due([DEADLINE], at("2025-06-25"), commitments=[commitment("c", due="2025-06-30")])
    assert [(r.key, r.late, r.due_on) for r in reminders] == [("deadline:commitment:c:v1:7d", True, date(2025, 6, 23))]
    assert "Issued late" in reminders[0].body


def test_changed_deadline_is_a_new_key_and_month_precision_uses_the_last_day() -> None:
    before = due([DEADLINE], at("2025-06-25"), commitments=[commitment("c", due="2025-06-30", due_version=1)])
    after = due([DEADLINE], at("2025-06-25"), commitments=[commitment("c", due="2025-06", due_version=2)])
    assert before[0].key != after[0].key
    assert after[0].key == "deadline:commitment:c:v2:7d"


def test_closed_commitments_and_uncovered_organizations_are_not_reminded() -> None:
    rows = [commitment("done", status="fulfilled"), commitment("other", org="asean"), commitment("ots", org="ots")]
    reminders = due([DEADLINE], at("2025-06-25"), commitments=rows)
    assert [(r.entity, r.recipients) for r in reminders] == [("commitment:ots", ("ots@example.org",))]


def test_overdue_once_per_due_version() -> None:
    reminders = due([OVERDUE], at("2025-07-10"), commitments=[
        commitment("a", due="2025-06-30", overdue=True, due_version=3),
        commitment("b", due="2025-06-30", overdue=True, status="fulfilled"),
        commitment("c", due="2025-08-30", overdue=False),
    ])
    assert [(r.key, r.late, r.due_on) for r in reminders] == [("overdue:commitment:a:v3", True, date(2025, 7, 1))]


def test_stale_by_rule_days_keys_on_the_last_development() -> None:
    rule = Rule("stale", "stale", ("log",), stale_after_days=100)
    old = development("commitment:c#4", occurred="2024-12-01", recorded_at=datetime(2024, 12, 2, tzinfo=UTC))
    [r] = due([rule], at("2025-03-20"), commitments=[commitment("c", last=old)])
    assert r.key == "stale:commitment:c:after:commitment:c#4"
    assert r.due_on == date(2025, 3, 12)  # 100 days after the record day
    assert due([rule], at("2025-03-01"), commitments=[commitment("c", last=old)]) == []
    # Without stale_after_days the read model's flag decides.
    flag_rule = Rule("stale", "stale", ("log",))
    assert len(due([flag_rule], at("2025-03-01"), commitments=[commitment("c", stale=True)])) == 1
    assert due([flag_rule], at("2025-03-01"), commitments=[commitment("c", stale=False)]) == []


def test_meeting_reminders_follow_reschedules_and_skip_cancelled() -> None:
    now = at("2025-06-25")
    [r] = due([MEETING], now, meetings=[meeting("m", starts="2025-07-04", count=2)])
    assert (r.key, r.late) == ("meeting:meeting:m:r2:14d", True)
    assert "Astana" in r.body
    assert due([MEETING], now, meetings=[meeting("m", starts="2025-07-04", status="cancelled")]) == []
    # Month precision: warned ahead of the earliest possible day.
    [r] = due([MEETING], at("2025-06-20"), meetings=[meeting("m", starts="2025-07")])
    assert r.due_on == date(2025, 6, 17)


def test_chair_term_ending_names_who_is_expected_next() -> None:
    [r] = due([CHAIR], at("2025-06-10"), presidencies=[presidency(end="2025-07-04", expected_next="CHN")])
    assert r.key == "chair:body:sco-hos:KAZ:2024-07-04:2025-07-04:30d"
    assert "Expected next under the rule (alphabetical (ru), per_meeting): CHN" in r.body
    assert due([CHAIR], at("2025-06-10"), presidencies=[presidency(end=None)]) == []


def test_naive_now_is_refused() -> None:
    with pytest.raises(QueryRefused, match="timezone-aware") as refused:
        due([DEADLINE], datetime(2025, 6, 1), commitments=[commitment()])
    assert refused.value.problems[0][:2] == ("now", "2025-06-01T00:00:00")
    assert isinstance(as_tracker_error(refused.value), InvalidInput)


def test_digest_slot_is_the_latest_weekly_time_and_one_per_slot() -> None:
    rule = Rule("weekly", "digest", ("log",), weekday=0, at=time(8, 0))
    assert digest_slot(rule, at("2025-06-16", 9)) == datetime(2025, 6, 16, 8, tzinfo=UTC)  # Monday after 08:00
    assert digest_slot(rule, at("2025-06-16", 7)) == datetime(2025, 6, 9, 8, tzinfo=UTC)   # Monday before 08:00
    assert digest_slot(rule, at("2025-06-20")) == datetime(2025, 6, 16, 8, tzinfo=UTC)
    content = build_digest_content([], [], since=at("2025-06-09"), now=at("2025-06-20"), scope="all")
    [r] = digest_reminders(rule, slot=digest_slot(rule, at("2025-06-20")), now=at("2025-06-20"),
                           contents=[(None, at("2025-06-09"), content)])
    assert r.key == "weekly:digest:*:2025-06-16"
    assert r.late is True
    assert r.attachments[0].content_type == "text/html"


def test_digest_content_lists_changes_and_escapes_html() -> None:
    content = build_digest_content(
        [development("commitment:c#2", summary="Progress <b>assessed</b>")],
        [status_change(before="undertaken", after="fulfilled")],
        since=at("2025-06-09"), now=at("2025-06-16"), scope="sco-desk",
    )
    assert "| commitment:c | status | undertaken | fulfilled |" in content.markdown
    assert "Progress <b>assessed</b> (commitment:c#2)" in content.markdown
    assert "Progress &lt;b&gt;assessed&lt;/b&gt;" in content.html
    assert "1 status changes, 1 developments" in content.subject


def test_shipped_config_loads_with_the_issue_defaults() -> None:
    config = load_config()
    rules = {r.name: r for r in config.core_rules()}
    assert rules["deadline-approaching"].days_before == (30, 7, 1)
    assert rules["meeting-upcoming"].days_before == (14, 1)
    assert {r.kind for r in rules.values()} >= {
        "deadline_approaching", "overdue", "stale", "meeting_upcoming", "chair_term_ending", "digest"}


@pytest.mark.parametrize(("text", "needle"), [
    ('[[rules]]\nname="r"\nkind="overdue"\nchannels=["nope"]', "rules.0.channels: unknown channel (value: 'nope')"),
    ('[channels.c]\ntype="log"\n[[rules]]\nname="r"\nkind="deadline_approaching"\ndays_before=[-3]\nchannels=["c"]',
     "rules.0.days_before.0"),
    ('[channels.c]\ntype="log"\n[[rules]]\nname="r"\nkind="bogus"\nchannels=["c"]', "(value: 'bogus')"),
    ('[channels.e]\ntype="email"\nfrom_address="a@b"\npassword="hunter2"', "channels.e.password"),
    ('[channels.c]\ntype="log"\n[[rules]]\nname="r"\nkind="overdue"\nrecipients=["x"]\nchannels=["c"]',
     "rules.0.recipients: unknown recipient group (value: 'x')"),
])
def test_bad_config_names_field_and_value(text: str, needle: str) -> None:
    with pytest.raises(ReminderConfigError) as info:
        parse_config(text)
    assert needle in str(info.value)
    assert "hunter2" not in str(info.value)


def test_secrets_come_from_the_environment_only() -> None:
    with pytest.raises(ReminderConfigError, match="TRACKER_SMTP_HOST"):
        smtp_settings({})
    with pytest.raises(ReminderConfigError, match=r"TRACKER_SMTP_PORT: not a port number \(value: 'abc'\)"):
        smtp_settings({"TRACKER_SMTP_HOST": "h", "TRACKER_SMTP_PORT": "abc"})
    settings = smtp_settings({"TRACKER_SMTP_HOST": "h", "TRACKER_SMTP_PORT": "2525", "TRACKER_SMTP_PASSWORD": "pw"})
    assert (settings.host, settings.port) == ("h", 2525)
    assert "pw" not in repr(settings)
    with pytest.raises(ReminderConfigError, match="TRACKER_WEBHOOK_SECRET"):
        webhook_secret({})


def test_calendar_uids_are_stable_and_sequence_follows_the_fact_version() -> None:
    def events(count: int, due_version: int) -> dict[str, object]:
        ics = build_calendar(
            [meeting("sco/24", starts="2025-07-04", ends="2025-07-05", count=count), meeting("x", starts="2025-09")],
            [commitment("c", due="2026", due_version=due_version), commitment("nodue", due=None)],
            now=at("2025-06-01"),
        )
        return {str(e["UID"]): e for e in Calendar.from_ical(ics).walk("VEVENT")}

    first, second = events(0, 1), events(1, 2)
    assert set(first) == set(second) == {
        "meeting:sco/24@commitments-tracker", "meeting:x@commitments-tracker",
        "commitment-deadline:c@commitments-tracker"}
    m1, m2 = first["meeting:sco/24@commitments-tracker"], second["meeting:sco/24@commitments-tracker"]
    assert (int(m1["SEQUENCE"]), int(m2["SEQUENCE"])) == (0, 1)  # type: ignore[index]
    assert m1["DTSTART"].dt == date(2025, 7, 4) and m1["DTEND"].dt == date(2025, 7, 6)  # type: ignore[index]
    month = first["meeting:x@commitments-tracker"]
    assert month["DTSTART"].dt == date(2025, 9, 1)  # type: ignore[index]
    assert "month precision" in str(month["SUMMARY"])  # type: ignore[index]
    deadline = second["commitment-deadline:c@commitments-tracker"]
    assert int(deadline["SEQUENCE"]) == 2  # type: ignore[index]
    assert deadline["DTSTART"].dt == date(2026, 1, 1) and "year precision" in str(deadline["SUMMARY"])  # type: ignore[index]
    assert pd("2026").latest == date(2026, 12, 31)  # the reminder reads the year's last day; the calendar its first
    assert timedelta(days=1) == m1["DTEND"].dt - date(2025, 7, 5)  # type: ignore[index]


def test_lateness_is_settled_by_whether_the_fact_was_known_on_its_day() -> None:
    [r] = due([MEETING], at("2025-06-25"), meetings=[meeting("m", starts="2025-07-04", count=2)])
    assert r.late and r.due_on == date(2025, 6, 20) and r.fact == "starts:2025-07-04:r2"
    on_time = settle_lateness(r, known_in_time=False)
    assert not on_time.late and "Issued late" not in on_time.body and on_time.key == r.key
    assert settle_lateness(r, known_in_time=True) == r
    # The fact's version is what "already recorded" compares: a reschedule is another fact.
    assert fact_token(meeting("m", starts="2025-07-04", count=1), "meeting_upcoming") != r.fact
    assert fact_token(commitment("c", due="2025-06", due_version=3), "overdue") == "due:2025-06:v3"
    assert fact_token(None, "overdue") is None
