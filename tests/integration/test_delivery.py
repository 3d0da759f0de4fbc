"""Delivery through real servers: aiosmtpd for email, http.server for webhooks; a process killed mid-delivery."""

from __future__ import annotations

import base64
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
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import Engine
from standardwebhooks import Webhook, WebhookVerificationError

from tests.unit.reminder_fakes import FakeReadModel, commitment, development, status_change
from tracker.cli.reminders import reminders
from tracker.db import make_engine
from tracker.reminders.channels import build_channels, message_id, standard_webhook, webhook_message_id
from tracker.reminders.config import ReminderConfigError, parse_config
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
        # Recorded before the 2025-05-26 slot (so that slot's digest is owed) and after the week before it.
        development_rows=[("sco", development("commitment:late#2", summary="Progress assessed: limited",
                                              recorded_at=T0 - timedelta(days=10)))],
        change_rows=[("sco", status_change("commitment:late", recorded_at=T0 - timedelta(days=10)))],
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
from tracker.reminders.config import ReminderConfigError, parse_config
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
    result = runner.invoke(reminders, ["scan", *args, "--now", "2025-06-01T09:00"], obj=obj)
    assert result.exit_code == 0, result.output
    assert "issued 2 (1 late)" in result.output
    # deliver --now matches scan --now: before the rows' issue time nothing is due yet.
    result = runner.invoke(reminders, ["deliver", *args, "--now", "2025-06-01T08:59"], obj=obj)
    assert result.exit_code == 0 and "sent 0, retrying 0, dead 0" in result.output, result.output
    result = runner.invoke(reminders, ["deliver", *args, "--now", "2025-06-01T09:00"], obj=obj)
    assert result.exit_code == 0, result.output
    assert "sent 1, retrying 0, dead 1" in result.output
    result = runner.invoke(reminders, ["deliver", *args, "--now", "yesterday"], obj=obj)
    assert result.exit_code == 2 and "--now" in result.output and "'yesterday'" in result.output
    result = runner.invoke(reminders, ["dead-letters", "--json"], obj=obj)
    [dead] = [json.loads(line) for line in result.output.splitlines()]
    assert dead["key"] == "overdue:commitment:c:v1@hook" and "webhook" in dead["last_error"]
    result = runner.invoke(reminders, ["retry", str(dead["id"])], obj=obj)
    assert result.exit_code == 0 and "queued again" in result.output
    assert [r.status for r in list_rows(engine)] == ["sent", "pending"]
    result = runner.invoke(reminders, ["retry", "999"], obj=obj)
    assert result.exit_code == 1 and "no dead letter with id 999" in result.output
    result = runner.invoke(reminders, ["list", "--json"], obj=obj)
    listed = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["channel"], r["status"]) for r in listed] == [("f", "sent"), ("hook", "pending")]
    result = runner.invoke(reminders, ["list", "--status", "pending", "--status", "dead"], obj=obj)
    assert result.exit_code == 0 and result.output.count("\n") == 1 and "\tpending\thook\t" in result.output
    result = runner.invoke(reminders, ["list", "--channel", "f", "--entity", "commitment:c"], obj=obj)
    assert "\tsent\tf\t2025-05-02 [late]\tOverdue: Commitment c\tsent " in result.output
    result = runner.invoke(reminders, ["list", "--rule", "nothing-like-it"], obj=obj)
    assert result.exit_code == 0 and "no such reminder" in result.output
    result = runner.invoke(reminders, ["list", "--status", "stuck"], obj=obj)
    assert result.exit_code == 2 and "stuck" in result.output
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rules]]\nname = "r"\nkind = "overdue"\nchannels = ["ghost"]\n')
    result = runner.invoke(reminders, ["scan", "--config", str(bad)], obj=obj)
    assert result.exit_code == 1 and "unknown channel (value: 'ghost')" in result.output


