"""The web face's settings: `TRACKER_WEB_*` environment variables over defaults."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tracker.settings import from_environment

__all__ = ["WebSettings"]


class WebSettings(BaseModel):
    """How `tracker serve` listens and who may read without logging in."""

    model_config = ConfigDict(extra="forbid")

    def __init__(self, **values: Any) -> None:
        """Explicit arguments over TRACKER_WEB_* environment variables, read as `Settings` reads its own."""
        super().__init__(**{**from_environment("TRACKER_WEB_", type(self).model_fields), **values})

    host: str = Field(default="127.0.0.1", description="address to listen on")
    port: int = Field(default=8000, ge=0, le=65535, description="port to listen on (0: any free port)")
    workers: int = Field(default=1, ge=1, le=64, description="server processes (several need PostgreSQL)")
    public_read: bool = Field(default=False, description="anyone may read without logging in (read-only)")
    page_size: int = Field(default=50, ge=1, le=500, description="rows per page in lists")
