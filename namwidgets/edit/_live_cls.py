"""The classifiers' live metrics: one pass over cache-sized blocks, then the AUC.

At 1M rows the time of a metric goes to memory traffic, to transcendental
functions (this numpy's float64 ``log`` and ``exp`` run ~7 ns per element
without AVX-512) and to how numpy runs a ufunc, not to arithmetic: an axis-1
reduction or ``argmax`` over (n, K) runs an inner loop of K elements per row,
``np.clip`` is several ufuncs, and mixed float/bool arithmetic goes through a
casting loop. So the truth enters as float arrays computed once per session
(:class:`LiveTargets`), every sum is a dot product or a block sum, a row's log
loss is one ``log`` of its true class's probability (not one per class), hard
labels come from K - 1 element-wise comparisons, and the per-row terms are the
same as scikit-learn's, summed in another order (the tests check 1e-12). AUC
is read from a histogram of the scores in bins of equal log-odds width, with
its stated error bound (``_live.auc_from_histogram``, ``ProbabilityBins``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

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
    truth : ndarray of shape (n_classes, n_samples)
        Multiclass only (None for two classes): class-major one-hot truth as
        float64, each class's row contiguous.
    flat_true : ndarray of int, shape (n_samples,)
        Multiclass only: each row's index of its true class's probability in a
        C-contiguous (n_samples, n_classes) array (``row * K + code``).
    flat_true_cm : ndarray of int, shape (n_samples,)
        The same in a class-major one (each class's column contiguous, the
        session's layout): ``code * n + row``.
    cm_offset : ndarray of int, shape (n_samples,)
        ``code * K``: a row's confusion-matrix cell is this plus its hard label.
    columns : list of ndarray of shape (n_samples,)
        Binary only: per class, its rows' weight (1.0 without weights) and 0.0
        elsewhere, each contiguous. ``truth1``: the positive rows as 1.0.
    ids : ndarray of int, shape (n_samples,)
        Binary only: scratch for the histogram AUC's bin ids, kept between
        calls (its pages fault in once, not per edit).
    keys : ndarray of int, shape (n_classes, n_samples)
        Multiclass only: the same for every class's keys, then bin ids, of
        one pass (8 MB per class per 1M rows).
    """

    def __init__(
        self, codes: Array, n_classes: int, sample_weight: Array | None = None
    ) -> None:
        n = len(codes)
        self.codes = np.asarray(codes, np.intp)
        self.n_classes = k = int(n_classes)
        self.w = w = sample_weight
        self.total = float(n) if w is None else float(w.sum())
        self.truth: Array | None = None
        self.columns: list[Array] = []
        self.cm_offset = self.codes * k
        self.ids = np.empty(0, np.intp)
        self.keys = np.empty((0, 0), np.intp)
        if k == 2:
            self.truth1 = (self.codes == 1).astype(np.float64)
            pos = self.truth1 if w is None else self.truth1 * w
            neg = 1.0 - self.truth1 if w is None else w - pos  # exact: w - w or w - 0
            self.columns = [neg, pos]
            self.support = np.array([neg.sum(), pos.sum()])
        else:
            self.truth = np.zeros((k, n))
            self.truth[self.codes, np.arange(n)] = 1.0
            rows = np.arange(n, dtype=np.intp)
            self.flat_true = rows * k + self.codes
            self.flat_true_cm = self.codes * n + rows
            weighted = self.truth if w is None else self.truth * w
            self.support = weighted.sum(1)

    def scratch_ids(self, n: int) -> Array:
        """The kept n-long int buffer for the AUC's bin ids."""
        if len(self.ids) != n:
            self.ids = np.empty(n, np.intp)
        return self.ids

    def scratch_keys(self, n: int) -> Array:
        """The kept (n_classes, n) int buffer for the multiclass AUC's keys."""
        if self.keys.shape != (self.n_classes, n):
            self.keys = np.empty((self.n_classes, n), np.intp)
        return self.keys


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


def _aucs_of_keys(
    keys: Array, edges: list[ProbabilityBins], targets: LiveTargets
) -> list[tuple[float, float]]:
    """As :func:`_auc` per class, from each row's ``odds_key`` per class.

    ``keys`` (K, n) is overwritten with the ids, a block of rows at a time for
    every class (the block's true classes read once for all of them).
    """
    k = targets.n_classes
    for a in range(0, keys.shape[1], BLOCK):
        codes = targets.codes[a : a + BLOCK]
        for c in range(k):
            blk = keys[c, a : a + BLOCK]
            edges[c].ids_of_keys(blk)
            blk *= k
            blk += codes
    return [_auc_of_ids(keys[c], c, edges[c], targets) for c in range(k)]


def _auc_of_ids(
    ids: Array, c: int, edges: ProbabilityBins, targets: LiveTargets
) -> tuple[float, float]:
    """The AUC of class ``c`` and its bound from each row's ``bin * K + class``."""
    k = targets.n_classes
    hist = np.bincount(ids, weights=targets.w, minlength=edges.n_bins * k)
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


