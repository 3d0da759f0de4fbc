"""`tracker review` shows each item's id, state and the decision that counts; `tracker list` lists entities only."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import run


def _decision(item_id: str, entity: str) -> dict[str, object]:
    return {"type": "ReviewDecided", "occurred_on": "2026-11-30", "item_id": item_id, "entity": entity,
            "decision": "explained", "reason": "the 18th to 21st meetings were held; no report reached us",
            "recorded_by": "ana", "unsourced": True}


def test_review_shows_decisions_and_list_leaves_review_streams_out(tmp_path: Path) -> None:
    assert run("demo", cwd=tmp_path).returncode == 0
    before = json.loads(run("review", "--json", cwd=tmp_path).stdout)["review"]
    assert before and all(item["state"] == "open" and item["decision"] is None for item in before)
    first = before[0]
    assert len(first["item_id"]) == 16 and first["entity"] and first["message"]

    recorded = run("record", json.dumps(_decision(first["item_id"], first["entity"])), cwd=tmp_path)
    assert recorded.returncode == 0, recorded.stderr

    after = {item["item_id"]: item for item in json.loads(run("review", "--json", cwd=tmp_path).stdout)["review"]}
    decided = after[first["item_id"]]
    assert decided["state"] == "decided"
    assert decided["decision"]["decision"] == "explained" and decided["decision"]["decided_by"] == "ana"
    shown = run("review", cwd=tmp_path, columns=200)
    assert first["item_id"] in shown.stdout
    assert "decided: explained by ana on 2026-11-30" in shown.stdout

    listed = run("list", cwd=tmp_path).stdout.split()
    assert "organization:sco" in listed
    assert not [s for s in listed if s.startswith("review:")], listed
