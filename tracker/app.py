"""The Tracker: one facade over the event log, the rules and the views, taking and returning simple values."""

from __future__ import annotations

import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

import orjson
from eventsourcing.persistence import IntegrityError
from pydantic import ValidationError

import tracker.events as ev
from tracker.chain import ChainReport
from tracker.db import make_engine
from tracker.domain import StreamReader, check
from tracker.errors import (
    ConcurrencyConflict,
    ImportFailed,
    InvalidInput,
    TrackerError,
)
from tracker.events import Development, InvalidEvent, Recorded
from tracker.log_reader import resolve
from tracker.projections.clock import SYSTEM_CLOCK, Clock
from tracker.projections.decoding import collector_paused
from tracker.projections.model import LogHead
from tracker.projections.queries import Queries
from tracker.projections.views import KIND_ORDER
from tracker.projector import Projector
from tracker.recording import RecordingMethods
from tracker.settings import Settings
from tracker.store import BulkWriter, EventLog, body_and_digest, decode, decode_row
from tracker.streams import StreamIndex

__all__ = ["ImportReport", "RecordResult", "Tracker"]

_MAX_ATTEMPTS = 8
# Streams an import keeps indexed, in digest-sized units (a decoded event counts DECODED_COST).
# Measured peak over the interpreter: 76 MiB at 250,000 units held, 92 MiB at a 300,000 cap;
# this cap keeps it near the ~75 MiB the earlier decoded-event cache held.
_IMPORT_CACHE_COST = 200_000
_RECORD_CACHE_STREAMS = 1_000
_IMPORT_KNOWN_STREAMS = 10_000  # streams an import remembers to exist (about 1 MiB of names at most)
_IMPORT_FLUSH_EVERY = 500


@dataclass(frozen=True)
class RecordResult:
    """What recording one development did: its reference, and whether it was new."""

    ref: str
    stored: bool
    position: int | None = None


@dataclass
class ImportReport:
    """What an import did: how many lines were stored, already present, or rejected."""

    stored: int = 0
    already_present: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)

    @property
    def lines(self) -> int:
        """How many event lines were read."""
        return self.stored + self.already_present + len(self.rejected)


def _as_event(data: Development | dict[str, Any]) -> Development:
    if isinstance(data, Development):
        return data
    try:
        return ev.parse_event(data)
    except InvalidEvent as exc:
        raise InvalidInput(exc.problems) from None


