"""Every statement of ours on eventsourcing's events table, in one place.

Why SQL of our own at all: eventsourcing's public recorder interface inserts a batch in a
transaction of its own, so it cannot (1) judge a development and store it under one write
lock, (2) stream a million-line import into one all-or-nothing transaction without holding
it in memory, (3) read a stream inside that open transaction, or (4) list streams. Those four
need a cursor inside our transaction, and these statements run on it. They use only the
table layout eventsourcing documents (originator_id, originator_version, topic, state, and
notification_id on PostgreSQL / rowid on SQLite), and the same lock eventsourcing takes
before inserting (PostgreSQL: EXCLUSIVE table lock, so ids are issued in commit order).
A PostgreSQL `record()` judges under a per-stream advisory lock only (`lock_stream`), and
takes the table lock at its append (`lock_and_read_versions`), re-reading there what the
judgement read: the table lock covers one check, the insert and the commit.
Everything else (reading streams and the log, creating tables) goes through its recorder.

Beside eventsourcing's table we keep one small table of our own, `RECORD_TIMES`: one row per
write transaction, (the log position of its last event, its record time in microseconds since
the epoch), written in that transaction. Record times are monotonic along the log, so "as
known at T" is "every position up to the last one recorded at or before T", found in the
database from an index instead of by decoding every event's JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = [
    "RECORD_TIMES", "Cursor", "EventsTable", "RowCopy", "StoredRow", "blocking_holders", "channel",
    "create_record_times", "insert_one", "insert_rows", "last_row_state", "lock_and_read_versions",
    "lock_stream", "lock_table", "max_position", "note_record_time", "notify", "position_known_at",
    "record_time_rows", "record_times_exist", "record_times_position", "schema_is_complete", "stream_exists",
    "stream_order_statement", "stream_rows", "streams",
]

RECORD_TIMES = "tracker_record_times"
# The first key of our per-stream advisory locks (PostgreSQL's two-int4 key space does not
# overlap the one-bigint space the schema lock uses).
_STREAM_LOCK_SPACE = 71_408


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


def _times(table: EventsTable) -> str:
    return f'"{table.schema}".{RECORD_TIMES}' if table.postgres else RECORD_TIMES


def _row(row: Any) -> tuple[Any, ...]:
    return tuple(row.values()) if isinstance(row, dict) else tuple(row)


def lock_table(curs: Cursor, table: EventsTable, timeout_s: float) -> None:
    """PostgreSQL: take eventsourcing's insert lock, waiting at most `timeout_s` (SQLite locks at BEGIN)."""
    if not table.postgres:
        return
    curs.execute(f"SET LOCAL lock_timeout = '{int(timeout_s * 1000)}ms'")
    curs.execute(f"LOCK TABLE {table.qualified} IN EXCLUSIVE MODE")


def lock_stream(curs: Cursor, stream_key: int, purpose: str, timeout_s: float) -> None:
    """PostgreSQL: name the transaction and take the per-stream lock a writer judges under (one round trip).

    Writers of one stream queue on it in arrival order, so a slow writer is never overtaken
    for ever; writers of different streams do not wait for each other here.
    """
    # Literals, not parameters: the three statements go in one simple-protocol round trip.
    safe = purpose.replace("'", "")
    curs.execute(f"SET LOCAL application_name = 'tracker {safe}'; "
                 f"SET LOCAL lock_timeout = '{int(timeout_s * 1000)}ms'; "
                 f"SELECT pg_advisory_xact_lock({_STREAM_LOCK_SPACE}, {int(stream_key)})")


def lock_and_read_versions(
    curs: Any, table: EventsTable, streams: Sequence[str]
) -> tuple[dict[str, int], bytes | None]:
    """PostgreSQL: take the insert lock, NOTIFY at commit, read the named streams' last versions and the last state.

    One round trip (the lock's timeout is already set): the lock is held from here to commit,
    so every step under it counts for every other writer.
    """
    from psycopg import sql as pgsql  # only on the PostgreSQL path

    # NOTIFY is delivered at commit: sent here, it costs no round trip of its own.
    curs.execute(pgsql.SQL(
        "LOCK TABLE {table} IN EXCLUSIVE MODE; NOTIFY {channel}; "
        "SELECT originator_id, max(originator_version), NULL FROM {table} "
        "WHERE originator_id = ANY({streams}) GROUP BY originator_id "
        "UNION ALL (SELECT NULL, NULL, state FROM {table} ORDER BY notification_id DESC LIMIT 1)"
    ).format(table=pgsql.Identifier(table.schema, table.name), streams=pgsql.Literal(list(streams)),
             channel=pgsql.Identifier(channel(table))))
    curs.nextset()  # past the LOCK's empty result
    curs.nextset()  # and the NOTIFY's
    versions: dict[str, int] = {}
    last: bytes | None = None
    for stream, version, state in map(_row, curs.fetchall()):
        if stream is None:
            last = bytes(state)
        else:
            versions[str(stream)] = int(version)
    return versions, last


def notify(curs: Cursor, table: EventsTable) -> None:
    """PostgreSQL: wake eventsourcing's LISTEN subscribers when the transaction commits."""
    if table.postgres:
        curs.execute(f'NOTIFY "{channel(table)}"')


def channel(table: EventsTable) -> str:
    """The channel eventsourcing's subscribers LISTEN on."""
    return table.name.replace(".", "_")


