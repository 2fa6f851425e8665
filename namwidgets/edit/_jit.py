"""Compiled loops of the multiclass live metrics (numba, ``nogil``).

numpy runs the multiclass metrics as ~35 calls per block of rows, each a pass
over memory: on a 2-core AMD EPYC without AVX-512 (2026-12-03) a 1M x 3 pass
took 36-58 ms whatever the block size, and two threads did not help (its
gathers, reductions and ``bincount`` hold or contend for the GIL). Here one
compiled loop reads each row's K probabilities once and keeps what the
metrics need in registers; it releases the GIL, so ``_blocks.map_blocks``
runs blocks on every thread the live path may use.

The numbers: the confusion counts, the AUC keys and their extremes, each
class's histogram and so the AUC and its bound are integer work, the same
bit for bit as numpy's (tested); the log loss and Brier sums are the same
per-row terms as scikit-learn's summed in another order (within 1e-12).
A block's sums are added in block order, whatever the thread count.

Compiled on first use and cached on disk (``cache=True``, numba's
``__pycache__`` next to this file, or its user cache where that is not
writable): the first multiclass session on a machine waits ~2-4 s once.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, types
from numba.extending import intrinsic

Array = npt.NDArray[Any]

_EPS = 1e-15  # log loss clips probabilities to [eps, 1 - eps], as scikit-learn
_SUB = 256  # rows summed in order before their sum joins the block's
_KEY_MAX = np.iinfo(np.int64).max
_KEY_MIN = np.iinfo(np.int64).min


@intrinsic
def _bits(typingctx: Any, x: Any) -> Any:
    """The int64 of a float64's bits (``np.float64(x).view(np.int64)``)."""
    sig = types.int64(types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@njit(cache=True, nogil=True, inline="always")
def _odds_key(p: float) -> int:
    """``_live.odds_key``: ``bits(p) - bits(1 - p)``, rising with ``p``."""
    # numba's intrinsic takes its typing context itself; mypy sees the Python
    # signature (typingctx, x)
    return _bits(p) - _bits(1.0 - p)  # type: ignore[call-arg]


@njit(cache=True, nogil=True)
def _block_stats(  # noqa: PLR0913
    P: np.ndarray,
    codes: np.ndarray,
    w: np.ndarray,
    weighted: bool,
    a: int,
    b: int,
    keys: np.ndarray,
    with_keys: bool,
    log_true: np.ndarray,
    cm: np.ndarray,
    key_lo: np.ndarray,
    key_hi: np.ndarray,
) -> float:
    """One block ``[a, b)`` of the class-major (K, n) probabilities ``P``.

    Writes each row's clipped true-class probability into ``log_true[: b - a]``
    (the caller takes numpy's ``log`` of it, which releases the GIL too), adds
    the block's confusion counts (weights) into ``cm`` (K * K) and, with
    ``with_keys``, writes the rows' ``odds_key`` per class into ``keys[:,
    a:b]`` (a loop the compiler vectorises: ~0.5 ms per 1M values, where a
    histogram computing them itself took 1-2 ms more) and their extremes
    into ``key_lo`` / ``key_hi`` (K); returns the block's Brier sum, sum_c
    (p_c - [c = true])^2 per row, weighted. Hard labels: the first largest
    class, as ``argmax`` (of finite probabilities, which a softmax of finite
    scores is).
    """
    k = P.shape[0]
    for c in range(k):
        key_lo[c] = _KEY_MAX
        key_hi[c] = _KEY_MIN
    sq_total = 0.0
    for s in range(a, b, _SUB):
        sq = 0.0
        for i in range(s, min(s + _SUB, b)):
            # selects, not branches: a label's branch mispredicts on most rows
            t = codes[i]
            best = P[0, i]
            label = 0
            row_sq = 0.0
            for c in range(k):
                p = P[c, i]
                d = p - (1.0 if c == t else 0.0)
                row_sq += d * d
                beats = p > best
                label = c if beats else label
                best = p if beats else best
            log_true[i - a] = min(max(P[t, i], _EPS), 1.0 - _EPS)
            if weighted:
                sq += row_sq * w[i]
                cm[t * k + label] += w[i]
            else:
                sq += row_sq
                cm[t * k + label] += 1.0
        sq_total += sq
    if with_keys:
        for c in range(k):
            lo, hi = _KEY_MAX, _KEY_MIN
            for i in range(a, b):
                key = _odds_key(P[c, i])
                keys[c, i] = key
                lo = min(lo, key)
                hi = max(hi, key)
            key_lo[c], key_hi[c] = lo, hi
    return sq_total


@njit(cache=True, nogil=True)
def _class_histogram(  # noqa: PLR0913
    keys: np.ndarray,
    codes: np.ndarray,
    w: np.ndarray,
    weighted: bool,
    k: int,
    origin: int,
    shift: int,
    n_bins: int,
    a: int,
    b: int,
    hist: np.ndarray,
) -> None:
    """``hist[bin * K + true class] += weight`` over one class's keys ``[a, b)``.

    The bin is ``ProbabilityBins.ids_of_keys``' ((key - origin) >> shift,
    clipped to the bins), so ``hist`` is ``np.bincount`` of its ids with the
    same weights added in the same (row) order: the same numbers to the bit.
    The clip is unconditional: keys inside the bins' range are unchanged by
    it, and no key can write outside ``hist`` (numba checks no bounds).
    """
    last = n_bins - 1
    for i in range(a, b):
        j = min(max((keys[i] - origin) >> shift, 0), last)
        if weighted:
            hist[j * k + codes[i]] += w[i]
        else:
            hist[j * k + codes[i]] += 1.0


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


def _readonly(a: Array) -> Array:
    """A read-only view of ``a``.

    numba compiles a read-only array as a type of its own: every input goes in
    read-only, so one compiled version serves whoever owns the array.
    """
    view = a.view()
    view.flags.writeable = False
    return view


def block_stats(
    P: Array,
    codes: Array,
    w: Array | None,
    a: int,
    b: int,
    keys: Array,
    with_keys: bool,
    log_true: Array,
    cm: Array,
    key_lo: Array,
    key_hi: Array,
) -> float:
    """:func:`_block_stats` of the (K, n) C-contiguous ``P``; ``w`` None: unweighted."""
    return float(
        _block_stats(
            _readonly(P),
            _readonly(codes),
            _readonly(np.empty(0) if w is None else w),
            w is not None,
            a,
            b,
            keys,
            with_keys,
            log_true,
            cm,
            key_lo,
            key_hi,
        )  # fmt: skip
    )


def class_histogram(
    keys: Array,
    codes: Array,
    w: Array | None,
    k: int,
    bins: Any,
    a: int,
    b: int,
    hist: Array,
) -> None:
    """:func:`_class_histogram` of one class's keys ``[a, b)`` into ``hist``.

    ``bins`` is the class's ``_live.ProbabilityBins``.
    """
    _class_histogram(
        _readonly(keys), _readonly(codes),
        _readonly(np.empty(0) if w is None else w), w is not None, k,
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
        _readonly(x), _readonly(seg), _readonly(offset), shift, m,
        _readonly(slopes), _readonly(values), target,
        np.nan if lo is None else float(lo), np.nan if hi is None else float(hi),
        a, b,
    )  # fmt: skip


def warm() -> None:
    """Compile (or load from numba's cache) every loop for the session's types.

    Binder's ``postBuild`` calls this, so a visitor's first three-class edit
    does not wait for the compiler (~4 s here; loading from the cache ~0.5 s).
    """
    from ._live import ProbabilityBins

    k, n = 3, 4
    P, codes = np.full((k, n), 1.0 / k), np.zeros(n, np.intp)
    lo, hi = np.empty(k, np.int64), np.empty(k, np.int64)
    bins = ProbabilityBins(0.1, 0.9, 4)
    for w in (None, np.ones(n)):
        keys = np.empty((k, n), np.int64)
        cm = np.zeros(k * k)
        block_stats(P, codes, w, 0, n, keys, True, np.empty(n), cm, lo, hi)
        class_histogram(keys[0], codes, w, k, bins, 0, n, np.zeros(bins.n_bins * k))
    x, seg, table = np.linspace(0.0, 1.0, n), np.zeros(n, np.int32), np.zeros((k, 3))
    for target in (np.zeros((k, n)), np.zeros((n, k)).T, np.zeros((n, k + 1))[:, 1:].T):
        interp_region(x, seg, x, 0, 2, table, table, target, None, None, 0, n)
