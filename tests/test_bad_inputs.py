"""Issue 12's catalogue, model side: every odd input works correctly or gets a clear
error of the library's hierarchy naming the column, parameter or file.

One test per case; each asserts the exact outcome.
"""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pandas as pd
import pytest

import namwidgets.model._training as training
from namwidgets import (
    DataWarning,
    InputError,
    ModelFileError,
    NAMClassifier,
    NAMRegressor,
    TrainingInterruptedWarning,
)
from namwidgets.model import load_model

# interactions=0: these tests are about inputs and the main effects (one asserts
# that zeroing a feature leaves exactly the other's curve)
TINY = dict(
    hidden_sizes=(8,),
    max_epochs=4,
    verbose=0,
    n_threads=1,
    random_state=0,
    interactions=0,
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=300), "b": rng.uniform(-1, 1, 300)})
    y = 2 * X["a"] + X["b"] ** 2 + rng.normal(scale=0.1, size=300)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def model(data):
    X, y = data
    return NAMRegressor(**TINY).fit(X, y)


def _additive_identity(m, X):
    contrib = m.contributions_array(X)
    return m.inverse_link(m.intercept_ + contrib.sum(1))


# ---------------------------------------------------------------- interrupts
class _InterruptAt:
    """Raise KeyboardInterrupt at the k-th training step (as Ctrl-C lands)."""

    def __init__(self, monkeypatch, k):
        self.calls, self.k = 0, k
        real = training._step

        def step(*args, **kwargs):
            self.calls += 1
            if self.calls == self.k:
                raise KeyboardInterrupt
            return real(*args, **kwargs)

        monkeypatch.setattr(training, "_step", step)


def test_interrupted_first_fit_is_complete_and_usable(data, monkeypatch):
    X, y = data
    _InterruptAt(monkeypatch, 12)
    m = NAMRegressor(**{**TINY, "max_epochs": 50, "batch_size": 64})
    with pytest.warns(TrainingInterruptedWarning, match="interrupted"):
        m.fit(X, y)
    assert m.history_[-1]["interrupted"] is True
    assert len(m.history_) < 50
    pred = m.predict(X)
    assert np.isfinite(pred).all()
    np.testing.assert_allclose(pred, _additive_identity(m, X), atol=1e-9)
    # centred: each contribution has zero mean on the training rows (the first
    # interrupted fit used no validation rows with early stopping on, so the fit
    # data is all of X)
    np.testing.assert_allclose(m.contributions_array(X).mean(0), 0.0, atol=1e-6)
    assert m.feature_importances_.shape == (2,) and (m.feature_importances_ > 0).all()
    # the intercept is the mean prediction, in y's units (target scaling folded in)
    assert m.intercept_ == pytest.approx(pred.mean(), abs=1e-5)


def test_interrupted_refit_keeps_a_usable_model(data, model, monkeypatch):
    X, y = data
    m = NAMRegressor(**{**TINY, "max_epochs": 30, "batch_size": 64}).fit(X, y)
    rmse_before = np.sqrt(np.mean((m.predict(X) - y) ** 2))
    _InterruptAt(monkeypatch, 3)
    with pytest.warns(TrainingInterruptedWarning):
        m.fit(X, y)
    assert m.history_[-1]["interrupted"] is True
    rmse_after = np.sqrt(np.mean((m.predict(X) - y) ** 2))
    assert np.isfinite(rmse_after) and rmse_after < 3 * np.std(y)
    assert rmse_before < np.std(y)


