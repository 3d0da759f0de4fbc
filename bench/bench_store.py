"""Event store throughput and memory: the Tracker's writes against raw inserts of the same stored rows.

Run: PYTHONPATH=. .venv/bin/python bench/bench_store.py [--events 100000] [--records 2000] [--order-events 20000]
     [--postgres URL | --no-postgres] [--million] [--profile]

1. single recording: `Tracker.record()` of ProgressAssessed events, one per call, against a plain
   autocommit INSERT per row of the same stored rows (same schema, same bytes, same durability);
2. bulk import: `Tracker.import_events()` of a JSON Lines file against one transaction of
   `executemany` (SQLite) or COPY in binary format (PostgreSQL) of the same rows;
3. import order: the same lines over 1,000 commitments imported grouped by commitment and
   interleaved (one event of each commitment per round, as `tracker export` writes histories
   recorded side by side); the interleaved/grouped time ratio (goal: within 2x);
4. the tamper-evident chain: what linking each event costs (the same events encoded with and
   without their link), as a share of the time single recording and bulk import take per event
   in this run (goal: under 10%);
5. with --million: peak RSS (VmHWM) of a child process importing 100k, 300k and 1M events into
   each backend, to show memory stays flat as the file grows;
6. PostgreSQL writers: N processes (1, 2, 4, 8) each calling `Tracker.record()` on its own
   commitments, total events/s, against N processes each doing the raw locked write of the same
   rows (BEGIN; LOCK TABLE ... IN EXCLUSIVE MODE, as eventsourcing does; INSERT; COMMIT). Goal:
   the total grows with N up to the raw+lock rate.

It prints figures and the goals next to them; it asserts nothing and always exits 0 on success.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import itertools
import json
import os
import platform
import pstats
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402
import psycopg  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

import tracker.events as ev  # noqa: E402
from tests.builders import SCO_2018, event, sco_world  # noqa: E402
from tracker.app import Tracker  # noqa: E402
from tracker.settings import Settings  # noqa: E402
from tracker.store import Prepared, body_and_digest, encode, encode_chained  # noqa: E402

RECORD_GOAL = 0.6  # SQLite: Tracker.record() rate / raw single-row insert rate
IMPORT_GOAL = 0.25  # SQLite: Tracker.import_events() rate / raw executemany rate
IMPORT_GOAL_POSTGRES = 0.15  # PostgreSQL: Tracker.import_events() rate / raw COPY binary rate
WRITERS = (1, 2, 4, 8)
WRITER_COMMITMENTS = 10  # commitments each concurrent writer records on (its own)
RECORD_BLOCK = 100  # single recordings timed in blocks alternating with the raw inserts
WARMUP = 100  # single recordings (and raw inserts) done before the clock starts
RECORD_COMMITMENTS = 100
ASSESSMENTS_PER_COMMITMENT = 9
LEVELS = ("no_evidence", "not_started", "limited", "substantial", "complete")
DEFAULT_POSTGRES = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
MILLION_SIZES = (100_000, 300_000, 1_000_000)

Row = tuple[str, int, str, bytes]
T = TypeVar("T")


# --- workload -------------------------------------------------------------------------------


def setup_events() -> list[dict[str, Any]]:
    """The organization, its members, a body and a meeting every commitment hangs on."""
    return sco_world()[:-1]


def commitment(i: int) -> dict[str, Any]:
    """One realistic CommitmentUndertaken, `c{i}`."""
    return event(
        "CommitmentUndertaken", "2018-09-20", commitment_id=f"c{i}", organization_id="sco",
        body_id="sco-prosecutors-general", parties=SCO_2018, title=f"Joint action {i}",
        text="Consolidate efforts against terrorism, separatism and extremism; exchange information "
             "on wanted persons and hold joint training of prosecutors.",
        origin={"kind": "meeting", "id": "sco-prosecutors-general/16"}, due_on="2021-12",
    )


def assessment(i: int, j: int) -> dict[str, Any]:
    """The j-th ProgressAssessed of commitment `c{i}` (distinct content, by one party)."""
    return event(
        "ProgressAssessed", f"{2019 + j // 12}-{j % 12 + 1:02d}", commitment_id=f"c{i}",
        party=SCO_2018[j % len(SCO_2018)], level=LEVELS[j % len(LEVELS)],
        assessor="SCO secretariat", note=f"assessment {j} of c{i}",
    )


def bulk_lines(commitments: int) -> Iterator[bytes]:
    """The import file, streamed: setup, then each commitment followed by its assessments."""
    for data in setup_events():
        yield orjson.dumps(data) + b"\n"
    for i in range(commitments):
        yield orjson.dumps(commitment(i)) + b"\n"
        for j in range(ASSESSMENTS_PER_COMMITMENT):
            yield orjson.dumps(assessment(i, j)) + b"\n"


ORDER_COMMITMENTS = 1_000
ORDER_GOAL = 2.0  # interleaved import time / grouped import time


def ordered_lines(events_wanted: int, *, interleaved: bool) -> Iterator[bytes]:
    """Setup, then ORDER_COMMITMENTS commitments with assessments: grouped by commitment, or round-robin."""
    per = max(1, events_wanted // ORDER_COMMITMENTS - 1)
    for data in setup_events():
        yield orjson.dumps(data) + b"\n"
    if not interleaved:
        for i in range(ORDER_COMMITMENTS):
            yield orjson.dumps(commitment(i)) + b"\n"
            for j in range(per):
                yield orjson.dumps(assessment(i, j)) + b"\n"
        return
    for i in range(ORDER_COMMITMENTS):
        yield orjson.dumps(commitment(i)) + b"\n"
    for j in range(per):
        for i in range(ORDER_COMMITMENTS):
            yield orjson.dumps(assessment(i, j)) + b"\n"


def write_jsonl(path: Path, lines: Iterable[bytes]) -> int:
    """Write lines to disk as they come (never all in memory); returns how many."""
    count = 0
    with path.open("wb") as out:
        for line in lines:
            out.write(line)
            count += 1
    return count


def commitments_for(events_wanted: int) -> int:
    """How many commitments (each 1 + 9 events) give about `events_wanted` events with the setup."""
    return max(1, (events_wanted - len(setup_events())) // (1 + ASSESSMENTS_PER_COMMITMENT))


def encoded_rows(items: Iterable[dict[str, Any] | bytes]) -> list[Row]:
    """The stored rows the Tracker would write for these events, built with tracker.store.encode."""
    versions: dict[str, int] = {}
    recorded_at = datetime.now(UTC)
    rows: list[Row] = []
    for item in items:
        development = ev.parse_event(orjson.loads(item) if isinstance(item, bytes) else item)
        stream = development.stream
        versions[stream] = version = versions.get(stream, 0) + 1
        stored = encode(stream, version, recorded_at, development)
        rows.append((str(stored.originator_id), stored.originator_version, stored.topic, stored.state))
    return rows


# --- databases ------------------------------------------------------------------------------


@dataclass
class Backend:
    """Where one side of a comparison runs: a fresh SQLite file or PostgreSQL database each time."""

    name: str
    workdir: Path
    admin_url: str | None = None

    @contextlib.contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        """A URL to a new, empty database, removed afterwards."""
        if self.admin_url is None:
            path = self.workdir / f"{label}-{uuid.uuid4().hex[:8]}.sqlite"
            try:
                yield f"sqlite:///{path}"
            finally:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        name = f"bench_store_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)
        finally:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Schema:
    """How the Tracker's store is laid out and made durable, copied to the raw baseline."""

    create: list[str]
    table: str
    synchronous: int | None = None  # SQLite's PRAGMA synchronous on eventsourcing's connection
    journal_mode: str | None = None


