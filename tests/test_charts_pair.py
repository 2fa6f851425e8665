"""The pair chart (:class:`PairView`), tested through its Vega-Lite spec."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from namwidgets import InputError, NAMRegressor
from namwidgets.charts import PairView
from namwidgets.explain import PairFunction


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    n = 500
    X = pd.DataFrame(
        {
            "a": rng.uniform(-1, 1, n),
            "b": rng.uniform(-1, 1, n),
            "g": rng.choice(list("xyz"), n),
        }
    )
    y = 2 * X.a * X.b + (X.g == "x") * X.b + rng.normal(scale=0.1, size=n)
    X.loc[:30, "a"] = np.nan
    model = NAMRegressor(
        interactions=[("a", "b"), ("b", "g")],
        max_epochs=5,
        verbose=0,
        random_state=0,
        n_threads=1,
    ).fit(X, y)
    pairs = {pf.name: pf for pf in model.term_functions()[3:]}
    return pairs


def grid_pair(nx=4, ny=3, *, nan_x=False, nan_y=False, classes=None, kinds=None):
    """A PairFunction built directly, values known."""
    kinds = kinds or ("numeric", "numeric")
    x = np.linspace(0, 1, nx) if kinds[0] == "numeric" else np.array(list("pqrs")[:nx])
    y = np.linspace(-2, 2, ny) if kinds[1] == "numeric" else np.array(list("uvw")[:ny])
    values = np.arange(nx * ny, dtype=float).reshape(nx, ny) - 3.0
    shape: tuple[int, ...] = (nx, ny)
    if classes:
        values = np.stack([values * (c + 1) for c in range(len(classes))], -1)
        shape = (nx, ny, len(classes))
    return PairFunction(
        name="a & b",
        features=("a", "b"),
        kinds=kinds,
        x=x,
        y=y,
        values=values,
        lower=values - 0.1,
        upper=values + 0.1,
        density=np.arange(nx * ny, dtype=float).reshape(nx, ny),
        nan_x=np.full(shape[1:2] + shape[2:], 0.5) if nan_x else None,
        nan_y=np.full(shape[:1] + shape[2:], -0.5) if nan_y else None,
        importance=1.0,
        classes=classes,
    )


def layers(spec):
    return spec["layer"]


def marks(spec):
    out = []
    for layer in layers(spec):
        m = layer["mark"]
        out.append(m if isinstance(m, str) else m["type"])
    return out


def rect_layer(spec):
    return next(
        lay
        for lay in layers(spec)
        if (lay["mark"] if isinstance(lay["mark"], str) else lay["mark"]["type"])
        == "rect"
    )


# ------------------------------------------------ the datasets / structure contract
def _other_values(pf: PairFunction) -> PairFunction:
    return dataclasses.replace(
        pf,
        values=pf.values * -2.0 + 0.25,
        density=pf.density + 1.0,
        nan_x=None if pf.nan_x is None else pf.nan_x * 3,
        nan_y=None if pf.nan_y is None else pf.nan_y * 3,
    )


CASES = {
    "num_num": lambda f: grid_pair(),
    "num_num_nan": lambda f: grid_pair(nan_x=True, nan_y=True),
    "cat_cat": lambda f: grid_pair(kinds=("categorical", "categorical")),
    "cat_num": lambda f: grid_pair(kinds=("categorical", "numeric")),
    "fitted_num_num": lambda f: f["a & b"],
    "fitted_num_cat": lambda f: f["b & g"],
}


@pytest.mark.parametrize("case", list(CASES))
def test_datasets_are_the_charts_and_structure_follows_the_key(fitted, case):
    pf = CASES[case](fitted)
    view_a = PairView(pf, original=pf)
    view_b = PairView(_other_values(pf), original=pf)
    spec_a = view_a.chart().to_dict()
    spec_b = view_b.chart().to_dict()
    assert view_a.datasets() == spec_a["datasets"]
    assert view_b.datasets() == spec_b["datasets"]
    assert view_a.datasets() != view_b.datasets()
    assert view_a.key == view_b.key
    assert {**spec_a, "datasets": view_b.datasets()} == spec_b
    json.dumps(spec_a, allow_nan=False)
    # a different structure gives a different key
    assert PairView(pf, width=300).key != view_a.key
    assert PairView(pf).key != view_a.key  # no original


def test_the_grid_only_never_more_than_max_cells(fitted):
    pf = fitted["a & b"]
    rows = PairView(pf).datasets()["pair"]
    assert len(rows) == pf.values.shape[0] * pf.values.shape[1] <= 1200
    big = grid_pair(nx=60, ny=60)
    assert len(PairView(big).datasets()["pair"]) <= 1200


def _pair_on(x, y, kinds, rng):
    """A PairFunction on the given axes: random values, random row counts."""
    shape = (len(x), len(y))
    values = rng.normal(size=shape)
    return PairFunction(
        name="a & b", features=("a", "b"), kinds=kinds, x=np.asarray(x),
        y=np.asarray(y), values=values, lower=values - 0.1, upper=values + 0.1,
        density=rng.uniform(0, 50, shape), nan_x=None, nan_y=None,
        importance=1.0, classes=None,
    )  # fmt: skip


def test_a_thinned_heatmap_counts_every_training_row_and_says_it_is_thinned():
    # a 65 x 65 grid (California's pairs) drawn as 34 x 35 cells: each drawn
    # cell's "training rows" are those of all the grid points inside its
    # edges, not its own point's alone; its value is the function at its point
    rng = np.random.default_rng(5)
    x = np.sort(rng.uniform(0, 10, 65))
    y = np.cumsum(rng.uniform(0.1, 1.0, 65))  # uneven, as quantile knots
    pf = _pair_on(x, y, ("numeric", "numeric"), rng)
    view = PairView(pf)
    rows = view.datasets()["pair"]
    assert len(rows) == 34 * 35
    assert view.key.subtitle.endswith("drawn on 34 x 35 of its 65 x 65 grid points")
    total = sum(r["density"] for r in rows)
    assert total == pytest.approx(pf.density.sum(), rel=1e-12)
    for r in rows[::97]:
        i, j = list(x).index(r["x"]), list(y).index(r["y"])
        assert r["value"] == pf.values[i, j]
        in_x = (x >= r["x0"]) & ((x < r["x1"]) | (r["x1"] == x[-1]))
        in_y = (y >= r["y0"]) & ((y < r["y1"]) | (r["y1"] == y[-1]))
        assert r["density"] == pytest.approx(pf.density[np.ix_(in_x, in_y)].sum())
    own = sum(pf.density[list(x).index(r["x"]), list(y).index(r["y"])] for r in rows)
    assert total > 3 * own  # a kept point's rows alone: a 3.5th of them
    assert "drawn on" not in PairView(grid_pair(nx=30, ny=40)).key.subtitle


def test_a_categorical_level_is_never_thinned_away():
    rng = np.random.default_rng(6)
    levels = [f"L{i}" for i in range(40)]
    pf = _pair_on(levels, levels, ("categorical", "categorical"), rng)
    view = PairView(pf)
    rows = view.datasets()["pair"]
    assert {(r["x"], r["y"]) for r in rows} == {(a, b) for a in levels for b in levels}
    assert [r["density"] for r in rows] == pf.density.ravel().tolist()
    assert "drawn on" not in view.key.subtitle


def test_thinned_curves_keep_every_level_and_every_row():
    rng = np.random.default_rng(7)
    grid = np.linspace(0, 1, 1000)
    pf = _pair_on(list("pqr"), grid, ("categorical", "numeric"), rng)
    view = PairView(pf)
    rows = view.datasets()["pair"]
    assert len(rows) == 3 * 400
    assert view.key.subtitle.endswith("drawn on 400 of its 1000 grid points")
    for lv, want in zip("pqr", pf.density.sum(1), strict=True):
        got = sum(r["density"] for r in rows if r["level"] == lv)
        assert got == pytest.approx(want, rel=1e-12)


# ------------------------------------------------ heatmap
def test_numeric_heatmap_cells_span_the_midpoints():
    pf = grid_pair(nx=3, ny=2)
    spec = PairView(pf).chart().to_dict()
    assert marks(spec)[0] == "rect"
    rows = spec["datasets"]["pair"]
    assert len(rows) == 6
    first = rows[0]
    assert first["x"] == 0.0 and first["x0"] == 0.0 and first["x1"] == 0.25
    assert rows[-1]["y1"] == 2.0 and rows[-1]["y0"] == 0.0
    assert [r["value"] for r in rows] == [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0]
    enc = rect_layer(spec)["encoding"]
    assert enc["x"]["field"] == "x0" and enc["x2"]["field"] == "x1"
    assert enc["y"]["field"] == "y0" and enc["y2"]["field"] == "y1"
    titles = [t["title"] for t in enc["tooltip"]]
    assert titles[:3] == ["a", "b", "value"]


@pytest.mark.parametrize("case", ["num_num", "cat_cat", "fitted_num_num"])
def test_colour_is_diverging_and_centred_at_zero(fitted, case):
    spec = PairView(CASES[case](fitted)).chart().to_dict()
    scale = rect_layer(spec)["encoding"]["color"]["scale"]
    assert scale["domainMid"] == 0
    assert scale["scheme"] == "redblue"
    assert rect_layer(spec)["encoding"]["color"]["field"] == "value"


def test_density_is_the_cells_opacity():
    spec = PairView(grid_pair()).chart().to_dict()
    opacity = rect_layer(spec)["encoding"]["opacity"]
    assert opacity["field"] == "density"
    assert opacity["scale"]["range"][0] < opacity["scale"]["range"][1]
    assert [r["density"] for r in spec["datasets"]["pair"]][:3] == [0.0, 1.0, 2.0]


def test_nan_strips_only_when_the_pair_has_missing_values(fitted):
    plain = PairView(grid_pair()).chart().to_dict()
    assert set(plain["datasets"]) == {"pair"}
    assert len(layers(plain)) == 1
    spec = PairView(grid_pair(nan_x=True, nan_y=True)).chart().to_dict()
    assert set(spec["datasets"]) == {"pair", "nan_x", "nan_y"}
    assert [r["value"] for r in spec["datasets"]["nan_x"]] == [0.5] * 3
    assert [r["value"] for r in spec["datasets"]["nan_y"]] == [-0.5] * 4
    names = [lay.get("data", {}).get("name") for lay in layers(spec)]
    assert "nan_x" in names and "nan_y" in names
    texts = [
        lay["mark"].get("text")
        for lay in layers(spec)
        if isinstance(lay["mark"], dict) and lay["mark"]["type"] == "text"
    ]
    assert texts == ["missing"]
    # the fitted pair had missing values of its first feature only
    fit = PairView(fitted["a & b"]).datasets()
    assert "nan_x" in fit and "nan_y" not in fit


def test_brush2d_only_on_numeric_heatmaps(fitted):
    spec = PairView(grid_pair()).chart().to_dict()
    (param,) = spec["params"]
    assert param["name"] == "brush2d"
    assert param["select"] == {"type": "interval", "encodings": ["x", "y"]}
    assert param["views"] == [rect_layer(spec)["name"]]
    assert "params" not in PairView(grid_pair(), brush=False).chart().to_dict()
    cat = PairView(grid_pair(kinds=("categorical", "categorical"))).chart().to_dict()
    assert "params" not in cat
    assert "params" not in json.dumps(PairView(fitted["b & g"]).chart().to_dict())


def test_categorical_heatmap_is_levels_by_levels():
    pf = grid_pair(nx=3, ny=2, kinds=("categorical", "categorical"))
    spec = PairView(pf).chart().to_dict()
    enc = rect_layer(spec)["encoding"]
    assert enc["x"]["type"] == "ordinal" and enc["x"]["sort"] == ["p", "q", "r"]
    assert enc["y"]["type"] == "ordinal" and enc["y"]["sort"] == ["u", "v"]
    rows = spec["datasets"]["pair"]
    assert {(r["x"], r["y"]) for r in rows} == {(a, b) for a in "pqr" for b in "uv"}
    assert "x0" not in rows[0]


# ------------------------------------------------ categorical x numeric
@pytest.mark.parametrize("case", ["cat_num", "fitted_num_cat"])
def test_categorical_by_numeric_is_one_line_per_level(fitted, case):
    pf = CASES[case](fitted)
    spec = PairView(pf).chart().to_dict()
    assert "line" in marks(spec) and "rect" not in marks(spec)
    line = layers(spec)[marks(spec).index("line")]
    assert line["encoding"]["color"]["field"] == "level"
    rows = spec["datasets"]["pair"]
    c = 0 if pf.kinds[0] == "categorical" else 1
    levels = [str(v) for v in (pf.x if c == 0 else pf.y)]
    assert sorted({r["level"] for r in rows}) == sorted(levels)
    n_grid = len(pf.y if c == 0 else pf.x)
    assert len(rows) == len(levels) * n_grid
    # the curve of the first level is that level's row (or column) of values
    values = pf.values[0] if c == 0 else pf.values[:, 0]
    first = [r["value"] for r in rows if r["level"] == levels[0]]
    np.testing.assert_allclose(first, values)
    circle = layers(spec)[marks(spec).index("circle")]
    assert circle["encoding"]["size"]["field"] == "density"


# ------------------------------------------------ classes, original, errors
def test_multiclass_picks_the_class():
    pf = grid_pair(classes=["u", "v", "w"])
    rows0 = PairView(pf, class_index=0).datasets()["pair"]
    rows2 = PairView(pf, class_index=2).datasets()["pair"]
    assert [r["value"] * 3 for r in rows0] == [r["value"] for r in rows2]
    assert "class w" in PairView(pf, class_index=2).key.title
    with pytest.raises(InputError, match="class_index"):
        PairView(pf, class_index=3)
    with pytest.raises(InputError, match="class_index"):
        PairView(grid_pair(), class_index=1)


def test_original_in_the_data_and_the_toggle():
    pf = grid_pair()
    edited = dataclasses.replace(pf, values=pf.values * 0)
    view = PairView(edited, original=pf, show_original=True)
    rows = view.datasets()["pair"]
    assert all(r["value"] == 0 for r in rows)
    assert [r["original"] for r in rows][:2] == [-3.0, -2.0]
    spec = view.chart().to_dict()
    assert rect_layer(spec)["encoding"]["color"]["field"] == "original"
    assert view.key != PairView(edited, original=pf).key
    with pytest.raises(InputError, match="grid"):
        PairView(pf, original=grid_pair(nx=5))


def test_renders_to_svg(fitted):
    for case in ("num_num_nan", "cat_num", "fitted_num_num"):
        svg = vlc.vegalite_to_svg(PairView(CASES[case](fitted)).chart().to_json())
        assert svg.startswith("<svg")
        assert ("missing" in svg) == (case != "cat_num")


@pytest.mark.parametrize("case", ["num_num", "cat_num"])
def test_edited_importance_is_data_and_the_subtitle_names_the_original(fitted, case):
    pf = CASES[case](fitted)
    edited = dataclasses.replace(pf, values=pf.values * 0.5)
    a = PairView(edited, original=pf, edited_importance=0.25)
    b = PairView(edited, original=pf, edited_importance=0.125)
    spec = a.chart().to_dict()
    assert a.datasets()["pair_importance"] == [{"text": "edited: 0.25"}]
    assert spec["datasets"] == a.datasets()
    # a new edit changes the data, not the structure
    assert a.key == b.key
    assert {**spec, "datasets": b.datasets()} == b.chart().to_dict()
    subtitle = spec["title"]["subtitle"]
    subtitle = subtitle if isinstance(subtitle, str) else " ".join(subtitle)
    assert f"importance: original {pf.importance:.3g}" in subtitle
    texts = [
        layer for layer in spec["layer"]
        if layer.get("data", {}).get("name") == "pair_importance"
    ]  # fmt: skip
    assert len(texts) == 1 and texts[0]["mark"]["type"] == "text"
    plain = PairView(pf, original=pf)
    assert "pair_importance" not in plain.datasets()
    assert plain.key != a.key


@pytest.mark.parametrize("case", ["num_num", "cat_num"])
def test_a_live_pair_chart_keeps_its_spec_through_the_first_edit(fitted, case):
    pf = CASES[case](fitted)
    edited = dataclasses.replace(pf, values=pf.values * 0.5)
    before = PairView(pf, original=pf, live=True)
    after = PairView(edited, original=pf, edited_importance=0.25, live=True)
    assert before.key == after.key
    spec0, spec1 = before.chart().to_dict(), after.chart().to_dict()
    assert {**spec0, "datasets": after.datasets()} == spec1
    assert before.datasets()["pair_importance"] == []
    assert after.datasets()["pair_importance"] == [{"text": "edited importance 0.25"}]
    assert "importance: original" not in json.dumps(spec1["title"])


def test_a_composed_charts_spec_is_altairs_own_with_its_rows_handed_over(fitted):
    # LayerChart/VConcatChart hand their named rows to Altair as context
    # datasets, out of its schema walk (a heatmap's cells were most of a
    # rebuild's time): the spec must be the one Altair's own to_dict writes,
    # names that clash renamed as before.
    import altair as alt

    from namwidgets.charts._theme import VConcatChart

    views = [PairView(fitted["a & b"]), PairView(fitted["b & g"])]
    for view in views:
        chart = view.chart()
        assert chart.to_dict() == alt.LayerChart.to_dict(chart)
    # two charts with a dataset each named "pair", their rows unlike
    parts = [dataclasses.replace(v, configure=False).chart() for v in views]
    both = VConcatChart(vconcat=parts)
    spec = both.to_dict()
    assert spec == alt.VConcatChart.to_dict(both)
    assert {"pair", "pair_2"} <= set(spec["datasets"])
    assert spec["datasets"]["pair"] != spec["datasets"]["pair_2"]
