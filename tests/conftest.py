"""Shared fixtures: the same tests run on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.pg import require_postgres, throwaway_database
from tracker.app import Tracker
from tracker.settings import Settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: a SQLite file, or a throwaway PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tracker.sqlite'}"
        return
    require_postgres()
    with throwaway_database() as url:
        yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A fresh SQLite file URL (for tests that are about the embedded default only)."""
    return f"sqlite:///{tmp_path / 'tracker.sqlite'}"


@pytest.fixture
def tracker(database_url: str) -> Iterator[Tracker]:
    """A Tracker on a fresh database of each backend."""
    app = Tracker(Settings(database_url=database_url))
    try:
        yield app
    finally:
        app.close()
