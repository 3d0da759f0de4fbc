"""The outbox on SQLite and PostgreSQL: once per fact version, concurrent scans, leases, backoff, dead letters."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from tests.builders import sco_world
from tests.unit.reminder_fakes import FakeReadModel, commitment, meeting
from tracker.app import Tracker
from tracker.db import make_engine
from tracker.reminders.config import RemindersConfig, parse_config
from tracker.reminders.outbox import OUTBOX, backoff_delay, claim, list_rows, mark_failed, mark_sent, retry
from tracker.reminders.scan import scan

ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2025, 6, 1, 9, tzinfo=UTC)

CONFIG = """
[delivery]
lease_seconds = 60
max_attempts = 3
backoff_seconds = 10
backoff_max_seconds = 25
[channels.log]
type = "log"
[channels.file]
type = "file"
path = "reminders.jsonl"
[[rules]]
name = "deadline"
kind = "deadline_approaching"
channels = ["log", "file"]
[[rules]]
name = "overdue"
kind = "overdue"
channels = ["log"]
[[rules]]
name = "meeting"
kind = "meeting_upcoming"
channels = ["log"]
"""


def config() -> RemindersConfig:
    return parse_config(CONFIG)


@pytest.fixture
def engine(database_url: str) -> Engine:
    eng = make_engine(database_url)
    yield eng  # type: ignore[misc]
    eng.dispose()


def model(n: int = 20) -> FakeReadModel:
    # Deadlines spread over the coming 40 days, meetings over the coming 20: some due, some not yet.
    return FakeReadModel(
        commitment_rows=[commitment(f"c{i}", due=(T0 + timedelta(days=i * 2)).date().isoformat()) for i in range(n)],
        meeting_rows=[meeting(f"m{i}", starts=(T0 + timedelta(days=i)).date().isoformat()) for i in range(n)],
    )


def count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(OUTBOX)).scalar_one())


def test_second_scan_issues_nothing_and_each_channel_gets_its_row(engine: Engine) -> None:
    first = scan(engine, model(), config(), now=T0)
    assert first.issued, "something must be due on T0"
    assert len(first.issued) == count(engine)
    assert scan(engine, model(), config(), now=T0 + timedelta(hours=1)).issued == ()
    keys = {r.key for r in list_rows(engine)}
    assert "deadline:commitment:c0:v1:1d@log" in keys and "deadline:commitment:c0:v1:1d@file" in keys


def test_changed_deadline_is_reminded_again_same_deadline_never(engine: Engine) -> None:
    rm = FakeReadModel(commitment_rows=[commitment("c", due="2025-06-05", due_version=1)])
    assert len(scan(engine, rm, config(), now=T0).issued) == 2
    assert scan(engine, rm, config(), now=T0 + timedelta(days=1)).issued == ()
    rm.commitment_rows = [commitment("c", due="2025-06-06", due_version=2)]
    assert scan(engine, rm, config(), now=T0 + timedelta(days=1)).issued == (
        "deadline:commitment:c:v2:7d@log", "deadline:commitment:c:v2:7d@file")


def test_a_missed_month_issues_one_late_reminder_per_item(engine: Engine) -> None:
    rm = model(10)
    scan(engine, rm, config(), now=T0)
    before = count(engine)
    # A month without scans: every commitment and meeting has moved on several stages.
    report = scan(engine, rm, config(), now=T0 + timedelta(days=30))
    new = [r for r in list_rows(engine)][before:]
    per_item = {}
    for row in new:
        per_item.setdefault((row.rule, row.entity, row.channel), []).append(row.key)
    assert all(len(keys) == 1 for keys in per_item.values()), per_item
    assert new and all(row.late for row in new)
    assert report.late == len({r.reminder_key for r in new})


def test_concurrent_scans_in_threads_write_each_row_once(engine: Engine) -> None:
    barrier = threading.Barrier(4, timeout=30)
    results: list[int] = []
    errors: list[BaseException] = []
    rm = model(200)

    def run() -> None:
        try:
            barrier.wait()
            results.append(len(scan(engine, rm, config(), now=T0).issued))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    assert len(results) == 4
    assert sum(results) == count(engine) > 0
    assert scan(engine, rm, config(), now=T0).issued == ()
    keys = [r.key for r in list_rows(engine)]
    assert len(keys) == len(set(keys))


SCAN_SCRIPT = """
import sys
from datetime import UTC, datetime
from tracker.db import make_engine
from tests.integration.test_outbox import CONFIG, T0, model
from tracker.reminders.config import parse_config
from tracker.reminders.scan import scan
engine = make_engine(sys.argv[1])
sys.stdin.readline()  # wait for the go, so both processes scan at the same moment
print(len(scan(engine, model(300), parse_config(CONFIG), now=T0).issued), flush=True)
"""


@pytest.mark.postgres
def test_two_processes_scanning_postgres_at_once_write_each_row_once(engine: Engine, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("the two-process race is the PostgreSQL deployment's")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([sys.executable, "-c", SCAN_SCRIPT, database_url], cwd=ROOT, env=env, text=True,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
             for _ in range(2)]
    outs = []
    try:
        for p in procs:
            assert p.stdin is not None
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), [err for _, err in outs]
    issued = [int(out.strip()) for out, _ in outs]
    assert sum(issued) == count(engine) > 0
    keys = [r.key for r in list_rows(engine)]
    assert len(keys) == len(set(keys))


def test_claims_are_disjoint_and_leases_expire(engine: Engine) -> None:
    scan(engine, model(), config(), now=T0)
    total = count(engine)
    lease = timedelta(seconds=60)
    a = claim(engine, worker="a", now=T0, lease=lease, limit=5)
    b = claim(engine, worker="b", now=T0, lease=lease, limit=total)
    assert len(a) == 5 and len(b) == total - 5
    assert not {c.row.id for c in a} & {c.row.id for c in b}
    assert claim(engine, worker="c", now=T0 + timedelta(seconds=30), lease=lease, limit=total) == []
    assert mark_sent(engine, a[0].row.id, worker="a", now=T0)
    # a's other rows: lease ran out (a crashed), c takes them over; a can no longer mark them.
    later = claim(engine, worker="c", now=T0 + timedelta(seconds=61), lease=lease, limit=total)
    assert {c.row.id for c in later} == {c.row.id for c in a[1:]} | {c.row.id for c in b}
    assert all(c.attempt == 2 for c in later)
    assert not mark_sent(engine, a[1].row.id, worker="a", now=T0)
    assert mark_sent(engine, a[1].row.id, worker="c", now=T0)


def test_concurrent_claims_in_threads_never_share_a_row(engine: Engine) -> None:
    scan(engine, model(100), config(), now=T0)
    barrier = threading.Barrier(4, timeout=30)
    got: dict[str, list[int]] = {}

    def run(name: str) -> None:
        barrier.wait()
        ids: list[int] = []
        while batch := claim(engine, worker=name, now=T0, lease=timedelta(seconds=60), limit=7):
            ids += [c.row.id for c in batch]
        got[name] = ids

    threads = [threading.Thread(target=run, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    everything = [i for ids in got.values() for i in ids]
    assert len(got) == 4
    assert len(everything) == len(set(everything)) == count(engine)


def test_failures_back_off_exponentially_then_dead_letter_and_retry_requeues(engine: Engine) -> None:
    scan(engine, FakeReadModel(commitment_rows=[commitment("c", due="2025-06-05")]), config(), now=T0)
    cfg = config().delivery
    base, cap = timedelta(seconds=cfg.backoff_seconds), timedelta(seconds=cfg.backoff_max_seconds)
    now = T0
    waits = []
    for attempt in range(1, cfg.max_attempts + 1):
        [item, _other] = claim(engine, worker="w", now=now, lease=timedelta(seconds=60), limit=2)
        assert item.attempt == attempt
        for c in (item, _other):
            status = mark_failed(engine, c.row.id, worker="w", now=now, error="550 refused", attempt=c.attempt,
                                 max_attempts=cfg.max_attempts, base=base, cap=cap)
        row = next(r for r in list_rows(engine) if r.id == item.row.id)
        waits.append(row.next_attempt_at - now)
        now = row.next_attempt_at
    assert status == "dead"
    assert waits[:2] == [timedelta(seconds=10), timedelta(seconds=20)]  # 10, 20, then dead (capped at 25)
    assert backoff_delay(5, base=base, cap=cap) == cap
    dead = list_rows(engine, status="dead")
    assert len(dead) == 2 and dead[0].last_error == "550 refused"
    assert claim(engine, worker="w", now=now + timedelta(days=1), lease=timedelta(seconds=60), limit=5) == []
    assert retry(engine, dead[0].id, now=now)
    assert not retry(engine, dead[0].id, now=now)  # no longer dead
    [again] = claim(engine, worker="w", now=now, lease=timedelta(seconds=60), limit=5)
    assert (again.row.id, again.attempt) == (dead[0].id, 1)


TRUTH_CONFIG = """
[channels.log]
type = "log"
[[recipients]]
name = "sco-desk"
organizations = ["sco"]
[[rules]]
name = "deadline"
kind = "deadline_approaching"
recipients = ["sco-desk"]
channels = ["log"]
[[rules]]
name = "weekly"
kind = "digest"
weekday = "monday"
at = "08:00"
recipients = ["sco-desk"]
channels = ["log"]
"""


def test_late_only_when_the_fact_was_recorded_by_its_day_and_no_digest_backlog(tracker: Tracker) -> None:
    """Issue 10.7 through the store: recorded today, due in 5 days is on time; a first scan issues no digest."""
    now = datetime.now(UTC)
    today = now.date()
    for ev in sco_world():
        tracker.record(ev)
    base = {"organization_id": "sco", "parties": ["KAZ", "KGZ"], "text": "Act", "occurred_on": today.isoformat(),
            "unsourced": True}
    tracker.undertake_commitment(commitment_id="soon", title="Soon", due_on=(today + timedelta(days=5)).isoformat(),
                                 **base)
    tracker.undertake_commitment(commitment_id="later", title="Later",
                                 due_on=(today + timedelta(days=20)).isoformat(), **base)
    engine = tracker.engine
    cfg = parse_config(TRUTH_CONFIG)

    first = scan(engine, tracker.read_model(), cfg, now=now)
    rows = {r.entity: r for r in list_rows(engine)}
    # Both stages' days came before anyone recorded the commitments (7-day stage of "soon" two
    # days ago, 30-day stage of "later" ten days ago): issued now, and not late.
    assert set(rows) == {"commitment:soon", "commitment:later"}, rows
    assert rows["commitment:soon"].key == "deadline:commitment:soon:v1:7d@log"
    assert rows["commitment:later"].key == "deadline:commitment:later:v1:30d@log"
    assert rows["commitment:later"].due_on == today - timedelta(days=10)
    assert not any(r.late or "Issued late" in r.body for r in rows.values()) and first.late == 0
    # Everything was recorded after the latest Monday 08:00: no digest is owed for that slot.
    assert not [r for r in list_rows(engine) if r.kind == "digest"]

    # The scheduler was down for 18 days: "later"'s 7-day stage was due 5 days ago, when the
    # commitment was already recorded, so that one is late; the digest of the latest slot is owed.
    down = now + timedelta(days=18)
    report = scan(engine, tracker.read_model(), cfg, now=down)
    new = {r.entity: r for r in list_rows(engine) if r.id > max(row.id for row in rows.values())}
    later = new["commitment:later"]
    assert later.key == "deadline:commitment:later:v1:7d@log" and later.due_on == today + timedelta(days=13)
    assert later.late and "Issued late" in later.body
    digest = new["digest:sco-desk"]
    assert digest.due_on > today and digest.due_on.weekday() == 0
    assert digest.late == (digest.due_on < down.date())
    assert report.late == sum(1 for r in new.values() if r.late)


def test_a_meeting_recorded_after_its_reminder_day_is_not_late_and_is_asked_about_once(engine: Engine) -> None:
    rm = FakeReadModel(meeting_rows=[meeting("fresh", starts="2025-06-10"), meeting("known", starts="2025-06-11")],
                       recorded={"meeting:fresh": T0 - timedelta(hours=1)})
    scan(engine, rm, config(), now=T0)
    rows = {r.entity: r for r in list_rows(engine)}
    # Both 14-day stages fell in May; only "known" was recorded by then.
    assert rows["meeting:fresh"].due_on == date(2025, 5, 27) and not rows["meeting:fresh"].late
    assert rows["meeting:known"].late
    asked = [c for c in rm.calls if c.startswith("status:")]
    assert sorted(asked) == ["status:meeting:fresh", "status:meeting:known"]
    scan(engine, rm, config(), now=T0 + timedelta(hours=1))
    assert [c for c in rm.calls if c.startswith("status:")] == asked  # issued rows are not asked about again
