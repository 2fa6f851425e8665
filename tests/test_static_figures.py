"""Static figures beside the chart widgets (``namwidgets.charts.static_figures``)."""

from __future__ import annotations

import base64

import altair as alt
import ipywidgets as W
import numpy as np
import pytest

from namwidgets import InputError, charts
from namwidgets.charts import _static
from namwidgets.explain import ShapeFunction

WIDGET = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def shell(monkeypatch):
    """An IPython shell to register the formatters in, removed afterwards."""
    from IPython.core.interactiveshell import InteractiveShell

    monkeypatch.delenv(_static.ENV_VAR, raising=False)
    shell = InteractiveShell.instance()
    yield shell
    monkeypatch.delenv(_static.ENV_VAR, raising=False)
    charts.static_figures(False)
    InteractiveShell.clear_instance()


def a_chart() -> alt.LayerChart:
    x = np.linspace(0.0, 1.0, 20)
    shape = ShapeFunction(
        name="age", kind="numeric", x=x, values=x - 0.5, lower=x - 0.6,
        upper=x - 0.4, density_edges=np.linspace(0, 1, 5),
        density_counts=np.array([1, 2, 3, 4]), importance=0.25,
    )  # fmt: skip
    return charts.ShapeView(shape).chart()


def shown(shell, obj) -> dict:
    data, _ = shell.display_formatter.format(obj)
    return data


def test_a_chart_widget_carries_its_picture_beside_the_widget(shell):
    jc = alt.JupyterChart(a_chart())
    assert "image/png" not in shown(shell, jc)  # not switched on: the widget only
    assert charts.static_figures() is True
    data = shown(shell, jc)
    assert WIDGET in data  # a live front end still shows the widget
    png = base64.b64decode(data["image/png"])
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert min(_static.png_size(png)) > _static.MIN_SIDE
    # off again: the widget alone
    assert charts.static_figures(False) is False
    assert "image/png" not in shown(shell, jc) and WIDGET in shown(shell, jc)


def test_svg_and_pictures_only(shell):
    jc = alt.JupyterChart(a_chart())
    charts.static_figures(fmt="svg")
    assert shown(shell, jc)["image/svg+xml"].lstrip().startswith("<svg")
    charts.static_figures("only")  # a static site: no widget output at all
    data = shown(shell, jc)
    assert WIDGET not in data and "image/png" in data


def test_a_container_shows_the_pictures_of_its_charts(shell):
    box = W.VBox([W.HTML("controls"), W.HBox([alt.JupyterChart(a_chart())] * 2)])
    charts.static_figures()
    data = shown(shell, box)
    assert WIDGET in data
    assert data["text/html"].count('<img src="data:image/png;base64,iVBOR') == 2
    assert "static picture of the VBox" in data["text/html"]
    plain = W.VBox([W.HTML("no charts")])
    assert "text/html" not in shown(shell, plain)


def test_the_environment_variable_overrides_the_call(shell, monkeypatch):
    jc = alt.JupyterChart(a_chart())
    monkeypatch.setenv(_static.ENV_VAR, "off")
    assert charts.static_figures() is False
    assert "image/png" not in shown(shell, jc)
    monkeypatch.setenv(_static.ENV_VAR, "1")
    assert charts.static_figures(False) is True
    assert "image/png" in shown(shell, jc)
    monkeypatch.setenv(_static.ENV_VAR, "sometimes")
    with pytest.raises(InputError, match="NAMWIDGETS_STATIC_FIGURES"):
        charts.static_figures()
    with pytest.warns(UserWarning, match="no static figures"):
        _static._at_import()


def test_bad_arguments_and_no_shell(monkeypatch):
    monkeypatch.delenv(_static.ENV_VAR, raising=False)
    with pytest.raises(InputError, match="enabled"):
        charts.static_figures("maybe")
    with pytest.raises(InputError, match="fmt"):
        charts.static_figures(fmt="jpeg")
    assert charts.static_figures() is False  # outside IPython: nothing to do
