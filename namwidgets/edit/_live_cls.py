"""The classifiers' live metrics: one pass over cache-sized blocks, then the AUC.

At 1M rows the time of a metric goes to memory traffic, to transcendental
functions (this numpy's float64 ``log`` and ``exp`` run ~7 ns per element
without AVX-512) and to how numpy runs a ufunc, not to arithmetic: an axis-1
reduction or ``argmax`` over (n, K) runs an inner loop of K elements per row,
``np.clip`` is several ufuncs, and mixed float/bool arithmetic goes through a
casting loop. So the truth enters as float arrays computed once per session
(:class:`LiveTargets`), every sum is a dot product or a block sum, a row's log
loss is one ``log`` of its true class's probability (not one per class), and
the per-row terms are the same as scikit-learn's, summed in another order
(the tests check 1e-12). AUC is read from a histogram of the scores in bins
of equal log-odds width, with its stated error bound
(``_live.auc_from_histogram``, ``ProbabilityBins``). The multiclass pass is
compiled loops (``_jit``) over the session's class-major probabilities, on
the live path's threads: numpy's version needed ~35 calls a block, which
threads could not share.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._blocks import map_blocks, map_items
from ._layout import class_major
from ._live import AUC_BINS, BLOCK, ProbabilityBins, auc_from_histogram

Array = npt.NDArray[Any]

_EPS = 1e-15  # log loss clips probabilities to [eps, 1 - eps], as before


class LiveTargets:
    """What the live metrics read of the true classes, computed once per session.

    Parameters
    ----------
    codes : ndarray of int, shape (n_samples,)
        True class indices (0..n_classes-1).
    n_classes : int
    sample_weight : ndarray of shape (n_samples,), optional

    Attributes
    ----------
    columns : list of ndarray of shape (n_samples,)
        Binary only: per class, its rows' weight (1.0 without weights) and 0.0
        elsewhere, each contiguous. ``truth1``: the positive rows as 1.0.
    ids : ndarray of int, shape (n_samples,)
        Binary only: scratch for the histogram AUC's bin ids, kept between
        calls (its pages fault in once, not per edit).
    eye : ndarray of shape (n_classes * n_classes,)
        Multiclass only: the identity, flat (the compiled pass reads a row's
        one-hot truth from it).
    """

    def __init__(
        self, codes: Array, n_classes: int, sample_weight: Array | None = None
    ) -> None:
        n = len(codes)
        self.codes = np.asarray(codes, np.intp)
        self.n_classes = k = int(n_classes)
        self.w = w = sample_weight
        self.total = float(n) if w is None else float(w.sum())
        self.columns: list[Array] = []
        self.ids = np.empty(0, np.intp)
        self.eye = np.eye(k).ravel()
        if k == 2:
            self.truth1 = (self.codes == 1).astype(np.float64)
            pos = self.truth1 if w is None else self.truth1 * w
            neg = 1.0 - self.truth1 if w is None else w - pos  # exact: w - w or w - 0
            self.columns = [neg, pos]
            self.support = np.array([neg.sum(), pos.sum()])
        else:
            self.support = np.bincount(self.codes, weights=w, minlength=k).astype(float)

    def scratch_ids(self, n: int) -> Array:
        """The kept n-long int buffer for the AUC's bin ids."""
        if len(self.ids) != n:
            self.ids = np.empty(n, np.intp)
        return self.ids


def _check(targets: LiveTargets, proba: Array) -> None:
    if proba.shape != (len(targets.codes), targets.n_classes):
        raise ValueError(
            f"proba has shape {proba.shape}; expected "
            f"({len(targets.codes)}, {targets.n_classes})"
        )


def _finish(
    targets: LiveTargets, cm: Array, log_sum: float, sq_sum: float
) -> dict[str, Any]:
    """The metrics from the confusion matrix and the two sums."""
    total = targets.total
    support = cm.sum(1)
    present = support > 0
    recall = np.diag(cm)[present] / support[present]
    return {
        "accuracy": float(np.trace(cm) / total),
        "balanced_accuracy": float(recall.mean())
        if present.sum() > 1
        else float("nan"),
        "log_loss": -log_sum / total,
        "brier": sq_sum / total,
        "confusion_matrix": (cm if targets.w is not None else cm.astype(int)).tolist(),
    }


