"""The tamper-evident chain: verify passes on an untouched log and names the first altered position."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.projections.reports import build_report, render
from tracker.settings import Settings

ROOT = Path(__file__).parents[2]


def _execute(tracker: Tracker, statement: str, params: list[Any]) -> None:
    """Raw SQL on the events table, behind the tracker's back (what an attacker or a careless admin does)."""
    url = str(tracker.settings.database_url)
    table = tracker.event_log.table
    statement = statement.replace("{table}", table.qualified).replace("{pos}", table.position)
    if url.startswith("sqlite"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            conn.execute(statement, params)
        return
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(statement.replace("?", "%s"), params)


def _filled(tracker: Tracker) -> None:
    for data in sco_world():
        tracker.record(data)
    tracker.import_events([orjson.dumps(event("ProgressAssessed", f"2020-0{m}", commitment_id="c", level="limited",
                                              note=f"n{m}")) for m in range(1, 6)])


def test_an_untouched_log_verifies_and_the_head_moves_with_each_event(tracker: Tracker) -> None:
    _filled(tracker)
    report = tracker.verify()
    assert report.ok and report.unchained == 0
    assert report.events == sum(1 for _ in tracker.iter_log())
    assert len(report.head) == 64
    tracker.record(event("ProgressAssessed", "2021", commitment_id="c", level="substantial"))
    after = tracker.verify()
    assert after.ok and after.head != report.head and after.events == report.events + 1


def _positions(tracker: Tracker) -> list[int]:
    return [r.position or 0 for r in tracker.iter_log()]


def test_one_altered_byte_is_found_at_its_position(tracker: Tracker) -> None:
    _filled(tracker)
    target = _positions(tracker)[12]
    state = tracker.event_log.read_stored(target - 1, 1)[0].state
    altered = state.replace(b'"level":"limited"', b'"level":"limitee"')
    assert len(altered) == len(state) and altered != state  # one byte
    _execute(tracker, "UPDATE {table} SET state = ? WHERE {pos} = ?", [altered, target])
    report = tracker.verify()
    assert not report.ok
    assert report.broken_at == target


def test_a_removed_event_breaks_the_link_after_it(tracker: Tracker) -> None:
    _filled(tracker)
    positions = _positions(tracker)
    _execute(tracker, "DELETE FROM {table} WHERE {pos} = ?", [positions[5]])
    assert tracker.verify().broken_at == positions[6]


def test_the_command_line_names_the_position_and_exits_non_zero(tracker: Tracker) -> None:
    _filled(tracker)
    env = {**os.environ, "TRACKER_DATABASE_URL": str(tracker.settings.database_url), "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-m", "tracker", "verify"], capture_output=True, text=True, env=env,
                        timeout=120, check=False)
    assert ok.returncode == 0 and "Verified: 17 events" in ok.stdout, ok.stderr
    target = _positions(tracker)[3]
    _execute(tracker, "UPDATE {table} SET originator_version = originator_version + 100 WHERE {pos} = ?", [target])
    bad = subprocess.run([sys.executable, "-m", "tracker", "verify"], capture_output=True, text=True, env=env,
                         timeout=120, check=False)
    assert bad.returncode == 1
    assert f"chain broken at log position {target}" in bad.stderr and "Traceback" not in bad.stderr


def test_a_log_from_before_the_chain_is_reported_as_not_covered(sqlite_url: str) -> None:
    tracker = Tracker(Settings(database_url=sqlite_url))
    try:
        _filled(tracker)
        # Strip every link, as a store written before the chain holds its events.
        with sqlite3.connect(sqlite_url.removeprefix("sqlite:///")) as conn:
            for rowid, state in conn.execute("SELECT rowid, state FROM stored_events").fetchall():
                loaded = orjson.loads(state)
                loaded.pop("h")
                conn.execute("UPDATE stored_events SET state = ? WHERE rowid = ?", [orjson.dumps(loaded), rowid])
        tracker.record(event("ProgressAssessed", "2021", commitment_id="c", level="substantial"))
        report = tracker.verify()
        assert report.ok and (report.unchained, report.events) == (17, 18)
    finally:
        tracker.close()


def test_head_reads_the_last_link_without_a_verification(tracker: Tracker) -> None:
    assert tracker.event_log.head() == (0, None)
    _filled(tracker)
    position, link = tracker.event_log.head()
    report = tracker.verify()
    assert position == tracker.event_log.max_position() == _positions(tracker)[-1]
    assert link == report.head
    tracker.record(event("ProgressAssessed", "2021", commitment_id="c", level="substantial"))
    moved = tracker.event_log.head()
    assert moved[0] > position and moved[1] == tracker.verify().head != link


def _verify_cli_head(tracker: Tracker) -> str:
    """The chain head the `tracker verify` command prints for the tracker's store."""
    env = {**os.environ, "TRACKER_DATABASE_URL": str(tracker.settings.database_url), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "tracker", "verify"], capture_output=True, text=True, env=env,
                         cwd=ROOT, check=True)
    return out.stdout.rsplit("chain head ", 1)[1].strip()


def _published(tracker: Tracker, **kwargs: Any) -> dict[str, str]:
    report = build_report(tracker.read_model(), organization_id="sco", **kwargs)
    out: dict[str, str] = {}
    for fmt in ("md", "html", "json", "csv"):
        rendered = render(report, fmt)  # type: ignore[arg-type]
        out[fmt] = rendered.decode("utf-8-sig") if isinstance(rendered, bytes) else rendered
    return out


def test_a_published_report_names_the_head_verify_finds_and_a_new_event_moves_it(tracker: Tracker) -> None:
    _filled(tracker)
    head = _verify_cli_head(tracker)
    position = tracker.event_log.max_position()
    before = _published(tracker)
    for fmt in ("md", "html"):
        assert f"Log position {position}, chain head {head}" in before[fmt], fmt
    data = orjson.loads(before["json"])
    assert (data["log_position"], data["chain_head"]) == (position, head)
    rows = list(csv.DictReader(io.StringIO(before["csv"])))
    assert rows and {(r["log_position"], r["chain_head"]) for r in rows} == {(str(position), head)}
    # Asked as known at an earlier time, the report still names the whole log it was read from.
    earlier = orjson.loads(_published(tracker, known_at=datetime(2000, 1, 1, tzinfo=UTC))["json"])
    assert (earlier["log_position"], earlier["chain_head"]) == (position, head)

    tracker.record(event("ProgressAssessed", "2021", commitment_id="c", level="substantial"))
    moved = _verify_cli_head(tracker)
    after = orjson.loads(_published(tracker)["json"])
    assert moved != head
    assert after["chain_head"] == moved and after["log_position"] > position
