"""Edit latency: one edit -> new predictions + metrics, at 10k, 100k and 1M rows.

Prints a markdown table of median and p95 milliseconds per operation. The
timed step is what a slider move costs in the panel: ``session.apply`` (which
recomputes the edited feature's column only), the predictions, and the metrics
the panel reads (``metrics(fast=True)``, its live path; the scikit-learn rows
show the exact functions for comparison). Below the table: the live AUC's
error against scikit-learn's ``roc_auc_score`` and its stated bound.

    python benchmarks/edit_latency.py            # 10k, 100k, 1M rows
    python benchmarks/edit_latency.py --quick    # 10k and 100k, fewer repeats
    python benchmarks/edit_latency.py --sizes 1000000 --repeats 15
    python benchmarks/edit_latency.py --pairs-only   # the pair-edit rows only
    python benchmarks/edit_latency.py --multiclass-only  # the three-class rows only
"""

from __future__ import annotations

import argparse
import itertools
import platform
import time

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import roc_auc_score

from namwidgets import EditSession, NAMClassifier, NAMRegressor
from namwidgets.datasets import make_additive


def _ops(session, rng):
    """(name, callable applying one edit) for each operation.

    Every call draws new parameters (or, for zero, the next of the six main
    terms): the session keeps the columns its last replays went through, so
    re-applying the very edit just undone would be a lookup, not an edit.
    """
    pos = session.knot_positions("smooth", 5)
    mains = iter(np.resize(["smooth", "jagged", "step", "quadratic", "noise"], 10**6))
    return {
        "zero": lambda: session.zero(str(next(mains))),
        "scale (drag)": lambda: session.scale(
            "smooth", float(rng.uniform(0, 2)), merge=True
        ),
        "shift": lambda: session.shift("jagged", float(rng.uniform(-1, 1))),
        "knots (5, drag)": lambda: session.set_knots(
            "smooth", offsets=rng.uniform(-1, 1, 5).tolist(), positions=pos, merge=True
        ),
        "flatten": lambda: session.flatten("step", 1.0, float(rng.uniform(2.3, 2.7))),
        "monotone": lambda: session.monotone(
            "quadratic", True, -1.0, float(rng.uniform(1.8, 2.2))
        ),
        "smooth": lambda: session.smooth("smooth", float(rng.uniform(0.25, 0.35))),
        "set category": lambda: session.set_category(
            "colour", "red", float(rng.uniform(-1, 1))
        ),
    }


def _time(fn, repeats, after=None, warmup=2):
    """Median and p95 wall ms of fn(), and its median CPU ms.

    ``after`` runs untimed after each call; ``warmup`` untimed calls come
    first. The CPU time (this process's, ``time.process_time``) is what the
    step costs on a shared machine, where the wall time also counts the
    moments other processes held the core.
    """
    for _ in range(warmup):
        fn()
        if after is not None:
            after()
    times, cpu = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.process_time() - c0) * 1e3)
        if after is not None:
            after()
    return (
        float(np.median(times)),
        float(np.percentile(times, 95)),
        float(np.median(cpu)),
    )


def _warm(session, ops):
    """One untimed pass of every operation on a freshly opened session.

    The first edits after a session opens pay once for fresh pages and for
    what the session keeps (a term's grid segments, a feature's codes, the
    live metrics' targets): without this pass that cost lands on whichever row
    is timed first.
    """
    for op in ops.values():
        op()
        session.predictions()
        if session.y is not None:
            session.metrics(auc=True, fast=True)
        session.undo()


def _chain(session, rng):
    """A drag of a scale after a monotone and a smooth edit of the same term."""
    session.monotone("quadratic", True, -1.0, 2.0)
    session.smooth("quadratic", 0.3)
    return lambda: session.scale("quadratic", float(rng.uniform(0, 2)), merge=True)


