"""A stand-in notebook for the browser harness, written from code with nbformat.

It has the parts of the real panel that a browser test needs to see: an
``ipywidgets.FloatSlider`` (description ``"scale"``), an offline
``alt.JupyterChart`` drawing ``y = scale * sin(x)`` as an SVG line, and an
``ipywidgets.HTML`` reading ``"metric: <value>"``. Moving the slider reassigns
``jc.chart`` (the browser re-embeds) and rewrites the HTML, as the panel will.

When the real panel notebook exists, a test copies it into the served folder
with :func:`tests.browser._pages.serve_copy` instead of calling
:func:`write_standin_notebook`.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from ._pages import python_notebook

SLIDER_DESCRIPTION = "scale"
METRIC_PREFIX = "metric: "
INITIAL_SCALE = 1.0
SLIDER_STEP = 0.1

_IMPORTS = """\
import altair as alt
import ipywidgets as widgets
import numpy as np
import pandas as pd

# Without this, JupyterChart's JavaScript imports vega-embed from a CDN.
alt.JupyterChart.enable_offline()"""

_PANEL = f"""\
X = np.linspace(0.0, 2.0 * np.pi, 200)


def sine_chart(scale):
    y = scale * np.sin(X)
    data = pd.DataFrame({{"x": X, "y": y}})
    # A fixed y domain: with an automatic one every scale > 0 draws the same path.
    return (
        alt.Chart(data, title="scale * sin(x)")
        .mark_line()
        .encode(x="x:Q", y=alt.Y("y:Q", scale=alt.Scale(domain=[-3.5, 3.5])))
        .properties(width=400, height=200)
    )


def metric_text(scale):
    return "{METRIC_PREFIX}" + f"{{float(np.abs(scale * np.sin(X)).mean()):.4f}}"


slider = widgets.FloatSlider(
    value={INITIAL_SCALE!r},
    min=0.0,
    max=3.0,
    step={SLIDER_STEP!r},
    description="{SLIDER_DESCRIPTION}",
)
jc = alt.JupyterChart(
    sine_chart(slider.value), embed_options={{"renderer": "svg", "actions": False}}
)
metric = widgets.HTML(metric_text(slider.value))


def _on_change_value(change):
    # Keyboard steps drift (2.5000000000000004): round before use.
    scale = round(change["new"], 6)
    jc.chart = sine_chart(scale)
    metric.value = metric_text(scale)


slider.observe(_on_change_value, names="value")
display(widgets.VBox([slider, jc, metric]))"""


def standin_notebook() -> nbformat.NotebookNode:
    """Build the stand-in notebook, without outputs.

    Returns
    -------
    nbformat.NotebookNode
        A version 4 notebook for the ``python3`` kernel.
    """
    return python_notebook([_IMPORTS, _PANEL])


def write_standin_notebook(folder: Path, name: str = "standin.ipynb") -> Path:
    """Write the stand-in notebook into ``folder``.

    Parameters
    ----------
    folder : Path
        An existing folder, normally the one a server serves.
    name : str, default="standin.ipynb"
        File name of the notebook.

    Returns
    -------
    Path
        Path of the written notebook.
    """
    path = Path(folder) / name
    nbformat.write(standin_notebook(), path)
    return path
