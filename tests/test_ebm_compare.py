"""CompareView (pure, spec-tested) and namwidgets.compare on a NAM and an EBM."""

from __future__ import annotations

import dataclasses
import json
import warnings

import numpy as np
import pytest

import namwidgets
from namwidgets import InputError
from namwidgets.charts import CompareView
from namwidgets.explain import ShapeFunction


def _numeric(name, x, values, band=0.1, counts=None):
    x = np.asarray(x, float)
    v = np.asarray(values, float)
    edges = np.linspace(x[0], x[-1], 5)
    return ShapeFunction(
        name=name,
        kind="numeric",
        x=x,
        values=v,
        lower=v - band,
        upper=v + band,
        density_edges=edges,
        density_counts=np.asarray(counts if counts is not None else [1, 2, 3, 4]),
    )


def _categorical(name, levels, values):
    v = np.asarray(values, float)
    x = np.empty(len(levels), dtype=object)
    x[:] = levels
    return ShapeFunction(
        name=name,
        kind="categorical",
        x=x,
        values=v,
        lower=v - 0.2,
        upper=v + 0.2,
        density_edges=None,
        density_counts=np.ones(len(levels)),
    )


FIRST = [
    _numeric("age", [0, 1, 2, 3], [0.0, 1.0, 2.0, 3.0]),
    _categorical("colour", ["red", "blue"], [0.5, -0.5]),
    _numeric("only_nam", [0, 1], [0.0, 1.0]),
]
SECOND = [
    _categorical("colour", ["red", "blue"], [0.4, -0.4]),
    _numeric("age", [0.5, 2.5], [0.1, 2.9], band=0.3),
]
METRICS = {"NAM": {"rmse": 1.0, "r2": 0.5}, "EBM": {"rmse": 0.8, "r2": 0.6}}


@pytest.fixture
def view():
    return CompareView(FIRST, SECOND, metrics=METRICS)


def _without_datasets(spec):
    return {k: v for k, v in spec.items() if k != "datasets"}


def test_datasets_are_the_charts_and_structure_follows_the_key(view):
    other = dataclasses.replace(
        view,
        second=[_numeric("age", [0.5, 2.5], [5.0, 6.0]), SECOND[0]],
        metrics={"NAM": {"rmse": 2.0, "r2": 0.1}, "EBM": {"rmse": 3.0, "r2": 0.0}},
    )
    a, b = view.chart().to_dict(), other.chart().to_dict()
    assert view.datasets() == a["datasets"] and other.datasets() == b["datasets"]
    assert a["datasets"] != b["datasets"]
    assert view.key == other.key
    assert _without_datasets(a) == _without_datasets(b)
    assert {**a, "datasets": other.datasets()} == b
    json.dumps(a, allow_nan=False)
    text = json.dumps(_without_datasets(a))
    for name in view.datasets():
        assert f'"name": "{name}"' in text
    # a structural change changes the key and the spec
    fewer = dataclasses.replace(view, terms=["age"])
    assert fewer.key != view.key
    assert _without_datasets(fewer.chart().to_dict()) != _without_datasets(a)


def test_shared_terms_in_the_first_models_order(view):
    d = view.datasets()
    assert {r["term"] for r in d["compare_curves"]} == {"age"}  # only_nam: not shared
    assert [(r["model"], r["x"]) for r in d["compare_curves"]] == [
        ("NAM", 0.0),
        ("NAM", 1.0),
        ("NAM", 2.0),
        ("NAM", 3.0),
        ("EBM", 0.5),
        ("EBM", 2.5),
    ]
    ebm = [r for r in d["compare_curves"] if r["model"] == "EBM"]
    assert ebm[0]["upper"] - ebm[0]["value"] == pytest.approx(0.3)
    assert [(r["model"], r["level"], r["value"]) for r in d["compare_levels"]] == [
        ("NAM", "red", 0.5),
        ("NAM", "blue", -0.5),
        ("EBM", "red", 0.4),
        ("EBM", "blue", -0.4),
    ]
    dens = [r for r in d["compare_density"] if r["model"] == "NAM"]
    widths = [r["x1"] - r["x0"] for r in dens]
    assert sum(r["density"] * w for r, w in zip(dens, widths)) == pytest.approx(1.0)
    assert {(r["metric"], r["model"]): r["value"] for r in d["compare_metrics"]} == {
        ("rmse", "NAM"): 1.0,
        ("r2", "NAM"): 0.5,
        ("rmse", "EBM"): 0.8,
        ("r2", "EBM"): 0.6,
    }


