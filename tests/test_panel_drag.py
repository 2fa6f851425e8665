"""Dragging a knot on the curve, driven through traitlets as the browser would.

The browser test (``tests/browser/test_drag_browser.py``) drags a real mouse;
these check the Python side: the data the widget is sent, and that one
release commit becomes one history step (and a bad one changes nothing).
"""

from __future__ import annotations

import math

import ipywidgets as W
import numpy as np
import pandas as pd
import pytest

import namwidgets
from namwidgets import InputError
from namwidgets.edit import Knots
from namwidgets.widget._drag import OVERLAY_CLASS, DragCurve, overlay_box


@pytest.fixture()
def panel(fitted_regressor, panel_data):
    X, y = panel_data
    p = namwidgets.explore(fitted_regressor, X, y)
    p.feature = "smooth"
    return p


def _release(panel, index, value, seq=1):
    """What the front end sends on pointer up after dragging knot ``index``."""
    panel.drag_curve.drag = {"kind": "knot", "index": index, "value": value, "seq": seq}


def test_the_widget_shows_the_selected_terms_curve_and_knots(panel):
    d = panel.drag_curve
    ref = panel.session.reference("smooth")
    positions = panel.session.knot_positions("smooth", panel.n_knots)
    assert d.knots_x == pytest.approx(list(positions))
    grid = np.asarray(ref.grid, float)
    assert d.knots_y == pytest.approx(
        list(np.interp(positions, grid, ref.grid_values[:, 0]))
    )
    assert len(d.x) == len(d.values) == len(d.original) > 10
    assert d.values == pytest.approx(d.original)  # nothing edited yet
    lo, hi = d.y_domain
    assert lo < min(d.values) and max(d.values) < hi
    assert d.region == pytest.approx(list(panel.range.value))
    assert "export default" in d._esm and "http" not in d._esm.replace(
        "http://www.w3.org/2000/svg", ""
    )  # bundled, nothing fetched


def test_a_release_is_one_history_step_with_that_knots_offset(panel):
    s = panel.session
    before = len(s.history)
    y_before = list(panel.drag_curve.knots_y)
    _release(panel, 2, 0.5)
    assert len(s.history) == before + 1
    (edit,) = s.history[-1]
    assert isinstance(edit, Knots) and edit.feature == "smooth"
    assert edit.offsets == (0.0, 0.0, 0.5, 0.0, 0.0)
    assert edit.positions == tuple(panel.drag_curve.knots_x)
    # the widget is redrawn from the session: the knot moved up by 0.5 (to
    # within the grid's linear interpolation between its points)
    assert panel.drag_curve.knots_y[2] == pytest.approx(y_before[2] + 0.5, abs=0.01)
    assert panel.drag_curve.knots_y[0] == pytest.approx(y_before[0], abs=0.01)
    # the sliders show the step, as after a slider drag
    assert [k.value for k in panel.knots] == pytest.approx([0, 0, 0.5, 0, 0])
    assert "knots" in panel.history_entries[-1]


def test_two_releases_are_two_steps_and_undo_takes_back_one(panel):
    s = panel.session
    before = len(s.history)
    _release(panel, 0, -0.3, seq=1)
    _release(panel, 4, 0.2, seq=2)
    assert len(s.history) == before + 2
    s_after = list(panel.drag_curve.knots_y)
    panel.undo_button.click()
    assert len(s.history) == before + 2 and s.position == before + 1
    assert panel.drag_curve.knots_y[4] == pytest.approx(s_after[4] - 0.2, abs=0.01)


def test_a_slider_after_a_drag_edits_that_step(panel):
    s = panel.session
    _release(panel, 1, 0.4)
    n = len(s.history)
    panel.knots[3].value = 0.1  # merge=True: the slider drags the same Knots step
    assert len(s.history) == n
    assert s.history[-1][0].offsets == pytest.approx((0, 0.4, 0, 0.1, 0))


