"""Reading stored events back: decoding a stored row, and a read-only SQLite log on the standard library.

`decode_row` is the one way a stored event becomes a `Recorded` again (the store's reads, the
projector's and this reader's). `SQLiteLogReader` reads an SQLite store with `sqlite3` alone:
no eventsourcing, no SQLAlchemy, no connection pool. It is what a read command such as
`tracker status ID` answers through, so that the command starts in well under 0.3 s: the SQL
toolkit and the event-sourcing library cost 0.2-0.25 s of CPU to import (measured here), more
than the whole answer. It opens the file read-only, so it never creates one, and runs the
statements of `tracker.store_sql` that the store itself runs on its own transactions.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from tracker import store_sql as sql
from tracker.decoding import constructor
from tracker.errors import NotFound, StoreUnavailable
from tracker.events import ENTITY_KINDS, EVENT_TYPES, Development, Recorded, upcast
from tracker.store_sql import StoredRow

__all__ = [
    "SQLITE_EVENTS_TABLE", "SQLiteLogReader", "decode_row", "decode_stored", "epoch_us", "recorded", "resolve",
]

# eventsourcing's SQLite recorder keeps events in this table (its default; a store test holds
# the reader's name equal to the recorder's).
SQLITE_EVENTS_TABLE = "stored_events"
_ONE_TICK = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def epoch_us(moment: datetime) -> int:
    """A time as whole microseconds since the epoch (exact integer arithmetic; naive means UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return (aware - _EPOCH) // _ONE_TICK


def decode_row(row: StoredRow) -> tuple[Recorded, str]:
    """A row read inside a transaction back as a Recorded, and its digest."""
    return decode_stored(row.stream, row.version, row.topic, row.state, row.position)


def decode_stored(stream: str, version: int, topic: str, blob: bytes, position: int | None) -> tuple[Recorded, str]:
    """A stored event back as a Recorded, upcast to its class's current version, and its digest."""
    cls = EVENT_TYPES[topic]
    state = orjson.loads(blob)
    written = state.get("v", 1)
    if written == cls.class_version:
        # Written by this store under the current schema and validated then: rebuilt, not re-validated.
        event = constructor(cls)(state["event"])
    else:
        # The same upcast as a correction's replacement, then a full validation of the result.
        event = cls.model_validate(upcast(cls, state["event"], written))
    return recorded(stream, version, datetime.fromisoformat(state["at"]), event, position), str(state["digest"])


def recorded(stream: str, version: int, recorded_at: datetime, event: Development, position: int | None) -> Recorded:
    """A Recorded from values our store already typed (what model_construct does, without its per-field walk)."""
    record = Recorded.__new__(Recorded)
    object.__setattr__(record, "__dict__", {
        "stream": stream, "version": version, "recorded_at": recorded_at, "event": event, "position": position,
    })
    object.__setattr__(record, "__pydantic_fields_set__", set(_RECORDED_FIELDS))
    object.__setattr__(record, "__pydantic_extra__", None)
    object.__setattr__(record, "__pydantic_private__", None)
    return record


_RECORDED_FIELDS = frozenset(Recorded.model_fields)


def resolve(entity: str, exists: Callable[[str], bool]) -> str:
    """Turn 'x' or 'commitment:x' into the one stream that exists, or raise NotFound."""
    if ":" in entity:
        if entity.partition(":")[0] in ENTITY_KINDS and exists(entity):
            return entity
        raise NotFound(f"id: nothing recorded as {entity!r} (value: {entity!r})")
    found = [f"{kind}:{entity}" for kind in ENTITY_KINDS if exists(f"{kind}:{entity}")]
    if not found:
        raise NotFound(f"id: nothing recorded as {entity!r} (value: {entity!r})")
    if len(found) > 1:
        raise NotFound(f"id: {entity!r} names several entities; say which: {', '.join(found)}")
    return found[0]


class SQLiteLogReader:
    """An SQLite store's events, read-only, through the standard library's sqlite3."""

    def __init__(self, path: Path, database: str | None = None) -> None:
        # Named in errors as the user gave it (the settings' URL), else by its path.
        self.database = database or f"sqlite:///{path}"
        self.table = sql.EventsTable(SQLITE_EVENTS_TABLE, postgres=False)
        with self._translated():
            # mode=ro: a missing file is an error here, never a new empty store.
            self._conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """sqlite3's errors (not a database, unreadable, missing) as the tracker's StoreUnavailable, naming it."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreUnavailable(self.database, " ".join(str(exc).split())) from None

    @contextmanager
    def _cursor(self) -> Iterator[sqlite3.Cursor]:
        """A cursor closed after use, its errors translated."""
        with self._translated():
            curs = self._conn.cursor()
            try:
                yield curs
            finally:
                curs.close()

    def has_record_times(self) -> bool:
        """True when the store has the tables this reader needs (a store made by an older tracker may not)."""
        with self._cursor() as curs:
            return sql.record_times_exist(curs, self.table) and bool(curs.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [self.table.name]).fetchone())

    def load(self, stream: str, *, known_at: datetime | None = None) -> list[Recorded]:
        """Every event of one stream, in version order; only those recorded by `known_at` when given."""
        with self._cursor() as curs:
            until = None if known_at is None else sql.position_known_at(curs, self.table, epoch_us(known_at))
            rows = [] if until == 0 else sql.stream_rows(curs, self.table, stream, until=until)
        return [decode_row(row)[0] for row in rows]

    def exists(self, stream: str) -> bool:
        """True when the stream has at least one event."""
        with self._cursor() as curs:
            return sql.stream_exists(curs, self.table, stream)

    def streams(self, kind: str | None = None) -> list[str]:
        """Every stream in the log (of one kind when given), sorted."""
        with self._cursor() as curs:
            return sql.streams(curs, self.table, f"{kind}:%" if kind else "%")

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
