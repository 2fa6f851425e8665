"""The real NAMPanel in a real Chromium, offline: JupyterLab and Voila.

A notebook generated here fits a small NAMRegressor and shows
``namwidgets.explore(model, X, y)``. In the browser, keyboard steps on the
"scale" slider must redraw the shape chart (the edited line appears beside the
dashed original), rewrite the metrics chart and move rows in the "rows moved"
readout; "Undo" must bring the readout back to zero. The committed quickstart
notebook is driven the same way. Key-press-to-redraw times are printed (run with
``-s``); their only bound is a loose sanity check.

``NAMWIDGETS_UPDATE_SCREENSHOT=1`` also rewrites ``docs/panel.png``, the
README's picture of the panel, from JupyterLab.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import nbformat
import pytest

from ._pages import (
    Laps,
    WidgetBox,
    assert_no_external_requests,
    find_slider,
    find_widget_box,
    line_paths,
    measure_key_to_redraw_ms,
    open_notebook_in_lab,
    python_notebook,
    report_key_timings,
    run_all_cells_in_lab,
    screenshot,
    serve_copy,
    slider_value,
    svg_text,
    text_of,
    voila_allowed_requests,
    wait_for_chart,
    wait_for_lab_cells_run,
)

pytestmark = pytest.mark.browser

REPO_ROOT = Path(__file__).resolve().parents[2]
QUICKSTART = REPO_ROOT / "notebooks" / "01_quickstart.ipynb"
README_SCREENSHOT = REPO_ROOT / "docs" / "panel.png"
UPDATE_SCREENSHOT = os.environ.get("NAMWIDGETS_UPDATE_SCREENSHOT") == "1"

N_ROWS = 2000
KEY_PRESSES = 3
SCALE_STEP = 0.05  # NAMPanel's scale slider: value 1.0, step 0.05
VOILA_RENDER_TIMEOUT_MS = 180_000  # Voila runs the whole notebook first

AFFECTED = ".nam-affected"
MOVED = re.compile(r"^\s*([\d,]+) of ([\d,]+) rows moved")

_CELLS = [
    """\
import torch

torch.set_num_threads(1)

import namwidgets
from namwidgets.datasets import make_additive""",
    f"""\
X, y = make_additive({N_ROWS})
model = namwidgets.NAMRegressor(
    hidden_sizes=(32, 32), max_epochs=15, verbose=0, random_state=0
).fit(X, y)""",
    """\
panel = namwidgets.explore(model, X, y)
panel.feature = "smooth"  # a numeric term: its lines are what the test reads
panel""",
]


def write_panel_notebook(folder: Path, name: str) -> Path:
    """Write the generated panel notebook (no outputs) into ``folder``."""
    nb = python_notebook(_CELLS)
    path = Path(folder) / name
    nbformat.write(nb, path)
    return path


def rows_moved(page, panel: WidgetBox) -> tuple[int, int]:
    """Read ``(moved, total)`` from the panel's "N of M rows moved" readout."""
    text = text_of(page, f"{panel.root} {AFFECTED}")
    match = MOVED.match(text)
    assert match is not None, f"unexpected rows-moved text: {text!r}"
    moved, total = (int(g.replace(",", "")) for g in match.groups())
    return moved, total


def wait_for_rows_moved(page, panel: WidgetBox, pattern: str) -> None:
    """Wait until the rows-moved readout matches the regular expression."""
    page.locator(f"{panel.root} {AFFECTED}").filter(
        has_text=re.compile(pattern)
    ).wait_for(timeout=20_000)


def wait_for_svg_text_change(page, scope: str, before: str) -> str:
    """Wait until the chart's SVG text differs from ``before``; return it."""
    page.wait_for_function(
        "([scope, before]) => {"
        " const svg = document.querySelector(scope + ' svg');"
        " return svg !== null && svg.textContent !== before; }",
        arg=[scope, before],
        timeout=20_000,
    )
    return svg_text(page, scope)


def find_panel(page, timeout_ms: int) -> WidgetBox:
    """The panel: the widget box around the rows-moved readout, three charts."""
    panel = find_widget_box(
        page, AFFECTED, charts=3, name="panel", timeout_ms=timeout_ms
    )
    assert len(panel.charts) == 3, panel
    # JupyterLab skips rendering cells out of view (CSS content-visibility), so
    # their text reads empty: after "run all" it shows the notebook's end.
    page.locator(panel.root).scroll_into_view_if_needed()
    return panel