def _log_clipped(p: Array) -> Array:
    """``log(clip(p, eps, 1 - eps))`` in place (two ufuncs, not ``np.clip``)."""
    np.maximum(p, _EPS, out=p)
    np.minimum(p, 1 - _EPS, out=p)
    return np.log(p, out=p)


def _auc(
    proba: Array,
    c: int,
    lo: float,
    hi: float,
    targets: LiveTargets,
    bins: int,
    buf: Array,
) -> tuple[float, float]:
    """The histogram AUC of class ``c``'s scores (one-vs-rest) and its bound.

    The bins are equal-width in the log-odds (``_live.ProbabilityBins``); the
    ids go into the targets' kept buffer, block by block, as ``bin * K +
    true class``: one ``bincount`` (weighted by the rows' weights, or a count)
    gives each bin's weight per true class, of which class ``c``'s column is
    the positives and the other columns' sum the negatives. (Two weighted
    ``bincount`` calls, all rows' and the positives', cost three times as much
    at 1M rows.)
    """
    n, k = len(proba), targets.n_classes
    edges = ProbabilityBins(lo, hi, bins)
    ids = targets.scratch_ids(n)
    for a in range(0, n, BLOCK):
        m = min(a + BLOCK, n) - a
        blk = ids[a : a + m]
        edges.ids(proba[a : a + m, c], blk, buf[:m])
        blk *= k
        blk += targets.codes[a : a + m]
    return _auc_of_ids(ids, c, edges, targets)


#: Row parts of an unweighted class's histogram (counts: exact in any order),
#: so that K classes make K * parts tasks that even two threads share evenly.
HIST_PARTS = 2
#: Fewer rows than this: an unweighted bin's count fits the low 32 bits of
#: the packed histogram (``_jit._class_histogram``); beyond, weights of 1.
_PACKED_ROWS = 1 << 31


