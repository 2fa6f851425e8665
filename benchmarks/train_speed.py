"""Training speed of the batched NAM engine against a per-feature loop.

Prints a markdown table: ms per epoch (forward + backward + Adam step over every
minibatch), achieved GFLOP/s and the share of this machine's measured float32 matmul
peak. Designs are measured alternately in one process: each round runs one epoch
of every design, interleaved minibatch by minibatch (step i of every design, then
step i + 1, in alternating order) so that bursts of other work on shared cores hit
all designs alike, plus one peak matmul; the table shows medians over rounds.

FLOP convention: only the dense layers' matmul FLOPs count, ``2 * B * in * out``
forward and twice that backward, for every layer from the first hidden layer on,
the one-column output layer included. The ExU/ReLU first layer (1 -> H,
element-wise) is left out of the count, and so are the Adam step, the loss and the
bias adds: the GFLOP/s shown is a lower bound of the work done.

Run ``python3 benchmarks/train_speed.py`` (about 3-5 minutes on 2 quiet cores) or
``--quick`` (512 rows, 32 instead of 100 features, 2 rounds: checks that everything
runs, not for quoting). ``--threads 1`` is far less disturbed by other work on the
same cores than 2 OpenMP threads are.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _loop_nam import LoopNAM  # noqa: E402

from namwidgets.model._nets import NAMModule  # noqa: E402
from namwidgets.model._training import (  # noqa: E402
    TensorData,
    TrainConfig,
    _param_groups,
    linear_predictor,
    member_loss,
)

EXU = ("exu", (1024, 64, 32))
RELU = ("relu", (64, 64, 32))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def dense_flops(rows: int, n_nets: int, hidden: tuple[int, ...]) -> float:
    """Matmul FLOPs of one epoch, forward + backward (see the module docstring)."""
    sizes = list(hidden) + [1]
    per_row = sum(2 * a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return 3.0 * per_row * rows * n_nets


def make_data(rows: int, n_features: int, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, n_features, generator=g)
    y = torch.sin(x).sum(1) + 0.1 * torch.randn(rows, generator=g)
    return x, (y - y.mean()) / y.std()


class EngineRun:
    """The package's NAMModule and its optimiser setup, trained as ``train`` does."""

    def __init__(
        self, x, y, units, hidden, n_members=1, batch=1024, window=True, compile=False
    ):
        n, f = x.shape
        self.module = NAMModule(
            n_numeric=f,
            n_levels=0,
            feature_order=list(range(f)),
            n_members=n_members,
            n_outputs=1,
            hidden_sizes=hidden,
            units=units,
            dropout=0.0,
        )
        self.module.nets.exu_window = window
        self.forward = torch.compile(self.module) if compile else self.module
        cfg = TrainConfig("regression", 3e-3, 1.0, batch, 1, None, 0.0, 0.0, 0.0)
        self.opt = torch.optim.Adam(
            _param_groups(self.module, cfg), lr=3e-3, fused=True
        )
        self.data = TensorData(
            x,
            torch.zeros_like(x, dtype=torch.bool),
            torch.zeros(n, 0, dtype=torch.long),
            y,
            torch.ones(n),
        )
        self.batch, self.gen = batch, torch.Generator().manual_seed(1)

    def n_steps(self) -> int:
        return -(-len(self.data) // self.batch)

    def new_epoch(self) -> None:
        self.module.train()
        self.perm = torch.randperm(len(self.data), generator=self.gen)

    def step(self, i: int) -> float:
        b = self.data.rows(self.perm[i * self.batch : (i + 1) * self.batch])
        contrib = self.forward(b.x_num, b.missing, b.x_cat)
        eta = linear_predictor(self.module, b, contrib)
        loss = member_loss(eta, b, "regression").sum()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return float(loss.detach())


class LoopRun:
    """The per-feature loop NAM with the ports' optimiser (``torch.optim.Adam``)."""

    def __init__(self, x, y, units, hidden, batch=1024, fused=False):
        self.model = LoopNAM(x.shape[1], hidden, units)
        self.opt = torch.optim.Adam(self.model.parameters(), lr=3e-3, fused=fused)
        self.x, self.y, self.batch = x, y, batch
        self.gen = torch.Generator().manual_seed(1)

    def n_steps(self) -> int:
        return -(-self.x.shape[0] // self.batch)

    def new_epoch(self) -> None:
        self.model.train()
        self.perm = torch.randperm(self.x.shape[0], generator=self.gen)

    def step(self, i: int) -> float:
        idx = self.perm[i * self.batch : (i + 1) * self.batch]
        _, pred = self.model(self.x[idx])
        loss = ((pred - self.y[idx]) ** 2).mean()
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        return float(loss.detach())


def matmul_peak(n: int = 2048, reps: int = 3) -> float:
    """Best-of-``reps`` GFLOP/s of an n x n x n float32 matmul."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    out = torch.empty(n, n)
    best = float("inf")
    for _ in range(reps):
        t = time.perf_counter()
        torch.matmul(a, b, out=out)
        best = min(best, time.perf_counter() - t)
    return 2.0 * n**3 / best / 1e9


def build_designs(rows: int, batch: int, compile: bool, many: int):
    """key -> (case, design, runner factory, dense FLOPs per epoch)."""
    designs: dict[str, tuple[str, str, Callable[[], object], float]] = {}
    for units, hidden in (EXU, RELU):
        name = "ExU" if units == "exu" else "ReLU"
        arch = f"{name} {'-'.join(map(str, hidden))}"
        for f in (8, many):
            x, y = make_data(rows, f)
            case = f"{arch}, {f} features"
            flops = dense_flops(rows, f, hidden)

            def loop(x=x, y=y, u=units, h=hidden):
                return LoopRun(x, y, u, h, batch=batch)

            def eng(x=x, y=y, u=units, h=hidden, window=True, compile=False):
                return EngineRun(
                    x, y, u, h, batch=batch, window=window, compile=compile
                )

            designs[f"{case}|loop"] = (case, "per-feature loop", loop, flops)
            if units == "exu":
                designs[f"{case}|dense"] = (
                    case,
                    "batched, dense path",
                    partial(eng, window=False),
                    flops,
                )
                designs[f"{case}|batched"] = (
                    case,
                    "batched, sparse ExU path (default on CPU)",
                    eng,
                    flops,
                )
            else:
                designs[f"{case}|batched"] = (case, "batched (default)", eng, flops)
            if compile:
                designs[f"{case}|compiled"] = (
                    case,
                    "batched, torch.compile",
                    partial(eng, window=False, compile=True),
                    flops,
                )
    x, y = make_data(rows, 8)
    units, hidden = RELU
    case = "ReLU 64-64-32, 8 features, ensemble"
    for e in (1, 10):

        def ens(e=e):
            return EngineRun(x, y, units, hidden, n_members=e, batch=batch)

        designs[f"{case}|E{e}"] = (
            case,
            f"batched, {e} member{'s' if e > 1 else ''}",
            ens,
            dense_flops(rows, 8 * e, hidden),
        )
    return designs


def targets(med: dict[str, float], designs, peak: float, many: int) -> list[str]:
    """The issue's three targets, checked against the medians."""
    out = []

    def pct(key: str) -> float:
        return 100 * designs[key][3] / med[key] / 1e9 / peak

    for f in (8, many):
        case = f"ExU 1024-64-32, {f} features"
        if f"{case}|dense" in med and f"{case}|batched" in med:
            out.append(
                f"- {case}: dense path at {pct(case + '|dense'):.0f}% of the matmul "
                f"peak; the default sparse path at {pct(case + '|batched'):.0f}% "
                "dense-equivalent (target: >= 60%)"
            )
    case = f"ReLU 64-64-32, {many} features"
    if f"{case}|loop" in med and f"{case}|batched" in med:
        r = med[f"{case}|loop"] / med[f"{case}|batched"]
        out.append(f"- {case}: {r:.2f}x the per-feature loop (target: >= 2x)")
    case = "ReLU 64-64-32, 8 features, ensemble"
    if f"{case}|E1" in med and f"{case}|E10" in med:
        r = med[f"{case}|E10"] / med[f"{case}|E1"]
        out.append(f"- ensemble of 10: {r:.2f}x one model (target: <= 10x)")
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer rows and rounds")
    p.add_argument(
        "--threads", type=int, default=None, help="torch threads (2; --quick: 1)"
    )
    p.add_argument("--rounds", type=int, default=None, help="timed rounds (3)")
    p.add_argument("--rows", type=int, default=None, help="rows (16512)")
    p.add_argument("--batch", type=int, default=None, help="batch size (1024)")
    p.add_argument("--features", type=int, default=None, help="large case (100)")
    p.add_argument("--compile", action="store_true", help="add torch.compile rows")
    p.add_argument("--only", default="", help="only cases whose name has this")
    args = p.parse_args(argv)
    # --quick only checks that everything runs: one small step per epoch
    rows = args.rows or (512 if args.quick else 16512)
    batch = args.batch or (512 if args.quick else 1024)
    many = args.features or (32 if args.quick else 100)
    rounds = args.rounds or (2 if args.quick else 3)
    warm = 1 if args.quick else 2
    # --quick is a smoke test: one thread keeps it fast when the cores are shared
    torch.set_num_threads(args.threads or (1 if args.quick else 2))
    torch.manual_seed(0)
    load0 = os.getloadavg()[0]

    designs = build_designs(rows, batch, args.compile, many)
    designs = {k: v for k, v in designs.items() if args.only in k}
    runners = {}
    t0 = time.perf_counter()
    for k, (_, _, make, _) in designs.items():
        runners[k] = make()
        runners[k].new_epoch()
        last = runners[k].n_steps() - 1  # the short last batch compiles apart
        for i in sorted({*range(min(warm, last + 1)), last}):
            runners[k].step(i)  # warm-up: allocator, Adam state, compilation
    times: dict[str, list[float]] = {k: [] for k in designs}
    peaks: list[float] = []
    n_steps = next(iter(runners.values())).n_steps() if runners else 0
    for r in range(rounds):
        peaks.append(matmul_peak())
        spent = dict.fromkeys(designs, 0.0)
        for k in designs:
            runners[k].new_epoch()
        # round robin at the minibatch level: a burst of other work on the
        # cores hits every design alike
        for i in range(n_steps):
            order = list(designs) if (r + i) % 2 == 0 else list(reversed(designs))
            for k in order:
                t = time.perf_counter()
                runners[k].step(i)
                spent[k] += time.perf_counter() - t
            if i % 8 == 7:
                gc.collect()
        for k in designs:
            times[k].append(spent[k])
    wall = time.perf_counter() - t0
    peak = statistics.median(peaks)
    med = {k: statistics.median(v) for k, v in times.items()}

    print(f"- torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"- CPU: {cpu_model()}, {os.cpu_count()} cores")
    load1 = os.getloadavg()[0]
    busy = max(load0, load1) > (os.cpu_count() or 1)
    print(
        f"- load average (1 min) {load0:.1f} at start, {load1:.1f} at end"
        + (": MORE RUNNABLE WORK THAN CORES, times are inflated" if busy else "")
    )
    print(
        f"- {rows} rows, batch {batch}, {rounds} alternating rounds after {warm} "
        f"warm-up step(s) and the short last step per design; medians; "
        f"{wall:.0f} s in all"
    )
    print(
        f"- float32 matmul peak (2048^3 torch.matmul, best of 3, once per round): "
        f"{peak:.0f} GFLOP/s (rounds: {', '.join(f'{p:.0f}' for p in peaks)})"
    )
    print(
        "- GFLOP/s counts dense-layer matmul FLOPs only: 2*B*in*out forward and "
        "twice that backward for every layer after the 1 -> H unit layer (output "
        "layer included); the unit layer, loss and Adam are not counted. The "
        "sparse ExU path skips most of that work, so its figure is "
        "dense-equivalent (marked *) and can exceed the peak.\n"
    )
    print(
        "| case | design | ms/epoch | range | GFLOP/s | % of peak "
        "| vs loop / vs 1 member |"
    )
    print("|---|---|---:|---:|---:|---:|---:|")
    for k, (case, design, _, flops) in designs.items():
        ms = med[k] * 1e3
        lo, hi = min(times[k]) * 1e3, max(times[k]) * 1e3
        gf = flops / med[k] / 1e9
        star = "*" if "sparse" in design else ""
        ref = ""
        loop_key = k.split("|")[0] + "|loop"
        if k.endswith("|loop"):
            ref = "1.00x"
        elif loop_key in med:
            ref = f"{med[loop_key] / med[k]:.2f}x faster"
        elif k.endswith("|E10") and k.replace("E10", "E1") in med:
            ref = f"costs {med[k] / med[k.replace('E10', 'E1')]:.2f}x one member"
        pct = 100 * gf / peak
        print(
            f"| {case} | {design} | {ms:,.0f} | {lo:,.0f}-{hi:,.0f} | "
            f"{gf:.1f}{star} | {pct:.0f}%{star} | {ref} |"
        )
    lines = targets(med, designs, peak, many)
    if lines:
        print("\nTargets:\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
