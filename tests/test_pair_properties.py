"""Property tests over mixed sequences of main-effect and pair edits (issue 11).

Random edit sequences (hypothesis, derandomized; and one seeded 2,000-step run)
on a small model with a numeric x numeric, a numeric x categorical and a
categorical x categorical pair: zeroing a pair moves each row's linear
predictor by exactly minus its contribution, undo restores bit for bit, the
JSON round trip and ``to_model`` give the session's predictions, and a long
random walk equals a recomputation from scratch.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from namwidgets import EditSession, NAMRegressor

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
PAIRS = ["a & b", "a & g", "g & h"]


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(5)
    n = 600
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
        + 2 * (X.g == "x") * X.a
        + 2 * ((X.g == "y") & (X.h == "yes"))
        + rng.normal(scale=0.1, size=n)
    )
    model = NAMRegressor(
        interactions=[("a", "b"), ("g", "a"), ("g", "h")],
        max_epochs=6,
        verbose=0,
        random_state=0,
        n_threads=1,
    ).fit(X, y)
    assert model.term_names_[4:] == PAIRS
    return model, X, y


class _Hyp:
    """Random choices drawn by hypothesis."""

    def __init__(self, data):
        self.data = data

    def choice(self, items):
        return self.data.draw(st.sampled_from(list(items)))

    def uniform(self, lo, hi):
        return self.data.draw(st.floats(lo, hi, allow_nan=False))


class _Rng:
    """Random choices from a seeded numpy generator."""

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)

    def choice(self, items):
        items = list(items)
        return items[int(self.rng.integers(len(items)))]

    def uniform(self, lo, hi):
        return float(self.rng.uniform(lo, hi))


def _interval(pick, width=0.3):
    lo = round(pick.uniform(-1.0, 1.0 - width), 3)
    return lo, round(lo + pick.uniform(width, 2.0 - width), 3)


def random_edit(s, pick):
    """Apply one random valid edit (main effect or pair) to session ``s``."""
    kind = pick.choice(
        [
            "zero", "scale", "shift", "clamp", "reset", "reset", "reset", "flatten",
            "monotone", "smooth", "knots", "category", "nan", "region", "cell",
            "cell_mixed", "level", "clamp_region",
        ]
    )  # fmt: skip
    term = pick.choice(s.term_names)
    if kind == "zero":
        s.zero(term)
    elif kind == "scale":
        s.scale(term, round(pick.uniform(-1.0, 2.0), 3), merge=True)
    elif kind == "shift":
        s.shift(term, round(pick.uniform(-0.5, 0.5), 3), merge=True)
    elif kind == "clamp":
        lo = round(pick.uniform(-1.0, 0.0), 3)
        s.clamp(term, lo, lo + round(pick.uniform(0.0, 1.0), 3))
    elif kind == "reset":
        s.reset_term(term)
    elif kind in ("flatten", "monotone", "smooth", "knots"):
        num = pick.choice(["a", "b"])
        lo, hi = _interval(pick)
        if kind == "flatten":
            s.flatten(num, lo, hi)
        elif kind == "monotone":
            s.monotone(num, pick.choice([True, False]), lo, hi)
        elif kind == "smooth":
            s.smooth(num, None, lo, hi)
        else:
            s.set_knots(num, [round(pick.uniform(-0.5, 0.5), 3) for _ in range(3)])
    elif kind == "category":
        feat = pick.choice(["g", "h"])
        level = pick.choice(s.reference(feat).categories)
        s.set_category(feat, level, round(pick.uniform(-1, 1), 3))
    elif kind == "nan":
        s.set_nan_value("b", round(pick.uniform(-1, 1), 3))
    elif kind == "region":
        s.flatten("a & b", region={"a": _interval(pick), "b": _interval(pick)})
    elif kind == "cell":
        s.set_cell(
            "g & h",
            (pick.choice("xyz"), pick.choice(["yes", "no"])),
            round(pick.uniform(-1, 1), 3),
        )
    elif kind == "cell_mixed":
        s.set_cell(
            "a & g",
            (_interval(pick), pick.choice("xyz")),
            round(pick.uniform(-1, 1), 3),
        )
    elif kind == "level":
        level = pick.choice("xyz")
        how = pick.choice(["monotone", "smooth", "knots", "scale", "flatten"])
        if how == "monotone":
            s.monotone("a & g", pick.choice([True, False]), level=level)
        elif how == "smooth":
            s.smooth("a & g", level=level)
        elif how == "knots":
            s.set_knots("a & g", [round(pick.uniform(-0.5, 0.5), 3)] * 2, level=level)
        elif how == "scale":
            s.scale("a & g", round(pick.uniform(-1, 2), 3), level=level)
        else:
            s.flatten("a & g", *_interval(pick), level=level)
    else:
        s.clamp_to_pair_region("a & b", {"a": _interval(pick)})


def _walk(s, pick, steps):
    for _ in range(steps):
        r = pick.choice(["edit"] * 6 + ["undo", "redo"])
        if r == "undo":
            s.undo()
        elif r == "redo":
            s.redo()
        else:
            random_edit(s, pick)


@SETTINGS
@given(data=st.data(), pair=st.sampled_from(PAIRS))
def test_zeroing_a_pair_moves_eta_by_minus_its_contribution(small, data, pair):
    model, X, y = small
    s = EditSession(model, X, y)
    _walk(s, _Hyp(data), data.draw(st.integers(0, 8)))
    t = s.term_names.index(pair)
    before = s.linear_predictor().copy()
    contrib = s.contributions()[:, t].copy()
    s.zero(pair)
    np.testing.assert_allclose(
        s.linear_predictor() - before, -contrib, rtol=0, atol=1e-12
    )
    assert not s.contributions()[:, t].any()


@SETTINGS
@given(data=st.data())
def test_undo_restores_bit_for_bit_and_json_replays_the_same(small, data):
    model, X, y = small
    s = EditSession(model, X, y)
    pick = _Hyp(data)
    _walk(s, pick, data.draw(st.integers(0, 8)))
    eta, contrib = s.linear_predictor().copy(), s.contributions().copy()
    random_edit(s, pick)
    s.undo()
    np.testing.assert_array_equal(s.linear_predictor(), eta)
    np.testing.assert_array_equal(s.contributions(), contrib)
    again = EditSession(model, X, y).load_json(s.to_json())
    np.testing.assert_array_equal(again.predictions(), s.predictions())
    np.testing.assert_allclose(
        s.to_model().predict(X), s.predictions(), rtol=0, atol=1e-12
    )
    while s.undo():
        pass
    np.testing.assert_array_equal(s.linear_predictor(), s.linear_predictor("original"))


@pytest.mark.slow
def test_two_thousand_random_steps_equal_a_recomputation(small):
    # Every 500 steps (edits, undos, redos, drags merged), the session's cached
    # state equals a new session that replays the history from the model's own
    # functions, bit for bit; resets keep each term's replay short.
    model, X, y = small
    s = EditSession(model, X, y)
    pick = _Rng(11)
    kinds = set()
    for _ in range(4):
        _walk(s, pick, 500)
        kinds |= {e.kind for e in s.applied}
        fresh = EditSession(model, X, y).load_json(s.to_json())
        assert fresh.position == s.position and len(fresh.history) == len(s.history)
        np.testing.assert_array_equal(fresh.contributions(), s.contributions())
        np.testing.assert_array_equal(fresh.linear_predictor(), s.linear_predictor())
    assert {"flatten_region", "set_cell", "monotone", "knots"} <= kinds
    assert any(getattr(e, "level", None) for e in s.applied)
    edited = s.to_model()
    np.testing.assert_allclose(edited.predict(X), s.predictions(), rtol=0, atol=1e-12)
