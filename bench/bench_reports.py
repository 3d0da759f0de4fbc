"""Report build time per format against the time to merely read the same rows from the read model.

Run: .venv/bin/python bench/bench_reports.py [--commitments 10000] [--developments 10] [--repeat 3]
The goal is every format within 3x of the plain read. `bench(read_model)` takes any ReadModel,
so the same figures can be taken against the real store.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from projections.model import ReadModel  # noqa: E402
from projections.reports import FORMATS, build_report, render  # noqa: E402
from tests.unit.fake_read_model import synthetic_read_model  # noqa: E402 - the fake, until the real store is wired

GOAL = 3.0


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
            read_model.documents(**q),
            read_model.meetings(**q),
            read_model.presidencies(**q),
            read_model.review_items(**q),
            read_model.developments(**q),
        )
    )


def bench(read_model: ReadModel, *, repeat: int = 3, as_of: date | None = None,
          known_at: datetime | None = None) -> list[tuple[str, float, float]]:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--commitments", type=int, default=10_000)
    parser.add_argument("--developments", type=int, default=10, help="per commitment")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    start = time.perf_counter()
    model = synthetic_read_model(args.commitments, args.developments)
    print(f"synthetic model: {args.commitments} commitments, {len(model.development_list)} developments "
          f"(built in {time.perf_counter() - start:.1f}s)")
    figures = bench(model, repeat=args.repeat, as_of=date(2025, 3, 1),
                    known_at=datetime(2025, 3, 1, 12, tzinfo=UTC))
    width = max(len(label) for label, _, _ in figures)
    worst = 0.0
    for label, seconds, ratio in figures:
        print(f"{label:<{width}}  {seconds * 1000:9.1f} ms  {ratio:5.2f}x")
        worst = max(worst, ratio)
    print(f"worst ratio {worst:.2f}x (goal: within {GOAL:.0f}x)")
    return 0 if worst <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
