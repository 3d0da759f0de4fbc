"""Report build time per format against the time to merely read the same rows from the read model.

Run: .venv/bin/python bench/bench_reports.py [--store fake|sqlite|postgres] [--commitments 10000] [--repeat 3]
The goal is every format within 3x of the plain read. By default the real store is measured on
SQLite, and on PostgreSQL when reachable (bench/realstore.py builds ~100,000 events and catches
the views up); `--store fake` measures the in-memory stand-in. `--profile` prints cProfile's top costs.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.realstore import real_store, stores_to_run  # noqa: E402
from projections.model import ReadModel  # noqa: E402
from projections.queries import Queries  # noqa: E402
from projections.reports import FORMATS, Format, ReportData, build_report, render  # noqa: E402
from tests.unit.fake_read_model import synthetic_read_model  # noqa: E402 - the stand-in, kept for comparison

GOAL = 3.0

Figure = tuple[str, float, float]


def _best(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    # Best of N: the least disturbed run is the closest to the code's own cost.
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def read_rows(read_model: ReadModel, as_of: date, known_at: datetime) -> int:
    """Every query a report makes, results materialised and nothing else; returns the row count."""
    q: dict[str, Any] = {"as_of": as_of, "known_at": known_at}
    return sum(
        len(rows)
        for rows in (
            read_model.commitments(**q),
            read_model.proposals(**q),
            read_model.documents(**q),
            read_model.meetings(**q),
            read_model.presidencies(**q),
            read_model.review_items(**q),
            read_model.developments(**q),
            read_model.entity_names(**q),
        )
    )


def bench(read_model: ReadModel, *, repeat: int = 3, as_of: date | None = None,
          known_at: datetime | None = None) -> list[Figure]:
    """(label, seconds, ratio to the plain read) for the read, the build, and build + render per format."""
    now = datetime.now(UTC)
    world, known = as_of or now.date(), known_at or now
    read_s, rows = _best(lambda: read_rows(read_model, world, known), repeat)
    out = [(f"read rows ({rows})", read_s, 1.0)]
    build_s, data = _best(lambda: build_report(read_model, as_of=world, known_at=known, generated_at=now), repeat)
    out.append((f"build ReportData ({len(data.commitments)} commitments)", build_s, build_s / read_s))
    for fmt in FORMATS:
        def full(fmt: str = fmt) -> int:
            report = build_report(read_model, as_of=world, known_at=known, generated_at=now)
            return len(render(report, fmt))  # type: ignore[arg-type]
        seconds, size = _best(full, repeat)
        out.append((f"build + {fmt} ({size / 1e6:.1f} MB)", seconds, seconds / read_s))
    return out


def read_views(read_model: Queries) -> int:
    """What a report reads, asked for "now" so the views answer; results materialised; returns the row count.

    The developments are part of it: the report draws each commitment's life from them.
    """
    return sum(
        len(rows)
        for rows in (
            read_model.commitments(),
            read_model.documents(),
            read_model.meetings(),
            read_model.presidencies(),
            read_model.review_items(),
            read_model.developments(),
        )
    )


def bench_store(read_model: Queries, *, repeat: int = 3, budget: float = 40.0) -> tuple[int, list[Figure]]:
    """(repeats run, figures): seconds and ratio to reading the views, for the build and build + render per format.

    Each repeat builds the report once and renders it in every format; a format's figure is the
    best build plus that format's best render (building five times per repeat would only re-measure it).
    Repeats stop early once the builds have used `budget` seconds (at least one always runs).
    """
    read_s, rows = _best(lambda: read_views(read_model), repeat)
    build_s, render_s, sizes = float("inf"), dict.fromkeys(FORMATS, float("inf")), dict.fromkeys(FORMATS, 0)
    data: ReportData | None = None
    spent, runs = 0.0, 0
    while runs < repeat and (runs == 0 or spent < budget):
        start = time.perf_counter()
        data = build_report(read_model, generated_at=datetime.now(UTC))
        took = time.perf_counter() - start
        build_s, spent, runs = min(build_s, took), spent + took, runs + 1
        for fmt in FORMATS:
            start = time.perf_counter()
            sizes[fmt] = len(render(data, fmt))
            render_s[fmt] = min(render_s[fmt], time.perf_counter() - start)
    assert data is not None
    out = [(f"read the views ({rows} rows, best of {repeat})", read_s, 1.0),
           (f"build ReportData ({len(data.commitments)} commitments)", build_s, build_s / read_s)]
    for fmt in FORMATS:
        total = build_s + render_s[fmt]
        out.append((f"build + {fmt} (render {render_s[fmt] * 1000:.0f} ms, {sizes[fmt] / 1e6:.1f} MB)",
                    total, total / read_s))
    return runs, out


def _profiled(label: str, fn: Callable[[], Any], top: int) -> Any:
    profiler = cProfile.Profile()
    profiler.enable()
    result = fn()
    profiler.disable()
    for order in ("cumulative", "tottime"):
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(top)
        print(f"--- cProfile of {label}, by {order} ---")
        print("\n".join(line for line in text.getvalue().splitlines() if line.strip()))
    return result


def profile_build(read_model: Queries, top: int = 25) -> None:
    """Print cProfile's top cumulative and own costs of one build, then of each render."""
    data = _profiled("build_report", lambda: build_report(read_model, generated_at=datetime.now(UTC)), top)
    for fmt in FORMATS:
        def one(fmt: Format = fmt) -> str | bytes:
            return render(data, fmt)
        _profiled(f"render {fmt}", one, top // 2)


def _print(figures: list[Figure]) -> float:
    width = max(len(label) for label, _, _ in figures)
    worst = 0.0
    for label, seconds, ratio in figures:
        print(f"{label:<{width}}  {seconds * 1000:9.1f} ms  {ratio:6.2f}x")
        worst = max(worst, ratio)
    print(f"worst ratio {worst:.2f}x (goal: within {GOAL:.0f}x): {'met' if worst <= GOAL else 'NOT met'}",
          flush=True)
    return worst


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark on the stores asked for; exit 1 when a ratio misses the goal."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("fake", "sqlite", "postgres"),
                        help="default: sqlite, and postgres when reachable")
    parser.add_argument("--commitments", type=int, default=10_000)
    parser.add_argument("--meetings", type=int, default=1_000, help="real stores only")
    parser.add_argument("--developments", type=int, default=10, help="per commitment (fake only)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--budget", type=float, default=40.0,
                        help="real stores: stop repeating the build once it has used this many seconds")
    parser.add_argument("--profile", action="store_true", help="also print cProfile's top costs of one build")
    args = parser.parse_args(argv)

    worst = 0.0
    if args.store == "fake":
        start = time.perf_counter()
        model = synthetic_read_model(args.commitments, args.developments)
        print(f"synthetic model: {args.commitments} commitments, {len(model.development_list)} developments "
              f"(built in {time.perf_counter() - start:.1f}s)")
        worst = _print(bench(model, repeat=args.repeat, as_of=date(2025, 3, 1),
                             known_at=datetime(2025, 3, 1, 12, tzinfo=UTC)))
        return 0 if worst <= GOAL else 1
    for kind in stores_to_run(args.store):
        with real_store(kind, args.commitments, args.meetings) as tracker:
            read_model = tracker.read_model(catch_up=False)
            runs, figures = bench_store(read_model, repeat=args.repeat, budget=args.budget)
            print(f"report on {kind} (build and renders: best of {runs}):")
            worst = max(worst, _print(figures))
            if args.profile:
                profile_build(read_model)
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
