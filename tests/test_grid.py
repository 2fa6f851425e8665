"""Feature nets on a grid (issue 15): interpolation, gradients, files, batches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import namwidgets
from namwidgets import NAMRegressor
from namwidgets.model import _io
from namwidgets.model._grid import GRID_KNOTS, corners, feature_knots, interpolate
from namwidgets.model._nets import NAMModule
from namwidgets.model._training import auto_batch_size, grid_pays


def _module(n_numeric=3, knots=7, dtype=torch.float32, units="relu"):
    torch.manual_seed(0)
    m = NAMModule(n_numeric, 0, list(range(n_numeric)), 2, 1, (8, 4), units, 0.0)
    grid = torch.linspace(-1.5, 1.5, knots).expand(n_numeric, knots).contiguous()
    m.set_knots(grid)
    return m.to(dtype), grid


def _direct(m, x):
    """The same nets evaluated at every row (no grid)."""
    knots = m.knots
    m.knots = None
    try:
        return m.numeric_outputs(x)
    finally:
        m.knots = knots


@pytest.mark.parametrize("units", ["relu", "exu"])
def test_grid_equals_direct_evaluation_at_the_knots(units):
    m, grid = _module(units=units)
    m.eval()
    x = grid.t().contiguous()  # row i holds knot i of every feature
    with torch.no_grad():
        np.testing.assert_allclose(
            m.numeric_outputs(x).numpy(), _direct(m, x).numpy(), rtol=1e-5, atol=1e-6
        )


def test_between_knots_the_model_is_linear_and_held_beyond_the_ends():
    m, grid = _module(n_numeric=1, knots=5)
    m.eval()
    k = grid[0]
    mid = (k[1:] + k[:-1]) / 2
    x = torch.cat([k, mid, torch.tensor([-9.0, 9.0])])[:, None]
    with torch.no_grad():
        out = m.numeric_outputs(x)[0, :, 0, 0]
    at_knots, at_mid, beyond = out[:5], out[5:9], out[9:]
    torch.testing.assert_close(at_mid, (at_knots[1:] + at_knots[:-1]) / 2)
    torch.testing.assert_close(beyond, at_knots[[0, -1]])


def test_gradients_through_the_interpolation_are_exact():
    knots = torch.linspace(-1.0, 1.0, 6, dtype=torch.float64).expand(2, 6)
    x = torch.tensor(
        [[-1.2, -0.93, 0.1, 0.999], [0.4, 1.0, -1.0, 0.0]], dtype=torch.float64
    )
    lo, hi, t = corners(knots.contiguous(), x)
    values = torch.randn(2, 6, 3, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda v: interpolate(v, lo, hi, t), (values,))


def test_gradients_reach_the_net_weights():
    m, _ = _module(n_numeric=2, knots=9, dtype=torch.float64)
    x = torch.rand(5, 2, dtype=torch.float64) * 3 - 1.5
    args = (x, torch.zeros(5, 2, dtype=torch.bool), torch.zeros(5, 0, dtype=torch.long))
    names = ["nets.w0", "nets.b0", "nets.w_out"]
    start = tuple(dict(m.named_parameters())[k].detach().clone() for k in names)

    def f(*params):
        return torch.func.functional_call(m, dict(zip(names, params)), args)

    assert torch.autograd.gradcheck(f, tuple(p.requires_grad_() for p in start))


def test_feature_knots_span_the_training_values():
    x = torch.tensor([[0.0, 1.0, 5.0], [2.0, 1.0, 5.0], [1.0, 1.0, np.nan]])
    missing = torch.isnan(x)
    k = feature_knots(torch.nan_to_num(x), missing)
    assert k.shape == (3, GRID_KNOTS)
    assert (k[0, 0], k[0, -1]) == (0.0, 2.0)
    assert (k[1, 0], k[1, -1]) == (0.0, 2.0)  # one value: +- 1 around it
    assert (k[2, 0], k[2, -1]) == (4.0, 6.0)  # the missing row does not count
    assert bool((k[:, 1:] > k[:, :-1]).all())


def test_a_fit_is_on_the_grid_and_round_trips_exactly(tmp_path, additive_data):
    X, y = additive_data
    model = NAMRegressor(max_epochs=3, n_threads=1, random_state=0, verbose=0)
    model.fit(X, y)
    assert model.module_.knots is not None
    path = tmp_path / "m.nam"
    model.save(path)
    loaded = namwidgets.load(path)
    torch.testing.assert_close(
        loaded.module_.knots, model.module_.knots, rtol=0, atol=0
    )
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_a_version_3_file_loads_without_a_grid(tmp_path, additive_data, monkeypatch):
    X, y = additive_data
    model = NAMRegressor(max_epochs=2, n_threads=1, random_state=0, verbose=0)
    model.fit(X, y)
    model.module_.set_knots(None)  # what a version 3 model is: nets at every row
    monkeypatch.setattr(_io, "VERSION", 3)
    model.save(tmp_path / "v3.nam")
    monkeypatch.undo()
    loaded = namwidgets.load(tmp_path / "v3.nam")
    assert loaded.module_.knots is None
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_auto_batch_size_is_unchanged_on_small_data_and_grows_on_big():
    assert [auto_batch_size(n) for n in (100, 442, 4000, 16512)] == [32, 55, 500, 512]
    assert auto_batch_size(32768) == 512  # where the two rules meet
    big = [auto_batch_size(n) for n in (100_000, 1_000_000, 10_000_000)]
    assert big == sorted(big) and big[0] > 512 and big[-1] == 8192


def test_the_grid_is_used_where_it_pays():
    assert not grid_pays(442, "auto")  # batch 55: below GRID_MIN_BATCH (256) rows
    assert not grid_pays(2047, "auto")
    assert grid_pays(2048, "auto")  # batch 256
    assert grid_pays(10_000, 512) and not grid_pays(10_000, 64)
    assert not grid_pays(100, 512)  # the batch is all 100 rows


def test_a_small_fit_evaluates_the_nets_at_every_row(additive_data):
    X, y = additive_data
    model = NAMRegressor(max_epochs=2, n_threads=1, random_state=0, verbose=0)
    model.fit(X.iloc[:400], y[:400])
    assert model.module_.knots is None