def test_failed_refit_leaves_the_fitted_model_as_it_was(data, monkeypatch):
    X, y = data
    m = NAMRegressor(**TINY).fit(X, y)
    before, fp = m.predict(X), m.fingerprint()

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(training, "_step", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        m.fit(X.assign(c=1.5), y)
    assert m.fingerprint() == fp and m.feature_names_ == ["a", "b"]
    np.testing.assert_array_equal(m.predict(X), before)


@pytest.mark.parametrize("k", [2, 14])  # in the moment warm-up pass, in training
def test_interrupted_refit_others_returns_a_usable_copy(data, model, monkeypatch, k):
    X, y = data
    fp = model.fingerprint()
    _InterruptAt(monkeypatch, k)
    held = {0: model.contributions_array(X)[:, 0]}
    with pytest.warns(TrainingInterruptedWarning, match="refit_others"):
        new = model.refit_others(X, y, held, epochs=5)
    assert new.history_[-1]["interrupted"] is True
    assert np.isfinite(new.predict(X)).all()
    assert model.fingerprint() == fp


# ------------------------------------------------------------- column order
def test_integer_column_names_are_matched_by_name(data):
    X, y = data
    Xi = X.set_axis([0, 1], axis=1)
    m = NAMRegressor(**TINY).fit(Xi, y)
    assert m.feature_names_ == ["0", "1"]
    np.testing.assert_array_equal(m.predict(Xi), m.predict(X.to_numpy()))
    with pytest.raises(InputError, match="same order"):
        m.predict(Xi[[1, 0]])
    with pytest.raises(InputError, match="unseen at fit time"):
        m.predict(Xi.set_axis([0, 2], axis=1))


def test_polars_frame_keeps_its_names_and_is_matched_by_name(data, model):
    pl = pytest.importorskip("polars")
    X, y = data
    frame = pl.DataFrame({"a": X["a"].to_numpy(), "b": X["b"].to_numpy()})
    m = NAMRegressor(**TINY).fit(frame, y)
    assert m.feature_names_ == ["a", "b"]
    np.testing.assert_array_equal(m.predict(frame), model.predict(X))
    with pytest.raises(InputError, match="same order"):
        m.predict(frame.select(["b", "a"]))


def test_pyarrow_table_keeps_its_names(data, model):
    pa = pytest.importorskip("pyarrow")
    X, y = data
    table = pa.table({"a": X["a"].to_numpy(), "b": X["b"].to_numpy()})
    m = NAMRegressor(**TINY).fit(table, y)
    assert m.feature_names_ == ["a", "b"]
    np.testing.assert_array_equal(m.predict(table), model.predict(X))


def test_polars_categorical_and_nulls(data):
    pl = pytest.importorskip("polars")
    X, y = data
    city = np.where(X["a"] > 0, "Oslo", "Rome")
    frame = pl.DataFrame(
        {"city": pl.Series(city).cast(pl.Categorical), "b": X["b"].to_numpy()}
    ).with_columns(
        pl.when(pl.int_range(300) == 5).then(None).otherwise(pl.col("b")).alias("b")
    )
    m = NAMRegressor(**TINY).fit(frame, y)
    assert m.feature_kinds_ == ["categorical", "numeric"]
    assert m.feature_summary("b")["nan_count"] == 1


# ----------------------------------------------------------- missing values
def test_nan_where_training_had_none_is_refused_by_name(model, data):
    X, _ = data
    bad = X.head(5).copy()
    bad.loc[3, "b"] = np.nan
    with pytest.raises(InputError, match=r"'b' has a missing value \(row 3\)"):
        model.predict(bad)


def test_nan_where_training_had_some_uses_the_learned_value(data):
    X, y = data
    Xn = X.copy()
    Xn.loc[::10, "b"] = np.nan
    m = NAMRegressor(**TINY).fit(Xn, y)
    out = m.contributions(Xn.head(1))  # row 0 is NaN
    assert out["b"].iloc[0] == pytest.approx(
        m.feature_contributions("b", [np.nan])[0, 0]
    )


def test_untrained_nan_value_is_the_average_not_an_arbitrary_number(model):
    # the explain layer may still evaluate it: it must be 0, not init - centre
    assert model.feature_contributions("a", [np.nan])[0, 0] == 0.0


# -------------------------------------------------------------- categories
def test_declared_but_unseen_level_is_zero_with_a_warning(data):
    X, y = data
    levels = ["p", "q", "z"]
    c = pd.Categorical(np.where(X["a"] > 0, "p", "q"), categories=levels)
    with pytest.warns(DataWarning, match=r"'c' declares the level\(s\) \['z'\]"):
        m = NAMRegressor(**TINY).fit(X.assign(c=c), y)
    Z = X.head(2).assign(c=pd.Categorical(["z", "p"], categories=levels))
    contrib = m.contributions(Z)
    assert contrib["c"].iloc[0] == 0.0
    assert contrib["c"].iloc[1] != 0.0
    with pytest.raises(InputError, match=r"'c' has the category 'w'"):
        m.predict(X.head(1).assign(c=["w"]))


def test_other_level_is_zero(data):
    X, y = data
    Xc = X.assign(c=np.where(X["a"] > 0, "p", "q"))
    m = NAMRegressor(handle_unknown="other", **TINY).fit(Xc, y)
    out = m.contributions(Xc.head(1).assign(c=["never"]))
    assert out["c"].iloc[0] == 0.0


# ----------------------------------------------------------- huge values
@pytest.mark.parametrize("scale", ["one", "all"])
def test_huge_targets_are_refused(data, scale):
    X, y = data
    y_bad = y * 1e300 if scale == "all" else np.r_[y[:-1], 1e200]
    with pytest.raises(InputError, match="y reaches"):
        NAMRegressor(**TINY).fit(X, y_bad)


def test_tiny_target_variation_is_refused(data):
    X, y = data
    with pytest.raises(InputError, match="y varies by only"):
        NAMRegressor(**TINY).fit(X, y * 1e-300)


def test_large_but_representable_targets_work(data):
    X, y = data
    m = NAMRegressor(**TINY).fit(X, y * 1e20)
    pred = m.predict(X)
    assert np.isfinite(pred).all()
    assert np.corrcoef(pred, y)[0, 1] > 0.5


def test_column_near_float_max_is_refused_by_name(data):
    X, y = data
    big = np.where(X["a"] > 0, 1.7e308, -1.7e308)
    with pytest.raises(InputError, match="Column 'b' spans"):
        NAMRegressor(**TINY).fit(X.assign(b=big), y)


# ------------------------------------------------------------ typed columns
def test_list_of_lists_is_typed_per_column():
    rows = [[1.0, "u", 2], [2.5, "v", 3], [3.0, "u", 1], [4.0, "v", 7]] * 10
    m = NAMRegressor(**TINY).fit(rows, np.arange(40.0))
    assert m.feature_kinds_ == ["numeric", "categorical", "numeric"]
    arr = np.array(rows, dtype=object)
    m2 = NAMRegressor(**TINY).fit(arr, np.arange(40.0))
    assert m2.feature_kinds_ == ["numeric", "categorical", "numeric"]
    np.testing.assert_array_equal(m.predict(rows), m2.predict(arr))


# ------------------------------------------------------------- fingerprint
def _rewrite(path, change):
    with zipfile.ZipFile(path) as zf:
        meta, weights = json.loads(zf.read("meta.json")), zf.read("weights.npz")
    change(meta)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("meta.json", json.dumps(meta))
        zf.writestr("weights.npz", weights)


def _swap_names(meta):
    for key in ("feature_names_", "feature_names_in_"):
        meta["fitted"][key] = meta["fitted"][key][::-1]


def _swap_encoder_names(meta):
    meta["encoder"]["feature_names"] = meta["encoder"]["feature_names"][::-1]


def _rescale(meta):
    meta["fitted"]["y_scale_"] *= 2


@pytest.mark.parametrize("change", [_swap_names, _swap_encoder_names, _rescale])
def test_tampered_metadata_is_refused(tmp_path, model, change):
    path = tmp_path / "m.nam"
    model.save(path)
    load_model(path)  # the untouched file loads
    _rewrite(path, change)
    with pytest.raises(ModelFileError, match="fingerprint"):
        load_model(path)


def test_fingerprint_covers_classes(data):
    X, y = data
    m = NAMClassifier(**TINY).fit(X, y > 0)
    fp = m.fingerprint()
    m.classes_ = m.classes_[::-1]
    assert m.fingerprint() != fp


# --------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"learning_rate": 0}, "learning_rate"),
        ({"learning_rate": -1e-3}, "learning_rate"),
        ({"learning_rate": float("nan")}, "learning_rate"),
        ({"epochs": 0}, "epochs"),
        ({"epochs": -3}, "epochs"),
        ({"epochs": 2.5}, "epochs"),
    ],
)
def test_bad_refit_arguments_are_named(model, data, kwargs, name):
    X, y = data
    fp = model.fingerprint()
    with pytest.raises(InputError, match=name):
        model.refit_others(X, y, {0: np.zeros((300, 1))}, **kwargs)
    assert model.fingerprint() == fp