def stream_rows(
    curs: Cursor, table: EventsTable, stream: str, after: int = 0, *, until: int | None = None,
) -> list[StoredRow]:
    """A stream's rows from version `after` + 1 on (up to log position `until`), as this transaction sees them."""
    m = table.marker
    bound = "" if until is None else f" AND {table.position} <= {m}"
    curs.execute(
        f"SELECT originator_version, topic, state, {table.position} FROM {table.qualified} "  # noqa: S608 - fixed names
        f"WHERE originator_id = {m} AND originator_version > {m}{bound} ORDER BY originator_version",
        [stream, after] if until is None else [stream, after, until],
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


def insert_one(curs: Cursor, table: EventsTable, row: tuple[str, int, str, bytes], recorded_us: int) -> int:
    """Insert one row and its transaction's record time; its log position (PostgreSQL: one round trip)."""
    if not table.postgres:
        position = insert_rows(curs, table, [row], with_positions=True)[0]
        note_record_time(curs, table, position, recorded_us)
        return position
    curs.execute(
        f"WITH ins AS (INSERT INTO {table.qualified} (originator_id, originator_version, topic, state) "  # noqa: S608
        "VALUES (%s, %s, %s, %s) RETURNING notification_id), "
        f"t AS (INSERT INTO {_times(table)} (position, at_us) SELECT notification_id, %s FROM ins) "
        "SELECT notification_id FROM ins",
        [*row, recorded_us],
    )
    return int(_row(curs.fetchone())[0])


class RowCopy:
    """PostgreSQL: one COPY in binary format held open while rows come, ended by `close`.

    Held open across an import's batches, the server stores each batch while the client
    validates the next; a COPY per batch made both sides wait for each other at every end
    (measured, 50k events, 3 runs each: 36.5-51.8 -> 32.1-32.3 us an event). While it is
    open its connection can run nothing else (psycopg holds the connection's lock): the
    writer ends it before any other statement.
    """

    def __init__(self, curs: Any, table: EventsTable) -> None:
        self._stack = ExitStack()
        self._copy = self._stack.enter_context(curs.copy(
            f"COPY {table.qualified} (originator_id, originator_version, topic, state) FROM STDIN (FORMAT BINARY)"))
        self._copy.set_types(["text", "int8", "text", "bytea"])

    def write(self, rows: Iterable[tuple[str, int, str, bytes]]) -> None:
        """Send rows (buffered by the driver; the server reports a bad row at the latest by `close`)."""
        write_row = self._copy.write_row
        for row in rows:
            write_row(row)

    def close(self, exc: BaseException | None = None) -> None:
        """End the COPY: done, or abandoned because of `exc` (the server then stores none of it)."""
        if exc is None:
            self._stack.close()
        else:
            self._stack.__exit__(type(exc), exc, exc.__traceback__)


def max_position(curs: Cursor, table: EventsTable) -> int:
    """The last log position this transaction sees (0 when empty)."""
    curs.execute(f"SELECT max({table.position}) FROM {table.qualified}")  # noqa: S608
    row = curs.fetchone()
    value = None if row is None else _row(row)[0]
    return 0 if value is None else int(value)


def record_times_exist(curs: Cursor, table: EventsTable) -> bool:
    """True when our record-time table exists (a catalog read, no lock)."""
    if table.postgres:
        curs.execute("SELECT to_regclass(%s) IS NOT NULL", [_times(table)])
    else:
        curs.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?", [RECORD_TIMES])
    row = curs.fetchone()
    return bool(row is not None and _row(row)[0])


def create_record_times(curs: Cursor, table: EventsTable) -> None:
    """Create our record-time table when missing: one B-tree keyed by (record time, position)."""
    # One index only (SQLite: WITHOUT ROWID): every record() writes a row, and each B-tree
    # it touches is one more page in the commit.
    tail = "" if table.postgres else " WITHOUT ROWID"
    curs.execute(f"CREATE TABLE IF NOT EXISTS {_times(table)} (at_us BIGINT NOT NULL, position BIGINT NOT NULL, "
                 f"PRIMARY KEY (at_us, position)){tail}")


def note_record_time(curs: Cursor, table: EventsTable, position: int, recorded_us: int) -> None:
    """Say that the log up to `position` was recorded at `recorded_us` (in the writing transaction)."""
    m = table.marker
    curs.execute(f"INSERT INTO {_times(table)} (position, at_us) VALUES ({m}, {m})", [position, recorded_us])  # noqa: S608


def record_times_position(curs: Cursor, table: EventsTable) -> int:
    """The last log position our record-time table covers (0 when empty): its latest row, as times are monotonic."""
    curs.execute(f"SELECT position FROM {_times(table)} ORDER BY at_us DESC, position DESC LIMIT 1")  # noqa: S608
    row = curs.fetchone()
    value = None if row is None else _row(row)[0]
    return 0 if value is None else int(value)


def record_time_rows(curs: Cursor, table: EventsTable, after: int, limit: int) -> list[tuple[int, bytes]]:
    """(position, state) of the log's rows after `after`, for filling the record-time table."""
    m = table.marker
    curs.execute(f"SELECT {table.position}, state FROM {table.qualified} WHERE {table.position} > {m} "  # noqa: S608
                 f"ORDER BY {table.position} LIMIT {m}", [after, limit])
    return [(int(position), bytes(state)) for position, state in map(_row, curs.fetchall())]


def position_known_at(curs: Cursor, table: EventsTable, at_us: int) -> int:
    """The last log position recorded at or before `at_us` (0 when none): an index lookup."""
    m = table.marker
    curs.execute(f"SELECT position FROM {_times(table)} WHERE at_us <= {m} "  # noqa: S608
                 "ORDER BY at_us DESC, position DESC LIMIT 1", [at_us])
    row = curs.fetchone()
    return 0 if row is None else int(_row(row)[0])


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
    """PostgreSQL: True when the events table, its notification index and our record times exist (catalog only)."""
    curs.execute("SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL",
                 [table.qualified, f'"{table.schema}"."{index}"', _times(table)])
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
