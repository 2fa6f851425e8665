"""Metrics, who-moved summaries and per-slice metrics: scikit-learn's functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import sklearn
from sklearn import metrics as skm

from ..exceptions import InputError
from ._live import BLOCK, binary_or_regression_affected


def compute_metrics(
    task: str,
    y: np.ndarray,
    pred: np.ndarray,
    classes: np.ndarray | None,
    sample_weight: np.ndarray | None = None,
    *,
    auc: bool = True,
) -> dict[str, Any]:
    """Metrics of predictions (values, or class probabilities of shape (n, K)).

    Regression: rmse, mae, r2. Classification: roc_auc (when ``auc``; one-vs-rest
    for multiclass), accuracy, balanced_accuracy, log_loss, brier, and
    confusion_matrix (a nested list, rows = true class).
    """
    # predictions are finite by construction and y was checked when the session
    # opened: skip scikit-learn's repeated finiteness scans (a third of the cost)
    with sklearn.config_context(assume_finite=True):
        return _metrics(task, y, pred, classes, sample_weight, auc=auc)


def roc_auc(
    codes: np.ndarray, proba: np.ndarray, sample_weight: np.ndarray | None = None
) -> float:
    """ROC AUC (one-vs-rest for multiclass), scikit-learn's; NaN for one class.

    Parameters
    ----------
    codes : ndarray of shape (n_samples,)
        True class indices (0..n_classes-1).
    proba : ndarray of shape (n_samples, n_classes)
    sample_weight : ndarray of shape (n_samples,), optional
    """
    try:
        with sklearn.config_context(assume_finite=True):
            if proba.shape[1] == 2:
                return float(
                    skm.roc_auc_score(codes, proba[:, 1], sample_weight=sample_weight)
                )
            return float(
                skm.roc_auc_score(
                    codes,
                    proba,
                    multi_class="ovr",
                    labels=np.arange(proba.shape[1]),
                    sample_weight=sample_weight,
                )
            )
    except ValueError:  # one class only in this slice
        return float("nan")


#: The histogram AUC is used only where its error bound is below this.
HISTOGRAM_AUC_TOLERANCE = 1e-4


def _hard_labels(proba: np.ndarray) -> np.ndarray:
    """``proba.argmax(1)`` (ties to the first class), by a comparison for 2 classes."""
    if proba.shape[1] == 2:
        return (proba[:, 1] > proba[:, 0]).astype(np.int64)
    return proba.argmax(1)


def _metrics(
    task: str,
    y: np.ndarray,
    pred: np.ndarray,
    classes: np.ndarray | None,
    sample_weight: np.ndarray | None,
    *,
    auc: bool,
) -> dict[str, Any]:
    w = sample_weight
    if task == "regression":
        return {
            "rmse": float(skm.root_mean_squared_error(y, pred, sample_weight=w)),
            "mae": float(skm.mean_absolute_error(y, pred, sample_weight=w)),
            "r2": float(skm.r2_score(y, pred, sample_weight=w)),
        }
    assert classes is not None
    codes = np.searchsorted(classes, y)
    labels = np.arange(len(classes))
    hard = pred.argmax(1)
    out: dict[str, Any] = {}
    if auc:
        out["roc_auc"] = roc_auc(codes, pred, w)
    out["accuracy"] = float(skm.accuracy_score(codes, hard, sample_weight=w))
    out["balanced_accuracy"] = (
        float(skm.balanced_accuracy_score(codes, hard, sample_weight=w))
        if len(np.unique(codes)) > 1
        else float("nan")
    )
    clipped = np.clip(pred, 1e-15, 1 - 1e-15)
    out["log_loss"] = float(
        skm.log_loss(codes, clipped, labels=labels, sample_weight=w)
    )
    if task == "binary":
        out["brier"] = float(skm.brier_score_loss(codes, pred[:, 1], sample_weight=w))
    else:
        onehot = np.eye(len(classes))[codes]
        out["brier"] = float(np.average(((pred - onehot) ** 2).sum(1), weights=w))
    out["confusion_matrix"] = skm.confusion_matrix(
        codes, hard, labels=labels, sample_weight=w
    ).tolist()
    return out


def affected(
    before: np.ndarray,
    after: np.ndarray,
    task: str,
    *,
    bins: int = 30,
    tol: float = 1e-9,
) -> dict[str, Any]:
    """Which rows' predictions moved, how far, and how many classifications flipped.

    For classifiers the shift is in the predicted probability of the positive
    class (binary) or of the class predicted before (multiclass).

    Returns
    -------
    dict
        n_rows, n_changed, fraction_changed, mean_shift, mean_abs_shift,
        max_abs_shift, hist_edges, hist_counts (of the shifts of changed rows),
        and for classifiers n_flipped and flipped (row indices, at most 1000).
    """
    if task != "multiclass" and len(before) > BLOCK:
        return binary_or_regression_affected(
            before, after, task == "binary", bins=bins, tol=tol
        )
    if task == "regression":
        delta = after - before
    elif task == "binary":
        delta = after[:, 1] - before[:, 1]
    else:
        idx = before.argmax(1)
        rows = np.arange(len(idx))
        delta = after[rows, idx] - before[rows, idx]
    moved = np.abs(delta) > tol
    n = len(delta)
    n_changed = int(moved.sum())
    if n_changed:
        lo, hi = float(delta[moved].min()), float(delta[moved].max())
        if hi - lo <= 1e-9 * max(abs(lo), abs(hi), 1.0):  # every row moved alike
            pad = max(0.05 * abs(lo), 1e-6)
            lo, hi = lo - pad, hi + pad
        counts, edges = np.histogram(delta[moved], bins=bins, range=(lo, hi))
    else:
        counts, edges = np.zeros(bins, int), np.linspace(-1, 1, bins + 1)
    out: dict[str, Any] = {
        "n_rows": n,
        "n_changed": n_changed,
        "fraction_changed": n_changed / n if n else 0.0,
        "mean_shift": float(delta.mean()) if n else 0.0,
        "mean_abs_shift": float(np.abs(delta).mean()) if n else 0.0,
        "max_abs_shift": float(np.abs(delta).max()) if n else 0.0,
        "hist_edges": edges.tolist(),
        "hist_counts": counts.astype(int).tolist(),
    }
    if task != "regression":
        flipped = np.flatnonzero(_hard_labels(before) != _hard_labels(after))
        out["n_flipped"] = int(len(flipped))
        out["flipped"] = flipped[:1000].tolist()
    return out


def slices(
    x: np.ndarray, kind: str, bins: int | Sequence[float] = 4
) -> list[tuple[str, np.ndarray]]:
    """Row masks per slice: each category, or numeric ranges (quantiles or edges)."""
    if kind == "categorical":
        return [(str(level), x == level) for level in pd.unique(x)]
    finite = x[~np.isnan(x)]
    if isinstance(bins, int | np.integer):
        edges = np.unique(np.quantile(finite, np.linspace(0, 1, int(bins) + 1)))
    else:
        edges = np.asarray(bins, float)
        if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
            raise InputError(f"bins must be an int or increasing edges, got {bins!r}.")
    out = []
    for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:])):
        last = i == len(edges) - 2
        mask = (x >= lo) & ((x <= hi) if last else (x < hi))
        out.append((f"[{lo:.4g}, {hi:.4g}{']' if last else ')'}", mask))
    if np.isnan(x).any():
        out.append(("missing", np.isnan(x)))
    return out


def slice_metrics(
    x: np.ndarray,
    kind: str,
    y: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    task: str,
    classes: np.ndarray | None,
    *,
    bins: int | Sequence[float] = 4,
    auc: bool = True,
    sample_weight: np.ndarray | None = None,
) -> pd.DataFrame:
    """Long table: slice, n, metric, original, current (and for classifiers flips).

    Metrics are weighted by ``sample_weight`` where given; ``n`` counts rows.
    A slice whose rows all have weight 0 is left out.
    """
    rows = []
    for name, mask in slices(x, kind, bins):
        n = int(mask.sum())
        w = None if sample_weight is None else sample_weight[mask]
        if n == 0 or (w is not None and not (w > 0).any()):
            continue
        m0 = compute_metrics(task, y[mask], before[mask], classes, w, auc=auc)
        m1 = compute_metrics(task, y[mask], after[mask], classes, w, auc=auc)
        for metric, v0 in m0.items():
            if metric == "confusion_matrix":
                continue
            rows.append(
                {
                    "slice": name,
                    "n": n,
                    "metric": metric,
                    "original": v0,
                    "current": m1[metric],
                }
            )
        if task != "regression":
            flips = int((before[mask].argmax(1) != after[mask].argmax(1)).sum())
            rows.append(
                {
                    "slice": name,
                    "n": n,
                    "metric": "flipped",
                    "original": 0.0,
                    "current": float(flips),
                }
            )
    return pd.DataFrame(rows, columns=["slice", "n", "metric", "original", "current"])