def schema_of(tracker: Tracker) -> Schema:
    """The Tracker's table DDL, table name and (SQLite) journal mode and synchronous setting."""
    recorder: Any = tracker.event_log.recorder
    if tracker.event_log.is_postgres:
        statements = [s.as_string() for s in recorder.sql_create_statements]
        # The table and its notification index; the type and function are unused with DB functions off.
        create = [s for s in statements if s.startswith(("CREATE TABLE", "CREATE UNIQUE INDEX"))]
        return Schema(create, f'"{recorder.datastore.schema}"."{recorder.events_table_name}"')
    with recorder.datastore.transaction(commit=False) as curs:
        curs.execute("PRAGMA synchronous")
        synchronous = int(curs.fetchone()[0])
        curs.execute("PRAGMA journal_mode")
        journal_mode = str(curs.fetchone()[0])
    return Schema(list(recorder.create_table_statements), recorder.events_table_name, synchronous, journal_mode)


def sqlite_path(url: str) -> str:
    """The file path of a sqlite:/// URL."""
    return url.removeprefix("sqlite:///")


@contextlib.contextmanager
def raw_connection(url: str, schema: Schema) -> Iterator[Any]:
    """A plain driver connection in autocommit mode, with the Tracker's table and durability."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(sqlite_path(url), isolation_level=None)
        conn.execute(f"PRAGMA journal_mode={schema.journal_mode}")
        conn.execute(f"PRAGMA synchronous={schema.synchronous}")
        for statement in schema.create:
            conn.execute(statement)
        try:
            yield conn
        finally:
            conn.close()
        return
    with psycopg.connect(url, autocommit=True) as pg:
        for statement in schema.create:
            pg.execute(statement)
        yield pg


def insert_statement(url: str, schema: Schema) -> str:
    """The plain single-row INSERT into the Tracker's table."""
    marker = "?" if url.startswith("sqlite") else "%s"
    columns = "originator_id, originator_version, topic, state"
    return f"INSERT INTO {schema.table} ({columns}) VALUES ({marker}, {marker}, {marker}, {marker})"


