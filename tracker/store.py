"""The event log: eventsourcing's SQLite and PostgreSQL recorders, and how events are stored in them.

Reading streams and the log and creating tables go through eventsourcing's public recorder
interface; what it cannot do inside one of our transactions is in `tracker.store_sql`.
"""

from __future__ import annotations

import hashlib
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import TYPE_CHECKING, Any

import orjson
from eventsourcing.persistence import InfrastructureFactory, IntegrityError, Notification, StoredEvent
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import Environment
from sqlalchemy.engine import make_url

from tracker import store_sql as sql
from tracker.chain import GENESIS, ChainReport, seal, verify_rows
from tracker.errors import ChainBroken, ConfigurationError, InvalidInput, StoreBusy
from tracker.events import Development, Recorded
from tracker.log_reader import decode_row, decode_stored, epoch_us, recorded
from tracker.store_sql import StoredRow

if TYPE_CHECKING:
    # Imported when the store is PostgreSQL only: it loads psycopg, a third of an SQLite start-up's store.
    from eventsourcing.postgres import PostgresApplicationRecorder

__all__ = [
    "BulkWriter", "EventLog", "Prepared", "StoredRow", "StreamChanged", "body_and_digest", "decode_row", "encode",
    "encode_chained", "epoch_us", "eventsourcing_env", "schema_lock",
]

# eventsourcing names the application's table after the environment's name on PostgreSQL.
_APPLICATION_NAME = "tracker"
_ONE_TICK = timedelta(microseconds=1)
_FILL_PAGE = 5000


def _stream_key(stream: str) -> int:
    """A stream's advisory-lock key: 32 stable bits (a collision only makes two streams queue together)."""
    return int.from_bytes(hashlib.blake2b(stream.encode(), digest_size=4).digest(), "big", signed=True)


class _WrittenStreams:
    """A fixed-size Bloom filter of the streams one transaction appended to: a "no" is certain.

    Memory stays 1 MiB whatever the import's size; a false "maybe" (about 5% at a million
    streams, 0.05% at 100,000) only costs the database query it would have made anyway.
    Two slots from the string's own hash, which Python caches on the string: nearly free.
    """

    _MASK = (1 << 23) - 1

    def __init__(self) -> None:
        self._bits = bytearray((self._MASK + 1) // 8)

    def add(self, stream: str) -> None:
        """Note that the transaction appended to `stream`."""
        h = hash(stream)
        for slot in (h & self._MASK, (h >> 32) & self._MASK):
            self._bits[slot >> 3] |= 1 << (slot & 7)

    def __contains__(self, stream: str) -> bool:
        h = hash(stream)
        a, b = h & self._MASK, (h >> 32) & self._MASK
        return bool(self._bits[a >> 3] & (1 << (a & 7)) and self._bits[b >> 3] & (1 << (b & 7)))


class StreamChanged(IntegrityError):
    """What a judgement read changed before the write lock was taken: judge again (record() retries)."""


def eventsourcing_env(database_url: str, lock_timeout: float = 10.0) -> dict[str, str]:
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
            # sqlite3's busy timeout: how long BEGIN IMMEDIATE waits for another writer.
            "SQLITE_LOCK_TIMEOUT": str(max(1, round(lock_timeout))),
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
            "POSTGRES_LOCK_TIMEOUT": str(max(1, round(lock_timeout))),
            "POSTGRES_CONNECT_TIMEOUT": "10",
            # Tables are created by `schema_lock` holders only: concurrent CREATE OR REPLACE
            # FUNCTION from two starting processes fails with "tuple concurrently updated".
            "CREATE_TABLE": "n",
        }
    raise ConfigurationError(f"database_url: {database_url!r} is not sqlite:/// or postgresql://")


# An arbitrary constant: the advisory lock every tracker process takes to change the schema.
_SCHEMA_LOCK_ID = 7_140_825_301


def _conninfo(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def schema_lock(database_url: str, timeout: float = 10.0) -> Iterator[None]:
    """Serialise schema creation across processes (PostgreSQL advisory lock; SQLite needs none)."""
    url = make_url(database_url)
    if not url.drivername.startswith("postgres"):
        yield
        return
    import psycopg  # only on the PostgreSQL path

    with psycopg.connect(_conninfo(database_url), autocommit=True, connect_timeout=10) as conn:
        # lock_timeout bounds the advisory lock wait too: a start-up never hangs on another.
        conn.execute(f"SET lock_timeout = '{int(timeout * 1000)}ms'")
        try:
            conn.execute("SELECT pg_advisory_lock(%s)", [_SCHEMA_LOCK_ID])
        except psycopg.errors.LockNotAvailable:
            raise StoreBusy(url.render_as_string(), timeout, ["another tracker creating the tables"]) from None
        try:
            yield
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_SCHEMA_LOCK_ID])


