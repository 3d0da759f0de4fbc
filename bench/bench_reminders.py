"""Benchmark: a reminder scan over 10,000 commitments and 1,000 meetings vs reading the same rows.

Run: .venv/bin/python bench/bench_reminders.py [--store fake|sqlite|postgres] [--commitments N] [--meetings N]

By default the real store is measured on SQLite, and on PostgreSQL when reachable
(bench/realstore.py builds ~100,000 events and catches the views up; the outbox lives in the
same database). Two baselines, measured in the same run:
- raw: the driver's own cursor (no SQLAlchemy, no pydantic) SELECTing the views' JSON documents
  the scan reads (every commitment and every meeting) and decoding each with orjson.loads;
  presidencies are judged per query, not stored rows, so the raw read leaves them out;
- ours: the read model answering what the scan asks (commitments, meetings, presidencies, for today).
Goals: the first scan (fresh outbox) within 3x the raw read; a second scan with nothing new due
issues nothing and is no slower than the first.

`--phases` also prints where a first scan's time goes (read, derive, outbox lookup, lateness, write),
as CPU and wall time per commitment, beside the raw read's: the scan's own steps run one by one.

`--store fake` keeps the stand-in: rows stored as JSON in SQLite and rebuilt into the frozen
result types on every read. Weekly digests are left out: they read developments, not these rows.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, delete, text
from sqlalchemy.engine import URL

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.realstore import real_store, stores_to_run  # noqa: E402
from tracker.db import write_transaction  # noqa: E402
from tracker.events import PartialDate  # noqa: E402
from tracker.projections.decoding import collector_paused  # noqa: E402
from tracker.projections.model import (  # noqa: E402
    CommitmentStatus,
    DevelopmentSummary,
    MeetingStatus,
    ReadModel,
)
from tracker.projections.reminders import due_reminders  # noqa: E402
from tracker.reminders.config import RemindersConfig, load_config  # noqa: E402
from tracker.reminders.outbox import OUTBOX, create_outbox, issue  # noqa: E402
from tracker.reminders.scan import ScanReport, _settle, _unissued, scan  # noqa: E402

NOW = datetime(2025, 6, 1, 9, tzinfo=UTC)
GOAL = 3.0


def day(d: date) -> dict[str, Any]:
    """A day-precision partial date as the stand-in stores it."""
    return {"text": d.isoformat(), "earliest": d.isoformat(), "latest": d.isoformat(), "precision": "day"}


def pdate(raw: dict[str, Any]) -> PartialDate:
    """The stand-in's stored date back as a PartialDate."""
    return PartialDate(raw["text"], date.fromisoformat(raw["earliest"]), date.fromisoformat(raw["latest"]),
                       raw["precision"], False, False)


