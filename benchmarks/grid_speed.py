"""Per-row cost of training and prediction: feature nets on a grid vs at every row.

Issue 15's target: a default fit at 1M rows x 8 features >= 10x faster per
epoch than the nets evaluated at every row (batch 512), accuracy unchanged.
Designs, side by side in one process (default ReLU 64-64-32, one member):

- ``direct, batch 512``: the design before the grid (every row through the nets);
- ``grid, batch 512``: nets at their knots, rows interpolate, the old batch;
- ``direct, batch <auto>``: every row through the nets, the new batch (what a
  bigger batch alone gives);
- ``grid, auto batch``: the default now (``auto_batch_size``: 8192 at 1M rows).

Epoch time = median step time (interleaved rounds of steps, so a burst of other
work on the cores hits every design alike) x steps per epoch. Prediction: the
module's contributions on all rows in chunks of 65,536 (what
``contributions_array`` and an ``EditSession`` opening do), one pass each.

Run ``python3 benchmarks/grid_speed.py`` (about a minute) or ``--quick``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from namwidgets.model._grid import GRID_KNOTS  # noqa: E402
from namwidgets.model._nets import NAMModule  # noqa: E402
from namwidgets.model._training import (  # noqa: E402
    TensorData,
    TrainConfig,
    _step,
    auto_batch_size,
    main_param_groups,
)

HIDDEN = (64, 64, 32)
HALF = 3.0**0.5


def make_data(n: int, f: int) -> TensorData:
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(n, f, generator=g) * 2 - 1) * HALF  # the encoder's range
    y = torch.sin(2 * x).sum(1) + 0.5 * torch.randn(n, generator=g)
    return TensorData(
        x,
        torch.zeros(n, f, dtype=torch.bool),
        torch.zeros(n, 0, dtype=torch.long),
        y,
        torch.ones(n),
    )


def make_module(f: int, grid: bool) -> NAMModule:
    torch.manual_seed(0)
    m = NAMModule(f, 0, list(range(f)), 1, 1, HIDDEN, "relu", 0.0)
    if grid:
        knots = torch.linspace(-HALF, HALF, GRID_KNOTS).expand(f, GRID_KNOTS)
        m.set_knots(knots.contiguous())
    return m


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--features", type=int, default=8)
    p.add_argument("--steps", type=int, default=6, help="steps per round")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--quick", action="store_true", help="100k rows, 2 rounds")
    args = p.parse_args(argv)
    n = 100_000 if args.quick else args.rows
    rounds = 2 if args.quick else args.rounds
    f = args.features
    torch.set_num_threads(args.threads)
    data = make_data(n, f)
    cfg = TrainConfig("regression", 3e-3, 0.995, 512, 1, None, 0.0, 0.0, 0.0)
    auto = auto_batch_size(n)
    designs = {
        "direct, batch 512 (before)": (False, 512),
        "grid, batch 512": (True, 512),
        f"direct, batch {auto}": (False, auto),
        f"grid, auto batch ({auto}) (default now)": (True, auto),
    }
    runs = {}
    for name, (grid, bs) in designs.items():
        m = make_module(f, grid)
        opt = torch.optim.Adam(main_param_groups(m, 0.0), lr=3e-3, fused=True)
        runs[name] = (m, opt, bs)
    gen = torch.Generator().manual_seed(1)
    times: dict[str, list[float]] = {k: [] for k in runs}
    load0 = os.getloadavg()[0]
    for r in range(rounds + 1):  # round 0 warms up
        order = list(runs) if r % 2 else list(reversed(runs))
        for name in order:
            m, opt, bs = runs[name]
            m.train()
            batches = [
                data.rows(torch.randint(0, n, (bs,), generator=gen))
                for _ in range(args.steps)
            ]
            t = time.perf_counter()
            for b in batches:
                _step(m, b, cfg, None, 1.0, opt)
            if r:
                times[name].append((time.perf_counter() - t) / args.steps)
    pred: dict[str, float] = {}
    for name, (m, _, _) in runs.items():
        if (
            "batch 512" in name
            and name.startswith("grid")
            or (name.startswith("direct") and "512" not in name)
        ):
            continue  # the same module as the default for prediction
        m.eval()
        t = time.perf_counter()
        with torch.no_grad():
            for s in range(0, n, 65536):
                part = data.slice(s, s + 65536)
                m(part.x_num, part.missing, part.x_cat)
        pred[name] = time.perf_counter() - t
    load1 = os.getloadavg()[0]
    print(
        f"- {n:,} rows x {f} features, ReLU {'-'.join(map(str, HIDDEN))}, "
        f"{GRID_KNOTS} knots, torch {torch.__version__}, {args.threads} thread(s), "
        f"{os.cpu_count()} cores; load average {load0:.1f} at start, {load1:.1f} "
        f"at end; medians of {rounds} interleaved rounds of {args.steps} steps\n"
    )
    base = None
    print("| design | ms/step | steps/epoch | s/epoch | us/row | speed-up |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in runs:
        bs = runs[name][2]
        step = statistics.median(times[name])
        steps = -(-n // bs)
        epoch = step * steps
        base = base or epoch
        print(
            f"| {name} | {step * 1e3:.2f} | {steps} | {epoch:.2f} | "
            f"{epoch / n * 1e6:.2f} | {base / epoch:.1f}x |"
        )
    print("\n| prediction (all rows, chunks of 65,536) | s | speed-up |")
    print("|---|---:|---:|")
    first = None
    for name, s in pred.items():
        first = first or s
        print(f"| {name.split(',')[0]} | {s:.2f} | {first / s:.1f}x |")


if __name__ == "__main__":
    main()
