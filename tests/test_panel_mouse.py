"""The panel's new traits and the brush's round trip, driven through traitlets.

The browser tests (``tests/browser/test_panel_mouse_browser.py``) drag a real
mouse; these check the Python side of the same contract without a browser.
"""

from __future__ import annotations

import numpy as np
import pytest

import namwidgets
from namwidgets.datasets import make_additive


@pytest.fixture(scope="module")
def data():
    return make_additive(400, random_state=7)


@pytest.fixture()
def panel(fitted_regressor, data):
    X, y = data
    p = namwidgets.explore(fitted_regressor, X, y)
    p.feature = "smooth"
    return p


def _brush(panel, lo, hi):
    """Report an interval selection as the front end does while dragging."""
    panel.shape_chart._vl_selections = {
        "brush": {"value": {"x": [lo, hi]}, "store": []}
    }


def _brush_init(spec):
    """The brush's initial value in a shape chart's spec (Altair hoists params)."""
    params = list(spec.get("params", []))
    for layer in spec["layer"]:
        params += layer.get("params", [])
    (brush,) = [p for p in params if p["name"] == "brush"]
    return brush.get("value")


def test_brushing_does_not_redraw_the_shape_chart_mid_drag(panel):
    spec = panel.shape_chart.spec
    # a drag streams selections: 55% -> 90% of the axis, in steps
    lo0, hi0 = panel.range.min, panel.range.max
    start = lo0 + 0.55 * (hi0 - lo0)
    for frac in np.linspace(0.6, 0.9, 6):
        _brush(panel, start, lo0 + frac * (hi0 - lo0))
        # the same spec object: nothing re-embedded under the pointer
        assert panel.shape_chart.spec is spec
    assert panel.region == pytest.approx((start, lo0 + 0.9 * (hi0 - lo0)))
    assert tuple(panel.range.value) == pytest.approx(panel.region)


def test_the_next_redraw_starts_the_brush_at_the_region(panel):
    _brush(panel, -1.0, 0.5)
    panel.region_buttons["up"].click()
    edit = panel.session.history[-1][0]
    assert (edit.kind, edit.x_lo, edit.x_hi) == ("monotone", -1.0, 0.5)
    # the rebuilt chart draws the brush where the region is, not empty
    assert _brush_init(panel.shape_chart.spec) == {"x": [-1.0, 0.5]}


def test_the_region_slider_moves_the_drawn_brush(panel):
    panel.range.value = (-0.5, 1.0)
    assert _brush_init(panel.shape_chart.spec) == {"x": [-0.5, 1.0]}
