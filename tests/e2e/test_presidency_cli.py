"""`tracker presidency` from the command line: more upcoming terms, and what the answer rests on."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.test_cli import run


def test_horizon_shows_more_upcoming_terms_and_refuses_a_negative_one(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    assert run("demo", "--report", str(tmp_path / "r.html"), cwd=tmp_path, url=url).returncode == 0
    default = json.loads(run("presidency", "sco-prosecutors-general", "--json", cwd=tmp_path, url=url).stdout)
    assert len(default["presidency"]["upcoming"]) == 6
    longer = json.loads(run("presidency", "sco-prosecutors-general", "--horizon", "12", "--json",
                            cwd=tmp_path, url=url).stdout)
    upcoming = [state for state, _ in longer["presidency"]["upcoming"]]
    # Two rounds of the SCO's six members of 2018 plus the later ones, in the SCO's Russian order.
    assert len(upcoming) == 12 and upcoming[:6] == [state for state, _ in default["presidency"]["upcoming"]]
    # The SCO's own names order the cycle (no ISO fallback); the demo's meetings 16 and 22
    # leave 18-21 unrecorded, and the answer says so.
    assert longer["presidency"]["notes"] == [
        "meetings numbered 18, 19, 20, 21 have no record (recorded: 16 to 22, with gaps)"]
    bad = run("presidency", "sco-prosecutors-general", "--horizon", "-1", cwd=tmp_path, url=url)
    assert bad.returncode == 2 and "--horizon" in bad.stderr
