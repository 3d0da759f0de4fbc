"""What `tracker import` says: an empty file is named as such, rejected lines are each named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.builders import event, sco_world
from tracker.cli import cli
from tracker.cli.io import line_ranges


@pytest.mark.parametrize(("content", "said"), [(b"", "is empty"), (b"\n  \n\t\n", "holds only blank lines"),
                                               (b"\xef\xbb\xbf\n", "holds only blank lines")])
def test_an_empty_or_blank_file_says_so_and_exits_0(content: bytes, said: str, tmp_path: Path) -> None:
    file = tmp_path / "in.jsonl"
    file.write_bytes(content)
    result = CliRunner().invoke(cli, ["--database-url", f"sqlite:///{tmp_path / 't.sqlite'}", "import", str(file)])
    assert result.exit_code == 0, result.output
    assert f"Nothing to import: {file} {said}." in result.stdout


def test_keep_going_summary_names_each_rejected_line(tmp_path: Path) -> None:
    lines = [json.dumps(e) for e in sco_world()]
    bad = json.dumps(event("MembershipChanged", organization_id="sco", state="Atlantis", status="member"))
    lines[3:3] = [bad, bad]
    lines.append("{not json")
    file = tmp_path / "in.jsonl"
    file.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(
        cli, ["--database-url", f"sqlite:///{tmp_path / 't.sqlite'}", "import", "--keep-going", str(file)]
    )
    assert result.exit_code == 1
    total = len(lines)
    assert f"{total - 3} stored, 0 already present, 3 rejected (lines 4-5, {total})." in result.stdout
    for number in (4, 5, total):
        assert f"line {number}: " in result.stderr
    assert "Atlantis" in result.stderr


def test_line_ranges() -> None:
    assert line_ranges([(7, ""), (2, ""), (5, ""), (6, "")]) == "2, 5-7"
    assert line_ranges([(3, "")]) == "3"
    assert line_ranges([]) == ""
