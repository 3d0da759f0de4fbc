"""End to end through the `tracker` command, as a user runs it: real processes, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import orjson

from tests.builders import event, sco_world

ROOT = Path(__file__).parents[2]


def run(
    *args: str, cwd: Path, url: str | None = None, stdin: str | None = None, columns: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m tracker ARGS` in `cwd`, against `url` when given (tables `columns` wide when given)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TRACKER_DATABASE_URL", None)
    if columns:
        env["COLUMNS"] = str(columns)
    if url:
        env["TRACKER_DATABASE_URL"] = url
    return subprocess.run([sys.executable, "-m", "tracker", *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=180, check=False)


def test_demo_on_the_embedded_default(tmp_path: Path) -> None:
    result = run("demo", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "38 events stored" in result.stdout
    assert "Pakistan (PAK)" in result.stdout  # the chair passed from Kyrgyzstan at the XXII meeting
    assert "sco-joint-action" in result.stdout  # the open commitment (the table may wrap its id)
    assert (tmp_path / "tracker.sqlite").exists()
    report = (tmp_path / "demo-report.html").read_text(encoding="utf-8")
    assert "<svg" in report and "PAK" in report
    again = run("demo", cwd=tmp_path)
    assert again.returncode == 0 and "0 events stored, 38 already present" in again.stdout


def test_demo_refuses_to_mix_into_other_data(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'mine.sqlite'}"
    mine = event("OrganizationRegistered", organization_id="asean", names={"en": "ASEAN"})
    assert run("record", json.dumps(mine), cwd=tmp_path, url=url).returncode == 0
    refused = run("demo", cwd=tmp_path, url=url)
    assert refused.returncode == 1
    assert "already holds 1 events that are not the demo's" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert run("demo", "--force", cwd=tmp_path, url=url).returncode == 0


def test_record_show_list_status_and_clear_errors(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    for data in sco_world():
        result = run("record", "-", cwd=tmp_path, url=url, stdin=json.dumps(data))
        assert result.returncode == 0, result.stderr
    listed = run("list", "commitment", cwd=tmp_path, url=url)
    assert listed.stdout.split() == ["commitment:c"]
    bad = run("record", json.dumps(event("ProgressAssessed", commitment_id="c", party="Türkiye", level="limited")),
              cwd=tmp_path, url=url)
    assert bad.returncode == 1
    assert "party" in bad.stderr and "TUR" in bad.stderr and "Traceback" not in bad.stderr
    unknown = run("status", "nothing-here", cwd=tmp_path, url=url)
    assert unknown.returncode == 1 and "nothing recorded as 'nothing-here'" in unknown.stderr
    status = run("status", "c", "--json", cwd=tmp_path, url=url)
    document = json.loads(status.stdout)
    assert document["schema"] == "tracker.cli/1"
    assert document["status"]["status"] == "undertaken"
    assert document["status"]["parties"][:2] == ["CHN", "IND"]
    shown = run("show", "c", "--json", cwd=tmp_path, url=url)
    assert [row["ref"] for row in json.loads(shown.stdout)] == ["commitment:c#1"]


def test_import_names_line_field_and_value_and_stores_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    lines = [orjson.dumps(e).decode() for e in sco_world()]
    lines.insert(3, json.dumps(event("MembershipChanged", organization_id="sco", state="Atlantis", status="member")))
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    failed = run("import", str(source), cwd=tmp_path, url=url)
    assert failed.returncode == 1
    assert "line 4" in failed.stderr and "state" in failed.stderr and "Atlantis" in failed.stderr
    assert run("list", cwd=tmp_path, url=url).stdout.strip() == ""
    kept = run("import", str(source), "--keep-going", cwd=tmp_path, url=url)
    assert kept.returncode == 1 and f"{len(lines) - 1} stored" in kept.stdout
    del lines[3]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    again = run("import", str(source), cwd=tmp_path, url=url)
    assert again.returncode == 0 and "Nothing new" in again.stdout


def test_export_then_import_round_trip_through_the_cli(tmp_path: Path) -> None:
    first, second = f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"
    assert run("demo", "--report", str(tmp_path / "r.html"), cwd=tmp_path, url=first).returncode == 0
    exported = tmp_path / "all.jsonl"
    assert run("export", "-o", str(exported), cwd=tmp_path, url=first).returncode == 0
    assert run("import", str(exported), cwd=tmp_path, url=second).returncode == 0
    again = tmp_path / "again.jsonl"
    assert run("export", "-o", str(again), cwd=tmp_path, url=second).returncode == 0
    assert exported.read_bytes() == again.read_bytes()
    assert len(exported.read_bytes().splitlines()) == 38


def test_presidency_as_of_and_known_at(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    assert run("demo", "--report", str(tmp_path / "r.html"), cwd=tmp_path, url=url).returncode == 0
    now = json.loads(run("presidency", "sco-prosecutors-general", "--json", cwd=tmp_path, url=url).stdout)
    assert now["presidency"]["current"]["state"] == "PAK"
    assert now["presidency"]["expected_next"] == "RUS"
    before = json.loads(run("presidency", "sco-prosecutors-general", "--as-of", "2024-01-01", "--json",
                            cwd=tmp_path, url=url).stdout)
    assert before["presidency"]["current"]["state"] == "KGZ"
    unknown_then = run("presidency", "sco-prosecutors-general", "--known-at", "2000-01-01T00:00", cwd=tmp_path,
                       url=url)
    assert unknown_then.returncode == 1 and "had not been established" in unknown_then.stderr
    bad_date = run("presidency", "sco-prosecutors-general", "--as-of", "July 2024", cwd=tmp_path, url=url)
    assert bad_date.returncode == 2 and "is not a date" in bad_date.stderr
