"""The row-pick chart (:class:`namwidgets.charts.RowPickView`), on its spec."""

from __future__ import annotations

import math

import pytest

from namwidgets import InputError, charts


def _params(spec):
    params = list(spec.get("params", []))
    for layer in spec.get("layer", []):
        params += layer.get("params", [])
    return params


def test_a_click_selects_a_row_and_the_picked_row_is_marked():
    view = charts.RowPickView([0, 3, 5], [0.1, 0.5, 0.3], [1.0, 2.0, 0.5], picked=3)
    spec = view.chart().to_dict()  # validated against the Vega-Lite schema
    (pick,) = [p for p in _params(spec) if p["name"] == charts.PICK]
    assert pick["select"]["type"] == "point"
    assert pick["select"]["fields"] == ["row"] and pick["select"]["on"] == "click"
    rows = spec["datasets"]["rows"]
    assert [r["row"] for r in rows] == [0, 3, 5]
    assert [r["x"] for r in rows] == [1.0, 2.0, 0.5]
    assert [r["prediction"] for r in rows] == [0.1, 0.5, 0.3]
    assert [r["picked"] for r in rows] == [False, True, False]
    assert spec["encoding"]["x"]["type"] == "quantitative"
    assert spec["encoding"]["color"]["condition"]["test"] == "datum.picked"
    assert view.datasets() == spec["datasets"]


def test_new_data_keeps_the_structure():
    a = charts.RowPickView([0, 1], [0.1, 0.2], [1.0, 2.0], picked=0)
    b = charts.RowPickView([4, 7, 9], [0.3, 0.2, 0.9], [0.0, 5.0, 1.0], picked=9)
    assert a.key == b.key
    sa, sb = a.chart().to_dict(), b.chart().to_dict()
    assert {**sa, "datasets": None} == {**sb, "datasets": None}


def test_labels_are_strips_and_no_target_is_the_row_number():
    labels = charts.RowPickView([0, 1, 2], [0.2, 0.9, 0.4], ["no", "yes", "no"])
    spec = labels.chart().to_dict()
    assert spec["encoding"]["x"]["type"] == "nominal"
    assert [r["x"] for r in spec["datasets"]["rows"]] == ["no", "yes", "no"]
    plain = charts.RowPickView([2, 8], [0.2, math.nan])
    rows = plain.datasets()["rows"]
    assert [r["x"] for r in rows] == [2, 8] and rows[1]["prediction"] is None
    assert plain.key != labels.key
    plain.chart().to_dict()


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(rows=[0, 0], predictions=[1.0, 2.0]), "unique"),
        (dict(rows=[0, 1.5], predictions=[1.0, 2.0]), "ints"),
        (dict(rows=[0, 1], predictions=[1.0]), "predictions"),
        (dict(rows=[0, 1], predictions=[1.0, 2.0], targets=[1.0]), "targets"),
        (dict(rows=[0, 1], predictions=[1.0, 2.0], picked=4), "picked"),
    ],
)
def test_bad_inputs_name_the_parameter(kwargs, match):
    with pytest.raises(InputError, match=match):
        charts.RowPickView(**kwargs)


def test_sample_rows_is_even_deterministic_and_keeps_the_picked_row():
    rows = charts.sample_rows(1000, 5, include=7)
    assert rows == [0, 7, 250, 500, 749, 999]
    assert charts.sample_rows(1000, 5, include=7) == rows
    assert charts.sample_rows(3, 300) == [0, 1, 2]
    assert charts.sample_rows(10, 4, include=0) == [0, 3, 6, 9]
    for bad in (dict(n_rows=-1, k=3), dict(n_rows=5, k=True)):
        with pytest.raises(InputError, match="non-negative"):
            charts.sample_rows(**bad)
    with pytest.raises(InputError, match="include"):
        charts.sample_rows(5, 3, include=5)