def _hard_labels(P: Array, best: Array, gt: Array, label: Array) -> Array:
    """``argmax`` of each row of the (m, K) block ``P`` (ties to the first), ints.

    K - 1 element-wise passes over the class columns instead of an axis-1
    argmax, whose inner loop is K elements long. The label is the last class
    whose column beats the best of the ones before it, i.e. the largest such
    class: kept as the running maximum of ``c * beats`` in bytes (a masked
    ``copyto`` of the class, data-dependent branches, measured 2 ms per 1M
    rows per class on 2026-12-03, against 0.15 ms for the two byte ufuncs).
    """
    k = P.shape[1]
    if k > 255:
        np.copyto(best, P[:, 0])
        label[:] = 0
        for c in range(1, k):
            np.greater(P[:, c], best, out=gt)
            np.maximum(best, P[:, c], out=best)
            np.copyto(label, c, where=gt)
        return label
    beats, top = gt.view(np.uint8), np.zeros(len(gt), np.uint8)
    np.copyto(best, P[:, 0])
    for c in range(1, k):
        np.greater(P[:, c], best, out=gt)
        np.maximum(best, P[:, c], out=best)
        beats *= c
        np.maximum(top, beats, out=top)
    np.copyto(label, top)
    return label


#: Rows per block of the multiclass pass: the block's K class columns, copied
#: class-major, and its per-row buffers stay in L2 (1M x 3 classes, 2026-12-03,
#: metrics + AUC, median of 15, two runs: 8192 rows 25-26 ms, 16384 rows 23-29,
#: 65536 rows 28-30).
CLASS_BLOCK = 1 << 13


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
    Each block's class columns are copied once into contiguous class-major
    buffers (every later step on them is a contiguous ufunc, not one reading
    a strided column); a row's log loss is ``log`` of its true class's
    clipped probability, gathered by index (the one non-zero term of
    scikit-learn's sum over classes): one ``log`` per row, not K. The same
    pass writes every class's :func:`~._live.odds_key` of every row into the
    targets' kept (K, n) buffer and takes each class's smallest and largest
    key: the key rises with the probability, so these are the keys of the
    class's score range, and its bins (``ProbabilityBins.from_keys``) are the
    ones its range gives. A second pass turns the keys into bin ids in place,
    one ``bincount`` per class (as :func:`_auc`): the same histogram, so
    the same AUC and bound to the bit, without reading the probabilities again.
    """
    _check(targets, proba)
    n, k = proba.shape
    # the session's probabilities are class-major (each class's column
    # contiguous): read in place; any other layout is copied block by block
    major = class_major(proba)
    if not major:
        proba = np.ascontiguousarray(proba)
    w = targets.w
    assert targets.truth is not None
    size = min(n, CLASS_BLOCK)
    cols = np.empty((k, size))
    true_p, sq, tmp, best = (np.empty(size) for _ in range(4))
    gt = np.empty(size, bool)
    label = np.empty(size, np.intp)
    cm = np.zeros(k * k)
    keys = targets.scratch_keys(n) if auc else None
    key_lo = [np.iinfo(np.int64).max] * k
    key_hi = [np.iinfo(np.int64).min] * k
    log_sum = sq_sum = 0.0
    if major:
        by_class = proba.T
        flat, where = by_class.reshape(-1), targets.flat_true_cm
    else:
        flat, where = proba.reshape(-1), targets.flat_true
    for a in range(0, n, CLASS_BLOCK):
        m = min(a + CLASS_BLOCK, n) - a
        b = slice(a, a + m)
        if major:
            Q = by_class[:, b]
        else:
            Q = cols[:, :m]
            np.copyto(Q, proba[b].T)  # class-major: each class's column contiguous
        Y, S, T = true_p[:m], sq[:m], tmp[:m]
        np.take(flat, where[b], out=Y)
        if w is None:
            # sum_c (p_c - t_c)^2 = sum_c p_c^2 - 2 p_true + 1 (one-hot t):
            # K dot products over the block instead of 3K passes
            sq_sum += sum(float(q @ q) for q in Q) - 2.0 * float(Y.sum()) + m
        else:
            for c in range(k):
                np.subtract(Q[c], targets.truth[c, b], out=T)
                if c == 0:
                    np.multiply(T, T, out=S)
                else:
                    T *= T
                    S += T
            sq_sum += float(S @ w[b])
        _log_clipped(Y)
        log_sum += float(Y.sum()) if w is None else float(Y @ w[b])
        H = _hard_labels(Q.T, best[:m], gt[:m], label[:m])
        H += targets.cm_offset[b]
        cm += np.bincount(H, weights=None if w is None else w[b], minlength=k * k)
        if keys is not None:
            for c in range(k):
                row = keys[c, b]
                np.subtract(1.0, Q[c], out=T)
                np.subtract(Q[c].view(np.int64), T.view(np.int64), out=row)
                key_lo[c] = min(key_lo[c], int(row.min()))
                key_hi[c] = max(key_hi[c], int(row.max()))
    out: dict[str, Any] = {}
    if keys is not None:
        edges = [
            ProbabilityBins.from_keys(key_lo[c], key_hi[c], bins) for c in range(k)
        ]
        values, bounds = zip(*_aucs_of_keys(keys, edges, targets))
        out["roc_auc"] = float(np.mean(values))
        out["roc_auc_bound"] = float(max(bounds))
    return out | _finish(targets, cm.reshape(k, k), log_sum, sq_sum)