# ----------------------------------------------------------------- weights
def test_one_non_zero_weight_fits(data):
    X, y = data
    w = np.zeros(300)
    w[7] = 1.0
    m = NAMRegressor(**TINY).fit(X, y, sample_weight=w)
    assert np.isfinite(m.predict(X)).all()
    # the fit is centred on the only row that counts: it predicts its intercept
    assert m.predict(X.iloc[[7]])[0] == pytest.approx(m.intercept_, abs=1e-6)


@pytest.mark.parametrize("value", [1e-300, 1e300])
def test_extreme_uniform_weights_equal_unit_weights(data, model, value):
    X, y = data
    m = NAMRegressor(**TINY).fit(X, y, sample_weight=np.full(300, value))
    np.testing.assert_allclose(m.predict(X), model.predict(X), rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    "w", [np.full(300, np.nan), -np.ones(300), np.zeros(300), np.ones(5)]
)
def test_bad_weights_name_sample_weight(data, w):
    X, y = data
    with pytest.raises(InputError, match="sample_weight"):
        NAMRegressor(**TINY).fit(X, y, sample_weight=w)


# ------------------------------------------------------------- parameters
def test_numpy_scalar_parameters_save_and_hash(tmp_path, data):
    X, y = data
    Xc = X.assign(c=np.where(X["a"] > 0, 1, 2))
    m = NAMRegressor(
        categorical_features=[np.int64(2)],
        hidden_sizes=(np.int64(8),),
        **{k: v for k, v in TINY.items() if k != "hidden_sizes"},
    ).fit(Xc, y)
    assert m.feature_kinds_ == ["numeric", "numeric", "categorical"]
    assert isinstance(m.fingerprint(), str)
    m.save(tmp_path / "m.nam")
    loaded = load_model(tmp_path / "m.nam")
    assert loaded.fingerprint() == m.fingerprint()
    np.testing.assert_array_equal(loaded.predict(Xc), m.predict(Xc))