class JsonRowReadModel:
    """Rows kept as JSON in SQLite, rebuilt into result types on every read."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS rows (kind TEXT, data BLOB)")

    def load(self, n_commitments: int, n_meetings: int, seed: int = 7) -> None:
        """Store n synthetic commitments and meetings."""
        rnd = random.Random(seed)
        rows = []
        for i in range(n_commitments):
            due = NOW.date() + timedelta(days=rnd.randint(-365, 365))
            last = NOW.date() - timedelta(days=rnd.randint(0, 700))
            rows.append(("c", orjson.dumps({
                "id": f"bench-c{i}", "org": rnd.choice(["sco", "ots"]), "due": day(due), "v": rnd.randint(1, 3),
                "status": "undertaken" if rnd.random() < 0.7 else "fulfilled", "last": day(last),
                "stale": (NOW.date() - last).days > 365,
            })))
        for i in range(n_meetings):
            start = NOW.date() + timedelta(days=rnd.randint(-200, 200))
            rows.append(("m", orjson.dumps({
                "id": f"bench-m{i}", "org": rnd.choice(["sco", "ots"]), "starts": day(start),
                "count": rnd.randint(0, 2),
            })))
        self.db.executemany("INSERT INTO rows VALUES (?, ?)", rows)
        self.db.commit()

    def _dev(self, ref: str, raw: dict[str, Any]) -> DevelopmentSummary:
        return DevelopmentSummary(ref=ref, type="X", entity=ref.split("#", maxsplit=1)[0], occurred_on=pdate(raw),
                                  recorded_at=NOW - timedelta(days=400), summary="Recorded")

    def commitments(self, *, as_of: date | None = None, **_: Any) -> list[CommitmentStatus]:
        """Every stored commitment, overdue judged on as_of."""
        out = []
        for (data,) in self.db.execute("SELECT data FROM rows WHERE kind = 'c'"):
            r = orjson.loads(data)
            due = pdate(r["due"])
            out.append(CommitmentStatus(
                commitment_id=r["id"], organization_id=r["org"], body_id=None, title=f"Commitment {r['id']}",
                text="", parties=("KAZ", "UZB"), origin=None, topics=(), undertaken_on=due, status=r["status"],
                superseded_by=None, level="limited", party_levels={}, due_on=due, due_version=r["v"],
                overdue=as_of is not None and r["status"] == "undertaken" and due.latest < as_of,
                stale=r["stale"], last_development=self._dev(f"commitment:{r['id']}#3", r["last"]), developments=3,
            ))
        return out

    def meetings(self, **_: Any) -> list[MeetingStatus]:
        """Every stored meeting."""
        out = []
        for (data,) in self.db.execute("SELECT data FROM rows WHERE kind = 'm'"):
            r = orjson.loads(data)
            out.append(MeetingStatus(
                meeting_id=r["id"], body_id=f"{r['org']}-council", organization_id=r["org"], number=None,
                city="Astana", venue=None, host_state="KAZ", starts_on=pdate(r["starts"]), ends_on=None,
                format="in_person", theme=None, status="scheduled", held_on=None, attendees=(),
                reschedule_count=r["count"], last_development=self._dev(f"meeting:{r['id']}#1", r["starts"]),
            ))
        return out

    def presidencies(self, **_: Any) -> list[Any]:
        """None in the stand-in."""
        return []

    def developments(self, **_: Any) -> list[Any]:
        """None in the stand-in."""
        return []

    def status_changes(self, **_: Any) -> list[Any]:
        """None in the stand-in."""
        return []


def best_of(runs: int, fn: Callable[[], Any]) -> float:
    """The fastest of `runs` calls, in seconds."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def scan_config() -> RemindersConfig:
    """The shipped reminders config without its digest rules."""
    config = load_config()
    return config.model_copy(update={"rules": tuple(r for r in config.rules if r.kind != "digest")})


def read_rows(read_model: ReadModel, today: date) -> int:
    """What the scan reads, for today, results materialised; returns the row count."""
    return (len(read_model.commitments(as_of=today)) + len(read_model.meetings(as_of=today))
            + len(read_model.presidencies(as_of=today)))


RAW_TABLES = ("view_commitments", "view_meetings")


def raw_read(engine: Engine) -> int:
    """The raw baseline: the views' documents the scan reads, through the driver's cursor, each orjson-decoded."""
    conn = engine.raw_connection()
    try:
        cursor = conn.cursor()
        rows = 0
        for table in RAW_TABLES:
            # As text: psycopg would otherwise parse the JSON itself, and the baseline is orjson's.
            cursor.execute(f"SELECT CAST(doc AS TEXT) FROM {table}")
            rows += sum(1 for (doc,) in cursor.fetchall() if orjson.loads(doc) is not None)
        cursor.close()
        return rows
    finally:
        conn.close()


