"""reminders.toml as pydantic models, and the secrets that only ever come from the environment."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import time
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from tracker.errors import ConfigurationError
from tracker.events.base import describe_problems, validation_problems
from tracker.projections.reminders import RecipientGroup, Rule, RuleKind

__all__ = [
    "WEEKDAYS",
    "ChannelConfig",
    "DeliveryConfig",
    "EmailChannelConfig",
    "FileChannelConfig",
    "LogChannelConfig",
    "RecipientConfig",
    "ReminderConfigError",
    "RemindersConfig",
    "RuleConfig",
    "ScheduleConfig",
    "SmtpSettings",
    "WebhookChannelConfig",
    "default_config_text",
    "load_config",
    "parse_config",
    "smtp_settings",
    "webhook_secret",
]

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""Digest weekdays as the config spells them."""

# Keys that would put a credential in the file: refused so nobody is tempted.
_SECRET_KEYS = frozenset({"password", "user", "username", "secret", "token", "host", "port"})


class ReminderConfigError(ConfigurationError, ValueError):
    """reminders.toml is unreadable or invalid; the message names the field and the value."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleConfig(_Model):
    """When the scheduler runs its jobs."""

    scan_every_minutes: int = Field(default=15, ge=1, le=1440)
    deliver_every_seconds: int = Field(default=60, ge=1, le=86400)
    misfire_grace_seconds: int = Field(default=3600, ge=1)


class DeliveryConfig(_Model):
    """Leases, retries and backoff of the outbox."""

    lease_seconds: int = Field(default=300, ge=1)
    max_attempts: int = Field(default=6, ge=1, le=100)
    backoff_seconds: int = Field(default=60, ge=0)
    backoff_max_seconds: int = Field(default=21600, ge=0)
    batch: int = Field(default=100, ge=1, le=10000)
    run_deadline_seconds: float | None = Field(default=None, gt=0, le=86400)

    def deadline_seconds(self) -> float:
        """How long one delivery run may take: as set, else 50 s or 80% of the lease if shorter."""
        if self.run_deadline_seconds is not None:
            return self.run_deadline_seconds
        return min(50.0, self.lease_seconds * 0.8)

    @field_validator("run_deadline_seconds")
    @classmethod
    def _deadline_within_lease(cls, value: float | None, info: ValidationInfo) -> float | None:
        # A run's claims must outlive the run: otherwise another worker could take a row
        # this run is still sending, and the receiver would get it twice.
        lease = info.data.get("lease_seconds")
        if value is not None and lease is not None and value >= lease:
            raise ValueError(f"must be shorter than lease_seconds ({lease})")
        return value


class LogChannelConfig(_Model):
    """Write reminders to the log (console)."""

    type: Literal["log"]


class FileChannelConfig(_Model):
    """Append reminders to a JSON Lines file."""

    type: Literal["file"]
    path: Path


class EmailChannelConfig(_Model):
    """Send reminders by SMTP; server and credentials come from TRACKER_SMTP_* variables."""

    type: Literal["email"]
    from_address: str = Field(min_length=3, pattern=r"^[^@\s]+@[^@\s]+$")
    starttls: bool = True
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)


class WebhookChannelConfig(_Model):
    """POST reminders as signed JSON; the signing secret comes from TRACKER_WEBHOOK_SECRET."""

    type: Literal["webhook"]
    url: str = Field(pattern=r"^https?://\S+$")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)


ChannelConfig = Annotated[
    LogChannelConfig | FileChannelConfig | EmailChannelConfig | WebhookChannelConfig,
    Field(discriminator="type"),
]


class RecipientConfig(_Model):
    """A named group of recipients, concerned with some organizations or bodies (none named: all)."""

    name: str = Field(min_length=1, max_length=100)
    organizations: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()

    @field_validator("addresses")
    @classmethod
    def _emails(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for address in value:
            if "@" not in address or any(ch.isspace() for ch in address):
                raise ValueError(f"{address!r} is not an email address")
        return value


class RuleConfig(_Model):
    """One rule: a kind of reminder, its timing, its recipients and channels."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    kind: RuleKind
    days_before: tuple[Annotated[int, Field(ge=0, le=3660)], ...] | None = None
    stale_after_days: int | None = Field(default=None, ge=1)
    weekday: Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"] = "monday"
    at: time = time(8, 0)
    recipients: tuple[str, ...] = ()
    channels: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _defaults_for_kind(self) -> RuleConfig:
        if self.days_before is not None and self.kind not in (
            "deadline_approaching", "meeting_upcoming", "chair_term_ending",
        ):
            raise ValueError(f"days_before: a {self.kind} rule has no days_before (value: {self.days_before!r})")
        return self

    def effective_days_before(self) -> tuple[int, ...]:
        """days_before, or the issue's defaults for the kind."""
        if self.days_before is not None:
            return self.days_before
        return {"deadline_approaching": (30, 7, 1), "meeting_upcoming": (14, 1), "chair_term_ending": (30,)}.get(
            self.kind, ()
        )


