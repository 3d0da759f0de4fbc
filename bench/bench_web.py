"""The web face under a bounded load: requests per second and p50/p95 latency, against reading the same rows.

Builds a real store (bench/realstore.py), starts `tracker serve` as a separate process on a loopback
port, and drives it from this process with an async httpx client (a fixed number of requests, a fixed
number in flight). For each endpoint it also times, in the same run, reading the same rows straight
from the read model (what the handler reads, without HTTP, templates or JSON) and prints the ratio of
the p95 latencies (goal: within 3 times the read) and any error.

    python bench/bench_web.py                                  # 1,000 commitments, under a minute
    python bench/bench_web.py --commitments 10000 --meetings 1000 --requests 200   # the issue's size
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.realstore import BODY, real_store, stores_to_run  # noqa: E402
from tracker.app import Tracker  # noqa: E402
from tracker.web.auth import Accounts  # noqa: E402


@dataclass(frozen=True)
class Load:
    """One endpoint's figures under load."""

    label: str
    requests: int
    errors: int
    seconds: float
    p50: float
    p95: float


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _start(database_url: str, workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tracker", "--database-url", database_url, "serve", "--port", str(port),
             "--workers", str(workers)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "TRACKER_CONFIG": str(log.parent / "absent.toml")},
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"tracker serve exited: {log.read_text()}")
        try:
            if httpx.get(f"{base}/api/v1/openapi.json", timeout=2).status_code == 200:
                return process, base
        except httpx.TransportError:
            time.sleep(0.3)
    process.terminate()
    raise RuntimeError("tracker serve did not start within 120 s")


async def _drive(base: str, token: str, label: str, path: str, requests: int, concurrency: int) -> Load:
    latencies: list[float] = []
    errors = 0
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120,
                                 limits=limits) as client:
        for _ in range(min(3, requests)):  # warm the server's caches and connections
            await client.get(path)

        async def one() -> None:
            nonlocal errors
            async with gate:
                start = time.perf_counter()
                response = await client.get(path)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors += 1

        start = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(requests)))
        seconds = time.perf_counter() - start
    return Load(label, requests, errors, seconds, _percentile(latencies, 0.5), _percentile(latencies, 0.95))


def _read_times(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), _percentile(times, 0.95)


def run(tracker: Tracker, *, workers: int, requests: int, concurrency: int, repeat: int) -> int:
    """Serve the store, load each endpoint, time the same reads, print the figures; returns the error count."""
    url = tracker.settings.database_url
    accounts = Accounts(tracker.engine, url)
    accounts.ensure_schema()
    accounts.add_user("bench", "bench-password-not-secret", "reader")
    token = accounts.create_token("bench", "reader", "bench")
    model = tracker.read_model()
    commitment = sorted(c.commitment_id for c in model.commitments())[len(model.commitments()) // 2]
    stream = f"commitment:{commitment}"
    endpoints: list[tuple[str, str, Callable[[], Any]]] = [
        ("commitments list (page)", "/commitments", model.commitments),
        ("one commitment (page)", f"/commitments/{commitment}",
         lambda: (model.status(stream), model.timeline(stream),
                  model.review_queue(organization_id="sco", entity=stream))),
        ("one presidency (page)", f"/bodies/{BODY}",
         lambda: (model.presidency(BODY), model.meetings(body_id=BODY))),
        ("API status", f"/api/v1/status/{commitment}", lambda: model.status(stream)),
    ]
    reads = {label: _read_times(fn, repeat) for label, _, fn in endpoints}
    log = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-web-{os.getpid()}.log"
    process, base = _start(url, workers, log)
    try:
        # Latency one request at a time (in flight together, requests only queue behind each other
        # on a small machine); then throughput with `concurrency` in flight.
        latency = [asyncio.run(_drive(base, token, label, path, max(requests // 4, 5), 1))
                   for label, path, _ in endpoints]
        loads = [asyncio.run(_drive(base, token, label, path, requests, concurrency))
                 for label, path, _ in endpoints]
    finally:
        process.terminate()
        process.wait(timeout=30)
    print(f"{'endpoint':26} {'req':>5} {'err':>4} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} "
          f"{'read p50':>9} {'read p95':>9} {'p95/read':>9} {'p95 loaded':>11}")
    errors = 0
    for one, load in zip(latency, loads, strict=True):
        read_p50, read_p95 = reads[load.label]
        errors += load.errors + one.errors
        print(f"{load.label:26} {load.requests:5d} {load.errors + one.errors:4d} {load.requests / load.seconds:7.1f} "
              f"{one.p50 * 1e3:8.1f} {one.p95 * 1e3:8.1f} {read_p50 * 1e3:9.1f} {read_p95 * 1e3:9.1f} "
              f"{one.p95 / read_p95:9.2f} {load.p95 * 1e3:9.1f}ms")
    print(f"(p50/p95: one request at a time; req/s and 'p95 loaded': {concurrency} in flight; {workers} server "
          f"worker(s); 'read' = the same rows from the read model in this process, median and p95 of {repeat})")
    return errors


def main(argv: list[str] | None = None) -> int:
    """Build a store, serve it, load it, print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--commitments", type=int, default=1_000)
    parser.add_argument("--meetings", type=int, default=100)
    parser.add_argument("--requests", type=int, default=30, help="per endpoint, under load")
    parser.add_argument("--concurrency", type=int, default=4, help="requests in flight")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only for > 1)")
    parser.add_argument("--repeat", type=int, default=10, help="direct reads per endpoint for the baseline")
    args = parser.parse_args(argv)
    errors = 0
    for kind in stores_to_run(args.store):
        with real_store(kind, args.commitments, args.meetings) as tracker:
            errors += run(tracker, workers=args.workers, requests=args.requests, concurrency=args.concurrency,
                          repeat=args.repeat)
    return 1 if errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
