"""The linear predictor from kept partial sums equals the full tree sum's bits.

An edit of one term recomputes the linear predictor from that term's column
and the kept sums of the tree nodes beside its path (``PartialSums``); the
result must be the full sum's, bit for bit, for any number of terms and any
edited term, and a session must stay exact through drags, undo, redo and edits
of other terms.
"""

from __future__ import annotations

import numpy as np
import pytest

from namwidgets import EditSession
from namwidgets.datasets import make_additive
from namwidgets.edit import Shift, Zero
from namwidgets.edit._state import PartialSums, linear_predictor


def _random_step(s, rng):
    """A drag, a region edit, an edit of another term, undo or redo."""
    kind = rng.integers(0, 6)
    if kind == 0:
        s.scale("quadratic", float(rng.uniform(0, 2)), merge=True)
    elif kind == 1:
        s.monotone("quadratic", True, -1.0, float(rng.uniform(0, 2)))
    elif kind == 2:
        s.set_category("colour", "red", float(rng.uniform(-1, 1)))
    elif kind == 3:
        amount = float(rng.uniform(-1, 1))  # two terms in one action
        s.apply(Shift(feature="smooth", amount=amount), Zero(feature="step"))
    elif kind == 4:
        s.undo()
    else:
        s.redo()


def test_partial_sums_give_the_full_tree_sum_bit_for_bit(monkeypatch):
    monkeypatch.setattr(PartialSums, "MIN_TERMS", 1)  # a tree sum of any size
    rng = np.random.default_rng(0)
    n = 3000
    for n_terms in range(1, 14):
        # magnitudes 1e-8..1e8: any change of the order of the additions shows
        scale = 10.0 ** rng.integers(-8, 9, (n_terms, 1, 1))
        contrib = rng.standard_normal((n_terms, n, 3)) * scale
        intercept = rng.standard_normal((1, 3))
        for t in range(n_terms):
            sums = PartialSums()
            sums.keep(contrib, t)
            edited = contrib.copy()
            edited[t] = rng.standard_normal((n, 3)) * scale[t]
            got = sums.linear_predictor(edited, intercept, np.empty((n, 3)))
            want = linear_predictor(edited, intercept)
            assert np.array_equal(got, want), (n_terms, t)


def test_few_terms_are_summed_in_order_and_many_as_a_tree():
    rng = np.random.default_rng(1)
    contrib = rng.standard_normal((13, 5_000, 1)) * 10.0 ** rng.integers(
        -8, 9, (13, 1, 1)
    )
    intercept = np.array([[0.25]])
    for t in range(1, PartialSums.MIN_TERMS):  # main's bits, unchanged
        want = contrib[:t].sum(0) + intercept
        assert np.array_equal(linear_predictor(contrib[:t], intercept), want)
    eta = linear_predictor(contrib, intercept)
    assert not np.array_equal(eta, contrib.sum(0) + intercept)  # another order
    np.testing.assert_allclose(eta, contrib.sum(0) + intercept, rtol=1e-12)


def test_the_tree_sum_is_the_sum_of_the_terms():
    rng = np.random.default_rng(1)
    contrib = rng.standard_normal((11, 200_000, 2))  # several blocks of rows
    intercept = np.array([[0.5, -1.0]])
    eta = linear_predictor(contrib, intercept)
    np.testing.assert_allclose(eta, contrib.sum(0) + intercept, rtol=0, atol=1e-12)
    assert np.array_equal(linear_predictor(contrib[:0], intercept)[:0], eta[:0])
    assert np.all(linear_predictor(contrib[:0], intercept) == intercept)


@pytest.mark.parametrize("min_terms", [1, PartialSums.MIN_TERMS, 7])
def test_a_session_linear_predictor_stays_the_full_sums_through_edits(
    fitted_classifier, monkeypatch, min_terms
):
    # the fixture model has 6 terms: MIN_TERMS <= 6 puts it on the kept-sums
    # path, 7 on the in-order sum
    monkeypatch.setattr(PartialSums, "MIN_TERMS", min_terms)
    model = fitted_classifier[0]
    X, y = make_additive(1_500, classification=True, random_state=3)
    s = EditSession(model, X, y)
    rng = np.random.default_rng(3)
    used = 0
    for _ in range(30):
        _random_step(s, rng)
        used += s._partial.term is not None
        want = linear_predictor(s._current, s._intercept)
        assert np.array_equal(s.linear_predictor(), want)
    fresh = EditSession(model, X, y)
    if s.applied:
        fresh.apply(*s.applied)
    assert np.array_equal(fresh.linear_predictor(), s.linear_predictor())
    assert len(s.names) == 6
    assert (used > 0) == (min_terms <= 6)


def test_sums_are_kept_on_a_terms_second_edit_in_a_row(fitted_classifier, monkeypatch):
    monkeypatch.setattr(PartialSums, "MIN_TERMS", 1)
    X, y = make_additive(500, classification=True, random_state=4)
    s = EditSession(fitted_classifier[0], X, y)
    s.zero("smooth")
    s.zero("jagged")  # one edit each: nothing kept, nothing reused
    assert s._partial.term is None
    s.scale("jagged", 0.5)
    assert s._partial.term == s.names.index("jagged")
    s.undo()  # the same term again: the kept sums serve
    assert s._partial.term == s.names.index("jagged")
    s.zero("step")
    assert s._partial.term is None
    assert np.array_equal(
        s.linear_predictor(), linear_predictor(s._current, s._intercept)
    )
