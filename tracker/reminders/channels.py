"""Where reminders go: the log, a JSON Lines file, email over SMTP, a signed webhook."""

from __future__ import annotations

import binascii
import fcntl
import hashlib
import hmac
import logging
import os
import smtplib
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol

import orjson
from standardwebhooks import Webhook
from standardwebhooks.webhooks import EmptyWebhookSecretError

from tracker.errors import TrackerError
from tracker.reminders.config import (
    EmailChannelConfig,
    FileChannelConfig,
    LogChannelConfig,
    ReminderConfigError,
    RemindersConfig,
    SmtpSettings,
    WebhookChannelConfig,
    smtp_settings,
    webhook_secret,
)
from tracker.reminders.outbox import OutboxRow

__all__ = [
    "KEY_HEADER",
    "SIGNATURE_HEADER",
    "Channel",
    "DeliveryError",
    "EmailChannel",
    "FileChannel",
    "LogChannel",
    "WebhookChannel",
    "build_channels",
    "message_id",
    "payload",
    "sign",
    "standard_webhook",
    "webhook_message_id",
]

KEY_HEADER = "Idempotency-Key"
"""HTTP header carrying the outbox key, so a resend after a crash is recognisable."""
SIGNATURE_HEADER = "X-Tracker-Signature"
"""Deprecated (kept for one release, for existing receivers): `sha256=<hex HMAC-SHA256 of the body>`.

Receivers should verify the Standard Webhooks headers instead (webhook-id, webhook-timestamp,
webhook-signature), which also let them reject replays.
"""

log = logging.getLogger("tracker.reminders")


class DeliveryError(TrackerError):
    """A send failed; `permanent` ones go straight to the dead letters, others are retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class Channel(Protocol):
    """Something that sends one outbox row within `timeout` seconds, raising DeliveryError when it cannot."""

    def send(self, row: OutboxRow, *, timeout: float) -> None:
        """Deliver the row, or raise DeliveryError; give up after `timeout` seconds at most."""
        ...


def payload(row: OutboxRow) -> dict[str, Any]:
    """The JSON form of a reminder, as the file and webhook channels write it."""
    return {
        "key": row.key,
        "reminder_key": row.reminder_key,
        "rule": row.rule,
        "kind": row.kind,
        "entity": row.entity,
        "subject": row.subject,
        "body": row.body,
        "recipients": list(row.recipients),
        "due_on": row.due_on.isoformat(),
        "late": row.late,
        "issued_at": row.created_at.isoformat(),
        "attachments": [
            {"filename": a.filename, "content_type": a.content_type, "content": a.content} for a in row.attachments
        ],
    }


class LogChannel:
    """Reminders as log lines (the console when the CLI configures logging)."""

    def send(self, row: OutboxRow, *, timeout: float) -> None:
        """Log the reminder at INFO."""
        log.info("reminder %s%s: %s\n%s", row.key, " (late)" if row.late else "", row.subject, row.body)


class FileChannel:
    """Reminders appended to a JSON Lines file, one object per line."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def send(self, row: OutboxRow, *, timeout: float) -> None:
        """Append one line; an exclusive lock keeps lines from two processes whole."""
        line = orjson.dumps(payload(row)) + b"\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("ab") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX)
                try:
                    fh.write(line)
                    fh.flush()
                    os.fsync(fh.fileno())
                finally:
                    fcntl.flock(fh, fcntl.LOCK_UN)
        except OSError as exc:
            raise DeliveryError(f"file {self.path}: {exc.strerror}") from exc


def message_id(key: str, domain: str) -> str:
    """A Message-ID derived from the outbox key: the same reminder always carries the same id."""
    # Keys hold characters a msg-id may not (":" is fine, "/" and "@" are not): hash them.
    return f"<{hashlib.sha256(key.encode('utf-8')).hexdigest()[:40]}.reminder@{domain}>"