@pytest.mark.parametrize("where", ["dir", "empty", "no_folder"])
def test_saving_to_a_bad_path_is_clean(tmp_path, model, where, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = {"dir": tmp_path, "empty": "", "no_folder": tmp_path / "no" / "m.nam"}
    with pytest.raises(ModelFileError, match="Cannot save a model"):
        model.save(path[where])
    assert os.listdir(tmp_path) == []


def test_save_failure_leaves_no_temporary_file(tmp_path, model, monkeypatch):
    def fail(src, dst):
        raise PermissionError("read-only")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ModelFileError, match="read-only"):
        model.save(tmp_path / "m.nam")
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ targets
def test_classifier_y_mixing_strings_and_numbers(data):
    X, _ = data
    y = np.array(["yes", 1] * 150, dtype=object)
    with pytest.raises(InputError, match="y mixes strings and numbers"):
        NAMClassifier(**TINY).fit(X, y)


def test_regressor_string_y_names_y(data):
    X, _ = data
    with pytest.raises(InputError, match="y must be numeric"):
        NAMRegressor(**TINY).fit(X, np.array(["a"] * 300))


@pytest.mark.parametrize(
    "X, error",
    [
        (np.zeros(5), "Expected 2D array"),
        (np.zeros((5, 2, 2)), "dim 3"),
        (np.ones((5, 2)) + 1j, "[Cc]omplex"),
    ],
)
def test_malformed_arrays_are_input_errors(X, error):
    with pytest.raises(InputError, match=error):
        NAMRegressor(**TINY).fit(X, np.arange(5.0))


def test_edit_session_on_a_polars_frame_finds_features_by_name(data):
    pl = pytest.importorskip("polars")
    from namwidgets import EditSession

    X, y = data
    frame = pl.DataFrame({"a": X["a"].to_numpy(), "b": X["b"].to_numpy()})
    m = NAMRegressor(**TINY).fit(frame, y)
    session = EditSession(m, frame, y)
    session.zero("b")
    np.testing.assert_allclose(
        session.predictions().ravel(),
        m.intercept_ + m.contributions_array(frame)[:, 0, 0],
        atol=1e-9,
    )
