"""The event log: eventsourcing's SQLite and PostgreSQL recorders, and how events are stored in them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, cast

import orjson
from eventsourcing.persistence import (
    ApplicationRecorder,
    Notification,
    StoredEvent,
)
from eventsourcing.sqlite import SQLiteAggregateRecorder, SQLiteApplicationRecorder
from sqlalchemy.engine import make_url

from events import EVENT_TYPES, Development, Recorded, upcast
from tracker.errors import ConfigurationError

__all__ = [
    "BulkWriter", "EventLog", "body_and_digest", "eventsourcing_env", "schema_lock",
]


def eventsourcing_env(database_url: str) -> dict[str, str]:
    """Translate our one database URL into eventsourcing's environment variables."""
    url = make_url(database_url)
    if url.drivername.startswith("sqlite"):
        if not url.database or url.database == ":memory:":
            raise ConfigurationError(
                f"database_url: {database_url!r} needs a file path (an in-memory store cannot be shared)"
            )
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": url.database,
            "SQLITE_LOCK_TIMEOUT": "30",
            "ORIGINATOR_ID_TYPE": "text",
        }
    if url.drivername.startswith("postgres"):
        if not url.database:
            raise ConfigurationError(f"database_url: {database_url!r} names no database")
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": url.database,
            "POSTGRES_HOST": url.host or "127.0.0.1",
            "POSTGRES_PORT": str(url.port or 5432),
            "POSTGRES_USER": url.username or "postgres",
            "POSTGRES_PASSWORD": url.password or "",
            "ORIGINATOR_ID_TYPE": "text",
            # Measured here: with the database functions on, a follower missed events
            # under concurrent writers. The table-lock insert path keeps ids in commit order.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "POSTGRES_LOCK_TIMEOUT": "30",
            # Tables are created by `schema_lock` holders only: concurrent CREATE OR REPLACE
            # FUNCTION from two starting processes fails with "tuple concurrently updated".
            "CREATE_TABLE": "n",
        }
    raise ConfigurationError(f"database_url: {database_url!r} is not sqlite:/// or postgresql://")


# An arbitrary constant: the advisory lock every tracker process takes to change the schema.
_SCHEMA_LOCK_ID = 7_140_825_301


@contextmanager
def schema_lock(database_url: str) -> Iterator[None]:
    """Serialise schema creation across processes (PostgreSQL advisory lock; SQLite needs none)."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgres"):
        yield
        return
    import psycopg  # only on the PostgreSQL path

    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_SCHEMA_LOCK_ID])
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_SCHEMA_LOCK_ID])


def body_and_digest(event: Development) -> tuple[dict[str, Any], str]:
    """The event's stored body (its fields, defaults left out) and a stable digest of its content."""
    body = event.model_dump(mode="json", exclude_defaults=True)
    canonical = orjson.dumps({"type": event.type_name(), **body}, option=orjson.OPT_SORT_KEYS)
    return body, hashlib.sha256(canonical).hexdigest()[:32]


def encode(
    stream: str, version: int, recorded_at: datetime | str, event: Development,
    prepared: tuple[dict[str, Any], str] | None = None,
) -> StoredEvent:
    """One event as eventsourcing stores it: the topic is the type name, not a module path."""
    body, digest = prepared or body_and_digest(event)
    state: dict[str, Any] = {
        "at": recorded_at if isinstance(recorded_at, str) else recorded_at.isoformat(),
        "digest": digest,
        "event": body,
    }
    if type(event).class_version > 1:
        state["v"] = type(event).class_version
    # The topic is the event's type name rather than a module path, so that moving a
    # class between modules never strands stored events.
    return StoredEvent(
        originator_id=stream, originator_version=version, topic=event.type_name(), state=orjson.dumps(state)
    )


def decode(stored: StoredEvent) -> tuple[Recorded, str]:
    """A stored event back as a Recorded, upcast to its class's current version, and its digest."""
    cls = EVENT_TYPES[stored.topic]
    state = orjson.loads(stored.state)
    payload = upcast(cls, state["event"], state.get("v", 1))  # the same upcast as a correction's replacement
    # The envelope's fields come from our own store, already typed: skip re-validating them
    # (the event itself is validated above, which is what upcasting and dates need).
    record = Recorded.model_construct(
        stream=str(stored.originator_id),
        version=stored.originator_version,
        recorded_at=datetime.fromisoformat(state["at"]),
        event=cls.model_validate(payload),
        position=stored.id if isinstance(stored, Notification) else None,
    )
    return record, str(state["digest"])


