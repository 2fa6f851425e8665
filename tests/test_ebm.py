"""InterpretML's EBM in the edit session: exact predictions, edits, to_model().

The EBMs are small (two bags, 200 rounds, 300 rows) and shared per module. Each
has a pair, missing values in a numeric and a categorical column, and a
categorical feature.
"""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np
import pandas as pd
import pytest

import namwidgets
from namwidgets import EditSession, UnsupportedModelError
from namwidgets.adapters import EBMAdapter, as_additive_model, bin_scores
from namwidgets.edit import (
    EditedModel,
    Knots,
    Monotone,
    Reset,
    Scale,
    SetCategoryValue,
    SetNaNValue,
    Shift,
    Smooth,
    Zero,
)
from namwidgets.explain import PairFunction, ShapeFunction

glassbox = pytest.importorskip("interpret.glassbox")

SMALL = dict(interactions=2, outer_bags=2, max_rounds=200, random_state=0)


def _data(n=300, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.uniform(0, 10, n),
            "c": rng.choice(["x", "y", "z"], n).astype(object),
        }
    )
    X.loc[rng.random(n) < 0.1, "a"] = np.nan
    X.loc[rng.random(n) < 0.05, "c"] = None
    a = X["a"].fillna(0.0)
    y = 2 * a + np.sin(X["b"]) + (X["c"] == "x") + 0.3 * a * X["b"]
    return X, y + 0.1 * rng.normal(size=n)