def test_a_region_drag_shifts_the_region_as_one_knots_step(panel):
    s, d = panel.session, panel.drag_curve
    # the default region: its handle only (a drag on its curve brushes)
    assert panel.region is None and d.region and d.region_curve is False
    panel.region = (-1.0, 1.0)
    assert d.region == pytest.approx([-1.0, 1.0])
    assert d.region_curve is True  # the user's region, the chart's brush
    assert d.shift_unit == [0.0, 1.0, 1.0, 0.0]
    assert d.shift_x[1:3] == pytest.approx([-1.0, 1.0])
    assert d.shift_x[0] < -1.0 and d.shift_x[3] > 1.0  # one grid step out
    x, before = np.asarray(d.x), np.asarray(d.values)
    n = len(s.history)
    d.drag = {"kind": "shift", "value": 0.3, "seq": 1}
    assert len(s.history) == n + 1
    (edit,) = s.history[-1]
    assert isinstance(edit, Knots) and edit.positions == tuple(d.shift_x)
    assert edit.offsets == pytest.approx((0.0, 0.3, 0.3, 0.0))
    moved = np.asarray(d.values) - before
    inside = (x >= -1.0) & (x <= 1.0)
    outside = (x < d.shift_x[0]) | (x > d.shift_x[3])
    assert moved[inside] == pytest.approx(0.3)
    assert moved[outside] == pytest.approx(0.0, abs=1e-9)
    # the knot sliders belong to their own knots: they show no offsets
    assert [k.value for k in panel.knots] == [0.0] * panel.n_knots


def test_a_region_at_the_ends_shifts_up_to_them(panel):
    d = panel.drag_curve
    lo, hi = panel.session.term_range("smooth")
    panel.region = (lo, 0.0)
    assert d.shift_x[0] == pytest.approx(lo) and d.shift_unit == [1.0, 1.0, 0.0]
    panel.region = (lo, hi)
    assert d.shift_x == pytest.approx([lo, hi]) and d.shift_unit == [1.0, 1.0]


def test_a_shift_without_a_region_is_refused(panel):
    panel.drag_curve.shift_x, panel.drag_curve.shift_unit = [], []
    n = len(panel.session.history)
    with pytest.raises(InputError, match="region"):
        panel.drag_curve.drag = {"kind": "shift", "value": 0.3}
    assert len(panel.session.history) == n


@pytest.mark.parametrize(
    "commit, match",
    [
        ({"kind": "knot", "index": 5, "value": 0.1}, "index"),
        ({"kind": "knot", "index": -1, "value": 0.1}, "index"),
        ({"kind": "knot", "index": 1.0, "value": 0.1}, "index"),
        ({"kind": "knot", "index": 1, "value": math.nan}, "finite"),
        ({"kind": "knot", "index": 1, "value": math.inf}, "finite"),
        ({"kind": "knot", "index": 1, "value": "up"}, "finite"),
        ({"kind": "spin", "index": 1, "value": 0.1}, "kind"),
        ({"kind": "shift", "value": math.nan}, "finite"),
    ],
)
def test_a_bad_commit_is_refused_and_changes_nothing(panel, commit, match):
    s = panel.session
    before = (len(s.history), s.position, panel.drag_curve.drag)
    knots_y = list(panel.drag_curve.knots_y)
    with pytest.raises(InputError, match=match):
        panel.drag_curve.drag = commit
    assert (len(s.history), s.position, panel.drag_curve.drag) == before
    assert panel.drag_curve.knots_y == knots_y


