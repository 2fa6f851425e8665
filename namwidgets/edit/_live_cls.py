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
    cm_offset : ndarray of int, shape (n_samples,)
        ``code * K``: a row's confusion-matrix cell is this plus its hard label.
    columns : list of ndarray of shape (n_samples,)
        Binary only: per class, its rows' weight (1.0 without weights) and 0.0
        elsewhere, each contiguous. ``truth1``: the positive rows as 1.0.
    ids : ndarray of int, shape (n_samples,)
        Scratch for the histogram AUC's bin ids of one class at a time, kept
        between calls (its pages fault in once, not per edit).
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
        if k == 2:
            self.truth1 = (self.codes == 1).astype(np.float64)
            pos = self.truth1 if w is None else self.truth1 * w
            neg = 1.0 - self.truth1 if w is None else w - pos  # exact: w - w or w - 0
            self.columns = [neg, pos]
            self.support = np.array([neg.sum(), pos.sum()])
        else:
            self.truth = np.zeros((k, n))
            self.truth[self.codes, np.arange(n)] = 1.0
            self.flat_true = np.arange(n, dtype=np.intp) * k + self.codes
            weighted = self.truth if w is None else self.truth * w
            self.support = weighted.sum(1)

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
    argmax, whose inner loop is K elements long.
    """
    np.copyto(best, P[:, 0])
    label[:] = 0
    for c in range(1, P.shape[1]):
        np.greater(P[:, c], best, out=gt)
        np.maximum(best, P[:, c], out=best)
        np.copyto(label, c, where=gt)
    return label


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
    Each block's class columns are read where they lie (strided) by
    element-wise ufuncs; a row's log loss is ``log`` of its true class's
    clipped probability, gathered by index (the one non-zero term of
    scikit-learn's sum over classes): one ``log`` per row, not K. The classes'
    score ranges are taken in the same pass, their bins in a second one.
    """
    _check(targets, proba)
    proba = np.ascontiguousarray(proba)
    n, k = proba.shape
    w = targets.w
    assert targets.truth is not None
    size = min(n, BLOCK)
    true_p, sq, tmp, best = (np.empty(size) for _ in range(4))
    gt = np.empty(size, bool)
    label = np.empty(size, np.intp)
    cm = np.zeros(k * k)
    lo, hi = np.full(k, np.inf), np.full(k, -np.inf)
    log_sum = sq_sum = 0.0
    flat = proba.reshape(-1)
    for a in range(0, n, BLOCK):
        m = min(a + BLOCK, n) - a
        b = slice(a, a + m)
        P = proba[b]
        Y, S, T = true_p[:m], sq[:m], tmp[:m]
        np.take(flat, targets.flat_true[b], out=Y)
        if w is None:
            # sum_c (p_c - t_c)^2 = sum_c p_c^2 - 2 p_true + 1 (one-hot t):
            # one dot product over the block instead of 3K passes
            pf = P.reshape(-1)
            sq_sum += float(pf @ pf) - 2.0 * float(Y.sum()) + m
        _log_clipped(Y)
        log_sum += float(Y.sum()) if w is None else float(Y @ w[b])
        for c in range(k):
            if w is not None:
                np.subtract(P[:, c], targets.truth[c, b], out=T)
                if c == 0:
                    np.multiply(T, T, out=S)
                else:
                    T *= T
                    S += T
            if auc:
                lo[c] = min(lo[c], float(P[:, c].min()))
                hi[c] = max(hi[c], float(P[:, c].max()))
        if w is not None:
            sq_sum += float(S @ w[b])
        H = _hard_labels(P, best[:m], gt[:m], label[:m])
        H += targets.cm_offset[b]
        cm += np.bincount(H, weights=None if w is None else w[b], minlength=k * k)
    out: dict[str, Any] = {}
    if auc:
        values, bounds = [], []
        for c in range(k):
            value, bound = _auc(
                proba, c, float(lo[c]), float(hi[c]), targets, bins, tmp
            )
            values.append(value)
            bounds.append(bound)
        out["roc_auc"] = float(np.mean(values))
        out["roc_auc_bound"] = float(max(bounds))
    return out | _finish(targets, cm.reshape(k, k), log_sum, sq_sum)
