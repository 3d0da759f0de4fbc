"""Throwaway PostgreSQL databases for tests: one per test, created and dropped around it."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ADMIN_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

__all__ = ["ADMIN_URL", "postgres_available", "require_postgres", "throwaway_database"]


def postgres_available() -> str | None:
    """None when the server answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def require_postgres() -> None:
    """Skip (outside CI) or fail (under CI=true) when PostgreSQL is not reachable."""
    problem = postgres_available()
    if problem is None:
        return
    message = (
        f"PostgreSQL not reachable at {ADMIN_URL} ({problem}). Start a server there (user postgres, "
        "trust auth) or set TRACKER_TEST_POSTGRES_URL to an admin URL to run the PostgreSQL tests."
    )
    if os.environ.get("CI") == "true":
        pytest.fail("CI=true requires the PostgreSQL tests to run: " + message, pytrace=False)
    pytest.skip(message)


@contextmanager
def throwaway_database() -> Iterator[str]:
    """Create a fresh database, yield its URL, and drop it afterwards."""
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"tracker_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_sqlite() -> Iterator[str]:
    """A fresh SQLite file URL in a temporary folder, removed after (for property tests, which get no tmp_path)."""
    with tempfile.TemporaryDirectory() as directory:
        yield f"sqlite:///{Path(directory) / 'tracker.sqlite'}"