class EventLog:
    """Reads and appends streams of events through an eventsourcing application recorder."""

    def __init__(self, recorder: ApplicationRecorder) -> None:
        self.recorder = recorder
        self.is_postgres = not isinstance(recorder, SQLiteApplicationRecorder)

    def load(self, stream: str) -> list[Recorded]:
        """Every event of one stream, in version order."""
        return [decode(s)[0] for s in self.recorder.select_events(stream)]

    def load_with_digests(self, stream: str) -> list[tuple[Recorded, str]]:
        """Every event of one stream with its content digest."""
        return [decode(s) for s in self.recorder.select_events(stream)]

    def exists(self, stream: str) -> bool:
        """True when the stream has at least one event."""
        return bool(self.recorder.select_events(stream, limit=1))

    def read(self, after: int, limit: int, stop: int | None = None) -> list[Recorded]:
        """Events from the global log with positions after `after`, in log order."""
        notifications = self.recorder.select_notifications(
            start=after, limit=limit, stop=stop, inclusive_of_start=False
        )
        return [decode(n)[0] for n in notifications]

    def read_stored(self, after: int, limit: int) -> Sequence[Notification]:
        """Raw stored notifications after `after` (for baselines and export)."""
        return self.recorder.select_notifications(start=after, limit=limit, inclusive_of_start=False)

    def streams(self, kind: str | None = None) -> list[str]:
        """Every stream in the log (optionally of one kind), sorted."""
        recorder = cast(Any, self.recorder)
        table = recorder.events_table_name
        if self.is_postgres:
            table = f'"{recorder.datastore.schema}"."{table}"'
        pattern = f"{kind}:%" if kind else "%"
        marker = "%s" if self.is_postgres else "?"
        statement = f"SELECT DISTINCT originator_id FROM {table} WHERE originator_id LIKE {marker}"  # noqa: S608 - our own table name
        with recorder.datastore.transaction(commit=False) as curs:
            curs.execute(statement, [pattern])
            return sorted(str(row["originator_id"]) for row in curs.fetchall())

    def max_position(self) -> int:
        """The position of the last event in the global log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    @contextmanager
    def bulk(self) -> Iterator[BulkWriter]:
        """One transaction for many appends: all of them are stored, or none."""
        datastore = cast(Any, self.recorder).datastore
        if self.is_postgres:
            with datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                # Take eventsourcing's own insert lock before reading, so the rules are
                # judged on a stream no other writer can change until we commit.
                cast(Any, self.recorder)._lock_table(curs)
                writer = BulkWriter(self, curs)
                yield writer
                writer.flush()
            return
        # BEGIN IMMEDIATE takes SQLite's write lock up front: a deferred transaction that
        # reads first would fail with SQLITE_BUSY if another writer committed meanwhile.
        with datastore.get_connection(commit=True) as conn:
            curs = conn.cursor()
            curs.execute("BEGIN IMMEDIATE")
            try:
                writer = BulkWriter(self, curs)
                yield writer
                writer.flush()
            except BaseException:
                conn.rollback()
                raise
            conn.commit()


class BulkWriter:
    """Appends inside one open transaction, reading its own uncommitted writes."""

    def __init__(self, log: EventLog, cursor: Any) -> None:
        self.log = log
        self.cursor = cursor
        self.pending: list[StoredEvent] = []
        self.pending_streams: set[str] = set()
        self.recorded_at = datetime.now(UTC)
        self._recorded_at_text = self.recorded_at.isoformat()

    def load_with_digests(self, stream: str, *, after: int = 0) -> list[tuple[Recorded, str]]:
        """A stream as this transaction sees it, from version `after` + 1 on."""
        if stream in self.pending_streams:
            self.flush()  # only when this stream has queued rows: one flush per batch otherwise
        recorder = cast(Any, self.log.recorder)
        if self.log.is_postgres:
            from psycopg.sql import SQL  # only on the PostgreSQL path

            statement: Any = recorder.select_events_statement + SQL(
                " AND originator_version > %s ORDER BY originator_version")
        else:
            statement = recorder.select_events_statement + "AND originator_version > ? ORDER BY originator_version"
        self.cursor.execute(statement, [stream, after])
        rows = self.cursor.fetchall()
        return [
            decode(
                StoredEvent(
                    originator_id=row["originator_id"],
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                )
            )
            for row in rows
        ]

    def exists(self, stream: str) -> bool:
        """True when the stream has an event (committed, or queued in this transaction)."""
        if stream in self.pending_streams:
            return True
        recorder = cast(Any, self.log.recorder)
        marker = "%s" if self.log.is_postgres else "?"
        table = recorder.events_table_name
        if self.log.is_postgres:
            table = f'"{recorder.datastore.schema}"."{table}"'
        self.cursor.execute(f"SELECT 1 FROM {table} WHERE originator_id = {marker} LIMIT 1", [stream])  # noqa: S608
        return self.cursor.fetchone() is not None

    def append(
        self, stream: str, version: int, event: Development, prepared: tuple[dict[str, Any], str] | None = None
    ) -> Recorded:
        """Queue an event; it is written with the next flush, inside the transaction."""
        self.pending.append(encode(stream, version, self._recorded_at_text, event, prepared))
        self.pending_streams.add(stream)
        return Recorded.model_construct(
            stream=stream, version=version, recorded_at=self.recorded_at, event=event, position=None
        )

    def flush(self, *, with_positions: bool = False) -> list[int]:
        """Write queued events without committing; their log positions when asked for."""
        if not self.pending:
            return []
        recorder = cast(Any, self.log.recorder)
        positions: list[int] = []
        if self.log.is_postgres:
            recorder._insert_stored_events(self.cursor, self.pending)  # notifies LISTENers too
            if with_positions:
                positions = list(recorder._fetch_ids_after_insert_events(self.cursor, self.pending))
        elif with_positions:
            positions = list(recorder._insert_events(self.cursor, self.pending))
        else:
            # The aggregate recorder's executemany path: the application recorder inserts
            # row by row only to collect ids, which a bulk import does not need.
            SQLiteAggregateRecorder._insert_events(recorder, self.cursor, self.pending)
        self.pending = []
        self.pending_streams.clear()
        return positions
