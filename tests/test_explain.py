"""Explanation data (``namwidgets.explain``): a pair's members, like a shape's."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from namwidgets import EditSession
from namwidgets.explain import PairFunction, pair_function
from namwidgets.model import NAMClassifier, NAMRegressor

FAST = dict(
    max_epochs=5,
    patience=2,
    hidden_sizes=(16, 16),
    verbose=0,
    random_state=0,
    n_threads=1,
)


def data(n=500, seed=0):
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.uniform(-1, 1, n),
            "b": rng.uniform(-1, 1, n),
            "g": rng.choice(list("xyz"), n),
        }
    )
    y = np.sin(2 * X.a) + 2 * X.a * X.b + rng.normal(scale=0.1, size=n)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def ensemble():
    X, y = data()
    model = NAMRegressor(interactions=[("a", "b"), ("a", "g")], n_models=3, **FAST).fit(
        X, y
    )
    return model, X, y


def test_an_ensembles_pair_carries_its_members_whose_mean_is_the_values(ensemble):
    model, *_ = ensemble
    for pf in model.term_functions()[3:]:
        assert isinstance(pf, PairFunction)
        assert pf.members is not None
        assert pf.members.shape == (3, *pf.values.shape)
        np.testing.assert_allclose(pf.members.mean(0), pf.values, rtol=0, atol=1e-12)
        # the band is the members' spread: inside their range
        assert (pf.lower >= pf.members.min(0) - 1e-12).all()
        assert (pf.upper <= pf.members.max(0) + 1e-12).all()
        if pf.name == "a & g":
            # no a x g interaction in the data: each pair early-stopped on its
            # own never leaves its zero start, in every member
            assert np.abs(pf.members).max() < 1e-6
            continue
        spread = np.ptp(pf.members, axis=0)
        assert spread.max() > 1e-3
        for i in range(3):
            for j in range(i):
                assert not np.allclose(pf.members[i], pf.members[j])


def test_the_members_are_each_members_own_pair_surface(ensemble):
    model, *_ = ensemble
    s = model.pair_surface(3)
    pf = pair_function(model, 3)
    # pair_surface's (E, A, B, C) members, without a missing-value slot here
    np.testing.assert_array_equal(pf.members, np.asarray(s["values"])[..., 0])


def test_members_go_to_json_as_nested_lists(ensemble):
    model, *_ = ensemble
    pf = model.term_functions()[3]
    d = json.loads(json.dumps(pf.to_dict(), allow_nan=False))
    assert np.asarray(d["members"]).shape == pf.members.shape
    np.testing.assert_array_equal(np.asarray(d["members"]), pf.members)


def test_one_model_has_no_members_and_a_multiclass_ensemble_a_class_axis():
    X, y = data(n=300, seed=1)
    single = NAMRegressor(interactions=[("a", "b")], **FAST).fit(X, y)
    pf = single.term_functions()[3]
    assert pf.members is None and pf.to_dict()["members"] is None
    labels = np.digitize(y, np.quantile(y, [0.33, 0.66]))
    multi = NAMClassifier(interactions=[("a", "b")], n_models=2, **FAST).fit(X, labels)
    pf = multi.term_functions()[3]
    assert pf.values.shape == (len(pf.x), len(pf.y), 3)
    assert pf.members.shape == (2, len(pf.x), len(pf.y), 3)
    np.testing.assert_allclose(pf.members.mean(0), pf.values, rtol=0, atol=1e-12)


def test_an_edited_pair_has_no_members(ensemble):
    model, X, y = ensemble
    s = EditSession(model, X, y)
    assert s.term_functions()[3].members is not None
    s.scale("a & b", 0.5)
    edited = s.term_functions()[3]
    assert edited.members is None  # an edit acts on the mean, not on members
    assert s.to_model().term_functions()[3].members is None
