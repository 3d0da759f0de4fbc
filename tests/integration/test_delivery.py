"""Delivery through real servers: aiosmtpd for email, http.server for webhooks; a process killed mid-delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import Engine

from tests.unit.reminder_fakes import FakeReadModel, commitment, development, status_change
from tracker.cli.reminders import reminders
from tracker.db import make_engine
from tracker.reminders.channels import build_channels, message_id
from tracker.reminders.config import parse_config
from tracker.reminders.delivery import HANG_AFTER_SEND_ENV, deliver
from tracker.reminders.outbox import list_rows
from tracker.reminders.scan import scan

ROOT = Path(__file__).resolve().parents[2]
SECRET = "s3cret-for-tests"
T0 = datetime(2025, 6, 1, 9, tzinfo=UTC)  # a Monday is 2025-06-02; T0 is Sunday


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpRecorder:
    """aiosmtpd handler: keeps every message, answers 550 to mail for the refused addresses."""

    refuse: set[str] = field(default_factory=set)
    messages: list[Message] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse & set(envelope.rcpt_tos):
            self.refused += 1
            return "550 5.7.1 Delivery refused by policy"
        self.messages.append(message_from_bytes(envelope.content))
        return "250 Message accepted"


@pytest.fixture
def smtp() -> Iterator[tuple[SmtpRecorder, int]]:
    recorder = SmtpRecorder()
    port = free_port()
    controller = Controller(recorder, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        yield recorder, port
    finally:
        controller.stop()


class Hook(BaseHTTPRequestHandler):
    """Records POSTs; answers with the server's current status."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: HookServer = self.server  # type: ignore[assignment]
        server.received.append((dict(self.headers), body))
        self.send_response(server.status)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


class HookServer(ThreadingHTTPServer):
    received: list[tuple[dict[str, str], bytes]]
    status: int


@pytest.fixture
def webhook() -> Iterator[HookServer]:
    server = HookServer(("127.0.0.1", 0), Hook)
    server.received, server.status = [], 200
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture(autouse=True)
def _env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRACKER_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TRACKER_SMTP_HOST", "127.0.0.1")


def email_config(port: int, *, extra: str = "") -> str:
    return f"""
[delivery]
max_attempts = 3
backoff_seconds = 60
[channels.email]
type = "email"
from_address = "tracker@tracker.test"
starttls = false
timeout_seconds = 10
[[recipients]]
name = "sco"
organizations = ["sco"]
addresses = ["sco@desk.test"]
[[recipients]]
name = "ots"
organizations = ["ots"]
addresses = ["refuse@desk.test"]
[[rules]]
name = "overdue"
kind = "overdue"
recipients = ["sco", "ots"]
channels = ["email"]
{extra}
"""