def step_scale_down(
    page, panel: WidgetBox, label: str, presses: int = KEY_PRESSES
) -> list[float]:
    """Press ArrowLeft on "scale" ``presses`` times, timing each shape redraw.

    Each press must redraw the shape chart's lines, and the slider must end
    ``presses`` steps lower, with the panel's history naming that value (the
    debounced redraw shows the final state). Returns the times in ms.
    """
    shape = panel.charts[0]
    slider = find_slider(page, "scale")
    value_before = slider_value(slider)
    paths_before = line_paths(page, shape)
    assert paths_before and all(paths_before), paths_before

    timings = [
        measure_key_to_redraw_ms(page, slider, "ArrowLeft", scope=shape)
        for _ in range(presses)
    ]
    expected = f"{value_before - presses * SCALE_STEP:.2f}"
    slider.locator(
        ".widget-readout", has_text=re.compile(rf"^\s*{re.escape(expected)}\s*$")
    ).wait_for(timeout=20_000)
    assert line_paths(page, shape) != paths_before
    page.locator(
        f"{panel.root} .nam-history-entry", has_text=f"factor={float(expected):.3g}"
    ).wait_for(state="attached", timeout=20_000)
    report_key_timings(label, "scale key -> shape chart path changed", timings)
    return timings


# --- JupyterLab ----------------------------------------------------------------


def open_and_run_in_lab(page, server, name: str, lap: Laps) -> WidgetBox:
    """Open a served notebook in JupyterLab, run it all, return its drawn panel."""
    open_notebook_in_lab(page, server.url, server.token, name)
    lap("page loaded, kernel idle")
    run_all_cells_in_lab(page)
    wait_for_lab_cells_run(page)
    lap("all cells run")
    wait_for_chart(page, count=3)
    panel = find_panel(page, timeout_ms=60_000)
    lap("panel drawn")
    return panel


def test_panel_in_jupyterlab_edits_and_undoes_offline(
    jupyter_lab, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("JupyterLab panel")
    name = write_panel_notebook(jupyter_lab.root_dir, "panel_lab.ipynb").name
    panel = open_and_run_in_lab(page, jupyter_lab, name, lap)
    shape, feedback = panel.charts[0], panel.charts[1]
    screenshot(page, screenshot_dir, "lab-panel-before", show=panel.root)

    lines_before = line_paths(page, shape)
    metrics_before = svg_text(page, feedback)
    assert rows_moved(page, panel) == (0, N_ROWS)
    assert metrics_before.strip(), "the feedback chart drew no text"

    step_scale_down(page, panel, "JupyterLab")
    wait_for_rows_moved(page, panel, r"^\s*[1-9][\d,]* of ")
    moved, total = rows_moved(page, panel)
    assert 0 < moved <= total == N_ROWS
    # Edited: the original is drawn dashed and the edited line solid beside it.
    lines_after = line_paths(page, shape)
    assert len(lines_after) == len(lines_before) + 1, (lines_before, lines_after)
    assert wait_for_svg_text_change(page, feedback, metrics_before) != metrics_before
    lap("scale moved 3 steps, checked")
    screenshot(page, screenshot_dir, "lab-panel-edited", show=panel.root)

    # By text: the accessible name also holds the Font Awesome icon's glyph.
    page.locator(
        f"{panel.root} button.widget-button", has_text=re.compile(r"^\s*Undo\s*$")
    ).click()
    wait_for_rows_moved(page, panel, r"^\s*0 of ")
    assert rows_moved(page, panel) == (0, N_ROWS)
    find_slider(page, "scale").locator(
        ".widget-readout", has_text=re.compile(r"^\s*1\.00\s*$")
    ).wait_for(timeout=20_000)
    page.wait_for_function(
        "([scope, n]) => Array.from(document.querySelectorAll("
        "scope + ' .mark-line path')).filter(p => p.getAttribute('d')).length === n",
        arg=[shape, len(lines_before)],
        timeout=20_000,
    )
    lap("undone, checked")
    screenshot(page, screenshot_dir, "lab-panel-undone", show=panel.root)
    assert_no_external_requests(request_log)


# --- Voila -----------------------------------------------------------------------


def open_in_voila(page, voila_server, notebook: Path, lap: Laps) -> WidgetBox:
    """Serve ``notebook`` with Voila, open it, return its drawn panel."""
    server = voila_server(notebook)
    lap("server up")
    # Voila streams the page while it runs the notebook: wait for the first byte,
    # then for the panel.
    page.goto(f"{server.url}/?token={server.token}", wait_until="commit")
    panel = find_panel(page, timeout_ms=VOILA_RENDER_TIMEOUT_MS)
    lap("notebook run, panel drawn")
    return panel


def test_panel_in_voila_edits_offline(
    voila_server, page, request_log, screenshot_dir: Path, tmp_path: Path
) -> None:
    lap = Laps("Voila panel")
    notebook = write_panel_notebook(tmp_path, "panel_voila.ipynb")
    panel = open_in_voila(page, voila_server, notebook, lap)
    lines_before = line_paths(page, panel.charts[0])
    assert rows_moved(page, panel) == (0, N_ROWS)
    screenshot(page, screenshot_dir, "voila-panel-before", show=panel.root)

    step_scale_down(page, panel, "Voila")
    assert len(line_paths(page, panel.charts[0])) == len(lines_before) + 1
    wait_for_rows_moved(page, panel, r"^\s*[1-9][\d,]* of ")
    lap("scale moved 3 steps, checked")
    screenshot(page, screenshot_dir, "voila-panel-edited", show=panel.root)
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())


