"""scikit-learn citizenship: the estimator checks, Pipeline, clone, search, CV."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from namwidgets import NAMClassifier, NAMRegressor

# Checks skipped, each with its reason.
SKIPPED = {
    "check_sample_weight_equivalence_on_dense_data": (
        "minibatch SGD: a weight of 2 and a duplicated row give different batches"
    ),
    "check_sample_weight_equivalence_on_sparse_data": "sparse input is not supported",
}

SMALL = dict(
    hidden_sizes=(16, 16), max_epochs=40, batch_size=64, verbose=0, n_threads=1
)


def _expected_failed_checks(estimator):
    return SKIPPED


@parametrize_with_checks(
    [
        # the defaults (interactions="auto"), two pairs, and the additive model
        NAMRegressor(random_state=0, **SMALL),
        NAMClassifier(random_state=0, **SMALL),
        NAMRegressor(interactions=2, random_state=0, **SMALL),
        NAMClassifier(interactions=0, random_state=0, **SMALL),
    ],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    return X, X[:, 0] ** 2 + X[:, 1], (X[:, 0] + X[:, 2] > 0).astype(int)


def test_pipeline_clone_and_cross_validation(data):
    X, y, labels = data
    pipe = make_pipeline(StandardScaler(), NAMRegressor(random_state=0, **SMALL))
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.mean() > 0.7
    cloned = clone(pipe)
    assert not hasattr(cloned[-1], "module_")
    clf_scores = cross_val_score(
        NAMClassifier(random_state=0, **SMALL), X, labels, cv=3
    )
    assert clf_scores.mean() > 0.85


def test_grid_search(data):
    X, y, _ = data
    search = GridSearchCV(
        NAMRegressor(random_state=0, **SMALL), {"learning_rate": [1e-3, 1e-2]}, cv=2
    ).fit(X, y)
    assert search.best_params_["learning_rate"] in (1e-3, 1e-2)
    assert search.best_estimator_.predict(X).shape == (300,)