class Tracker(RecordingMethods):
    """Records developments, enforces the rules, and answers queries about them.

    It has an event store rather than being an eventsourcing Application: every write goes
    through `record()` or `import_events()`, so nothing can store an event past the rules.
    """

    def __init__(self, settings: Settings | None = None, *, clock: Clock | None = None) -> None:
        self.settings = settings or Settings()
        self.clock: Clock = clock or SYSTEM_CLOCK  # "today" and "now" for every answer
        self.event_log = EventLog(self.settings.database_url, lock_timeout=self.settings.lock_timeout)
        self._states: OrderedDict[str, StreamIndex] = OrderedDict()
        self._states_lock = threading.Lock()
        self.event_log.create_schema()
        self.engine = make_engine(self.settings.database_url, lock_timeout=self.settings.lock_timeout)
        self.projector = Projector(
            self.engine, self.event_log, self.settings.database_url, batch_size=self.settings.batch_size
        )
        self.projector.ensure_schema()

    def read_model(self, *, catch_up: bool = True, use_views: bool = True) -> Queries:
        """The queries, the views first brought up to date with everything recorded (read-your-writes).

        `use_views=False` answers everything from the events (the contract tests compare both).
        """
        if catch_up:
            self.projector.catch_up()
        return Queries(
            self.engine, self.event_log, stale_days=self.settings.stale_days, clock=self.clock,
            views_known_at=self._views_known_at(), use_views=use_views, head=LogHead(*self.event_log.head()),
            refuse=InvalidInput,  # a question asked wrongly is bad input, from the tracker's tree
        )

    def _views_known_at(self) -> datetime | None:
        """The record time of the log's last event, when the views have applied it (else None)."""
        position = self.projector.position()
        if position == 0 or position != self.event_log.max_position():
            return None
        last = self.event_log.read_stored(position - 1, 1)
        return decode(last[0])[0].recorded_at if last else None

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()
        self.event_log.close()

    # --- recording -------------------------------------------------------------------

    def record(self, event: Development | dict[str, Any]) -> RecordResult:
        """Validate and store one development; the same key (or content) twice stores it once."""
        development = _as_event(event)
        stream = development.stream
        prepared = body_and_digest(development)
        for attempt in range(_MAX_ATTEMPTS):
            try:
                # One write transaction: the rules are judged under the stream's lock (PostgreSQL:
                # other streams' writers go on meanwhile), and the append re-checks what was read.
                with self.event_log.bulk("record", stream=stream) as writer:
                    state = self._stream_state(writer, development)
                    # The same rule as import: the same key, or without a key the same content,
                    # is already present. Storing it twice would shift every later version of
                    # the stream on export and import, and break the `#N` references to them.
                    existing = state.repeat_of(development, prepared[1])
                    if existing is not None:
                        return RecordResult(existing.ref, stored=False, position=existing.position)
                    check(development, state.records, _WriterReader(writer), current=state.effective)
                    recorded = writer.append(stream, state.next_version, development, prepared)
                    positions = writer.flush(with_positions=True)
                # The cached state does not take the new event here: the next record() reads it
                # back under the write lock, so a commit that failed can never linger in the cache.
            except IntegrityError:
                # What the judgement read changed before the write lock (StreamChanged): re-judge.
                time.sleep(random.uniform(0, 0.01 * (2**attempt)))
                continue
            return RecordResult(recorded.ref, stored=True, position=positions[0] if positions else None)
        raise ConcurrencyConflict(
            f"{stream}: other writers changed it {_MAX_ATTEMPTS} times in a row; nothing was stored, try again"
        )

    def _stream_state(self, writer: BulkWriter, development: Development) -> StreamIndex:
        """The stream's index, cached between records: only newer versions are read."""
        stream = development.stream
        with self._states_lock:
            cached = self._states.pop(stream, None)
        # Streams are append-only with contiguous versions, so what this process saw stays
        # true; other processes may have appended since, and those rows are read here.
        state = _index(writer, stream, cached, development)
        with self._states_lock:
            self._states[stream] = state
            while len(self._states) > _RECORD_CACHE_STREAMS:
                self._states.popitem(last=False)
        return state

    # --- the typed recording methods (tracker/recording.py) call this ---------------------

    def history(self, entity: str) -> list[Recorded]:
        """Every recorded event of an entity ('commitment:x' or a bare id), in version order."""
        stream = self.resolve(entity)
        return self.event_log.load(stream)

    def resolve(self, entity: str) -> str:
        """Turn 'x' or 'commitment:x' into the one stream that exists, or raise NotFound."""
        return resolve(entity, self.event_log.exists)

    def streams(self, kind: str | None = None) -> list[str]:
        """Every recorded entity as 'kind:id', optionally of one kind."""
        # A review item's decisions have a stream of their own (review:<id>): not an entity.
        return [s for s in self.event_log.streams(kind) if s.partition(":")[0] in KIND_ORDER]

    def verify(self) -> ChainReport:
        """Check the tamper-evident chain over the whole log (streaming); the report names the first break."""
        return self.event_log.verify()

    def migrate_to(self, database_url: str, *, on_event: Callable[[int], None] | None = None) -> ChainReport:
        """Copy the whole store into an empty one (SQLite or PostgreSQL), keeping record times, order, keys and links.

        All or nothing; ends by checking that both chain heads are equal.
        """
        try:
            target_settings = Settings(database_url=database_url)
        except ValidationError as exc:
            # The user named the URL with --to: the problem is the URL as given, not a settings field.
            problems = [("to", database_url, message) for _, _, message in ev.validation_problems(exc)]
            raise InvalidInput(problems) from None
        target = EventLog(target_settings.database_url, lock_timeout=self.settings.lock_timeout)
        try:
            target.create_schema()
            return self.event_log.copy_into(target, on_event=on_event)
        finally:
            target.close()

    def is_empty(self) -> bool:
        """True when the log holds no event at all."""
        return self.event_log.max_position() == 0

    def iter_log(self, after: int = 0, page: int = 1000) -> Iterator[Recorded]:
        """Every event in global log order, read page by page (memory stays flat)."""
        position = after
        while True:
            batch = self.event_log.read(position, page)
            if not batch:
                return
            yield from batch
            position = batch[-1].position or position

    # --- JSON Lines interchange ----------------------------------------------------------

    def import_events(
        self,
        lines: Iterable[str | bytes],
        *,
        all_or_nothing: bool = True,
        on_line: Callable[[int], None] | None = None,
    ) -> ImportReport:
        """Import JSON Lines in one transaction: all stored or none (or keep the good lines)."""
        report = ImportReport()
        # The collector paused: its passes over what the import holds (the stream cache) cost
        # 3.6 us an event at 100k events, a tenth of the import. An import makes no reference
        # cycles (tests/integration/test_import_cycles.py): reference counting frees all it
        # drops, so memory stays as flat as before.
        with collector_paused(), self.event_log.bulk("import") as bulk:
            reader = _BulkReader(bulk)
            for number, line in enumerate(lines, start=1):
                if on_line is not None:
                    on_line(number)
                if not line or line.isspace():  # as `not line.strip()`, without copying every line
                    continue
                try:
                    outcome = self._import_line(line, reader, bulk)
                except (TrackerError, InvalidEvent, orjson.JSONDecodeError) as exc:
                    if all_or_nothing:
                        raise ImportFailed(number, _problems(exc)) from None
                    report.rejected.append((number, str(ImportFailed(number, _problems(exc)))))
                    continue
                if outcome:
                    report.stored += 1
                else:
                    report.already_present += 1
                if len(bulk.pending) >= _IMPORT_FLUSH_EVERY:
                    bulk.flush()
        return report

    def _import_line(self, line: str | bytes, reader: _BulkReader, bulk: BulkWriter) -> bool:
        data = orjson.loads(line)
        development = ev.parse_event(data)
        stream = development.stream
        prepared = body_and_digest(development)
        state = reader.state(development)
        if state.repeat_of(development, prepared[1]) is not None:
            return False
        check(development, state.records, reader, current=state.effective)
        reader.added(stream, bulk.append(stream, state.next_version, development, prepared), prepared[1])
        return True

    def export_events(self, out: IO[bytes]) -> int:
        """Write every event as one JSON line, in log order; returns how many."""
        count = 0
        for record in self.iter_log():
            out.write(orjson.dumps(record.event.to_json_dict()) + b"\n")
            count += 1
        return count


