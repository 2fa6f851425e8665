"""Chart builders, tested through their Vega-Lite spec (as Altair's own tests do)."""

from __future__ import annotations

import dataclasses
import itertools
import json
import re
import time

import altair as alt
import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from namwidgets import InputError, charts
from namwidgets.charts import (
    PALETTE,
    THEME,
    ContributionsView,
    ImportanceView,
    MetricsView,
    PredictionShiftView,
    ShapeGridView,
    ShapeView,
    SliceMetricsView,
    StackView,
    apply_theme,
)
from namwidgets.explain import ShapeFunction

# The spec tests below build each chart through its view; the deprecated
# ``X_chart``/``X_data`` functions are tested once, at the end.
VIEWS = {
    "shape": ShapeView,
    "importance": ImportanceView,
    "contributions": ContributionsView,
    "prediction_shift": PredictionShiftView,
    "metrics": MetricsView,
    "slice_metrics": SliceMetricsView,
}


def _chart_of(view):
    return lambda *args, **kwargs: view(*args, **kwargs).chart()


def _data_of(view):
    return lambda *args, **kwargs: view(*args, **kwargs).datasets()


shape_chart, shape_data = _chart_of(ShapeView), _data_of(ShapeView)
importance_chart, importance_data = _chart_of(ImportanceView), _data_of(ImportanceView)
contributions_chart = _chart_of(ContributionsView)
contributions_data = _data_of(ContributionsView)
prediction_shift_chart = _chart_of(PredictionShiftView)
prediction_shift_data = _data_of(PredictionShiftView)
metrics_chart, metrics_data = _chart_of(MetricsView), _data_of(MetricsView)
slice_metrics_chart = _chart_of(SliceMetricsView)
slice_metrics_data = _data_of(SliceMetricsView)

# ------------------------------------------------------------------------ fixtures


def numeric_shape(n=200, nan_value=None, nan_count=0, values=None) -> ShapeFunction:
    x = np.linspace(0.0, 10.0, n)
    v = np.sin(x) if values is None else values
    edges = np.linspace(0.0, 10.0, 21)
    counts = np.arange(20, dtype=np.int64) * 3 + 1
    return ShapeFunction(
        name="age",
        kind="numeric",
        x=x,
        values=v,
        lower=v - 0.2,
        upper=v + 0.3,
        density_edges=edges,
        density_counts=counts,
        nan_value=nan_value,
        nan_count=nan_count,
        importance=0.64,
    )


def categorical_shape(nan_value=None) -> ShapeFunction:
    v = np.array([0.1, -0.3, 0.25, -0.6])
    return ShapeFunction(
        name="workclass",
        kind="categorical",
        x=np.array(["Private", "Self-emp", "Gov", "Never-worked"]),
        values=v,
        lower=v - 0.05,
        upper=v + 0.1,
        density_edges=None,
        density_counts=np.array([3000, 400, 800, 7]),
        nan_value=nan_value,
        nan_count=50 if nan_value is not None else 0,
        importance=0.2,
    )


def multiclass_shape() -> ShapeFunction:
    x = np.linspace(-1.0, 1.0, 50)
    v = np.stack([x, -x, 2 * x**2 - 0.6], axis=1)
    return ShapeFunction(
        name="petal",
        kind="numeric",
        x=x,
        values=v,
        lower=v - 0.1,
        upper=v + 0.1,
        density_edges=np.linspace(-1.0, 1.0, 6),
        density_counts=np.array([5, 9, 12, 9, 5]),
        nan_value=np.array([0.1, 0.2, 0.3]),
        nan_count=3,
        importance=0.9,
        classes=["setosa", "versicolor", "virginica"],
    )


def heavy_tailed_data() -> np.ndarray:
    """California's AveOccup in miniature: 99.7% of rows below 15, a tail to 600."""
    rng = np.random.default_rng(0)
    return np.concatenate([rng.lognormal(1.0, 0.35, 20000), rng.uniform(20, 600, 60)])


def heavy_shape(values=None) -> ShapeFunction:
    """A shape function built the way the model builds one (grid and histogram)."""
    data = heavy_tailed_data()
    quantiles = np.percentile(data, np.linspace(0, 100, 201))
    grid = np.unique(
        np.concatenate([np.linspace(data.min(), data.max(), 300), quantiles])
    )
    counts, edges = np.histogram(data, 40)
    v = np.log(grid) if values is None else values
    return ShapeFunction(
        name="AveOccup",
        kind="numeric",
        x=grid,
        values=v,
        lower=v,
        upper=v,
        density_edges=edges,
        density_counts=counts.astype(np.int64),
        importance=0.31,
    )


def slice_table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "slice": ["age < 30", "age < 30", "age >= 30", "age >= 30"],
            "n": [300, 300, 700, 700],
            "metric": ["rmse", "mae", "rmse", "mae"],
            "original": [0.5, 0.4, 0.6, 0.45],
            "current": [0.55, 0.41, 0.58, 0.44],
        }
    )


# ------------------------------------------------------------------------- helpers


def mark_type(spec: dict) -> str:
    mark = spec["mark"]
    return mark if isinstance(mark, str) else mark["type"]


def mark_props(spec: dict) -> dict:
    mark = spec["mark"]
    return {} if isinstance(mark, str) else mark


def rows_of(top: dict, spec: dict | None = None) -> list[dict]:
    """The data rows of ``spec`` (a layer) or of the top level, inline or named."""
    data = (spec if spec is not None else top)["data"]
    return data["values"] if "values" in data else top["datasets"][data["name"]]


def layers_with(spec: dict, mark: str) -> list[dict]:
    return [layer for layer in spec["layer"] if mark_type(layer) == mark]


def y_field(layer: dict) -> str:
    return layer["encoding"]["y"]["field"]


def strict_json(text: str):
    def no_constants(name):
        raise AssertionError(f"non-standard JSON constant {name} in the spec")

    return json.loads(text, parse_constant=no_constants)


# ---------------------------------------------------------------- numeric shapes


def test_numeric_layers_and_marks():
    spec = shape_chart(numeric_shape()).to_dict()
    marks = [mark_type(layer) for layer in spec["layer"]]
    # density strip, zero rule, band, original line, hover points
    assert marks == ["rect", "rule", "area", "line", "point"]
    band = layers_with(spec, "area")[0]
    assert band["encoding"]["y"]["field"] == "lower"
    assert band["encoding"]["y2"]["field"] == "upper"
    (line,) = layers_with(spec, "line")
    assert "strokeDash" not in mark_props(line)
    assert spec["layer"][1]["encoding"]["y"]["title"] == "contribution"
    assert line["encoding"]["x"]["axis"]["title"] == "age"


def test_grid_rows_are_inline_and_complete():
    shape = numeric_shape(n=400)
    spec = shape_chart(shape).to_dict()  # no MaxRowsError for a 400-point grid
    rows = rows_of(spec)
    assert len(rows) == 400
    assert [r["x"] for r in rows] == pytest.approx(shape.x.tolist())
    assert [r["value"] for r in rows] == pytest.approx(shape.values.tolist())
    assert [r["upper"] for r in rows] == pytest.approx(shape.upper.tolist())


def test_brush_param_on_main_layer():
    chart = shape_chart(numeric_shape())
    spec = chart.to_dict()
    (param,) = spec["params"]
    assert param["name"] == "brush"
    assert param["select"] == {"type": "interval", "encodings": ["x"]}
    (line,) = layers_with(spec, "line")
    assert param["views"] == [line["name"]]
    # the panel reads it from the JupyterChart widget
    jc = alt.JupyterChart(chart)
    assert "brush" in jc.selections.trait_names()


def test_brush_off_and_initial_value():
    assert "params" not in shape_chart(numeric_shape(), brush=False).to_dict()
    spec = shape_chart(numeric_shape(), brush_value=(2.0, 4.5)).to_dict()
    assert spec["params"][0]["value"] == {"x": [2.0, 4.5]}
    with pytest.raises(ValueError, match="brush_value"):
        shape_chart(numeric_shape(), brush_value=(1.0, 2.0, 3.0))


def test_a_live_charts_brush_start_is_not_structure():
    # a live chart's brush is the user's once shown: a new start value must
    # redraw data only (the same key), yet the chart built draws it
    fixed = ShapeView(numeric_shape(), brush_value=(2.0, 4.5))
    assert fixed.key != ShapeView(numeric_shape(), brush_value=(1.0, 3.0)).key
    live = ShapeView(numeric_shape(), brush_value=(2.0, 4.5), live=True)
    moved = dataclasses.replace(live, brush_value=(1.0, 3.0))
    assert live.key == moved.key == ShapeView(numeric_shape(), live=True).key
    assert live.param_values == {"brush": {"x": [2.0, 4.5]}}
    assert moved.param_values == {"brush": {"x": [1.0, 3.0]}}
    assert dataclasses.replace(live, brush_value=None).param_values == {"brush": None}
    assert fixed.param_values == {}
    for view, value in ((live, [2.0, 4.5]), (moved, [1.0, 3.0])):
        params = view.chart().to_dict()["params"]
        assert [p["value"] for p in params if p["name"] == "brush"] == [{"x": value}]
    with pytest.raises(ValueError, match="brush_value"):
        ShapeView(numeric_shape(), brush_value=(1.0,), live=True)


