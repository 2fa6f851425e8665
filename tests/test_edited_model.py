"""The edited model: an estimator shaped like FrozenEstimator, edit-aware reads."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import r2_score
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer

from namwidgets import AdditiveModel, EditSession, UnsupportedModelError
from namwidgets.edit import EditedModel, EditedNAM, EditError, Scale, Zero
from namwidgets.protocol import check_additive_model


@pytest.fixture(scope="module")
def reg(fitted_regressor, additive_data):
    X, y = additive_data
    return fitted_regressor, X.iloc[:600], y.iloc[:600]


@pytest.fixture(scope="module")
def edited(reg):
    model, _, _ = reg
    return EditedModel(
        model, (Zero(feature="smooth"), Scale(feature="step", factor=2.0))
    )


def test_contributions_of_a_zeroed_term_are_zero(reg, edited):
    model, X, _ = reg
    got, base = edited.contributions(X), model.contributions(X)
    assert got["smooth"].abs().max() == 0.0 and base["smooth"].abs().max() > 0.1
    np.testing.assert_allclose(got["step"], 2 * base["step"], atol=1e-12)
    np.testing.assert_array_equal(got["jagged"], base["jagged"])
    arr = edited.contributions_array(X)
    assert arr.shape == (len(X), len(model.term_names_), 1)
    np.testing.assert_array_equal(arr[:, :, 0], got.to_numpy())


def test_predictions_follow_the_edits(reg, edited):
    model, X, y = reg
    base = model.contributions(X)
    expected = model.predict(X) - base["smooth"].to_numpy() + base["step"].to_numpy()
    np.testing.assert_allclose(edited.predict(X), expected, atol=1e-9)
    assert edited.score(X, y) == pytest.approx(r2_score(y, edited.predict(X)))
    assert edited.score(X, y) != pytest.approx(model.score(X, y))


def test_importances_and_term_functions_reflect_edits(reg, edited):
    model, _, _ = reg
    imp, base = edited.term_importances(), model.term_importances()
    names = model.term_names_
    assert imp[names.index("smooth")] == 0.0
    assert imp[names.index("step")] == pytest.approx(2 * base[names.index("step")])
    assert imp[names.index("jagged")] == base[names.index("jagged")]
    np.testing.assert_array_equal(edited.feature_importances_, imp)
    sfs, sfs0 = edited.term_functions(), model.term_functions()
    smooth, smooth0 = sfs[names.index("smooth")], sfs0[names.index("smooth")]
    assert np.ptp(smooth0.upper - smooth0.lower) > 0  # an ensemble: a real band
    for arr in (smooth.values, smooth.lower, smooth.upper):
        assert np.all(arr == 0.0)
    assert smooth.importance == 0.0
    step, step0 = sfs[names.index("step")], sfs0[names.index("step")]
    np.testing.assert_allclose(step.values, 2 * step0.values)
    np.testing.assert_allclose(step.lower, 2 * step0.lower)
    np.testing.assert_allclose(step.upper, 2 * step0.upper)
    assert sfs[names.index("jagged")] is sfs0[names.index("jagged")] or np.array_equal(
        sfs[names.index("jagged")].values, sfs0[names.index("jagged")].values
    )


def test_negative_scale_keeps_the_band_ordered_and_edits_the_nan_value(reg):
    model, _, _ = reg
    t = model.term_names_.index("quadratic")
    sf0 = model.term_functions()[t]
    assert sf0.nan_value is not None  # quadratic has missing training rows
    sf = EditedModel(
        model, (Scale(feature="quadratic", factor=-1.0),)
    ).term_functions()[t]
    np.testing.assert_allclose(sf.lower, -sf0.upper)
    np.testing.assert_allclose(sf.upper, -sf0.lower)
    assert sf.nan_value == pytest.approx(-sf0.nan_value)
    zeroed = EditedModel(model, (Zero(feature="quadratic"),)).term_functions()[t]
    assert zeroed.nan_value == 0.0


def test_is_an_estimator_clone_tags_and_params(reg, edited):
    model, _, _ = reg
    assert clone(edited) is edited
    assert is_regressor(edited) and not is_classifier(edited)
    assert edited.get_params() == {"estimator": model, "edits": edited.edits}
    assert isinstance(edited, AdditiveModel) and check_additive_model(edited) is edited
    assert not hasattr(edited, "predict_proba") and not hasattr(edited, "classes_")
    # no attribute leaks from the base: what is not edit-aware is not there (the
    # old proxy's feature_contributions gave the unedited function)
    for name in ("encoder_", "module_", "feature_contributions", "history_"):
        assert not hasattr(edited, name), name


def test_fit_leaves_the_base_model_alone(reg, edited):
    model, X, y = reg
    before = model.fingerprint()
    pred = edited.predict(X)
    assert edited.fit(X, y) is edited
    assert model.fingerprint() == before
    np.testing.assert_array_equal(edited.predict(X), pred)


def test_cross_val_score_and_pipeline(reg, edited):
    model, X, y = reg
    before = model.fingerprint()
    scores = cross_val_score(edited, X, y, cv=3)
    folds = np.array_split(np.arange(len(X)), 3)
    expected = [edited.score(X.iloc[f], y.iloc[f]) for f in folds]
    np.testing.assert_allclose(scores, expected)
    pipe = Pipeline([("id", FunctionTransformer()), ("m", edited)]).fit(X, y)
    np.testing.assert_array_equal(pipe.predict(X), edited.predict(X))
    assert model.fingerprint() == before


def test_fingerprint_covers_base_and_edits(reg, edited):
    model, _, _ = reg
    same = EditedModel(model, tuple(edited.edits))
    other = EditedModel(model, (Zero(feature="smooth"),))
    assert edited.fingerprint() == same.fingerprint()
    assert len({edited.fingerprint(), other.fingerprint(), model.fingerprint()}) == 3


def test_classifier(fitted_classifier):
    clf, X, _ = fitted_classifier
    X = X.iloc[:300]
    edited = EditedModel(clf, (Zero(feature="colour"),))
    assert is_classifier(edited) and not is_regressor(edited)
    base = clf.contributions(X)["colour"].to_numpy()
    np.testing.assert_allclose(
        edited.decision_function(X), clf.decision_function(X) - base, atol=1e-9
    )
    proba = edited.predict_proba(X)
    np.testing.assert_allclose(proba, clf.inverse_link(edited.decision_function(X)))
    np.testing.assert_array_equal(edited.predict(X), clf.classes_[proba.argmax(1)])
    np.testing.assert_array_equal(edited.classes_, clf.classes_)


def test_bad_edits_are_a_clear_error(reg):
    model, X, _ = reg
    with pytest.raises(EditError, match="'height'"):
        EditedModel(model, (Zero(feature="height"),)).predict(X)
    from namwidgets.edit import Flatten, Monotone

    with pytest.raises(EditError, match="no grid point"):
        EditedModel(model, (Flatten(feature="smooth", x_lo=50.0, x_hi=60.0),)).fit(X)

    with pytest.raises(EditError, match="numeric"):
        EditedModel(model, (Monotone(feature="colour", increasing=True),)).check_edits()


def test_session_on_an_edited_model(reg, edited):
    model, X, y = reg
    s = EditSession(edited, X, y)
    np.testing.assert_allclose(s.predictions("original"), edited.predict(X), atol=1e-12)
    assert s.importance()[model.term_names_.index("smooth")] == 0.0
    s.zero("jagged")
    again = s.to_model()
    assert isinstance(again, EditedModel) and again.estimator is edited
    expected = edited.predict(X) - edited.contributions(X)["jagged"].to_numpy()
    np.testing.assert_allclose(again.predict(X), expected, atol=1e-9)
    np.testing.assert_allclose(s.predictions(), expected, atol=1e-9)
    with pytest.raises(UnsupportedModelError, match="refit_others"):
        s.refit_others(epochs=2)


def test_edited_nam_is_a_deprecated_alias(reg, edited):
    model, X, _ = reg
    with pytest.warns(DeprecationWarning, match="EditedModel"):
        old = EditedNAM(model, list(edited.edits))
    assert isinstance(old, EditedModel) and old.model is model
    with pytest.warns(DeprecationWarning), pytest.raises(EditError, match="height"):
        EditedNAM(model, [Zero(feature="height")])  # fails at once, as it did
    np.testing.assert_array_equal(old.predict(X), edited.predict(X))


def test_multiclass_edits_of_one_class(fitted_classifier):
    from namwidgets import NAMClassifier

    _, X, _ = fitted_classifier
    X = X.iloc[:600]
    y = (X["smooth"].to_numpy() > 0.5).astype(int) + (X["colour"] == "blue").to_numpy()
    clf = NAMClassifier(hidden_sizes=(16,), max_epochs=5, verbose=0, n_threads=1)
    clf.set_params(random_state=0).fit(X, y)
    assert clf.link == "softmax"
    edited = EditedModel(clf, (Scale(feature="quadratic", factor=3.0, class_index=1),))
    t = clf.term_names_.index("quadratic")
    sf, sf0 = edited.term_functions()[t], clf.term_functions()[t]
    np.testing.assert_allclose(sf.values[:, 1], 3 * sf0.values[:, 1])
    np.testing.assert_array_equal(sf.values[:, [0, 2]], sf0.values[:, [0, 2]])
    np.testing.assert_allclose(sf.upper[:, 1], 3 * sf0.upper[:, 1])
    assert sf.nan_value[1] == pytest.approx(3 * sf0.nan_value[1])
    assert sf.nan_value[0] == pytest.approx(sf0.nan_value[0])
    got = edited.contributions_array(X)[:, t]
    base = clf.contributions_array(X)[:, t]
    np.testing.assert_allclose(got[:, 1], 3 * base[:, 1])
    np.testing.assert_array_equal(got[:, 0], base[:, 0])
    s = EditSession(clf, X, y).scale("quadratic", 3.0)
    s.apply(Scale(feature="quadratic", factor=3.0, class_index=1))
    assert s.nan_contribution("quadratic", class_index=1) == pytest.approx(
        9 * s.nan_contribution("quadratic", class_index=1, state="original")
    )
    s.clamp_to_region("smooth", -0.5, 0.5, class_index=2)
    assert s.history[-1][0].class_index == 2
    assert len(s.term_functions("last")) == len(clf.term_names_)
