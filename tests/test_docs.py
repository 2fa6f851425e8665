"""The documentation site: every public name has a page, notebooks have figures.

``test_docs_site`` builds the whole site (it executes the four notebooks, a few
minutes), so it is slow. The static-figure formatters that the build's kernels
load are tested directly, fast.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
NOTEBOOKS = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
API_MODULES = [
    "namwidgets",
    "namwidgets.model",
    "namwidgets.explain",
    "namwidgets.edit",
    "namwidgets.charts",
    "namwidgets.widget",
    "namwidgets.adapters",
    "namwidgets.datasets",
    "namwidgets.exceptions",
    "namwidgets.protocol",
]
DATASETS = ["california_housing.csv", "compas.csv"]


def public_names(module_name: str) -> list[str]:
    """``__all__``, else the functions and classes the module defines."""
    module = importlib.import_module(module_name)
    if hasattr(module, "__all__"):
        return list(module.__all__)
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or inspect.isclass(value))
        and value.__module__ == module_name
    ]


def load_static_figures():
    spec = importlib.util.spec_from_file_location(
        "static_figures", DOCS / "_ext" / "static_figures.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # register() does nothing outside IPython
    return module


def test_static_figures_turn_widgets_into_png():
    import altair as alt
    import ipywidgets as W

    figures = load_static_figures()
    chart = alt.Chart(alt.Data(values=[{"a": 1, "b": 2}, {"a": 2, "b": 1}]))
    chart = chart.mark_line().encode(x="a:Q", y="b:Q")
    one = figures.jupyter_chart_bundle(alt.JupyterChart(chart))
    assert one["image/png"][:8] == b"\x89PNG\r\n\x1a\n"

    panel = W.VBox([W.HTML("x"), W.HBox([alt.JupyterChart(chart)]), W.Button()])
    panel.children[1].children += (alt.JupyterChart(chart.mark_point()),)
    html = figures.box_bundle(panel)["text/html"]
    assert html.count('<img src="data:image/png;base64,iVBOR') == 2  # both charts
    assert "static picture of the VBox" in html
    assert figures.png_size(one["image/png"])[0] > figures.MIN_SIDE
    blank = alt.JupyterChart(alt.Chart(alt.Data(values=[])).mark_point())
    empty = figures.box_bundle(W.VBox([W.Button(), blank]))["text/html"]
    assert "<img" not in empty  # no chart drawn yet: no blank figure


@pytest.mark.slow
def test_docs_site(tmp_path):
    missing = [n for n in DATASETS if not _dataset_available(n)]
    if missing:
        pytest.skip(f"{missing} absent: notebooks 03/04 would stop before their charts")
    out = tmp_path / "html"
    cmd = [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-b", "html"]
    cmd += ["-d", str(tmp_path / "doctrees"), str(DOCS), str(out)]
    env = dict(os.environ, OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-8000:]

    missing_pages = []
    for module_name in API_MODULES:
        module_page = out / "api" / f"{module_name}.html"
        assert module_page.exists(), module_page
        listing = module_page.read_text()
        for name in public_names(module_name):
            page = out / "api" / "generated" / f"{module_name}.{name}.html"
            if (
                not page.exists()
                or f"generated/{module_name}.{name}.html" not in listing
            ):
                missing_pages.append(f"{module_name}.{name}")
    assert missing_pages == []
    # a home page documents its object (an anchor to link to) ...
    page = (
        out / "api" / "generated" / "namwidgets.model.NAMRegressor.html"
    ).read_text()
    assert 'id="namwidgets.model.NAMRegressor"' in page
    assert 'id="namwidgets.model.NAMRegressor.fit"' in page
    # ... and a re-export's page points to it
    alias = (out / "api" / "generated" / "namwidgets.NAMRegressor.html").read_text()
    assert "namwidgets.model.NAMRegressor.html" in alias

    for stem in NOTEBOOKS:
        html = (out / "notebooks" / f"{stem}.html").read_text()
        images = re.findall(
            r"<img [^>]*src=\"(?:\.\./_images/[^\"]+\.png|data:image/png)", html
        )
        assert len(images) >= 2, f"{stem}: {len(images)} figures"
        assert "Traceback" not in html, stem
        # no widget state or widget JavaScript: the page is static and offline
        assert "application/vnd.jupyter.widget-state+json" not in html, stem
        assert len(html) < 3_000_000, f"{stem}: {len(html)} bytes"
    # the panel is shown as a picture of its charts
    quickstart = (out / "notebooks" / "01_quickstart.html").read_text()
    assert "static picture of the NAMPanel" in quickstart


def _dataset_available(name: str) -> bool:
    from namwidgets import DatasetNotFoundError
    from namwidgets.datasets import find_data_file

    try:
        find_data_file(name)
    except DatasetNotFoundError:
        return False
    return True