def test_edited_values_drawn_and_original_dashed():
    shape = numeric_shape()
    edited = shape.values * 0.5 + 0.1
    spec = shape_chart(shape, edited).to_dict()
    rows = rows_of(spec)
    assert [r["edited"] for r in rows] == pytest.approx(edited.tolist())
    original, new = layers_with(spec, "line")
    assert y_field(original) == "value"
    assert y_field(new) == "edited"
    # dashed through an encoding (the legend's symbols take it too)
    for line in (original, new):
        dash = line["encoding"]["strokeDash"]
        assert dash["scale"] == {
            "domain": ["original", "edited"],
            "range": [[5, 3], [1, 0]],
        }
    colors = [line["encoding"]["color"]["scale"]["range"] for line in (original, new)]
    assert colors[0] == [PALETTE["original"], PALETTE["edited"]]
    assert [t["calculate"] for t in original["transform"] + new["transform"]] == [
        "'original'",
        "'edited'",
    ]
    assert original["encoding"]["color"]["legend"] is not None


def test_edited_values_shape_checked():
    shape = numeric_shape()
    with pytest.raises(ValueError, match="edited_values"):
        shape_chart(shape, shape.values[:-1])


def test_nan_marker_only_when_nan_value_set():
    def diamonds(spec):
        return [
            layer
            for layer in layers_with(spec, "point")
            if mark_props(layer).get("shape") == "diamond"
        ]

    assert diamonds(shape_chart(numeric_shape()).to_dict()) == []
    spec = shape_chart(numeric_shape(nan_value=0.42, nan_count=12)).to_dict()
    (point,) = diamonds(spec)
    assert rows_of(spec, point) == [{"nan": 0.42, "count": 12, "label": "missing"}]
    (label,) = layers_with(spec, "text")
    assert label["encoding"]["text"]["field"] == "label"
    # the x range leaves room right of the data for the marker
    (line,) = layers_with(spec, "line")
    assert line["encoding"]["x"]["scale"]["range"][1] < spec["width"]


def test_knots_and_region():
    spec = shape_chart(
        numeric_shape(), knots=([1.0, 5.0, 9.0], [0.1, -0.2, 0.3]), region=(3.0, 6.0)
    ).to_dict()
    knots = [
        layer for layer in layers_with(spec, "point") if mark_props(layer).get("filled")
    ]
    assert len(knots) == 1
    assert rows_of(spec, knots[0]) == [
        {"kx": 1.0, "ky": 0.1},
        {"kx": 5.0, "ky": -0.2},
        {"kx": 9.0, "ky": 0.3},
    ]
    regions = [r for r in layers_with(spec, "rect") if "lo" in rows_of(spec, r)[0]]
    region = [r for r in regions if "count" not in rows_of(spec, r)[0]]
    assert rows_of(spec, region[0]) == [{"lo": 3.0, "hi": 6.0}]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"knots": ([1.0, 2.0], [0.1])}, "knots"),
        ({"knots": ([1.0],)}, "knots"),
        ({"region": (5.0, 1.0)}, "region"),
        ({"region": (1.0,)}, "region"),
    ],
)
def test_bad_knots_and_region(kwargs, match):
    with pytest.raises(ValueError, match=match):
        shape_chart(numeric_shape(), **kwargs)


def test_density_strip_counts_and_toggle():
    shape = numeric_shape()
    spec = shape_chart(shape).to_dict()
    strip = layers_with(spec, "rect")[0]
    rows = rows_of(spec, strip)
    assert [r["count"] for r in rows] == shape.density_counts.tolist()
    assert [r["lo"] for r in rows] == pytest.approx(shape.density_edges[:-1].tolist())
    assert strip["encoding"]["fill"]["field"] == "count"
    assert strip["encoding"]["y"] == {"value": 260 - 10}
    # the strip greys out outside the brush
    assert strip["encoding"]["opacity"]["condition"]["param"] == "brush"
    no_strip = shape_chart(shape, density_height=0).to_dict()
    assert layers_with(no_strip, "rect") == []


def test_values_length_must_match_x():
    shape = numeric_shape()
    bad = ShapeFunction(
        **{**shape.__dict__, "values": shape.values[:-3]},
    )
    with pytest.raises(ValueError, match=r"shape\.values"):
        shape_chart(bad)
    bad_band = ShapeFunction(**{**shape.__dict__, "upper": shape.upper[:10]})
    with pytest.raises(ValueError, match=r"shape\.upper"):
        shape_chart(bad_band)


def test_nan_in_values_gives_valid_json():
    v = np.sin(np.linspace(0, 10, 200))
    v[5] = np.nan
    chart = shape_chart(numeric_shape(values=v))
    spec = strict_json(chart.to_json())
    assert rows_of(spec)[5]["value"] is None


def test_titles_and_y_title():
    spec = shape_chart(numeric_shape(), y_title="contribution (logit)").to_dict()
    assert spec["title"]["text"] == "age"
    assert "0.64" in spec["title"]["subtitle"]
    assert {layer["encoding"]["y"].get("title") for layer in spec["layer"][1:]} == {
        "contribution (logit)"
    }
    assert shape_chart(numeric_shape(), title="Age").to_dict()["title"]["text"] == "Age"


# -------------------------------------------------------------------- multiclass


def test_class_index_picks_the_column():
    shape = multiclass_shape()
    spec = shape_chart(shape, shape.values * 2, class_index=2).to_dict()
    rows = rows_of(spec)
    assert [r["value"] for r in rows] == pytest.approx(shape.values[:, 2].tolist())
    assert [r["lower"] for r in rows] == pytest.approx(shape.lower[:, 2].tolist())
    assert [r["edited"] for r in rows] == pytest.approx(
        (shape.values[:, 2] * 2).tolist()
    )
    assert spec["title"]["text"] == "petal · class virginica"
    assert spec["datasets"]["nan"] == [{"nan": 0.3, "count": 3, "label": "missing"}]


@pytest.mark.parametrize("class_index", [3, -1, 1.0, True])
def test_unknown_class_index(class_index):
    with pytest.raises(ValueError, match="class_index"):
        shape_chart(multiclass_shape(), class_index=class_index)


def test_class_index_on_single_output():
    with pytest.raises(ValueError, match="class_index"):
        shape_chart(numeric_shape(), class_index=1)


# ------------------------------------------------------------------- categorical


def test_categorical_bars_and_errorbars():
    shape = categorical_shape()
    spec = shape_chart(shape).to_dict()
    marks = [mark_type(layer) for layer in spec["layer"]]
    # strip, values, band, zero, the strip's "rows" label and its counts
    assert marks == ["bar", "bar", "errorbar", "rule", "text", "text"]
    values = spec["layer"][1]
    assert y_field(values) == "value"
    assert values["encoding"]["x"]["scale"]["domain"] == shape.x.tolist()
    errorbar = spec["layer"][2]
    assert (y_field(errorbar), errorbar["encoding"]["y2"]["field"]) == (
        "lower",
        "upper",
    )
    rows = rows_of(spec)
    assert [r["count"] for r in rows] == [3000, 400, 800, 7]
    tooltip_fields = {t["field"] for t in values["encoding"]["tooltip"]}
    assert {"category", "value", "lower", "upper", "count"} <= tooltip_fields
    (param,) = spec["params"]
    assert param["name"] == "category"
    assert param["select"] == {"type": "point", "encodings": ["x"]}


def test_categorical_edited_and_missing():
    shape = categorical_shape(nan_value=-0.05)
    edited = np.array([0.1, -0.3, 0.0, -0.6])
    spec = shape_chart(shape, edited).to_dict()
    assert [r["edited"] for r in rows_of(spec)] == pytest.approx(edited.tolist())
    outline = [
        layer
        for layer in layers_with(spec, "bar")
        if mark_props(layer).get("filled") is False
    ]
    assert len(outline) == 1
    assert y_field(outline[0]) == "edited"
    domain = spec["layer"][1]["encoding"]["x"]["scale"]["domain"]
    assert domain == [*shape.x.tolist(), "(missing)"]
    nan_bars = [
        layer
        for layer in layers_with(spec, "bar")
        if mark_props(layer).get("color") == PALETTE["missing"]
    ]
    assert rows_of(spec, nan_bars[0]) == [
        {"category": "(missing)", "value": -0.05, "count": 50}
    ]
    plain = shape_chart(categorical_shape()).to_dict()
    assert "(missing)" not in plain["layer"][1]["encoding"]["x"]["scale"]["domain"]


def test_categorical_rejects_knots_and_bad_counts():
    with pytest.raises(ValueError, match="knots"):
        shape_chart(categorical_shape(), knots=([1.0], [1.0]))
    shape = categorical_shape()
    bad = ShapeFunction(**{**shape.__dict__, "density_counts": np.array([1, 2])})
    with pytest.raises(ValueError, match=r"shape\.density_counts"):
        shape_chart(bad)


# ----------------------------------------------------------------- rendering, JSON


