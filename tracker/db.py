"""SQLAlchemy engines on the tracker's one database, and write transactions that take the lock up front."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url

__all__ = ["make_engine", "write_transaction"]


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(database_url: str) -> Engine:
    """An SQLAlchemy engine on the tracker's database (psycopg 3 for PostgreSQL)."""
    url = make_url(database_url)
    # orjson for the views' JSON columns: the stdlib encoder was a tenth of a rebuild.
    json_options: dict[str, Any] = {"json_serializer": _dumps, "json_deserializer": orjson.loads}
    if url.drivername.startswith("postgres"):
        return create_engine(url.set(drivername="postgresql+psycopg"), pool_pre_ping=True, **json_options)
    engine = create_engine(url, connect_args={"timeout": 30}, **json_options)

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


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A transaction that holds SQLite's write lock from its first statement (a no-op on PostgreSQL)."""
    with engine.connect() as plain:
        conn = plain.execution_options(sqlite_immediate=True)
        with conn.begin():
            yield conn
