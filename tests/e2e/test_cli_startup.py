"""The CLI starts without the store, says which database it opens, and never creates one by reading."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tests.builders import sco_world
from tracker.cli import LAZY_COMMANDS, cli
from tracker.events import ENTITY_KINDS

ROOT = Path(__file__).parents[2]
HEAVY = ("sqlalchemy", "pydantic", "eventsourcing", "tracker.events", "tracker.projections", "tracker.app", "rich",
         "psycopg")


def test_help_imports_neither_the_store_nor_the_vocabulary() -> None:
    probe = (
        "import sys\n"
        "from tracker.cli import cli\n"
        "try:\n"
        "    cli(['--help'], prog_name='tracker')\n"
        "except SystemExit:\n"
        "    pass\n"
        f"loaded = sorted(m for m in sys.modules if any(m == h or m.startswith(h + '.') for h in {HEAVY!r}))\n"
        "print('LOADED', loaded)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True,
                          timeout=120)
    assert "Commands:" in done.stdout and "status" in done.stdout and "report" in done.stdout
    assert done.stdout.strip().splitlines()[-1] == "LOADED []"


ONE_ENTITY = [("status", "body:sco-prosecutors-general"), ("presidency", "sco-prosecutors-general"),
              ("timeline", "body:sco-prosecutors-general"), ("status", "sco-prosecutors-general/16")]


@pytest.mark.parametrize("args", ONE_ENTITY, ids=[" ".join(a) for a in ONE_ENTITY])
def test_one_entity_on_sqlite_loads_neither_the_sql_toolkit_nor_the_store_and_builds_only_the_events_it_reads(
    args: tuple[str, str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'startup.sqlite'}"
    for development in sco_world():
        assert CliRunner().invoke(cli, ["--database-url", url, "record", json.dumps(development)]).exit_code == 0
    probe = (
        "import sys\n"
        "from tracker.cli import cli\n"
        "try:\n"
        f"    cli(['--database-url', {url!r}, *{list(args)!r}], prog_name='tracker')\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "from tracker import events\n"
        "built = sorted(n for n, c in events.EVENT_TYPES.items() if c.__pydantic_complete__)\n"
        "print('LOADED', sorted(m for m in ('psycopg', 'eventsourcing', 'sqlalchemy', 'pydantic_settings') "
        "if m in sys.modules))\n"
        "print('BUILT', built)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TRACKER_CONFIG": str(tmp_path / "none.toml")}
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True,
                          timeout=120)
    lines = done.stdout.strip().splitlines()
    assert "sco-prosecutors-general" in done.stdout
    assert lines[-2] == "LOADED []"
    # Validators are built when an event type is first validated, not for the whole vocabulary at
    # start-up; events our own store wrote are decoded without validation, so a read builds none of
    # the types it never validates.
    built = lines[-1].removeprefix("BUILT ")
    assert "ProposalTabled" not in built and "DocumentSigned" not in built and "BodyEstablished" not in built


@pytest.mark.parametrize("name", sorted(LAZY_COMMANDS))
def test_lazy_command_help_is_in_step_with_the_command(name: str) -> None:
    ctx = click.Context(cli)
    command = cli.get_command(ctx, name)
    assert command is not None and command.name == name
    own = (command.help or "").strip().splitlines()[0]
    assert LAZY_COMMANDS[name][1] == own


def test_every_command_is_listed_once() -> None:
    ctx = click.Context(cli)
    names = cli.list_commands(ctx)
    assert len(names) == len(set(names))
    assert {"status", "report", "calendar", "reminders", "import", "export", "init"} <= set(names)


READS = [
    ("list",), ("show", "c"), ("status", "c"), ("presidency", "b"), ("timeline", "c"), ("review",),
    ("export",), ("report",), ("calendar", "-o", "x.ics"), ("reminders", "dead-letters"), ("rebuild",),
]


@pytest.mark.parametrize("args", READS, ids=[a[0] if a[0] != "reminders" else "reminders" for a in READS])
def test_read_commands_on_a_missing_database_name_it_and_create_nothing(
    args: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    monkeypatch.setenv("TRACKER_CONFIG", str(tmp_path / "none.toml"))
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 1, result.output
    assert f"no database at {str(tmp_path / 'tracker.sqlite')!r}" in result.stderr
    assert "tracker init" in result.stderr and "TRACKER_DATABASE_URL" in result.stderr
    assert "Database: sqlite:///tracker.sqlite" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_commands_that_open_a_database_name_it_on_stderr(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'named.sqlite'}"
    runner = CliRunner()
    created = runner.invoke(cli, ["--database-url", url, "record", json.dumps(sco_world()[0])])
    assert created.exit_code == 0, created.output
    assert f"Database: {url}" in created.stderr
    listed = runner.invoke(cli, ["--database-url", url, "list", "--json"])
    assert f"Database: {url}" in listed.stderr
    assert json.loads(listed.stdout) == ["organization:sco"]  # stdout stays machine-readable


def test_stored_text_is_printed_as_recorded_with_no_emoji_codes_replaced(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'emoji.sqlite'}"
    organization = {"type": "OrganizationRegistered", "occurred_on": "2001-06-15", "organization_id": "smile",
                    "names": {"en": "Union :smile: of :thumbs_up: states"}, "unsourced": True}
    runner = CliRunner()
    assert runner.invoke(cli, ["--database-url", url, "record", json.dumps(organization)]).exit_code == 0
    shown = runner.invoke(cli, ["--database-url", url, "status", "organization:smile"])
    assert shown.exit_code == 0, shown.output
    assert "Union :smile: of :thumbs_up: states" in shown.stdout
    assert "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}" not in shown.stdout
    assert "\N{THUMBS UP SIGN}" not in shown.stdout


def test_list_offers_every_entity_kind_in_order() -> None:
    command = cli.get_command(click.Context(cli), "list")
    assert command is not None
    kind = next(p for p in command.params if p.name == "kind")
    assert isinstance(kind.type, click.Choice) and tuple(kind.type.choices) == ENTITY_KINDS