@pytest.mark.parametrize(
    "chart_fn",
    [
        lambda: shape_chart(
            numeric_shape(nan_value=0.2, nan_count=3),
            np.sin(np.linspace(0, 10, 200)) * 0.5,
            knots=([2.0, 8.0], [0.1, 0.2]),
            region=(1.0, 3.0),
        ),
        lambda: shape_chart(categorical_shape(nan_value=0.1), np.zeros(4)),
    ],
    ids=["numeric", "categorical"],
)
def test_shape_chart_renders_to_svg(chart_fn):
    chart = chart_fn()
    svg = vlc.vegalite_to_svg(chart.to_json())
    assert svg.lstrip().startswith("<svg")
    assert "contribution" in svg  # the y-axis title was drawn
    assert "importance" in svg


STATES = ("original", "last", "current")
CHARTS = {
    "numeric": lambda: shape_chart(
        numeric_shape(nan_value=0.1), numeric_shape().values
    ),
    "categorical": lambda: shape_chart(categorical_shape(nan_value=0.1)),
    "importance": lambda: importance_chart(["a", "b"], [0.2, 0.5], ["a"]),
    "contributions": lambda: contributions_chart(["a", "b"], [0.2, -0.1], [0.0, 0.1]),
    "shift": lambda: prediction_shift_chart([-1.0, 0.0, 1.0], [3, 4]),
    "metrics": lambda: metrics_chart(
        {s: {"rmse": 0.5 + i / 10, "mae": 0.4} for i, s in enumerate(STATES)}
    ),
    "slices": lambda: slice_metrics_chart(slice_table()),
}


@pytest.mark.parametrize("name", list(CHARTS))
def test_spec_round_trips_through_json(name):
    chart = CHARTS[name]()
    assert strict_json(chart.to_json()) == chart.to_dict()


def test_metrics_chart_renders_to_svg():
    svg = vlc.vegalite_to_svg(CHARTS["metrics"]().to_json())
    assert "rmse" in svg
    assert "before the last edit" in svg


def test_theme_is_applied_per_chart_without_global_state():
    active = alt.theme.active
    spec = importance_chart(["a"], [1.0]).to_dict()
    assert alt.theme.active == active
    assert spec["config"]["font"] == THEME["font"]
    assert spec["config"]["axis"]["labelFontSize"] == THEME["axis"]["labelFontSize"]


def test_unconfigured_charts_compose_then_take_the_theme():
    left = shape_chart(numeric_shape(), configure=False)
    right = importance_chart(["a", "b"], [0.3, 0.1], configure=False)
    assert "font" not in left.to_dict().get("config", {})
    both = apply_theme(alt.hconcat(left, right))
    spec = both.to_dict()
    assert spec["config"]["font"] == THEME["font"]
    assert [p["name"] for p in spec["params"]] == ["brush"]


# -------------------------------------------------------------------- importance


def test_importance_sorted_descending_with_edited_marked():
    names = ["a", "b", "c", "d"]
    spec = importance_chart(names, [0.1, 0.7, 0.3, 0.5], edited=["c"]).to_dict()
    bars, text = spec["layer"]
    # sorted in Vega by the rank in the data, not by a list baked into the spec
    assert bars["encoding"]["y"]["sort"] == {
        "field": "rank",
        "op": "min",
        "order": "ascending",
    }
    rows = rows_of(spec)
    assert [(r["feature"], r["rank"]) for r in rows] == [
        ("b", 1),
        ("d", 2),
        ("c", 3),
        ("a", 4),
    ]
    status = {r["feature"]: r["status"] for r in rows}
    assert status == {"a": "unedited", "b": "unedited", "c": "edited", "d": "unedited"}
    color = bars["encoding"]["color"]
    assert color["field"] == "status"
    assert color["scale"]["domain"] == ["unedited", "edited"]
    assert color["scale"]["range"] == [PALETTE["original"], PALETTE["edited"]]
    labels = {r["feature"]: r["label"] for r in rows}
    assert "edited" in labels["c"]
    assert "edited" not in labels["b"]
    assert text["encoding"]["text"]["field"] == "label"


def test_importance_top_and_errors():
    spec = importance_chart(["a", "b", "c"], [0.1, 0.7, 0.3], top=2).to_dict()
    assert [r["feature"] for r in rows_of(spec)] == ["b", "c"]
    with pytest.raises(ValueError, match="importances"):
        importance_chart(["a", "b"], [0.1])
    with pytest.raises(ValueError, match="edited"):
        importance_chart(["a", "b"], [0.1, 0.2], edited=["z"])
    with pytest.raises(ValueError, match="top"):
        importance_chart(["a", "b"], [0.1, 0.2], top=0)
    with pytest.raises(ValueError, match="names"):
        importance_chart(["a", "a"], [0.1, 0.2])


# ----------------------------------------------------------------- contributions


def test_contributions_before_and_after():
    spec = contributions_chart(
        ["a", "b", "c"],
        [0.1, -0.8, 0.3],
        [0.0, -0.8, 0.5],
        prediction_before=0.73,
        prediction_after=0.61,
        intercept=-1.25,
    ).to_dict()
    (inner,) = spec["vconcat"]  # the intercept is the inner view's title
    bars = inner["layer"][0]
    assert bars["encoding"]["y"]["sort"]["field"] == "rank"
    assert bars["encoding"]["yOffset"]["field"] == "state"
    rows = rows_of(spec)
    ranks = {r["feature"]: r["rank"] for r in rows}
    assert ranks == {"b": 1, "c": 2, "a": 3}  # by largest |value|
    assert {(r["feature"], r["state"]): r["value"] for r in rows} == {
        ("a", "before"): 0.1,
        ("a", "after"): 0.0,
        ("b", "before"): -0.8,
        ("b", "after"): -0.8,
        ("c", "before"): 0.3,
        ("c", "after"): 0.5,
    }
    # the title text is read from a dataset, by a Vega expression
    assert "data('contributions_title')" in spec["title"]["text"]["expr"]
    assert "data('contributions_title')" in inner["title"]["text"]["expr"]
    (head,) = spec["datasets"]["contributions_title"]
    assert "0.73" in head["title"]
    assert "0.61" in head["title"]
    assert "-1.25" in head["subtitle"]
    # Vega-Lite drops datasets no mark reads: a layer keeps the title's
    assert {"name": "contributions_title"} in [
        layer.get("data") for layer in inner["layer"]
    ]
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert "Prediction 0.73" in svg
    assert "intercept -1.25" in svg


def test_contributions_single_state_and_errors():
    spec = contributions_chart(["a", "b"], [0.2, -0.4], top=1).to_dict()
    bars = spec["layer"][0]
    assert "yOffset" not in bars["encoding"]
    assert rows_of(spec) == [
        {"feature": "b", "state": "before", "value": -0.4, "rank": 1}
    ]
    assert spec["datasets"]["contributions_title"] == [{"title": "Contributions"}]
    with pytest.raises(ValueError, match="after"):
        contributions_chart(["a", "b"], [0.2, -0.4], [0.1])
    with pytest.raises(ValueError, match="before"):
        contributions_chart(["a", "b"], [0.2])


# --------------------------------------------------------------- prediction shift


def test_prediction_shift_is_binned():
    spec = prediction_shift_chart([-0.2, -0.1, 0.0, 0.1], [5, 0, 7]).to_dict()
    bars = spec["layer"][0]
    assert mark_type(bars) == "rect"
    assert rows_of(spec, bars) == [
        {"lo": -0.2, "hi": -0.1, "count": 5.0},
        {"lo": -0.1, "hi": 0.0, "count": 0.0},
        {"lo": 0.0, "hi": 0.1, "count": 7.0},
    ]
    assert [mark_type(layer) for layer in spec["layer"]] == ["rect", "rule"]
    assert rows_of(spec, spec["layer"][1]) == [{"zero": 0.0}]
    # no zero in range: the rule's dataset is empty, the structure the same
    no_zero = prediction_shift_chart([0.1, 0.2], [3]).to_dict()
    assert rows_of(no_zero, no_zero["layer"][1]) == []


@pytest.mark.parametrize(
    ("edges", "counts", "match"),
    [
        ([0.0, 1.0], [1, 2], "bin_edges"),
        ([1.0, 0.0], [1], "bin_edges"),
        ([0.0, 1.0], [-1], "counts"),
    ],
)
def test_prediction_shift_errors(edges, counts, match):
    with pytest.raises(ValueError, match=match):
        prediction_shift_chart(edges, counts)


# ------------------------------------------------------------------------ metrics


def test_metrics_chart_has_every_state_and_metric():
    metrics = {
        "original": {"rmse": 0.52, "mae": 0.41},
        "last": {"rmse": 0.53, "mae": 0.40},
        "current": {"rmse": 0.55, "mae": 0.42},
    }
    spec = metrics_chart(metrics).to_dict()
    rows = rows_of(spec)
    got = {(r["metric"], r["state"]): r["value"] for r in rows}
    assert got == {
        ("rmse", "original"): 0.52,
        ("rmse", "before the last edit"): 0.53,
        ("rmse", "current"): 0.55,
        ("mae", "original"): 0.41,
        ("mae", "before the last edit"): 0.40,
        ("mae", "current"): 0.42,
    }
    assert spec["facet"]["field"] == "metric"
    assert spec["facet"]["sort"] == ["rmse", "mae"]
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    color = spec["spec"]["layer"][0]["encoding"]["color"]
    assert color["scale"]["domain"] == ["original", "before the last edit", "current"]
    assert color["scale"]["range"] == [
        PALETTE["original"],
        PALETTE["last"],
        PALETTE["edited"],
    ]


