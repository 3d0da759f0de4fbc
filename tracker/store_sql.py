"""Every statement of ours on eventsourcing's events table, in one place.

Why SQL of our own at all: eventsourcing's public recorder interface inserts a batch in a
transaction of its own, so it cannot (1) judge a development and store it under one write
lock, (2) stream a million-line import into one all-or-nothing transaction without holding
it in memory, (3) read a stream inside that open transaction, or (4) list streams. Those four
need a cursor inside our transaction, and these statements run on it. They use only the
table layout eventsourcing documents (originator_id, originator_version, topic, state, and
notification_id on PostgreSQL / rowid on SQLite), and the same lock eventsourcing takes
before inserting (PostgreSQL: EXCLUSIVE table lock, so ids are issued in commit order).
Everything else (reading streams and the log, creating tables) goes through its recorder.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "Cursor", "EventsTable", "StoredRow", "blocking_holders", "insert_rows", "last_row_state", "lock_table",
    "notify", "schema_is_complete", "stream_exists", "stream_order_statement", "stream_rows", "streams",
]


class Cursor(Protocol):
    """The DB-API cursor both drivers give (sqlite3 through eventsourcing's wrapper, psycopg)."""

    def execute(self, statement: Any, params: Sequence[Any] = ..., /) -> Any:
        """Run one statement."""
        ...

    def executemany(self, statement: Any, params: Iterable[Sequence[Any]], /) -> Any:
        """Run one statement for many parameter rows."""
        ...

    def fetchall(self) -> Any:
        """Every remaining row."""
        ...

    def fetchone(self) -> Any:
        """The next row, or None."""
        ...


@dataclass(frozen=True, slots=True)
class StoredRow:
    """One stored event as read inside a transaction, with its log position."""

    stream: str
    version: int
    topic: str
    state: bytes
    position: int | None


@dataclass(frozen=True)
class EventsTable:
    """eventsourcing's events table: its name (schema-qualified on PostgreSQL) and dialect."""

    name: str
    postgres: bool
    schema: str = "public"

    @property
    def qualified(self) -> str:
        """The name to write in a statement."""
        return f'"{self.schema}"."{self.name}"' if self.postgres else self.name

    @property
    def marker(self) -> str:
        """The driver's parameter marker."""
        return "%s" if self.postgres else "?"

    @property
    def position(self) -> str:
        """The column that orders the log."""
        return "notification_id" if self.postgres else "rowid"


def _row(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def lock_table(curs: Cursor, table: EventsTable, timeout_s: float) -> None:
    """PostgreSQL: take eventsourcing's insert lock, waiting at most `timeout_s` (SQLite locks at BEGIN)."""
    if not table.postgres:
        return
    curs.execute(f"SET LOCAL lock_timeout = '{int(timeout_s * 1000)}ms'")
    curs.execute(f"LOCK TABLE {table.qualified} IN EXCLUSIVE MODE")


def notify(curs: Cursor, table: EventsTable) -> None:
    """PostgreSQL: wake eventsourcing's LISTEN subscribers when the transaction commits."""
    if table.postgres:
        curs.execute(f'NOTIFY "{table.name.replace(".", "_")}"')


def stream_rows(curs: Cursor, table: EventsTable, stream: str, after: int = 0) -> list[StoredRow]:
    """A stream's rows from version `after` + 1 on, as this transaction sees them."""
    m = table.marker
    curs.execute(
        f"SELECT originator_version, topic, state, {table.position} FROM {table.qualified} "  # noqa: S608 - fixed names
        f"WHERE originator_id = {m} AND originator_version > {m} ORDER BY originator_version",
        [stream, after],
    )
    return [
        StoredRow(stream, int(version), str(topic), bytes(state), int(position))
        for version, topic, state, position in map(_row, curs.fetchall())
    ]


def stream_exists(curs: Cursor, table: EventsTable, stream: str) -> bool:
    """True when the stream has a row this transaction sees."""
    curs.execute(f"SELECT 1 FROM {table.qualified} WHERE originator_id = {table.marker} LIMIT 1", [stream])  # noqa: S608
    return curs.fetchone() is not None


def insert_rows(curs: Cursor, table: EventsTable, rows: Sequence[tuple[str, int, str, bytes]], *,
                with_positions: bool) -> list[int]:
    """Insert rows in order; their log positions when asked (one statement per row then)."""
    m = table.marker
    statement = (f"INSERT INTO {table.qualified} (originator_id, originator_version, topic, state) "  # noqa: S608
                 f"VALUES ({m}, {m}, {m}, {m})")
    if not with_positions:
        curs.executemany(statement, rows)
        return []
    positions: list[int] = []
    for row in rows:
        curs.execute(f"{statement} RETURNING {table.position}", row)
        positions.append(int(_row(curs.fetchone())[0]))
    return positions


def last_row_state(curs: Cursor, table: EventsTable) -> bytes | None:
    """The state of the last event in the log (None when empty)."""
    curs.execute(f"SELECT state FROM {table.qualified} ORDER BY {table.position} DESC LIMIT 1")  # noqa: S608
    row = curs.fetchone()
    return None if row is None else bytes(_row(row)[0])


def streams(curs: Cursor, table: EventsTable, pattern: str) -> list[str]:
    """Every stream whose id matches a LIKE pattern, sorted."""
    curs.execute(f"SELECT DISTINCT originator_id FROM {table.qualified} WHERE originator_id LIKE {table.marker}",  # noqa: S608
                 [pattern])
    return sorted(str(_row(row)[0]) for row in curs.fetchall())


def stream_order_statement(table: EventsTable) -> str:
    """Every row in (stream, version) order: the primary key serves it."""
    return (f"SELECT originator_id, originator_version, topic, state FROM {table.qualified} "  # noqa: S608
            "ORDER BY originator_id, originator_version")


def schema_is_complete(curs: Cursor, table: EventsTable, index: str) -> bool:
    """PostgreSQL: True when the events table and its notification index exist (catalog only, no lock)."""
    curs.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL",
                 [table.qualified, f'"{table.schema}"."{index}"'])
    row = curs.fetchone()
    return bool(row is not None and _row(row)[0])


def blocking_holders(curs: Cursor, table: EventsTable) -> list[str]:
    """PostgreSQL: who holds a write lock on the events table now ('application (pid N, since T)')."""
    curs.execute(
        "SELECT a.pid, a.application_name, a.xact_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
        "WHERE l.relation = to_regclass(%s) AND l.granted "
        "AND l.mode IN ('ExclusiveLock', 'AccessExclusiveLock', 'ShareLock', 'ShareRowExclusiveLock') "
        "AND a.pid <> pg_backend_pid()",
        [table.qualified],
    )
    holders = []
    for pid, name, started in map(_row, curs.fetchall()):
        since = f", since {started:%Y-%m-%d %H:%M:%S %Z}" if started is not None else ""
        holders.append(f"{name or 'a client'} (pid {pid}{since})")
    return holders
