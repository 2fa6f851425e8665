"""The panel on an InterpretML EBM, in Voila, offline, by mouse.

The generated notebook fits a small ExplainableBoostingRegressor (with a pair)
and opens ``namwidgets.explore`` on it. In the browser the panel must draw its
three charts with the EBM's main effect as lines, and clicking "Zero" must move
rows and redraw the metrics, as on a NAM.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from ._pages import (
    Laps,
    assert_no_external_requests,
    line_paths,
    python_notebook,
    screenshot,
    svg_text,
    voila_allowed_requests,
)
from .test_panel_browser import (
    N_ROWS,
    find_panel,
    rows_moved,
    wait_for_rows_moved,
    wait_for_svg_text_change,
)

pytestmark = pytest.mark.browser
pytest.importorskip("interpret.glassbox")

VOILA_RENDER_TIMEOUT_MS = 180_000

_CELLS = [
    """\
import warnings

import namwidgets
from interpret.glassbox import ExplainableBoostingRegressor
from namwidgets.datasets import make_additive""",
    f"""\
X, y = make_additive({N_ROWS})
y = y + 1.5 * (X["smooth"] - X["smooth"].mean()) * (X["step"] - X["step"].mean())
with warnings.catch_warnings():
    warnings.simplefilter("ignore", UserWarning)
    ebm = ExplainableBoostingRegressor(
        interactions=[("smooth", "step")], outer_bags=2, max_rounds=200,
        n_jobs=1, random_state=0,
    ).fit(X, y)""",
    """\
panel = namwidgets.explore(ebm, X, y)
panel.feature = "smooth"
panel""",
]


def test_panel_opens_on_an_ebm_in_voila(
    voila_server, page, request_log, screenshot_dir: Path, tmp_path: Path
) -> None:
    lap = Laps("Voila EBM")
    notebook = Path(tmp_path) / "ebm_voila.ipynb"
    nbformat.write(python_notebook(_CELLS), notebook)
    server = voila_server(notebook)
    page.goto(f"{server.url}/?token={server.token}", wait_until="commit")
    panel = find_panel(page, timeout_ms=VOILA_RENDER_TIMEOUT_MS)
    lap("notebook run, panel drawn")
    shape = panel.charts[0]
    lines = line_paths(page, shape)
    assert lines and all(lines), f"the EBM's shape drew no line: {lines}"
    assert rows_moved(page, panel) == (0, N_ROWS)
    screenshot(page, screenshot_dir, "voila-ebm-before", show=panel.root)

    feedback = panel.charts[1]
    metrics_before = svg_text(page, feedback)
    page.locator(
        f"{panel.root} button", has_text=re.compile(r"^\s*Zero\s*$")
    ).first.click()
    wait_for_rows_moved(page, panel, r"^\s*[1-9][\d,]* of ")
    assert wait_for_svg_text_change(page, feedback, metrics_before) != metrics_before
    lap("EBM term zeroed, checked")
    screenshot(page, screenshot_dir, "voila-ebm-zeroed", show=panel.root)
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())