def test_metrics_chart_errors():
    ok = {"rmse": 1.0}
    with pytest.raises(ValueError, match="metrics.*'last'"):
        metrics_chart({"original": ok, "current": ok})
    with pytest.raises(ValueError, match=r"metrics\['current'\]"):
        metrics_chart({"original": ok, "last": ok, "current": {"mae": 1.0}})
    with pytest.raises(ValueError, match="metrics"):
        metrics_chart([1, 2, 3])


# ------------------------------------------------------------------------- slices


def test_slice_metrics_chart():
    spec = slice_metrics_chart(slice_table()).to_dict()
    rows = rows_of(spec)
    assert len(rows) == 8
    got = {(r["slice"], r["metric"], r["state"]): r["value"] for r in rows}
    assert got[("age < 30 (n=300)", "rmse", "current")] == 0.55
    assert got[("age >= 30 (n=700)", "mae", "original")] == 0.45
    layer = spec["spec"]["layer"][0]
    assert layer["encoding"]["y"]["sort"] == {"field": "order", "op": "min"}
    order = {r["slice"]: r["order"] for r in rows}
    assert order == {"age < 30 (n=300)": 0, "age >= 30 (n=700)": 1}
    assert layer["encoding"]["yOffset"]["field"] == "state"
    assert spec["facet"]["field"] == "metric"
    assert "columns" not in spec  # one row unless asked to wrap


def test_slice_metrics_missing_column():
    with pytest.raises(ValueError, match=r"table.*'current'"):
        slice_metrics_chart(slice_table().drop(columns="current"))


CLASSIFIER_METRICS = ["roc_auc", "accuracy", "balanced_accuracy", "log_loss"]
CLASSIFIER_METRICS += ["brier", "flipped"]


def classifier_slice_table() -> pd.DataFrame:
    rows = [
        {"slice": s, "n": 50, "metric": m, "original": 0.5, "current": 0.6}
        for s in ("age < 30", "age >= 30")
        for m in CLASSIFIER_METRICS
    ]
    return pd.DataFrame(rows)


def scene_texts(node, ox=0.0, oy=0.0):
    """(text, x, y, limit, align) of every text item, in chart coordinates.

    ``y`` includes the item's ``dy`` (a label set above its bar).
    """
    for item in node.get("items", []):
        if node.get("marktype") == "text":
            x = ox + item.get("x", 0) + item.get("dx", 0)
            y = oy + item.get("y", 0) + item.get("dy", 0)
            yield item.get("text"), x, y, item.get("limit"), item.get("align")
        elif node.get("marktype") == "group":
            x, y = ox + item.get("x", 0), oy + item.get("y", 0)
            for child in item.get("items", []):
                yield from scene_texts(child, x, y)
        else:
            yield from scene_texts(item, ox, oy)