@pytest.fixture
def stalling_smtp() -> Iterator[tuple[int, list[socket.socket]]]:
    """A real TCP server that accepts connections and never says a word (no SMTP greeting)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def run() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            accepted.append(conn)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1]), accepted
    finally:
        stop.set()
        thread.join(timeout=10)
        for conn in accepted:
            conn.close()
        server.close()


def bounded_config(port: int) -> str:
    return email_config(port).replace(
        "[delivery]\n", "[delivery]\nlease_seconds = 120\nrun_deadline_seconds = 60\n"
    ).replace("timeout_seconds = 10", "timeout_seconds = 30")


def test_a_run_against_a_stalling_smtp_server_ends_by_its_deadline_and_leaves_rows_for_the_next(
    engine: Engine, stalling_smtp: tuple[int, list[socket.socket]], smtp: tuple[SmtpRecorder, int], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stall_port, accepted = stalling_smtp
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(stall_port))
    config_path = tmp_path / "reminders.toml"
    config_path.write_text(bounded_config(stall_port))
    config = parse_config(config_path.read_text())
    rm = FakeReadModel(commitment_rows=[commitment(f"c{i}", due="2025-05-01", org="sco") for i in range(4)])
    assert len(scan(engine, rm, config, now=T0).issued) == 4
    # Through the CLI, as cron runs it: a 2-second deadline against a server that never answers
    # (each send would otherwise wait its channel's 30 s timeout, and retry inside the run).
    started = time.monotonic()
    result = CliRunner().invoke(reminders, ["deliver", "--config", str(config_path), "--now", T0.isoformat(),
                                            "--deadline", "2"], obj=Obj(engine, rm))
    elapsed = time.monotonic() - started
    assert result.exit_code == 0, result.output
    # Ended by its deadline plus the database work around it (a loaded machine's margin), far
    # below one channel timeout (30 s), let alone four rows' worth with retries.
    assert elapsed < 2 + 4, elapsed
    assert "sent 0, retrying 1, dead 0, lease lost 0, deadline reached: 3 left for the next run" in result.output
    assert len(accepted) == 1  # one connection: no second attempt, no retry inside the run
    rows = list_rows(engine)
    [tried] = [r for r in rows if r.attempts]
    assert "no answer within" in (tried.last_error or "") and tried.next_attempt_at == T0 + timedelta(seconds=60)
    assert all(r.status == "pending" and r.claimed_by is None and r.lease_until is None for r in rows)
    # The server is fixed; the next run sends the three that were left, not the failed one (backoff)...
    recorder, good_port = smtp
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(good_port))
    second = deliver(engine, config.delivery, build_channels(config), now=T0 + timedelta(seconds=30))
    assert (second.sent, second.deferred, second.out_of_time) == (3, 0, False)
    assert tried.key not in {m["X-Tracker-Reminder-Key"] for m in recorder.messages}
    # ...and a run after its backoff sends that one too: retries happen across runs.
    assert deliver(engine, config.delivery, build_channels(config), now=T0 + timedelta(seconds=60)).sent == 1
    assert sorted(m["X-Tracker-Reminder-Key"] for m in recorder.messages) == sorted(r.key for r in rows)
    assert [r.attempts for r in list_rows(engine) if r.key == tried.key] == [2]


def test_a_failed_row_is_never_retried_within_the_same_run(
    engine: Engine, smtp: tuple[SmtpRecorder, int], monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorder, port = smtp
    recorder.refuse = {"refuse@desk.test"}
    monkeypatch.setenv("TRACKER_SMTP_PORT", str(port))
    config = parse_config(email_config(port).replace("backoff_seconds = 60", "backoff_seconds = 0")
                          .replace("max_attempts = 3", "max_attempts = 5"))
    scan(engine, FakeReadModel(commitment_rows=[commitment(f"b{i}", due="2025-05-01", org="ots")
                                                for i in range(3)]), config, now=T0)
    # No backoff configured: still one attempt per row per run (each retry waits at least a second).
    first = deliver(engine, config.delivery, build_channels(config), now=T0)
    assert (first.retrying, recorder.refused) == (3, 3)
    assert deliver(engine, config.delivery, build_channels(config), now=T0 + timedelta(seconds=1)).retrying == 3
    assert recorder.refused == 6


def test_run_deadline_must_be_shorter_than_the_lease() -> None:
    with pytest.raises(ReminderConfigError, match=r"run_deadline_seconds: must be shorter than lease_seconds \(300\)"
                                                   r" \(value: 300(\.0)?\)"):
        parse_config("[delivery]\nrun_deadline_seconds = 300\n")


class VerifyingHook(BaseHTTPRequestHandler):
    """A receiver as the Standard Webhooks docs describe one: verify with the library, reject replays by id."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server: VerifyingServer = self.server  # type: ignore[assignment]
        headers = {name.lower(): value for name, value in self.headers.items()}  # HTTP names are case-blind
        try:
            payload = Webhook(server.secret).verify(body, headers)
        except WebhookVerificationError as exc:
            server.outcomes.append(f"rejected: {exc}")
            self.send_response(400)
        else:
            if headers["webhook-id"] in server.seen:
                server.outcomes.append("rejected: replayed id")
                self.send_response(409)
            else:
                server.seen.add(headers["webhook-id"])
                server.outcomes.append(f"accepted: {payload['key']}")
                server.requests.append((headers, body))
                self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        return None


