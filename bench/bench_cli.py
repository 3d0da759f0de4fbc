"""Start-up of the `tracker` command against a bare `python -c pass`, measured in the same run.

Run: .venv/bin/python bench/bench_cli.py [--repeat 5]
The goal (issue 10): `tracker --help` and `tracker status ID` each within 0.3 s of a bare
interpreter start. Runs are interleaved (baseline, --help, status, baseline, ...) so that load
on a shared machine falls on all of them alike; the best of N is the least disturbed run. The
status run reads the demo store (`tracker demo` into a temporary folder first, not timed).
The children run as a user's shell would: without TRACKER_* settings and with bytecode caching
on (PYTHONDONTWRITEBYTECODE unset), so our modules are not recompiled on every start.
Beside wall time it prints each child's CPU time (user + system, from getrusage): on a loaded
machine a start-up waits for a core, which wall time counts and CPU time does not.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOAL_SECONDS = 0.3


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one run of `args`."""
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("TRACKER_") and key != "PYTHONDONTWRITEBYTECODE"
    }
    cpu = _cpu()
    started = time.perf_counter()
    done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {done.stderr.decode(errors='replace')[-400:]}")
    return elapsed, _cpu() - cpu


def main() -> None:
    """Print best and median start-up per command, and the difference and ratio to the baseline."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command (interleaved)")
    args = parser.parse_args()
    python = sys.executable
    commands = {
        "python -c pass": [python, "-c", "pass"],
        "tracker --help": [python, "-m", "tracker", "--help"],
        "tracker status ID": [python, "-m", "tracker", "status", "sco-prosecutors-general"],
    }
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        _run([python, "-m", "tracker", "demo"], cwd)
        times: dict[str, list[float]] = {name: [] for name in commands}
        cpus: dict[str, list[float]] = {name: [] for name in commands}
        for _ in range(args.repeat):
            for name, command in commands.items():
                wall, cpu = _run(command, cwd)
                times[name].append(wall)
                cpus[name].append(cpu)
    base = min(times["python -c pass"])
    base_cpu = min(cpus["python -c pass"])
    print(f"{'command':<20} {'best s':>8} {'median s':>9} {'best - pass':>12} {'ratio':>6} "
          f"{'cpu best':>9} {'cpu - pass':>11}  goal (wall)")
    for name, runs in times.items():
        best = min(runs)
        over = best - base
        cpu = min(cpus[name])
        goal = "" if name == "python -c pass" else (
            f"<= {GOAL_SECONDS} s over pass: {'met' if over <= GOAL_SECONDS else 'NOT met'}"
        )
        print(f"{name:<20} {best:>8.3f} {statistics.median(runs):>9.3f} {over:>12.3f} {best / base:>6.1f} "
              f"{cpu:>9.3f} {cpu - base_cpu:>11.3f}  {goal}")


if __name__ == "__main__":
    main()