def _step(session, op, auc=False, fast=True):
    """One slider move: the edit, then what the panel reads."""

    def run():
        op()
        session.predictions()
        session.metrics(auc=auc, fast=fast)

    return run


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--sizes", type=lambda v: [int(n) for n in v.split(",")])
    p.add_argument("--repeats", type=int)
    p.add_argument("--pairs-only", action="store_true")
    p.add_argument("--multiclass-only", action="store_true")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    sizes = [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000]
    sizes = args.sizes or sizes
    repeats = args.repeats or (7 if args.quick else 25)
    if args.pairs_only:
        return pair_section(sizes, repeats)
    if args.multiclass_only:
        return multiclass_section(sizes, repeats)
    X, y = make_additive(5000, random_state=0)
    reg = NAMRegressor(
        hidden_sizes=(32, 32), max_epochs=20, verbose=0, random_state=0
    ).fit(X, y)
    Xc, yc = make_additive(5000, classification=True, random_state=0)
    clf = NAMClassifier(
        hidden_sizes=(32, 32), max_epochs=20, verbose=0, random_state=0
    ).fit(Xc, yc)
    cpu = platform.processor() or platform.machine()
    print(f"# Edit latency ({cpu}, torch threads {args.threads})")
    print()
    print(
        "Each cell: median / p95 wall ms / median CPU ms of apply(edit) +",
        "predictions + metrics, over",
        repeats,
        "repeats. Metrics are the panel's live path (`metrics(fast=True)`) unless",
        "a row says scikit-learn.",
    )
    print()
    multi = _multiclass_model()
    rows, auc_notes = {}, []
    for n in sizes:
        Xn, yn = make_additive(n, random_state=1)
        s = EditSession(reg, Xn, yn)
        _warm(s, _ops(s, np.random.default_rng(1)))
        for name, op in _ops(s, np.random.default_rng(0)).items():
            undo = None if name.endswith("(drag)") else s.undo
            cell = _time(_step(s, op), repeats, after=undo)
            rows.setdefault(f"regression: {name}", {})[n] = cell
        drag = _ops(s, np.random.default_rng(0))["scale (drag)"]
        rows.setdefault("regression: scale (drag), scikit-learn metrics", {})[n] = (
            _time(_step(s, drag, fast=False), repeats)
        )
        label = "regression: scale (drag) after monotone + smooth of the term"
        rows.setdefault(label, {})[n] = _time(
            _step(s, _chain(s, np.random.default_rng(0))), repeats
        )
        del s
        Xn, yn = make_additive(n, classification=True, random_state=1)
        s = EditSession(clf, Xn, yn)
        ops = _ops(s, np.random.default_rng(0))
        _warm(s, _ops(s, np.random.default_rng(1)))
        drag = ops["scale (drag)"]
        for auc in (False, True):
            label = f"classifier: scale (drag), live metrics{' + AUC' if auc else ''}"
            rows.setdefault(label, {})[n] = _time(_step(s, drag, auc), repeats)
        for name in ("monotone", "set category"):
            label = f"classifier: {name}, live metrics + AUC"
            cell = _time(_step(s, ops[name], True), repeats, after=s.undo)
            rows.setdefault(label, {})[n] = cell
        label = "classifier: scale (drag), scikit-learn metrics + AUC (sort)"
        rows.setdefault(label, {})[n] = _time(
            _step(s, drag, True, False), max(3, repeats // 3), warmup=0
        )
        live = s.metrics(fast=True)["roc_auc"]
        exact = roc_auc_score(s.y == s.classes[1], s.predictions()[:, 1])
        auc_notes.append(
            f"- {n:,} rows: live AUC {live:.7f}, scikit-learn's {exact:.7f}, "
            f"error {abs(live - exact):.1e} (stated bound 1e-4; exact sort at "
            "<= 50,000 rows)"
        )
        del s
        _multiclass_rows(multi, n, repeats, rows)
    _print_table(rows, sizes)
    print()
    print("Live AUC against scikit-learn's `roc_auc_score`, after the edits above:")
    print()
    print("\n".join(auc_notes))
    print()
    pair_section(sizes, repeats)


def _multiclass_model():
    Xm, ym = make_additive(5000, random_state=0)
    return NAMClassifier(
        hidden_sizes=(32, 32), max_epochs=10, verbose=0, random_state=0
    ).fit(Xm, _three_classes(ym))


def _multiclass_rows(multi, n, repeats, rows) -> None:
    """The three-class rows at ``n`` rows, added to ``rows``."""
    Xn, yn = make_additive(n, random_state=1)
    s = EditSession(multi, Xn, _three_classes(yn))
    ops = _ops(s, np.random.default_rng(0))
    _warm(s, _ops(s, np.random.default_rng(1)))
    for name in ("scale (drag)", "monotone", "set category"):
        label = f"multiclass (3): {name}, live metrics + AUC"
        undo = None if name.endswith("(drag)") else s.undo
        cell = _time(_step(s, ops[name], True), repeats, after=undo)
        rows.setdefault(label, {})[n] = cell


def multiclass_section(sizes, repeats) -> None:
    """The three-class rows only (``--multiclass-only``), in the same table form."""
    multi = _multiclass_model()
    rows: dict[str, dict[int, tuple[float, float, float]]] = {}
    for n in sizes:
        _multiclass_rows(multi, n, repeats, rows)
    _print_table(rows, sizes)


def _print_table(rows, sizes) -> None:
    header = "| operation | " + " | ".join(f"{n:,} rows" for n in sizes) + " |"
    print(header)
    print("|" + "---|" * (len(sizes) + 1))
    for name, cells in rows.items():
        print(
            f"| {name} | "
            + " | ".join(
                f"{cells[n][0]:.1f} / {cells[n][1]:.1f} / {cells[n][2]:.1f}"
                for n in sizes
            )
            + " |"
        )


def _three_classes(y):
    """Three labels from a regression target's terciles (fixed edges)."""
    return pd.cut(y, [-np.inf, -0.5, 0.5, np.inf], labels=["low", "mid", "high"])


# ------------------------------------------------------------ pair edits
def _pair_ops(session, rng):
    """(name, callable applying one pair edit) for each pair operation.

    New parameters on every call, as in :func:`_ops` (zero and the pair's
    flatten alternate between the two pairs).
    """

    def region():
        return {"smooth": (-1.0, float(rng.uniform(0.8, 1.2))), "jagged": (-1.0, 1.0)}

    pairs = iter(np.resize(["smooth & jagged", "smooth & colour"], 10**6))
    # six (increasing, level) pairs in turn: more than the session keeps
    curves = itertools.cycle(
        [(up, level) for up in (True, False) for level in ("red", "green", "blue")]
    )
    mains = iter(np.resize(["smooth", "jagged", "step", "quadratic", "noise"], 10**6))
    return {
        "pair: zero": lambda: session.zero(str(next(pairs))),
        "pair: scale (drag)": lambda: session.scale(
            "smooth & jagged", float(rng.uniform(0, 2)), merge=True
        ),
        "pair: clamp": lambda: session.clamp(
            "smooth & jagged", -0.2, float(rng.uniform(0.1, 0.3))
        ),
        "pair: flatten region": lambda: session.flatten(
            "smooth & jagged", region=region()
        ),
        "pair: set cell (level x range)": lambda: session.set_cell(
            "smooth & colour", ((-1.0, 1.0), "red"), float(rng.uniform(-1, 1))
        ),
        "pair: monotone on a level's curve": lambda: _level_monotone(
            session, *next(curves)
        ),
        # main effects of the same session, timed alongside for the ratio
        "main (same model): zero": lambda: session.zero(str(next(mains))),
        "main (same model): flatten": lambda: session.flatten(
            "step", 1.0, float(rng.uniform(2.3, 2.7))
        ),
        "main (same model): monotone": lambda: session.monotone(
            "quadratic", True, -1.0, float(rng.uniform(1.8, 2.2))
        ),
    }


def _level_monotone(session, increasing, level):
    return session.monotone("smooth & colour", increasing, level=level)


def pair_section(sizes, repeats) -> None:
    """Pair-edit rows: one pair edit + predictions + metrics (target <= 50 ms)."""
    X, y = make_additive(5000, random_state=0)
    model = NAMRegressor(
        hidden_sizes=(32, 32),
        max_epochs=20,
        interactions=[("smooth", "jagged"), ("colour", "smooth")],
        verbose=0,
        random_state=0,
    ).fit(X, y)
    print("Pair edits (regression, 6 mains + 2 pairs): median / p95 wall ms /")
    print("median CPU ms of")
    print("apply(pair edit) + predictions + metrics, over", repeats, "repeats.")
    print()
    rows: dict[str, dict[int, tuple[float, float, float]]] = {}
    for n in sizes:
        Xn, yn = make_additive(n, random_state=1)
        s = EditSession(model, Xn, yn)
        s.zero("smooth & jagged")  # the first edit of a pair reads its rows once
        s.undo()
        _warm(s, _pair_ops(s, np.random.default_rng(1)))
        for name, op in _pair_ops(s, np.random.default_rng(0)).items():
            undo = None if name.endswith("(drag)") else s.undo
            rows.setdefault(name, {})[n] = _time(_step(s, op), repeats, after=undo)
    print("| operation | " + " | ".join(f"{n:,} rows" for n in sizes) + " |")
    print("|" + "---|" * (len(sizes) + 1))
    for name, cells in rows.items():
        print(
            f"| {name} | "
            + " | ".join(
                f"{cells[n][0]:.1f} / {cells[n][1]:.1f} / {cells[n][2]:.1f}"
                for n in sizes
            )
            + " |"
        )


if __name__ == "__main__":
    main()