def run_store(kind: str, commitments: int, meetings: int, repeat: int, profile: bool, phases: bool = False) -> bool:
    """Build the real store, then measure the read and both scans; True when the goals are met."""
    with real_store(kind, commitments, meetings) as tracker:  # type: ignore[arg-type]
        read_model = tracker.read_model(catch_up=False)
        config = scan_config()
        now = datetime.now(UTC)
        # A quarter of an hour later, as the scheduler would, but the same day: nothing new is due.
        later = min(now + timedelta(minutes=15), datetime.combine(now.date(), clock.max, tzinfo=UTC))
        create_outbox(tracker.engine)
        read_s = raw_s = float("inf")
        raw_rows = 0
        first_s, second_s = float("inf"), float("inf")
        first: ScanReport | None = None
        second: ScanReport | None = None
        rows = 0
        for _ in range(repeat):
            start = time.perf_counter()
            raw_rows = raw_read(tracker.engine)
            raw_s = min(raw_s, time.perf_counter() - start)
            start = time.perf_counter()
            rows = read_rows(read_model, now.date())
            read_s = min(read_s, time.perf_counter() - start)
            _empty_outbox(tracker.engine)
            start = time.perf_counter()
            first = scan(tracker.engine, read_model, config, now=now, digests=False)
            first_s = min(first_s, time.perf_counter() - start)
            start = time.perf_counter()
            second = scan(tracker.engine, read_model, config, now=later, digests=False)
            second_s = min(second_s, time.perf_counter() - start)
        assert first is not None and second is not None
        print(f"reminders on {kind} (outbox in the same database; best of {repeat}):")
        print(f"raw read + orjson ({raw_rows} documents): {raw_s * 1000:8.1f} ms")
        print(f"read model read ({rows} rows):    {read_s * 1000:8.1f} ms  ({read_s / raw_s:5.2f}x the raw read)")
        print(f"first scan, fresh outbox:        {first_s * 1000:8.1f} ms  ({first_s / raw_s:5.2f}x the raw read, "
              f"goal {GOAL:.0f}x; {first_s / read_s:5.2f}x the read model's read; {first.due} due, "
              f"{len(first.issued)} outbox rows written, {first.late} late)")
        print(f"second scan, nothing new due:    {second_s * 1000:8.1f} ms  ({second_s / raw_s:5.2f}x the raw read, "
              f"{second_s / read_s:5.2f}x the read model's read, {second_s / first_s:4.2f}x the first; "
              f"{second.due} due, {len(second.issued)} rows written)")
        print(f"second scan issued nothing: {'yes' if not second.issued else 'NO'}")
        ok = first_s <= GOAL * raw_s and not second.issued and second_s <= first_s
        print("goals (first within 3x the raw read; second issues nothing and is no slower):",
              "met" if ok else "NOT met", flush=True)
        if phases:
            _phases(tracker.engine, read_model, config, now=now, commitments=commitments, repeat=repeat)
        if profile:
            _empty_outbox(tracker.engine)
            _profile("first scan", lambda: scan(tracker.engine, read_model, config, now=now, digests=False))
            _profile("second scan", lambda: scan(tracker.engine, read_model, config, now=later, digests=False))
        return ok