def _aucs_of_classes(
    P: Array, edges: list[ProbabilityBins], targets: LiveTargets
) -> list[tuple[float, float]]:
    """As :func:`_auc` per class, from the class-major (K, n) probabilities.

    Each class's histogram is a compiled loop over its probabilities
    (``_jit.class_histogram``, the bin of each row's ``odds_key``):
    unweighted, packed counts of :data:`HIST_PARTS` row ranges added
    (exact: :func:`_auc`'s counts); weighted, one loop in row order. The
    loops run on the live path's threads.
    """
    from . import _jit

    k, n = P.shape
    w = targets.w
    if w is None and n >= _PACKED_ROWS:
        w = np.ones(n)
    parts = 1 if w is not None else HIST_PARTS
    cuts = [n * i // parts for i in range(parts + 1)]

    def one(task: int) -> Array:
        c, part = divmod(task, parts)
        size = edges[c].n_bins
        hist = np.zeros(size, np.int64) if w is None else np.zeros(2 * size)
        _jit.class_histogram(
            P[c], targets.codes, w, c, edges[c], cuts[part], cuts[part + 1], hist
        )
        return hist

    hists = map_items(k * parts, n // parts, one)
    out = []
    for c in range(k):
        hist = hists[c * parts]
        for more in hists[c * parts + 1 : (c + 1) * parts]:
            hist += more
        if w is None:
            pos = hist >> 32
            neg = (hist & 0xFFFFFFFF) - pos
        else:
            neg, pos = hist[0::2], hist[1::2]
        out.append(auc_from_histogram(pos, neg, edges[c].exact))
    return out


def _auc_of_ids(
    ids: Array, c: int, edges: ProbabilityBins, targets: LiveTargets
) -> tuple[float, float]:
    """The AUC of class ``c`` and its bound from each row's ``bin * K + class``."""
    hist = np.bincount(
        ids, weights=targets.w, minlength=edges.n_bins * targets.n_classes
    )
    return _auc_of_hist(hist, c, edges)


def _auc_of_hist(hist: Array, c: int, edges: ProbabilityBins) -> tuple[float, float]:
    """The AUC of class ``c`` and its bound from the ``bin * K + class`` counts."""
    k = len(hist) // edges.n_bins
    hist = hist.reshape(edges.n_bins, k)
    pos = hist[:, c]
    neg = hist[:, [j for j in range(k) if j != c]].sum(1)
    return auc_from_histogram(pos, neg, edges.exact)


def binary_live_metrics(
    positive: Array,
    proba: Array,
    sample_weight: Array | None = None,
    *,
    auc: bool = True,
    bins: int = AUC_BINS,
    targets: LiveTargets | None = None,
) -> dict[str, Any]:
    """Every live metric of a binary classifier in one blocked pass.

    Parameters
    ----------
    positive : ndarray of bool, shape (n_samples,)
        Whether each row's true class is the second (``classes_[1]``).
    proba : ndarray of shape (n_samples, 2)
        Class probabilities.
    sample_weight : ndarray of shape (n_samples,), optional
    auc : bool, default=True
        Also histogram the positive-class scores: adds ``roc_auc`` and
        ``roc_auc_bound`` (its error bound, see ``auc_from_histogram``).
    bins : int
    targets : LiveTargets, optional
        ``LiveTargets(positive, 2, sample_weight)``, when the caller keeps one.

    Returns
    -------
    dict
        accuracy, balanced_accuracy, log_loss, brier, confusion_matrix (rows =
        true class; ints without weights) and, with ``auc``, roc_auc and
        roc_auc_bound. Hard labels are ``p1 > p0`` (ties to the first class,
        as ``argmax``); log loss clips probabilities to ``[1e-15, 1 - 1e-15]``.

    Notes
    -----
    A row's log loss is ``log`` of its true class's clipped probability (the
    one non-zero term of scikit-learn's sum over classes), read as ``p0 +
    t * (p1 - p0)``, ``t`` its truth (0 or 1): exactly ``p0`` or ``p1``. So one
    ``log`` per row, not two. The scores' range for the AUC's bins is taken in
    the same pass; the bins in a second one, into a kept buffer.
    """
    w = sample_weight
    if targets is None:
        targets = LiveTargets(np.asarray(positive, np.intp), 2, w)
    _check(targets, proba)
    n = len(proba)
    size = min(n, BLOCK)
    c0, c1, hard, tmp = (np.empty(size) for _ in range(4))
    pos_w = targets.columns[1]  # the positives' weights
    truth1 = targets.truth1
    tp = n_hard = log_sum = sq_sum = 0.0
    lo, hi = np.inf, -np.inf
    for a in range(0, n, BLOCK):
        m = min(a + BLOCK, n) - a
        b = slice(a, a + m)
        P0, P1, H, T = c0[:m], c1[:m], hard[:m], tmp[:m]
        np.copyto(P0, proba[b, 0])  # strided -> contiguous, once per block
        np.copyto(P1, proba[b, 1])
        np.greater(P1, P0, out=H)  # 1.0 where the hard label is class 1
        tp += float(H @ pos_w[b])
        n_hard += float(H.sum()) if w is None else float(H @ w[b])
        if auc:
            lo, hi = min(lo, float(P1.min())), max(hi, float(P1.max()))
        np.subtract(P1, truth1[b], out=T)
        sq_sum += float(T @ T) if w is None else float((T * T) @ w[b])
        # the true class's probability: p0 + t * (p1 - p0), exactly p0 or p1
        np.subtract(P1, P0, out=T)
        T *= truth1[b]
        T += P0
        _log_clipped(T)
        log_sum += float(T.sum()) if w is None else float(T @ w[b])
    n_pos = float(targets.support[1])
    fp, fn = n_hard - tp, n_pos - tp
    tn = targets.total - n_pos - fp
    # cells by difference: a weighted empty cell may round to -1e-16, not 0
    cm = np.array([[max(tn, 0.0), max(fp, 0.0)], [max(fn, 0.0), tp]])
    out: dict[str, Any] = {}
    if auc:
        auc_bound = _auc(proba, 1, lo, hi, targets, bins, tmp)
        out["roc_auc"], out["roc_auc_bound"] = auc_bound
    return out | _finish(targets, cm, log_sum, sq_sum)


#: Rows per block of the multiclass pass (one compiled call and one numpy
#: ``log`` a block, on the live path's threads). 65536 was the best of the
#: numpy pass this replaced (1M x 3, 2026-12-03, 2-core AMD EPYC, 512 KB L2
#: per core: 8192 rows 57.6 ms, 32768 42.5, 65536 41.1, 131072 36.5, within
#: the machine's noise); the compiled pass was not tuned again.
CLASS_BLOCK = 1 << 16


def multiclass_live_metrics(
    targets: LiveTargets, proba: Array, *, auc: bool = True, bins: int = AUC_BINS
) -> dict[str, Any]:
    """Every live metric of a multiclass classifier in one blocked pass.

    Parameters
    ----------
    targets : LiveTargets
    proba : ndarray of shape (n_samples, n_classes)
    auc : bool, default=True
        Also histogram each class's scores for the one-vs-rest macro AUC:
        adds ``roc_auc`` and ``roc_auc_bound`` (the largest of the classes'
        bounds; NaN AUC when a class has no row or all rows).
    bins : int

    Returns
    -------
    dict
        ``accuracy``, ``balanced_accuracy``, ``log_loss``, ``brier`` and
        ``confusion_matrix`` (hard labels by ``argmax``, ties to the first
        class; Brier the mean squared distance to the one-hot truth), plus the
        AUC keys with ``auc``.

    Notes
    -----
    One compiled pass per block of rows (``_jit.block_stats``) reads each
    row's K probabilities once: hard label, confusion counts, Brier, the
    true class's clipped probability (its log loss: the one non-zero term of
    scikit-learn's sum over classes; unweighted, one ``log`` per 16 rows'
    product) and each class's smallest and largest probability. Those give
    each class's bins (``ProbabilityBins``: the ones :func:`_auc` takes); a
    second loop per class bins its probabilities (``_jit.class_histogram``):
    unweighted, the same counts as :func:`_auc`'s, so the same AUC and bound
    to the bit.
    """
    _check(targets, proba)
    from . import _jit  # compiled on first use: numba loads only where needed

    n, k = proba.shape
    # the session's probabilities are class-major (each class's column
    # contiguous) and read in place; any other layout is copied once
    P = proba.T if class_major(proba) else np.ascontiguousarray(proba.T)
    w = targets.w
    size = min(n, CLASS_BLOCK)

    def scratch() -> Array:
        return np.empty(size if w is not None else 0)

    def step(a: int, b: int, true_p: Array) -> tuple[float, float, Array, Array, Array]:
        cm, lo, hi = np.zeros(k * k), np.empty(k), np.empty(k)
        sq, log_part = _jit.block_stats(
            P, targets.codes, w, a, b, targets.eye, true_p, cm, lo, hi
        )
        if w is not None:
            Y = true_p[: b - a]
            np.log(Y, out=Y)
            log_part = float(Y @ w[a:b])
        return log_part, sq, cm, lo, hi

    # each block's sums added in block order: the same bits for any threads
    log_sum = sq_sum = 0.0
    cm = np.zeros(k * k)
    p_lo, p_hi = np.full(k, np.inf), np.full(k, -np.inf)
    for log_part, sq_part, counts, lo, hi in map_blocks(n, CLASS_BLOCK, step, scratch):
        log_sum += log_part
        sq_sum += sq_part
        cm += counts
        np.minimum(p_lo, lo, out=p_lo)
        np.maximum(p_hi, hi, out=p_hi)
    if w is None:
        cm = cm.astype(np.int64)
    out: dict[str, Any] = {}
    if auc and n == 0:
        out["roc_auc"], out["roc_auc_bound"] = float("nan"), 0.0
    elif auc:
        edges = [
            ProbabilityBins(float(p_lo[c]), float(p_hi[c]), bins) for c in range(k)
        ]
        values, bounds = zip(*_aucs_of_classes(P, edges, targets))
        out["roc_auc"] = float(np.mean(values))
        out["roc_auc_bound"] = float(max(bounds))
    return out | _finish(targets, cm.reshape(k, k), log_sum, sq_sum)
