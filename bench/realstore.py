"""A realistic real store for the benchmarks: generated JSON Lines, bulk-imported, views caught up.

`build_store(url)` writes ~100,000 events (10,000 commitments with ~9 developments each,
1,000 meetings of one body with an alphabetical rotation, handovers, documents with
signatures and ratifications) to a temporary file, imports it with `Tracker.import_events`,
then catches the views up, printing how long each step took. World dates are spread around
today (the real today: the views answer "now" only for today), never after it.
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Literal

import orjson

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tracker.app import Tracker  # noqa: E402
from tracker.settings import Settings  # noqa: E402

__all__ = ["STORES", "StoreKind", "build_store", "postgres_problem", "real_store", "stores_to_run", "write_events"]

StoreKind = Literal["sqlite", "postgres"]
STORES: tuple[StoreKind, ...] = ("sqlite", "postgres")

ADMIN_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")

SCO = ["CHN", "IND", "IRN", "KAZ", "KGZ", "PAK", "RUS", "TJK", "UZB", "BLR"]
OTS = ["AZE", "KAZ", "KGZ", "TUR", "UZB"]
BODY = "sco-council"
OTS_BODY = "ots-council"
LEVELS = ["no_evidence", "not_started", "limited", "substantial", "complete"]
TOPICS = ["extremism", "terrorism", "trade", "energy", "transport", "customs", "health", "education", "water"]
CITIES = ["Astana", "Bishkek", "Dushanbe", "Tashkent", "Beijing", "Moscow", "New Delhi", "Islamabad", "Minsk"]
HOSTS = {"Astana": "KAZ", "Bishkek": "KGZ", "Dushanbe": "TJK", "Tashkent": "UZB", "Beijing": "CHN",
         "Moscow": "RUS", "New Delhi": "IND", "Islamabad": "PAK", "Minsk": "BLR"}
PUBLISHERS = ["Kabar", "BNews.kz", "TASS", "Xinhua", "Trend", "UzA", "Khovar"]


def _source(rnd: random.Random, on: date) -> dict[str, Any]:
    publisher = rnd.choice(PUBLISHERS)
    return {
        "publisher": publisher,
        "url": f"https://news.example.org/{publisher.lower().replace('.', '-')}/{on}/{rnd.randrange(10**6)}",
        "title": f"{publisher} report of {on.isoformat()}",
        "published_on": on.isoformat(),
        "language": "en",
    }


class _Writer:
    """Writes one event a line and counts them."""

    def __init__(self, out: IO[bytes], rnd: random.Random) -> None:
        self.out = out
        self.rnd = rnd
        self.count = 0

    def __call__(self, type_: str, on: date, key: str, **fields: Any) -> None:
        data = {"type": type_, "key": f"bench:{key}", "occurred_on": on.isoformat(),
                "sources": [_source(self.rnd, on)], "recorded_by": "bench", **fields}
        self.out.write(orjson.dumps(data) + b"\n")
        self.count += 1


def write_events(out: IO[bytes], *, commitments: int = 10_000, meetings: int = 1_000,
                 today: date | None = None, seed: int = 7) -> int:
    """Write the world as JSON Lines to `out`, streaming; returns how many events."""
    rnd = random.Random(seed)
    today = today or datetime.now(UTC).date()
    yesterday = today - timedelta(days=1)
    emit = _Writer(out, rnd)
    founded = today - timedelta(days=365 * 25)

    # Organizations and members.
    for org, members, name in (("sco", SCO, "Shanghai Cooperation Organisation"),
                               ("ots", OTS, "Organization of Turkic States")):
        emit("OrganizationRegistered", founded, f"{org}", organization_id=org, names={"en": name})
        for state in members:
            emit("MembershipChanged", founded, f"{org}-member-{state}", organization_id=org, state=state,
                 status="member")

    # The bodies, with alphabetical rotations, and a few handovers.
    established = founded + timedelta(days=200)
    emit("BodyEstablished", established, BODY, body_id=BODY, organization_id="sco",
         names={"en": "Council of the SCO", "ru": "Совет ШОС"},
         rotation={"kind": "alphabetical", "language": "ru", "term": "per_meeting"})
    emit("BodyEstablished", established, OTS_BODY, body_id=OTS_BODY, organization_id="ots",
         names={"en": "Council of the OTS"}, rotation={"kind": "alphabetical", "language": "en", "term": "annual",
                                                        "anchor": "01-01"})
    chairs = sorted(SCO)
    for n, days_ago in enumerate((1500, 1100, 700, 300)):
        emit("ChairmanshipHandedOver", today - timedelta(days=days_ago), f"{BODY}-handover-{n}", body_id=BODY,
             to_state=chairs[n % len(chairs)])
    for n, days_ago in enumerate((800, 400)):
        emit("ChairmanshipHandedOver", today - timedelta(days=days_ago), f"{OTS_BODY}-handover-{n}",
             body_id=OTS_BODY, to_state=OTS[n])

    # Meetings: one every four days, three quarters in the past, a quarter ahead.
    past = meetings * 3 // 4
    first = today - timedelta(days=4 * past)
    held: list[tuple[str, date]] = []
    for n in range(meetings):
        meeting_id = f"{BODY}/{n + 1}"
        starts = first + timedelta(days=4 * n + 1)
        announced = min(starts - timedelta(days=rnd.randint(20, 90)), yesterday)
        city = rnd.choice(CITIES)
        emit("MeetingScheduled", announced, f"{meeting_id}-scheduled", meeting_id=meeting_id, body_id=BODY,
             number=n + 1, city=city, host_state=HOSTS[city], starts_on=starts.isoformat(),
             ends_on=(starts + timedelta(days=1)).isoformat(), theme=f"Session {n + 1}")
        if rnd.random() < 0.15:
            moved = starts + timedelta(days=rnd.randint(1, 3))
            emit("MeetingRescheduled", min(announced + timedelta(days=5), yesterday), f"{meeting_id}-rescheduled",
                 meeting_id=meeting_id, starts_on=moved.isoformat(), reason="Agreed by the parties")
            starts = moved
        if starts < today:
            emit("MeetingHeld", starts, f"{meeting_id}-held", meeting_id=meeting_id, chaired_by=HOSTS[city],
                 attendees=[{"state": s, "level": "minister"} for s in rnd.sample(SCO, 6)])
            held.append((meeting_id, starts))

    # Documents: drafted, signed, ratified by some, one in force.
    for n in range(6):
        doc_id = f"{BODY}/agreement-{n + 1}"
        drafted = today - timedelta(days=2000 - 300 * n)
        emit("DocumentDrafted", drafted, f"{doc_id}-drafted", document_id=doc_id, organization_id="sco",
             body_id=BODY, kind="agreement", title=f"Agreement {n + 1} on cooperation", languages=["en", "ru"])
        signers = rnd.sample(SCO, 7)
        signed = drafted + timedelta(days=30)
        emit("DocumentSigned", signed, f"{doc_id}-signed", document_id=doc_id, place="Astana",
             signatories=[{"state": s, "office": "Minister of Foreign Affairs"} for s in signers])
        for k, state in enumerate(signers[: 3 + n % 3]):
            emit("PartyActionTaken", signed + timedelta(days=60 + 20 * k), f"{doc_id}-ratified-{state}",
                 document_id=doc_id, state=state, action="ratification")
        if n % 2 == 0:
            emit("DocumentEnteredIntoForce", signed + timedelta(days=200), f"{doc_id}-in-force", document_id=doc_id)

    # Commitments: undertaken at a held meeting, due before or after today, then ~9 developments.
    for n in range(commitments):
        commitment_id = f"bench-c{n + 1}"
        sco = n % 4 != 3
        parties = rnd.sample(SCO if sco else OTS, rnd.randint(3, 5))
        meeting_id, undertaken = held[rnd.randrange(max(1, len(held) - 60))] if sco else ("", yesterday)
        if not sco:
            undertaken = today - timedelta(days=rnd.randint(200, 2500))
        due = today + timedelta(days=rnd.randint(-600, 400))
        if due <= undertaken:
            due = undertaken + timedelta(days=rnd.randint(30, 400))
        due_text = due.isoformat() if n % 10 else due.isoformat()[:7]  # one in ten due "by month"
        extra: dict[str, Any] = {"body_id": BODY, "origin": {"kind": "meeting", "id": meeting_id}} if sco else {
            "body_id": OTS_BODY}
        emit("CommitmentUndertaken", undertaken, f"{commitment_id}-undertaken", commitment_id=commitment_id,
             organization_id="sco" if sco else "ots", parties=parties, title=f"Commitment {n + 1}",
             text=f"The parties undertake to cooperate on {rnd.choice(TOPICS)} (item {n + 1}).",
             due_on=due_text, topics=rnd.sample(TOPICS, 2), **extra)
        span = max(1, (yesterday - undertaken).days)
        days = sorted(rnd.randint(1, span) for _ in range(9))
        fulfil = rnd.random() < 0.08
        level = 1
        for k, offset in enumerate(days):
            on = undertaken + timedelta(days=offset)
            key = f"{commitment_id}-{k + 2}"
            if k == 8 and fulfil:
                emit("CommitmentFulfilled", on, key, commitment_id=commitment_id)
            elif k in (3, 6) and n % 5 == 0:
                emit("DeadlineChanged", on, key, commitment_id=commitment_id,
                     due_on=(due + timedelta(days=90 * (k // 3))).isoformat(), reason="Extended by the parties")
            else:
                level = min(len(LEVELS) - 1, max(0, level + rnd.choice((-1, 0, 1, 1))))
                emit("ProgressAssessed", on, key, commitment_id=commitment_id,
                     party=rnd.choice(parties) if k % 3 else None, level=LEVELS[level],
                     assessor="Secretariat", evidence=f"Report {k + 1} on {commitment_id}")
    return emit.count


def build_store(database_url: str, commitments: int = 10_000, meetings: int = 1_000) -> Tracker:
    """Generate, import and project the world into the store at `database_url`; prints the timings."""
    with tempfile.NamedTemporaryFile(prefix="bench-events-", suffix=".jsonl") as tmp:
        start = time.perf_counter()
        with open(tmp.name, "wb") as out:
            count = write_events(out, commitments=commitments, meetings=meetings)
        generated = time.perf_counter() - start
        tracker = Tracker(Settings(database_url=database_url))
        start = time.perf_counter()
        with open(tmp.name, "rb") as lines:
            report = tracker.import_events(lines)
        imported = time.perf_counter() - start
    start = time.perf_counter()
    applied = tracker.projector.catch_up()
    caught_up = time.perf_counter() - start
    print(f"store on {tracker.engine.dialect.name}: {count} events generated in {generated:.1f}s, "
          f"imported ({report.stored} stored) in {imported:.1f}s ({report.stored / imported:,.0f}/s), "
          f"views caught up ({applied} events) in {caught_up:.1f}s ({applied / max(caught_up, 1e-9):,.0f}/s)",
          flush=True)
    return tracker


def postgres_problem() -> str | None:
    """None when the PostgreSQL admin URL answers, else why not."""
    import psycopg

    try:
        with psycopg.connect(ADMIN_URL, connect_timeout=3, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0]
    return None


def stores_to_run(choice: str | None) -> list[StoreKind]:
    """The stores a --store option asks for: one, or by default sqlite and postgres when reachable."""
    if choice == "sqlite":
        return ["sqlite"]
    if choice == "postgres":
        return ["postgres"]
    problem = postgres_problem()
    if problem is not None:
        print(f"PostgreSQL skipped: {ADMIN_URL} not reachable ({problem})")
        return ["sqlite"]
    return ["sqlite", "postgres"]


@contextmanager
def real_store(kind: StoreKind, commitments: int = 10_000, meetings: int = 1_000) -> Iterator[Tracker]:
    """A freshly built store in a temporary SQLite file or a throwaway PostgreSQL database, removed after."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-store-") as tmp:
            tracker = build_store(f"sqlite:///{tmp}/tracker.sqlite", commitments, meetings)
            try:
                yield tracker
            finally:
                tracker.close()
        return
    import psycopg
    from sqlalchemy.engine import make_url

    name = f"bench_{int(time.time())}_{os.getpid()}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
        tracker = build_store(url, commitments, meetings)
        try:
            yield tracker
        finally:
            tracker.close()
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    for store in stores_to_run(sys.argv[1] if len(sys.argv) > 1 else None):
        with real_store(store, commitments=int(os.environ.get("BENCH_COMMITMENTS", "10000"))) as t:
            rm = t.read_model(catch_up=False)
            print(store, len(rm.commitments()), "commitments,", len(rm.meetings()), "meetings")
