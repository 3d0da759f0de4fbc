"""Keeps the views up to date: catch-up from the log, full rebuild, and following on PostgreSQL.

Each batch's view rows and its tracking position are committed in one transaction, and a
batch starts by locking the tracking row (PostgreSQL: SELECT ... FOR UPDATE; SQLite:
BEGIN IMMEDIATE), so two workers never apply the same batch and never skip one.
"""

from __future__ import annotations

import threading
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from eventsourcing.persistence import StoredEvent
from sqlalchemy import Engine, delete, insert, inspect, select, text, update
from sqlalchemy.engine import Connection, make_url

from tracker import store_sql
from tracker.db import write_transaction
from tracker.events import EVENT_TYPES, Recorded
from tracker.projections.decoding import collector_paused
from tracker.projections.views import KIND_ORDER, RowBatch, TrackingRow, ViewBase, derive_entity, organization_of_body
from tracker.store import EventLog, decode, schema_lock

__all__ = ["VIEWS", "Projector"]

VIEWS = "views"  # one tracking row for the set of views, written with them
HELD_EVENTS = 20_000  # events a projector keeps in memory between batches (some 2.4 kB each: ~50 MB)
EVENT_SCHEMA = "event-schema"  # a fingerprint of the event classes' versions the rows were derived under


# Packages of projections whose code does not shape a view row (they render or export answers).
_NOT_DERIVING = ("reports", "interchange")


@cache
def _event_schema() -> int:
    """A fingerprint of the event classes' versions and of the code that derives view rows.

    It changes when an upcaster is added, and when a fold, the resolution or a row builder
    changes in a release: rows derived by the old code (a meeting's format guessed
    `in_person`, say) would otherwise stay until someone ran `tracker rebuild`.
    """
    versions = ",".join(f"{name}:{cls.class_version}" for name, cls in sorted(EVENT_TYPES.items()))
    digest = zlib.crc32(versions.encode())
    root = resources.files("tracker.projections")
    for path in sorted(_sources(root), key=str):
        digest = zlib.crc32(path.read_bytes(), digest)
    return digest & 0x7FFFFFFF  # fits the tracking column on every backend


def _sources(folder: Traversable, top: bool = True) -> Iterator[Traversable]:
    """The Python sources under `folder`, the packages that only render answers left out."""
    for item in folder.iterdir():
        if item.is_dir() and item.name != "__pycache__" and not (top and item.name in _NOT_DERIVING):
            yield from _sources(item, top=False)
        elif item.name.endswith(".py"):
            yield item

# Tables earlier releases kept and no query reads any more: dropped when found.
_RETIRED_TABLES = ("view_presidency_terms", "view_document_parties")