# --- The quickstart notebook -------------------------------------------------------


def _quickstart() -> Path:
    if not QUICKSTART.exists():
        pytest.skip("notebooks/01_quickstart.ipynb not written yet")
    return QUICKSTART


def test_quickstart_in_jupyterlab_offline(
    jupyter_lab, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("JupyterLab quickstart")
    name = serve_copy(_quickstart(), jupyter_lab.root_dir)
    panel = open_and_run_in_lab(page, jupyter_lab, name, lap)
    step_scale_down(page, panel, "JupyterLab quickstart")
    lap("scale moved 3 steps, checked")
    screenshot(page, screenshot_dir, "lab-quickstart-edited", show=panel.root)
    assert_no_external_requests(request_log)


def test_quickstart_in_voila_offline(
    voila_server, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("Voila quickstart")
    panel = open_in_voila(page, voila_server, _quickstart(), lap)
    step_scale_down(page, panel, "Voila quickstart")
    lap("scale moved 3 steps, checked")
    screenshot(page, screenshot_dir, "voila-quickstart-edited", show=panel.root)
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())


# --- The README's picture ----------------------------------------------------------


@pytest.mark.skipif(
    not UPDATE_SCREENSHOT, reason="set NAMWIDGETS_UPDATE_SCREENSHOT=1 to rewrite it"
)
def test_update_readme_screenshot(jupyter_lab, page, request_log) -> None:
    """Rewrite docs/panel.png: the panel in JupyterLab after one edit."""
    lap = Laps("README screenshot")
    # A laptop's screen, the file browser collapsed: the layout it is made for.
    page.set_viewport_size({"width": 1280, "height": 800})
    name = write_panel_notebook(jupyter_lab.root_dir, "panel_readme.ipynb").name
    open_notebook_in_lab(page, jupyter_lab.url, jupyter_lab.token, name)
    page.evaluate("() => { window.jupyterapp.shell.collapseLeft(); return true; }")
    run_all_cells_in_lab(page)
    wait_for_lab_cells_run(page)
    panel = find_panel(page, timeout_ms=60_000)
    lap("panel drawn")
    # One edit (the steps merge into one action): the dashed original shows.
    step_scale_down(page, panel, "README screenshot", presses=6)
    wait_for_rows_moved(page, panel, r"^\s*[1-9][\d,]* of ")
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    page.mouse.move(0, 0)
    README_SCREENSHOT.parent.mkdir(exist_ok=True)
    # The panel's box spans the output's width: shrink it to what it draws.
    page.locator(panel.root).evaluate("el => { el.style.width = 'fit-content'; }")
    page.locator(panel.root).screenshot(
        path=str(README_SCREENSHOT), animations="disabled"
    )
    lap(f"wrote {README_SCREENSHOT.relative_to(REPO_ROOT)}")
    assert README_SCREENSHOT.stat().st_size > 10_000
    assert_no_external_requests(request_log)