def _problems(exc: Exception) -> list[tuple[str, Any, str]]:
    if isinstance(exc, TrackerError | InvalidEvent):
        return exc.problems
    if isinstance(exc, orjson.JSONDecodeError):
        return [("(line)", exc.doc[:80] if isinstance(exc.doc, str) else "", f"not valid JSON: {exc.msg}")]
    return [("(event)", None, str(exc))]


def _index(writer: BulkWriter, stream: str, cached: StreamIndex | None, development: Development) -> StreamIndex:
    """`cached` brought up to date inside the transaction (or built), whole when the rules need every event."""
    index = cached or StreamIndex(stream)
    rows = writer.rows(stream, after=index.next_version - 1)
    if index.needs_rows(rows, development):
        # An amendment may name any event: read the stream again, keeping every event decoded.
        index = StreamIndex(stream, full=True)
        rows = writer.rows(stream)
    index.absorb(rows)
    return index


class _WriterReader(StreamReader):
    """Other streams as the open write transaction sees them."""

    def __init__(self, writer: BulkWriter) -> None:
        self.writer = writer

    def load(self, stream: str) -> Sequence[Recorded]:
        return self.writer.load(stream)

    def exists(self, stream: str) -> bool:
        return self.writer.exists(stream)


class _BulkReader(StreamReader):
    """Streams as an open import transaction sees them, in an LRU bounded by what it holds (flat memory)."""

    def __init__(self, bulk: BulkWriter) -> None:
        self.bulk = bulk
        self.cache: OrderedDict[str, StreamIndex] = OrderedDict()
        self.cost = 0
        # Streams found to exist (a stream never stops existing inside the transaction): the
        # entities many events name (an organization, a body, a meeting) fall out of the LRU
        # above, and asking the database again each time they are named cost 12.0 -> 3.3 us
        # an event in the rules' checks of a 100k PostgreSQL import (a round trip, and the end
        # of the import's COPY each time); SQLite 3.4 -> 3.2.
        self.existing: set[str] = set()

    def state(self, development: Development) -> StreamIndex:
        """The index of the development's stream, from the cache or read inside the transaction."""
        stream = development.stream
        cached = self.cache.pop(stream, None)
        if cached is not None:
            self.cost -= cached.cost
            if cached.needs_rows((), development):
                cached = None  # an amendment on a compact index: read the whole stream once
        # A cached index is current: every event of the stream written since went through it.
        index = cached if cached is not None else _index(self.bulk, stream, None, development)
        self.cache[stream] = index
        self.cost += index.cost
        self._evict()
        return index

    def added(self, stream: str, record: Recorded, digest: str) -> None:
        """Note an event appended to a cached stream."""
        index = self.cache[stream]
        self.cost -= index.cost
        index.add(record, digest)
        self.cost += index.cost
        self._evict()

    def _evict(self) -> None:
        # Bounded by what the indexes hold rather than by streams: a cap on streams alone let
        # memory grow with stream length (measured: 600 MiB for 20,000 ten-event streams).
        while self.cost > _IMPORT_CACHE_COST and len(self.cache) > 1:
            _, evicted = self.cache.popitem(last=False)
            self.cost -= evicted.cost

    def load(self, stream: str) -> Sequence[Recorded]:
        return [decode_row(row)[0] for row in self.bulk.rows(stream)]

    def exists(self, stream: str) -> bool:
        if stream in self.cache or stream in self.existing:
            return True
        if not self.bulk.exists(stream):
            return False
        if len(self.existing) >= _IMPORT_KNOWN_STREAMS:
            self.existing.clear()  # bounded: memory stays flat whatever the import names
        self.existing.add(stream)
        return True
