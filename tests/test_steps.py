"""A learned value per distinct value of numeric features with few of them (issue 16).

A feature net is smooth in its input: between adjacent values of a column such as
capital-gain (0, 114, ..., 3103, ..., 99999) it cannot jump. Such columns get a
step table beside the net (:func:`namwidgets.model._grid.step_points`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import namwidgets
from namwidgets import NAMClassifier, NAMRegressor
from namwidgets.model import _grid, _io
from namwidgets.model._grid import (
    even_corners,
    evenly_spaced,
    point_counts,
    step_points,
    table_corners,
    uneven_corners,
)

VALUES = np.array([0.0, 114.0, 3103.0, 5000.0, 7688.0, 15024.0, 99999.0])
SHARES = np.array([0.85, 0.02, 0.03, 0.03, 0.03, 0.02, 0.02])
# the data carries a constant column on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Constant column")

JUMPS = np.array([0.0, 1.5, -2.0, 2.5, -1.0, 3.0, -2.5])  # alternate: no smooth fit


def _step_data(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    g = rng.choice(VALUES, size=n, p=SHARES)
    x = rng.normal(size=n)
    X = pd.DataFrame(
        {
            "g": g,
            "x": x,  # all values distinct: no table
            "b": rng.integers(0, 2, n).astype(float),  # binary: no table
            "c": np.full(n, 3.0),  # constant: no table, no contribution
        }
    )
    truth = JUMPS[np.searchsorted(VALUES, g)]
    y = truth + np.sin(x) + 0.5 * X["b"] + rng.normal(scale=0.3, size=n)
    return X, y


def _centred_truth():
    return JUMPS - np.average(JUMPS, weights=SHARES)


# interactions=0: these tests are about the main effects' step tables (with the
# default's pairs the mains are fine-tuned with them and take their axis means)
FIT = dict(
    hidden_sizes=(32, 32),
    max_epochs=40,
    learning_rate=1e-2,
    verbose=0,
    n_threads=1,
    interactions=0,
)


# 16 even points for the many-valued column: these sets' 2,000-odd training rows
# then hold more than STEP_MIN_ROWS_PER_POINT rows per point (64 would not)
EVEN = 16


@pytest.fixture(scope="module", autouse=True)
def _sixteen_even_points():
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_grid, "STEP_EVEN_POINTS", EVEN)
        yield


@pytest.fixture(scope="module")
def step_model():
    X, y = _step_data()
    return NAMRegressor(random_state=0, **FIT).fit(X, y), X, y


# ------------------------------------------------------------ the pieces
def test_step_points_pick_the_columns_with_few_distinct_values():
    x = torch.tensor(
        [
            [0.0, 1.0, 5.0, 0.1, 7.0],
            [2.0, 0.0, 5.0, 0.2, 8.0],
            [1.0, 1.0, 5.0, 0.3, 0.0],
            [2.0, 0.0, 5.0, 0.4, 9.0],
        ]
    )
    missing = torch.zeros_like(x, dtype=torch.bool)
    missing[2, 4] = True  # its 0.0 does not count
    features, points = step_points(x, missing, max_values=3, n_even=0, min_rows=0)
    # column 0: 3 values; 1: binary; 2: constant; 3: 4 values > 3; 4: 3 values
    assert features.tolist() == [0, 4]
    torch.testing.assert_close(points, torch.tensor([[0.0, 1, 2], [7.0, 8, 9]]))
    assert step_points(x, missing, max_values=2, n_even=0, min_rows=0) is None


def test_columns_with_many_values_get_evenly_spaced_points():
    x = torch.tensor([[0.0, 1.0, 0.1], [2.0, 0.0, 0.2], [1.0, 1.0, 0.3]])
    x = torch.cat([x, torch.tensor([[2.0, 0.0, 0.9]])])
    missing = torch.zeros_like(x, dtype=torch.bool)
    features, points = step_points(x, missing, max_values=3, n_even=5, min_rows=0)
    assert features.tolist() == [0, 2]  # not the binary column
    torch.testing.assert_close(points[0], torch.tensor([0.0, 1, 2, 2, 2]))
    torch.testing.assert_close(points[1], torch.linspace(0.1, 0.9, 5))
    assert point_counts(points).tolist() == [3, 5]


def test_a_table_needs_enough_rows_per_point():
    # 12 rows: 3 values (4 rows each) in column 0, all distinct in column 1
    x = torch.stack([torch.arange(12.0) % 3, torch.arange(12.0) / 7], 1)
    missing = torch.zeros_like(x, dtype=torch.bool)
    features, _ = step_points(x, missing, max_values=3, n_even=4, min_rows=3)
    assert features.tolist() == [0, 1]  # 4 and 3 rows per point
    features, _ = step_points(x, missing, max_values=3, n_even=4, min_rows=4)
    assert features.tolist() == [0]  # column 1: 12 rows < 4 x 4 points
    missing[:3, 0] = True  # 9 rows left for 3 values
    assert step_points(x, missing, max_values=3, n_even=0, min_rows=4) is None
    # the default asks STEP_MIN_ROWS_PER_POINT of them: none here
    assert step_points(x, missing, max_values=3, n_even=4) is None


def test_padding_repeats_the_last_value_and_counts_ignore_it():
    x = torch.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 2.0]])
    features, points = step_points(
        x, torch.zeros_like(x, dtype=torch.bool), n_even=0, min_rows=0
    )
    assert features.tolist() == [0, 1]
    torch.testing.assert_close(points[1], torch.tensor([0.0, 1, 2, 2]))
    assert point_counts(points).tolist() == [4, 3]


def test_uneven_corners_are_exact_at_points_linear_between_held_beyond():
    points = torch.tensor([[0.0, 1.0, 4.0, 4.0], [-1.0, 0.0, 2.0, 10.0]])
    counts = point_counts(points)
    values = torch.tensor([[1.0, -3.0, 5.0, 5.0], [2.0, 0.0, 4.0, -6.0]])[..., None]
    x = torch.tensor(
        [[0.0, 1.0, 4.0, 0.5, 2.5, -7.0, 9.0], [-1.0, 2.0, 10.0, 1.0, 6.0, -2, 11]]
    )
    lo, hi, t = uneven_corners(points, counts, x)
    out = _grid.interpolate(values, lo, hi, t)[..., 0]
    expected = torch.tensor(
        [[1.0, -3.0, 5.0, -1.0, 1.0, 1.0, 5.0], [2.0, 4.0, -6.0, 2.0, -1.0, 2, -6]]
    )
    torch.testing.assert_close(out, expected, rtol=0, atol=1e-6)


def test_even_points_are_found_and_read_by_arithmetic_as_by_search():
    g = torch.Generator().manual_seed(3)
    x_num = torch.randn(5000, 3, generator=g)
    x_num[:, 1] = torch.randint(0, 7, (5000,), generator=g).float() ** 1.5
    features, points = step_points(
        x_num,
        torch.zeros_like(x_num, dtype=torch.bool),
        max_values=10,
        n_even=64,
        min_rows=0,
    )
    counts = point_counts(points)
    even = evenly_spaced(points, counts)
    # columns 0 and 2: 64 even points; column 1: its 7 distinct values
    assert features.tolist() == [0, 1, 2] and counts.tolist() == [64, 7, 64]
    assert even.tolist() == [True, False, True]
    x = torch.randn(3, 20_000, generator=g) * 2  # beyond both ends too
    x[1] = torch.randint(0, 9, (20_000,), generator=g).float() ** 1.5 - 0.5
    x[:, :4] = points[:, :1] - torch.tensor([0.0, 1e-3, 5.0, -1e-7])
    ref = uneven_corners(points, counts, x)
    lo, hi, t = table_corners(points, counts, even, x)
    values = torch.randn(3, points.shape[1], 1, generator=g, dtype=torch.float64)
    want = _grid.interpolate(values, *ref)
    # float32 positions: t differs from the search's by rounding (~1e-6)
    torch.testing.assert_close(
        _grid.interpolate(values, lo, hi, t), want, rtol=0, atol=1e-4
    )
    # in float64 (inference) the even points are float32 roundings of an even
    # grid (~1e-7 of 0.05 spacing): t differs by ~2e-6 at most
    p64, x64 = points.double(), x.double()
    got64 = _grid.interpolate(values, *table_corners(p64, counts, even, x64))
    want64 = _grid.interpolate(values, *uneven_corners(p64, counts, x64))
    torch.testing.assert_close(got64, want64, rtol=0, atol=2e-5)
    # the distinct-value row still reads its entries exactly (by search)
    assert torch.equal(lo[1], ref[0][1]) and torch.equal(t[1], ref[2][1])
    # the even rows' corners agree with the search except within rounding
    same = (lo[[0, 2]] == ref[0][[0, 2]]).float().mean()
    assert same > 0.999
    # and even_corners alone on the even rows is what table_corners gave them
    alone = even_corners(points[[0, 2]], counts[[0, 2]], x[[0, 2]])
    assert torch.equal(alone[0], lo[[0, 2]]) and torch.equal(alone[2], t[[0, 2]])


def test_gradients_reach_the_step_table():
    points = torch.tensor([[0.0, 1.0, 4.0]], dtype=torch.float64)
    x = torch.tensor([[0.0, 0.3, 2.0, 4.0, 5.0]], dtype=torch.float64)
    lo, hi, t = uneven_corners(points, point_counts(points), x)
    values = torch.randn(1, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(
        lambda v: _grid.interpolate(v, lo, hi, t), (values,)
    )


# ------------------------------------------------------------ the fit
def test_the_step_function_is_recovered(step_model):
    model, _, _ = step_model
    m = model.module_
    assert m.knots is not None  # the grid path
    assert m.step_features.tolist() == [0, 1]  # g and x: not b or c
    assert point_counts(m.step_points).tolist() == [len(VALUES), EVEN]
    got = model.feature_contributions("g", VALUES)[:, 0]
    truth = _centred_truth()
    assert np.corrcoef(got, truth)[0, 1] > 0.99
    # every value with >= 2% of the rows within 0.6 of its jump (range 5.5)
    assert np.abs(got - truth).max() < 0.6
    # the other columns are still right: all-distinct, binary, constant
    grid = np.linspace(-2, 2, 41)
    sin = model.feature_contributions("x", grid)[:, 0]
    assert np.corrcoef(sin, np.sin(grid))[0, 1] > 0.99
    b = model.feature_contributions("b", np.array([0.0, 1.0]))[:, 0]
    assert b[1] - b[0] == pytest.approx(0.5, abs=0.1)
    assert (model.feature_contributions("c", np.array([3.0, 4.0])) == 0).all()


def test_without_the_table_the_net_misses_the_jumps(monkeypatch):
    """The same fit with no table (as before): the jumps are not learned."""
    monkeypatch.setattr(_grid, "STEP_MAX_VALUES", 0)
    monkeypatch.setattr(_grid, "STEP_EVEN_POINTS", 0)
    X, y = _step_data()
    model = NAMRegressor(random_state=0, **FIT).fit(X, y)
    assert model.module_.step_values is None
    got = model.feature_contributions("g", VALUES)[:, 0]
    assert np.abs(got - _centred_truth()).max() > 0.6


def test_a_value_between_two_training_values_reads_the_line_between(step_model):
    model, _, _ = step_model
    m = model.module_
    enc = model.encoder_
    at = model.feature_contributions("g", VALUES)[:, 0]
    mid = model.feature_contributions("g", np.array([4000.0, 50000.0]))[:, 0]
    assert np.isfinite(mid).all()
    # in mapped units the table is linear between 3103 and 5000: the net's part
    # is smooth, so the value lies between its neighbours' (up to the net's slope)
    lo, hi = sorted(at[2:4])
    assert lo - 0.3 < mid[0] < hi + 0.3
    # the table alone is exactly linear in mapped units
    mapped, _ = enc.encode_numeric(0, np.array([3103.0, 4000.0, 5000.0]))
    x_num = torch.zeros(3, m.n_numeric, dtype=m.step_points.dtype)
    x_num[:, 0] = torch.from_numpy(mapped)
    with torch.no_grad():
        table = m.step_outputs(x_num)[0, :, 0, 0]
    w = (mapped[1] - mapped[0]) / (mapped[2] - mapped[0])
    assert float(table[1]) == pytest.approx(
        float((1 - w) * table[0] + w * table[2]), abs=1e-5
    )


def test_contributions_add_up_and_term_functions_show_the_jumps(step_model):
    model, X, _ = step_model
    c = model.contributions(X.iloc[:200])
    np.testing.assert_allclose(
        model.intercept_ + c.to_numpy().sum(1), model.predict(X.iloc[:200]), atol=1e-9
    )
    assert (c["c"] == 0).all()  # the constant column
    shape = model.term_functions()[0]
    assert set(VALUES) <= set(np.asarray(shape.x, float))  # the jumps are on the grid
    on_grid = np.interp(VALUES, np.asarray(shape.x, float), shape.values)
    np.testing.assert_allclose(
        on_grid, model.feature_contributions("g", VALUES)[:, 0], atol=1e-9
    )


def test_save_and_load_are_exact_with_a_table(step_model, tmp_path):
    model, X, _ = step_model
    model.save(tmp_path / "m.nam")
    loaded = namwidgets.load(tmp_path / "m.nam")
    for name in ("step_features", "step_points", "step_values", "step_counts"):
        torch.testing.assert_close(
            getattr(loaded.module_, name), getattr(model.module_, name), rtol=0, atol=0
        )
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_version_4_file_loads_and_predicts_as_before(tmp_path, monkeypatch):
    monkeypatch.setattr(_grid, "STEP_MAX_VALUES", 0)  # what a version 4 fit was
    monkeypatch.setattr(_grid, "STEP_EVEN_POINTS", 0)
    X, y = _step_data(n=2500)
    model = NAMRegressor(random_state=0, **{**FIT, "max_epochs": 3}).fit(X, y)
    monkeypatch.setattr(_io, "VERSION", 4)
    model.save(tmp_path / "v4.nam")
    monkeypatch.undo()
    loaded = namwidgets.load(tmp_path / "v4.nam")
    assert loaded.module_.step_values is None
    assert loaded.module_.knots is not None
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_an_ensemble_has_a_table_per_member():
    X, y = _step_data(n=2500, seed=1)
    model = NAMRegressor(random_state=0, n_models=3, **{**FIT, "max_epochs": 15})
    model.fit(X, y)
    assert model.module_.step_values.shape[:2] == (3, 2)
    members = model.feature_contributions("g", VALUES, members=True)[..., 0]
    assert members.shape == (3, len(VALUES))
    assert np.corrcoef(members.mean(0), _centred_truth())[0, 1] > 0.95
    assert np.ptp(members, axis=0).max() > 0  # members differ


def test_the_direct_path_has_the_table_too():
    """Small data: the nets are evaluated at every row (no grid), steps still."""
    X, y = _step_data(n=900, seed=2)
    model = NAMRegressor(random_state=0, **FIT).fit(X, y)
    assert model.module_.knots is None
    # g (7 values) has 100+ rows per value; x's 16 points would have ~48 each
    assert model.module_.step_features.tolist() == [0]
    got = model.feature_contributions("g", VALUES)[:, 0]
    assert np.corrcoef(got, _centred_truth())[0, 1] > 0.95


def test_a_classifier_with_classes_learns_the_steps_per_class():
    X, _ = _step_data(n=2500, seed=3)
    g = np.searchsorted(VALUES, X["g"].to_numpy())
    y = np.where(g % 2 == 1, "odd", np.where(g == 0, "zero", "even"))
    model = NAMClassifier(random_state=0, **{**FIT, "max_epochs": 20}).fit(X, y)
    assert model.module_.step_values.shape[-1] == 3
    assert model.score(X, y) > 0.95


def test_missing_values_keep_their_own_value_and_are_not_a_step():
    X, y = _step_data(n=2500, seed=4)
    X.loc[X.index[:100], "g"] = np.nan
    model = NAMRegressor(random_state=0, **{**FIT, "max_epochs": 5}).fit(X, y)
    m = model.module_
    assert m.step_features.tolist() == [0, 1]
    assert point_counts(m.step_points)[0] == len(VALUES)  # NaN is no value
    out = model.contributions(X.iloc[:150])
    assert np.isfinite(out.to_numpy()).all()
    assert out["g"].iloc[:100].nunique() == 1  # the learned missing value
    nan_value = model.feature_contributions("g", np.array([np.nan]))[0, 0]
    assert out["g"].iloc[0] == pytest.approx(nan_value)


def test_the_encoder_lists_a_features_values_where_a_step_table_can_sit(monkeypatch):
    """The shape grid's distinct values follow ``STEP_MAX_VALUES``, read at fit."""
    from namwidgets.model._encoder import FeatureEncoder

    X = pd.DataFrame({"five": np.arange(60) % 5, "six": np.arange(60) % 6 + 0.5})
    monkeypatch.setattr(_grid, "STEP_MAX_VALUES", 5)
    enc = FeatureEncoder().fit(X)
    assert enc.summary(0)["values"] == [0, 1, 2, 3, 4]
    assert "values" not in enc.summary(1)
    monkeypatch.setattr(_grid, "STEP_MAX_VALUES", 6)
    assert FeatureEncoder().fit(X).summary(1)["values"] == [0.5 + k for k in range(6)]
