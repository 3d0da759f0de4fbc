"""The event log on real databases: SQLite and PostgreSQL run the same tests."""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import orjson
import pytest

import tracker.events as ev
from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.errors import ImportFailed, InvalidInput, KeyConflict
from tracker.settings import Settings


def _lines(events: list[dict[str, Any]]) -> list[bytes]:
    return [orjson.dumps(e) for e in events]


def test_record_and_read_back(tracker: Tracker) -> None:
    for data in sco_world():
        assert tracker.record(data).stored
    result = tracker.record(event("ProgressAssessed", "2020", commitment_id="c", party="KG", level="limited"))
    assert result.ref == "commitment:c#2"
    history = tracker.history("c")
    assert [r.version for r in history] == [1, 2]
    assert history[1].event.party == "KGZ"  # type: ignore[attr-defined]
    assert history[1].recorded_at.tzinfo is not None
    assert tracker.streams("commitment") == ["commitment:c"]


def test_the_same_key_stores_one_event_and_a_reused_key_is_refused(tracker: Tracker) -> None:
    first = tracker.record(event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"}, key="k1"))
    again = tracker.record(event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"}, key="k1"))
    assert first.stored and not again.stored and again.ref == first.ref
    assert tracker.event_log.max_position() == 1
    with pytest.raises(KeyConflict):
        tracker.record(event("MembershipChanged", organization_id="sco", state="KAZ", status="member", key="k1"))


def test_invalid_input_stores_nothing(tracker: Tracker) -> None:
    tracker.record(event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"}))
    with pytest.raises(InvalidInput) as caught:
        tracker.record(event("MembershipChanged", organization_id="sco", state="Atlantis", status="member"))
    assert caught.value.problems[0][:2] == ("state", "Atlantis")
    assert tracker.event_log.max_position() == 1


def test_import_is_all_or_nothing_and_names_line_field_and_value(tracker: Tracker) -> None:
    lines = _lines(sco_world())
    bad = event("ProgressAssessed", "2020", commitment_id="c", level="excellent")
    with pytest.raises(ImportFailed) as caught:
        tracker.import_events([*lines, orjson.dumps(bad)])
    assert caught.value.line == len(lines) + 1
    assert caught.value.problems[0][:2] == ("level", "excellent")
    assert tracker.is_empty()


def test_import_keep_going_stores_the_good_lines(tracker: Tracker) -> None:
    lines = [*_lines(sco_world()), b"{not json", orjson.dumps(event("ProgressAssessed", commitment_id="zz",
                                                                       level="limited"))]
    report = tracker.import_events(lines, all_or_nothing=False)
    assert report.stored == len(sco_world())
    assert [number for number, _ in report.rejected] == [len(lines) - 1, len(lines)]
    assert "not valid JSON" in report.rejected[0][1]
    assert "commitment_id" in report.rejected[1][1]


def test_importing_the_same_file_twice_adds_nothing(tracker: Tracker) -> None:
    lines = _lines(sco_world())  # no keys: the content itself recognises a line already imported
    assert tracker.import_events(lines).stored == len(lines)
    second = tracker.import_events(lines)
    assert (second.stored, second.already_present) == (0, len(lines))
    assert tracker.event_log.max_position() == len(lines)


def test_export_then_import_into_an_empty_store_reproduces_every_event(tracker: Tracker, tmp_path: Path) -> None:
    tracker.import_events(_lines(sco_world()))
    tracker.record(event("ProgressAssessed", "2020-05", commitment_id="c", party="KAZ", level="substantial"))
    exported = io.BytesIO()
    assert tracker.export_events(exported) == len(sco_world()) + 1
    other = Tracker(Settings(database_url=f"sqlite:///{tmp_path / 'other.sqlite'}"))
    try:
        other.import_events(exported.getvalue().splitlines())
        mine = [(r.stream, r.version, r.event) for r in tracker.iter_log()]
        theirs = [(r.stream, r.version, r.event) for r in other.iter_log()]
        assert mine == theirs
    finally:
        other.close()


class _MeetingHeldV2(ev.MeetingHeld):
    """A later schema: `outcome` became required; v1 events are upcast with a default."""

    class_version: ClassVar[int] = 2
    outcome: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["outcome"] = "not recorded"


def test_a_v1_event_is_read_back_as_v2(tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    for data in sco_world():
        tracker.record(data)
    tracker.record(event("MeetingHeld", meeting_id="sco-prosecutors-general/16"))
    _MeetingHeldV2.__name__ = "MeetingHeld"
    monkeypatch.setitem(ev.EVENT_TYPES, "MeetingHeld", _MeetingHeldV2)
    held = tracker.history("meeting:sco-prosecutors-general/16")[-1].event
    assert isinstance(held, _MeetingHeldV2)
    assert held.outcome == "not recorded"


def _assess_many(database_url: str, party: str, count: int) -> None:
    app = Tracker(Settings(database_url=database_url))
    try:
        for i in range(count):
            app.record(event("ProgressAssessed", f"2019-01-{i + 1:02d}", commitment_id="c", party=party,
                             level="limited", note=f"{party}-{i}"))
    finally:
        app.close()


def test_two_processes_recording_to_one_commitment_lose_nothing(tracker: Tracker, database_url: str) -> None:
    for data in sco_world():
        tracker.record(data)
    count = 25
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_assess_many, args=(database_url, party, count)) for party in ("KAZ", "KGZ")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0
    history = tracker.history("commitment:c")
    assert [r.version for r in history] == list(range(1, 2 * count + 2))
    notes = sorted(r.event.note for r in history[1:] if r.event.note)
    assert notes == sorted([f"KAZ-{i}" for i in range(count)] + [f"KGZ-{i}" for i in range(count)])


def test_a_process_killed_mid_import_leaves_all_or_none(tracker: Tracker, database_url: str, tmp_path: Path) -> None:
    for data in sco_world():
        tracker.record(data)
    before = sum(1 for _ in tracker.iter_log())
    big = tmp_path / "big.jsonl"
    with big.open("wb") as out:
        for i in range(2_000):
            out.write(orjson.dumps(event("CommitmentUndertaken", commitment_id=f"c{i}", organization_id="sco",
                                         parties=["KAZ", "KGZ"], title=f"t{i}", text="x")) + b"\n")
            for j in range(9):
                out.write(orjson.dumps(event("ProgressAssessed", f"2020-01-{j + 1:02d}", commitment_id=f"c{i}",
                                             level="limited", note=f"n{j}")) + b"\n")
    marker = tmp_path / "started"
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from tracker.app import Tracker\n"
        "from tracker.settings import Settings\n"
        "app = Tracker(Settings(database_url=sys.argv[1]))\n"
        "def lines():\n"
        "    for n, line in enumerate(open(sys.argv[2], 'rb')):\n"
        "        if n == 5000: Path(sys.argv[3]).touch()\n"
        "        yield line\n"
        "app.import_events(lines())\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script, database_url, str(big), str(marker)],
                            env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    try:
        deadline = time.monotonic() + 120
        while not marker.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert marker.exists(), "the import never got going"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    # Killed mid-way: none of it. (PostgreSQL positions may skip the ids the dead
    # transaction consumed, so count events rather than compare positions.)
    assert sum(1 for _ in tracker.iter_log()) == before
    # The store still works, and the same import now goes through whole.
    report = tracker.import_events(big.read_bytes().splitlines())
    assert report.stored == 20_000
    assert sum(1 for _ in tracker.iter_log()) == before + 20_000
