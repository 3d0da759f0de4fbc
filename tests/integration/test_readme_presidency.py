"""The README's worked presidency examples, recorded as written, answer what the README says."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from tracker.app import Tracker

README = Path(__file__).parents[2] / "README.md"
MEMBERS = {
    "asean": ["BRN", "KHM", "IDN", "LAO", "MYS", "MMR", "PHL", "SGP", "THA", "VNM"],
    "arctic-council": ["CAN", "USA", "FIN", "ISL", "RUS", "NOR", "DNK", "SWE"],
    "eu": ["BEL", "HUN", "POL", "DNK", "DEU", "FRA"],
    "ots": ["AZE", "KAZ", "KGZ", "TUR", "UZB"],
    "sco": ["CHN", "IND", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB"],
    "un": ["SVK", "HUN", "ECU", "TTO", "NGA", "CMR", "TUR", "DEU", "MDV", "IND"],
}


def _blocks() -> list[list[dict[str, Any]]]:
    section = README.read_text(encoding="utf-8").split("## Presidencies", 1)[1].split("\n## ", 1)[0]
    return [[json.loads(line) for line in block.strip().splitlines()]
            for block in re.findall(r"```jsonl\n(.*?)```", section, re.S)]


def _world(org_id: str) -> list[dict[str, Any]]:
    return [
        {"type": "OrganizationRegistered", "occurred_on": "1967-08-08", "organization_id": org_id,
         "names": {"en": org_id}, "unsourced": True},
        *[{"type": "MembershipChanged", "occurred_on": "1999-04-30", "organization_id": org_id, "state": s,
           "status": "member", "unsourced": True} for s in MEMBERS[org_id]],
    ]


def test_the_readme_examples_answer_as_the_readme_says(tracker: Tracker) -> None:
    blocks = _blocks()
    assert len(blocks) == 6
    for block in blocks:
        org_id = block[0]["organization_id"]
        for event in [*_world(org_id), *block]:
            tracker.record(event)
    model = tracker.read_model()
    asean = model.presidency("asean-summit", as_of=date(2025, 9, 1))
    assert asean is not None and asean.current is not None and asean.current.state == "MYS"
    assert [s for s, _ in asean.upcoming][:3] == ["PHL", "SGP", "THA"] and asean.notes == ()
    arctic = model.presidency("arctic-council-ministerial", as_of=date(2025, 9, 1))
    assert arctic is not None and arctic.upcoming[0] == ("SWE", date(2027, 5, 15))
    eu = model.presidency("eu-council", as_of=date(2024, 9, 1))
    assert eu is not None and eu.current is not None and eu.current.state == "HUN"
    assert eu.upcoming == (("POL", date(2025, 1, 1)), ("DNK", date(2025, 7, 1)))
    ots = model.presidency("ots-prosecutors-general", as_of=date(2025, 9, 1))
    assert ots is not None and ots.expected_next == "AZE"
    unga = model.presidency("unga", as_of=date(2025, 10, 1))
    assert unga is not None and unga.upcoming[0] == ("group:Asia-Pacific", date(2026, 9, 15))
    unknown = model.presidency("sco-prosecutors-general", as_of=date(2025, 9, 1))
    assert unknown is not None and unknown.current is not None and unknown.current.state == "KAZ"
    assert unknown.expected_next is None and unknown.upcoming == () and unknown.deviations == ()
    assert any(note.startswith("rule unknown") for note in unknown.notes)
    (held,) = model.meetings(body_id="sco-prosecutors-general")
    assert held.status == "held" and held.starts_on.text == "2024-06"
