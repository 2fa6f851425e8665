"""The live path's own sigmoid/softmax and its log-odds AUC bins.

The blocked, in-place links must give the model's ``inverse_link`` (the
package's ``namwidgets.links``, on its own compiled ``exp``) bit for bit
(the session uses them only after checking that on its first rows); the
histogram AUC binned by log-odds must stay within its stated bound of
scikit-learn's, including where a confident model's probabilities crowd near
0 and 1 (where equal-width bins in p failed the 1e-4 tolerance) and where many
probabilities are exactly 1.0 (ties, which leave the bound).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import FAST
from sklearn import metrics as skm

from namwidgets import EditSession, NAMClassifier, links
from namwidgets.datasets import make_additive
from namwidgets.edit._layout import empty_outputs
from namwidgets.edit._links import LINK_BLOCK, link_into, matches_model
from namwidgets.edit._live import ProbabilityBins, auc_from_histogram, odds_key
from namwidgets.edit._live_cls import (
    LiveTargets,
    binary_live_metrics,
    multiclass_live_metrics,
)
from namwidgets.edit._metrics import HISTOGRAM_AUC_TOLERANCE


class _Softmax:
    """The models' softmax (``NAMClassifier.inverse_link``'s)."""

    link = "softmax"

    def inverse_link(self, eta):
        return links.softmax(eta)


class _Sigmoid:
    link = "logit"

    def inverse_link(self, eta):
        return links.sigmoid(eta[:, 0])


class _NumpySoftmax:
    """The textbook softmax on numpy's ``exp``: close, not the same bits."""

    link = "softmax"

    def inverse_link(self, eta):
        z = eta - eta.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)


class _Tempered(_Softmax):
    """Says "softmax" but is not the plain one: the session must not replace it."""

    def inverse_link(self, eta):
        return super().inverse_link(eta / 2.0)


@pytest.mark.parametrize(("k", "model"), [(1, _Sigmoid()), (3, _Softmax())])
def test_the_blocked_links_are_the_models_bit_for_bit(k, model):
    rng = np.random.default_rng(k)
    n = 3 * LINK_BLOCK + 17  # several blocks and a short one
    eta = rng.normal(0, 4, (n, k))
    eta[::50] *= 400  # exp overflows and underflows, as the model's does
    with np.errstate(over="ignore"):
        expected = model.inverse_link(eta)
        got = link_into(model.link, eta, np.empty_like(expected))
        assert matches_model(model, eta)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("k", [2, 3, 4, 7, 8, 11])
def test_the_softmax_is_the_textbook_one_to_rounding_and_the_same_in_any_layout(k):
    # the session's class-major path, the copied-block path and the model's
    # give the same bits; against numpy's exp the same to a few ulp
    eta = np.random.default_rng(k).normal(0, 3, (2 * LINK_BLOCK + 5, k))
    expected = _Softmax().inverse_link(eta)
    got = link_into("softmax", eta, np.empty_like(expected))
    np.testing.assert_array_equal(got, expected)
    major = empty_outputs(eta.shape)
    major[:] = eta
    got_major = link_into("softmax", major, empty_outputs(eta.shape))
    np.testing.assert_array_equal(got_major, expected)
    np.testing.assert_allclose(expected, _NumpySoftmax().inverse_link(eta), rtol=1e-15)
    np.testing.assert_allclose(expected.sum(1), 1.0, rtol=4e-16 * k)


def test_the_exp_is_within_its_stated_ulp_of_the_exact_value():
    # against long double (64-bit mantissa): <= 0.95 ulp where numpy's is
    # <= 0.51, through the subnormals; the special values as the C library's
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.uniform(-745, 709.7, 200_000),
            rng.normal(0, 1, 100_000),
            np.linspace(-0.35, 0.35, 10_001),
            rng.uniform(-745.1, -708, 10_000),
        ]
    )
    got = links.exp(x)
    exact = np.exp(x.astype(np.longdouble))
    ulp = np.spacing(exact.astype(np.float64))
    err = np.abs((got - exact) / ulp).astype(np.float64)
    assert err.max() <= 0.95
    assert np.abs(got.view(np.int64) - np.exp(x).view(np.int64)).max() <= 1
    special = np.array(
        [-np.inf, np.inf, np.nan, 0.0, -0.0, -746.0, -1e300, 710.0, 1e300]
    )
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(links.exp(special), np.exp(special))
    assert links.exp(np.array([-745.0]))[0] == np.exp(-745.0)  # the last subnormal


def test_the_classifiers_inverse_link_is_the_packages_links():
    X, y = make_additive(300, random_state=0)
    labels = pd.cut(y, [-np.inf, -0.5, 0.5, np.inf], labels=["lo", "mid", "hi"])
    three = NAMClassifier(random_state=0, **FAST).fit(X, labels)
    eta = three.decision_function(X)
    np.testing.assert_array_equal(three.predict_proba(X), links.softmax(eta))
    two = NAMClassifier(random_state=0, **FAST).fit(X, y > 0)
    p = two.predict_proba(X)
    np.testing.assert_array_equal(p, links.sigmoid(two.decision_function(X)))
    assert p.flags.c_contiguous and p.shape == (300, 2)


