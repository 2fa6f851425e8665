"""The classifiers' live metrics: one pass over contiguous, cache-sized blocks.

At 1M rows the time of a metric goes to memory traffic and to how numpy runs a
ufunc, not to arithmetic: a ufunc over a strided column of the (n, K)
probabilities runs without SIMD (a log ~10x slower than on a contiguous
array), a masked ``copyto(..., where=)`` costs ~20x a plain copy, and mixed
float/bool arithmetic goes through a casting loop. So each block's class
columns are copied once into contiguous buffers, the truth enters as float
arrays computed once per session (:class:`LiveTargets`), and every sum is a
dot product: the per-row terms are the same as scikit-learn's, summed in
another order (the tests check 1e-12). AUC is read from a histogram of the
scores with its stated error bound (``_live.auc_from_histogram``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._live import AUC_BINS, BLOCK, auc_from_histogram, score_range

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
    truth : ndarray of shape (n_samples, n_classes)
        One-hot truth as float64, C-contiguous (a block of it is one flat run);
        multiclass only (None for two classes).
    weighted : ndarray of shape (n_samples, n_classes)
        ``truth`` times each row's weight (``truth`` itself without weights);
        multiclass only.
    columns : list of ndarray of shape (n_samples,)
        Binary only: per class, its rows' weight (1.0 without weights) and 0.0
        elsewhere, each contiguous. ``truth1``: the positive rows as 1.0.
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
        self.weighted: Array | None = None
        self.columns: list[Array] = []
        if k == 2:
            self.truth1 = (self.codes == 1).astype(np.float64)
            pos = self.truth1 if w is None else self.truth1 * w
            neg = 1.0 - self.truth1 if w is None else w - pos  # exact: w - w or w - 0
            self.columns = [neg, pos]
            self.support = np.array([neg.sum(), pos.sum()])
        else:
            self.truth = np.zeros((n, k))
            self.truth[np.arange(n), self.codes] = 1.0
            self.weighted = self.truth if w is None else self.truth * w[:, None]
            self.support = self.weighted.sum(0)


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
    """
    w = sample_weight
    if targets is None:
        targets = LiveTargets(np.asarray(positive, np.intp), 2, w)
    _check(targets, proba)
    n = len(proba)
    size = min(n, BLOCK)
    c0, c1, hard, l0, l1 = (np.empty(size) for _ in range(5))
    ids = np.empty(size, np.intp)
    hist = np.zeros(2 * bins if auc else 0)
    lo, factor = score_range(proba[:, 1], bins) if auc and n else (0.0, 0.0)
    neg_w, pos_w = targets.columns
    truth1 = targets.truth1
    tp = n_hard = log_sum = sq_sum = 0.0
    for a in range(0, n, BLOCK):
        m = min(a + BLOCK, n) - a
        b = slice(a, a + m)
        P0, P1, H, L0, L1 = c0[:m], c1[:m], hard[:m], l0[:m], l1[:m]
        np.copyto(P0, proba[b, 0])  # strided -> contiguous, once per block
        np.copyto(P1, proba[b, 1])
        np.greater(P1, P0, out=H)  # 1.0 where the hard label is class 1
        wp, wn = pos_w[b], neg_w[b]
        tp += float(H @ wp)
        n_hard += float(H.sum()) if w is None else float(H @ w[b])
        np.clip(P0, _EPS, 1 - _EPS, out=L0)
        np.log(L0, out=L0)
        np.clip(P1, _EPS, 1 - _EPS, out=L1)
        np.log(L1, out=L1)
        log_sum += float(L1 @ wp) + float(L0 @ wn)
        S = L0  # its log is summed: reuse the buffer
        np.subtract(P1, truth1[b], out=S)
        sq_sum += float(S @ S) if w is None else float((S * S) @ w[b])
        if auc:  # id = 2 * bin + positive: one unweighted histogram, both classes
            np.subtract(P1, lo, out=P1)
            P1 *= factor
            np.floor(P1, out=P1)
            P1 *= 2.0
            P1 += truth1[b]
            J = ids[:m]
            np.copyto(J, P1, casting="unsafe")  # whole numbers >= 0: exact
            wb = None if w is None else w[b]
            hist += np.bincount(J, weights=wb, minlength=2 * bins)
    n_pos = float(targets.support[1])
    fp, fn = n_hard - tp, n_pos - tp
    tn = targets.total - n_pos - fp
    # cells by difference: a weighted empty cell may round to -1e-16, not 0
    cm = np.array([[max(tn, 0.0), max(fp, 0.0)], [max(fn, 0.0), tp]])
    out: dict[str, Any] = {}
    if auc:
        hist_q, hist_p = hist[0::2], hist[1::2]
        out["roc_auc"], out["roc_auc_bound"] = auc_from_histogram(hist_p, hist_q)
    return out | _finish(targets, cm, log_sum, sq_sum)


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
    """
    _check(targets, proba)
    n, k = proba.shape
    w = targets.w
    assert targets.truth is not None and targets.weighted is not None
    size = min(n, BLOCK)
    flat_l, flat_s = np.empty(size * k), np.empty(size * k)
    hard = np.empty(size, np.intp)
    ids = np.empty((k, n if auc else 0), np.intp)
    ranges = [score_range(proba[:, c], bins) for c in range(k)] if auc and n else []
    cm = np.zeros(k * k)
    log_sum = sq_sum = 0.0
    t_flat, wt_flat = targets.truth.reshape(-1), targets.weighted.reshape(-1)
    for a in range(0, n, BLOCK):
        m = min(a + BLOCK, n) - a
        b, f = slice(a, a + m), slice(a * k, (a + m) * k)
        block = np.ascontiguousarray(proba[b])
        flat = block.reshape(-1)
        L, S, H = flat_l[: m * k], flat_s[: m * k], hard[:m]
        np.clip(flat, _EPS, 1 - _EPS, out=L)
        np.log(L, out=L)
        log_sum += float(L @ wt_flat[f])
        np.subtract(flat, t_flat[f], out=S)
        S *= S
        if w is None:
            sq_sum += float(S.sum())
        else:
            sq_sum += float(S.reshape(m, k).sum(1) @ w[b])
        np.argmax(block, axis=1, out=H)
        H += targets.codes[b] * k
        cm += np.bincount(H, weights=None if w is None else w[b], minlength=k * k)
        if auc:
            for c, (lo, factor) in enumerate(ranges):
                X = L[:m]  # the log is summed: reuse the buffer
                np.subtract(block[:, c], lo, out=X)
                X *= factor
                np.copyto(ids[c, b], X, casting="unsafe")
    out: dict[str, Any] = {}
    if auc:
        values, bounds = [], []
        for c in range(k):
            p = np.bincount(ids[c], weights=targets.weighted[:, c], minlength=bins)
            both = np.bincount(ids[c], weights=w, minlength=bins)
            value, bound = auc_from_histogram(p, both - p)
            values.append(value)
            bounds.append(bound)
        out["roc_auc"] = float(np.mean(values))
        out["roc_auc_bound"] = float(max(bounds))
    return out | _finish(targets, cm.reshape(k, k), log_sum, sq_sum)