class RemindersConfig(_Model):
    """The whole of reminders.toml."""

    schedule: ScheduleConfig = ScheduleConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    channels: dict[str, ChannelConfig] = Field(default_factory=dict)
    recipients: tuple[RecipientConfig, ...] = ()
    rules: tuple[RuleConfig, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> RemindersConfig:
        groups = {r.name for r in self.recipients}
        if len(groups) != len(self.recipients):
            raise ValueError("recipients: group names must be unique")
        if len({r.name for r in self.rules}) != len(self.rules):
            raise ValueError("rules: rule names must be unique (they are part of every reminder's key)")
        for i, rule in enumerate(self.rules):
            for channel in rule.channels:
                if channel not in self.channels:
                    raise ValueError(
                        f"rules.{i}.channels: unknown channel (value: {channel!r}); "
                        f"defined: {sorted(self.channels)}"
                    )
            for group in rule.recipients:
                if group not in groups:
                    raise ValueError(
                        f"rules.{i}.recipients: unknown recipient group (value: {group!r}); defined: {sorted(groups)}"
                    )
        return self

    def core_rules(self) -> list[Rule]:
        """The rules as the pure core takes them, recipient groups resolved."""
        groups = {
            g.name: RecipientGroup(g.name, g.organizations, g.bodies, g.addresses) for g in self.recipients
        }
        return [
            Rule(
                name=r.name,
                kind=r.kind,
                channels=r.channels,
                recipients=tuple(groups[g] for g in r.recipients),
                days_before=r.effective_days_before(),
                stale_after_days=r.stale_after_days,
                weekday=WEEKDAYS.index(r.weekday),
                at=r.at,
            )
            for r in self.rules
        ]


def _find_secret_keys(data: Any, path: str = "") -> list[str]:
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            if path.startswith("channels.") and key in _SECRET_KEYS:
                found.append(where)
            found += _find_secret_keys(value, where)
    return found


def parse_config(text: str, *, source: str = "reminders.toml") -> RemindersConfig:
    """Validate reminders.toml text; ReminderConfigError names each bad field and its value."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ReminderConfigError(f"{source}: not valid TOML: {exc}") from None
    secrets = _find_secret_keys(data)
    if secrets:
        raise ReminderConfigError(
            f"{source}: {', '.join(secrets)}: SMTP server, credentials and webhook secrets are read from the "
            "environment (TRACKER_SMTP_HOST, TRACKER_SMTP_PORT, TRACKER_SMTP_USER, TRACKER_SMTP_PASSWORD, "
            "TRACKER_WEBHOOK_SECRET), never from the config file"
        )
    try:
        return RemindersConfig.model_validate(data)
    except ValidationError as exc:
        raise ReminderConfigError(f"{source}: " + describe_problems(validation_problems(exc, root="(file)"))) from None


def default_config_text() -> str:
    """The shipped config/reminders.toml."""
    return resources.files("tracker.config").joinpath("reminders.toml").read_text(encoding="utf-8")


def load_config(path: Path | None = None) -> RemindersConfig:
    """Read and validate a reminders.toml (the shipped default when no path is given)."""
    if path is None:
        return parse_config(default_config_text(), source="config/reminders.toml (default)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ReminderConfigError(f"{path}: cannot read: {exc.strerror}") from None
    return parse_config(text, source=str(path))


class SmtpSettings(_Model):
    """SMTP server and credentials, from TRACKER_SMTP_HOST/PORT/USER/PASSWORD/STARTTLS."""

    host: str
    port: int = Field(default=587, ge=1, le=65535)
    user: str | None = None
    password: SecretStr | None = None  # SecretStr: never printed in logs or reprs
    starttls: bool | None = None  # overrides the config file's starttls when set


def smtp_settings(env: Mapping[str, str] | None = None) -> SmtpSettings:
    """SMTP settings from the environment; ReminderConfigError naming the variable when missing or bad."""
    env = os.environ if env is None else env
    host = env.get("TRACKER_SMTP_HOST", "").strip()
    if not host:
        raise ReminderConfigError("TRACKER_SMTP_HOST: required by the email channel but not set")
    raw_port = env.get("TRACKER_SMTP_PORT", "587").strip()
    if not raw_port.isdigit() or not 1 <= int(raw_port) <= 65535:
        raise ReminderConfigError(f"TRACKER_SMTP_PORT: not a port number (value: {raw_port!r})")
    raw_tls = env.get("TRACKER_SMTP_STARTTLS")
    starttls: bool | None = None
    if raw_tls is not None:
        if raw_tls.lower() not in ("1", "0", "true", "false", "yes", "no"):
            raise ReminderConfigError(f"TRACKER_SMTP_STARTTLS: expected true or false (value: {raw_tls!r})")
        starttls = raw_tls.lower() in ("1", "true", "yes")
    password = env.get("TRACKER_SMTP_PASSWORD")
    return SmtpSettings(
        host=host,
        port=int(raw_port),
        user=env.get("TRACKER_SMTP_USER") or None,
        password=SecretStr(password) if password else None,
        starttls=starttls,
    )


def webhook_secret(env: Mapping[str, str] | None = None) -> bytes:
    """The webhook signing secret from TRACKER_WEBHOOK_SECRET; ReminderConfigError when unset."""
    env = os.environ if env is None else env
    secret = env.get("TRACKER_WEBHOOK_SECRET", "")
    if not secret:
        raise ReminderConfigError("TRACKER_WEBHOOK_SECRET: required by the webhook channel but not set")
    return secret.encode("utf-8")
