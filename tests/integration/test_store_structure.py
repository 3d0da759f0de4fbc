"""The store's shape: Tracker has a store (it is no eventsourcing Application), record times never go back,
and an import judges interleaved streams as it judges grouped ones while keeping only compact indexes."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from eventsourcing.application import Application

import tracker.app as app_module
import tracker.store as store_module
from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.errors import ImportFailed

ROOT = Path(__file__).parents[2]


def test_tracker_has_a_store_and_no_way_around_the_rules(tracker: Tracker) -> None:
    assert not isinstance(tracker, Application)
    for bypass in ("save", "repository", "notification_log", "recorder", "events", "take_snapshot"):
        assert not hasattr(tracker, bypass), bypass


def test_the_store_uses_no_private_name_of_another_package() -> None:
    # Our own modules only reach eventsourcing's public names: no `obj._x` on anything but self/cls,
    # no cast(Any, ...) to hide such access from mypy.
    for path in ("tracker/app.py", "tracker/store.py", "tracker/store_sql.py", "tracker/streams.py",
                 "tracker/projector.py", "tracker/db.py"):
        tree = ast.parse((ROOT / path).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
                owner = node.value
                assert isinstance(owner, ast.Name) and owner.id in ("self", "cls"), (path, node.lineno, node.attr)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "cast":
                pytest.fail(f"{path}:{node.lineno}: cast() in the store")


class _SteppedBack(datetime):
    """A clock an hour behind: what a host with a wrong clock, or NTP stepping back, gives."""

    @classmethod
    def now(cls, tz: Any = None) -> _SteppedBack:  # type: ignore[override]
        real = datetime.now(tz or UTC) - timedelta(hours=1)
        return cls.fromtimestamp(real.timestamp(), tz or UTC)


def test_record_times_never_go_back_when_the_clock_does(tracker: Tracker, monkeypatch: pytest.MonkeyPatch) -> None:
    for data in sco_world():
        tracker.record(data)
    monkeypatch.setattr(store_module, "datetime", _SteppedBack)
    tracker.record(event("ProgressAssessed", "2020", commitment_id="c", level="limited"))
    tracker.import_events([orjson.dumps(event("ProgressAssessed", "2021", commitment_id="c", level="substantial"))])
    times = [r.recorded_at for r in tracker.iter_log()]
    assert times == sorted(times) and len(set(times)) == len(times)


def _interleaved(streams: int, rounds: int) -> list[dict[str, Any]]:
    lines = [event("CommitmentUndertaken", commitment_id=f"k{i}", organization_id="sco", parties=["KAZ", "RUS"],
                   title=f"k{i}", text="x") for i in range(streams)]
    for j in range(rounds):
        lines += [event("ProgressAssessed", f"2019-{j % 12 + 1:02d}", commitment_id=f"k{i}", level="limited",
                        note=f"{i}-{j}") for i in range(streams)]
    return lines


@pytest.mark.parametrize("cache_cost", [10, 300_000])
def test_an_interleaved_import_is_judged_as_a_grouped_one(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch, cache_cost: int
) -> None:
    # A tiny cache evicts every stream each round: rows are read back and judged the same.
    monkeypatch.setattr(app_module, "_IMPORT_CACHE_COST", cache_cost)
    for data in sco_world():
        tracker.record(data)
    lines = _interleaved(6, 4)
    lines.insert(13, event("CommitmentFulfilled", "2018-12", commitment_id="k2"))
    # A retraction needs the whole stream (a compact index holds only what the rules read).
    lines.append(event("EventRetracted", "2020", target="commitment:k3#3", reason="wrong"))
    lines.append(event("ProgressAssessed", "2020", commitment_id="k3", level="complete"))
    report = tracker.import_events([orjson.dumps(d) for d in lines], all_or_nothing=False)
    # k2 was fulfilled in 2018: the 2019 assessments that follow in the file come after its end.
    assert [n for n, _ in report.rejected] == [n for n, d in enumerate(lines, 1)
                                               if n > 14 and d.get("commitment_id") == "k2"]
    assert report.stored == len(lines) - len(report.rejected)
    assert [r.version for r in tracker.history("k3")] == [1, 2, 3, 4, 5, 6, 7]
    # Importing the same file again: every good line already present, nothing stored.
    again = tracker.import_events([orjson.dumps(d) for d in lines], all_or_nothing=False)
    assert (again.stored, again.already_present) == (0, report.stored)
    with pytest.raises(ImportFailed) as caught:
        tracker.import_events([orjson.dumps(event("ProgressAssessed", "2020", commitment_id="k2", level="limited"))])
    assert caught.value.problems[0][:2] == ("occurred_on", "2020")
