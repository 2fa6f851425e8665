"""Resuming a term's replay from a kept prefix gives a full replay's bits.

Random sequences of edits, drags (merged edits), undo and redo on a session;
after each step every term's column equals a replay of its applied edits from
the unedited contributions, exactly, and so do the linear predictor and the
metrics of a session that applies the same edits at once.
"""

from __future__ import annotations

import numpy as np
import pytest

from namwidgets import EditSession
from namwidgets.datasets import make_additive
from namwidgets.edit._replay import ReplayMemo, edits_of, replay


def _random_step(s, rng):
    kind = rng.integers(0, 9)
    if kind == 0:
        s.monotone(
            "quadratic", bool(rng.integers(0, 2)), -1.0, float(rng.uniform(0, 2))
        )
    elif kind == 1:
        s.smooth("quadratic", float(rng.uniform(0.1, 0.5)))
    elif kind == 2:
        s.flatten("quadratic", float(rng.uniform(-2, 0)), 1.0)
    elif kind == 3:
        s.scale("quadratic", float(rng.uniform(0, 2)), merge=True)  # a drag
    elif kind == 4:
        s.set_category("colour", "red", float(rng.uniform(-1, 1)))
    elif kind == 5:
        s.shift("smooth", float(rng.uniform(-1, 1)))
    elif kind in (6, 7):
        s.undo()
    else:
        s.redo()


def _assert_equals_a_full_replay(s):
    applied = s.applied
    current = s.contributions()
    for t, name in enumerate(s.names):
        column, _ = replay(
            edits_of(applied, name), s._edit_x(t), s._base[t], s._refs0[t]
        )
        assert np.array_equal(current[:, t], column), name


@pytest.mark.parametrize("seed", range(3))
def test_random_edit_sequences_equal_full_replays(fitted_classifier, seed):
    model = fitted_classifier[0]
    X, y = make_additive(2_500, classification=True, random_state=seed)
    s = EditSession(model, X, y)
    rng = np.random.default_rng(seed)
    for _ in range(40):
        _random_step(s, rng)
        _assert_equals_a_full_replay(s)
    fresh = EditSession(model, X, y)
    if s.applied:
        fresh.apply(*s.applied)
    assert np.array_equal(fresh.linear_predictor(), s.linear_predictor())
    assert fresh.metrics(fast=True) == s.metrics(fast=True)


def test_a_drag_after_a_chain_resumes_from_the_chain(fitted_regressor, monkeypatch):
    X, y = make_additive(3_000, random_state=4)
    s = EditSession(fitted_regressor, X, y)
    s.monotone("quadratic", True, -1.0, 2.0).smooth("quadratic", 0.3)
    calls = []
    for cls in {type(e) for e in s.applied}:
        original = cls.apply

        def counting(self, x, yy, ref, _original=original):
            calls.append(type(self).__name__)
            return _original(self, x, yy, ref)

        monkeypatch.setattr(cls, "apply", counting)
    s.scale("quadratic", 0.5, merge=True)
    s.scale("quadratic", 0.7, merge=True)  # the drag goes on: scale replaced
    s.undo()  # back to the chain: nothing replayed
    # per edit one call on the rows and one on the grid: the chain never reran
    assert calls.count("Monotone") == 0 and calls.count("Smooth") == 0
    _assert_equals_a_full_replay(s)


def test_a_new_base_never_resumes_from_an_old_column():
    memo = ReplayMemo()
    rng = np.random.default_rng(0)
    from namwidgets.edit import Scale
    from namwidgets.edit._reference import FeatureReference

    ref = FeatureReference(
        name="a",
        kind="numeric",
        grid=np.linspace(0, 1, 5),
        grid_values=np.zeros((5, 1)),
        grid_weights=np.ones(5),
    )
    x = rng.random(10)
    old, new = np.ones((1, 10, 1)), np.full((1, 10, 1), 2.0)
    e = Scale(feature="a", factor=3.0)
    memo.replay(old, 0, [e], x, old[0], ref)
    col, _ = memo.replay(new, 0, [e], x, new[0], ref)
    assert np.array_equal(col, np.full((10, 1), 6.0))
