"""Our partial-date parser against the edtf package on every form the tracker accepts.

Run: .venv/bin/python bench/bench_dates.py [--ours 2000] [--edtf 20]
Prints microseconds per date for each (our cache bypassed) and the ratio. The reason the
tracker keeps its own parser: edtf's grammar costs milliseconds a date, which would
dominate every import.
"""

from __future__ import annotations

import argparse
import time

from edtf import parse_edtf

from tracker.events.dates import _parse

FORMS = ("2024-07-25", "2024-07", "2013~", "[2013,2014]", "2013/2014", "2024-07/..", "201X", "2024-XX")


def per_date(parse: object, rounds: int) -> float:
    """Seconds per date over `rounds` passes through FORMS."""
    assert callable(parse)
    start = time.perf_counter()
    for _ in range(rounds):
        for text in FORMS:
            parse(text)
    return (time.perf_counter() - start) / (rounds * len(FORMS))


def main() -> None:
    """Measure both and print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ours", type=int, default=2000, help="passes through the forms with our parser")
    parser.add_argument("--edtf", type=int, default=20, help="passes through the forms with edtf")
    args = parser.parse_args()
    ours = per_date(_parse.__wrapped__, args.ours)
    reference = per_date(parse_edtf, args.edtf)
    print(f"ours: {ours * 1e6:.1f} us/date; edtf: {reference * 1e3:.2f} ms/date; edtf/ours: {reference / ours:.0f}x")


if __name__ == "__main__":
    main()
