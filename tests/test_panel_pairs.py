"""The panel's pair-region controls, driven through traitlets (issue 11)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from namwidgets import NAMPanel, NAMRegressor
from namwidgets.edit import Clamp, FlattenRegion, SetCell


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(3)
    n = 1200
    X = pd.DataFrame(
        {
            "a": rng.uniform(-1, 1, n),
            "b": rng.uniform(-1, 1, n),
            "g": rng.choice(list("xyz"), n),
            "h": rng.choice(["yes", "no"], n),
        }
    )
    y = (
        np.sin(2 * X.a)
        + 2 * X.a * X.b
        + 2 * ((X.g == "y") & (X.h == "yes"))
        + rng.normal(scale=0.1, size=n)
    )
    model = NAMRegressor(
        interactions=[("a", "b"), ("g", "h")],
        max_epochs=10,
        verbose=0,
        random_state=0,
        n_threads=1,
    ).fit(X, y)
    assert model.term_names_[4:] == ["a & b", "g & h"]
    return model, X, y


@pytest.fixture
def panel(fitted):
    model, X, y = fitted
    return NAMPanel(model, X, y, redraw_delay=0)


def _cells(p):
    return p.shape_chart.spec["datasets"]["pair"]


def _rmse(p):
    return [
        r["value"]
        for rows in p.feedback_chart.spec.get("datasets", {}).values()
        for r in rows
        if isinstance(r, dict) and r.get("metric") == "rmse" and "value" in r
    ]


def test_a_pair_shows_its_region_buttons_and_set_cell_only_with_a_level(panel):
    p = panel
    p.feature = "a & b"
    assert p.controls.children == (p.pair_controls,)
    assert p.pair_region_box in p.pair_controls.children
    assert p.pair_cell_box.layout.display == "none"
    p.feature = "g & h"
    assert p.pair_cell_box.layout.display == ""
    assert list(p.pair_controls.children).count(p.pair_region_box) == 1
    p.feature = "a"
    assert p.controls.children == (p.numeric_controls,)


def test_flatten_region_acts_on_the_brushed_rectangle(panel):
    p, s = panel, panel.session
    p.feature = "a & b"
    p.pair_flatten_button.click()  # nothing brushed yet: refused, said why
    assert s.history == [] and "Brush a rectangle" in p.status.value
    before = [r["value"] for r in _cells(p)]
    rmse0 = s.metrics()["rmse"]
    p.pair_region = {"a": (0.0, 0.6), "b": (-0.6, 0.0)}
    p.pair_flatten_button.click()
    assert s.history == [
        [FlattenRegion(feature="a & b", x_lo=0.0, x_hi=0.6, y_lo=-0.6, y_hi=0.0)]
    ]
    assert "Brush" not in p.status.value
    after = [r["value"] for r in _cells(p)]
    inside = [
        i for i, r in enumerate(_cells(p)) if 0 <= r["x"] <= 0.6 and -0.6 <= r["y"] <= 0
    ]
    assert len({after[i] for i in inside}) == 1  # one constant on the rectangle
    assert any(after[i] != before[i] for i in inside)
    outside = set(range(len(after))) - set(inside)
    assert all(after[i] == before[i] for i in outside)
    # the metrics follow the edit
    assert s.metrics()["rmse"] != rmse0
    assert any(abs(v - s.metrics()["rmse"]) < 1e-9 for v in _rmse(p))


def test_clamp_to_the_brushed_rectangle(panel):
    p, s = panel, panel.session
    p.feature = "a & b"
    p.pair_region = {"a": (0.0, 1.0), "b": (0.0, 1.0)}
    p.pair_clamp_button.click()
    (edit,) = s.history[-1]
    assert isinstance(edit, Clamp) and edit.feature == "a & b"
    values = [r["value"] for r in _cells(p)]
    assert max(values) <= edit.hi + 1e-12 and min(values) >= edit.lo - 1e-12
    assert edit.hi - edit.lo < max(r["original"] for r in _cells(p)) - min(
        r["original"] for r in _cells(p)
    )


def test_set_cell_on_a_categorical_pair(panel):
    p, s = panel, panel.session
    p.feature = "g & h"
    p.pair_region = {"g": ["y"], "h": ["yes"]}
    p.pair_cell_value.value = 0.25
    p.pair_cell_button.click()
    assert s.history[-1] == [
        SetCell(feature="g & h", x_levels=("y",), y_levels=("yes",), value=0.25)
    ]
    cell = [r for r in _cells(p) if r["x"] == "y" and r["y"] == "yes"]
    assert [r["value"] for r in cell] == [0.25]
    # two levels on one axis is not a cell: refused, the session unchanged
    p.pair_region = {"g": ["x", "y"], "h": ["yes"]}
    p.pair_cell_button.click()
    assert len(s.history) == 1 and "one level" in p.status.value
    p.undo_button.click()
    assert s.history == [s.history[0]] and s.position == 0
    cell = [r for r in _cells(p) if r["x"] == "y" and r["y"] == "yes"]
    assert cell[0]["value"] != 0.25


def test_an_edited_pair_shows_the_edited_models_importance(panel):
    p, s = panel, panel.session
    p.feature = "a & b"
    t = list(s.term_names).index("a & b")
    # the panel's chart is live: the label is there from the start, empty
    assert p.shape_chart.spec["datasets"]["pair_importance"] == []
    original = float(s.importance()[t])
    s.scale("a & b", 0.5)
    p.refresh()
    edited = float(s.importance()[t])
    assert abs(edited - original / 2) < 1e-9 * max(original, 1.0)
    spec = p.shape_chart.spec
    text = f"edited importance {edited:.3g}"
    assert spec["datasets"]["pair_importance"] == [{"text": text}]
    subtitle = spec["title"]["subtitle"]
    subtitle = subtitle if isinstance(subtitle, str) else " ".join(subtitle)
    assert f"importance {original:.3g}" in subtitle