def _fit(cls, X, y, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # interpret: "Missing values"
        return cls(**{**SMALL, **kw}).fit(X, y)


def _hash(ebm):
    h = hashlib.sha256()
    for arrays in (ebm.term_scores_, ebm.bagged_scores_, ebm.standard_deviations_):
        for a in arrays:
            h.update(np.ascontiguousarray(a, dtype=np.float64).tobytes())
    h.update(np.asarray(ebm.intercept_, np.float64).tobytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def data():
    return _data()


@pytest.fixture(scope="module")
def reg(data):
    X, y = data
    return _fit(glassbox.ExplainableBoostingRegressor, X, y)


@pytest.fixture(scope="module")
def clf(data):
    X, y = data
    return _fit(
        glassbox.ExplainableBoostingClassifier, X, np.where(y > 0.5, "hi", "lo")
    )


@pytest.fixture(scope="module")
def multi(data):
    X, y = data
    labels = np.asarray(pd.cut(y, 3, labels=["lo", "mid", "hi"]).astype(str))
    return _fit(glassbox.ExplainableBoostingClassifier, X, labels, max_rounds=100)


def _target(ebm, y):
    if not hasattr(ebm, "classes_"):
        return y
    if len(ebm.classes_) == 2:
        return np.where(y > 0.5, "hi", "lo")
    return np.asarray(pd.cut(y, 3, labels=["lo", "mid", "hi"]).astype(str))


def _predict(ebm, X):
    return ebm.predict_proba(X) if hasattr(ebm, "classes_") else ebm.predict(X)


# ------------------------------------------------------------------ exactness
@pytest.mark.parametrize("which", ["reg", "clf", "multi"])
def test_session_predictions_and_contributions_equal_the_ebm(which, data, request):
    ebm = request.getfixturevalue(which)
    X, y = data
    s = EditSession(ebm, X, _target(ebm, y))
    assert isinstance(s.model, EBMAdapter)
    np.testing.assert_allclose(s.predictions(), _predict(ebm, X), atol=1e-12)
    terms = np.asarray(ebm.eval_terms(X)).reshape(s.contributions().shape)
    np.testing.assert_array_equal(s.contributions(), terms)
    assert s.term_kinds == ["numeric", "numeric", "categorical", "pair", "pair"]
    assert s.main_effects == ["a", "b", "c"]


def test_the_adapter_reads_bins_scores_std_and_weights(reg):
    ad = EBMAdapter(reg)
    a, b, c, ab, ac = ad.term_functions()
    assert isinstance(a, ShapeFunction) and isinstance(ab, PairFunction)
    assert len(a.x) == len(reg.term_scores_[0]) - 2  # missing and unknown bins
    np.testing.assert_array_equal(a.values, reg.term_scores_[0][1:-1])
    std = reg.standard_deviations_[0][1:-1]
    np.testing.assert_allclose(a.upper - a.values, std)
    np.testing.assert_allclose(a.values - a.lower, std)
    np.testing.assert_array_equal(a.density_counts, reg.bin_weights_[0][1:-1])
    assert a.nan_value == reg.term_scores_[0][0] and a.nan_count > 0
    assert np.all(np.diff(a.x) > 0)
    assert a.density_edges[0] == reg.feature_bounds_[0][0]
    assert list(c.x) == ["x", "y", "z", "(missing)"]  # c had missing values
    np.testing.assert_array_equal(c.values[:3], reg.term_scores_[2][1:-1])
    assert c.values[3] == reg.term_scores_[2][0]
    assert ab.features == ("a", "b")
    np.testing.assert_array_equal(ab.values, reg.term_scores_[3][1:-1, 1:-1])
    np.testing.assert_array_equal(ab.density, reg.bin_weights_[3][1:-1, 1:-1])
    np.testing.assert_array_equal(ab.nan_x, reg.term_scores_[3][0, 1:-1])
    assert ac.kinds == ("numeric", "categorical") and ac.nan_y is None
    # an EBM's function is its bags' processed mean, not a plain mean of members:
    # like the adapter's shape functions, its pairs carry none
    assert ab.members is None and ab.to_dict()["members"] is None
    assert a.members is None
    w, s = reg.bin_weights_[1], np.abs(reg.term_scores_[1])
    assert ad.term_importances()[1] == pytest.approx((w * s).sum() / w.sum())


def test_numeric_values_read_as_their_bins_centre(reg, data):
    X, _ = data
    ad = EBMAdapter(reg)
    xb = ad.feature_values(X)[1]
    centres = ad.bin_centres(1)
    assert set(np.unique(xb)) <= set(centres)
    # every representative row lands in the bin it stands for
    scores = bin_scores(ad, ad, list(range(len(ad.term_names_))))
    for got, want in zip(scores, reg.term_scores_):
        np.testing.assert_array_equal(got, want)


# ------------------------------------------------------------------ editing
EDITS = [
    Monotone(feature="b", increasing=True),
    Scale(feature="a", factor=0.5),
    SetCategoryValue(feature="c", category="y", value=1.0),
    Zero(feature="a & b"),
    Knots(feature="a", positions=(-2.0, 0.0, 2.0), offsets=(0.1, -0.2, 0.3)),
    Smooth(feature="b", bandwidth=1.0),
    Shift(feature="a & c", amount=0.2),
    SetNaNValue(feature="a", value=-1.0),
    SetCategoryValue(feature="c", category="(missing)", value=0.5),
]


@pytest.mark.parametrize("which", ["reg", "clf"])
def test_edits_undo_json_and_to_model(which, data, request):
    ebm = request.getfixturevalue(which)
    before = _hash(ebm)
    X, y = data
    yy = _target(ebm, y)
    s = EditSession(ebm, X, yy)
    original = s.predictions().copy()
    for e in EDITS:
        s.apply(e)
    assert not np.allclose(s.predictions(), original)
    edited = s.to_model()
    assert type(edited) is type(ebm) and edited is not ebm
    np.testing.assert_allclose(_predict(edited, X), s.predictions(), atol=1e-10)
    # new rows, through the protocol's edited model too
    X2, _ = _data(200, seed=3)
    np.testing.assert_allclose(
        _predict(edited, X2),
        EditedModel(s.model, tuple(s.applied)).inverse_link(
            EditedModel(s.model, tuple(s.applied)).linear_predictor(X2)
        ),
        atol=1e-10,
    )
    # the unedited terms keep their scores exactly; the edited ones moved
    same = [np.array_equal(a, b) for a, b in zip(edited.term_scores_, ebm.term_scores_)]
    assert same == [False, False, False, False, False]
    # JSON round trip onto the same EBM gives the same state
    other = EditSession.from_json(ebm, X, yy, s.to_json())
    np.testing.assert_array_equal(other.predictions(), s.predictions())
    # undo everything: back to the EBM's own predictions, to_model unedited
    while s.undo():
        pass
    np.testing.assert_array_equal(s.predictions(), original)
    same_again = s.to_model()
    assert all(
        np.array_equal(a, b) for a, b in zip(same_again.term_scores_, ebm.term_scores_)
    )
    assert _hash(ebm) == before  # the original EBM is never modified


def test_a_reset_term_keeps_its_scores(reg, data):
    X, y = data
    s = EditSession(reg, X, y).apply(Zero(feature="b")).apply(Reset(feature="b"))
    s.apply(Scale(feature="a", factor=2.0))
    edited = s.to_model()
    np.testing.assert_array_equal(edited.term_scores_[1], reg.term_scores_[1])
    np.testing.assert_allclose(edited.term_scores_[0], 2 * reg.term_scores_[0])


def test_the_edited_ebm_explains_and_serialises(reg, data, tmp_path):
    X, y = data
    s = EditSession(reg, X, y).apply(Zero(feature="b"), Scale(feature="a", factor=3))
    edited = s.to_model()
    assert np.all(edited.term_scores_[1] == 0)
    # bags moved with the scores: their mean is the new score, spread kept
    np.testing.assert_allclose(
        edited.bagged_scores_[0] - reg.bagged_scores_[0],
        np.broadcast_to(
            edited.term_scores_[0] - reg.term_scores_[0], reg.bagged_scores_[0].shape
        ),
    )
    np.testing.assert_array_equal(
        edited.standard_deviations_[0], reg.standard_deviations_[0]
    )
    g = edited.explain_global().data(1)
    np.testing.assert_allclose(g["scores"], edited.term_scores_[1][1:-1])
    path = tmp_path / "edited.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # interpret: "JSON ... beta"
        edited.to_json(str(path))
    terms = json.loads(path.read_text())["ebm"]["terms"]
    assert np.all(np.asarray(terms[1]["scores"]) == 0)
    a = np.asarray(terms[0]["scores"])
    np.testing.assert_allclose(a, 3 * reg.term_scores_[0][: len(a)])
    assert not np.allclose(a, reg.term_scores_[0][: len(a)])


def test_multiclass_edit_of_one_class(multi, data):
    X, y = data
    s = EditSession(multi, X, _target(multi, y))
    s.apply(Monotone(feature="b", increasing=False, class_index=1))
    s.apply(Scale(feature="a & b", factor=2.0))
    edited = s.to_model()
    np.testing.assert_allclose(edited.predict_proba(X), s.predictions(), atol=1e-10)
    col = edited.term_scores_[1]
    np.testing.assert_array_equal(col[:, 0], multi.term_scores_[1][:, 0])
    assert np.all(np.diff(col[1:-1, 1]) <= 1e-12)


# ------------------------------------------------------------------ dispatch
def test_as_additive_model(reg):
    ad = as_additive_model(reg)
    assert isinstance(ad, EBMAdapter) and ad.ebm is reg
    assert as_additive_model(ad) is ad
    edited = EditedModel(ad, (Zero(feature="a"),))
    assert as_additive_model(edited) is edited


def test_unsupported_models_are_named(data):
    from sklearn.linear_model import LinearRegression

    X, y = data
    with pytest.raises(UnsupportedModelError, match="LinearRegression"):
        EditSession(LinearRegression().fit(X[["b"]], y), X[["b"]], y)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        EditSession(glassbox.ExplainableBoostingRegressor(), X, y)


def test_unsupported_ebm_options_are_named(data):
    X, y = data
    poisson = _fit(
        glassbox.ExplainableBoostingRegressor,
        X,
        np.exp(y / 4),
        objective="poisson_deviance",
        interactions=0,
        max_rounds=20,
    )
    with pytest.raises(UnsupportedModelError, match="link 'log'"):
        EditSession(poisson, X, y)
    triple = _fit(
        glassbox.ExplainableBoostingRegressor,
        X,
        y,
        interactions=[(0, 1, 2)],
        max_rounds=20,
    )
    with pytest.raises(UnsupportedModelError, match="3 features"):
        EditSession(triple, X, y)
    dp = getattr(glassbox, "DPExplainableBoostingRegressor", None)
    if dp is not None:
        with pytest.raises(UnsupportedModelError, match="DPExplainableBoosting"):
            as_additive_model(dp())


def test_check_x_names_missing_columns(reg, data):
    X, y = data
    with pytest.raises(namwidgets.InputError, match=r"\['c'\]"):
        EditSession(reg, X[["a", "b"]], y)
    s = EditSession(reg, X[["c", "b", "a"]], y)  # matched by name
    np.testing.assert_allclose(s.predictions(), reg.predict(X), atol=1e-12)


def test_what_needs_a_nam_says_so(reg, data):
    X, y = data
    s = EditSession(reg, X, y).apply(Zero(feature="a"))
    with pytest.raises(UnsupportedModelError, match="refit_others"):
        s.refit_others(2)
    with pytest.raises(UnsupportedModelError, match="EBMAdapter"):
        EditedModel(s.model, tuple(s.applied)).save("unused.nam")
    slices = s.slice_metrics("b")
    assert set(slices["metric"]) == {"rmse", "mae", "r2"}


def test_the_panel_opens_on_an_ebm(reg, data):
    X, y = data
    panel = namwidgets.explore(reg, X, y)
    assert isinstance(panel.session.model, EBMAdapter)
    panel.feature = "a & b"
    assert panel.feature == "a & b"
    panel.session.apply(Zero(feature="a & b"))
    np.testing.assert_allclose(
        panel.session.to_model().predict(X), panel.session.predictions(), atol=1e-10
    )


def test_numeric_levels_read_as_ebm_writes_them():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(
        {"k": rng.integers(0, 3, 200), "f": rng.choice([0.5, 1.5, 2.0], 200)}
    )
    y = X["k"] + X["f"] + 0.1 * rng.normal(size=200)
    ebm = _fit(
        glassbox.ExplainableBoostingRegressor,
        X,
        y,
        interactions=0,
        max_rounds=50,
        feature_types=["nominal", "nominal"],
    )
    s = EditSession(ebm, X, y)
    # interpret 0.7.8 writes the level 2.0 as "2", 0.7.5 as "2.0": read it as EBM
    two = next(k for k in ebm.bins_[1][0] if float(k) == 2.0)
    assert set(s.feature_values("f")) == set(ebm.bins_[1][0]) == {"0.5", "1.5", two}
    s.apply(SetCategoryValue(feature="f", category=two, value=5.0))
    s.apply(SetCategoryValue(feature="k", category="1", value=-5.0))
    assert np.all(s.contributions()[X["f"].to_numpy() == 2.0, 1, 0] == 5.0)
    np.testing.assert_allclose(s.to_model().predict(X), s.predictions(), atol=1e-10)