def _descendants(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _descendants(child)


def test_the_drag_widget_lies_over_the_shape_chart(panel):
    """One grid cell holds the chart and, on top, the drag widget (overlay)."""
    box, d = panel.shape_box, panel.drag_curve
    assert isinstance(box, W.GridBox)
    assert box.children == (panel.shape_chart, d)  # the drag widget on top
    assert box.layout.grid_template_areas == '"plot"'
    assert [c.layout.grid_area for c in box.children] == ["plot", "plot"]
    assert OVERLAY_CLASS in box._dom_classes
    assert d.overlay is True and d.get_state()["overlay"] is True  # synced
    # the browser side looks for that box by this class name
    assert f'closest(".{OVERLAY_CLASS}")' in d._esm
    # the panel shows the box, and the drag widget nowhere else: no own row
    shown = list(_descendants(panel))
    assert box in shown and shown.count(d) == 1
    assert shown.count(panel.shape_chart) == 1
    for controls in (panel.numeric_controls, panel.categorical_controls):
        assert d not in list(_descendants(controls))
    assert "drag a red knot" in panel.drag_hint.value.lower()
    assert panel.drag_hint in list(_descendants(panel.numeric_controls))


def test_a_drag_widget_alone_draws_its_own_plot():
    d = DragCurve()
    assert d.overlay is False
    box = overlay_box(W.HTML("a chart"), d)
    assert d.overlay is True and box.children[1] is d


def test_the_numeric_and_categorical_controls_swap_with_the_term(panel):
    assert panel.controls.children == (panel.numeric_controls,)
    panel.feature = "colour"
    assert panel.controls.children == (panel.categorical_controls,)


@pytest.fixture(scope="module")
def pair_panel():
    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame({"a": rng.uniform(-1, 1, n), "b": rng.uniform(-1, 1, n)})
    y = np.sin(2 * X.a) + 2 * X.a * X.b + rng.normal(scale=0.1, size=n)
    model = namwidgets.NAMRegressor(
        interactions=[("a", "b")],
        hidden_sizes=(8,),
        max_epochs=3,
        verbose=0,
        random_state=0,
        n_threads=1,
    ).fit(X, y)
    return namwidgets.explore(model, X, y)


def test_a_pair_term_leaves_nothing_to_drag_over_its_heatmap(pair_panel):
    p, d = pair_panel, pair_panel.drag_curve
    p.feature = "a"
    assert len(d.knots_x) == p.n_knots and d.x
    p.feature = "a & b"
    # a curve of "a" over the heatmap would be dragged as "a": nothing drawn
    assert d.x == d.values == d.knots_x == d.knots_y == d.levels == []
    assert d.shift_x == [] and d.region is None
    n = len(p.session.history)
    with pytest.raises(InputError, match="index"):
        d.drag = {"kind": "knot", "index": 0, "value": 0.1}
    assert len(p.session.history) == n
    p.feature = "a"
    assert len(d.knots_x) == p.n_knots and d.x


def test_the_knot_sliders_fold_away_under_the_drag_widget(panel):
    box = panel.knot_sliders_box
    assert box in panel.numeric_controls.children
    assert [s for row in box.children for s in row.children] == panel.knots
    assert box.layout.display == "none"  # dragging is the default
    panel.knot_sliders_toggle.value = True
    assert box.layout.display == ""
    panel.knots[1].value = 0.25  # and they edit as before
    assert panel.session.history[-1][0].offsets[1] == pytest.approx(0.25)
    panel.knot_sliders_toggle.value = False
    assert box.layout.display == "none"


# --- a categorical term: one bar a level ------------------------------------------


def _levels(panel):
    ref = panel.session.reference("colour")
    return [str(c) for c in ref.grid], ref.grid_values[:, 0]


def test_a_categorical_term_shows_one_bar_a_level(panel):
    panel.feature = "colour"
    d = panel.drag_curve
    names, values = _levels(panel)
    assert d.levels == names and len(names) >= 2
    assert d.level_values == pytest.approx(list(values))
    assert d.level_original == pytest.approx(list(values))
    assert d.x == [] and d.knots_x == []  # no curve, no knots
    lo, hi = d.y_domain
    assert lo < min(min(values), 0) and max(max(values), 0) < hi
    assert d.overlay  # drawn over the chart's bars (browser test)
    panel.feature = "smooth"  # back to a curve
    assert d.levels == [] and len(d.knots_x) == panel.n_knots


def test_a_bar_release_is_one_set_category_step_for_that_level(panel):
    from namwidgets.edit import SetCategoryValue

    panel.feature = "colour"
    s, d = panel.session, panel.drag_curve
    names, values = _levels(panel)
    before = len(s.history)
    metrics = panel.session.metrics_table(fast=True)
    d.drag = {"kind": "level", "level": names[1], "value": 1.25, "seq": 1}
    assert len(s.history) == before + 1
    (edit,) = s.history[-1]
    assert isinstance(edit, SetCategoryValue) and edit.feature == "colour"
    assert str(edit.category) == names[1] and edit.value == pytest.approx(1.25)
    # the widget is redrawn from the session: that bar moved, the others not
    assert d.level_values[1] == pytest.approx(1.25)
    others = [i for i in range(len(names)) if i != 1]
    assert [d.level_values[i] for i in others] == pytest.approx(
        [values[i] for i in others]
    )
    assert d.level_original == pytest.approx(list(values))
    assert not panel.session.metrics_table(fast=True).equals(metrics)  # follow
    # the level's slider shows it too, as after a slider drag
    slider = next(w for w in panel.category_box.children if w.description == names[1])
    assert slider.value == pytest.approx(1.25, abs=slider.step)
    panel.undo_button.click()
    assert d.level_values[1] == pytest.approx(values[1])


@pytest.mark.parametrize(
    "commit, match",
    [
        ({"kind": "level", "level": "purple", "value": 0.1}, "levels"),
        ({"kind": "level", "level": None, "value": 0.1}, "levels"),
        ({"kind": "level", "level": "LEVEL1", "value": math.nan}, "finite"),
        ({"kind": "level", "level": "LEVEL1", "value": "high"}, "finite"),
        ({"kind": "level", "level": "LEVEL1", "value": True}, "finite"),
        ({"kind": "knot", "index": 0, "value": 0.1}, "categorical"),
        ({"kind": "shift", "value": 0.1}, "categorical"),
    ],
)
def test_a_bad_bar_commit_is_refused_and_changes_nothing(panel, commit, match):
    panel.feature = "colour"
    names, _ = _levels(panel)
    if commit.get("level") == "LEVEL1":
        commit = {**commit, "level": names[1]}
    s, d = panel.session, panel.drag_curve
    before = (len(s.history), s.position, d.drag, list(d.level_values))
    with pytest.raises(InputError, match=match):
        d.drag = commit
    assert (len(s.history), s.position, d.drag, list(d.level_values)) == before


def test_a_level_commit_on_a_numeric_term_is_refused(panel):
    n = len(panel.session.history)
    with pytest.raises(InputError, match="levels"):
        panel.drag_curve.drag = {"kind": "level", "level": "red", "value": 0.1}
    assert len(panel.session.history) == n


# --- the x axis: the shape chart's ------------------------------------------------


def test_the_widgets_x_axis_is_the_shape_charts(panel):
    """Both x ranges: the widget's domain is the chart's, the curve inside it.

    ``quadratic`` has tails: the chart's data window is narrower than the
    training range (the widget drew the training range before).
    """
    panel.feature = "quadratic"
    d = panel.drag_curve
    for x_range in ("data", "all"):
        panel.x_range = x_range
        spec = panel.shape_chart.spec
        domains = {
            tuple(enc["x"]["scale"]["domain"])
            for layer in spec["layer"]
            for enc in [layer.get("encoding", {})]
            if "domain" in enc.get("x", {}).get("scale", {})
        }
        assert len(domains) == 1, domains
        (domain,) = domains
        assert d.x_domain == pytest.approx(list(domain))
        assert d.x[0] == pytest.approx(domain[0]) and d.x[-1] == pytest.approx(
            domain[1]
        )
        assert all(domain[0] <= v <= domain[1] for v in d.x)
        # the curve at the window's ends is the term's, interpolated on its grid
        ref = panel.session.reference("quadratic")
        grid = np.asarray(ref.grid, float)
        assert d.values[0] == pytest.approx(
            float(np.interp(domain[0], grid, ref.grid_values[:, 0]))
        )
    panel.x_range = "data"
    data_domain = list(d.x_domain)
    panel.x_range = "all"
    assert d.x_domain[0] <= data_domain[0] and d.x_domain[1] >= data_domain[1]
    assert d.x_domain != pytest.approx(data_domain)  # the window cuts the tails
    lo, hi = panel.session.term_range("quadratic")
    assert data_domain[0] > lo and data_domain[1] < hi
