"""User mistakes that used to end in a traceback or a 30 s wait: one clear line, exit 1, nothing stored."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy.engine import make_url

from tests.builders import event, sco_world
from tests.pg import ADMIN_URL, require_postgres
from tracker.bootstrap import open_tracker
from tracker.cli import cli
from tracker.errors import ConfigurationError, StoreUnavailable
from tracker.settings import Settings


def invoke(url: str, *args: str, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(cli, ["--database-url", url, *args], input=stdin)


def _stored(url: str) -> list[str]:
    return invoke(url, "list").stdout.split()


def test_record_file_with_invalid_utf8_names_file_and_byte_offset(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    assert invoke(url, "init").exit_code == 0
    data = json.dumps(event("OrganizationRegistered", organization_id="sco", names={"en": "SCO"}))
    bad = tmp_path / "event.json"
    bad.write_bytes(data.encode().replace(b"SCO", b"SC\xe9"))
    result = invoke(url, "record", str(bad))
    assert result.exit_code == 1
    offset = data.index("SCO") + 2
    assert f"not valid UTF-8 at byte {offset}" in result.output and str(bad) in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    from_stdin = invoke(url, "record", "-", stdin=bad.read_bytes())
    assert from_stdin.exit_code == 1
    assert f"not valid UTF-8 at byte {offset}" in from_stdin.output and "standard input" in from_stdin.output
    assert _stored(url) == []


def test_record_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    data = json.dumps(event("OrganizationRegistered", organization_id="sco", names={"en": "ШОС"}))
    file = tmp_path / "event.json"
    file.write_bytes(b"\xef\xbb\xbf" + data.encode())
    result = invoke(url, "record", str(file))
    assert result.exit_code == 0, result.output
    assert _stored(url) == ["organization:sco"]


@pytest.mark.parametrize("keep_going", [False, True])
def test_import_file_with_invalid_utf8_names_line_and_byte_offset(tmp_path: Path, keep_going: bool) -> None:
    url = f"sqlite:///{tmp_path / 't.sqlite'}"
    lines = [json.dumps(e).encode() for e in sco_world()]
    lines[2] = lines[2].replace(b'"', b'"\xff', 1)
    file = tmp_path / "in.jsonl"
    file.write_bytes(b"\n".join(lines) + b"\n")
    offset = b"\n".join(lines).index(b"\xff")
    result = invoke(url, "import", str(file), *(["--keep-going"] if keep_going else []))
    assert result.exit_code == 1
    assert f"line 3: file: not valid UTF-8 at byte {offset} (line 3)" in result.output
    assert str(file) in result.output
    stored = _stored(url)
    if keep_going:
        assert f"{len(lines) - 1} stored" in result.output and "1 rejected" in result.output
        assert stored  # the good lines are kept
    else:
        assert stored == []  # all or nothing


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("change", "cause"),
    [
        ({"database": "tracker_no_such_database"}, 'database "tracker_no_such_database" does not exist'),
        ({"username": "tracker_no_such_role", "password": "s3cret"}, 'role "tracker_no_such_role" does not exist'),
        ({"port": "closed"}, "connection refused at 127.0.0.1:"),
    ],
)
def test_database_connection_errors_name_the_database_and_the_cause(change: dict[str, str], cause: str) -> None:
    require_postgres()
    if change.get("port") == "closed":
        url = make_url(ADMIN_URL).set(host="127.0.0.1", port=_closed_port())
    else:
        url = make_url(ADMIN_URL).set(**change)
    text = url.render_as_string(hide_password=False)
    with pytest.raises(StoreUnavailable) as caught:
        open_tracker(Settings(database_url=text, connect_timeout=5))
    error = caught.value
    assert isinstance(error, ConfigurationError)
    assert cause in str(error)
    assert url.render_as_string(hide_password=True) in str(error)
    assert "s3cret" not in str(error) and "couldn't get a connection" not in str(error)
    assert error.problems[0][0] == "database_url"
    result = invoke(text, "list")
    assert result.exit_code == 1 and cause in result.output and "Traceback" not in result.output


@pytest.mark.parametrize(
    ("toml", "env", "said"),
    [
        ("database_url = \n", {}, "not valid TOML: Invalid value (at line 1, column 16)"),
        ("", {"TRACKER_STALE_DAYS": "abc"}, "stale_days: Input should be a valid integer"),
        ("", {"TRACKER_DATABASE_URL": "mysql://x/y"}, "database_url: 'mysql://x/y' is not supported"),
    ],
)
def test_bad_settings_are_one_line_naming_where_they_come_from(
    toml: str, env: dict[str, str], said: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "tracker.toml"
    config.write_text(toml)
    monkeypatch.setenv("TRACKER_CONFIG", str(config))
    monkeypatch.delenv("TRACKER_DATABASE_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(cli, ["list"])
    assert result.exit_code == 1
    assert said in result.output and result.output.count("\n") == 1
    assert str(config) in result.output or "TRACKER_*" in result.output
    assert isinstance(result.exception, SystemExit)