Prepared = tuple[bytes, str]
"""An event's stored body (JSON, keys sorted) and its content digest: made once, stored and compared."""

_TYPE = "type"


@cache
def _late_keys(cls: type[Development]) -> frozenset[str]:
    """The body keys of `cls` that sort after "type" (its fields' names, and their serialisation aliases)."""
    names = {name for name in cls.model_fields} | {
        info.serialization_alias for info in cls.model_fields.values() if info.serialization_alias}
    return frozenset(name for name in names if name > _TYPE)


def body_and_digest(event: Development) -> Prepared:
    """The event's stored body (its fields, defaults left out) as sorted-key JSON, and a stable digest of its content.

    The digest is the first 32 hex digits of SHA-256 over `{"type": ..., **body}` serialised
    with sorted keys, as it always was: stored digests recognise a repeated import. Both forms
    come from one serialisation: orjson writes an object as `{`, its `"key":value` pairs in key
    order joined by `,`, and `}`; a body whose keys all sort before "type" (every event but an
    `unsourced` one) is the canonical bytes without their last pair. Otherwise the keys before
    and after "type" are serialised apart and joined around it. tests/integration/
    test_store_encoding.py compares both with the direct serialisations on random events.
    """
    cls = type(event)
    # The serializer model_dump calls, without model_dump's own Python layer (0.45 us an event).
    body = cls.__pydantic_serializer__.to_python(event, mode="json", exclude_defaults=True)
    name = orjson.dumps(cls.type_name())
    late_keys = _late_keys(cls)
    if _TYPE in body:  # no event has such a field; the canonical form would take its value
        return _body_and_digest_direct(event, body)
    if late_keys and not late_keys.isdisjoint(body):
        late = {key: body.pop(key) for key in late_keys if key in body}
        early = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
        rest = orjson.dumps(late, option=orjson.OPT_SORT_KEYS)[1:]
        opening = early[:-1] + b"," if len(early) > 2 else b"{"
        return opening + rest, _digest(opening + b'"type":' + name + b"," + rest)
    if not body:
        return b"{}", _digest(b'{"type":' + name + b"}")
    # The usual case: every key sorts before "type", so the canonical form is the body's
    # serialisation with the "type" pair last, and the body's is that without it.
    body[_TYPE] = cls.type_name()
    canonical = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    return canonical[: -len(name) - 9] + b"}", _digest(canonical)  # less ',"type":' + name + '}'


def _digest(canonical: bytes) -> str:
    return hashlib.sha256(canonical).hexdigest()[:32]


def _body_and_digest_direct(event: Development, body: dict[str, Any]) -> Prepared:
    """`body_and_digest` by serialising each form on its own (the definition the fast path must match)."""
    canonical = orjson.dumps({"type": event.type_name(), **body}, option=orjson.OPT_SORT_KEYS)
    return orjson.dumps(body, option=orjson.OPT_SORT_KEYS), _digest(canonical)


def encode(
    stream: str, version: int, recorded_at: datetime | str, event: Development, prepared: Prepared | None = None,
) -> StoredEvent:
    """One event as eventsourcing stores it, unchained: the topic is the type name, not a module path."""
    # The topic is the event's type name rather than a module path, so that moving a
    # class between modules never strands stored events.
    state = _unsealed(_at_json(recorded_at), event, prepared)
    return StoredEvent(originator_id=stream, originator_version=version, topic=event.type_name(), state=state)


def encode_chained(
    previous: str, stream: str, version: int, recorded_at: datetime | str, event: Development,
    *, prepared: Prepared | None = None,
) -> tuple[StoredEvent, str]:
    """One event as stored, carrying its link to `previous` (tracker.chain), and that link."""
    topic = event.type_name()
    blob, head = seal(previous, stream, version, topic, _unsealed(_at_json(recorded_at), event, prepared))
    return StoredEvent(originator_id=stream, originator_version=version, topic=topic, state=blob), head


def _at_json(recorded_at: datetime | str) -> bytes:
    """The record time as the state's JSON string."""
    return orjson.dumps(recorded_at if isinstance(recorded_at, str) else recorded_at.isoformat())