def test_the_blocked_softmax_of_strided_and_nonfinite_eta_is_the_models():
    # a strided eta, into a strided out; inf, -inf and NaN rows propagate as
    # the model's (NaN where it gives NaN, the same bits elsewhere)
    rng = np.random.default_rng(11)
    wide = rng.normal(0, 5, (LINK_BLOCK + 333, 6))
    eta = wide[:, ::2]
    eta[3, 1], eta[5, 0], eta[7, 2] = np.inf, -np.inf, np.nan
    eta[9] = -np.inf
    with np.errstate(invalid="ignore", over="ignore"):
        expected = _Softmax().inverse_link(eta)
        out = np.full((len(eta), 6), 7.0)
        got = link_into("softmax", eta, out[:, 1::2])
    np.testing.assert_array_equal(got, expected)
    assert (out[:, 0::2] == 7.0).all()


def test_a_link_that_is_not_the_plain_one_keeps_the_models():
    eta = np.random.default_rng(0).normal(size=(500, 3))
    assert not matches_model(_Tempered(), eta)
    # numpy's exp differs from the package's in the last bit of some rows
    assert not matches_model(_NumpySoftmax(), eta)

    class Identity:
        link = "identity"

    assert not matches_model(Identity(), eta)


@pytest.fixture(scope="module")
def multiclass_session():
    X, y = make_additive(70_000, random_state=3)
    labels = pd.cut(y, [-np.inf, -0.5, 0.5, np.inf], labels=["lo", "mid", "hi"])
    clf = NAMClassifier(random_state=0, **{**FAST, "max_epochs": 3}).fit(
        X.iloc[:1500], labels[:1500]
    )
    return clf, EditSession(clf, X, labels)


def test_a_multiclass_sessions_predictions_are_the_models_inverse_link(
    multiclass_session,
):
    clf, s = multiclass_session
    assert s._link == "softmax"
    before = s.predictions()
    kept = before.copy()
    s.scale("smooth", 0.3).set_category("colour", "red", 0.8)
    for state in ("original", "last", "current"):
        eta = s.linear_predictor(state)
        np.testing.assert_array_equal(s.predictions(state), clf.inverse_link(eta))
    np.testing.assert_array_equal(before, kept)  # the caller's array never moved
    s.undo()
    s.undo()
    np.testing.assert_array_equal(s.predictions(), kept)  # undo: bit for bit


def test_odds_key_rises_with_the_probability():
    p = np.sort(
        np.concatenate(
            [
                [0.0, 5e-324, 1e-300, 1e-20, 0.5, 1 - 2**-53, 1.0],
                np.random.default_rng(0).random(10_000),
                1 - np.random.default_rng(1).random(1000) * 1e-12,
            ]
        )
    )
    assert np.all(np.diff(odds_key(p)) >= 0)
    bins = ProbabilityBins(float(p.min()), float(p.max()), 1 << 12)
    ids = bins.ids(p, np.empty(len(p), np.intp), np.empty(len(p)))
    assert np.all(np.diff(ids) >= 0)
    assert ids[0] == 0 and ids[-1] == bins.n_bins - 1 <= (1 << 12) - 1
    assert bins.exact == (bins.n_bins - 1,)  # p == 1.0 alone in the top bin
    assert ids[-2] < ids[-1]


def _confident(n, k, seed, saturate=False):
    """Probabilities of a confident model: most rows within 1e-6 of 0 or 1."""
    rng = np.random.default_rng(seed)
    eta = rng.normal(0, 12, (n, k))
    if saturate:
        eta[: n // 3, 0] = 800.0  # a third of the rows at p == 1.0 exactly
    p = np.exp(eta - eta.max(1, keepdims=True))
    p /= p.sum(1, keepdims=True)
    truth = np.argmax(eta + rng.gumbel(size=(n, k)) * 6, 1)
    truth[:k] = np.arange(k)
    return truth, p


@pytest.mark.parametrize("saturate", [False, True])
def test_the_histogram_auc_of_a_confident_model_is_within_its_bound(saturate):
    codes, p = _confident(200_000, 3, seed=1, saturate=saturate)
    live = multiclass_live_metrics(LiveTargets(codes, 3), p)
    exact = skm.roc_auc_score(codes, p, multi_class="ovr")
    assert abs(live["roc_auc"] - exact) <= live["roc_auc_bound"] + 1e-12
    assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE
    # the bins equal-width in p, as before, could not vouch for this AUC
    for c in range(3):
        score = p[:, c]
        lin = ((score - score.min()) * ((1 << 16) - 1) / np.ptp(score)).astype(int)
        pos = np.bincount(lin, weights=codes == c, minlength=1 << 16)
        neg = np.bincount(lin, minlength=1 << 16) - pos
        if auc_from_histogram(pos, neg)[1] > HISTOGRAM_AUC_TOLERANCE:
            break
    else:
        pytest.fail("equal-width bins in p were tight enough: not a hard case")
    # binary, weighted, saturated: the ties at 1.0 are exact
    y = (codes == 0).astype(int)
    proba = np.column_stack([1 - p[:, 0], p[:, 0]])
    w = np.random.default_rng(2).uniform(0.2, 3.0, len(y))
    live = binary_live_metrics(y == 1, proba, w)
    exact = skm.roc_auc_score(y, proba[:, 1], sample_weight=w)
    assert abs(live["roc_auc"] - exact) <= live["roc_auc_bound"] + 1e-12
    assert live["roc_auc_bound"] < HISTOGRAM_AUC_TOLERANCE


def test_kept_targets_give_the_numbers_of_fresh_ones_call_after_call():
    # the AUC's id buffer is kept between calls: no call may see another's
    codes, p = _confident(90_000, 4, seed=3)
    _, q = _confident(90_000, 4, seed=4)
    kept = LiveTargets(codes, 4)
    for proba in (p, q, p):
        assert multiclass_live_metrics(kept, proba) == multiclass_live_metrics(
            LiveTargets(codes, 4), proba
        )