def test_slice_metric_headers_stay_whole_and_apart():
    # six classifier metrics at the panel's size (3 a row, 69 px each): the
    # headers used to be the raw names, "accuracy"/"balanced_accuracy" on top
    # of each other
    view = SliceMetricsView(classifier_slice_table(), width=69, columns=3)
    spec = view.chart().to_dict()
    assert spec["columns"] == 3
    assert spec["facet"]["header"]["labelLimit"] == 69
    shown = {"ROC AUC", "accuracy", "bal. acc.", "log loss", "brier", "flipped"}
    svg = vlc.vegalite_to_svg(view.chart().to_json())
    texts = set(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert shown <= texts  # each header whole: none cut to "…"
    scene = vlc.vegalite_to_scenegraph(view.chart().to_json())["scenegraph"]
    heads = [t for t in scene_texts(scene) if t[0] in shown]
    assert len(heads) == 6
    assert len({y for _, _, y, _, _ in heads}) == 2  # two rows of three
    for a, b in itertools.combinations(heads, 2):
        _, xa, ya, la, _ = a
        _, xb, yb, lb, _ = b
        assert a[4] == b[4] == "center" and la and lb
        if ya == yb:  # the widest each can be drawn never reaches the other
            assert abs(xa - xb) >= (la + lb) / 2
    # the tooltips and data keep the metric's own name
    assert {r["metric"] for r in rows_of(spec)} == set(CLASSIFIER_METRICS)
    assert view.key != dataclasses.replace(view, columns=2).key


@pytest.mark.parametrize("columns", [0, -1, 1.5, True, "3"])
def test_slice_metrics_bad_columns(columns):
    with pytest.raises(ValueError, match=r"columns must be a positive int"):
        SliceMetricsView(slice_table(), columns=columns)
    with pytest.raises(ValueError, match=r"columns must be a positive int"):
        MetricsView({s: {"rmse": 0.5} for s in STATES}, columns=columns)


@pytest.mark.parametrize(
    "names, width, columns",
    [
        (["rmse", "mae", "r2"], 73, None),  # a regressor's panel row
        (["roc_auc", "accuracy", "balanced_accuracy", "log_loss", "brier"], 73, 3),
    ],
)
def test_metric_labels_never_run_together(names, width, columns):
    # the panel's sizes (widget._views.feedback_view): three bars of 24 px each
    # used to carry three value labels and two change labels, drawn on top of
    # each other ("0.3350.335"), and the classifier's five headers overlapped
    rng = np.random.default_rng(0)
    base = rng.uniform(0.1, 0.9, len(names))
    table = {
        state: dict(zip(names, base + 0.0123 * k)) for k, state in enumerate(STATES)
    }
    view = MetricsView(table, width=width, height=90, columns=columns)
    scene = vlc.vegalite_to_scenegraph(view.chart().to_json())["scenegraph"]
    texts = [t for t in scene_texts(scene) if t[4] == "center" and t[0]]
    labels = [t for t in texts if re.match(r"^[+\u2212-]?\d", t[0])]
    # the original and current values, and the current's change, per metric
    assert len(labels) == 3 * len(names), labels
    for a, b in itertools.combinations(labels, 2):
        if abs(a[2] - b[2]) < 9:  # on one line: never closer than half each
            wide = 0.6 * 9 * (len(a[0]) + len(b[0])) / 2
            assert abs(a[1] - b[1]) >= wide, (a, b)
    shown = {"ROC AUC", "accuracy", "bal. acc.", "log loss", "brier", "rmse"}
    heads = [t for t in texts if t[0] in shown | set(names)]
    assert len(heads) == len(names)  # each header whole, none cut to "..."
    for a, b in itertools.combinations(heads, 2):
        if a[2] == b[2]:
            assert abs(a[1] - b[1]) >= (a[3] + b[3]) / 2, (a, b)


def test_no_band_for_a_single_model():
    shape = numeric_shape()
    single = ShapeFunction(
        **{**shape.__dict__, "lower": shape.values, "upper": shape.values}
    )
    assert layers_with(shape_chart(single).to_dict(), "area") == []
    cat = categorical_shape()
    single_cat = ShapeFunction(
        **{**cat.__dict__, "lower": cat.values, "upper": cat.values}
    )
    assert layers_with(shape_chart(single_cat).to_dict(), "errorbar") == []


def test_builders_leave_altair_validation_switched_on():
    from altair.utils import schemapi

    assert schemapi.DEBUG_MODE
    shape_chart(numeric_shape())
    with pytest.raises(ValueError, match="class_index"):
        shape_chart(numeric_shape(), class_index=5)
    assert schemapi.DEBUG_MODE


def test_unconfigured_charts_compose_and_render():
    shapes = [
        shape_chart(numeric_shape(), brush=False, configure=False),
        shape_chart(categorical_shape(), brush=False, configure=False),
    ]
    grid = apply_theme(alt.concat(*shapes, columns=2))
    metrics = {s: {"rmse": 0.5} for s in STATES}
    feedback = apply_theme(
        alt.vconcat(
            metrics_chart(metrics, configure=False),
            prediction_shift_chart([-1.0, 0.0, 1.0], [2, 5], configure=False),
        )
    )
    for chart in (grid, feedback):
        svg = vlc.vegalite_to_svg(chart.to_json())
        assert svg.lstrip().startswith("<svg")
    assert "workclass" in vlc.vegalite_to_svg(grid.to_json())


# ------------------------------------------------ structure from arguments, data apart


def with_members(shape: ShapeFunction, n: int = 3, offset: float = 0.0):
    """``shape`` as the mean of ``n`` members spread around it."""
    spread = np.linspace(-0.2, 0.2, n).reshape((n,) + (1,) * np.ndim(shape.values))
    members = np.asarray(shape.values, float)[None] + offset + spread
    return dataclasses.replace(shape, members=members, values=members.mean(0))


def without_datasets(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


def other_numeric() -> ShapeFunction:
    """Same structure as ``numeric_shape(nan_value=...)``, other values."""
    base = numeric_shape(
        nan_value=0.3, nan_count=5, values=np.cos(np.linspace(0, 3, 200))
    )
    return ShapeFunction(
        **{**base.__dict__, "density_counts": base.density_counts[::-1].copy()}
    )


def other_categorical() -> ShapeFunction:
    base = categorical_shape(nan_value=0.4)
    v = np.array([-0.5, 0.2, 0.0, 0.9])
    return ShapeFunction(
        **{
            **base.__dict__,
            "values": v,
            "lower": v - 0.2,
            "upper": v + 0.01,
            "density_counts": np.array([1, 2, 3, 4]),
            "nan_count": 9,
        }
    )


def slice_table_b() -> pd.DataFrame:
    table = slice_table()
    table["slice"] = ["age >= 30", "age >= 30", "age < 30", "age < 30"]
    table["n"] = [10, 10, 20, 20]
    table["original"] = [0.1, 0.2, 0.3, 0.4]
    return table


def metrics_b() -> dict:
    return {s: {"rmse": 2.0 - i, "mae": np.nan} for i, s in enumerate(STATES)}


# Pairs of views of one kind that differ in data only (equal keys): view a, view b.
PAIRS = {
    "numeric": (
        ShapeView(
            numeric_shape(nan_value=-0.2, nan_count=1),
            np.sin(np.linspace(0, 10, 200)),
            knots=([1.0, 2.0], [0.1, 0.2]),
            region=(1.0, 4.0),
        ),
        ShapeView(
            other_numeric(),
            np.linspace(-1, 1, 200),
            knots=([7.0, 9.0, 9.5], [0.3, -0.1, 0.0]),
            region=(5.0, 9.0),
        ),
    ),
    "heavy_tailed": (
        ShapeView(heavy_shape(), heavy_shape().values * 2, units={"AveOccup": "rows"}),
        ShapeView(
            heavy_shape(-heavy_shape().values),
            np.zeros(len(heavy_shape().x)),
            units={"AveOccup": "rows"},
        ),
    ),  # fmt: skip
    "multiclass": (
        ShapeView(multiclass_shape(), multiclass_shape().values, class_index=1),
        ShapeView(multiclass_shape(), multiclass_shape().values * -3, class_index=1),
    ),
    "categorical": (
        ShapeView(categorical_shape(nan_value=0.1), np.zeros(4)),
        ShapeView(other_categorical(), np.array([1.0, 2.0, -1.0, 0.5])),
    ),
    "importance": (
        ImportanceView(list("abcd"), [0.1, 0.7, 0.3, 0.5], ["c"], top=3),
        ImportanceView(list("abcd"), [0.9, 0.1, 0.3, 0.2], ["a", "d"], top=3),
    ),
    "contributions": (
        ContributionsView(
            list("abc"),
            [0.1, -0.8, 0.3],
            [0.0, -0.8, 0.5],
            prediction_before=0.7,
            prediction_after=0.6,
            intercept=-1.0,
        ),
        ContributionsView(
            list("abc"),
            [0.9, 0.1, -0.3],
            [0.2, 0.0, -0.3],
            prediction_before=0.1,
            prediction_after=0.2,
            intercept=2.5,
        ),
    ),  # fmt: skip
    "contributions_titled": (
        ContributionsView(
            list("abc"),
            [0.1, -0.8, 0.3],
            [0.0, -0.8, 0.5],
            title="Row 3",
            prediction_before=2.609,
            prediction_after=2.609,
        ),
        ContributionsView(
            list("abc"),
            [0.1, -0.8, 0.3],
            [0.0, -0.2, 0.5],
            title="Row 3",
            prediction_before=2.609,
            prediction_after=2.061,
        ),
    ),  # fmt: skip
    "contributions_plain": (
        ContributionsView(list("abc"), [0.1, -0.8, 0.3], top=2),
        ContributionsView(list("abc"), [0.9, 0.1, -0.3], top=2),
    ),
    "shift": (
        PredictionShiftView([-0.2, -0.1, 0.0, 0.1], [5, 0, 7]),
        PredictionShiftView([0.5, 1.0, 2.0, 3.0, 4.0], [1, 2, 3, 4]),  # no zero
    ),
    "metrics": (
        MetricsView(
            {s: {"rmse": 0.5 + i / 10, "mae": 0.4} for i, s in enumerate(STATES)}
        ),
        MetricsView(metrics_b()),
    ),
    "metrics_table": (  # the session's metrics_table(): states x metrics
        MetricsView(pd.DataFrame({"rmse": [0.5, 0.6, 0.7]}, index=list(STATES))),
        MetricsView(pd.DataFrame({"rmse": [0.9, 0.1, 0.2]}, index=list(STATES))),
    ),
    "slices": (SliceMetricsView(slice_table()), SliceMetricsView(slice_table_b())),
    "edited_importance": (
        ShapeView(numeric_shape(), np.zeros(200), edited_importance=0.0),
        ShapeView(
            numeric_shape(), np.cos(np.linspace(0, 10, 200)), edited_importance=0.5
        ),
    ),  # fmt: skip
    "members": (
        ShapeView(with_members(heavy_shape()), members=True),
        ShapeView(with_members(heavy_shape(), offset=0.3), members=True),
    ),
    "members_categorical": (
        ShapeView(with_members(categorical_shape()), members=True),
        ShapeView(with_members(categorical_shape(), offset=-0.1), members=True),
    ),
    "shape_grid": (
        ShapeGridView(
            [
                ShapeView(numeric_shape(nan_value=-0.2, nan_count=1)),
                ShapeView(categorical_shape(nan_value=0.1)),
            ]
        ),
        ShapeGridView([ShapeView(other_numeric()), ShapeView(other_categorical())]),
    ),
    "stack": (
        StackView(
            [
                MetricsView({s: {"rmse": 0.5} for s in STATES}),
                PredictionShiftView([-1.0, 0.0, 1.0], [2, 5]),
            ]
        ),
        StackView(
            [
                MetricsView({s: {"rmse": 0.1 * i} for i, s in enumerate(STATES)}),
                PredictionShiftView([0.5, 1.0, 3.0], [1, 9]),
            ]
        ),
    ),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_views_datasets_are_the_charts_and_structure_follows_the_key(name):
    view_a, view_b = PAIRS[name]
    spec_a, spec_b = view_a.chart().to_dict(), view_b.chart().to_dict()
    # a data-only redraw sends exactly what a full build carries
    assert view_a.datasets() == spec_a["datasets"]
    assert view_b.datasets() == spec_b["datasets"]
    assert spec_a["datasets"] != spec_b["datasets"]  # the pair tests something
    # equal keys: equal structure
    assert view_a.key == view_b.key
    assert without_datasets(spec_a) == without_datasets(spec_b)
    patched = {**spec_a, "datasets": view_b.datasets()}
    assert patched == spec_b
    # what the panel sends must be strict JSON (NaN -> null)
    assert strict_json(json.dumps(patched, allow_nan=False)) == spec_b
    # and every dataset must be referenced, or Vega-Lite drops it
    text = json.dumps(without_datasets(spec_a))
    for dataset in view_a.datasets():
        assert f'"name": "{dataset}"' in text


# a structural change of each view: another key and another structure
RESHAPED = {
    "numeric": lambda v: dataclasses.replace(v, region=None),
    "heavy_tailed": lambda v: dataclasses.replace(v, x_range="all"),
    "shape_grid": lambda v: dataclasses.replace(v, shared_y=False),
    "members": lambda v: dataclasses.replace(v, members=False),
    "edited_importance": lambda v: dataclasses.replace(v, edited_importance=None),
    "members_categorical": lambda v: dataclasses.replace(v, members=False),
    "multiclass": lambda v: dataclasses.replace(v, class_index=2),
    "categorical": lambda v: dataclasses.replace(v, edited_values=None),
    "importance": lambda v: dataclasses.replace(v, width=120),
    "contributions": lambda v: dataclasses.replace(v, intercept=None),
    "contributions_titled": lambda v: dataclasses.replace(v, after=None),
    "contributions_plain": lambda v: dataclasses.replace(v, x_title="logit"),
    "shift": lambda v: dataclasses.replace(v, width=200),
    "metrics": lambda v: dataclasses.replace(v, title="Scores"),
    "metrics_table": lambda v: dataclasses.replace(v, height=80),
    "slices": lambda v: dataclasses.replace(v, width=100),
    "stack": lambda v: dataclasses.replace(v, views=v.views[::-1]),
}


@pytest.mark.parametrize("name", list(PAIRS))
def test_a_structural_change_changes_the_key(name):
    view = PAIRS[name][0]
    other = RESHAPED[name](view)
    assert other.key != view.key
    assert without_datasets(other.chart().to_dict()) != without_datasets(
        view.chart().to_dict()
    )
    assert other.datasets() == other.chart().to_dict()["datasets"]


def test_row_title_survives_a_data_only_redraw():
    """The row view's title was "Row 3" on a full build and "Prediction 2.609 ->
    2.061 after edits" after the first data-only redraw (the data twin did not
    take the title)."""
    first, edited = PAIRS["contributions_titled"]
    spec = first.chart().to_dict()
    redrawn = {**spec, "datasets": edited.datasets()}
    assert edited.datasets()["contributions_title"] == [{"title": "Row 3"}]
    svg = svg_of(redrawn)
    assert "Row 3" in svg and "after edits" not in svg
    # without a title of its own the heading comes from the predictions
    plain = dataclasses.replace(edited, title=None)
    assert plain.heading() == "Prediction 2.609 → 2.061 after edits"
    assert plain.key == edited.key


def svg_of(spec: dict) -> str:
    """Render to SVG, with the renderer's running clip-path ids made equal."""
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    return re.sub(r"clip\d+", "clip", svg)


@pytest.mark.parametrize("name", ["numeric", "categorical", "contributions", "shift"])
def test_patched_spec_renders_the_new_data(name):
    view_a, view_b = PAIRS[name]
    spec_a, spec_b = view_a.chart().to_dict(), view_b.chart().to_dict()
    patched = {**spec_a, "datasets": view_b.datasets()}
    assert svg_of(patched) == svg_of(spec_b)
    assert svg_of(patched) != svg_of(spec_a)


def test_views_are_frozen_and_public():
    for name, view in VIEWS.items():
        assert view.__name__ in charts.__all__
        assert name + "_chart" in charts.__all__ and name + "_data" in charts.__all__
    view = PAIRS["importance"][0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        view.top = 1


def test_metrics_view_takes_the_session_table_without_its_confusion_matrix():
    table = pd.DataFrame(
        {"accuracy": [0.8, 0.7, 0.75], "confusion_matrix": [[[1, 2], [3, 4]]] * 3},
        index=list(STATES),
    )
    rows = MetricsView(table).datasets()["metrics"]
    assert {r["metric"] for r in rows} == {"accuracy"}
    assert [r["value"] for r in rows] == [0.8, 0.7, 0.75]


def test_views_check_their_inputs_when_made():
    with pytest.raises(InputError, match="class_index=3 is out of range"):
        ShapeView(multiclass_shape(), class_index=3)
    with pytest.raises(InputError, match="importances has length 2, expected 3"):
        ImportanceView(list("abc"), [0.1, 0.2])
    with pytest.raises(InputError, match="missing state"):
        MetricsView({"original": {"rmse": 1.0}})
    with pytest.raises(InputError, match="share dataset name"):
        StackView([PAIRS["shift"][0], PAIRS["shift"][1]])


@pytest.mark.parametrize(
    "old, view, args, kwargs",
    [
        ("shape", ShapeView, (numeric_shape(),), {"region": (1.0, 2.0)}),
        ("importance", ImportanceView, (list("ab"), [0.2, 0.1]), {"top": 1}),
        ("contributions", ContributionsView, (list("ab"), [0.2, 0.1]), {}),
        ("prediction_shift", PredictionShiftView, ([0.0, 1.0], [3]), {}),
        ("metrics", MetricsView, ({s: {"rmse": 0.5} for s in STATES},), {}),
        ("slice_metrics", SliceMetricsView, (slice_table(),), {}),
    ],
)
def test_deprecated_twins_still_work_and_warn(old, view, args, kwargs):
    with pytest.warns(DeprecationWarning, match=f"{old}_chart is deprecated"):
        spec = getattr(charts, old + "_chart")(*args, **kwargs).to_dict()
    with pytest.warns(DeprecationWarning, match=f"{old}_data is deprecated"):
        data = getattr(charts, old + "_data")(*args, **kwargs)
    assert spec == view(*args, **kwargs).chart().to_dict()
    assert data == spec["datasets"]


def test_optional_datasets_follow_the_structure():
    assert set(shape_data(numeric_shape())) == {"shape", "density"}
    assert set(shape_data(numeric_shape(), density_height=0)) == {"shape"}
    full = shape_data(
        numeric_shape(nan_value=0.1), knots=([1.0], [0.0]), region=(0.0, 1.0)
    )
    assert set(full) == {"shape", "density", "knots", "region", "nan"}
    assert set(shape_data(categorical_shape(nan_value=0.1))) == {
        "shape",
        "density",
        "nan",
    }


def test_brush_view_name_is_stable():
    specs = [shape_chart(numeric_shape()).to_dict() for _ in range(2)]
    assert specs[0]["params"] == specs[1]["params"]
    assert specs[0]["params"][0]["views"] == ["shape_line"]
    cat = [shape_chart(categorical_shape()).to_dict() for _ in range(2)]
    assert cat[0]["params"][0]["views"] == cat[1]["params"][0]["views"]


def test_composed_charts_gather_datasets_at_the_top():
    feedback = apply_theme(
        alt.vconcat(
            metrics_chart(PAIRS["metrics"][0].metrics, configure=False),
            prediction_shift_chart([-1.0, 0.0, 1.0], [2, 5], configure=False),
        )
    )
    spec = feedback.to_dict()
    assert spec["datasets"] == {
        **metrics_data(PAIRS["metrics"][0].metrics),
        **prediction_shift_data([-1.0, 0.0, 1.0], [2, 5]),
    }
    assert "datasets" not in json.dumps(spec["vconcat"])


def test_composed_charts_keep_clashing_datasets_apart():
    a, b = numeric_shape(), other_numeric()
    grid = apply_theme(
        alt.hconcat(
            shape_chart(a, brush=False, configure=False),
            shape_chart(b, brush=False, configure=False),
        )
    )
    spec = grid.to_dict()
    assert spec["datasets"]["shape"] == shape_data(a)["shape"]
    assert spec["datasets"]["shape_2"] == shape_data(b)["shape"]
    left, right = spec["hconcat"]
    assert left["data"] == {"name": "shape"}
    assert right["data"] == {"name": "shape_2"}
    density = [layer["data"].get("name") for layer in right["layer"] if "data" in layer]
    assert "density_2" in density
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert svg.lstrip().startswith("<svg")


def test_data_function_time_for_a_500_point_shape():
    shape = numeric_shape(n=500, nan_value=0.1, nan_count=2)
    edited = shape.values * 0.5
    kwargs = {"knots": ([1.0, 5.0, 9.0], [0.0, 0.1, 0.2]), "region": (2.0, 4.0)}
    shape_data(shape, edited, **kwargs)  # warm up
    start = time.perf_counter()
    for _ in range(20):
        datasets = shape_data(shape, edited, **kwargs)
    per_call = (time.perf_counter() - start) / 20
    print(f"shape_data, 500 points: {per_call * 1e3:.2f} ms per call")
    assert len(datasets["shape"]) == 500


# ------------------------------------------------ chart defaults a teacher can project


def x_scale_domain(spec: dict) -> list[float]:
    (line,) = [layer for layer in layers_with(spec, "line")]
    return line["encoding"]["x"]["scale"]["domain"]


def test_numeric_x_range_defaults_to_the_data_quantile_window():
    data = heavy_tailed_data()
    shape = heavy_shape()
    spec = ShapeView(shape).chart().to_dict()
    lo, hi = np.percentile(data, [0.5, 99.5])
    assert x_scale_domain(spec) == pytest.approx([lo, hi], rel=1e-6)
    assert hi < 0.05 * data.max()  # the window is a small part of the range
    subtitle = spec["title"]["subtitle"]
    assert "importance 0.31" in subtitle
    assert "x cut at the 0.5-99.5% range of the data" in subtitle
    beyond = int(np.sum((data < lo) | (data > hi)))
    reported = int(re.search(r"; ([\d,]+) rows beyond", subtitle)[1].replace(",", ""))
    assert abs(reported - beyond) <= 2
    every = ShapeView(shape, x_range="all").chart().to_dict()
    assert x_scale_domain(every) == [shape.x.min(), shape.x.max()]
    assert "cut" not in every["title"]["subtitle"]
    # the grid is cut to the window, its ends interpolated (the y scale fits it)
    xs = [r["x"] for r in spec["datasets"]["shape"]]
    assert xs[0] == pytest.approx(lo) and xs[-1] == pytest.approx(hi)
    assert max(r["value"] for r in spec["datasets"]["shape"]) == pytest.approx(
        np.log(hi)
    )
    # knots beyond the window are clipped, as the lines are
    knotted = ShapeView(shape, knots=([2.0, 300.0], [0.5, 5.0])).chart().to_dict()
    assert layers_with(spec, "line")[0]["mark"]["clip"] is True
    assert knotted["layer"][-1]["mark"]["clip"] is True


def test_a_feature_without_long_tails_keeps_its_full_range():
    spec = ShapeView(numeric_shape()).chart().to_dict()
    assert x_scale_domain(spec) == [0.0, 10.0]
    assert spec["title"]["subtitle"] == "importance 0.64"


def test_x_range_is_checked():
    with pytest.raises(InputError, match="x_range"):
        ShapeView(numeric_shape(), x_range="most")


def test_density_strip_of_a_heavy_tailed_feature_reads():
    shape = heavy_shape()
    share = shape.density_counts.max() / shape.density_counts.sum()
    assert share > 0.99  # as given: one dark bin
    spec = ShapeView(shape).chart().to_dict()
    strip = layers_with(spec, "rect")[0]
    rows = rows_of(spec, strip)
    counts = np.array([r["count"] for r in rows])
    lo, hi = x_scale_domain(spec)
    assert rows[0]["lo"] == pytest.approx(lo) and rows[-1]["hi"] == pytest.approx(hi)
    assert len(rows) == shape.density_counts.size
    assert counts.max() / counts.sum() < 0.15  # spread over the window
    assert (counts > 0).sum() >= 20
    # the counts inside the window are the data's, to within a few rows per bin
    data = heavy_tailed_data()
    edges = [r["lo"] for r in rows] + [rows[-1]["hi"]]
    true = np.histogram(data, edges)[0]
    assert np.abs(counts - true).max() <= 0.02 * len(data)
    tips = [t["title"] for t in strip["encoding"]["tooltip"]]
    assert "training rows (about)" in tips
    assert all(isinstance(c, int) for c in counts.tolist())


def test_units_in_the_axis_title():
    spec = ShapeView(numeric_shape(), units={"age": "years"}).chart().to_dict()
    (line,) = layers_with(spec, "line")
    assert line["encoding"]["x"]["axis"]["title"] == "age (years)"
    # a mapping that does not name the feature leaves the title alone
    other = ShapeView(numeric_shape(), units={"MedInc": "$10k"}).chart().to_dict()
    assert layers_with(other, "line")[0]["encoding"]["x"]["axis"]["title"] == "age"
    cat = ShapeView(categorical_shape(), units="sector").chart().to_dict()
    assert cat["layer"][1]["encoding"]["x"]["axis"]["title"] == "workclass (sector)"
    # the tooltip keeps the plain name
    tip = layers_with(spec, "point")[0]["encoding"]["tooltip"][0]
    assert tip["title"] == "age"


def test_legend_symbols_are_dashed_like_the_lines():
    shape = numeric_shape()
    spec = ShapeView(shape, shape.values * 0.5).chart().to_dict()
    original, new = layers_with(spec, "line")
    for line in (original, new):
        color, dash = line["encoding"]["color"], line["encoding"]["strokeDash"]
        # one field, title and legend: Vega-Lite merges them into one legend
        assert dash["field"] == color["field"] == "series"
        assert dash["legend"] == color["legend"] and dash["legend"] is not None
        assert dash.get("title") is None and color.get("title") is None
        assert dash["scale"]["domain"] == color["scale"]["domain"]
        assert "strokeDash" not in mark_props(line)
    original_dash = dict(zip(*original["encoding"]["strokeDash"]["scale"].values()))
    assert original_dash["original"] == [5, 3] and original_dash["edited"] == [1, 0]
    # rendered: the dashed original line and its legend symbol, and one legend only
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert svg.count('stroke-dasharray="5,3"') >= 2
    assert svg.count('class="mark-group role-legend"') == 1
    # without an edit the one line is solid and has no legend
    plain = ShapeView(shape).chart().to_dict()
    (line,) = layers_with(plain, "line")
    assert "strokeDash" not in line["encoding"]


def test_metrics_show_the_change_from_the_original():
    metrics = {
        "original": {"rmse": 0.341, "auc": 0.80},
        "last": {"rmse": 0.342, "auc": 0.80},
        "current": {"rmse": 0.345, "auc": np.nan},
    }
    spec = MetricsView(metrics).chart().to_dict()
    bars = spec["spec"]["layer"][0]
    assert bars["encoding"]["y"]["scale"]["zero"] is False
    assert bars["encoding"]["y"]["stack"] is None  # a stack would start at zero
    # compiled: the panel's y domain leaves zero out
    vega = vlc.vegalite_to_vega(json.dumps(spec))
    (y_scale,) = [s for m in vega["marks"] for s in m.get("scales", [])]
    assert y_scale["zero"] is False
    assert all("start" not in f["field"] for f in y_scale["domain"]["fields"])
    rows = {(r["metric"], r["state"]): r for r in rows_of(spec)}
    assert rows["rmse", "original"]["delta"] is None
    assert rows["rmse", "before the last edit"]["delta"] == pytest.approx(0.001)
    assert rows["rmse", "current"]["delta"] == pytest.approx(0.004)
    assert rows["rmse", "current"]["delta_label"] == "+0.004"
    assert rows["auc", "current"]["delta"] is None  # NaN: no change to show
    labels = [layer["encoding"]["text"]["field"] for layer in spec["spec"]["layer"][1:]]
    assert labels == ["value", "delta_label"]
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert "before the last edit" in svg and "+0.004" in svg


def test_categorical_density_reads_as_counts():
    shape = categorical_shape()
    spec = ShapeView(shape).chart().to_dict()
    strip = spec["layer"][0]
    assert strip["data"] == {"name": "density"}
    label, counts = layers_with(spec, "text")
    assert label["mark"]["text"] == "rows"
    assert label["encoding"]["x"] == {"value": 420}  # right of the plot, by the strip
    assert counts["data"] == {"name": "density"}
    assert counts["encoding"]["text"]["field"] == "count"
    assert counts["encoding"]["x"]["field"] == "category"
    assert counts["encoding"]["tooltip"][0]["title"] == "training rows"
    assert counts["encoding"]["y"] == {"value": 260 - 10}  # just above the strip
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert ">rows<" in svg and ">3k<" in svg and ">7<" in svg
    # no strip, no labels
    bare = ShapeView(shape, density_height=0).chart().to_dict()
    assert layers_with(bare, "text") == []


def grid_of_shapes(**kwargs) -> ShapeGridView:
    small = numeric_shape(values=0.2 * np.sin(np.linspace(0, 10, 200)))
    big = ShapeFunction(**{**numeric_shape().__dict__, "name": "income"})
    return ShapeGridView([ShapeView(small), ShapeView(big)], **kwargs)


def test_a_grid_of_shapes_shares_its_y_scale_by_default():
    spec = grid_of_shapes().chart().to_dict()
    assert spec["resolve"] == {"scale": {"x": "independent", "y": "shared"}}
    assert spec["columns"] == 2 and len(spec["concat"]) == 2
    assert "config" in spec
    # each panel reads its own datasets
    assert set(spec["datasets"]) == {"shape_1", "density_1", "shape_2", "density_2"}
    assert spec["concat"][0]["data"] == {"name": "shape_1"}
    assert spec["concat"][1]["data"] == {"name": "shape_2"}
    assert spec["concat"][1]["layer"][0]["data"] == {"name": "density_2"}
    assert "params" not in json.dumps(spec["concat"])  # no duplicate brush names
    # compiled: one y scale for both panels, spanning the larger term
    vega = vlc.vegalite_to_vega(json.dumps(spec))
    y_scales = [s for s in vega["scales"] if s["name"].endswith("y")]
    assert len(y_scales) == 1
    svg = vlc.vegalite_to_svg(json.dumps(spec))
    assert "income" in svg
    own = grid_of_shapes(shared_y=False, columns=1).chart().to_dict()
    assert own["resolve"]["scale"]["y"] == "independent"
    assert own["columns"] == 1


def test_a_grid_of_shapes_checks_its_inputs():
    with pytest.raises(InputError, match="ShapeView"):
        ShapeGridView([MetricsView(metrics_b())])
    with pytest.raises(InputError, match="ShapeView"):
        ShapeGridView([])
    with pytest.raises(InputError, match="columns"):
        grid_of_shapes(columns=0)


def test_the_subtitle_shows_the_importance_of_the_function_drawn():
    edited = dataclasses.replace(numeric_shape(), importance=0.0123)
    spec = ShapeView(edited, edited.values * 0).chart().to_dict()
    assert spec["title"]["subtitle"] == "importance 0.0123"
    cat = dataclasses.replace(categorical_shape(), importance=1.5)
    assert ShapeView(cat).chart().to_dict()["title"]["subtitle"] == "importance 1.5"


# ---------------------------------------------------------- the members' view


def test_members_are_drawn_each_as_its_own_line_in_place_of_the_band():
    shape = with_members(numeric_shape(), n=4)
    spec = ShapeView(shape, members=True).chart().to_dict()
    lines = [
        layer
        for layer in layers_with(spec, "line")
        if layer.get("data", {}).get("name") == "members"
    ]
    assert len(lines) == 1
    assert lines[0]["encoding"]["detail"]["field"] == "member"
    assert layers_with(spec, "area") == []  # the members replace the band
    rows = spec["datasets"]["members"]
    assert len(rows) == 4 * len(shape.x)
    for i in range(4):
        mine = [r["value"] for r in rows if r["member"] == i]
        np.testing.assert_allclose(mine, shape.members[i])
    assert spec["title"]["subtitle"] == "importance 0.64 · 4 ensemble members"
    # without the option: the band, no members
    plain = ShapeView(shape).chart().to_dict()
    assert "members" not in plain["datasets"]
    assert len(layers_with(plain, "area")) == 1


def test_members_follow_the_cut_x_window_and_the_class():
    shape = with_members(heavy_shape())
    view = ShapeView(shape, members=True)
    shown = [r["x"] for r in view.datasets()["shape"]]
    rows = view.datasets()["members"]
    assert [r["x"] for r in rows if r["member"] == 0] == shown
    assert max(shown) < float(np.max(shape.x))  # the window is cut
    multi = with_members(multiclass_shape())
    rows = ShapeView(multi, members=True, class_index=2).datasets()["members"]
    mine = [r["value"] for r in rows if r["member"] == 1]
    np.testing.assert_allclose(mine, multi.members[1, :, 2])


def test_categorical_members_are_ticks_on_the_bars():
    shape = with_members(categorical_shape(), n=5)
    spec = ShapeView(shape, members=True).chart().to_dict()
    ticks = layers_with(spec, "tick")
    assert len(ticks) == 1 and ticks[0]["data"]["name"] == "members"
    rows = spec["datasets"]["members"]
    assert {r["category"] for r in rows} == set(shape.x)
    assert len(rows) == 5 * len(shape.x)


def test_members_asked_for_where_there_are_none():
    with pytest.raises(InputError, match="has none"):
        ShapeView(numeric_shape(), members=True)
    bad = dataclasses.replace(numeric_shape(), members=np.zeros((3, 7)))
    with pytest.raises(InputError, match="members has shape"):
        ShapeView(bad, members=True)
    assert ShapeView(bad).key.members is False  # not asked: not read


def test_members_round_trip_through_to_dict():
    shape = with_members(numeric_shape())
    out = json.loads(json.dumps(shape.to_dict(), allow_nan=False))
    np.testing.assert_allclose(out["members"], shape.members)
    assert numeric_shape().to_dict()["members"] is None


def test_a_fitted_ensemble_fills_members_and_an_edit_drops_them():
    import namwidgets
    from namwidgets.datasets import make_additive

    X, y = make_additive(600, random_state=0)
    model = namwidgets.NAMRegressor(
        n_models=3, max_epochs=3, interactions=0, random_state=0, verbose=0
    ).fit(X, y)
    functions = model.term_functions()
    for sf in functions:
        assert sf.members is not None and sf.members.shape == (3, *sf.values.shape)
        np.testing.assert_allclose(sf.members.mean(0), sf.values, atol=1e-12)
    name = functions[0].name
    session = namwidgets.EditSession(model, X, y)
    session.scale(name, 0.5)
    # an edit acts on the ensemble's mean function: the edited one has no members
    assert session.term_function(name).members is None
    assert session.term_function(functions[1].name).members is not None
    edited = {sf.name: sf for sf in session.to_model().term_functions()}
    assert edited[name].members is None
    with pytest.raises(InputError, match="has none"):
        ShapeView(session.term_function(name), members=True)
    assert ShapeView(functions[0], members=True).key.members


# ------------------------------------------------- the edited model's importance


def test_the_edited_importance_is_written_beside_the_original_from_data():
    view = ShapeView(numeric_shape(), np.zeros(200), edited_importance=0.0123)
    spec = view.chart().to_dict()
    assert spec["title"]["subtitle"] == "importance: original 0.64"
    assert spec["datasets"]["shape_importance"] == [{"text": "edited: 0.0123"}]
    texts = [
        layer
        for layer in layers_with(spec, "text")
        if layer.get("data", {}).get("name") == "shape_importance"
    ]
    assert len(texts) == 1
    assert texts[0]["encoding"]["color"]["value"] == PALETTE["edited"]
    # another edit: the same structure, a new number (a data-only redraw)
    other = dataclasses.replace(view, edited_importance=0.5)
    assert other.key == view.key
    assert other.datasets()["shape_importance"] == [{"text": "edited: 0.5"}]
    # categorical too; and without edited values there is nothing to write
    cat = ShapeView(categorical_shape(), np.zeros(4), edited_importance=0.0)
    assert cat.datasets()["shape_importance"] == [{"text": "edited: 0"}]
    alone = ShapeView(numeric_shape(), edited_importance=0.3).chart().to_dict()
    assert "shape_importance" not in alone["datasets"]
    assert alone["title"]["subtitle"] == "importance 0.64"


def test_the_panel_labels_an_edited_curve_with_the_edited_importance():
    import namwidgets
    from namwidgets.datasets import make_additive

    X, y = make_additive(600, random_state=0)
    model = namwidgets.NAMRegressor(
        max_epochs=3, interactions=0, random_state=0, verbose=0
    )
    panel = namwidgets.explore(model.fit(X, y), X, y)
    session, name = panel.session, "smooth"
    panel.feature = name
    t = list(session.term_names).index(name)
    before = session.importance("original")[t]
    spec = panel.shape_chart.spec
    assert spec["title"]["subtitle"].startswith(f"importance {before:.3g}")
    assert spec["datasets"]["shape_importance"] == []
    panel.scale.value = 0.25
    after = session.importance()[t]
    assert after == pytest.approx(0.25 * before)
    # the panel's chart is live: the subtitle stays, the label is data
    spec = panel.shape_chart.spec
    assert spec["title"]["subtitle"].startswith(f"importance {before:.3g}")
    text = f"edited importance {after:.3g}"
    assert spec["datasets"]["shape_importance"] == [{"text": text}]


def _without_data(spec: dict) -> dict:
    return {k: v for k, v in spec.items() if k != "datasets"}


@pytest.mark.parametrize("kind", ["numeric", "categorical"])
def test_a_live_shape_chart_keeps_its_spec_through_the_first_edit(kind):
    # the panel's views are live: a term's first edit must redraw data only
    # (a new structure is a rebuild in Python and a re-embed in the browser)
    shape = numeric_shape(nan_value=0.2, nan_count=5)
    if kind == "categorical":
        shape = categorical_shape(nan_value=0.2)
    knots = (np.array([2.0, 5.0]), np.array([0.1, 0.2])) if kind == "numeric" else None
    before = ShapeView(shape, None, knots=knots, live=True)
    after = ShapeView(
        shape, shape.values * 0.5, knots=knots, live=True, edited_importance=0.25
    )
    assert before.key == after.key
    spec0, spec1 = before.chart().to_dict(), after.chart().to_dict()
    assert _without_data(spec0) == _without_data(spec1)
    assert spec1["datasets"] == after.datasets()
    # the unedited chart has the layers, but no edited data and no label
    assert all("edited" not in row for row in spec0["datasets"]["shape"])
    assert spec0["datasets"]["shape_importance"] == []
    assert spec1["datasets"]["shape_importance"] == [{"text": "edited importance 0.25"}]
    assert "importance: original" not in json.dumps(spec1["title"])
    # a region comes and goes as data too (numeric)
    if kind == "numeric":
        assert spec0["datasets"]["region"] == []
        banded = ShapeView(shape, None, knots=knots, region=(2.0, 4.0), live=True)
        assert banded.key == before.key
        assert banded.datasets()["region"] == [{"lo": 2.0, "hi": 4.0}]
    # not live: the first edit is a new structure (what the panel used to do)
    assert (
        ShapeView(shape, None, knots=knots).key
        != ShapeView(shape, shape.values * 0.5, knots=knots, edited_importance=0.25).key
    )


def test_a_live_shape_chart_draws_the_edit_only_once_there_is_one():
    shape = numeric_shape()
    svgs = [
        vlc.vegalite_to_svg(ShapeView(shape, edited, live=True).chart().to_json())
        for edited in (None, shape.values * 0.5)
    ]
    edited_colour = PALETTE["edited"].lower()
    # unedited: the original line is solid and nothing is drawn in the edited
    # colour but the legend's symbol; edited: the edited line, and the
    # original dashed (line and legend symbol)
    assert svgs[0].count('stroke-dasharray="5,3"') == 1  # the legend symbol only
    assert svgs[1].count('stroke-dasharray="5,3"') == 2

    def edited_line(svg):
        return [
            tag for tag in re.findall(r"<path[^>]*>", svg.lower())
            if "line mark" in tag and edited_colour in tag
        ]  # fmt: skip

    (empty,), (drawn,) = edited_line(svgs[0]), edited_line(svgs[1])
    assert ' d="m' not in empty and ' d="m' in drawn
    assert "edited importance" not in svgs[0]


def test_a_top_level_charts_rows_survive_a_nested_chart_with_the_same_dataset_name():
    # A top-level layer with its own dataset "rows" and a nested layer whose
    # dataset is also named "rows" (different rows): the outer chart keeps its
    # own rows and the nested one is renamed (once, the outer rows were
    # silently replaced by the nested chart's).
    import altair as alt

    from namwidgets.charts._theme import LayerChart

    outer_rows = [{"x": 1.0, "y": 2.0}]
    inner_rows = [{"x": 5.0, "y": 7.0}, {"x": 6.0, "y": 8.0}]
    inner = LayerChart(
        layer=[
            alt.Chart(alt.NamedData(name="rows")).mark_line().encode(x="x:Q", y="y:Q")
        ],
        datasets={"rows": inner_rows},
    )
    outer = LayerChart(
        layer=[
            alt.Chart(alt.NamedData(name="rows")).mark_point().encode(x="x:Q", y="y:Q"),
            inner,
        ],
        datasets={"rows": outer_rows},
    )
    spec = outer.to_dict()
    assert spec["datasets"]["rows"] == outer_rows
    assert spec["layer"][0]["data"] == {"name": "rows"}
    # Altair may lift the nested layer's data to the nested layer itself
    nested = spec["layer"][1]
    data = nested.get("data") or nested["layer"][0]["data"]
    renamed = data["name"]
    assert renamed != "rows"
    assert spec["datasets"][renamed] == inner_rows
