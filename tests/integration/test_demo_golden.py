"""Golden reports of the real demo dataset, built through the real store, views and queries.

Record time is frozen while the demo is imported, so every recorded_at in the output is
stable; regenerate with UPDATE_GOLDEN=1 after reviewing a change.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import time_machine

from projections.reports import build_report, render
from tracker.app import Tracker
from tracker.demo import load_demo
from tracker.settings import Settings

GOLDEN = Path(__file__).parent / "golden"
RECORDED = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
GENERATED = datetime(2026, 1, 10, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Tracker:
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    tracker = Tracker(Settings(database_url=f"sqlite:///{path}"))
    with time_machine.travel(RECORDED, tick=False):
        load_demo(tracker)
    return tracker


def _check(name: str, rendered: str) -> None:
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}: run with UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8"), f"{name} changed: review it, then UPDATE_GOLDEN=1 to accept"


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("demo-sco.md", {"organization_id": "sco"}),
        ("demo-all.md", {}),
        ("demo-sco-2024.md", {"organization_id": "sco", "as_of": date(2024, 12, 31), "since": date(2024, 1, 1)}),
    ],
)
def test_demo_markdown_is_golden(demo: Tracker, name: str, kwargs: dict[str, object]) -> None:
    report = build_report(demo.read_model(), generated_at=GENERATED, known_at=GENERATED, **kwargs)  # type: ignore[arg-type]
    _check(name, str(render(report, "md")))


def test_demo_json_is_golden_and_says_what_the_articles_say(demo: Tracker) -> None:
    report = build_report(demo.read_model(), generated_at=GENERATED, known_at=GENERATED)
    rendered = str(render(report, "json"))
    _check("demo-all.json", rendered)
    data = json.loads(rendered)
    assert data["schema"] == "tracker.report/1"
    text = rendered
    # The XXII meeting handed the SCO chair from Kyrgyzstan to Pakistan; OTS chaired by Kyrgyzstan.
    assert "PAK" in text and "KGZ" in text
    assert "sco-joint-action-extremism-2018" in text
    assert "sco-prosecutors-general/22/protocol" in text
