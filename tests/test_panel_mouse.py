"""The panel's new traits and the brush's round trip, driven through traitlets.

The browser tests (``tests/browser/test_panel_mouse_browser.py``) drag a real
mouse; these check the Python side of the same contract without a browser.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import namwidgets


@pytest.fixture()
def panel(fitted_regressor, panel_data):
    X, y = panel_data
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


def _sent(jc):
    """Count the messages that re-embed a chart (``chart``, ``spec``) or write
    data into the shown one (``_live_data``), from now on."""
    counts = {"chart": 0, "spec": 0, "_live_data": 0}

    def bump(change):
        counts[change["name"]] += 1

    jc.observe(bump, list(counts))
    return counts


def _region_rows(jc):
    """The region band's rows: the kernel's spec, then the live data sent."""
    rows = jc.spec["datasets"]["region"]
    for update in jc._live_data:
        if update["name"] == "region":
            rows = update["value"]
    return rows


def test_brushing_does_not_redraw_the_shape_chart_mid_drag(panel):
    jc = panel.shape_chart
    sent = _sent(jc)
    # a drag streams selections: 55% -> 90% of the axis, in steps
    lo0, hi0 = panel.range.min, panel.range.max
    start = lo0 + 0.55 * (hi0 - lo0)
    for frac in np.linspace(0.6, 0.9, 6):
        _brush(panel, start, lo0 + frac * (hi0 - lo0))
        # nothing re-embedded under the pointer
        assert sent["chart"] == sent["spec"] == 0
    assert panel.region == pytest.approx((start, lo0 + 0.9 * (hi0 - lo0)))
    assert tuple(panel.range.value) == pytest.approx(panel.region)


def test_a_fresh_brush_clears_the_default_band_without_a_re_embed(panel):
    jc = panel.shape_chart
    # before any brush the default region is drawn as a shaded band
    (band,) = _region_rows(jc)
    assert (band["lo"], band["hi"]) == pytest.approx(tuple(panel.range.value))
    sent = _sent(jc)
    _brush(panel, -1.0, 0.5)
    _brush(panel, -1.0, 0.8)
    # the band's data is emptied in the shown view: the brush is the region now
    assert sent["chart"] == sent["spec"] == 0
    assert sent["_live_data"] >= 1
    assert _region_rows(jc) == []
    assert [u["value"] for u in jc._live_data if u["name"] == "region"] == [[]]
    # the kernel's copy reads as what is shown: a view rendered later draws
    # the brush where it was left
    assert _brush_init(jc.spec) == {"x": [-1.0, 0.8]}
    assert jc.spec["datasets"]["region"] == []
    # ... and is the very spec a full build gives: rebuilding sends nothing
    panel.refresh()
    assert sent["chart"] == sent["spec"] == 0


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


def _x_domain(spec):
    for layer in spec["layer"]:
        x = layer.get("encoding", {}).get("x", {})
        if "scale" in x and "domain" in x["scale"]:
            return x["scale"]["domain"]
    raise AssertionError("no x domain in the shape chart")


def test_the_x_range_switch_widens_the_shape_chart(panel):
    assert panel.x_range == "data" and panel.x_range_toggle.value == "data"
    window = _x_domain(panel.shape_chart.spec)
    panel.x_range_toggle.value = "all"  # as the front end does
    assert panel.x_range == "all"
    grid = panel.session.reference("smooth").grid
    whole = _x_domain(panel.shape_chart.spec)
    assert whole[0] <= min(grid) and whole[1] >= max(grid)
    assert whole[1] - whole[0] >= window[1] - window[0]
    with pytest.raises(Exception, match="x_range"):
        panel.x_range = "some"
    assert panel.x_range == "all"


def test_category_sliders_take_their_range_from_the_term(panel):
    panel.feature = "colour"
    values = panel.session.reference("colour").grid_values[:, 0]
    sliders = panel.category_box.children
    assert len(sliders) == len(values)
    biggest = float(np.max(np.abs(values)))
    for sl, v in zip(sliders, values):
        assert sl.max == -sl.min
        assert 1.5 * biggest <= sl.max <= 2.5 * biggest + 0.5
        assert sl.step <= sl.max / 100
        assert sl.value == pytest.approx(v, abs=sl.step)


def test_the_layout_fits_a_laptop_screen(panel):
    # the three columns' fixed widths and the charts' plot widths fit 1,100 px
    # (JupyterLab's output area at 1280 px, its file browser closed)
    top = panel.children[0]
    left, middle, right = top.children
    assert int(left.layout.width[:-2]) + int(middle.layout.width[:-2]) <= 640
    feedback = panel.feedback_chart.spec
    widths = [v.get("width", 0) for v in feedback.get("vconcat", [])]
    assert widths and max(widths) <= 380
    # the edit controls sit right under the chart: scale and shift side by side
    # (the shape chart's box: the chart with the drag widget lying over it)
    assert middle.children[0] is panel.shape_box
    assert panel.shape_box.children == (panel.shape_chart, panel.drag_curve)
    assert panel.numeric_controls.children[0].children == (panel.scale, panel.shift)


def test_what_if_on_a_row_changes_its_prediction(panel):
    panel.detail = "row"
    panel.row = 5
    box = panel.what_if_inputs["smooth"]
    x = float(panel.session.feature_values("smooth")[5])
    assert float(box.value) == pytest.approx(x, rel=1e-5)
    assert panel.what_if_box in panel.detail_pickers.children
    rows = panel.detail_chart.spec["datasets"]
    before = json_rows(rows)
    box.value = "2.5"  # as the front end sends it on Enter
    assert panel.what_if == {"smooth": 2.5}
    spec = panel.detail_chart.spec
    assert "what if smooth=2.5" in json.dumps(spec)
    after = json_rows(spec["datasets"])
    assert after != before
    # the numbers are the edited model's for the changed row
    frame = panel.session.model.check_X(
        pd.DataFrame({k: [v] for k, v in row_with(panel, smooth=2.5).items()})
    )
    expected = panel.session.to_model().predict(frame)[0]
    title = spec["datasets"]["contributions_title"][0]["title"]
    assert title.endswith(f"→ {expected:.4g}"), title
    # a bad value is refused, shown, and the what-if stays
    box.value = "abc"
    assert panel.what_if == {"smooth": 2.5}
    assert "must be a number" in panel.status.value
    # a category outside the levels is refused
    with pytest.raises(namwidgets.InputError, match="levels"):
        panel.what_if = {"colour": "purple"}
    # another row: the changes go
    panel.row = 6
    assert panel.what_if == {}
    assert float(box.value) == pytest.approx(
        float(panel.session.feature_values("smooth")[6]), rel=1e-5
    )


def json_rows(datasets):
    return json.dumps(datasets, sort_keys=True)


def row_with(panel, **changes):
    from namwidgets.widget._views import row_values

    return {**row_values(panel.session, panel.row), **changes}


def test_every_slice_metric_fits_the_right_column(fitted_classifier):
    from namwidgets.widget._layout import RIGHT_WIDTH

    model, X, y = fitted_classifier
    p = namwidgets.explore(model, X.iloc[:400], y[:400])
    p.detail = "slices"
    spec = p.detail_chart.spec
    n = len({row["metric"] for row in spec["datasets"]["slices"]})
    assert n >= 4  # a classifier's metrics: the panels that were clipped
    # the slice labels (~130 px) and one panel with its spacing per metric in
    # a row; six wrap to two rows of three, each wide enough for its header
    per_row = spec.get("columns", n)
    assert per_row <= 3
    assert 130 + per_row * (spec["spec"]["width"] + 14) <= RIGHT_WIDTH
    assert spec["facet"]["header"]["labelLimit"] == spec["spec"]["width"] >= 60


def test_the_region_slider_moves_the_brush_by_data_not_a_new_spec(panel):
    jc = panel.shape_chart
    live = panel._live["shape"]
    builds = live.builds
    sent = _sent(jc)
    panel.range.value = (-0.5, 1.0)  # as the browser sends a slider move
    # no re-embed: the brush moves in the shown chart through Vega signals
    assert sent["chart"] == sent["spec"] == 0
    assert live.builds == builds
    assert sent["_live_data"] == 1
    signals = [u for u in jc._live_data if u["namespace"] == "signal"]
    assert [(u["name"], u["scope"], u["value"]) for u in signals] == [
        ("brush_x", [], [-0.5, 1.0]),
        ("brush_scale_trigger", [], {}),
    ]
    # the default band is emptied under the brush, before the brush moves
    names = [u["name"] for u in jc._live_data]
    assert names.index("region") < names.index("brush_x")
    assert _region_rows(jc) == []
    # the kernel's copy starts the brush there (a view rendered later)
    assert _brush_init(jc.spec) == {"x": [-0.5, 1.0]}
    # a later data-only redraw (an edit) does not move the brush again: the
    # user may have brushed anew in the browser since
    panel.scale.value = 0.8
    assert sent["chart"] == sent["spec"] == 0
    assert not [u for u in jc._live_data if u["namespace"] == "signal"]


def test_the_moved_brushs_echo_keeps_the_sliders_values(panel):
    panel.range.value = (-0.5, 1.0)
    # the browser reports the moved brush back through its pixel round trip
    _brush(panel, -0.5 + 1e-15, 1.0 - 2e-16)
    assert tuple(panel.range.value) == (-0.5, 1.0)
    assert panel.region == (-0.5, 1.0)
    # a real brush still counts
    _brush(panel, -0.25, 1.0)
    assert panel.region == pytest.approx((-0.25, 1.0))


def test_the_brush_signals_are_the_compiled_charts(panel):
    """The signal names of ``ShapeView.selection_updates`` are Vega-Lite's."""
    vlc = pytest.importorskip("vl_convert")
    vega = vlc.vegalite_to_vega(panel.shape_chart.spec)
    signals = {s["name"]: s for s in vega["signals"]}  # top level: a layer chart
    pixels = signals["brush_x_1"]
    # the brush mark's pixels follow brush_x when brush_scale_trigger changes
    (on_trigger,) = [
        h for h in pixels["on"] if h["events"] == {"signal": "brush_scale_trigger"}
    ]
    assert on_trigger["update"] == '[scale("x", brush_x[0]), scale("x", brush_x[1])]'
    # ... and brush_x (so the selection's store) follows the pixels
    (back,) = signals["brush_x"]["on"]
    assert back["events"] == {"signal": "brush_x_1"}
    assert "brush_x_1[0] === brush_x_1[1] ? null" in back["update"]
    assert signals["brush_tuple"]["on"][0]["events"] == [{"signal": "brush_x"}]