def _phases(engine: Engine, read_model: ReadModel, config: RemindersConfig, *, now: datetime, commitments: int,
            repeat: int) -> None:
    """A first scan's steps one by one (as scan() runs them), CPU and wall time per commitment, best of `repeat`."""
    # The scan's own private steps, so the phases add up to what scan() does.
    today = now.date()
    rules = config.core_rules()
    timings: dict[str, list[tuple[float, float]]] = {}

    def timed(label: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        out = fn(*args, **kwargs)
        timings.setdefault(label, []).append((time.perf_counter() - wall, time.process_time() - cpu))
        return out

    def write(fresh: list[Any], have: set[str]) -> list[str]:
        with write_transaction(engine) as conn:
            return issue(conn, fresh, now=now, known=have)

    for _ in range(repeat):
        timed("raw read + orjson (baseline)", raw_read, engine)
        _empty_outbox(engine)
        with collector_paused():
            found = timed("read: commitments", read_model.commitments, as_of=today)
            met = timed("read: meetings", read_model.meetings, as_of=today)
            chairs = timed("read: presidencies", read_model.presidencies, as_of=today)
            due = timed("derive reminders", due_reminders, rules, commitments=found, meetings=met,
                        presidencies=chairs, now=now)
            fresh, have = timed("outbox lookup", _unissued, engine, due)
            fresh = timed("lateness (read model)", _settle, read_model, fresh, today=today)
            timed("build + write + commit", write, fresh, have)
    print(f"first scan by phase, per commitment ({commitments}), best of {repeat}:")
    print(f"  {'phase':30s} {'CPU us':>8s} {'wall us':>8s}")
    total_cpu = total_wall = 0.0
    for label, runs in timings.items():
        wall = min(w for w, _ in runs) * 1e6 / commitments
        cpu = min(c for _, c in runs) * 1e6 / commitments
        if not label.startswith("raw"):
            total_cpu, total_wall = total_cpu + cpu, total_wall + wall
        print(f"  {label:30s} {cpu:8.1f} {wall:8.1f}")
    print(f"  {'scan, sum of phases':30s} {total_cpu:8.1f} {total_wall:8.1f}", flush=True)


def _empty_outbox(engine: Engine) -> None:
    with write_transaction(engine) as conn:
        conn.execute(delete(OUTBOX))


def _profile(label: str, fn: Callable[[], Any], top: int = 20) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(top)
        print(f"--- cProfile of the {label}, by {order} ---")
        print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))


def run_fake(args: argparse.Namespace) -> bool:
    """The stand-in read model, outbox in SQLite or in a throwaway PostgreSQL database (--postgres URL)."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    rm = JsonRowReadModel(tmp / "rows.sqlite")
    rm.load(args.commitments, args.meetings)
    config = scan_config()
    dbname = None
    admin: Engine | None = None
    url: URL | str
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        dbname = f"bench_reminders_{int(time.time())}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        url = admin.url.set(database=dbname)
    else:
        url = f"sqlite:///{tmp / 'outbox.sqlite'}"
    engine = create_engine(url)
    try:
        read = best_of(3, lambda: (rm.commitments(as_of=NOW.date()), rm.meetings(as_of=NOW.date())))
        start = time.perf_counter()
        first = scan(engine, rm, config, now=NOW, digests=False)  # type: ignore[arg-type]  # a partial stand-in
        t_first = time.perf_counter() - start
        start = time.perf_counter()
        second = scan(engine, rm, config, now=NOW + timedelta(minutes=15),  # type: ignore[arg-type]
                      digests=False)
        t_second = time.perf_counter() - start
        print(f"stand-in read model, outbox on {engine.dialect.name}; {args.commitments} commitments, "
              f"{args.meetings} meetings")
        print(f"read the rows (best of 3):      {read * 1000:8.1f} ms")
        print(f"first scan:                      {t_first * 1000:8.1f} ms  ({t_first / read:.2f}x the read; "
              f"{first.due} due, {len(first.issued)} outbox rows written)")
        print(f"second scan, nothing new due:    {t_second * 1000:8.1f} ms  ({t_second / read:.2f}x the read; "
              f"{len(second.issued)} rows written)")
        ok = t_first <= GOAL * read and not second.issued and t_second <= t_first
        print("goals (first within 3x the read; second issues nothing and is no slower):", "met" if ok else "NOT met")
        return ok
    finally:
        engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on the stores asked for; exit 1 when a goal is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("fake", "sqlite", "postgres"),
                        help="default: sqlite, and postgres when reachable")
    parser.add_argument("--postgres", help="fake only: admin URL of a PostgreSQL server for the outbox")
    parser.add_argument("--commitments", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3, help="real stores: best of N (outbox emptied each time)")
    parser.add_argument("--profile", action="store_true", help="real stores: also print cProfile's top costs")
    parser.add_argument("--phases", action="store_true",
                        help="real stores: also print the first scan's time per commitment by phase")
    args = parser.parse_args(argv)
    if args.store == "fake":
        return 0 if run_fake(args) else 1
    ok = True
    for kind in stores_to_run(args.store):
        ok = run_store(kind, args.commitments, args.meetings, args.repeat, args.profile, args.phases) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
