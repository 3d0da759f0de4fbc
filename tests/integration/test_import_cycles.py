"""An import makes no reference cycles, so it can run with the cyclic collector paused and memory stays flat.

`Tracker.import_events` pauses the collector (its passes over the import's stream cache cost
a tenth of the import); anything an import left in a cycle would then stay until it ends.
Good lines, and every kind of rejected line (bad JSON, bad fields, broken rules), are checked.
"""

from __future__ import annotations

import gc
from pathlib import Path

import orjson

from tests.builders import event, sco_world
from tracker.app import Tracker
from tracker.settings import Settings


def _lines() -> list[bytes]:
    world = [orjson.dumps(d) for d in sco_world()]
    good = [orjson.dumps(event("ProgressAssessed", "2020", commitment_id="c", level="limited", note=f"n{i}"))
            for i in range(600)]
    bad: list[bytes] = []
    for i in range(50):
        bad += [
            b"{not json",
            orjson.dumps(event("ProgressAssessed", commitment_id="nobody", level="limited", note=f"{i}")),
            orjson.dumps(event("ProgressAssessed", commitment_id="c", level="excellent")),
            orjson.dumps(event("CommitmentUndertaken", commitment_id="c", organization_id="sco", parties=["KAZ"],
                               title="again", text="x")),
            orjson.dumps(event("EventRetracted", "2021", target="commitment:c#999", reason="no such event")),
        ]
    return [*world, *good, *bad]


def test_an_import_leaves_nothing_for_the_cyclic_collector(tmp_path: Path) -> None:
    lines = _lines()
    # A first import builds the validators and caches (first-use work may make cycles of its own).
    warm = Tracker(Settings(database_url=f"sqlite:///{tmp_path / 'warm.sqlite'}"))
    try:
        warm.import_events(lines, all_or_nothing=False)
    finally:
        warm.close()
    tracker = Tracker(Settings(database_url=f"sqlite:///{tmp_path / 'tracker.sqlite'}"))
    try:
        gc.collect()
        gc.disable()  # until the count below: no automatic pass may free a cycle first
        try:
            report = tracker.import_events(lines, all_or_nothing=False)
            found = gc.collect()
        finally:
            gc.enable()
        assert (report.stored, len(report.rejected)) == (len(sco_world()) + 600, 250)
        assert found == 0
    finally:
        tracker.close()
