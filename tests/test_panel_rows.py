"""Picking the row by clicking its point on the row tab, through traitlets.

The browser sends a click on a point of the row-pick chart as the ``pick``
selection's Vega signal (``{"vlPoint": {"or": [{"row": r}]}}``); the browser test
(``tests/browser/test_drag_browser.py``) clicks with a real mouse.
"""

from __future__ import annotations

import numpy as np
import pytest

import namwidgets
from namwidgets import charts


@pytest.fixture()
def panel(fitted_regressor, panel_data):
    X, y = panel_data
    p = namwidgets.explore(fitted_regressor, X, y)
    p.detail = "row"
    return p


def _click(panel, row):
    """What the front end reports for a click on row ``row``'s point."""
    panel.row_pick_chart._vl_selections = {
        charts.PICK: {"value": {"vlPoint": {"or": [{"row": row}]}}, "store": []}
    }


def _rows(panel):
    return panel.row_pick_chart.spec["datasets"]["rows"]


def test_the_row_tab_draws_predictions_against_targets(panel, panel_data):
    _, y = panel_data
    # beside the row's number and its reset button, the values under them
    (top, values) = panel.what_if_box.children
    pick, side = top.children
    assert pick is panel.row_pick_chart
    assert side.children == (panel.row_picker, panel.what_if_note, panel.what_if_reset)
    assert values.children == tuple(panel.what_if_inputs.values())
    assert panel.what_if_box in panel.detail_pickers.children  # on the row tab
    rows = _rows(panel)
    numbers = [r["row"] for r in rows]
    assert 100 < len(rows) <= 301 and numbers == sorted(set(numbers))
    pred = panel.session.predictions()
    assert [r["prediction"] for r in rows] == pytest.approx(pred[numbers].tolist())
    assert [r["x"] for r in rows] == pytest.approx(np.asarray(y)[numbers].tolist())
    assert [r["row"] for r in rows if r["picked"]] == [0]


def test_a_click_on_a_point_picks_its_row_and_the_what_if_row(panel):
    _click(panel, 123)
    assert panel.row == 123 and panel.row_picker.value == 123
    assert [r["row"] for r in _rows(panel) if r["picked"]] == [123]
    # the what-if boxes show row 123's values, the row chart its contributions
    x123 = panel.session.feature_values("smooth")[123]
    assert float(panel.what_if_inputs["smooth"].value) == pytest.approx(x123, 1e-5)
    title = panel.detail_chart.spec["datasets"]["contributions_title"][0]
    assert "123" in str(title)
    # typing another row in the number box moves the mark too
    panel.row_picker.value = 7
    assert [r["row"] for r in _rows(panel) if r["picked"]] == [7]


def test_an_edit_moves_the_points_predictions(panel):
    before = {r["row"]: r["prediction"] for r in _rows(panel)}
    panel.session.shift("smooth", 1.0)
    panel.refresh()
    after = {r["row"]: r["prediction"] for r in _rows(panel)}
    assert after.keys() == before.keys()
    assert [after[r] - before[r] for r in before] == pytest.approx(
        [1.0] * len(before), abs=1e-6
    )


def test_a_cleared_or_bad_pick_changes_nothing(panel):
    _click(panel, 5)
    panel.row_pick_chart._vl_selections = {
        charts.PICK: {"value": None, "store": []}
    }  # a click off the points clears the selection: the row stays
    assert panel.row == 5
    _click(panel, 10_000)  # not a row: refused, shown, the row stays
    assert panel.row == 5
    assert "row must be in" in panel.status.value


def test_a_classifier_draws_the_class_probability(fitted_classifier):
    model, X, y = fitted_classifier
    p = namwidgets.explore(model, X.iloc[:300], y[:300])
    p.detail = "row"
    rows = _rows(p)
    numbers = [r["row"] for r in rows]
    proba = p.session.predictions()[:, 1]
    assert [r["prediction"] for r in rows] == pytest.approx(proba[numbers].tolist())
    assert {r["x"] for r in rows} <= {str(c) for c in p.session.classes} | set(
        p.session.classes
    )
    _click(p, numbers[3])
    assert p.row == numbers[3]
