"""The classifiers' live metrics (one blocked pass) against scikit-learn's.

Binary and multiclass: accuracy, balanced accuracy, log loss, Brier and the
confusion matrix to 1e-12 (the same per-row terms summed in another order), the
histogram AUC within its stated bound of ``roc_auc_score`` (one-vs-rest macro
for multiclass), and a session's live path with the keys and values of its
exact one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn import metrics as skm

from namwidgets import EditSession, NAMClassifier
from namwidgets.datasets import make_additive
from namwidgets.edit import _feedback
from namwidgets.edit._live import AUC_BINS
from namwidgets.edit._live_cls import (
    CLASS_BLOCK,
    LiveTargets,
    _auc,
    binary_live_metrics,
    multiclass_live_metrics,
)
from namwidgets.edit._metrics import HISTOGRAM_AUC_TOLERANCE, compute_metrics


def _multiclass(n, k, seed):
    rng = np.random.default_rng(seed)
    eta = rng.normal(0, 1.5, (n, k))
    p = np.exp(eta - eta.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    u = rng.random(n)[:, None]
    codes = np.minimum((u > p.cumsum(1)).sum(1), k - 1)
    codes[:k] = np.arange(k)  # every class present
    return codes, p, rng.uniform(0.2, 3.0, n)


def _assert_like_scikit_learn(live, exact):
    for key in ("accuracy", "balanced_accuracy", "log_loss", "brier"):
        assert live[key] == pytest.approx(exact[key], rel=1e-12, abs=1e-12), key
    np.testing.assert_allclose(
        live["confusion_matrix"], exact["confusion_matrix"], rtol=1e-12, atol=1e-12
    )


@pytest.mark.parametrize("class_major", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(("n", "k"), [(7, 3), (1_001, 4), (70_003, 3), (140_001, 5)])
def test_multiclass_live_metrics_equal_scikit_learns(n, k, weighted, class_major):
    codes, proba, w = _multiclass(n, k, seed=n + k)
    w = w if weighted else None
    # the session's layout (each class's column contiguous) is read in place,
    # a row-major one copied block by block: the same metrics either way
    scores = np.asfortranarray(proba) if class_major else proba
    live = multiclass_live_metrics(LiveTargets(codes, k, w), scores)
    exact = compute_metrics("multiclass", codes, proba, np.arange(k), w)
    _assert_like_scikit_learn(live, exact)
    if not weighted:
        assert all(type(v) is int for r in live["confusion_matrix"] for v in r)
    assert abs(live["roc_auc"] - exact["roc_auc"]) <= live["roc_auc_bound"] + 1e-12
    if n > 50_000:
        assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE
        assert abs(live["roc_auc"] - exact["roc_auc"]) < HISTOGRAM_AUC_TOLERANCE


@pytest.mark.parametrize("weighted", [False, True])
def test_multiclass_auc_from_one_pass_keys_is_the_per_class_histograms(weighted):
    # the keys of one pass (and the bins their extremes give) must be exactly
    # the per-class path's bins: the same AUC and bound to the bit, on scores
    # that reach 0.0 and 1.0 (the clipped end bins) and several blocks of rows
    codes, proba, w = _multiclass(3 * CLASS_BLOCK + 17, 3, seed=11)
    proba[:3] = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1e-300, 0.0, 1.0]]
    targets = LiveTargets(codes, 3, w if weighted else None)
    live = multiclass_live_metrics(targets, proba)
    values, bounds = [], []
    for c in range(3):
        col = proba[:, c]
        value, bound = _auc(
            proba,
            c,
            float(col.min()),
            float(col.max()),
            targets,
            AUC_BINS,
            np.empty(len(proba)),
        )
        values.append(value)
        bounds.append(bound)
    assert live["roc_auc"] == float(np.mean(values))
    assert live["roc_auc_bound"] == float(max(bounds))


def test_multiclass_hard_labels_break_ties_to_the_first_class_as_argmax():
    codes = np.array([0, 1, 2, 2, 1])
    proba = np.array(
        [[0.4, 0.4, 0.2], [0.3, 0.3, 0.4], [0.2, 0.4, 0.4], [1 / 3] * 3, [0, 1, 0]]
    )
    live = multiclass_live_metrics(LiveTargets(codes, 3), proba, auc=False)
    exact = compute_metrics("multiclass", codes, proba, np.arange(3), auc=False)
    assert live["confusion_matrix"] == exact["confusion_matrix"]
    assert "roc_auc" not in live


@pytest.mark.parametrize("k", [3, 7, 300])
def test_hard_labels_are_argmax_with_ties_to_the_first_class(k):
    # the compiled pass's labels, read off its confusion matrix
    rng = np.random.default_rng(k)
    proba = rng.integers(0, 4, (500, k)) / 4.0  # many ties
    codes = rng.integers(0, k, len(proba))
    live = multiclass_live_metrics(LiveTargets(codes, k), proba, auc=False)
    want = np.zeros((k, k), int)
    np.add.at(want, (codes, proba.argmax(1)), 1)
    np.testing.assert_array_equal(live["confusion_matrix"], want)


def test_a_multiclass_class_without_rows_gives_a_nan_auc():
    codes, proba, _ = _multiclass(3_000, 3, seed=4)
    codes[codes == 2] = 0
    live = multiclass_live_metrics(LiveTargets(codes, 3), proba)
    assert np.isnan(live["roc_auc"])


@pytest.mark.parametrize("weighted", [False, True])
def test_binary_live_metrics_with_kept_targets_equal_scikit_learns(weighted):
    rng = np.random.default_rng(5)
    n = 90_001
    p = 1 / (1 + np.exp(-rng.normal(0, 1.5, n)))
    y = (rng.random(n) < p).astype(int)
    proba = np.column_stack([1 - p, p])
    w = rng.uniform(0.2, 3.0, n) if weighted else None
    targets = LiveTargets(y, 2, w)
    live = binary_live_metrics(y == 1, proba, w, targets=targets)
    exact = compute_metrics("binary", y, proba, np.array([0, 1]), w)
    _assert_like_scikit_learn(live, exact)
    assert abs(live["roc_auc"] - exact["roc_auc"]) <= live["roc_auc_bound"] + 1e-12
    assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE
    with pytest.raises(ValueError, match="shape"):
        binary_live_metrics(y[:-1] == 1, proba[:-1], targets=targets)


@pytest.fixture(scope="module")
def multiclass_sessions():
    X, y = make_additive(1_200, random_state=2)
    labels = pd.cut(y, 3, labels=["low", "mid", "high"]).astype(str)
    clf = NAMClassifier(random_state=0, **{**FAST, "max_epochs": 5}).fit(X, labels)
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(X))
    return EditSession(clf, X, labels), EditSession(clf, X, labels, sample_weight=w)


def test_a_multiclass_sessions_live_metrics_equal_its_exact_ones(
    multiclass_sessions, monkeypatch
):
    # the histogram AUC from 100 rows on (the default starts at 50,000 rows)
    monkeypatch.setattr(_feedback, "LIVE_AUC_MAX_ROWS", 100)
    for s in multiclass_sessions:
        s.scale("smooth", 0.5).set_category("colour", "red", 0.7)
        s.monotone("quadratic", True, -1.0, 2.0)
        for state in ("original", "last", "current"):
            slow, fast = s.metrics(state), s.metrics(state, fast=True)
            assert list(slow) == list(fast)
            for key, v in slow.items():
                tol = HISTOGRAM_AUC_TOLERANCE if key == "roc_auc" else 1e-12
                np.testing.assert_allclose(
                    fast[key], v, rtol=tol, atol=tol, err_msg=key
                )
            assert fast["roc_auc"] != slow["roc_auc"]  # the histogram's, not the sort
            codes = np.searchsorted(s.classes, s.y)
            assert slow["roc_auc"] == pytest.approx(
                skm.roc_auc_score(
                    codes,
                    s.predictions(state),
                    multi_class="ovr",
                    sample_weight=s.sample_weight,
                ),
                abs=1e-12,
            )
        assert set(s.metrics(fast=True, auc=False)) == set(slow) - {"roc_auc"}
        while s.undo():
            pass
