"""The web face's settings: `TRACKER_WEB_*` environment variables over defaults."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["WebSettings"]


class WebSettings(BaseSettings):
    """How `tracker serve` listens and who may read without logging in."""

    model_config = SettingsConfigDict(env_prefix="TRACKER_WEB_", extra="forbid")

    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8000, ge=0, le=65535, description="port to listen on (0: any free port)")
    workers: int = Field(default=1, ge=1, le=64, description="server processes (several need PostgreSQL)")
    public_read: bool = Field(default=False, description="anyone may read without logging in (read-only)")
    page_size: int = Field(default=50, ge=1, le=500, description="rows per page in lists")
