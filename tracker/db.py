"""SQLAlchemy engines on the tracker's one database, and write transactions that take the lock up front."""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import OperationalError

from tracker.errors import StoreBusy

__all__ = ["make_engine", "write_transaction"]


# What each SQLite engine's busy timeout is, for the StoreBusy message.
_lock_timeouts: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(database_url: str, *, lock_timeout: float = 10.0) -> Engine:
    """An SQLAlchemy engine on the tracker's database (psycopg 3 for PostgreSQL); lock waits end in `lock_timeout` s."""
    url = make_url(database_url)
    # orjson for the views' JSON columns: the stdlib encoder was a tenth of a rebuild.
    json_options: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": orjson.loads}
    if url.drivername.startswith("postgres"):
        # Every lock wait on these connections (the views' tracking row, DDL) is bounded.
        options = f"-c lock_timeout={int(lock_timeout * 1000)}"
        pg = create_engine(url.set(drivername="postgresql+psycopg"), pool_pre_ping=True,
                           connect_args={"options": options, "connect_timeout": 10}, **json_options)
        _lock_timeouts[pg] = lock_timeout
        return pg
    engine = create_engine(url, connect_args={"timeout": lock_timeout}, **json_options)
    _lock_timeouts[engine] = lock_timeout

    @event.listens_for(engine, "connect")
    def _autocommit_driver(dbapi_connection: Any, _: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide how transactions begin (below).
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        # Writers ask for the write lock up front: a deferred transaction that read first
        # fails at once with SQLITE_BUSY (no busy wait) when another process wrote meanwhile.
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _is_lock_timeout(exc: OperationalError) -> bool:
    # sqlite3: "database is locked"; psycopg: LockNotAvailable (SQLSTATE 55P03).
    return "database is locked" in str(exc.orig) or getattr(exc.orig, "sqlstate", None) == "55P03"


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds SQLite's write lock from its first statement (a no-op on PostgreSQL)."""
    try:
        with engine.connect() as plain:
            conn = plain.execution_options(sqlite_immediate=True)
            with conn.begin():
                yield conn
    except OperationalError as exc:
        if not _is_lock_timeout(exc):
            raise
        waited = _lock_timeouts.get(engine, 10.0)
        raise StoreBusy(engine.url.render_as_string(hide_password=True), waited) from None