def _unsealed(at_json: bytes, event: Development, prepared: Prepared | None) -> bytes:
    """The stored state before its link: {"at", "digest", "event", "v" when above 1}, keys sorted.

    Written out rather than serialised: its keys are fixed and already in order, and the body is
    JSON already, so the body is serialised once per event (the digest's serialisation).
    """
    body, digest = prepared or body_and_digest(event)
    version = type(event).class_version
    tail = b"}" if version <= 1 else b',"v":' + str(version).encode() + b"}"
    return b'{"at":' + at_json + b',"digest":"' + digest.encode() + b'","event":' + body + tail


def decode(stored: StoredEvent) -> tuple[Recorded, str]:
    """A stored event back as a Recorded, upcast to its class's current version, and its digest."""
    position = stored.id if isinstance(stored, Notification) else None
    return decode_stored(str(stored.originator_id), stored.originator_version, stored.topic, stored.state, position)




class EventLog:
    """The tracker's events: eventsourcing's application recorder, and our write transactions on its table."""

    def __init__(self, database_url: str, *, lock_timeout: float = 10.0) -> None:
        self.database_url = database_url
        self.lock_timeout = lock_timeout
        env = Environment(_APPLICATION_NAME, eventsourcing_env(database_url, lock_timeout))
        self.factory = InfrastructureFactory.construct(env)
        recorder = self.factory.application_recorder()
        # One of the two is set: typed handles on the recorder for each backend's own path.
        self._lite: SQLiteApplicationRecorder | None = None
        self._pg: PostgresApplicationRecorder | None = None
        if isinstance(recorder, SQLiteApplicationRecorder):
            self._lite = recorder
            self.recorder: SQLiteApplicationRecorder | PostgresApplicationRecorder = recorder
        else:
            from eventsourcing.postgres import PostgresApplicationRecorder  # loads psycopg: PostgreSQL only

            if not isinstance(recorder, PostgresApplicationRecorder):
                raise ConfigurationError(f"database_url: {database_url!r} gave an unexpected recorder {recorder!r}")
            self._pg = recorder
            self.recorder = recorder
        self.is_postgres = self._pg is not None
        self.table = sql.EventsTable(
            self.recorder.events_table_name, self.is_postgres,
            self._pg.datastore.schema if self._pg is not None else "public",
        )

    def describe(self) -> str:
        """The database, password hidden, for messages."""
        return make_url(self.database_url).render_as_string(hide_password=True)

    def create_schema(self) -> None:
        """Create the events table when it is missing, taking no lock when it is there already."""
        if self._pg is not None:
            recorder = self._pg
            # The catalog first: CREATE ... IF NOT EXISTS would queue behind an import's table
            # lock (and hold the schema lock meanwhile) even when there is nothing to create.
            if self._schema_is_complete(recorder):
                return
            with schema_lock(self.database_url, self.lock_timeout):
                if not self._schema_is_complete(recorder):
                    recorder.create_table()
                    self._create_record_times()
            return
        self.recorder.create_table()  # SQLite: IF NOT EXISTS on an existing table takes no write lock
        with self.recorder.datastore.transaction(commit=False) as curs:
            missing = not sql.record_times_exist(curs, self.table)
        if missing:  # checked first: the write lock below is taken once in a store's life
            self._create_record_times()

    def _create_record_times(self) -> None:
        """Create our record-time table and fill it from the log already stored (a store from before it)."""
        with self.bulk("schema") as writer:
            sql.create_record_times(writer.cursor, self.table)
            writer.fill_record_times()

    def _schema_is_complete(self, recorder: PostgresApplicationRecorder) -> bool:
        with recorder.datastore.transaction(commit=False) as curs:
            return sql.schema_is_complete(curs, self.table, recorder.notification_id_index_name)

    def close(self) -> None:
        """Release the recorder's connections."""
        self.factory.close()

    def load(self, stream: str, *, known_at: datetime | None = None) -> list[Recorded]:
        """Every event of one stream, in version order; only those recorded by `known_at` when given.

        The record-time filter runs in the database (`position_known_at`), not by decoding
        every event to read its record time.
        """
        # One statement with or without the bound (the standard-library reader runs it too), so
        # every loaded event carries its log position, whichever way it was asked.
        with self.recorder.datastore.transaction(commit=False) as curs:
            until = None if known_at is None else sql.position_known_at(curs, self.table, epoch_us(known_at))
            rows = [] if until == 0 else sql.stream_rows(curs, self.table, stream, until=until)
        return [decode_row(row)[0] for row in rows]

    def position_known_at(self, known_at: datetime) -> int:
        """The last log position recorded at or before `known_at` (0 when none): everything known then.

        Record times are monotonic along the log, so the events known at a time are exactly
        the log up to this position (`read(..., stop=)` and `load(known_at=)` use it).
        """
        with self.recorder.datastore.transaction(commit=False) as curs:
            return sql.position_known_at(curs, self.table, epoch_us(known_at))

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
        with self.recorder.datastore.transaction(commit=False) as curs:
            return sql.streams(curs, self.table, f"{kind}:%" if kind else "%")

    def stream_order_statement(self) -> str:
        """SQL reading every row in (stream, version) order, for a rebuild's one pass."""
        return sql.stream_order_statement(self.table)

    def max_position(self) -> int:
        """The position of the last event in the global log (0 when empty)."""
        return self.recorder.max_notification_id() or 0

    def head(self) -> tuple[int, str | None]:
        """The last stored event's position and chain link, from one row ((0, None) when empty).

        The link is None for an event stored before the chain existed. Cheap: no verification,
        so it states what the log claims; `verify()` is what checks that the claim holds.
        """
        position = self.max_position()
        if position == 0:
            return 0, None
        # Positions can have gaps (PostgreSQL sequences), so ask for the first row after
        # position - 1: that is the row at `position` itself.
        last = self.read_stored(position - 1, 1)
        if not last:
            return 0, None
        found = orjson.loads(last[0].state).get("h")
        return last[0].id, found if isinstance(found, str) else None

    def verify(self, page: int = 2000) -> ChainReport:
        """Check every link of the chain in one streaming pass; the report names the first break."""
        return verify_rows(self._stored_rows(page))

    def _stored_rows(self, page: int) -> Iterator[tuple[int, str, int, str, bytes]]:
        position = 0
        while batch := self.recorder.select_notifications(start=position, limit=page, inclusive_of_start=False):
            for n in batch:
                yield n.id, str(n.originator_id), n.originator_version, n.topic, n.state
            position = batch[-1].id

    def copy_into(
        self, target: EventLog, *, on_event: Callable[[int], None] | None = None, page: int = 2000
    ) -> ChainReport:
        """Copy every event byte for byte (record times, keys, digests, links) into an empty store, all or nothing.

        The source's chain is verified as it is read (a broken one stores nothing), and the
        target's afterwards: both heads must be equal.
        """
        with target.bulk("migrate") as writer:
            if not writer.empty:
                raise InvalidInput([("to", target.describe(), "is not empty: migrate only into an empty store")])

            def copied() -> Iterator[tuple[int, str, int, str, bytes]]:
                for count, row in enumerate(self._stored_rows(page), start=1):
                    writer.append_stored(*row[1:])
                    if on_event is not None:
                        on_event(count)
                    yield row

            source = verify_rows(copied())
            if not source.ok:
                raise ChainBroken(self.describe(), source.broken_at, source.broken_ref)
        copy = target.verify()
        if (copy.head, copy.events) != (source.head, source.events):
            raise ChainBroken(target.describe(), copy.broken_at, copy.broken_ref)
        return copy

    @contextmanager
    def bulk(self, purpose: str = "write", *, stream: str | None = None) -> Iterator[BulkWriter]:
        """One write transaction: all of its appends are stored, or none.

        Without `stream` the write lock is held from the start (an import, a migration). With
        `stream` (one `record()`), PostgreSQL takes only that stream's lock while the rules are
        judged, so writers of different streams judge side by side; the table lock is taken at
        the first append, where what the judgement read is checked again (`StreamChanged`).
        """
        started = time.monotonic()
        if self._pg is not None:
            import psycopg  # only on the PostgreSQL path

            recorder = self._pg
            with recorder.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
                try:
                    if stream is not None:
                        # Named, so a writer that times out behind us can say who holds the lock.
                        sql.lock_stream(curs, _stream_key(stream), purpose, self.lock_timeout)
                        writer = BulkWriter(self, curs, deferred=True)
                    else:
                        curs.execute(f"SET LOCAL application_name = 'tracker {purpose}'")
                        # eventsourcing's own insert lock, taken before reading: the rules are judged
                        # on streams no other writer can change until we commit.
                        sql.lock_table(curs, self.table, self.lock_timeout)
                        writer = BulkWriter(self, curs)
                except psycopg.errors.LockNotAvailable:
                    raise StoreBusy(self.describe(), self.lock_timeout, self.holders()) from None
                try:
                    yield writer
                    writer.finish()
                except BaseException as exc:
                    writer.abandon(exc)  # else the rollback would wait behind the COPY's hold on the connection
                    raise
            return
        # BEGIN IMMEDIATE takes SQLite's write lock up front: a deferred transaction that
        # reads first would fail with SQLITE_BUSY if another writer committed meanwhile.
        assert self._lite is not None  # one of the two recorders is set in __init__
        with self._lite.datastore.get_connection(commit=True) as lite:
            lite_curs = lite.cursor()
            try:
                lite_curs.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                raise StoreBusy(self.describe(), round(time.monotonic() - started, 1)) from None
            try:
                writer = BulkWriter(self, lite_curs)
                yield writer
                writer.finish()
            except sqlite3.IntegrityError as exc:
                lite.rollback()
                raise IntegrityError(str(exc)) from exc  # as eventsourcing reports it on PostgreSQL
            except BaseException:
                lite.rollback()
                raise
            lite.commit()

    def holders(self) -> list[str]:
        """Who holds the write lock now (PostgreSQL), for a StoreBusy message."""
        import psycopg  # only on the PostgreSQL path

        try:
            with psycopg.connect(_conninfo(self.database_url), autocommit=True, connect_timeout=5) as conn:
                return sql.blocking_holders(conn.cursor(), self.table)
        except psycopg.Error:
            return []