class _DeadlineSMTP(smtplib.SMTP):
    """smtplib.SMTP whose whole conversation ends by a deadline, not each socket operation by a timeout.

    A socket timeout bounds one read or write; a server that answers slowly, line by line,
    could stretch a send far past it. Before every command and reply the socket gets only the
    time left, so the attempt as a whole is bounded.
    """

    def __init__(self, host: str, port: int, *, deadline: float) -> None:
        self.deadline = deadline
        super().__init__(host, port, timeout=self._left())

    def _left(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the attempt's time ran out")
        return left

    def _arm(self) -> None:
        if self.sock is not None:
            self.sock.settimeout(self._left())

    def send(self, s: str | bytes) -> None:  # type: ignore[override]  # smtplib's own signature is untyped
        """Send raw data with the time left."""
        self._arm()
        super().send(s)

    def getreply(self) -> tuple[int, bytes]:
        """Read a reply with the time left."""
        self._arm()
        try:
            return super().getreply()
        except smtplib.SMTPServerDisconnected:
            # smtplib reports a read timeout as a disconnection: say what happened.
            if time.monotonic() >= self.deadline - 0.05:
                raise TimeoutError("the attempt's time ran out") from None
            raise


class EmailChannel:
    """Reminders by SMTP (smtplib), STARTTLS when configured, login when credentials are set."""

    def __init__(self, config: EmailChannelConfig, settings: SmtpSettings) -> None:
        self.config = config
        self.settings = settings
        self.starttls = config.starttls if settings.starttls is None else settings.starttls

    def build(self, row: OutboxRow) -> EmailMessage:
        """The email for a row: Markdown body, attachments, Message-ID from the key."""
        msg = EmailMessage()
        msg["From"] = self.config.from_address
        msg["To"] = ", ".join(row.recipients)
        msg["Subject"] = ("[late] " if row.late else "") + row.subject
        msg["Message-ID"] = message_id(row.key, self.config.from_address.rpartition("@")[2])
        msg["Date"] = format_datetime(row.created_at)
        msg["X-Tracker-Reminder-Key"] = row.key
        msg.set_content(row.body, subtype="plain")
        for a in row.attachments:
            maintype, _, subtype = a.content_type.partition("/")
            if maintype == "text":
                msg.add_attachment(a.content, subtype=subtype, filename=a.filename)
            else:
                msg.add_attachment(a.content.encode("utf-8"), maintype=maintype, subtype=subtype,
                                   filename=a.filename)
        return msg

    def send(self, row: OutboxRow, *, timeout: float) -> None:
        """Send over SMTP within min(timeout, the channel's timeout); any failure is a retryable DeliveryError."""
        if not row.recipients:
            raise DeliveryError(f"email: reminder {row.key} has no recipient addresses "
                                f"(add addresses to the rule's recipient groups)", permanent=True)
        msg = self.build(row)
        s = self.settings
        budget = min(timeout, self.config.timeout_seconds)
        try:
            with _DeadlineSMTP(s.host, s.port, deadline=time.monotonic() + budget) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.user and s.password is not None:
                    smtp.login(s.user, s.password.get_secret_value())
                smtp.send_message(msg)
        except TimeoutError as exc:
            raise DeliveryError(f"email via {s.host}:{s.port}: no answer within {budget:.1f} s") from exc
        except (smtplib.SMTPException, OSError) as exc:
            # Only the server's reply goes into the error: never the credentials.
            raise DeliveryError(f"email via {s.host}:{s.port}: {type(exc).__name__}: {exc}") from exc


def sign(body: bytes, secret: bytes) -> str:
    """The deprecated X-Tracker-Signature value: 'sha256=' + hex HMAC-SHA256 of the exact body bytes."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


_WHSEC = "whsec_"


def standard_webhook(secret: bytes) -> Webhook:
    """The Standard Webhooks signer for TRACKER_WEBHOOK_SECRET.

    A `whsec_<base64>` secret (the standard's own form) signs with the key it encodes; any
    other secret signs with its UTF-8 bytes, so a receiver verifies with
    `Webhook(secret_bytes)` or, equivalently, `Webhook("whsec_" + base64(secret_bytes))`.
    """
    text = secret.decode("utf-8", errors="strict")
    if text.startswith(_WHSEC):
        try:
            return Webhook(text)
        except (ValueError, binascii.Error, EmptyWebhookSecretError):
            raise ReminderConfigError(
                "TRACKER_WEBHOOK_SECRET: starts with 'whsec_' but the rest is not base64 (value not shown)"
            ) from None
    return Webhook(secret)


def webhook_message_id(key: str) -> str:
    """The webhook-id of a reminder: derived from the outbox key, so a resend carries the same id."""
    return "msg_" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


class WebhookChannel:
    """Reminders as an HTTP POST of JSON, signed by the Standard Webhooks scheme, keyed with Idempotency-Key."""

    def __init__(
        self, config: WebhookChannelConfig, secret: bytes, *, clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.config = config
        self._secret = secret
        self._signer = standard_webhook(secret)
        # The signing time is the moment on the wire (receivers reject old timestamps as
        # replays), so it is the wall clock, not a scan's or delivery run's `now`.
        self._clock = clock or (lambda: datetime.now(UTC))

    def headers(self, row: OutboxRow, body: bytes) -> dict[str, str]:
        """The request headers: Standard Webhooks signature, idempotency key, deprecated HMAC header."""
        msg_id = webhook_message_id(row.key)
        moment = self._clock()
        return {
            "Content-Type": "application/json",
            KEY_HEADER: row.key,
            "webhook-id": msg_id,
            "webhook-timestamp": str(int(moment.timestamp())),
            "webhook-signature": self._signer.sign(msg_id, moment, body.decode("utf-8")),
            SIGNATURE_HEADER: sign(body, self._secret),  # deprecated: removed in the next release
            "User-Agent": "commitments-tracker-reminders",
        }

    def send(self, row: OutboxRow, *, timeout: float) -> None:
        """POST the reminder; a non-2xx answer or a network error is a retryable DeliveryError."""
        body = orjson.dumps(payload(row))
        request = urllib.request.Request(self.config.url, data=body, method="POST", headers=self.headers(row, body))
        try:
            # The timeout bounds each socket operation; a webhook answer is a status line and a
            # few headers, so the attempt stays near it.
            with urllib.request.urlopen(request, timeout=min(timeout, self.config.timeout_seconds)) as response:
                response.read()
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"webhook {self.config.url}: HTTP {exc.code} {exc.reason}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"webhook {self.config.url}: {exc}") from exc


def build_channels(
    config: RemindersConfig, *, env: Mapping[str, str] | None = None, names: Iterable[str] | None = None,
) -> dict[str, Channel]:
    """The channels the rules use (or `names`), secrets read from the environment now, not at import."""
    wanted = set(names) if names is not None else {c for rule in config.rules for c in rule.channels}
    out: dict[str, Channel] = {}
    for name in sorted(wanted):
        spec = config.channels.get(name)
        if spec is None:
            continue  # rows for a channel no longer configured fail as permanent at delivery
        if isinstance(spec, LogChannelConfig):
            out[name] = LogChannel()
        elif isinstance(spec, FileChannelConfig):
            out[name] = FileChannel(spec.path)
        elif isinstance(spec, EmailChannelConfig):
            out[name] = EmailChannel(spec, smtp_settings(env))
        elif isinstance(spec, WebhookChannelConfig):
            out[name] = WebhookChannel(spec, webhook_secret(env))
    return out
