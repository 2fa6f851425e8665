"""FAST pair ranking: the gain is the RSS reduction of the best 2x2 step fit."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from namwidgets.exceptions import InputError
from namwidgets.model._pair_search import best_cut_gain, bin_codes, rank_pairs


def brute_force_gain(codes_a, codes_b, r):
    """Best reduction of the residual sum of squares by one cut on each axis."""
    best = 0.0
    base = ((r - r.mean()) ** 2).sum()
    for ca in np.unique(codes_a)[:-1]:
        for cb in np.unique(codes_b)[:-1]:
            quad = (codes_a > ca) * 2 + (codes_b > cb)
            fit = np.zeros_like(r)
            for q in range(4):
                if (quad == q).any():
                    fit[quad == q] = r[quad == q].mean()
            best = max(best, base - ((r - fit) ** 2).sum())
    return best


def test_gain_equals_the_brute_force_rss_reduction():
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 5, 300), rng.integers(0, 4, 300)
    r = rng.normal(size=300) + (a >= 2) * (b >= 3) * 1.5
    g = np.bincount(a * 4 + b, r, 20).reshape(5, 4)
    h = np.bincount(a * 4 + b, np.ones(300), 20).reshape(5, 4)
    # squared error: gain = sum G^2/H - G^2/H = the RSS reduction
    assert best_cut_gain(g, h, 0.0) == pytest.approx(brute_force_gain(a, b, r))


def test_bin_codes_quantiles_nan_bin_and_rare_levels_merged():
    x = np.array([0.0, 1, 2, 3, 4, 5, 6, 7, np.nan])
    codes, n = bin_codes(x, 4)
    assert n == 5  # four quantile bins and the missing bin
    assert codes[-1] == 4 and (np.diff(codes[:-1]) >= 0).all()
    labels = np.array(list("aaaabbbcd"))
    codes, n = bin_codes(labels, 3, categorical=True)
    assert n == 3
    assert len(set(codes[:4])) == 1 and len(set(codes[4:7])) == 1
    assert codes[7] == codes[8] != codes[0]  # the two rarest share a bin


def test_true_interactions_rank_first():
    rng = np.random.default_rng(1)
    n, f = 4000, 8
    X = rng.uniform(-1, 1, size=(n, f))
    level = rng.choice(np.array(["u", "v", "w"]), n)
    # main effects are already fitted: the residual holds the two interactions
    inter = 1.0 * X[:, 0] * X[:, 1] + np.where(level == "v", X[:, 5], -0.5 * X[:, 5])
    resid = inter + rng.normal(scale=0.3, size=n)
    columns = [X[:, j] for j in range(f)] + [level]
    kinds = ["numeric"] * f + ["categorical"]
    ranked = rank_pairs(columns, kinds, resid)
    top = [p for p, _ in ranked[:2]]
    assert set(top) == {(0, 1), (5, 8)}
    # a pair of noise features scores far below the true ones
    gains = dict(ranked)
    assert gains[(2, 3)] < 0.1 * min(gains[(0, 1)], gains[(5, 8)])


def test_classification_gradients_and_candidates():
    rng = np.random.default_rng(2)
    n = 3000
    X = rng.normal(size=(n, 4))
    logit = 2.0 * np.sign(X[:, 2]) * np.sign(X[:, 3])
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    p = np.full(n, y.mean())  # the main-effect model knows only the base rate
    ranked = rank_pairs(
        [X[:, j] for j in range(4)], ["numeric"] * 4, y - p, p * (1 - p)
    )
    assert ranked[0][0] == (2, 3)
    only = rank_pairs(
        [X[:, j] for j in range(4)],
        ["numeric"] * 4,
        y - p,
        candidates=[(1, 0), (3, 2)],
    )
    assert [pair for pair, _ in only] == [(2, 3), (0, 1)]


def test_bad_arguments_name_the_parameter():
    cols = [np.arange(10.0), np.arange(10.0)]
    with pytest.raises(InputError, match="kinds"):
        rank_pairs(cols, ["numeric"], np.zeros(10))
    with pytest.raises(InputError, match="max_bins"):
        rank_pairs(cols, ["numeric"] * 2, np.zeros(10), max_bins=1)
    with pytest.raises(InputError, match="hessians"):
        rank_pairs(cols, ["numeric"] * 2, np.zeros(10), np.ones(9))
    with pytest.raises(InputError, match="distinct"):
        rank_pairs(cols, ["numeric"] * 2, np.zeros(10), candidates=[(0, 0)])


def test_subsampling_keeps_the_ranking():
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(20_000, 5))
    r = (X[:, 1] > 0.5) * (X[:, 4] > 0.5) + rng.normal(scale=0.2, size=20_000)
    full = rank_pairs([X[:, j] for j in range(5)], ["numeric"] * 5, r, max_rows=None)
    sub = rank_pairs([X[:, j] for j in range(5)], ["numeric"] * 5, r, max_rows=2000)
    assert full[0][0] == sub[0][0] == (1, 4)
    assert len(list(itertools.combinations(range(5), 2))) == len(full)


def test_purified_lookup_keeps_the_pure_interaction_and_no_main_effect():
    from namwidgets.model._pair_search import purified_lookup

    rng = np.random.default_rng(0)
    n = 4000
    a, b = rng.integers(0, 4, n), rng.integers(0, 3, n)
    sign_a, sign_b = np.where(a < 2, -1.0, 1.0), np.array([-1.0, 0.0, 1.0])[b]
    # main effects of both features plus a checkerboard interaction
    r = 2.0 * a + np.array([1.0, -3.0, 0.5])[b] + sign_a * sign_b
    g, h = r[:, None], np.ones((n, 1))
    table = purified_lookup(a, b, (4, 3), g, h)[:, :, 0]
    hc = np.bincount(a * 3 + b, minlength=12).reshape(4, 3)
    # zero count-weighted mean along each axis
    np.testing.assert_allclose((hc * table).sum(1) / hc.sum(1), 0.0, atol=1e-9)
    np.testing.assert_allclose((hc * table).sum(0) / hc.sum(0), 0.0, atol=1e-9)
    # without noise the pure interaction is the checkerboard, up to its own
    # purification on these (nearly balanced) counts
    truth = np.outer([-1.0, -1.0, 1.0, 1.0], [-1.0, 0.0, 1.0])
    assert np.corrcoef(table.ravel(), truth.ravel())[0, 1] > 0.999
    # additive gradients leave nothing; a ridge shrinks towards 0
    additive = purified_lookup(a, b, (4, 3), (r - sign_a * sign_b)[:, None], h)
    np.testing.assert_allclose(additive, 0.0, atol=1e-8)
    shrunk = purified_lookup(a, b, (4, 3), g, h, shrink=n / 12)[:, :, 0]
    assert 0.4 < np.abs(shrunk).max() / np.abs(table).max() < 0.6