class BulkWriter:
    """Appends inside one open transaction, reading its own uncommitted writes.

    Holding the write lock from the start, or (`deferred`, PostgreSQL `record()`) taking it at
    the first append: then every stream read before is checked to be as it was read, and the
    chain's head and the record time are read only under the lock.
    """

    def __init__(self, log: EventLog, cursor: sql.Cursor, *, deferred: bool = False) -> None:
        self.log = log
        self._cursor = cursor
        self._copy: sql.RowCopy | None = None  # PostgreSQL: the COPY an import's batches go into
        self.pending: list[tuple[str, int, str, bytes]] = []
        self.pending_streams: set[str] = set()
        self._notified = False
        self._locked = not deferred
        self._seen: dict[str, int] = {}  # stream -> last version the judgement read (0: none)
        self._appended = False
        self._copied = False
        self._time_noted = False
        self.head = GENESIS  # the chain's last link; a log from before the chain starts it afresh
        self.empty = True
        self.recorded_at = datetime.now(UTC)
        self._recorded_at_json = _at_json(self.recorded_at)
        # Set when the log was empty as this transaction took the write lock: a stream it has
        # not appended to does not exist, and no query needs to ask (an import into a new store).
        self._written: _WrittenStreams | None = None
        if self._locked:
            self._start(sql.last_row_state(cursor, log.table))
            if self.empty:
                self._written = _WrittenStreams()

    @property
    def cursor(self) -> sql.Cursor:
        """The transaction's cursor, for a statement of its own: an open COPY is ended first."""
        if self._copy is not None:
            copy, self._copy = self._copy, None
            copy.close()
        return self._cursor

    def abandon(self, exc: BaseException) -> None:
        """The transaction is failing with `exc`: end an open COPY so that the rollback can run."""
        if self._copy is not None:
            copy, self._copy = self._copy, None
            copy.close(exc)

    def _start(self, last: bytes | None) -> None:
        """Under the write lock: the chain head and this transaction's record time, from the log's last row."""
        # Record times are monotonic per store: a clock stepping back (or another host's
        # clock behind ours) never puts an event before one already in the log.
        now = datetime.now(UTC)
        self.empty = last is None
        if last is not None:
            state = orjson.loads(last)
            now = max(now, datetime.fromisoformat(state["at"]) + _ONE_TICK)
            self.head = str(state.get("h", GENESIS))
        self.recorded_at = now
        self._recorded_at_json = _at_json(now)

    def _lock(self) -> None:
        """Take the write lock, check that no stream the judgement read has changed, then start the chain."""
        import psycopg  # deferred writers exist only on PostgreSQL

        try:
            versions, last = sql.lock_and_read_versions(self.cursor, self.log.table, list(self._seen))
        except psycopg.errors.LockNotAvailable:
            raise StoreBusy(self.log.describe(), self.log.lock_timeout, self.log.holders()) from None
        changed = sorted(s for s, v in self._seen.items() if versions.get(s, 0) != v)
        if changed:
            # An import (which takes no stream lock) or a writer of a stream only checked for existence.
            raise StreamChanged(f"changed while judging: {', '.join(changed)}")
        self._locked = True
        self._notified = True  # NOTIFY went with the lock
        self._start(last)

    def rows(self, stream: str, *, after: int = 0) -> list[StoredRow]:
        """A stream's rows as this transaction sees them, from version `after` + 1 on."""
        if self._written is not None and stream not in self._written:
            return []
        if stream in self.pending_streams:
            self.flush()  # only when this stream has queued rows: one flush per batch otherwise
        found = sql.stream_rows(self.cursor, self.log.table, stream, after)
        if not self._locked:
            self._seen[stream] = found[-1].version if found else after
        return found

    def load(self, stream: str) -> list[Recorded]:
        """A whole stream, decoded, as this transaction sees it."""
        return [decode_row(row)[0] for row in self.rows(stream)]

    def exists(self, stream: str) -> bool:
        """True when the stream has an event (committed, or queued in this transaction)."""
        if stream in self.pending_streams:
            return True
        if self._written is not None and stream not in self._written:
            return False
        found = sql.stream_exists(self.cursor, self.log.table, stream)
        if not found and not self._locked:
            self._seen.setdefault(stream, 0)  # streams only grow: only an absence can change
        return found

    def append(
        self, stream: str, version: int, event: Development, prepared: Prepared | None = None
    ) -> Recorded:
        """Queue an event; it is written with the next flush, inside the transaction."""
        if not self._locked:
            self._lock()
        self._appended = True
        topic = event.type_name()
        state, self.head = seal(
            self.head, stream, version, topic, _unsealed(self._recorded_at_json, event, prepared))
        self.pending.append((stream, version, topic, state))
        if stream not in self.pending_streams:  # else noted already, in both, since the last flush
            self.pending_streams.add(stream)
            if self._written is not None:
                self._written.add(stream)
        # Built as decoding builds it: Recorded.model_construct cost 2.7 us an event.
        return recorded(stream, version, self.recorded_at, event, None)

    def append_stored(self, stream: str, version: int, topic: str, state: bytes) -> None:
        """Queue an event exactly as another store holds it (a migration); flushed every 500."""
        self._copied = True
        self.pending.append((stream, version, topic, state))
        self.pending_streams.add(stream)
        if self._written is not None:
            self._written.add(stream)
        if len(self.pending) >= 500:
            self.flush()

    def flush(self, *, with_positions: bool = False) -> list[int]:
        """Write queued events without committing; their log positions when asked for."""
        if not self.pending:
            return []
        table = self.log.table
        if not self._notified:
            sql.notify(self.cursor, table)  # delivered at commit, once per transaction
            self._notified = True
        pending, self.pending = self.pending, []
        self.pending_streams.clear()
        if with_positions and len(pending) == 1 and not self._copied and not self._time_noted:
            # One record(): its row and the transaction's record time in one statement.
            self._time_noted = True
            return [sql.insert_one(self.cursor, table, pending[0], epoch_us(self.recorded_at))]
        if table.postgres and not with_positions:
            if self._copy is None:
                self._copy = sql.RowCopy(self.cursor, table)
            self._copy.write(pending)  # the COPY stays open until another statement needs the cursor
            return []
        return sql.insert_rows(self.cursor, table, pending, with_positions=with_positions)

    def finish(self) -> None:
        """Before commit: write what is queued, and the record time of what this transaction stored."""
        self.flush()
        if self._copied:
            self.fill_record_times()  # copied rows keep the record times they had
        elif self._appended and not self._time_noted:
            self._time_noted = True
            sql.note_record_time(self.cursor, self.log.table, sql.max_position(self.cursor, self.log.table),
                                 epoch_us(self.recorded_at))

    def fill_record_times(self) -> None:
        """Cover the log's rows past our record-time table with one row per run of equal record time."""
        self.flush()
        table = self.log.table
        after = sql.record_times_position(self.cursor, table)
        run: tuple[int, str] | None = None  # (last position, record time) of the run being read
        while page := sql.record_time_rows(self.cursor, table, after, _FILL_PAGE):
            for position, blob in page:
                at = str(orjson.loads(blob)["at"])
                if run is not None and at != run[1]:
                    sql.note_record_time(self.cursor, table, run[0], epoch_us(datetime.fromisoformat(run[1])))
                run = (position, at)
            after = page[-1][0]
        if run is not None:
            sql.note_record_time(self.cursor, table, run[0], epoch_us(datetime.fromisoformat(run[1])))
