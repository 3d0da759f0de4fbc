"""Output files (`-o` of export, report, calendar): no clobbering, no symlinks, atomic, clear errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.builders import sco_world
from tracker.cli import cli
from tracker.cli.output import write_output
from tracker.errors import OutputRefused, TrackerError


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A SQLite store holding a small SCO world."""
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    runner = CliRunner()
    for data in sco_world():
        result = runner.invoke(cli, ["--database-url", url, "record", json.dumps(data)])
        assert result.exit_code == 0, result.output
    return url


def invoke(url: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--database-url", url, *args])


COMMANDS = {
    "export": ("export",),
    "report": ("report", "--format", "md"),
    "calendar": ("calendar",),
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_refuses_to_overwrite_unless_forced(command: str, url: str, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("precious")
    refused = invoke(url, *COMMANDS[command], "-o", str(target))
    assert refused.exit_code == 1
    assert "already exists (pass --force to replace it)" in refused.output
    assert str(target) in refused.output and "Traceback" not in refused.output
    assert target.read_text() == "precious"
    forced = invoke(url, *COMMANDS[command], "-o", str(target), "--force")
    assert forced.exit_code == 0, forced.output
    assert target.read_text() != "precious" and target.stat().st_size > 0
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_never_follows_a_symlink_at_the_target(command: str, url: str, tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    link = tmp_path / "out.txt"
    link.symlink_to(victim)
    for extra in ((), ("--force",)):
        refused = invoke(url, *COMMANDS[command], "-o", str(link), *extra)
        assert refused.exit_code == 1
        assert "symbolic link" in refused.output and "Traceback" not in refused.output
    assert victim.read_text() == "do not touch" and link.is_symlink()


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_missing_directory_is_created_only_when_asked(command: str, url: str, tmp_path: Path) -> None:
    target = tmp_path / "new" / "deeper" / "out.txt"
    refused = invoke(url, *COMMANDS[command], "-o", str(target))
    assert refused.exit_code == 1
    assert f"directory {str(target.parent)!r} does not exist (pass --mkdir to create it)" in refused.output
    assert "Traceback" not in refused.output and not target.parent.exists()
    made = invoke(url, *COMMANDS[command], "-o", str(target), "--mkdir")
    assert made.exit_code == 0, made.output
    assert target.stat().st_size > 0


def test_a_planted_temporary_sibling_is_not_written_through(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    target = tmp_path / "feed.ics"
    for name in ("feed.ics.tmp", ".feed.ics.tmp"):
        (tmp_path / name).symlink_to(victim)
    write_output(target, lambda handle: handle.write(b"BEGIN:VCALENDAR"))
    assert target.read_bytes() == b"BEGIN:VCALENDAR" and victim.read_text() == "do not touch"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "report.md"
    target.write_text("old")

    def fail(handle: object) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OutputRefused) as caught:
        write_output(target, fail, force=True)
    assert isinstance(caught.value, TrackerError)
    assert caught.value.problems == [("output", str(target), "cannot write: No space left on device")]
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_written_file_gets_the_umask_mode(tmp_path: Path) -> None:
    previous = os.umask(0o022)
    try:
        write_output(tmp_path / "x", lambda handle: handle.write(b"x"))
    finally:
        os.umask(previous)
    assert (tmp_path / "x").stat().st_mode & 0o777 == 0o644


def test_demo_report_is_rewritten_but_never_through_a_symlink(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    victim = tmp_path / "victim.txt"
    victim.write_text("do not touch")
    link = tmp_path / "demo-report.html"
    link.symlink_to(victim)
    refused = invoke(url, "demo", "--report", str(link))
    assert refused.exit_code == 1 and "symbolic link" in refused.output
    assert victim.read_text() == "do not touch"
    link.unlink()
    for _ in range(2):  # make demo twice: the demo's own report is replaced
        again = invoke(url, "demo", "--report", str(link))
        assert again.exit_code == 0, again.output
    assert link.read_text(encoding="utf-8").startswith("<!")


@pytest.mark.parametrize("command", ["export", "report"])
def test_output_is_refused_before_the_store_is_opened(command: str, tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("precious")
    missing = f"sqlite:///{tmp_path / 'nowhere.sqlite'}"
    refused = invoke(missing, *COMMANDS[command], "-o", str(target))
    assert refused.exit_code == 1
    assert "already exists" in refused.output and "Database:" not in refused.output
    assert not (tmp_path / "nowhere.sqlite").exists()