class VerifyingServer(ThreadingHTTPServer):
    secret: str
    seen: set[str]
    outcomes: list[str]
    requests: list[tuple[dict[str, str], bytes]]


@pytest.fixture
def verifying_receiver() -> Iterator[VerifyingServer]:
    server = VerifyingServer(("127.0.0.1", 0), VerifyingHook)
    # The receiver holds the secret in the standard's own form: whsec_ + base64 of the key bytes.
    server.secret = "whsec_" + base64.b64encode(SECRET.encode()).decode()
    server.seen, server.outcomes, server.requests = set(), [], []
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def post(url: str, headers: dict[str, str], body: bytes) -> int:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_standard_webhooks_receiver_verifies_and_rejects_replays_and_tampering(
    engine: Engine, verifying_receiver: VerifyingServer,
) -> None:
    url = f"http://127.0.0.1:{verifying_receiver.server_address[1]}/in"
    config = parse_config(f'[channels.hook]\ntype = "webhook"\nurl = "{url}"\n'
                          '[[rules]]\nname = "overdue"\nkind = "overdue"\nchannels = ["hook"]\n')
    scan(engine, FakeReadModel(commitment_rows=[commitment("c", due="2025-05-01")]), config, now=T0)
    assert deliver(engine, config.delivery, build_channels(config), now=T0).sent == 1
    assert verifying_receiver.outcomes == ["accepted: overdue:commitment:c:v1@hook"]
    [(headers, body)] = verifying_receiver.requests
    assert headers["webhook-id"] == webhook_message_id("overdue:commitment:c:v1@hook")
    assert abs(int(headers["webhook-timestamp"]) - time.time()) < 60  # the wall clock, not the run's `now`
    # The deprecated header is still sent, for one release.
    assert headers["x-tracker-signature"] == "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    wire = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection")}
    # The same request again: the receiver has seen its id.
    assert post(url, wire, body) == 409
    # A tampered body, or a tampered timestamp, fails the signature.
    assert post(url, wire, body.replace(b'"late":true', b'"late":false')) == 400
    assert post(url, {**wire, "webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}, body) == 400
    # Replayed later than the standard's tolerance (5 minutes), it is too old, even under a fresh id.
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=6), tick=True):
        assert post(url, {**wire, "webhook-id": "msg_other"}, body) == 400
    assert verifying_receiver.outcomes[1:] == [
        "rejected: replayed id", "rejected: No matching signature found", "rejected: No matching signature found",
        "rejected: Message timestamp too old",
    ]


def test_a_whsec_secret_signs_with_the_key_it_encodes_and_a_bad_one_is_refused() -> None:
    key = b"\x01\x02binary key\xff"
    signer = standard_webhook(("whsec_" + base64.b64encode(key).decode()).encode())
    moment = datetime.now(UTC)
    signature = signer.sign("msg_1", moment, '{"a":1}')
    assert Webhook(key).verify('{"a":1}', {"webhook-id": "msg_1", "webhook-timestamp": str(int(moment.timestamp())),
                                           "webhook-signature": signature}) == {"a": 1}
    with pytest.raises(ReminderConfigError, match="TRACKER_WEBHOOK_SECRET: starts with 'whsec_'"):
        standard_webhook(b"whsec_!!!")
