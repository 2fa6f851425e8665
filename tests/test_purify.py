"""Purification: axis means zero under the weights, the function unchanged."""

from __future__ import annotations

import numpy as np
import pytest

from namwidgets.exceptions import InputError
from namwidgets.model._purify import purify


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_purified_parts_add_back_and_have_zero_axis_means(seed):
    rng = np.random.default_rng(seed)
    a, b = 7, 5
    w = rng.integers(0, 30, size=(a, b)).astype(float)
    w[0, :] = 0.0  # a row with no data at all
    f = rng.normal(size=(a, b)) + rng.normal(size=a)[:, None] + 3.0
    p = purify(f, w)
    back = p.pure + p.row[:, None] + p.col[None, :] + p.constant
    np.testing.assert_allclose(back, f, atol=1e-12)
    wr, wc = w.sum(1), w.sum(0)
    row_means = (w * p.pure).sum(1)[wr > 0] / wr[wr > 0]
    col_means = (w * p.pure).sum(0)[wc > 0] / wc[wc > 0]
    assert np.abs(row_means).max() < 1e-9
    assert np.abs(col_means).max() < 1e-9
    assert abs((wr * p.row).sum()) < 1e-9 and abs((wc * p.col).sum()) < 1e-9
    assert p.row[0] == 0.0  # no weight: nothing moves to the main effect


def test_a_sum_of_main_effects_purifies_to_zero():
    rng = np.random.default_rng(4)
    u, v = rng.normal(size=6), rng.normal(size=4)
    w = rng.uniform(0.5, 2.0, size=(6, 4))
    p = purify(u[:, None] + v[None, :], w)
    assert np.abs(p.pure).max() < 1e-9


def test_a_pure_product_is_left_alone_under_independent_uniform_weights():
    x = np.linspace(-1, 1, 5)
    f = np.outer(x, x)
    p = purify(f, np.ones((5, 5)))
    np.testing.assert_allclose(p.pure, f, atol=1e-12)
    assert p.constant == pytest.approx(0.0, abs=1e-12)


def test_bad_input_is_refused_by_name():
    with pytest.raises(InputError, match="one shape"):
        purify(np.zeros((2, 2)), np.ones((2, 3)))
    with pytest.raises(InputError, match="sum to zero"):
        purify(np.zeros((2, 2)), np.zeros((2, 2)))
    with pytest.raises(InputError, match="non-negative"):
        purify(np.zeros((2, 2)), -np.ones((2, 2)))