def test_email_goes_over_real_smtp_with_a_message_id_from_the_key(
    engine: Engine, smtp: tuple[SmtpRecorder, int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder, port = smtp
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(port))
    digest = '[[rules]]\nname = "weekly"\nkind = "digest"\nrecipients = ["sco"]\nchannels = ["email"]\n'
    config = parse_config(email_config(port, extra=digest))
    rm = FakeReadModel(
        commitment_rows=[commitment("late", due="2025-05-01", org="sco")],
        development_rows=[("sco", development("commitment:late#2", summary="Progress assessed: limited",
                                              recorded_at=T0 - timedelta(days=2)))],
        change_rows=[("sco", status_change("commitment:late", recorded_at=T0 - timedelta(days=2)))],
    )
    issued = scan(engine, rm, config, now=T0)
    assert set(issued.issued) == {"overdue:commitment:late:v1@email", "weekly:digest:sco:2025-05-26@email"}
    report = deliver(engine, config.delivery, build_channels(config), now=T0)
    assert report.sent == 2
    by_key = {m["X-Tracker-Reminder-Key"]: m for m in recorder.messages}
    overdue = by_key["overdue:commitment:late:v1@email"]
    assert overdue["Message-ID"] == message_id("overdue:commitment:late:v1@email", "tracker.test")
    assert overdue["To"] == "sco@desk.test"
    assert overdue["Subject"] == "[late] Overdue: Commitment late"
    digest_msg = by_key["weekly:digest:sco:2025-05-26@email"]
    parts = {p.get_content_type(): p for p in digest_msg.walk() if not p.is_multipart()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    # The digest is the status report with its changes since the last digest.
    assert "## Changes since" in text
    # One sentence per development (this fake's development is a CommitmentUndertaken).
    assert "Commitment undertaken: " in text
    assert "Status changed from undertaken to fulfilled." in text
    html = parts["text/html"]
    assert html.get_filename() == "digest.html"
    assert "Commitment undertaken: " in html.get_payload(decode=True).decode()
    # Delivered once: another run sends nothing.
    assert deliver(engine, config.delivery, build_channels(config), now=T0 + timedelta(hours=1)).sent == 0
    assert len(recorder.messages) == 2


def test_refusing_smtp_retries_with_backoff_then_dead_letters_while_others_go(
    engine: Engine, smtp: tuple[SmtpRecorder, int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder, port = smtp
    recorder.refuse = {"refuse@desk.test"}
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(port))
    config = parse_config(email_config(port))
    rm = FakeReadModel(commitment_rows=[commitment("a", due="2025-05-01", org="sco"),
                                        commitment("b", due="2025-05-01", org="ots")])
    scan(engine, rm, config, now=T0)
    channels = build_channels(config)
    first = deliver(engine, config.delivery, channels, now=T0)
    assert (first.sent, first.retrying, first.dead) == (1, 1, 0)
    assert [m["X-Tracker-Reminder-Key"] for m in recorder.messages] == ["overdue:commitment:a:v1@email"]
    # Not due again before its backoff: 60 s, then 120 s.
    assert deliver(engine, config.delivery, channels, now=T0 + timedelta(seconds=59)).retrying == 0
    assert deliver(engine, config.delivery, channels, now=T0 + timedelta(seconds=60)).retrying == 1
    assert deliver(engine, config.delivery, channels, now=T0 + timedelta(seconds=179)).dead == 0
    last = deliver(engine, config.delivery, channels, now=T0 + timedelta(seconds=180))
    assert last.dead == 1
    assert recorder.refused == 3
    [dead] = list_rows(engine, status="dead")
    assert dead.key == "overdue:commitment:b:v1@email" and dead.attempts == 3
    assert "550" in (dead.last_error or "")
    assert len(recorder.messages) == 1


def test_webhook_is_signed_and_carries_the_idempotency_key(engine: Engine, webhook: HookServer) -> None:
    config = parse_config(f"""
[channels.hook]
type = "webhook"
url = "http://127.0.0.1:{webhook.server_address[1]}/in"
[[rules]]
name = "overdue"
kind = "overdue"
channels = ["hook"]
""")
    scan(engine, FakeReadModel(commitment_rows=[commitment("c", due="2025-05-01")]), config, now=T0)
    webhook.status = 503
    assert deliver(engine, config.delivery, build_channels(config), now=T0).retrying == 1
    webhook.status = 200
    assert deliver(engine, config.delivery, build_channels(config), now=T0 + timedelta(minutes=5)).sent == 1
    assert len(webhook.received) == 2
    for headers, body in webhook.received:
        assert headers["Idempotency-Key"] == "overdue:commitment:c:v1@hook"
        expected = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        assert hmac.compare_digest(headers["X-Tracker-Signature"], expected)
        payload = json.loads(body)
        assert payload["entity"] == "commitment:c" and payload["late"] is True
    assert SECRET not in str(webhook.received)


def test_file_channel_appends_json_lines(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "out" / "reminders.jsonl"
    config = parse_config(f'[channels.f]\ntype = "file"\npath = "{out}"\n'
                          '[[rules]]\nname = "overdue"\nkind = "overdue"\nchannels = ["f"]\n')
    rm = FakeReadModel(commitment_rows=[commitment("a", due="2025-05-01"), commitment("b", due="2025-05-02")])
    scan(engine, rm, config, now=T0)
    assert deliver(engine, config.delivery, build_channels(config), now=T0).sent == 2
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["key"] for line in lines] == ["overdue:commitment:a:v1@f", "overdue:commitment:b:v1@f"]


DELIVER_SCRIPT = """
import sys
from tracker.db import make_engine
from tracker.reminders.channels import build_channels
from tracker.reminders.config import parse_config
from tracker.reminders.delivery import deliver
config = parse_config(open(sys.argv[2]).read())
deliver(make_engine(sys.argv[1]), config.delivery, build_channels(config))
"""


def read_line(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout):
            raise AssertionError(f"no output from the delivering process within {timeout}s")
    return proc.stdout.readline()


def test_killed_between_send_and_mark_resends_once_with_the_same_key(
    engine: Engine, database_url: str, webhook: HookServer, tmp_path: Path,
) -> None:
    config_path = tmp_path / "reminders.toml"
    config_path.write_text(f"""
[delivery]
lease_seconds = 30
[channels.hook]
type = "webhook"
url = "http://127.0.0.1:{webhook.server_address[1]}/in"
[[rules]]
name = "overdue"
kind = "overdue"
channels = ["hook"]
""")
    config = parse_config(config_path.read_text())
    scan(engine, FakeReadModel(commitment_rows=[commitment("c", due="2025-05-01")]), config, now=T0)
    env = {**os.environ, "PYTHONPATH": str(ROOT), HANG_AFTER_SEND_ENV: "60"}
    proc = subprocess.Popen([sys.executable, "-c", DELIVER_SCRIPT, database_url, str(config_path)], cwd=ROOT,
                            env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert read_line(proc, 60).strip() == "SENT overdue:commitment:c:v1@hook"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL
    [row] = list_rows(engine)
    assert row.status == "pending" and row.claimed_by is not None  # sent, but the outbox never heard
    channels = build_channels(config)
    # Within the lease nobody resends; after it, exactly one resend.
    assert deliver(engine, config.delivery, channels).sent == 0
    after_lease = datetime.now(UTC) + timedelta(seconds=31)
    assert deliver(engine, config.delivery, channels, now=after_lease).sent == 1
    assert deliver(engine, config.delivery, channels, now=after_lease + timedelta(hours=1)).sent == 0
    keys = [headers["Idempotency-Key"] for headers, _ in webhook.received]
    assert keys == ["overdue:commitment:c:v1@hook"] * 2
    assert list_rows(engine)[0].status == "sent"


class Obj:
    """The CLI context object as these commands need it."""

    def __init__(self, engine: Engine, read_model: FakeReadModel) -> None:
        self._engine, self._read_model = engine, read_model

    def engine(self) -> Engine:
        return self._engine

    def read_model(self) -> FakeReadModel:
        return self._read_model


def test_cli_scan_deliver_dead_letters_retry(engine: Engine, tmp_path: Path) -> None:
    out = tmp_path / "r.jsonl"
    config_path = tmp_path / "reminders.toml"
    config_path.write_text(f"""
[delivery]
max_attempts = 1
[channels.f]
type = "file"
path = "{out}"
[channels.hook]
type = "webhook"
url = "http://127.0.0.1:{free_port()}/nobody-listens"
timeout_seconds = 5
[[rules]]
name = "overdue"
kind = "overdue"
channels = ["f", "hook"]
""")
    obj = Obj(engine, FakeReadModel(commitment_rows=[commitment("c", due="2025-05-01")]))
    runner = CliRunner()
    args = ["--config", str(config_path)]
    result = runner.invoke(reminders, ["scan", *args], obj=obj)
    assert result.exit_code == 0, result.output
    assert "issued 2 (1 late)" in result.output
    result = runner.invoke(reminders, ["deliver", *args], obj=obj)
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying 0, dead 1" in result.output
    result = runner.invoke(reminders, ["dead-letters", "--json"], obj=obj)
    [dead] = [json.loads(line) for line in result.output.splitlines()]
    assert dead["key"] == "overdue:commitment:c:v1@hook" and "webhook" in dead["last_error"]
    result = runner.invoke(reminders, ["retry", str(dead["id"])], obj=obj)
    assert result.exit_code == 0 and "queued again" in result.output
    assert [r.status for r in list_rows(engine)] == ["sent", "pending"]
    result = runner.invoke(reminders, ["retry", "999"], obj=obj)
    assert result.exit_code == 1 and "no dead letter with id 999" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nname = "r"\nkind = "overdue"\nchannels = ["ghost"]\n')
    result = runner.invoke(reminders, ["scan", "--config", str(bad)], obj=obj)
    assert result.exit_code == 1 and "unknown channel (value: 'ghost')" in result.output
