"""The one place that wires settings, the event log, the views and their engine together."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from tracker.errors import ConfigurationError, StoreUnavailable
from tracker.settings import Settings

if TYPE_CHECKING:
    from tracker.app import Tracker
    from tracker.projections.clock import Clock

__all__ = ["check_database", "open_tracker"]


def open_tracker(
    settings: Settings | None = None, *, create: bool = True, clock: Clock | None = None
) -> Tracker:
    """Open the tracker on the configured database, creating its tables if needed.

    With `create=False` a missing SQLite file is an error naming it (nothing is created), so
    a read command run in the wrong folder says so instead of answering from an empty store.
    `clock` decides "today" and "now" for every answer (tests and reproducible reports freeze it).
    """
    settings = settings or Settings()
    check_database(settings, create=create)
    from tracker.app import Tracker  # the store and the views: only once a database is wanted

    try:
        return Tracker(settings, clock=clock)
    except ConfigurationError:
        raise
    except Exception as exc:  # the driver's own errors say little to a user: name the database
        raise StoreUnavailable(settings.describe(), _one_line(str(exc))) from exc


def check_database(settings: Settings, *, create: bool = True) -> None:
    """Fail at once, naming the database and the cause, when it cannot be reached.

    Without this a refused port, a missing database and an unknown role all surfaced after
    30 s as the connection pool's "couldn't get a connection after 30.00 sec".
    """
    if settings.is_postgres:
        _check_postgres(settings)
        return
    path = sqlite_path(settings)
    if path is not None and not create and not path.exists():
        raise StoreUnavailable(
            settings.describe(),
            f"no database at {str(path.resolve())!r}: create one with `tracker init` (or `tracker demo`), "
            "or select an existing one with --database-url or TRACKER_DATABASE_URL",
        )


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite file of the settings' URL (None for PostgreSQL or an in-memory URL)."""
    if settings.is_postgres:
        return None
    name = settings.database_url.removeprefix("sqlite:///").partition("?")[0]
    return Path(name) if name and name != ":memory:" else None


def _check_postgres(settings: Settings) -> None:
    import psycopg  # only on the PostgreSQL path
    from sqlalchemy.engine import make_url

    url = make_url(settings.database_url)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(conninfo, connect_timeout=settings.connect_timeout).close()
    except psycopg.Error as exc:
        raise StoreUnavailable(settings.describe(), _postgres_cause(str(exc), url.host, url.port)) from None


def _postgres_cause(message: str, host: str | None, port: int | None) -> str:
    """The driver's reason in one line, with what to do about the common ones."""
    # libpq prefixes the reason with 'connection to server at "h", port p failed: [FATAL:  ]'.
    reason = _one_line(re.split(r"failed:\s*(?:FATAL:\s*)?", message)[-1])
    where = f"{host or '127.0.0.1'}:{port or 5432}"
    if "Connection refused" in reason:
        return f"connection refused at {where}: is PostgreSQL running there and accepting TCP/IP connections?"
    if "timeout expired" in reason:
        return f"no answer from {where} within the connect timeout (TRACKER_CONNECT_TIMEOUT)"
    if re.match(r'database ".*" does not exist', reason):
        return f"{reason}: create it (createdb) or name an existing one in TRACKER_DATABASE_URL"
    if re.match(r'role ".*" does not exist', reason):
        return f"{reason}: name an existing user in TRACKER_DATABASE_URL (postgresql://USER@HOST:PORT/DB)"
    return reason


def _one_line(text: str) -> str:
    return " ".join(text.split())
