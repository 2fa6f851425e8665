"""Pair terms: batched grid nets read by bilinear interpolation, then purified."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from namwidgets.model._pair_nets import GRID, PairModule, knot_positions
from namwidgets.model._pair_purify import cell_totals, purify_pairs

H = math.sqrt(3.0)


def make(pairs, kinds, n_members=1, n_outputs=1, levels=(3,), grid=GRID):
    num = [j for j, k in enumerate(kinds) if k == "numeric"]
    cat = [j for j, k in enumerate(kinds) if k == "categorical"]
    numeric_column = {j: k for k, j in enumerate(num)}
    categorical_column, off = {}, 0
    for k, j in enumerate(cat):
        categorical_column[j] = (k, off, levels[k])
        off += levels[k]
    torch.manual_seed(0)
    m = PairModule(
        pairs,
        kinds,
        numeric_column,
        categorical_column,
        n_members,
        n_outputs,
        feature_order=num + cat,
        n_levels=off,
        grid=grid,
    )
    return m, numeric_column, categorical_column


def data(n=3000, seed=0):
    g = torch.Generator().manual_seed(seed)
    x_num = (torch.rand(n, 2, generator=g) * 2 - 1) * H
    level = torch.randint(0, 3, (n,), generator=g)
    missing = torch.zeros(n, 2, dtype=torch.bool)
    return x_num, missing, level[:, None]


def test_interpolation_is_exact_at_knots_and_linear_between():
    m, *_ = make([(0, 1)], ["numeric", "numeric"])
    knots = knot_positions().float()
    with torch.no_grad():
        grid = m.grids()[0][0, 0, :, :, 0]  # (S, S)
        x = torch.stack([knots[3].repeat(2), knots[7].repeat(2)], 1)
        x[1, 0] = 0.25 * knots[3] + 0.75 * knots[4]
        out = m(
            x, torch.zeros(2, 2, dtype=torch.bool), torch.zeros(2, 0, dtype=torch.long)
        )
    assert out.shape == (1, 2, 1, 1)
    assert float(out[0, 0, 0, 0]) == pytest.approx(float(grid[3, 7]), abs=1e-6)
    expect = 0.25 * grid[3, 7] + 0.75 * grid[4, 7]
    assert float(out[0, 1, 0, 0]) == pytest.approx(float(expect), abs=1e-6)


def test_missing_value_reads_the_learned_missing_row():
    m, *_ = make([(0, 1)], ["numeric", "numeric"])
    with torch.no_grad():
        grid = m.grids()[0][0, 0, :, :, 0]
        x = torch.tensor([[0.0, float(knot_positions()[5])]])
        out = m(x, torch.tensor([[True, False]]), torch.zeros(1, 0, dtype=torch.long))
    assert float(out[0, 0, 0, 0]) == pytest.approx(float(grid[GRID + 1, 5]), abs=1e-6)


def fit_pairs(m, x_num, missing, x_cat, target, steps=400):
    opt = torch.optim.Adam(
        [p for g in m.param_groups(0.0) for p in g["params"]], lr=1e-2
    )
    for _ in range(steps):
        eta = m.intercept[:, None, :] + m(x_num, missing, x_cat).sum(2)
        loss = ((eta[0, :, 0] - target) ** 2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss.detach())


def test_recovers_a_numeric_and_a_categorical_interaction_and_purifies_them():
    x_num, missing, x_cat = data()
    m, ncol, ccol = make([(0, 1), (0, 2)], ["numeric", "numeric", "categorical"])
    u, v, lv = x_num[:, 0], x_num[:, 1], x_cat[:, 0]
    slopes = torch.tensor([-1.0, 0.0, 1.0])
    # a pure product, a per-level slope, plus main-effect parts that purification
    # must hand back to the mains (0.5 u, 0.3 v) and a constant
    target = u * v + slopes[lv] * u + 0.5 * u + 0.3 * v + 1.0
    fit_pairs(m, x_num, missing, x_cat, target)
    w = torch.ones(len(target))
    with torch.no_grad():
        before = m(x_num, missing, x_cat).sum(2) + m.main_corrections(
            x_num, missing, x_cat
        ).sum(2)
        totals = cell_totals(m, x_num, missing, x_cat, w)
        const = purify_pairs(m, totals, ncol, ccol)
        after = (
            m(x_num, missing, x_cat).sum(2)
            + m.main_corrections(x_num, missing, x_cat).sum(2)
            + const[:, None, :].float()
        )
    # purification moves function between terms and leaves predictions alone
    assert torch.allclose(before, after, atol=1e-4)
    # axis means zero under the cells' data weights
    for grid, total in zip(m.grids(), totals):
        g = grid[0, ..., 0].double()
        for q in range(g.shape[0]):
            wt = total[q]
            rows = (wt * g[q]).sum(1)[wt.sum(1) > 0] / wt.sum(1)[wt.sum(1) > 0]
            cols = (wt * g[q]).sum(0)[wt.sum(0) > 0] / wt.sum(0)[wt.sum(0) > 0]
            assert rows.abs().max() < 1e-5 and cols.abs().max() < 1e-5
    with torch.no_grad():
        pair = m(x_num, missing, x_cat)[0, :, :, 0].numpy()
        mains = m.main_corrections(x_num, missing, x_cat)[0, :, :, 0].numpy()
    un, vn, ln = u.numpy(), v.numpy(), lv.numpy()
    assert np.corrcoef(pair[:, 0], un * vn)[0, 1] > 0.95
    assert np.corrcoef(pair[:, 1], slopes.numpy()[ln] * un)[0, 1] > 0.95
    # the main-effect parts went to the mains: u's correction is ~0.5 u
    assert np.corrcoef(mains[:, 0], un)[0, 1] > 0.95
    assert np.corrcoef(mains[:, 1], vn)[0, 1] > 0.9


def test_members_outputs_and_batches_are_independent():
    x_num, missing, x_cat = data(200)
    m, *_ = make([(0, 1), (1, 2), (0, 2)], ["numeric", "numeric", "categorical"], 3, 2)
    with torch.no_grad():
        whole = m(x_num, missing, x_cat)
        parts = torch.cat(
            [
                m(x_num[s : s + 37], missing[s : s + 37], x_cat[s : s + 37])
                for s in range(0, 200, 37)
            ],
            1,
        )
    assert whole.shape == (3, 200, 3, 2)
    assert torch.allclose(whole, parts, atol=1e-6)


def test_scale_outputs_scales_every_function():
    x_num, missing, x_cat = data(100)
    m, *_ = make([(0, 1), (0, 2)], ["numeric", "numeric", "categorical"])
    with torch.no_grad():
        m.tables_cc.normal_()
        before = m(x_num, missing, x_cat)
        m.scale_outputs(2.5)
        after = m(x_num, missing, x_cat)
    assert torch.allclose(after, 2.5 * before, atol=1e-5)


def test_a_fine_grid_reads_the_nets_of_the_coarse_one_bilinearly():
    # grid 64: the nets run on 32 cells per axis (their work does not grow),
    # the fine grid reads them bilinearly; its own tables add the detail
    kinds = ["numeric", "numeric", "categorical"]
    fine, *_ = make([(0, 1), (0, 2)], kinds, grid=64)
    coarse, *_ = make([(0, 1), (0, 2)], kinds)
    with torch.no_grad():
        for m in (fine.nets_nn, fine.nets_cn):
            m.output_layer()[0].normal_()
        fine.nan_coord_nn.normal_()
        fine.nan_coord_cn.normal_()
        state = {
            k: v for k, v in fine.state_dict().items() if "nets" in k or "nan" in k
        }
        coarse.load_state_dict(state, strict=False)
        f_nn, f_cn = (g[0, 0, ..., 0] for g in fine.grids()[:2])
        c_nn, c_cn = (g[0, 0, ..., 0] for g in coarse.grids()[:2])
    assert f_nn.shape == (66, 66) and c_nn.shape == (34, 34)
    assert torch.allclose(f_nn[0:65:2, 0:65:2], c_nn[:33, :33], atol=1e-5)
    mid = (c_nn[:32, :33] + c_nn[1:33, :33]) / 2
    assert torch.allclose(f_nn[1:65:2, 0:65:2], mid, atol=1e-5)
    assert torch.allclose(f_nn[65, 0:65:2], c_nn[33, :33], atol=1e-5)  # missing
    assert torch.allclose(f_cn[:, 0:65:2], c_cn[:, :33], atol=1e-5)
    assert torch.allclose(f_cn[:, 65], c_cn[:, 33], atol=1e-5)
    assert float(f_nn.std()) > 0.1  # the nets were not zero