def raw_bulk(conn: Any, url: str, schema: Schema, rows: list[Row]) -> None:
    """All rows in one transaction: executemany on SQLite, COPY in binary format on PostgreSQL."""
    if url.startswith("sqlite"):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(insert_statement(url, schema), rows)
        conn.execute("COMMIT")
        return
    with conn.transaction(), conn.cursor() as curs:
        columns = "originator_id, originator_version, topic, state"
        with curs.copy(f"COPY {schema.table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(["text", "int8", "text", "bytea"])
            for row in rows:
                copy.write_row(row)


# --- measurements ---------------------------------------------------------------------------


@dataclass
class Figure:
    """One comparison: the Tracker's rate against the raw rate of the same rows."""

    backend: str
    what: str
    events: int
    tracker_s: float
    raw_s: float
    goal: float | None

    @property
    def ratio(self) -> float:
        """Tracker rate / raw rate."""
        return self.raw_s / self.tracker_s


def timed(fn: Callable[[], T], profiler: cProfile.Profile | None = None) -> tuple[float, T]:
    """Seconds `fn` takes (under the profiler when given), and its result."""
    start = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    try:
        result = fn()
    finally:
        if profiler is not None:
            profiler.disable()
    return time.perf_counter() - start, result


def single_recording(backend: Backend, records: int, profiler: cProfile.Profile | None) -> Figure:
    """Tracker.record() one event per call against one autocommit INSERT per stored row."""
    setup = [*setup_events(), *(commitment(i) for i in range(RECORD_COMMITMENTS))]
    developments = [
        assessment(n % RECORD_COMMITMENTS, n // RECORD_COMMITMENTS) for n in range(WARMUP + records)
    ]
    warm, measured = developments[:WARMUP], developments[WARMUP:]

    rows = encoded_rows([*setup, *developments])
    setup_rows, warm_rows = rows[: len(setup)], rows[len(setup): len(setup) + WARMUP]
    measured_rows = rows[len(setup) + WARMUP:]
    tracker_s = raw_s = 0.0
    with backend.fresh("record") as url, backend.fresh("raw-record") as raw_url:
        tracker = Tracker(Settings(database_url=url))
        try:
            schema = schema_of(tracker)
            tracker.import_events(orjson.dumps(d) for d in setup)
            with raw_connection(raw_url, schema) as conn:
                raw_bulk(conn, raw_url, schema, setup_rows)
                statement = insert_statement(raw_url, schema)
                for data, row in zip(warm, warm_rows, strict=True):
                    tracker.record(data)
                    conn.execute(statement, row)
                # Interleaved blocks, so drift in the disk's fsync latency falls on both sides alike.
                for first in range(0, records, RECORD_BLOCK):
                    block = slice(first, first + RECORD_BLOCK)

                    def record_block(block: slice = block) -> int:
                        return sum(tracker.record(data).stored for data in measured[block])

                    def insert_block(block: slice = block) -> None:
                        for row in measured_rows[block]:
                            conn.execute(statement, row)  # autocommit: one transaction (one commit) per row

                    seconds, stored = timed(record_block, profiler)
                    tracker_s += seconds
                    if stored != len(measured[block]):
                        raise RuntimeError(f"recorded {stored} of {len(measured[block])}")
                    raw_s += timed(insert_block)[0]
        finally:
            tracker.close()
    return Figure(backend.name, "single record()", records, tracker_s, raw_s,
                  RECORD_GOAL if backend.admin_url is None else None)


# --- concurrent PostgreSQL writers ------------------------------------------------------------


def writer_events(index: int, count: int) -> list[dict[str, Any]]:
    """The ProgressAssessed events writer `index` records, round-robin over its own commitments."""
    return [assessment(index * WRITER_COMMITMENTS + n % WRITER_COMMITMENTS, n // WRITER_COMMITMENTS)
            for n in range(count)]


def child_writer(mode: str, url: str, index: int, count: int, table: str) -> None:
    """In a child process: get ready, wait for 'go' on stdin, write, print JSON with start and end times."""
    items = writer_events(index, count)
    locked_at = [0.0]  # when the table lock's round trip last returned
    held = 0.0  # seconds from there to the commit returning, summed over the measured events
    if mode == "tracker":
        from tracker import store_sql

        take_lock = store_sql.lock_and_read_versions

        def timed_lock(*args: Any) -> Any:
            result = take_lock(*args)
            locked_at[0] = time.perf_counter()
            return result

        store_sql.lock_and_read_versions = timed_lock  # type: ignore[assignment]  # a probe, in the child only
        tracker = Tracker(Settings(database_url=url, lock_timeout=120))
        tracker.record(items[0])  # connections open and code warm before the clock starts
        print("ready", flush=True)
        sys.stdin.readline()
        start = time.time()
        stored = 0
        for data in items[1:]:
            stored += tracker.record(data).stored
            held += time.perf_counter() - locked_at[0]
        end = time.time()
        tracker.close()
    else:
        rows = encoded_rows(items)  # versions 1.. of the writer's own raw streams
        rows = [(f"raw-{row[0]}", *row[1:]) for row in rows]
        statement = insert_statement(url, Schema([], table))
        with psycopg.connect(url, autocommit=False) as conn:
            with conn.transaction():
                conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
                conn.execute(statement, rows[0])
            print("ready", flush=True)
            sys.stdin.readline()
            start = time.time()
            for row in rows[1:]:
                with conn.transaction():
                    conn.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")  # eventsourcing's insert lock
                    locked_at[0] = time.perf_counter()
                    conn.execute(statement, row)
                held += time.perf_counter() - locked_at[0]
            end = time.time()
        stored = len(rows) - 1
    print(json.dumps({"start": start, "end": end, "stored": stored, "held": held}), flush=True)


def run_writers(mode: str, url: str, writers: int, per_writer: int, table: str) -> tuple[float, float]:
    """Total events/s of `writers` child processes started together, each writing `per_writer` events,
    and the mean ms an event held the table lock (from the lock's round trip returning to commit)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, __file__, "--child-writer", mode, url, str(i), str(per_writer + 1), table],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for i in range(writers)
    ]
    for child in children:
        assert child.stdout is not None
        if child.stdout.readline().strip() != "ready":
            raise RuntimeError(f"{mode} writer failed to start")
    for child in children:
        assert child.stdin is not None
        child.stdin.write("go\n")
        child.stdin.flush()
    results = []
    for child in children:
        out, _ = child.communicate(timeout=600)
        if child.returncode != 0:
            raise RuntimeError(f"{mode} writer exited {child.returncode}")
        results.append(json.loads(out.strip().splitlines()[-1]))
    stored = sum(r["stored"] for r in results)
    if stored != writers * per_writer:
        raise RuntimeError(f"{mode}: stored {stored} of {writers * per_writer}")
    held_ms = 1000 * sum(r["held"] for r in results) / stored
    return stored / (max(r["end"] for r in results) - min(r["start"] for r in results)), held_ms


WriterRates = tuple[int, float, float, float, float]


def concurrent_writers(backend: Backend, counts: Iterable[int], total: int) -> list[WriterRates]:
    """(N, tracker events/s, raw+lock events/s, tracker and raw ms held under the table lock) for each N."""
    out = []
    for writers in counts:
        per_writer = max(1, total // writers)
        setup = [*setup_events(), *(commitment(i) for i in range(writers * WRITER_COMMITMENTS))]
        with backend.fresh("writers") as url, backend.fresh("raw-writers") as raw_url:
            tracker = Tracker(Settings(database_url=url))
            try:
                schema = schema_of(tracker)
                tracker.import_events(orjson.dumps(d) for d in setup)
            finally:
                tracker.close()
            with raw_connection(raw_url, schema) as conn:
                raw_bulk(conn, raw_url, schema, encoded_rows(setup))
            # Alternate the order between sizes, so drift in the disk falls on both sides alike.
            sides = ("tracker", "raw") if writers % 2 else ("raw", "tracker")
            rates = {side: run_writers(side, url if side == "tracker" else raw_url, writers, per_writer,
                                       schema.table) for side in sides}
        out.append((writers, rates["tracker"][0], rates["raw"][0], rates["tracker"][1], rates["raw"][1]))
        print(f"  postgres: {writers} writer(s) measured: {rates['tracker'][0]:,.0f} ev/s "
              f"(raw+lock {rates['raw'][0]:,.0f})", flush=True)
    return out


def bulk_import(backend: Backend, path: Path, lines: int, profiler: cProfile.Profile | None) -> Figure:
    """Tracker.import_events() of the file against one transaction of executemany / COPY."""
    with backend.fresh("import") as url:
        tracker = Tracker(Settings(database_url=url))
        try:
            schema = schema_of(tracker)

            def import_all() -> int:
                with path.open("rb") as src:
                    return tracker.import_events(src).stored

            tracker_s, stored = timed(import_all, profiler)
            if stored != lines:
                raise RuntimeError(f"imported {stored} of {lines}")
        finally:
            tracker.close()

    with path.open("rb") as src:
        rows = encoded_rows(src)
    with backend.fresh("raw-import") as url, raw_connection(url, schema) as conn:
        raw_s, _ = timed(lambda: raw_bulk(conn, url, schema, rows))
    return Figure(backend.name, "bulk import_events()", lines, tracker_s, raw_s,
                  IMPORT_GOAL if backend.admin_url is None else IMPORT_GOAL_POSTGRES)


CHAIN_GOAL = 0.10  # extra time the chain adds / time per event


def chain_cost(path: Path, limit: int = 20_000) -> float:
    """Seconds per event that linking adds: encoding with the chain minus encoding without it."""
    items: list[tuple[str, int, ev.Development, Prepared]] = []
    versions: dict[str, int] = {}
    with path.open("rb") as src:
        for line in itertools.islice(src, limit):
            development = ev.parse_event(orjson.loads(line))
            versions[development.stream] = versions.get(development.stream, 0) + 1
            items.append((development.stream, versions[development.stream], development, body_and_digest(development)))
    at = datetime.now(UTC).isoformat()

    def plain() -> None:
        for stream, version, development, prepared in items:
            encode(stream, version, at, development, prepared)

    def chained() -> None:
        head = ""
        for stream, version, development, prepared in items:
            _, head = encode_chained(head, stream, version, at, development, prepared=prepared)

    best_plain = min(timed(plain)[0] for _ in range(3))
    best_chained = min(timed(chained)[0] for _ in range(3))
    return max(0.0, best_chained - best_plain) / len(items)


def import_order(backend: Backend, workdir: Path, events_wanted: int) -> tuple[int, float, float]:
    """(lines, grouped seconds, interleaved seconds): the same lines imported in both orders."""
    seconds: list[float] = []
    lines = 0
    for interleaved in (False, True):
        path = workdir / f"order-{'interleaved' if interleaved else 'grouped'}.jsonl"
        lines = write_jsonl(path, ordered_lines(events_wanted, interleaved=interleaved))
        with backend.fresh("order") as url:
            tracker = Tracker(Settings(database_url=url))
            try:
                def import_all(path: Path = path, tracker: Tracker = tracker) -> int:
                    with path.open("rb") as src:
                        return tracker.import_events(src).stored

                took, stored = timed(import_all)
                if stored != lines:
                    raise RuntimeError(f"imported {stored} of {lines}")
            finally:
                tracker.close()
        path.unlink()
        seconds.append(took)
    return lines, seconds[0], seconds[1]


def warm_up(backend: Backend, path: Path) -> None:
    """Import a small file once, so first-use costs (imports, validators, caches) stay off the clock."""
    small = path.with_name("warmup.jsonl")
    write_jsonl(small, bulk_lines(50))
    with backend.fresh("warmup") as url:
        tracker = Tracker(Settings(database_url=url))
        try:
            with small.open("rb") as src:
                tracker.import_events(src)
        finally:
            tracker.close()
    small.unlink()


def child_import(path: str, url: str) -> None:
    """In a child process: import the file, then print JSON with the seconds, count and peak RSS."""
    start = time.perf_counter()
    tracker = Tracker(Settings(database_url=url))
    stored = 0
    try:
        with open(path, "rb") as src:
            stored = tracker.import_events(src).stored
    finally:
        tracker.close()
    seconds = time.perf_counter() - start
    status = Path("/proc/self/status").read_text().splitlines()
    hwm = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
    print(json.dumps({"stored": stored, "seconds": seconds, "vmhwm_kb": hwm}))


def memory_run(backend: Backend, workdir: Path, sizes: Iterable[int]) -> list[tuple[int, int, float, int]]:
    """(lines, stored, seconds, peak RSS KiB) of a child importing each size into a fresh database."""
    out: list[tuple[int, int, float, int]] = []
    for size in (0, *sizes):
        path = workdir / f"million-{size}.jsonl"
        start = time.perf_counter()
        lines = write_jsonl(path, bulk_lines(commitments_for(size)) if size else iter(()))
        made = time.perf_counter() - start
        with backend.fresh("million") as url:
            env = {**os.environ, "PYTHONPATH": str(ROOT)}
            done = subprocess.run(
                [sys.executable, __file__, "--child-import", str(path), url],
                check=True, capture_output=True, text=True, env=env,
            )
        path.unlink()
        result = json.loads(done.stdout.strip().splitlines()[-1])
        out.append((lines, result["stored"], result["seconds"], result["vmhwm_kb"]))
        print(f"  {lines:>9,} lines: file written in {made:5.1f}s, imported in {result['seconds']:6.1f}s, "
              f"peak RSS {result['vmhwm_kb'] / 1024:6.1f} MiB", flush=True)
    return out


# --- reporting ------------------------------------------------------------------------------


def environment(postgres_url: str | None) -> list[str]:
    """Python, SQLite, PostgreSQL and library versions, and the machine."""
    lines = [
        f"python      {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"cpus        {os.cpu_count()} (load average now {', '.join(f'{x:.2f}' for x in os.getloadavg())}: "
        "other work on the machine shows up in the figures)",
        f"sqlite      {sqlite3.sqlite_version} (journal and synchronous: as eventsourcing's connection)",
        f"libraries   eventsourcing {metadata.version('eventsourcing')}, psycopg {metadata.version('psycopg')}, "
        f"pydantic {metadata.version('pydantic')}, orjson {metadata.version('orjson')}",
    ]
    if postgres_url is not None:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            row = conn.execute("SELECT current_setting('server_version'), current_setting('synchronous_commit'), "
                               "current_setting('fsync')").fetchone()
        if row is not None:
            lines.append(f"postgresql  {row[0]} (synchronous_commit={row[1]}, fsync={row[2]})")
    return lines


def print_table(figures: list[Figure]) -> None:
    """The figures as one table: rates, ratio, and the goal next to it."""
    header = (f"{'backend':<10} {'measure':<22} {'events':>8} {'tracker ev/s':>13} {'raw ev/s':>11} "
              f"{'extra ms/ev':>12} {'ratio':>7}  goal (ratio = tracker rate / raw rate)")
    print(header)
    print("-" * len(header))
    for f in figures:
        goal = "-" if f.goal is None else f">= {f.goal:.2f} {'met' if f.ratio >= f.goal else 'MISSED'}"
        extra = (f.tracker_s - f.raw_s) / f.events * 1000
        print(f"{f.backend:<10} {f.what:<22} {f.events:>8,} {f.events / f.tracker_s:>13,.0f} "
              f"{f.events / f.raw_s:>11,.0f} {extra:>12.3f} {f.ratio:>7.3f}  {goal}")


def print_writers(rates: list[WriterRates]) -> None:
    """Concurrent PostgreSQL writers: total rates and their ratio, and whether the total grows with N."""
    print(f"\nconcurrent PostgreSQL writers ({WRITER_COMMITMENTS} commitments each; raw+lock = BEGIN; LOCK TABLE "
          "IN EXCLUSIVE MODE; INSERT; COMMIT per event; held = ms an event holds the table lock, from the "
          "lock's round trip returning to commit)")
    print(f"  {'writers':>7} {'tracker ev/s':>13} {'raw+lock ev/s':>14} {'ratio':>7} {'held ms':>8} "
          f"{'raw held ms':>12}")
    for writers, tracker_rate, raw_rate, held, raw_held in rates:
        print(f"  {writers:>7} {tracker_rate:>13,.0f} {raw_rate:>14,.0f} {tracker_rate / raw_rate:>7.3f} "
              f"{held:>8.2f} {raw_held:>12.2f}")
    steps = [f"{a[0]}->{b[0]}: {b[1] / a[1]:.2f}x" for a, b in itertools.pairwise(rates)]
    # Met when each added writer keeps the total growing (5% noise allowed) or already at 90% of raw+lock.
    grows = all(b[1] >= a[1] * 0.95 or b[1] >= 0.9 * b[2] for a, b in itertools.pairwise(rates))
    print(f"  tracker total as writers are added: {', '.join(steps)} "
          f"(goal: grows with N up to the raw+lock rate: {'met' if grows else 'MISSED'})")


def print_profile(label: str, profiler: cProfile.Profile, top: int = 18) -> None:
    """The functions that cost most time (own time), from the measured Tracker calls only."""
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(top)
    print(f"\n--- profile: {label} (sorted by own time) ---")
    print("\n".join(line for line in out.getvalue().splitlines() if line.strip())[:6000])


def postgres_admin(args: argparse.Namespace) -> str | None:
    """The PostgreSQL admin URL to create throwaway databases with, or None (unreachable or off)."""
    if args.no_postgres:
        return None
    try:
        with psycopg.connect(args.postgres, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:  # any failure means: skip PostgreSQL, and say why
        print(f"PostgreSQL skipped: {args.postgres} not reachable ({str(exc).strip().splitlines()[0]})")
        return None
    return str(args.postgres)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, run every measurement, print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000, help="events in the bulk import file")
    parser.add_argument("--records", type=int, default=2_000, help="single record() calls measured")
    parser.add_argument("--order-events", type=int, default=20_000,
                        help="lines of the grouped vs interleaved import comparison (0 to skip)")
    parser.add_argument("--postgres", default=DEFAULT_POSTGRES, help="admin URL to create throwaway databases")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--million", action="store_true", help="also peak memory importing 100k/300k/1M events")
    parser.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=list(MILLION_SIZES),
                        help="file sizes for --million (comma separated)")
    parser.add_argument("--profile", action="store_true", help="cProfile the Tracker side and print top costs")
    parser.add_argument("--writers", type=lambda s: [int(x) for x in s.split(",") if x], default=list(WRITERS),
                        help="numbers of concurrent PostgreSQL writers, comma separated (empty to skip)")
    parser.add_argument("--writer-events", type=int, default=800,
                        help="events recorded per concurrent-writers run, split among the writers")
    parser.add_argument("--only", choices=["writers"], help="run one section only")
    parser.add_argument("--child-import", nargs=2, metavar=("FILE", "URL"), help=argparse.SUPPRESS)
    parser.add_argument("--child-writer", nargs=5, metavar=("MODE", "URL", "INDEX", "COUNT", "TABLE"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child_import:
        child_import(*args.child_import)
        return 0
    if args.child_writer:
        mode, url, index, count, table = args.child_writer
        child_writer(mode, url, int(index), int(count), table)
        return 0

    started = time.perf_counter()
    admin = postgres_admin(args)
    print("environment")
    for line in environment(admin):
        print(f"  {line}")
    with tempfile.TemporaryDirectory(prefix="bench_store_") as tmp:
        workdir = Path(tmp)
        backends = [Backend("sqlite", workdir)] + ([Backend("postgres", workdir, admin)] if admin else [])
        path = workdir / "import.jsonl"
        lines = write_jsonl(path, bulk_lines(commitments_for(args.events if args.only is None else 100)))
        print(f"  temp dir    {workdir} ({path.stat().st_size / 1e6:.1f} MB import file, {lines:,} events; "
              f"single recording: {args.records:,} ProgressAssessed over {RECORD_COMMITMENTS} commitments "
              f"after {WARMUP} warm-up)\n", flush=True)
        figures: list[Figure] = []
        profiles: list[tuple[str, cProfile.Profile]] = []
        writer_rates: list[WriterRates] = []
        if admin and args.writers:
            t0 = time.perf_counter()
            writer_rates = concurrent_writers(backends[-1], args.writers, args.writer_events)
            print(f"  postgres: concurrent writers measured ({time.perf_counter() - t0:.1f}s)\n", flush=True)
        for backend in backends if args.only is None else []:
            warm_up(backend, path)
            for label in ("single record()", "bulk import_events()"):
                profiler = cProfile.Profile() if args.profile else None
                t0 = time.perf_counter()
                if label == "single record()":
                    figures.append(single_recording(backend, args.records, profiler))
                else:
                    figures.append(bulk_import(backend, path, lines, profiler))
                print(f"  {backend.name}: {label} measured ({time.perf_counter() - t0:.1f}s with baseline)",
                      flush=True)
                if profiler is not None:
                    profiles.append((f"{backend.name} {label}", profiler))
        orders: list[tuple[str, int, float, float]] = []
        if args.order_events and args.only is None:
            for backend in backends:
                t0 = time.perf_counter()
                orders.append((backend.name, *import_order(backend, workdir, args.order_events)))
                print(f"  {backend.name}: import order measured ({time.perf_counter() - t0:.1f}s)", flush=True)
        if writer_rates:
            print_writers(writer_rates)
        if args.only is not None:
            print(f"\ntotal {time.perf_counter() - started:.0f}s")
            return 0
        chain_s = chain_cost(path)
        print()
        print_table(figures)
        print(f"\ntamper-evident chain: linking adds {chain_s * 1e6:.1f} us per event "
              f"(goal: under {CHAIN_GOAL:.0%} of the time per event)")
        for f in figures:
            share = chain_s / (f.tracker_s / f.events)
            print(f"  {f.backend:<10} {f.what:<22} {share:6.2%} of {f.tracker_s / f.events * 1e3:.3f} ms/event "
                  f"{'met' if share < CHAIN_GOAL else 'MISSED'}")
        if orders:
            print(f"\nimport order ({ORDER_COMMITMENTS:,} commitments; ratio = interleaved time / grouped time, "
                  f"goal <= {ORDER_GOAL:.1f})")
            for name, n, grouped, interleaved in orders:
                verdict = "met" if interleaved / grouped <= ORDER_GOAL else "MISSED"
                print(f"  {name:<10} {n:>8,} lines: grouped {grouped:6.1f}s ({n / grouped:7,.0f} ev/s), "
                      f"interleaved {interleaved:6.1f}s ({n / interleaved:7,.0f} ev/s), "
                      f"ratio {interleaved / grouped:5.2f} {verdict}")
        for label, profiler in profiles:
            print_profile(label, profiler)

        for backend in backends if args.million else []:
            print(f"\npeak memory importing into {backend.name} (child process per size; 0 = interpreter + imports)")
            t0 = time.perf_counter()
            results = memory_run(backend, workdir, args.sizes)
            base = results[0][3]
            print(f"\n{'lines':>10} {'stored':>10} {'import s':>9} {'events/s':>9} {'peak RSS MiB':>13} "
                  f"{'over base MiB':>14}")
            for lines_n, stored, seconds, hwm in results:
                rate = f"{stored / seconds:9,.0f}" if stored else f"{'-':>9}"
                print(f"{lines_n:>10,} {stored:>10,} {seconds:>9.1f} {rate} {hwm / 1024:>13.1f} "
                      f"{(hwm - base) / 1024:>14.1f}")
            steps = ", ".join(f"{a[0]:,} -> {b[0]:,}: {(b[3] - a[3]) / 1024:+.1f} MiB"
                              for a, b in itertools.pairwise(results[1:]))
            print(f"{backend.name} peak RSS growth (goal: flat as the file grows): {steps}")
            print(f"memory section took {time.perf_counter() - t0:.0f}s")
    print(f"\ntotal {time.perf_counter() - started:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