def test_the_spec_overlays_both_models(view):
    spec = view.chart().to_dict()
    grid, metrics = spec["vconcat"]
    age, colour = grid["hconcat"]
    assert age["title"] == "age" and colour["title"] == "colour"
    dens, curves = age["layer"]
    assert dens["mark"]["type"] == "rect" and dens["encoding"]["y"]["axis"] is None
    band, line = curves["layer"]
    assert band["mark"]["type"] == "area" and line["mark"]["type"] == "line"
    assert line["mark"]["interpolate"] == "step"
    assert line["encoding"]["color"]["scale"]["domain"] == ["NAM", "EBM"]
    assert age["resolve"] == {"scale": {"y": "independent"}}
    bars, rules = colour["layer"]
    assert bars["encoding"]["xOffset"]["field"] == "model"
    assert rules["encoding"]["y2"]["field"] == "upper"
    assert metrics["encoding"]["yOffset"]["field"] == "model"
    assert spec["title"] == "NAM and EBM, term by term"


def test_without_metrics_no_metrics_chart(view):
    spec = dataclasses.replace(view, metrics=None).chart().to_dict()
    assert len(spec["vconcat"]) == 1
    assert spec["datasets"]["compare_metrics"] == []


def test_bad_inputs_are_named():
    with pytest.raises(InputError, match="share no main effect"):
        CompareView(FIRST[2:], SECOND)
    with pytest.raises(InputError, match="only_nam"):
        CompareView(FIRST, SECOND, terms=["only_nam"])
    with pytest.raises(InputError, match="two distinct"):
        CompareView(FIRST, SECOND, labels=("a", "a"))


def test_multiclass_draws_one_class():
    v = np.array([[0.0, 1.0], [2.0, 3.0]])
    sf = dataclasses.replace(
        _numeric("age", [0, 1], [0, 0], counts=[1, 1, 1, 1]),
        values=v,
        lower=v - 1,
        upper=v + 1,
    )
    d = CompareView([sf], [sf], class_index=1).datasets()
    assert [r["value"] for r in d["compare_curves"]] == [1.0, 3.0, 1.0, 3.0]


@pytest.mark.slow
def test_compare_a_nam_and_an_ebm():
    glassbox = pytest.importorskip("interpret.glassbox")
    from namwidgets.datasets import make_additive

    X, y = make_additive(300, random_state=0)
    nam = namwidgets.NAMRegressor(
        hidden_sizes=(16,), max_epochs=3, verbose=0, random_state=0, n_threads=1
    ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        ebm = glassbox.ExplainableBoostingRegressor(
            interactions=0, outer_bags=2, max_rounds=50, random_state=0
        ).fit(X, y)
    c = namwidgets.compare(nam, ebm, X, y)
    assert c.view.labels == ("NAM", "EBM")
    assert list(c.metrics.columns) == ["NAM", "EBM"]
    assert c.metrics.loc["rmse", "EBM"] == pytest.approx(
        float(np.sqrt(np.mean((ebm.predict(X) - y) ** 2)))
    )
    spec = c.chart().to_dict()
    assert spec["datasets"] == c.view.datasets()
    terms = {r["term"] for r in spec["datasets"]["compare_curves"]}
    assert terms == {
        n for n, k in zip(nam.feature_names_, nam.feature_kinds_) if k == "numeric"
    }
    bundle = c._repr_mimebundle_()
    bundle = bundle[0] if isinstance(bundle, tuple) else bundle
    assert any("vega" in k or "html" in k for k in bundle), list(bundle)
