"""An import into an empty store answers "does this stream exist" without asking the database: same outcomes.

The import's stream cache is shrunk to one stream, so every earlier stream is asked about
again after it was written, flushed and evicted, where a wrong "no" would show.
"""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.builders import event, sco_world
from tracker import app as app_module
from tracker.app import Tracker


def _commitment(commitment_id: str, title: str) -> dict[str, Any]:
    first = next(d for d in sco_world() if d["type"] == "CommitmentUndertaken")
    return {**first, "commitment_id": commitment_id, "title": title}


def _lines() -> list[bytes]:
    ids = [f"k{i}" for i in range(8)]
    lines = [*sco_world(), *(_commitment(i, f"first {i}") for i in ids)]
    lines += [event("ProgressAssessed", "2020", commitment_id=i, level="limited", key=f"{i}-a") for i in ids]
    lines += [_commitment("k3", "created twice"), event("ProgressAssessed", "2020", commitment_id="nobody",
                                                        level="limited")]
    lines += [event("ProgressAssessed", "2021", commitment_id=i, level="substantial", key=f"{i}-b") for i in ids]
    lines += [event("ProgressAssessed", "2020", commitment_id="k5", level="limited", key="k5-a")]  # a repeat
    return [orjson.dumps(d) for d in lines]


def test_an_import_into_an_empty_store_judges_as_into_a_non_empty_one(
    tracker: Tracker, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "_IMPORT_CACHE_COST", 1)
    monkeypatch.setattr(app_module, "_IMPORT_FLUSH_EVERY", 3)
    report = tracker.import_events(_lines(), all_or_nothing=False)  # the store is empty: no queries asked
    assert (report.stored, report.already_present) == (len(sco_world()) + 8 * 3, 1)
    assert [number for number, _ in report.rejected] == [len(sco_world()) + 17, len(sco_world()) + 18]
    assert "already recorded" in report.rejected[0][1] and "nobody" in report.rejected[1][1]
    for i in range(8):
        assert [r.event.key for r in tracker.history(f"k{i}")][1:] == [f"k{i}-a", f"k{i}-b"]
    # The same lines again into the now non-empty store (every answer from the database): all present.
    again = tracker.import_events(_lines(), all_or_nothing=False)
    assert again.stored == 0 and len(again.rejected) == 2
    assert tracker.event_log.verify().ok
