"""The live path's metrics: one pass over the rows, in cache-sized blocks.

A slider move at 1M rows must cost well under 50 ms, and at that size the time
goes to memory, not arithmetic: every whole-column temporary (8 MB at 1M rows)
is a fresh allocation whose pages fault in on first touch. Here every metric of
a state is accumulated over blocks of :data:`BLOCK` rows with buffers that are
allocated once per call and stay in cache: for a regressor RMSE, MAE and R²
(the classifiers' live metrics are in ``_live_cls``, which reads the
histogram AUC defined here).

The numbers equal scikit-learn's to rounding (sums are taken per block, then
added; the tests check 1e-12), except AUC, whose histogram estimate carries its
own error bound (:func:`auc_from_histogram`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

#: Rows per block: a few float64 buffers of this length stay in L2 cache.
BLOCK = 1 << 16
#: Most bins of the histogram AUC.
AUC_BINS = 1 << 16
#: Base-2 log-odds beyond which probabilities share the end bins (as int keys).
_ODDS_LIMIT = 64 << 52

Array = npt.NDArray[Any]


def auc_from_histogram(
    p: Array, q: Array, exact: tuple[int, ...] = ()
) -> tuple[float, float]:
    """AUC and its error bound from positive and negative weight per score bin.

    Pairs in different bins are ordered exactly; a pair inside one bin is
    counted half whatever its order, so the estimate is within ``bound = 0.5 *
    sum_b p_b q_b / (P Q)`` of the exact AUC (``P``, ``Q``: total positive and
    negative weight). The bins listed in ``exact`` hold one score value only:
    their pairs are ties, which the exact AUC counts half too, so they add
    nothing to the bound. NaN and 0.0 when one class has no weight.
    """
    total = float(p.sum()) * float(q.sum())
    if total <= 0:
        return float("nan"), 0.0
    below = np.cumsum(q) - q  # negative weight strictly below each bin
    ties = float(np.dot(p, q))
    loose = ties - sum(float(p[b]) * float(q[b]) for b in exact)
    return (float(np.dot(p, below)) + 0.5 * ties) / total, 0.5 * max(loose, 0) / total


def odds_key(p: Any) -> Any:
    """An int64 key of a probability that rises with it: ``bits(p) - bits(1 - p)``.

    The bit pattern of a float >= 0 read as an integer rises with the float
    and is close to ``2**52 * (log2(x) + 1023)``; so the key is about ``2**52``
    times the base-2 log-odds. Bins of equal width in it split the tails near
    0 and 1, where the probabilities of a confident model crowd, as finely as
    the middle (equal-width bins in ``p`` put a million such rows in a few
    bins). ``1 - p`` rounds monotonically, so the key never falls as ``p``
    rises: binning by it orders every pair in different bins exactly.
    """
    arr = np.asarray(p, np.float64)
    return arr.view(np.int64) - (1.0 - arr).view(np.int64)


class ProbabilityBins:
    """Equal-width bins in :func:`odds_key` between two probabilities.

    Parameters
    ----------
    lo, hi : float
        The smallest and largest probability to bin.
    bins : int
        At most this many bins (a power-of-two width: between half and all).

    Attributes
    ----------
    n_bins : int
    exact : tuple of int
        The top bin when ``hi`` is past the log-odds limit: then it is 1.0 (a
        probability rounded to one), which no other value shares the bin with,
        so its pairs are exact ties.
    """

    def __init__(self, lo: float, hi: float, bins: int) -> None:
        g_lo, g_hi = int(odds_key(lo)), int(odds_key(hi))
        self.clip_lo, self.clip_hi = g_lo < -_ODDS_LIMIT, g_hi > _ODDS_LIMIT
        self.origin = max(g_lo, -_ODDS_LIMIT)
        span = max(min(g_hi, _ODDS_LIMIT) - self.origin, 0)
        self.shift = 0
        while span >> self.shift >= bins:
            self.shift += 1
        self.n_bins = (span >> self.shift) + 1
        # above the limit only 1.0 itself (1 - 2**-53 has base-2 log-odds 53)
        self.exact = (self.n_bins - 1,) if self.clip_hi else ()

    def ids(self, p: Array, out: Array, buf: Array) -> Array:
        """The bin of each probability of ``p``, as ints into ``out``."""
        np.subtract(1.0, p, out=buf)
        np.subtract(p.view(np.int64), buf.view(np.int64), out=out)
        return self.ids_of_keys(out)

    def ids_of_keys(self, out: Array) -> Array:
        """The bin of each :func:`odds_key` of ``out`` (int64), in place."""
        out -= self.origin
        out >>= self.shift
        if self.clip_lo:
            np.maximum(out, 0, out=out)
        if self.clip_hi:
            np.minimum(out, self.n_bins - 1, out=out)
        return out


def regression_live_metrics(
    y: Array, pred: Array, sample_weight: Array | None = None
) -> dict[str, float]:
    """RMSE, MAE and R² of a regressor in one blocked pass over the residuals.

    Equal to scikit-learn's ``root_mean_squared_error``, ``mean_absolute_error``
    and ``r2_score`` to rounding (R² of a constant ``y``: 1.0 for a perfect fit,
    else 0.0, as scikit-learn's ``force_finite``).
    """
    n = len(y)
    w = sample_weight
    total = float(n) if w is None else float(w.sum())
    mean = float(np.dot(w, y) / total) if w is not None else float(y.mean())
    size = min(n, BLOCK)
    r, t = np.empty(size), np.empty(size)
    sq_sum = abs_sum = tot_sum = 0.0
    for a in range(0, n, BLOCK):
        m = min(a + BLOCK, n) - a
        yb, R, T = y[a : a + m], r[:m], t[:m]
        np.subtract(yb, pred[a : a + m], out=R)
        np.abs(R, out=T)
        if w is None:
            abs_sum += float(T.sum())
            R *= R
            sq_sum += float(R.sum())
            np.subtract(yb, mean, out=T)
            T *= T
            tot_sum += float(T.sum())
        else:
            wb = w[a : a + m]
            abs_sum += float(wb @ T)
            R *= R
            sq_sum += float(wb @ R)
            np.subtract(yb, mean, out=T)
            T *= T
            tot_sum += float(wb @ T)
    if tot_sum > 0:
        r2 = 1.0 - sq_sum / tot_sum
    else:
        r2 = 1.0 if sq_sum == 0 else 0.0
    return {
        "rmse": float(np.sqrt(sq_sum / total)),
        "mae": abs_sum / total,
        "r2": float(r2),
    }


def binary_or_regression_affected(
    before: Array, after: Array, binary: bool, *, bins: int = 30, tol: float = 1e-9
) -> dict[str, Any]:
    """``_metrics.affected`` for a regressor or a binary classifier, blocked.

    The same numbers (means summed per block): the shift of each row (of the
    positive class's probability for a classifier), which rows moved by more
    than ``tol``, their histogram (``np.histogram`` per block over the moved
    rows' range, summed: the same counts), and the classifications flipped.
    """
    n = len(before)
    size = min(n, BLOCK)
    d, ad = np.empty(size), np.empty(size)
    moved, hb, ha = (np.empty(size, bool) for _ in range(3))
    n_changed = n_flipped = 0
    lo, hi = np.inf, -np.inf
    sum_d = sum_abs = max_abs = 0.0
    flipped: list[npt.NDArray[np.intp]] = []
    n_kept = 0

    def shift(a: int, m: int) -> Array:
        D = d[:m]
        if binary:
            np.subtract(after[a : a + m, 1], before[a : a + m, 1], out=D)
        else:
            np.subtract(after[a : a + m], before[a : a + m], out=D)
        return D

    for a in range(0, n, BLOCK):
        m = min(a + BLOCK, n) - a
        D, A, M = shift(a, m), ad[:m], moved[:m]
        np.abs(D, out=A)
        np.greater(A, tol, out=M)
        k = int(np.count_nonzero(M))
        if k:
            n_changed += k
            dm = D[M]
            lo, hi = min(lo, float(dm.min())), max(hi, float(dm.max()))
        sum_d += float(D.sum())
        sum_abs += float(A.sum())
        max_abs = max(max_abs, float(A.max()))
        if binary:
            Hb, Ha = hb[:m], ha[:m]
            np.greater(before[a : a + m, 1], before[a : a + m, 0], out=Hb)
            np.greater(after[a : a + m, 1], after[a : a + m, 0], out=Ha)
            np.not_equal(Hb, Ha, out=Hb)
            f = int(np.count_nonzero(Hb))
            if f:
                n_flipped += f
                if n_kept < 1000:
                    rows = np.flatnonzero(Hb)[: 1000 - n_kept] + a
                    flipped.append(rows)
                    n_kept += len(rows)
    if n_changed:
        if hi - lo <= 1e-9 * max(abs(lo), abs(hi), 1.0):  # every row moved alike
            pad = max(0.05 * abs(lo), 1e-6)
            lo, hi = lo - pad, hi + pad
        counts = np.zeros(bins, np.int64)
        edges = np.histogram_bin_edges([], bins=bins, range=(lo, hi))
        for a in range(0, n, BLOCK):
            m = min(a + BLOCK, n) - a
            D, A, M = shift(a, m), ad[:m], moved[:m]
            np.abs(D, out=A)
            np.greater(A, tol, out=M)
            counts += np.histogram(D[M], bins=edges)[0]
    else:
        counts, edges = np.zeros(bins, np.int64), np.linspace(-1, 1, bins + 1)
    out: dict[str, Any] = {
        "n_rows": n,
        "n_changed": n_changed,
        "fraction_changed": n_changed / n if n else 0.0,
        "mean_shift": sum_d / n if n else 0.0,
        "mean_abs_shift": sum_abs / n if n else 0.0,
        "max_abs_shift": max_abs if n else 0.0,
        "hist_edges": edges.tolist(),
        "hist_counts": counts.astype(int).tolist(),
    }
    if binary:
        out["n_flipped"] = n_flipped
        out["flipped"] = np.concatenate(flipped).tolist() if flipped else []
    return out
