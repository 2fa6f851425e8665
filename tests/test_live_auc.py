"""The O(n) histogram AUC of the live path: within its stated bound of the exact.

Through the live path itself (``_live_cls``, the blocked pass the session
runs) and the session's policy around it: the exact sort wherever the bound is
looser than ``HISTOGRAM_AUC_TOLERANCE``.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn import metrics as skm

from namwidgets import EditSession
from namwidgets.edit import _feedback
from namwidgets.edit._live import auc_from_histogram
from namwidgets.edit._live_cls import (
    LiveTargets,
    binary_live_metrics,
    multiclass_live_metrics,
)
from namwidgets.edit._metrics import HISTOGRAM_AUC_TOLERANCE, roc_auc


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("bins", [16, 256, 1 << 16])
def test_histogram_auc_is_within_its_bound_of_the_exact_auc(seed, bins):
    rng = np.random.default_rng(seed)
    n = 3000
    score = rng.normal(size=n)
    if seed % 2:
        score = np.round(score, 1)  # many exact ties
    y = rng.random(n) < 1 / (1 + np.exp(-1.5 * score))
    w = rng.uniform(0.2, 3.0, n) if seed % 3 == 0 else None
    p = 1 / (1 + np.exp(-score))
    proba = np.column_stack([1 - p, p])
    exact = roc_auc(y.astype(int), proba, w)
    live = binary_live_metrics(y, proba, w, bins=bins)
    auc, bound = live["roc_auc"], live["roc_auc_bound"]
    assert abs(auc - exact) <= bound + 1e-12
    if bins == 16:
        assert bound > 1e-3  # coarse bins: the bound is not vacuous
    if bins == 1 << 16 and seed % 2 == 0:
        assert bound < 1e-3


def test_live_auc_matches_scikit_learn_on_large_data_binary_and_multiclass():
    rng = np.random.default_rng(7)
    n = 80_000
    eta = rng.normal(size=(n, 3))
    p = np.exp(eta) / np.exp(eta).sum(1, keepdims=True)
    codes = np.array([rng.choice(3, p=row) for row in p[:2000]] * 40)
    w = rng.uniform(0.5, 2.0, n)
    live = multiclass_live_metrics(LiveTargets(codes, 3, w), p)
    assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE
    assert abs(live["roc_auc"] - roc_auc(codes, p, w)) < HISTOGRAM_AUC_TOLERANCE
    c = (codes == 0).astype(int)
    proba = np.column_stack([1 - p[:, 0], p[:, 0]])
    live = binary_live_metrics(c == 1, proba, w)
    assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE
    assert abs(live["roc_auc"] - roc_auc(c, proba, w)) < HISTOGRAM_AUC_TOLERANCE


def test_a_session_falls_back_to_the_exact_auc_where_the_bound_is_loose(
    fitted_classifier, monkeypatch
):
    clf, X, _ = fitted_classifier
    n = 60_000
    rows = np.random.default_rng(8).integers(0, len(X), n)
    Xn = X.iloc[rows].reset_index(drop=True)
    # two distinct scores, both classes at each: one bin each, bound ~0.25
    rng = np.random.default_rng(9)
    score = rng.integers(0, 2, n).astype(float) * 1e-9 + 0.5
    y = (rng.random(n) < 0.3 + 0.2 * (score > 0.5)).astype(int)
    s = EditSession(clf, Xn, y)
    proba = np.column_stack([1 - score, score])
    live = binary_live_metrics(y == 1, proba)
    assert live["roc_auc_bound"] > HISTOGRAM_AUC_TOLERANCE
    monkeypatch.setattr(s, "predictions", lambda state="current": proba)
    sorts = []

    def counted(*args):
        sorts.append(args)
        return roc_auc(*args)

    monkeypatch.setattr(_feedback, "roc_auc", counted)
    assert s.metrics(fast=True)["roc_auc"] == skm.roc_auc_score(y, score)
    assert len(sorts) == 1  # the sort, not the histogram's estimate


def test_one_class_gives_nan():
    p = np.linspace(0, 1, 100)
    proba = np.column_stack([1 - p, p])
    live = binary_live_metrics(np.zeros(100, bool), proba)
    assert np.isnan(live["roc_auc"]) and live["roc_auc_bound"] == 0.0
    assert auc_from_histogram(np.zeros(4), np.ones(4)) == (
        pytest.approx(np.nan, nan_ok=True),
        0.0,
    )