class Projector:
    """Applies the event log to the views, in batches, tracking its position."""

    def __init__(
        self,
        engine: Engine,
        log: EventLog,
        database_url: str,
        *,
        batch_size: int = 500,
        rebuild_batch_size: int = 10_000,
    ) -> None:
        self.engine = engine
        self.log = log
        self.database_url = database_url
        self.batch_size = batch_size
        # A rebuild commits per this many events: few commits, memory still bounded by one batch.
        self.rebuild_batch_size = rebuild_batch_size
        self.is_postgres = engine.dialect.name == "postgresql"
        # Streams' events already read, by stream, least recently used first (see _history).
        self._histories: OrderedDict[str, list[Recorded]] = OrderedDict()
        self._held_events = 0

    def ensure_schema(self) -> None:
        """Create the view tables and the tracking row if missing (safe with several processes).

        Views are disposable: tables of an older layout are dropped, and the views are rebuilt
        from the log by the next catch-up (their tracking row starts again at 0).
        """
        with schema_lock(self.database_url):
            if not self._schema_is_current():
                with self.engine.begin() as conn:
                    for name in _RETIRED_TABLES:
                        conn.execute(text(f"DROP TABLE IF EXISTS {name}"))
                ViewBase.metadata.drop_all(self.engine)
            ViewBase.metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                rows = conn.execute(select(TrackingRow.name, TrackingRow.position))
                held = {name: position for name, position in rows}
                if VIEWS not in held:
                    conn.execute(insert(TrackingRow).values(name=VIEWS, position=0))
                if held.get(EVENT_SCHEMA) != _event_schema():
                    conn.execute(delete(TrackingRow).where(TrackingRow.name == EVENT_SCHEMA))
                    conn.execute(insert(TrackingRow).values(name=EVENT_SCHEMA, position=_event_schema()))

    def _schema_is_current(self) -> bool:
        found = inspect(self.engine)
        names = set(found.get_table_names())
        if names & set(_RETIRED_TABLES):
            return False
        if TrackingRow.__tablename__ in names and self.position_of(EVENT_SCHEMA) not in (None, _event_schema()):
            return False  # rows derived before an event class changed (an upcaster may read them otherwise)
        return all(
            table.name not in names or {c["name"] for c in found.get_columns(table.name)} == set(table.columns.keys())
            for table in ViewBase.metadata.sorted_tables
        )

    @contextmanager
    def _locked(self) -> Iterator[tuple[Connection, int]]:
        """A write transaction holding the tracking row, with the position it holds."""
        with write_transaction(self.engine) as conn:
            query = select(TrackingRow.position).where(TrackingRow.name == VIEWS)
            if self.is_postgres:
                query = query.with_for_update()
            position = conn.execute(query).scalar_one()
            yield conn, position

    def position_of(self, name: str) -> int | None:
        """A tracking row's value, None when it is missing."""
        with self.engine.connect() as conn:
            return conn.execute(select(TrackingRow.position).where(TrackingRow.name == name)).scalar_one_or_none()

    def position(self) -> int:
        """The last log position the views have applied."""
        with self.engine.connect() as conn:
            return int(conn.execute(select(TrackingRow.position).where(TrackingRow.name == VIEWS)).scalar_one())

    def catch_up(self, *, max_batches: int | None = None) -> int:
        """Apply every event recorded after the views' position; returns how many."""
        applied = 0
        batches = 0
        # A cheap look first: most queries find the views current, and taking the
        # tracking row's lock for nothing would make every reader queue behind writers.
        if self.log.max_position() <= self.position():
            return 0
        while max_batches is None or batches < max_batches:
            with self._locked() as (conn, position):
                batch = self.log.read(position, self.batch_size)
                if not batch:
                    break
                self._apply(conn, batch)
                last = batch[-1].position
                assert last is not None  # read from the log: positions are set
                conn.execute(update(TrackingRow).where(TrackingRow.name == VIEWS).values(position=last))
            applied += len(batch)
            batches += 1
            if len(batch) < self.batch_size:
                break  # the log held no more when read: another transaction would find nothing
        return applied

    def _apply(self, conn: Connection, batch: Sequence[Recorded]) -> None:
        # Only entity streams have views; review decisions (stream kind "review") are read per item.
        new: dict[str, list[Recorded]] = {}
        for record in batch:
            if record.stream.partition(":")[0] in KIND_ORDER:
                new.setdefault(record.stream, []).append(record)
        rows = RowBatch()
        for stream in sorted(new, key=lambda s: (KIND_ORDER[s.partition(":")[0]], s)):
            records = self._history(stream, new[stream])
            derive_entity(rows, stream, records, lambda body: organization_of_body(conn, rows, body), new=new[stream])
        rows.write(conn)

    def _history(self, stream: str, new: list[Recorded]) -> list[Recorded]:
        """The stream up to the batch's last event of it: earlier events from memory where held, else read once.

        The log only grows and its events never change, so a stream's events read for one batch
        are still its first events at the next: a follower reads each history once, not per batch.
        """
        new.sort(key=lambda r: r.version)
        held = self._histories.pop(stream, [])
        self._held_events -= len(held)
        first_new = new[0].version
        held = held[: first_new - 1]  # a batch applied again (after a rebuild) starts earlier
        if len(held) < first_new - 1:
            stored = self.log.recorder.select_events(stream, gt=len(held), lte=first_new - 1)
            held = [*held, *(decode(s)[0] for s in stored)]
        records = [*held, *new]
        if records[-1].version != len(records):  # versions start at 1 with no gap; never expected otherwise
            records = self.log.load(stream)[: new[-1].version]
        self._histories[stream] = records
        self._held_events += len(records)
        while self._held_events > HELD_EVENTS and len(self._histories) > 1:
            _, dropped = self._histories.popitem(last=False)  # the stream used least recently
            self._held_events -= len(dropped)
        return records

    def rebuild(self) -> int:
        """Drop every view and rebuild it from the log, one stream at a time, in batches."""
        # A batch holds some 10^5 live objects; the cyclic collector rescanning them (and every
        # imported module's) cost more than decoding them (issue 11). Nothing here builds cycles:
        # reference counting frees each batch, so memory stays bounded with the collector paused.
        with collector_paused():
            return self._rebuild()

    def _rebuild(self) -> int:
        with schema_lock(self.database_url):
            ViewBase.metadata.drop_all(self.engine)
        self.ensure_schema()
        snapshot = self.log.max_position()
        entities = 0
        pending: list[tuple[str, list[Recorded]]] = []
        pending_events = 0
        for stream, records in self._streams_in_order():
            if stream.partition(":")[0] not in KIND_ORDER:
                continue  # not an entity (review decisions): no view rows
            pending.append((stream, records))
            pending_events += len(records)
            if pending_events >= self.rebuild_batch_size:
                entities += self._write_rebuilt(pending)
                pending, pending_events = [], 0
        entities += self._write_rebuilt(pending)
        with self._locked() as (conn, _):
            conn.execute(update(TrackingRow).where(TrackingRow.name == VIEWS).values(position=snapshot))
        # Whatever was recorded while rebuilding is applied now (re-applying is harmless).
        self.catch_up()
        return entities

    def _write_rebuilt(self, pending: list[tuple[str, list[Recorded]]]) -> int:
        if not pending:
            return 0
        # Kinds in order, so a meeting finds its body's organization already written.
        pending.sort(key=lambda item: (KIND_ORDER[item[0].partition(":")[0]], item[0]))
        with self._locked() as (conn, _):
            rows = RowBatch()
            for stream, records in pending:
                derive_entity(rows, stream, records, lambda body: organization_of_body(conn, rows, body))
            # The views were emptied before the rebuild and each stream comes once: no deletes.
            rows.write(conn, replace=False)
        return len(pending)

    def _streams_in_order(self) -> Iterator[tuple[str, list[Recorded]]]:
        """Every stream with its events, read in one ordered pass (memory: one stream at a time)."""
        # The primary key (originator_id, originator_version) serves this order.
        statement = text(self.log.stream_order_statement())
        current: str | None = None
        records: list[Recorded] = []
        # Read on a connection of its own: the batches are written on others meanwhile.
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True, yield_per=2000).execute(statement)
            for originator_id, version, topic, state in result:
                if originator_id != current:
                    if current is not None and records:
                        yield current, records
                    current, records = str(originator_id), []
                records.append(decode(StoredEvent(originator_id, version, topic, bytes(state)))[0])
        if current is not None and records:
            yield current, records

    def follow(self, stop: threading.Event, *, poll_seconds: float = 0.5) -> None:
        """Keep applying new events until `stop` is set (woken by the log's NOTIFY on PostgreSQL)."""
        with self._waker(poll_seconds) as wait:
            while not stop.is_set():
                if self.catch_up(max_batches=20) == 0:
                    wait(stop)

    @contextmanager
    def _waker(self, poll_seconds: float) -> Iterator[Callable[[threading.Event], None]]:
        """A wait for new events: PostgreSQL's LISTEN on the channel every write transaction notifies
        (`tracker.store_sql.notify`), at most `poll_seconds`; elsewhere a plain poll."""
        if not self.is_postgres:

            def poll(stop: threading.Event) -> None:
                stop.wait(poll_seconds)

            yield poll
            return
        import psycopg  # only on the PostgreSQL path

        conninfo = make_url(self.database_url).set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as listener:
            # The channel every write transaction notifies (store_sql.notify).
            listener.execute(f'LISTEN "{store_sql.channel(self.log.table)}"')

            def wait(stop: threading.Event) -> None:
                # Returns on the first notification (queued ones included: none is lost between
                # a catch-up and this wait) or after poll_seconds, so `stop` is seen in time.
                for _ in listener.notifies(timeout=poll_seconds, stop_after=1):
                    pass

            yield wait
