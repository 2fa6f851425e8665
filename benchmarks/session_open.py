"""Session open: ``EditSession(model, X, y)`` at 1M and 5M rows, time and peak memory.

Each size runs in a fresh subprocess (so one size's memory cannot hide
another's). Printed per size: the open's wall time; how much of it was spent
inside the model's ``contributions_array`` (the forward pass: the model's
part, which a grid-lookup model makes fast) and the rest, the session's own;
the forward alone on the same rows, timed after; the open's peak memory above
what the process held before it (the kernel's resident high-water mark, reset
just before the open, so it counts torch's buffers too; glibc is told to map
every large block, so freed memory leaves the resident set), in bytes per row,
beside the size of one n x T contribution matrix and of the inputs.

    python benchmarks/session_open.py             # 1M and 5M rows
    python benchmarks/session_open.py --quick     # 100k rows
    python benchmarks/session_open.py --sizes 1000000
    python benchmarks/session_open.py --sizes 1000000 --cat-columns 6

``--cat-columns K`` adds K categorical columns of object-dtype strings (five
labels and a missing value each) to the data: the categorical-heavy case, where
the encoder's labelling of every row is most of the session's own time.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import subprocess
import sys
import time


def _rss_kib(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    """Reset the kernel's resident high-water mark (VmHWM); False if refused."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _with_categories(X, k: int, seed: int):
    """X with ``k`` extra object-dtype string columns (five labels and None)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    pool = np.array(["alpha", "beta", "gamma", "delta", "epsilon", None], object)
    X = X.copy()
    for i in range(k):
        X[f"cat{i}"] = pool[rng.integers(0, len(pool), len(X))]
    return X


def measure(n: int, threads: int, cat_columns: int = 0) -> dict[str, float]:
    """Open a session on ``n`` rows in this process; time and memory."""
    import torch

    from namwidgets import EditSession, NAMClassifier
    from namwidgets.datasets import make_additive

    torch.set_num_threads(threads)
    X, y = make_additive(5000, classification=True, random_state=0)
    X = _with_categories(X, cat_columns, 0)
    # the default architecture (what a user opens the panel on); a short fit:
    # the forward's cost does not depend on how long the model trained
    clf = NAMClassifier(max_epochs=3, verbose=0, random_state=0).fit(X, y)
    Xn, yn = make_additive(n, classification=True, random_state=1)
    Xn = _with_categories(Xn, cat_columns, 1)
    EditSession(clf, Xn.iloc[:1000], yn.iloc[:1000])  # warm up imports, torch
    gc.collect()
    inside = [0.0]
    forward_of = clf.contributions_array

    def timed(*args, **kwargs):  # the time the open spends in the model's forward
        t = time.perf_counter()
        try:
            return forward_of(*args, **kwargs)
        finally:
            inside[0] += time.perf_counter() - t

    clf.contributions_array = timed
    before = _rss_kib("VmRSS")
    exact_peak = _reset_peak()
    t0 = time.perf_counter()
    session = EditSession(clf, Xn, yn)
    seconds = time.perf_counter() - t0
    del clf.contributions_array
    peak = (_rss_kib("VmHWM") - before) * 1024.0 if exact_peak else float("nan")
    n_terms, n_out = session.contributions().shape[1:]
    del session
    gc.collect()
    t0 = time.perf_counter()
    clf.contributions_array(Xn)
    forward = time.perf_counter() - t0
    inputs = float(Xn.memory_usage(deep=False).sum() + yn.memory_usage(deep=False))
    return {
        "n": n,
        "open_s": seconds,
        "forward_s": forward,
        "in_model_s": inside[0],
        "peak_bytes_per_row": peak / n,
        "matrix_bytes_per_row": 8.0 * n_terms * n_out,
        "input_bytes_per_row": inputs / n,
        "terms": n_terms,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sizes", type=lambda s: [int(v) for v in s.split(",")])
    p.add_argument("--cat-columns", type=int, default=0, help="extra categoricals")
    p.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.threads, args.cat_columns)))
        return
    sizes = args.sizes or ([100_000] if args.quick else [1_000_000, 5_000_000])
    cpu = platform.processor() or platform.machine()
    print(f"# Session open ({cpu}, torch threads {args.threads})")
    print()
    print(
        f"Default NAMClassifier (ReLU 64-64-32), 6 features + {args.cat_columns} "
        "extra categorical, binary y. Memory: peak "
        "resident above the process before the open, bytes per row; one n x T "
        "float64 contribution matrix and the inputs (X, y) beside it."
    )
    print()
    print(
        "| rows | open (s) | of which in the model's forward (s) | session's own (s) "
        "| forward alone, after (s) "
        "| peak (B/row) | n x T matrix (B/row) | inputs (B/row) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for n in sizes:
        cmd = [sys.executable, __file__, "--child", str(n)]
        cmd += ["--threads", str(args.threads), "--cat-columns", str(args.cat_columns)]
        # big allocations always by mmap, so that freed memory leaves the
        # resident set and the high-water mark counts only what the open holds
        env = dict(os.environ, MALLOC_MMAP_THRESHOLD_="131072")
        res = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env)
        if res.returncode != 0:
            print(f"| {n:,} | failed (exit {res.returncode}) | | | | | | |")
            print(res.stderr[-2000:], file=sys.stderr)
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        print(
            f"| {n:,} | {r['open_s']:.2f} | {r['in_model_s']:.2f} "
            f"| {r['open_s'] - r['in_model_s']:.2f} | {r['forward_s']:.2f} "
            f"| {r['peak_bytes_per_row']:.0f} "
            f"| {r['matrix_bytes_per_row']:.0f} | {r['input_bytes_per_row']:.0f} |"
        )


if __name__ == "__main__":
    main()
