"""Pair terms in the session, the edited model and the panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import namwidgets
from namwidgets import EditError, EditSession, NAMPanel, NAMRegressor
from namwidgets.explain import PairFunction


@pytest.fixture(scope="module")
def paired():
    rng = np.random.default_rng(0)
    n = 1200
    X = pd.DataFrame(
        {
            "a": rng.uniform(-1, 1, n),
            "b": rng.uniform(-1, 1, n),
            "g": rng.choice(list("xyz"), n),
        }
    )
    y = np.sin(2 * X.a) + 2 * X.a * X.b + rng.normal(scale=0.1, size=n)
    model = NAMRegressor(
        interactions=[("a", "b")], max_epochs=15, verbose=0, random_state=0, n_threads=1
    ).fit(X, y)
    return model, X, y


def test_zeroing_a_pair_moves_each_row_by_exactly_its_contribution(paired):
    model, X, y = paired
    s = EditSession(model, X, y)
    assert s.term_kinds == ["numeric", "numeric", "categorical", "pair"]
    assert s.main_effects == ["a", "b", "g"]
    before = s.linear_predictor().copy()
    pair = s.contributions("original")[:, 3].copy()
    s.zero("a & b")
    np.testing.assert_allclose(s.linear_predictor() - before, -pair, atol=1e-12)
    assert s.metrics()["rmse"] > s.metrics("original")["rmse"] + 0.1
    assert s.term_functions()[3].importance == 0.0
    s.undo()
    np.testing.assert_array_equal(s.linear_predictor(), before)


def test_pair_edits_round_trip_through_json_to_model_and_a_file(paired, tmp_path):
    model, X, y = paired
    s = EditSession(model, X, y)
    s.scale("a & b", 0.5)
    s.clamp("a & b", lo=-0.2, hi=0.2)
    s.shift("a", 0.1)
    again = EditSession(model, X, y).load_json(s.to_json())
    np.testing.assert_array_equal(again.predictions(), s.predictions())
    edited = s.to_model()
    np.testing.assert_allclose(edited.predict(X), s.predictions(), atol=1e-12)
    pf = edited.term_functions()[3]
    assert isinstance(pf, PairFunction)
    assert np.abs(pf.values).max() == pytest.approx(0.2)
    ratio = pf.importance / model.term_importances()[3]
    assert 0 < ratio < 0.5  # halved, then clamped
    edited.save(tmp_path / "edited.nam")
    back = namwidgets.load(tmp_path / "edited.nam")
    np.testing.assert_array_equal(back.predict(X), edited.predict(X))


def test_shape_edits_on_a_pair_are_refused_and_leave_the_session_alone(paired):
    model, X, y = paired
    s = EditSession(model, X, y)
    before = s.predictions().copy()
    with pytest.raises(EditError, match="pair"):
        s.monotone("a & b")
    assert s.history == [] and np.array_equal(s.predictions(), before)
    assert s.nan_contribution("a & b") is None


def test_the_panel_draws_pairs_and_follows_a_pair_edit_from_code(paired):
    model, X, y = paired
    panel = NAMPanel(model, X, y)
    assert "a & b" in [v for _, v in panel.features.options]
    panel.feature = "a & b"
    assert "pair" in panel.shape_chart.spec["datasets"]
    with pytest.raises(namwidgets.InputError, match="pair term"):
        panel.slice_feature = "a & b"  # slices cut by one feature
    rmse = panel.session.metrics()["rmse"]
    panel.session.zero("a & b")
    panel.refresh()
    assert panel.session.metrics()["rmse"] > rmse
    assert panel.zero.value is True
    assert all(r["value"] == 0 for r in panel.shape_chart.spec["datasets"]["pair"])
