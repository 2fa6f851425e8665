"""IPython start-up file for the docs build: widgets become static figures.

``conf.py`` copies this file into a temporary IPython profile's ``startup/``
folder and points ``IPYTHONDIR`` at it, so only the kernels that the docs build
starts load it (never a user's). Widgets do not render on a static page, so:

- an ``altair.JupyterChart`` (how the notebooks show charts) is displayed as a
  PNG of its chart, drawn by vl-convert (offline);
- any other ipywidgets container (the ``NAMPanel``) is displayed as the PNGs of
  every ``JupyterChart`` inside it, in order, with a caption saying that the
  interactive panel needs a running kernel.

Only public names are used (``JupyterChart.chart``, ``Box.children``), so the
figures follow whatever the panel puts in its charts.
"""

from __future__ import annotations

import base64
from typing import Any

import altair as alt
import ipywidgets as W
import vl_convert as vlc
from IPython import get_ipython

SCALE = 1.5  # crisp on high-DPI screens, small enough for the page
# A chart the panel has not drawn yet (its feedback charts are drawn by a timer
# in a live front end) renders as a blank square of a few pixels: left out.
MIN_SIDE = 64


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height of a PNG, from its header."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def chart_png(chart: Any) -> bytes:
    """A PNG of an Altair chart, drawn offline by vl-convert."""
    return vlc.vegalite_to_png(chart.to_json(), scale=SCALE)


def charts_in(widget: Any) -> list[Any]:
    """Every JupyterChart inside a widget tree, depth first, in display order."""
    if isinstance(widget, alt.JupyterChart):
        return [widget]
    found = []
    for child in getattr(widget, "children", ()) or ():
        found += charts_in(child)
    return found


def jupyter_chart_bundle(widget: alt.JupyterChart) -> dict[str, Any]:
    """The display bundle of a JupyterChart: its chart as a PNG."""
    return {"image/png": chart_png(widget.chart), "text/plain": "<Altair chart>"}


def box_bundle(widget: W.Box) -> dict[str, Any]:
    """The display bundle of a widget container: its charts as PNG figures."""
    figures = []
    for inner in charts_in(widget):
        png = chart_png(inner.chart)
        if min(png_size(png)) < MIN_SIDE:
            continue
        data = base64.b64encode(png).decode("ascii")
        figures.append(
            f'<img src="data:image/png;base64,{data}" alt="chart" '
            'style="max-width:100%">'
        )
    name = type(widget).__name__
    caption = (
        f"<p><em>A static picture of the {name}'s charts. The controls are "
        "live widgets: run the notebook in Jupyter to use them.</em></p>"
    )
    html = "<div>" + "".join(figures) + caption + "</div>"
    return {"text/html": html, "text/plain": f"<{name}>"}


def register() -> None:
    """Register the formatters in the running IPython kernel."""
    shell = get_ipython()
    if shell is None:
        return
    bundles = shell.display_formatter.mimebundle_formatter
    bundles.for_type(alt.JupyterChart, jupyter_chart_bundle)
    bundles.for_type(W.Box, box_bundle)


register()
