"""Benchmark: a reminder scan over 10,000 commitments and 1,000 meetings vs reading the same rows.

Run: .venv/bin/python bench/bench_reminders.py [--postgres URL] [--commitments N] [--meetings N]

The read model here is a stand-in that stores each row as JSON in SQLite and rebuilds the
frozen result types on every read, so "reading the rows" costs what a real projection read
costs; the scan pays that read plus deciding and writing its outbox rows.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from events import PartialDate
from projections.model import (
    CommitmentStatus,
    DevelopmentSummary,
    MeetingStatus,
)
from tracker.reminders.config import load_config
from tracker.reminders.scan import scan

NOW = datetime(2025, 6, 1, 9, tzinfo=UTC)


def day(d: date) -> dict[str, Any]:
    return {"text": d.isoformat(), "earliest": d.isoformat(), "latest": d.isoformat(), "precision": "day"}


def pdate(raw: dict[str, Any]) -> PartialDate:
    return PartialDate(raw["text"], date.fromisoformat(raw["earliest"]), date.fromisoformat(raw["latest"]),
                       raw["precision"], False, False)


class JsonRowReadModel:
    """Rows kept as JSON in SQLite, rebuilt into result types on every read."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS rows (kind TEXT, data BLOB)")

    def load(self, n_commitments: int, n_meetings: int, seed: int = 7) -> None:
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
        return []

    def developments(self, **_: Any) -> list[Any]:
        return []

    def status_changes(self, **_: Any) -> list[Any]:
        return []


def best_of(runs: int, fn: Any) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server: the outbox goes in a throwaway database")
    parser.add_argument("--commitments", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=1_000)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
    rm = JsonRowReadModel(tmp / "rows.sqlite")
    rm.load(args.commitments, args.meetings)
    config = load_config()
    # Digests are left out: they read developments, not these rows.
    config = config.model_copy(update={"rules": tuple(r for r in config.rules if r.kind != "digest")})
    dbname = None
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
        first = scan(engine, rm, config, now=NOW, digests=False)
        t_first = time.perf_counter() - start
        start = time.perf_counter()
        second = scan(engine, rm, config, now=NOW + timedelta(minutes=15), digests=False)
        t_second = time.perf_counter() - start
        print(f"outbox on {engine.dialect.name}; {args.commitments} commitments, {args.meetings} meetings")
        print(f"read the rows (best of 3):      {read * 1000:8.1f} ms")
        print(f"first scan:                      {t_first * 1000:8.1f} ms  ({t_first / read:.2f}x the read; "
              f"{first.due} due, {len(first.issued)} outbox rows written)")
        print(f"second scan, nothing new due:    {t_second * 1000:8.1f} ms  ({t_second / read:.2f}x the read; "
              f"{len(second.issued)} rows written)")
        ok = t_first <= 3 * read and not second.issued and t_second <= t_first
        print("goals (first within 3x the read; second issues nothing and is no slower):", "met" if ok else "NOT met")
    finally:
        engine.dispose()
        if dbname is not None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)'))
            admin.dispose()


if __name__ == "__main__":
    main()
