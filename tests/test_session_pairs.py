"""Pair terms in the session, the edited model and the panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import namwidgets
from namwidgets import EditError, EditSession, NAMPanel, NAMRegressor
from namwidgets.edit import Monotone
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


# ---------------------------------------------------------------- issue 11
@pytest.fixture(scope="module")
def three_pairs():
    """A model with a numeric x numeric, numeric x categorical, cat x cat pair."""
    rng = np.random.default_rng(1)
    n = 1500
    X = pd.DataFrame(
        {
            "a": rng.uniform(-1, 1, n),
            "b": rng.uniform(-1, 1, n),
            "g": rng.choice(list("xyz"), n),
            "h": rng.choice(["yes", "no"], n),
        }
    )
    X.loc[rng.random(n) < 0.05, "b"] = np.nan
    y = (
        np.sin(2 * X.a)
        + 2 * X.a * X.b.fillna(0)
        + (X.g == "x") * 2 * X.a
        + ((X.g == "y") & (X.h == "yes"))
        + rng.normal(scale=0.1, size=n)
    )
    model = NAMRegressor(
        interactions=[("a", "b"), ("g", "a"), ("g", "h")],
        max_epochs=10,
        verbose=0,
        random_state=0,
        n_threads=1,
    ).fit(X, y)
    assert model.term_names_[4:] == ["a & b", "a & g", "g & h"]
    return model, X, y


def _col(s, term, state="current"):
    return s.contributions(state)[:, s.term_names.index(term), 0].copy()


def test_flatten_region_sets_the_rectangle_to_its_weighted_mean(three_pairs):
    model, X, y = three_pairs
    s = EditSession(model, X, y)
    pf0 = s.term_functions()[4]
    before = _col(s, "a & b")
    s.flatten("a & b", region={"a": (0.0, 0.5), "b": (-0.5, 0.0)})
    after = _col(s, "a & b")
    inside = X.a.between(0, 0.5) & X.b.between(-0.5, 0)
    assert inside.sum() > 50
    # the rows in the rectangle share one value: the grid cells' weighted mean
    cells = (pf0.x >= 0) & (pf0.x <= 0.5), (pf0.y >= -0.5) & (pf0.y <= 0)
    w = pf0.density[np.ix_(*cells)]  # (plus an epsilon: cells without data count)
    level = (w * pf0.values[np.ix_(*cells)]).sum() / w.sum()
    assert np.all(after[inside] == after[inside][0])
    np.testing.assert_allclose(after[inside], level, rtol=1e-6)
    np.testing.assert_array_equal(after[~inside], before[~inside])
    pf = s.term_functions()[4]
    assert np.all(pf.values[np.ix_(*cells)] == after[inside][0])
    outside = ~np.outer(*cells)
    np.testing.assert_array_equal(pf.values[outside], pf0.values[outside])
    # the missing-b rows are outside every range of b
    assert np.array_equal(after[X.b.isna()], before[X.b.isna()])


def test_set_cell_on_a_categorical_pair_and_on_a_level_range(three_pairs):
    model, X, y = three_pairs
    s = EditSession(model, X, y)
    before = _col(s, "g & h")
    s.set_cell("g & h", ("y", "yes"), 0.2)
    cell = (X.g == "y") & (X.h == "yes")
    after = _col(s, "g & h")
    assert np.all(after[cell] == 0.2)
    np.testing.assert_array_equal(after[~cell], before[~cell])
    pf = s.term_functions()[6]
    assert pf.values[1, 1] == 0.2 and pf.values[0, 1] != 0.2
    # (numeric range, level) on the numeric x categorical pair
    mixed = _col(s, "a & g")
    s.set_cell("a & g", {"a": (0.0, 0.5), "g": "z"}, -0.3)
    rows = X.a.between(0, 0.5) & (X.g == "z")
    now = _col(s, "a & g")
    assert np.all(now[rows] == -0.3)
    np.testing.assert_array_equal(now[~rows], mixed[~rows])
    assert s.history[-1][0].to_dict()["y_levels"] == ["z"]


def test_a_level_curve_takes_the_one_dimensional_edits(three_pairs):
    model, X, y = three_pairs
    s = EditSession(model, X, y)
    assert s.pair_levels("a & g") == ["x", "y", "z"]
    pf0 = s.term_functions()[5]
    before = _col(s, "a & g")
    s.monotone("a & g", level="x", increasing=False)
    pf = s.term_functions()[5]
    assert np.all(np.diff(pf.values[:, 0]) <= 1e-12)
    assert np.any(np.diff(pf0.values[:, 0]) > 1e-6)  # it was not already monotone
    np.testing.assert_array_equal(pf.values[:, 1:], pf0.values[:, 1:])
    after = _col(s, "a & g")
    level_x = (X.g == "x").to_numpy()
    np.testing.assert_array_equal(after[~level_x], before[~level_x])
    np.testing.assert_allclose(
        after[level_x], np.interp(X.a[level_x], pf.x, pf.values[:, 0]), atol=1e-12
    )
    # knots on another level's curve: rows of that level move by the offset
    ref = s.level_reference("a & g", "y")
    assert ref.kind == "numeric" and ref.grid.shape == pf.x.shape
    s.set_knots("a & g", [0.0, 0.5], level="y")
    level_y = (X.g == "y").to_numpy()
    moved = _col(s, "a & g") - after
    pos = s.history[-1][0].positions
    np.testing.assert_allclose(
        moved[level_y], np.interp(X.a[level_y], pos, [0.0, 0.5]), atol=1e-12
    )
    assert not moved[~level_y].any()
    s.scale("a & g", 0.0, level="z")
    assert not _col(s, "a & g")[(X.g == "z").to_numpy()].any()
    d = s.history[-1][0].to_dict()
    assert d["level"] == "z" and type(s.history[-1][0]).from_dict(d).level == "z"
    # a main effect's edit writes no level: its files stay as they were
    assert "level" not in Monotone(feature="a", increasing=True).to_dict()


@pytest.mark.parametrize(
    "act, match",
    [
        (lambda s: s.flatten("a & q", region={"a": (0, 1)}), "Unknown term"),
        (lambda s: s.flatten("a & b", region={"a": (5, 6)}), r"\[5.0, 6.0\].*'a'"),
        (lambda s: s.flatten("a & b", region={"q": (0, 1)}), "not features"),
        (lambda s: s.flatten("a", region={"a": (0, 1)}), "main effect"),
        (lambda s: s.set_cell("g & h", ("w", "yes"), 1.0), "'w' is not a level"),
        (lambda s: s.set_cell("a & b", ((0, 1), (0, 1)), 1.0), "numeric"),
        (lambda s: s.monotone("a & g", level="w"), "'w' is not a level"),
        (lambda s: s.monotone("a & b", level="x"), "categorical x numeric"),
        (lambda s: s.smooth("g & h", 0.1, level="x"), "categorical x numeric"),
        (lambda s: s.monotone("a", level="x"), "main effect"),
        (lambda s: s.monotone("a & g"), "level="),
        (lambda s: s.flatten("a & g", 5.0, 6.0, level="x"), "no grid point"),
        (lambda s: s.set_knots("a & g", [0, 1], [-5, 5], level="x"), "outside"),
    ],
)
def test_a_bad_pair_edit_is_refused_by_name_and_leaves_the_session(
    three_pairs, act, match
):
    model, X, y = three_pairs
    s = EditSession(model, X, y)
    s.zero("g & h")
    pred, eta = s.predictions().copy(), s.linear_predictor().copy()
    with pytest.raises(EditError, match=match):
        act(s)
    assert len(s.history) == 1 and s.position == 1
    np.testing.assert_array_equal(s.predictions(), pred)
    np.testing.assert_array_equal(s.linear_predictor(), eta)


def test_pair_region_edits_undo_round_trip_and_save(three_pairs, tmp_path):
    model, X, y = three_pairs
    s = EditSession(model, X, y)
    eta0 = s.linear_predictor().copy()
    s.flatten("a & b", region={"a": (-0.5, 0.5)})
    s.set_cell("g & h", ("x", "no"), -0.1)
    s.monotone("a & g", level="y")
    s.smooth("a & g", level="z")
    s.clamp_to_pair_region("a & b", {"a": (0, 1), "b": (0, 1)})
    s.shift("a", 0.05)
    eta = s.linear_predictor().copy()
    for _ in range(6):
        s.undo()
    np.testing.assert_array_equal(s.linear_predictor(), eta0)
    for _ in range(6):
        s.redo()
    np.testing.assert_array_equal(s.linear_predictor(), eta)
    again = EditSession(model, X, y).load_json(s.to_json())
    np.testing.assert_array_equal(again.linear_predictor(), eta)
    assert [e.to_dict() for e in again.applied] == [e.to_dict() for e in s.applied]
    edited = s.to_model()
    new = X.sample(300, random_state=3).reset_index(drop=True)
    fresh = EditSession(model, new)
    for e in s.applied:
        fresh.apply(e)
    np.testing.assert_allclose(edited.predict(new), fresh.predictions(), atol=1e-12)
    np.testing.assert_allclose(edited.predict(X), s.predictions(), atol=1e-12)
    edited.save(tmp_path / "pairs.nam")
    back = namwidgets.load(tmp_path / "pairs.nam")
    np.testing.assert_array_equal(back.predict(new), edited.predict(new))
    assert isinstance(back.term_functions()[5], PairFunction)


def test_clamp_to_a_pair_region_uses_the_cells_in_it(three_pairs):
    model, X, y = three_pairs
    s = EditSession(model, X, y)
    pf0 = s.term_functions()[4]
    s.clamp_to_pair_region("a & b", {"a": (0.0, 1.0), "b": (0.0, 1.0)})
    cells = np.ix_(pf0.x >= 0, pf0.y >= 0)
    clamp = s.history[-1][0]
    assert clamp.lo == pf0.values[cells].min() and clamp.hi == pf0.values[cells].max()
    assert s.term_functions()[4].values.max() == pytest.approx(clamp.hi)


def test_refit_others_after_zeroing_a_pair_lets_a_proxy_absorb_it():
    # A purified pair is orthogonal to its own features' main effects, so they
    # cannot take it up; a third feature that carries the product can.
    rng = np.random.default_rng(2)
    n = 1500
    X = pd.DataFrame({"a": rng.uniform(-1, 1, n), "b": rng.uniform(-1, 1, n)})
    X["c"] = X.a * X.b + rng.normal(scale=0.15, size=n)
    y = 2 * X.a * X.b + rng.normal(scale=0.1, size=n)
    model = NAMRegressor(
        interactions=[("a", "b")], max_epochs=10, verbose=0, random_state=0, n_threads=1
    ).fit(X, y)
    s = EditSession(model, X, y)
    s.zero("a & b")
    rmse_zeroed = s.metrics()["rmse"]
    report = s.refit_others(epochs=10).set_index("feature")
    assert list(report.index) == s.term_names
    assert report.loc["a & b", "held"] and not report.loc["c", "held"]
    assert not _col(s, "a & b").any()  # the pair stays zero
    assert report.loc["c", "absorbed"] > 0.5
    assert abs(report.loc["a", "absorbed"]) < 0.05
    assert report.loc["a & b", "absorbed"] == 0.0
    assert (
        report.loc["c", "importance_after"] > 3 * report.loc["c", "importance_before"]
    )
    assert s.metrics()["rmse"] < 0.6 * rmse_zeroed


def test_pair_region_and_level_edits_on_a_multiclass_model():
    rng = np.random.default_rng(4)
    n = 1500
    X = pd.DataFrame({"a": rng.uniform(-1, 1, n), "g": rng.choice(list("xyz"), n)})
    logit = (X.g == "x") * 2 * X.a
    y = np.where(logit > 0.5, "hi", np.where(logit < -0.5, "lo", "mid"))
    model = namwidgets.NAMClassifier(
        interactions=[("g", "a")], max_epochs=8, verbose=0, random_state=0, n_threads=1
    ).fit(X, y)
    s = EditSession(model, X, y)
    before = s.contributions()[:, 2].copy()  # (n, 3 classes)
    s.set_cell("a & g", ((0.0, 0.5), "y"), 0.3, message="one class? no: all")
    rows = (X.a.between(0, 0.5) & (X.g == "y")).to_numpy()
    assert np.all(s.contributions()[rows, 2] == 0.3)
    s.clamp("a & g", -0.1, 0.1, class_index=1, level="x")
    now = s.contributions()[:, 2]
    level_x = (X.g == "x").to_numpy()
    assert np.abs(now[level_x, 1]).max() <= 0.1
    np.testing.assert_array_equal(now[level_x][:, [0, 2]], before[level_x][:, [0, 2]])
    edited = s.to_model()
    np.testing.assert_allclose(
        edited.predict_proba(X), s.predictions(), rtol=0, atol=1e-12
    )
    again = EditSession(model, X, y).load_json(s.to_json())
    np.testing.assert_array_equal(again.predictions(), s.predictions())


@pytest.mark.slow
def test_level_and_region_edits_on_many_rows_match_a_fresh_session():
    # Above 65,536 rows a session keeps each level's rows (and the 1-D edits
    # their grid segments) between edits, and a rectangle is written block by
    # block (32,768 rows): the kept rows and the blocks must give what a
    # session below that size computes from scratch, bit for bit.
    rng = np.random.default_rng(5)

    def data(n):
        X = pd.DataFrame({"a": rng.uniform(-1, 1, n), "g": rng.choice(list("xyz"), n)})
        X.loc[X.index[::97], "a"] = np.nan
        return X, (X.g == "x") * 2 * X.a.fillna(0) + rng.normal(scale=0.1, size=n)

    X, y = data(1500)
    model = NAMRegressor(
        interactions=[("a", "g")], max_epochs=5, verbose=0, random_state=0, n_threads=1
    ).fit(X, y)
    Xbig, ybig = data(70_000)
    s = EditSession(model, Xbig, ybig)
    s.monotone("a & g", True, level="x")
    s.undo()
    s.monotone("a & g", False, level="x")  # the level's rows kept from the first
    monotone = _col(s, "a & g")
    s.smooth("a & g", 0.5, level="y")
    before = _col(s, "a & g")
    level_y = (Xbig.g == "y").to_numpy()
    np.testing.assert_array_equal(before[~level_y], monotone[~level_y])
    assert (before[level_y] != monotone[level_y]).mean() > 0.5
    s.flatten("a & g", region={"a": (-0.3, 0.6), "g": ["x", "z"]})
    after = _col(s, "a & g")
    inside = (Xbig.a.between(-0.3, 0.6) & Xbig.g.isin(["x", "z"])).to_numpy()
    assert inside.sum() > 20_000  # across the blocks
    assert np.all(after[inside] == after[inside][0])
    np.testing.assert_array_equal(after[~inside], before[~inside])
    s.set_cell("a & g", ((0.0, 0.5), "y"), 0.3)
    cell = (Xbig.a.between(0.0, 0.5) & (Xbig.g == "y")).to_numpy()
    assert np.all(_col(s, "a & g")[cell] == 0.3)
    # the same edits on the first 30,000 rows: below the threshold, nothing kept
    head = EditSession(model, Xbig.iloc[:30_000], ybig.iloc[:30_000])
    head.load_json(s.to_json())
    np.testing.assert_array_equal(head.predictions(), s.predictions()[:30_000])
    np.testing.assert_allclose(
        s.to_model().predict(Xbig), s.predictions(), rtol=0, atol=1e-12
    )
