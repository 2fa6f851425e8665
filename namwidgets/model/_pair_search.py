"""Rank candidate feature pairs by how much of a main-effect model's error they explain.

FAST (Lou, Caruana, Gehrke, Hooker, "Accurate intelligible models with pairwise
interactions", KDD 2013), the ranking InterpretML's EBM uses: each feature is cut
into at most ``max_bins`` quantile bins; for each pair the gradients and hessians
of the main-effect model's loss are summed on the 2-D grid of bins; and the pair
scores the best gain of a four-quadrant step function, one cut on each axis:

``gain = sum over quadrants G_q**2 / H_q  -  G**2 / H``

i.e. the reduction of a second-order approximation of the loss. For squared error
G is the residual sum and H the row count, and the gain is the reduction of the
residual sum of squares. Prefix sums over the grid give every cut's quadrants at
once, so a pair costs one weighted ``bincount`` over the rows plus O(bins^2).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..exceptions import InputError


def bin_codes(
    column: npt.ArrayLike, max_bins: int, *, categorical: bool = False
) -> tuple[npt.NDArray[np.int64], int]:
    """Codes ``0..n_bins-1`` of a column cut into at most ``max_bins`` bins.

    Numeric columns are cut at their quantiles (ties merged); a missing value
    (NaN) gets a bin of its own, the last. Categorical columns (any labels) get
    one code per level, the rarest merged into one once there are more levels
    than ``max_bins``.

    Returns
    -------
    codes : ndarray of shape (n_samples,)
    n_bins : int
    """
    if categorical:
        labels = np.asarray(column, dtype=object).astype(str)
        levels, codes, counts = np.unique(
            labels, return_inverse=True, return_counts=True
        )
        if levels.size > max_bins:
            keep = np.argsort(-counts, kind="stable")[: max_bins - 1]
            remap = np.full(levels.size, max_bins - 1)
            remap[keep] = np.arange(keep.size)
            codes = remap[codes]
            return codes.astype(np.int64), max_bins
        return codes.astype(np.int64), int(levels.size)
    x = np.asarray(column, dtype=np.float64)
    nan = np.isnan(x)
    finite = x[~nan]
    if finite.size == 0:
        return np.zeros(x.shape, np.int64), 1
    cuts = np.unique(np.quantile(finite, np.linspace(0, 1, max_bins + 1)[1:-1]))
    codes = np.searchsorted(cuts, np.where(nan, 0.0, x), side="right")
    n_bins = cuts.size + 1
    if nan.any():
        codes[nan] = n_bins
        n_bins += 1
    return codes.astype(np.int64), int(n_bins)


def best_cut_gain(
    g: npt.NDArray[np.float64], h: npt.NDArray[np.float64], min_hessian: float
) -> float:
    """The best four-quadrant gain on a grid of gradient and hessian sums.

    Parameters
    ----------
    g, h : ndarray of shape (n_bins_a, n_bins_b)
        Gradient and hessian sums per cell.
    min_hessian : float
        A quadrant needs at least this hessian sum (EBM's ``min_hessian``) for
        its cut to count.

    Returns
    -------
    float
        The largest gain over all cuts, 0.0 where no cut is allowed.
    """
    na, nb = g.shape
    if na < 2 or nb < 2:
        return 0.0
    pg = g.cumsum(0).cumsum(1)
    ph = h.cumsum(0).cumsum(1)
    gt, ht = pg[-1, -1], ph[-1, -1]
    # quadrants for a cut after row a (a < na - 1) and after column b
    ll_g, ll_h = pg[:-1, :-1], ph[:-1, :-1]
    lh_g, lh_h = pg[:-1, -1:] - ll_g, ph[:-1, -1:] - ll_h
    hl_g, hl_h = pg[-1:, :-1] - ll_g, ph[-1:, :-1] - ll_h
    hh_g = gt - ll_g - lh_g - hl_g
    hh_h = ht - ll_h - lh_h - hl_h
    quads = [(ll_g, ll_h), (lh_g, lh_h), (hl_g, hl_h), (hh_g, hh_h)]
    ok = np.ones(ll_g.shape, bool)
    total = np.zeros(ll_g.shape)
    for qg, qh in quads:
        ok &= qh >= min_hessian
        with np.errstate(divide="ignore", invalid="ignore"):
            total += np.where(qh > 0, qg * qg / np.where(qh > 0, qh, 1.0), 0.0)
    if not ok.any():
        return 0.0
    base = gt * gt / ht if ht > 0 else 0.0
    return float(max(np.max(total[ok]) - base, 0.0))


def rank_pairs(
    columns: Sequence[npt.ArrayLike],
    kinds: Sequence[str],
    gradients: npt.ArrayLike,
    hessians: npt.ArrayLike | None = None,
    *,
    candidates: Sequence[tuple[int, int]] | None = None,
    max_bins: int = 32,
    min_hessian: float = 1e-4,
    max_rows: int | None = 100_000,
    random_state: int | None = 0,
) -> list[tuple[tuple[int, int], float]]:
    """Rank feature pairs by their FAST gain on a main-effect model's gradients.

    Parameters
    ----------
    columns : sequence of array-like of shape (n_samples,)
        Each feature's raw values (numeric with NaN for missing, or labels).
    kinds : sequence of {"numeric", "categorical"}
        One per column.
    gradients : array-like of shape (n_samples,) or (n_samples, n_outputs)
        The loss gradient of each row at the main-effect model's prediction
        (for squared error, the residual ``y - prediction``; for log-loss,
        ``y - p``). Several outputs (multiclass) add their gains.
    hessians : array-like, same shape as ``gradients``, optional
        The loss hessian of each row (``p * (1 - p)`` for log-loss); ones (the
        row weights, for squared error) by default.
    candidates : sequence of (int, int), optional
        The pairs to score; every pair of distinct features by default.
    max_bins : int, default=32
        Bins per feature.
    min_hessian : float, default=1e-4
        The least hessian sum of a quadrant for its cut to count.
    max_rows : int or None, default=100_000
        Rank on a random subsample of this many rows (None: every row).
    random_state : int or None, default=0
        Seed of that subsample.

    Returns
    -------
    list of ((int, int), float)
        Pairs ``(i, j)`` with ``i < j`` and their gains, best first; ties keep
        the candidates' order.
    """
    n_features = len(columns)
    if len(kinds) != n_features:
        raise InputError(
            f"kinds has {len(kinds)} entries for {n_features} columns: one per column."
        )
    if max_bins < 2:
        raise InputError(f"max_bins must be an int >= 2, got {max_bins!r}.")
    grad = np.asarray(gradients, dtype=np.float64)
    grad = grad.reshape(grad.shape[0], -1)
    n = grad.shape[0]
    hess = np.ones_like(grad) if hessians is None else np.asarray(hessians, np.float64)
    if hess.size != grad.size:
        raise InputError(
            f"hessians has shape {hess.shape}, gradients {grad.shape}: they must match."
        )
    hess = hess.reshape(grad.shape)
    if not (np.isfinite(grad).all() and np.isfinite(hess).all()):
        raise InputError("gradients and hessians must be finite.")
    rows = np.arange(n)
    if max_rows is not None and n > max_rows:
        rng = np.random.default_rng(random_state)
        rows = np.sort(rng.choice(n, size=max_rows, replace=False))
    grad, hess = grad[rows], hess[rows]
    codes, sizes = [], []
    for col, kind in zip(columns, kinds):
        values = np.asarray(col, dtype=object if kind != "numeric" else np.float64)
        if values.shape[0] != n:
            raise InputError(
                f"A column has {values.shape[0]} rows, gradients have {n}: they must "
                "match."
            )
        c, k = bin_codes(values[rows], max_bins, categorical=kind != "numeric")
        codes.append(c)
        sizes.append(k)
    if candidates is None:
        candidates = [
            (i, j) for i in range(n_features) for j in range(i + 1, n_features)
        ]
    scored = []
    for i, j in candidates:
        a, b = (i, j) if i < j else (j, i)
        if a == b or not 0 <= a < n_features or not 0 <= b < n_features:
            raise InputError(f"Candidate pair {(i, j)!r} is not two distinct features.")
        cell = codes[a] * sizes[b] + codes[b]
        size = sizes[a] * sizes[b]
        gain = 0.0
        for k in range(grad.shape[1]):
            g = np.bincount(cell, grad[:, k], size).astype(np.float64)
            h = np.bincount(cell, hess[:, k], size).astype(np.float64)
            g, h = g.reshape(sizes[a], sizes[b]), h.reshape(sizes[a], sizes[b])
            gain += best_cut_gain(g, h, min_hessian)
        scored.append(((a, b), gain))
    order = sorted(range(len(scored)), key=lambda t: -scored[t][1])
    return [scored[t] for t in order]


def purified_lookup(
    codes_a: npt.NDArray[np.int64],
    codes_b: npt.NDArray[np.int64],
    sizes: tuple[int, int],
    gradients: npt.NDArray[np.float64],
    hessians: npt.NDArray[np.float64],
    *,
    shrink: float = 0.0,
    min_hessian: float = 1e-4,
    tol: float = 1e-9,
    max_sweeps: int = 200,
) -> npt.NDArray[np.float64]:
    """A pair's piecewise-constant Newton step on its grid of bins, purified.

    Each cell's value is its gradient sum over its hessian sum plus ``shrink``
    rows' worth of hessian (the mean hessian per row times ``shrink``: a ridge
    that pulls cells of few rows towards 0; for squared error and no shrink,
    the mean residual of its rows; 0 where the hessian sum is below
    ``min_hessian``), then its main effects are swept out: the hessian-weighted
    mean along each axis is made zero, as a pair term is purified, so what is
    left is the pair's pure interaction on these rows and none of the main
    effects' leftovers.

    Parameters
    ----------
    codes_a, codes_b : ndarray of shape (n_samples,)
        Each row's bin on the two axes (:func:`bin_codes`).
    sizes : (int, int)
        Bins on each axis.
    gradients, hessians : ndarray of shape (n_samples, n_outputs)
        The rows' loss gradients (towards the target) and hessians.
    shrink : float, default=0.0
        The ridge, in rows.

    Returns
    -------
    ndarray of shape (sizes[0], sizes[1], n_outputs)
    """
    na, nb = sizes
    cell = codes_a * nb + codes_b
    out = np.zeros((na, nb, gradients.shape[1]))
    for k in range(gradients.shape[1]):
        g = np.bincount(cell, gradients[:, k], na * nb).reshape(na, nb)
        h = np.bincount(cell, hessians[:, k], na * nb).reshape(na, nb)
        ok = h >= min_hessian
        ridge = shrink * h.sum() / max(len(cell), 1)
        v = np.where(ok, g / np.where(ok, h + ridge, 1.0), 0.0)
        h = np.where(ok, h, 0.0)
        rows, cols = h.sum(1, keepdims=True), h.sum(0, keepdims=True)
        rows, cols = np.where(rows > 0, rows, 1.0), np.where(cols > 0, cols, 1.0)
        for _ in range(max_sweeps):
            v = v - (h * v).sum(1, keepdims=True) / rows
            col_means = (h * v).sum(0, keepdims=True) / cols
            v = v - col_means
            if np.abs(col_means).max() <= tol * max(np.abs(v).max(), 1e-300):
                break
        out[:, :, k] = np.where(ok, v, 0.0)
    return out
