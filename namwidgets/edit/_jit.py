"""Compiled loops of the multiclass live metrics (numba, ``nogil``).

numpy ran the multiclass metrics as ~35 calls per block of rows, each a pass
over memory: on a 2-core AMD EPYC without AVX-512 (2026-12-03) a 1M x 3 pass
took 36-58 ms whatever the block size, and two threads did not help (its
gathers, reductions and ``bincount`` hold or contend for the GIL). Here one
compiled loop reads each row's K probabilities once and keeps what the
metrics need in registers, and one loop per class builds its AUC histogram
from its probabilities; they release the GIL, so ``_blocks.map_blocks``
runs blocks on every thread the live path may use.

The numbers: the confusion counts, the classes' score ranges and
(unweighted) each class's histogram and so the AUC and its bound are
integer or exact work, the same bit for bit as numpy's (tested); the log
loss and Brier sums are the same per-row terms as scikit-learn's, summed in
another order (within 1e-12; the log loss one ``log`` per 16 rows, see
:func:`_block_stats`); a weighted histogram adds the same weights in row
order. A block's sums are added in block order, whatever the thread count.

Compiled on first use and cached on disk (``cache=True``, numba's
``__pycache__`` next to this file, or its user cache where that is not
writable): the first multiclass session on a machine waits ~2-4 s once.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit

from ..links import float_bits, readonly

Array = npt.NDArray[Any]

_EPS = 1e-15  # log loss clips probabilities to [eps, 1 - eps], as scikit-learn
_SUB = 256  # rows summed in order before their sum joins the block's
_RUN = 16  # rows whose clipped probabilities are multiplied before one log


@njit(cache=True, nogil=True, inline="always")
def _odds_key(p: float) -> int:
    """``_live.odds_key``: ``bits(p) - bits(1 - p)``, rising with ``p``."""
    # numba's intrinsic takes its typing context itself; mypy sees the Python
    # signature (typingctx, x)
    return float_bits(p) - float_bits(1.0 - p)  # type: ignore[call-arg]


@njit(cache=True, nogil=True)
def _block_stats(  # noqa: PLR0913
    P: np.ndarray,
    codes: np.ndarray,
    w: np.ndarray,
    weighted: bool,
    a: int,
    b: int,
    eye: np.ndarray,
    true_p: np.ndarray,
    cm: np.ndarray,
    p_lo: np.ndarray,
    p_hi: np.ndarray,
) -> tuple[float, float]:
    """One block ``[a, b)`` of the class-major (K, n) probabilities ``P``.

    Adds the block's confusion counts (weights) into ``cm`` (K * K), writes
    each class's smallest and largest probability into ``p_lo`` / ``p_hi``
    (K; the AUC's bins come from them) and returns the block's Brier sum,
    sum_c (p_c - [c = true])^2 per row (weighted), and its log-loss sum.

    The log loss: unweighted, the product of each run of :data:`_RUN` rows'
    clipped true-class probabilities, one ``log`` per run (each factor is
    >= 1e-15, so a product of 16 stays >= 1e-240: no underflow). A product's
    rounding is <= 15 half-ulps, so a run's log is within 2e-15 of its
    rows' summed logs: the mean log loss within 1.3e-16 of the per-row sum,
    at a 16th of the ``log`` calls. Weighted, the clipped probabilities go
    into ``true_p[: b - a]`` and the caller sums ``w * log`` (numpy's SIMD-free
    ``log``, one per row); the returned log sum is 0.0.

    Hard labels: the first largest class, as ``argmax`` (of finite
    probabilities, which a softmax of finite scores is). Branch-free: the
    truth is read from ``eye`` (the K x K identity, flat) and the label kept by
    arithmetic (a branch per class mispredicted on most rows: 3x slower).
    """
    k = P.shape[0]
    for c in range(k):
        p_lo[c] = np.inf
        p_hi[c] = -np.inf
    sq_total = 0.0
    log_total = 0.0
    for s in range(a, b, _SUB):
        sq = 0.0
        logs = 0.0
        run = 1.0
        for i in range(s, min(s + _SUB, b)):
            t = codes[i]
            best = P[0, i]
            label = np.int64(0)
            row_sq = 0.0
            for c in range(k):
                p = P[c, i]
                d = p - eye[c * k + t]
                row_sq += d * d
                beats = np.int64(p > best)
                label += beats * (c - label)
                best = max(best, p)
                p_lo[c] = min(p_lo[c], p)
                p_hi[c] = max(p_hi[c], p)
            clipped = min(max(P[t, i], _EPS), 1.0 - _EPS)
            if weighted:
                sq += row_sq * w[i]
                cm[t * k + label] += w[i]
                true_p[i - a] = clipped
            else:
                sq += row_sq
                cm[t * k + label] += 1.0
                run *= clipped
                if (i - s) % _RUN == _RUN - 1:
                    logs += math.log(run)
                    run = 1.0
        sq_total += sq
        log_total += logs + math.log(run)
    return sq_total, log_total


@njit(cache=True, nogil=True)
def _class_histogram(  # noqa: PLR0913
    p: np.ndarray,
    codes: np.ndarray,
    w: np.ndarray,
    weighted: bool,
    c: int,
    origin: int,
    shift: int,
    n_bins: int,
    a: int,
    b: int,
    hist: np.ndarray,
) -> None:
    """Class ``c``'s one-vs-rest histogram of its probabilities ``p[a:b]``.

    A row's bin is ``ProbabilityBins.ids_of_keys``' of its ``odds_key``
    (``(key - origin) >> shift``, clipped to the bins; the clip is
    unconditional, so no key can write outside ``hist``: numba checks no
    bounds). Unweighted, ``hist`` (int64, ``n_bins``) counts a row as ``1 +
    (positive << 32)``: the bin's rows in the low 32 bits and its positives
    above, one add per row into a histogram a third the size of a (bins,
    K) float one (40k bins: 320 KB, in L2). Weighted, ``hist`` (float64,
    ``2 * n_bins``) adds each row's weight at ``2 * bin + positive``, in row
    order.
    """
    last = n_bins - 1
    for i in range(a, b):
        j = min(max((_odds_key(p[i]) - origin) >> shift, 0), last)
        positive = np.int64(codes[i] == c)
        if weighted:
            hist[2 * j + positive] += w[i]
        else:
            hist[j] += 1 + (positive << 32)


@njit(cache=True, nogil=True)
def _interp_region(  # noqa: PLR0913
    x: np.ndarray,
    seg: np.ndarray,
    offset: np.ndarray,
    shift: int,
    m: int,
    slopes: np.ndarray,
    values: np.ndarray,
    target: np.ndarray,
    lo: float,
    hi: float,
    a: int,
    b: int,
) -> None:
    """``_kernels._interp_region`` on rows ``[a, b)``: each output of a row in region.

    ``target`` is (C, n) (any strides); ``slopes`` and ``values`` (C, m + 1)
    the padded tables; a row's table index is ``seg - shift`` clipped to
    ``[0, m]``; its value ``slope * offset + value``, the same two operations
    as numpy's (no fused multiply-add: numba compiles without fast-math). The
    region is ``lo <= x <= hi`` (NaN bounds unbounded; a NaN ``x`` is outside).
    """
    n_out = target.shape[0]
    for i in range(a, b):
        xi = x[i]
        if not (xi >= lo or lo != lo) or not (xi <= hi or hi != hi) or xi != xi:
            continue
        j = min(max(seg[i] - shift, 0), m)
        off = offset[i]
        for c in range(n_out):
            target[c, i] = slopes[c, j] * off + values[c, j]


def block_stats(
    P: Array,
    codes: Array,
    w: Array | None,
    a: int,
    b: int,
    eye: Array,
    true_p: Array,
    cm: Array,
    p_lo: Array,
    p_hi: Array,
) -> tuple[float, float]:
    """:func:`_block_stats` of the (K, n) C-contiguous ``P``; ``w`` None: unweighted."""
    sq, logs = _block_stats(
        readonly(P), readonly(codes),
        readonly(np.empty(0) if w is None else w), w is not None, a, b,
        readonly(eye), true_p, cm, p_lo, p_hi,
    )  # fmt: skip
    return float(sq), float(logs)


def class_histogram(
    p: Array,
    codes: Array,
    w: Array | None,
    c: int,
    bins: Any,
    a: int,
    b: int,
    hist: Array,
) -> None:
    """:func:`_class_histogram` of class ``c``'s probabilities ``p[a:b]``.

    ``bins`` is the class's ``_live.ProbabilityBins``; ``hist`` int64 of
    ``bins.n_bins`` unweighted, float64 of ``2 * bins.n_bins`` weighted.
    """
    _class_histogram(
        readonly(p), readonly(codes),
        readonly(np.empty(0) if w is None else w), w is not None, c,
        bins.origin, bins.shift, bins.n_bins, a, b, hist,
    )  # fmt: skip


def interp_region(
    x: Array,
    seg: Array,
    offset: Array,
    shift: int,
    m: int,
    slopes: Array,
    values: Array,
    target: Array,
    lo: float | None,
    hi: float | None,
    a: int,
    b: int,
) -> None:
    """:func:`_interp_region`; ``lo`` / ``hi`` None: unbounded."""
    _interp_region(
        readonly(x), readonly(seg), readonly(offset), shift, m,
        readonly(slopes), readonly(values), target,
        np.nan if lo is None else float(lo), np.nan if hi is None else float(hi),
        a, b,
    )  # fmt: skip


def warm() -> None:
    """Compile (or load from numba's cache) every loop for the session's types.

    With ``namwidgets.links``' loops. Binder's ``postBuild`` calls this, so a
    visitor's first edit does not wait for the compiler (~6 s here; loading
    from the cache ~0.5 s).
    """
    from .. import links
    from ._live import ProbabilityBins

    links.warm()  # the sigmoid and softmax
    k, n = 3, 4
    P, codes = np.full((k, n), 1.0 / k), np.zeros(n, np.intp)
    lo, hi = np.empty(k), np.empty(k)
    bins = ProbabilityBins(0.1, 0.9, 4)
    eye = np.eye(k).ravel()
    for w in (None, np.ones(n)):
        cm = np.zeros(k * k)
        block_stats(P, codes, w, 0, n, eye, np.empty(n), cm, lo, hi)
        hist = (
            np.zeros(bins.n_bins, np.int64) if w is None else np.zeros(2 * bins.n_bins)
        )
        class_histogram(P[0], codes, w, 0, bins, 0, n, hist)
    x, seg, table = np.linspace(0.0, 1.0, n), np.zeros(n, np.int32), np.zeros((k, 3))
    for target in (np.zeros((k, n)), np.zeros((n, k)).T, np.zeros((n, k + 1))[:, 1:].T):
        interp_region(x, seg, x, 0, 2, table, table, target, None, None, 0, n)
