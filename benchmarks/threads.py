"""Fit time by thread count, on a quiet machine and beside competing processes.

Issue 15: with torch's 2 threads, one other CPU-bound process made the default
fit (4,000 rows) 3.4x slower than a one-thread fit; the target is at most 1.3x.
The table fits ``NAMRegressor`` (the defaults, a fixed number of epochs so every
fit does the same work) with ``n_threads`` = 1, 2 and None (the default) while
0 or ``--competitors`` busy-looping processes run, alternating the thread
counts within each round, and prints median fit times side by side and each
one's ratio to the one-thread fit in the same scenario.

The competing processes are started and stopped by this script (by their
process ids). Run ``python3 benchmarks/threads.py`` (about 2 minutes, 2 cores)
or ``--quick``. The "quiet" scenario is only as quiet as the machine: the load
average is printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from namwidgets import NAMRegressor  # noqa: E402
from namwidgets.model._checks import available_cpus, default_threads  # noqa: E402

BUSY = "while True: pass"


def fit_seconds(X, y, n_threads, epochs: int) -> float:
    model = NAMRegressor(
        n_threads=n_threads,
        max_epochs=epochs,
        patience=epochs,
        random_state=0,
        verbose=0,
    )
    t = time.perf_counter()
    model.fit(X, y)
    return time.perf_counter() - t


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=4000)
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--competitors", type=int, nargs="*", default=[0, 1])
    p.add_argument("--quick", action="store_true", help="1 round, 10 epochs")
    args = p.parse_args(argv)
    rounds, epochs = (1, 10) if args.quick else (args.rounds, args.epochs)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(args.rows, 8))
    y = np.sin(2 * X[:, 0]) + X[:, 1] ** 2 + 0.5 * rng.normal(size=args.rows)
    settings = {"1": 1, "2": 2, "None (default)": None}
    fit_seconds(X[:500], y[:500], 1, 1)  # imports, allocator
    table: dict[int, dict[str, float]] = {}
    loads = []
    for k in args.competitors:
        procs = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(k)]
        try:
            time.sleep(0.5)
            loads.append(os.getloadavg()[0])
            times: dict[str, list[float]] = {s: [] for s in settings}
            for r in range(rounds):
                order = list(settings) if r % 2 == 0 else list(reversed(settings))
                for s in order:
                    times[s].append(fit_seconds(X, y, settings[s], epochs))
            table[k] = {s: statistics.median(v) for s, v in times.items()}
        finally:
            for proc in procs:
                proc.kill()
                proc.wait()
    print(
        f"- NAMRegressor defaults, {args.rows:,} rows x 8, {epochs} epochs per fit, "
        f"medians of {rounds} alternating round(s); {os.cpu_count()} cores seen, "
        f"available_cpus() = {available_cpus()}, training default = "
        f"{default_threads(fit=True)} thread(s); load average at each scenario's "
        f"start: {', '.join(f'{x:.1f}' for x in loads)}\n"
    )
    print("| competing processes | n_threads | fit (s) | vs 1 thread |")
    print("|---:|---|---:|---:|")
    for k, row in table.items():
        for s, t in row.items():
            print(f"| {k} | {s} | {t:.2f} | {t / row['1']:.2f}x |")


if __name__ == "__main__":
    main()
