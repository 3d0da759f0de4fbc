"""Settings: environment variables `TRACKER_*` over a TOML config file over defaults.

Read by hand rather than with pydantic-settings: these three sources need a few lines, and
pydantic-settings imports asyncio and ssl, a tenth of the start-up of `tracker status`.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

__all__ = ["Settings", "from_environment", "load_settings"]


def _config_file() -> Path:
    return Path(os.environ.get("TRACKER_CONFIG", "tracker.toml"))


def _from_file() -> dict[str, Any]:
    """The TOML file's settings ({} when there is no file); tomllib.TOMLDecodeError when it is not TOML."""
    path = _config_file()
    if not path.is_file():
        return {}
    with path.open("rb") as file:
        return tomllib.load(file)


def from_environment(prefix: str, names: Iterable[str]) -> dict[str, str]:
    """`<PREFIX><NAME>` for each setting, the variable's name in any case (as environments vary)."""
    wanted = {f"{prefix}{name}".upper(): name for name in names}
    return {wanted[key.upper()]: value for key, value in os.environ.items() if key.upper() in wanted}


class Settings(BaseModel):
    """Where the tracker keeps its data and how it behaves."""

    model_config = ConfigDict(extra="forbid")

    def __init__(self, **values: Any) -> None:
        """Explicit arguments, then TRACKER_* environment variables, then the TOML file (TRACKER_CONFIG)."""
        super().__init__(**{**_from_file(), **from_environment("TRACKER_", type(self).model_fields), **values})

    database_url: str = Field(
        default="sqlite:///tracker.sqlite",
        description="sqlite:///path/to/file.sqlite (default) or postgresql://user@host:port/dbname",
    )
    stale_days: int = Field(default=365, ge=1, description="a commitment with no development for this long is stale")
    batch_size: int = Field(default=500, ge=1, le=100_000, description="events per transaction in rebuilds")
    timezone: str = Field(default="UTC")
    connect_timeout: int = Field(
        default=5, ge=1, le=300, description="seconds to wait for the database server before saying why not"
    )
    report_language: str = Field(
        default="en", pattern=r"^[a-z]{2,3}(_[A-Za-z]+)?$",
        description="language of reports (a catalogue in projections/reports/locales, e.g. en, ru)",
    )
    lock_timeout: float = Field(
        default=10.0, gt=0, le=3600,
        description="seconds a write waits for another writer's lock (an import holds it) before giving up",
    )

    source_file_max_bytes: int = Field(
        default=50 * 1024 * 1024, ge=1, le=1024 * 1024 * 1024,
        description="largest local copy `tracker sources add` stores in the database, in bytes",
    )

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise ValueError(
                f"{value!r} is not supported: use sqlite:///FILE or postgresql://USER@HOST:PORT/DB"
            )
        return value

    @property
    def is_postgres(self) -> bool:
        """True when the database is PostgreSQL."""
        return self.database_url.startswith(("postgresql://", "postgres://"))

    def describe(self) -> str:
        """The database URL with any password hidden, for messages."""
        if not self.is_postgres:
            # An SQLite URL holds no password; SQLAlchemy would cost a read command 0.17 s to import.
            return self.database_url
        from sqlalchemy.engine import make_url  # local: keep settings import cheap

        return make_url(self.database_url).render_as_string(hide_password=True)

    def to_dict(self) -> dict[str, Any]:
        """Settings as plain values, password hidden."""
        return {**self.model_dump(), "database_url": self.describe()}


def load_settings(**overrides: Any) -> Settings:
    """Settings from arguments, TRACKER_* variables and the TOML file; a bad one is a ConfigurationError."""
    from tracker.errors import ConfigurationError
    from tracker.events.base import describe_problems, validation_problems

    try:
        return Settings(**overrides)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{_config_file()}: not valid TOML: {exc}") from None
    except ValidationError as exc:
        where = f"settings (arguments, TRACKER_* environment variables, {_config_file()})"
        raise ConfigurationError(f"{where}: {describe_problems(validation_problems(exc, root='(settings)'))}") from None
