"""The O(n) histogram AUC of the live path: within its stated bound of the exact."""

from __future__ import annotations

import numpy as np
import pytest

from namwidgets.edit._metrics import (
    HISTOGRAM_AUC_TOLERANCE,
    histogram_auc,
    live_roc_auc,
    roc_auc,
)


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
    exact = roc_auc(y.astype(int), np.column_stack([-score, score]), w)
    auc, bound = histogram_auc(y, score, w, bins=bins)
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
    for proba in (p, np.column_stack([1 - p[:, 0], p[:, 0]])):
        c = codes if proba.shape[1] == 3 else (codes == 0).astype(int)
        assert abs(live_roc_auc(c, proba, w) - roc_auc(c, proba, w)) < (
            HISTOGRAM_AUC_TOLERANCE
        )


def test_live_auc_falls_back_to_the_exact_auc_where_the_bound_is_loose():
    rng = np.random.default_rng(8)
    n = 60_000
    # two distinct scores, both classes in each: one bin each, bound 0.25ish
    score = rng.integers(0, 2, n).astype(float) * 1e-9 + 0.5
    codes = (rng.random(n) < 0.3 + 0.2 * (score > 0.5)).astype(int)
    proba = np.column_stack([1 - score, score])
    assert histogram_auc(codes == 1, score)[1] > HISTOGRAM_AUC_TOLERANCE
    assert live_roc_auc(codes, proba) == roc_auc(codes, proba)


def test_one_class_gives_nan():
    score = np.linspace(0, 1, 100)
    auc, bound = histogram_auc(np.zeros(100, bool), score)
    assert np.isnan(auc) and bound == 0.0
