"""The NAM engine: recovery of known shapes, additivity, ensembles, determinism."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from conftest import FAST

from namwidgets import NAMClassifier, NAMRegressor
from namwidgets.datasets import additive_truth, make_additive


def _centred_truth(name, x, X):
    f = additive_truth()[name]
    if name == "quadratic":
        on_data = np.where(X[name].isna(), 1.0, f(X[name].fillna(0.0)))
    else:
        on_data = f(X[name])
    return f(x) - on_data.mean(), on_data.mean()


def test_recovers_known_shapes(fitted_regressor, additive_data):
    X, _ = additive_data
    shapes = {s.name: s for s in fitted_regressor.shape_functions()}
    for name in ("smooth", "jagged", "step", "quadratic"):
        s = shapes[name]
        # compare where data is (the grid spans the training range)
        truth, _ = _centred_truth(name, s.x, X)
        corr = np.corrcoef(s.values, truth)[0, 1]
        assert corr > 0.95, (name, corr)
    colour = shapes["colour"]
    truth = additive_truth()["colour"](colour.x)
    truth = truth - additive_truth()["colour"](X["colour"]).mean()
    assert np.corrcoef(colour.values, truth)[0, 1] > 0.95
    assert np.max(np.abs(colour.values - truth)) < 0.15
    # the no-effect feature stays small next to the real ones
    assert shapes["noise"].importance < 0.2 * shapes["smooth"].importance


def test_missing_values_get_their_own_contribution(fitted_regressor, additive_data):
    X, _ = additive_data
    quad = fitted_regressor.shape_functions()[3]
    assert quad.name == "quadratic" and quad.nan_count == X["quadratic"].isna().sum()
    _, mean = _centred_truth("quadratic", np.zeros(1), X)
    assert quad.nan_value == pytest.approx(1.0 - mean, abs=0.25)
    # and a row with NaN gets exactly that value
    row = X[X["quadratic"].isna()].head(1)
    contrib = fitted_regressor.contributions(row)["quadratic"].iloc[0]
    assert contrib == pytest.approx(quad.nan_value, abs=1e-6)


def test_predictions_are_link_of_intercept_plus_contributions(
    fitted_regressor, fitted_classifier, additive_data
):
    X, _ = additive_data
    c = fitted_regressor.contributions(X)
    assert list(c.columns) == list(X.columns)
    np.testing.assert_allclose(
        fitted_regressor.predict(X),
        fitted_regressor.intercept_ + c.to_numpy().sum(1),
        rtol=1e-6,
        atol=1e-6,
    )
    clf, Xc, _ = fitted_classifier
    eta = clf.intercept_ + clf.contributions(Xc).to_numpy().sum(1)
    np.testing.assert_allclose(
        clf.predict_proba(Xc)[:, 1], 1 / (1 + np.exp(-eta)), rtol=1e-6, atol=1e-7
    )


def test_shapes_are_centred_on_training_data(fitted_regressor, additive_data):
    X, _ = additive_data
    means = fitted_regressor.contributions(X).mean()
    np.testing.assert_allclose(means.to_numpy(), 0.0, atol=1e-5)
    imp = fitted_regressor.contributions(X).abs().mean().to_numpy()
    np.testing.assert_allclose(fitted_regressor.feature_importances_, imp, rtol=1e-5)


def test_ensemble_band_is_non_degenerate(fitted_regressor):
    s = fitted_regressor.shape_functions()[0]
    width = s.upper - s.lower
    assert (width > 1e-4).mean() > 0.9
    assert np.all(s.lower <= s.values + 1e-9) and np.all(s.values <= s.upper + 1e-9)
    members = fitted_regressor.feature_contributions("smooth", s.x, members=True)
    assert members.shape == (3, len(s.x), 1)
    np.testing.assert_allclose(members.mean(0)[:, 0], s.values, atol=1e-12)


def test_multiclass_has_one_output_per_class():
    X, y = make_additive(1500, random_state=2)
    labels = pd.cut(y, 3, labels=["low", "mid", "high"]).astype(str)
    clf = NAMClassifier(random_state=0, **FAST).fit(X, labels)
    assert clf.n_outputs_ == 3 and clf.intercept_.shape == (3,)
    c = clf.contributions(X)
    assert c.shape == (1500, 6 * 3)
    eta = clf.intercept_ + c.to_numpy().reshape(1500, 6, 3).sum(1)
    p = np.exp(eta - eta.max(1, keepdims=True))
    np.testing.assert_allclose(clf.predict_proba(X), p / p.sum(1, keepdims=True), 1e-6)
    assert clf.score(X, labels) > 0.7
    assert clf.shape_functions()[0].values.shape[1] == 3


def test_same_random_state_gives_identical_predictions(additive_data):
    X, y = additive_data
    X, y = X.iloc[:600], y.iloc[:600]
    a = NAMRegressor(random_state=3, **FAST).fit(X, y).predict(X)
    b = NAMRegressor(random_state=3, **FAST).fit(X, y).predict(X)
    c = NAMRegressor(random_state=4, **FAST).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_auto_batch_size_gives_small_data_several_steps_per_epoch():
    from namwidgets.model._training import auto_batch_size

    # beyond 32,768 rows the batch grows (a 64th of the rows): the feature nets
    # run on a grid, so a bigger batch costs little more per step (issue 15)
    assert [auto_batch_size(n) for n in (10, 300, 2000, 4096, 100_000)] == [
        32,
        37,
        250,
        512,
        1562,
    ]
    X, y = make_additive(300, random_state=0)
    m = NAMRegressor(random_state=0, **{**FAST, "max_epochs": 3}).fit(X, y)
    assert m.get_params()["batch_size"] == "auto" and len(m.history_) == 3


def test_sample_weight_shifts_the_fit():
    # half the rows weigh zero: with batch_size="auto" (32 rows here) some
    # minibatches hold no weight at all, and must not turn the loss into 0/0
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.uniform(0, 1, 400)})
    group = np.arange(400) % 2 == 0
    y = np.where(group, 0.0, 10.0)
    w = np.where(group, 1.0, 0.0)
    m = NAMRegressor(random_state=0, **FAST).fit(X, y, sample_weight=w)
    assert abs(m.predict(X).mean()) < 0.5


def test_early_stopping_restores_best_weights(additive_data):
    X, y = additive_data
    m = NAMRegressor(random_state=0, patience=3, **{**FAST, "max_epochs": 200})
    m.fit(X.iloc[:800], y.iloc[:800])
    scores = [h["valid_score"] for h in m.history_]
    assert len(scores) < 200  # it stopped
    best = int(np.argmin(scores))
    assert len(scores) - 1 - best == 3


def test_exu_units_fit_a_jump():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"x": rng.uniform(-1, 1, 1500)})
    y = np.where(X["x"] > 0.2, 1.0, -1.0) + 0.05 * rng.normal(size=1500)
    m = NAMRegressor(
        units="exu", hidden_sizes=(64, 16), random_state=0, max_epochs=40, verbose=0
    ).fit(X, y)
    pred = m.predict(pd.DataFrame({"x": [-0.5, 0.1, 0.3, 0.7]}))
    assert pred[0] < -0.7 and pred[3] > 0.7
    assert pred[2] - pred[1] > 1.0


def test_constant_column_warns_and_has_zero_function():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "const": np.ones(300)})
    y = X["a"] * 2
    with pytest.warns(UserWarning, match="const"):
        m = NAMRegressor(random_state=0, **FAST).fit(X, y)
    assert np.all(m.contributions(X)["const"].to_numpy() == 0.0)


def test_numpy_input_gets_generated_names():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    m = NAMRegressor(random_state=0, **FAST).fit(X, X[:, 0])
    assert m.feature_names_ == ["x0", "x1", "x2"]
    assert list(m.contributions(X).columns) == ["x0", "x1", "x2"]


def test_works_on_cpu_device_explicitly(additive_data):
    X, y = additive_data
    m = NAMRegressor(device="cpu", random_state=0, **{**FAST, "max_epochs": 2})
    m.fit(X.iloc[:200], y.iloc[:200])
    assert m.module_.intercept.device.type == "cpu"


def test_unavailable_cuda_is_a_clear_error(additive_data):
    import torch

    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    X, y = additive_data
    with pytest.raises(ValueError, match="CUDA is not available"):
        NAMRegressor(device="cuda", **FAST).fit(X.iloc[:50], y.iloc[:50])


def test_values_outside_the_training_range_are_held_at_its_ends(fitted_regressor):
    at_ends = fitted_regressor.feature_contributions("smooth", [-3.0, 3.0])
    lo, hi = (
        fitted_regressor.encoder_.stats_[0]["min"],
        fitted_regressor.encoder_.stats_[0]["max"],
    )
    np.testing.assert_allclose(
        fitted_regressor.feature_contributions("smooth", [-50.0, 50.0]),
        fitted_regressor.feature_contributions("smooth", [lo, hi]),
    )
    assert at_ends.shape == (2, 1)


def test_input_map_blends_quantiles_and_range():
    """The numeric input map: increasing, fitted on training rows, ends held; an
    outlier cannot squeeze the bulk, and sparse tails keep resolution."""
    from namwidgets.model._encoder import FeatureEncoder

    rng = np.random.default_rng(0)
    bulk = rng.normal(3.0, 1.0, 999)
    frame = pd.DataFrame(
        {"heavy": np.append(bulk, 1243.0), "binary": rng.integers(0, 2, 1000)}
    )
    enc = FeatureEncoder().fit(frame)
    x = np.linspace(-10, 1300, 5000)
    z, missing = enc.encode_numeric(0, x)
    assert not missing.any() and np.all(np.diff(z) >= 0)
    half = np.sqrt(3.0)
    assert z[0] == pytest.approx(-half) and z[-1] == pytest.approx(half)
    # the 998 rows of the bulk span at least half the input range (a plain
    # standard or min-max scaling gives them under 1% of it)
    zb, _ = enc.encode_numeric(0, np.sort(bulk))
    assert zb[-1] - zb[0] >= 0.49 * 2 * half
    # two values, two points at the ends; NaN is flagged and maps to 0
    zz, mm = enc.encode_numeric(1, np.array([0.0, 1.0, np.nan]))
    np.testing.assert_allclose(zz, [-half, half, 0.0], rtol=1e-6)
    assert mm.tolist() == [False, False, True]
    # the state round-trips through JSON exactly
    state = json.loads(json.dumps(enc.get_state()))
    again = FeatureEncoder.from_state(state)
    np.testing.assert_array_equal(again.encode_numeric(0, x)[0], z)
