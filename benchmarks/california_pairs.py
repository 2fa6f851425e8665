"""Where the default model's California Housing error is: a probe (issue 16).

Fits NAMRegressor variants on the folds of ``benchmarks/accuracy.py``
(``KFold(5, shuffle=True, random_state=0)``, its ``_nam`` settings: the FULL
budget, one thread, seed 0) and, on each fitted model, a *probe*: one extra
bilinear table on the Latitude x Longitude pair, fitted by ridge least squares
to the model's residuals on the training fold. The table's axes are the
encoder's mapped values (training quantiles), ``G`` cells per axis; ``G`` in
(32, 64, 128) and the ridge weight in (0.3, 1, 3, 10) are chosen on a random
15% of the training fold held out of the probe's fit, so the test fold chooses
nothing. The probe is not part of the model: it measures how much of the gap to
HistGradientBoosting a finer, fully fitted Latitude x Longitude surface closes.

Options: ``--pair-lr`` (the pair stage's learning rate, through the estimator's
``_config``), ``--interactions`` (a count, ``auto``, or pairs of names such as
``Latitude&Longitude``, comma-separated), ``--grid`` (the pair grid's cells per
numeric axis, ``_interactions.PAIR_GRID``, set for the run), ``--n-models``,
``--folds``. Prints one
markdown row per fold: test RMSE of the model, its fit's CPU seconds and
stages' epochs, the probe's choice and the RMSE with the probe added.

``NAMWIDGETS_DATA_DIR=/work/shared/data OMP_NUM_THREADS=1 python
benchmarks/california_pairs.py --folds 0,1,2,3,4`` (~15-40 CPU-s per fold).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spl
from sklearn.model_selection import KFold, train_test_split

sys.path.insert(0, str(Path(__file__).resolve().parent))

import accuracy  # noqa: E402

from namwidgets import NAMRegressor  # noqa: E402

_HALF = math.sqrt(3.0)  # the encoder maps numeric features into [-sqrt 3, sqrt 3]
GRIDS = (32, 64, 128)
RIDGE = (0.3, 1.0, 3.0, 10.0)
PAIR = ("Latitude", "Longitude")


def bilinear_design(u: np.ndarray, v: np.ndarray, cells: int) -> sp.csr_matrix:
    """Rows' bilinear weights on a (cells + 1)^2 grid of knots over mapped values."""

    def corners(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        pos = (np.clip(x, -_HALF, _HALF) + _HALF) * (cells / (2 * _HALF))
        lo = np.clip(np.floor(pos), 0, cells - 1)
        return lo.astype(int), np.clip(pos - lo, 0.0, 1.0)

    (a, ta), (b, tb) = corners(u), corners(v)
    s = cells + 1
    idx = np.stack([a * s + b, a * s + b + 1, (a + 1) * s + b, (a + 1) * s + b + 1], 1)
    w = np.stack(
        [(1 - ta) * (1 - tb), (1 - ta) * tb, ta * (1 - tb), ta * tb], 1
    ).ravel()
    rows = np.repeat(np.arange(len(u)), 4)
    return sp.csr_matrix((w, (rows, idx.ravel())), shape=(len(u), s * s))


def ridge(design: sp.csr_matrix, r: np.ndarray, lam: float) -> np.ndarray:
    """Cell values minimising ||design @ c - r||^2 + lam ||c||^2."""
    gram = (design.T @ design + lam * sp.identity(design.shape[1])).tocsc()
    return np.asarray(spl.spsolve(gram, design.T @ r))


def probe(
    est: Any, x_tr: Any, r: np.ndarray, x_te: Any
) -> tuple[int, float, np.ndarray]:
    """The probe's (cells, ridge weight) and its correction on the test rows."""
    enc = est.encoder_
    names = list(est.feature_names_)
    ki, kj = (enc.numeric_index_.index(names.index(c)) for c in PAIR)
    u_tr, u_te = enc.transform(x_tr)[0], enc.transform(x_te)[0]
    fit, held = train_test_split(np.arange(len(r)), test_size=0.15, random_state=0)
    best: tuple[float, int, float] | None = None
    for cells in GRIDS:
        d = bilinear_design(u_tr[:, ki], u_tr[:, kj], cells)
        for lam in RIDGE:
            c = ridge(d[fit], r[fit], lam)
            loss = float(np.sqrt(np.mean((r[held] - d[held] @ c) ** 2)))
            if best is None or loss < best[0]:
                best = (loss, cells, lam)
    assert best is not None
    _, cells, lam = best
    d = bilinear_design(u_tr[:, ki], u_tr[:, kj], cells)
    c = ridge(d[fit], r[fit], lam)
    return cells, lam, bilinear_design(u_te[:, ki], u_te[:, kj], cells) @ c


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    """Root mean squared error."""
    return float(np.sqrt(np.mean((y - pred) ** 2)))


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--folds", default="0")
    p.add_argument("--n-models", type=int, default=1)
    p.add_argument("--pair-lr", type=float, default=None)
    p.add_argument("--interactions", default="auto")
    p.add_argument("--grid", type=int, default=None)
    a = p.parse_args(argv)
    if a.grid is not None:  # the module constant a new fit's pair module reads
        from namwidgets.model import _interactions

        _interactions.PAIR_GRID = a.grid

    class Variant(NAMRegressor):
        def _config(self, **overrides: Any) -> Any:
            if a.pair_lr is not None and "start_patience" in overrides:
                overrides["learning_rate"] = a.pair_lr  # the pair stage's config
            return super()._config(**overrides)

    ds = accuracy.DATASETS["California Housing"]
    X, y = accuracy.load_dataset(ds, False)
    inter: Any = a.interactions
    if "&" in inter:
        inter = [tuple(pair.split("&")) for pair in inter.split(",")]
    elif inter != "auto":
        inter = int(inter)
    splits = list(KFold(5, shuffle=True, random_state=accuracy.SEED).split(X))
    print(
        "| fold | RMSE | fit CPU s | epochs (mains/pairs/joint) | pairs kept "
        "| probe cells, ridge | RMSE + probe |"
    )
    print("|---:|---:|---:|---|---:|---|---:|")
    for f in (int(s) for s in a.folds.split(",")):
        tr, te = splits[f]
        x_tr, x_te = X.iloc[tr], X.iloc[te]
        y_tr, y_te = y.iloc[tr].to_numpy(), y.iloc[te].to_numpy()
        est = accuracy._nam(
            "regression", accuracy.FULL, X, n_models=a.n_models, interactions=inter
        )
        est.__class__ = Variant
        t0 = time.process_time()
        est.fit(x_tr, y_tr)
        cpu = time.process_time() - t0
        p_te = est.predict(x_te)
        stages: dict[str, int] = {}
        for record in est.history_:
            key = record.get("stage", "mains")
            stages[key] = stages.get(key, 0) + 1
        kept = 0 if est.pair_module_ is None else len(est.pair_module_.pairs)
        cells, lam, extra = probe(est, x_tr, y_tr - est.predict(x_tr), x_te)

        epochs = "/".join(str(stages.get(k, 0)) for k in ("mains", "pairs", "joint"))
        print(
            f"| {f} | {rmse(y_te, p_te):.4f} | {cpu:.1f} | {epochs} | {kept} "
            f"| {cells}, {lam:g} | {rmse(y_te, p_te + extra):.4f} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
