"""Follow lag on PostgreSQL: how long after `record()` returns the views hold the event, with two writers.

Run: PYTHONPATH=. .venv/bin/python bench/bench_follow.py [--postgres ADMIN_URL] [--histories 100,600]
     [--events 150] [--poll-seconds 0.5]

For each history length H, a throwaway database holds two commitments with H assessments each
(bulk import), the views are caught up, and a follower (`Projector.follow`, in a thread of this
process) runs while two writer processes record `--events` assessments each on their own
commitment, one every 20 ms. Each writer prints the log position and the wall time when
`record()` returned; the follower notes the wall time each catch-up committed and the
position it reached. An event's lag is the first such commit at or past its position minus
its record time. Printed: median and p95 lag per history length (goal: median < 100 ms), and
the ratio of the medians, longest history over shortest (goal: about 1, lag independent of
history length). The baseline is the same follower on the shortest history, in the same run.
Also printed: the median time of the follower's catch-ups that applied events (its own work,
which is what grows with history length when each batch re-derives whole streams), and the
CPU time to derive one commitment's rows for a one-event batch at each history length, with
the ratio longest / shortest: a steadier signal than the lag on a shared machine.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import threading
import time
from bisect import bisect_left
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

import tests.pg as pg  # noqa: E402
from tests.builders import event, sco_world  # noqa: E402
from tracker.app import Tracker  # noqa: E402
from tracker.projections.views import RowBatch, derive_entity  # noqa: E402
from tracker.settings import Settings  # noqa: E402

LAG_GOAL_MS = 100.0
WRITERS = ("w0", "w1")

WRITER = """
import sys, time
from tests.builders import event
from tracker.app import Tracker
from tracker.settings import Settings
url, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
tracker = Tracker(Settings(database_url=url))
for i in range(count):
    result = tracker.record(event("ProgressAssessed", f"20{19 + i % 6}-0{1 + i % 9}-1{i % 10}",
                                  commitment_id=name, level=["limited", "substantial"][i % 2],
                                  evidence=f"{name} live {i}"))
    print(result.position, time.time(), flush=True)
    time.sleep(0.02)
tracker.close()
"""


def history_lines(length: int) -> list[bytes]:
    lines = [orjson.dumps(e) for e in sco_world()]
    for name in WRITERS:
        lines.append(orjson.dumps(event("CommitmentUndertaken", "2018-09-20", commitment_id=name, organization_id="sco",
                                        parties=["KAZ", "KGZ"], title=name, text="Follow me")))
        lines += [orjson.dumps(event("ProgressAssessed", f"20{19 + i % 6}-0{1 + i % 9}-1{i % 10}", commitment_id=name,
                                     level="limited", evidence=f"{name} past {i}")) for i in range(length)]
    return lines


def derive_seconds(url: str) -> float:
    """Median seconds to derive one writer's commitment rows for a batch holding its last event (CPU only)."""
    tracker = Tracker(Settings(database_url=url))
    try:
        stream = f"commitment:{WRITERS[0]}"
        records = tracker.event_log.load(stream)
        samples = []
        for _ in range(50):
            started = time.perf_counter()
            derive_entity(RowBatch(), stream, records, lambda body: "sco", new=records[-1:])
            samples.append(time.perf_counter() - started)
        return statistics.median(samples)
    finally:
        tracker.close()


def measure(url: str, length: int, events: int, poll_seconds: float) -> tuple[list[float], list[float]]:
    """Lags (seconds) of every event the writers recorded, and the seconds of each catch-up that applied some."""
    seed = Tracker(Settings(database_url=url))
    seed.import_events(iter(history_lines(length)))
    seed.projector.catch_up()
    seed.close()
    follower = Tracker(Settings(database_url=url))
    projector = follower.projector
    commits: list[tuple[int, float]] = []  # (position reached, wall time), in order
    spent: list[float] = []  # seconds of each catch-up that applied events: the follower's own work
    catch_up = projector.catch_up

    def noted(*, max_batches: int | None = None) -> int:
        started = time.perf_counter()
        applied = catch_up(max_batches=max_batches)
        if applied:
            spent.append(time.perf_counter() - started)
            commits.append((projector.position(), time.time()))
        return applied

    projector.catch_up = noted  # type: ignore[method-assign]  # the bench's own probe
    stop = threading.Event()
    thread = threading.Thread(target=projector.follow, args=(stop,), kwargs={"poll_seconds": poll_seconds})
    thread.start()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, url, name, str(events)], cwd=ROOT, env=env,
                                stdout=subprocess.PIPE, text=True) for name in WRITERS]
    recorded = [(int(p), float(t)) for w in writers for p, t in (line.split() for line in w.communicate()[0].split("\n")
                                                                  if line.strip())]
    last = max(p for p, _ in recorded)
    deadline = time.monotonic() + 60
    while (not commits or commits[-1][0] < last) and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join()
    follower.close()
    reached = [p for p, _ in commits]
    lags = []
    for position, at in recorded:
        i = bisect_left(reached, position)
        if i < len(commits):
            lags.append(max(0.0, commits[i][1] - at))
    return lags, spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", metavar="URL", default=pg.ADMIN_URL, help="admin URL for throwaway databases")
    parser.add_argument("--histories", default="100,600", help="events already on each commitment")
    parser.add_argument("--events", type=int, default=150, help="events each writer records")
    parser.add_argument("--poll-seconds", type=float, default=0.5, help="the follower's longest wait")
    args = parser.parse_args()
    pg.ADMIN_URL = args.postgres
    medians: list[float] = []
    derived: list[float] = []  # per history: seconds to derive one stream's rows for a one-event batch
    print(f"== follow lag, PostgreSQL, {len(WRITERS)} writers x {args.events} events, poll {args.poll_seconds} s")
    for length in (int(h) for h in args.histories.split(",")):
        with pg.throwaway_database() as url:
            found, spent = measure(url, length, args.events, args.poll_seconds)
            derived.append(derive_seconds(url))
        lags = sorted(found)
        median = statistics.median(lags)
        p95 = lags[int(0.95 * (len(lags) - 1))]
        medians.append(median)
        print(f"  history {length:5d} events/commitment: lag median {median * 1000:7.1f} ms, p95 {p95 * 1000:7.1f} ms "
              f"({len(lags)} events); goal median < {LAG_GOAL_MS:.0f} ms: "
              f"{'met' if median * 1000 < LAG_GOAL_MS else 'MISSED'}")
        print(f"    the follower's catch-ups that applied events: {len(spent)}, median "
              f"{statistics.median(spent) * 1000:.1f} ms each (the rest of the lag is waiting and the writers' commit)")
        print(f"    deriving a commitment's rows for a one-event batch (CPU, no SQL): {derived[-1] * 1000:.2f} ms")
    if len(medians) > 1:
        print(f"  ratio of medians, longest / shortest history: {medians[-1] / medians[0]:.2f} (goal: about 1)")
        print(f"  ratio of derive times, longest / shortest history: {derived[-1] / derived[0]:.2f} "
              "(what still grows with history: each batch resolves, sorts and folds the whole stream)")


if __name__ == "__main__":
    main()
