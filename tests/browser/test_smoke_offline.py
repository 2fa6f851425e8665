"""Smoke test of the browser harness with a stand-in notebook, offline.

The stand-in has what the real panel will have: a slider, an offline
``alt.JupyterChart`` (SVG renderer) and an HTML readout, wired by a Python
observer. These tests prove that, in a real Chromium with no network, the chart
draws in JupyterLab and in Voila and redraws when the slider moves by keyboard.
The key-press-to-redraw time is printed (run with ``-s`` to see it); its only
bound is a loose sanity check.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ._pages import (
    Laps,
    assert_no_external_requests,
    find_slider,
    line_paths,
    measure_key_to_redraw_ms,
    open_notebook_in_lab,
    report_key_timings,
    run_all_cells_in_lab,
    screenshot,
    text_of,
    voila_allowed_requests,
    wait_for_chart,
)
from ._standin import METRIC_PREFIX, SLIDER_DESCRIPTION, write_standin_notebook

pytestmark = pytest.mark.browser

KEY_PRESSES = 3
METRIC = f".widget-html-content:has-text('{METRIC_PREFIX.strip()}')"


def _drive_slider(page, label: str) -> list[float]:
    """Press ArrowRight KEY_PRESSES times; check each redraw; return the timings."""
    slider = find_slider(page, SLIDER_DESCRIPTION)
    paths_before = line_paths(page)
    metric_before = text_of(page, METRIC)
    assert len(paths_before) == 1 and paths_before[0], paths_before
    assert metric_before.startswith(METRIC_PREFIX), metric_before

    timings = []
    for _ in range(KEY_PRESSES):
        timings.append(measure_key_to_redraw_ms(page, slider, "ArrowRight"))
    # The HTML is updated in the same observer call, just after the chart.
    page.locator(METRIC).filter(has_not_text=metric_before).wait_for(timeout=20_000)

    paths_after = line_paths(page)
    metric_after = text_of(page, METRIC)
    assert len(paths_after) == 1
    assert paths_after[0] != paths_before[0]
    assert metric_after.startswith(METRIC_PREFIX)
    assert metric_after != metric_before
    # 1.0 -> 1.3: the mean |y| grows by 30 %.
    before = float(metric_before.removeprefix(METRIC_PREFIX))
    after = float(metric_after.removeprefix(METRIC_PREFIX))
    assert after == pytest.approx(before * 1.3, rel=1e-3)

    report_key_timings(label, "slider key -> chart path changed", timings)
    return timings


def test_jupyterlab_renders_and_reacts_offline(
    jupyter_lab, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("JupyterLab")
    name = write_standin_notebook(jupyter_lab.root_dir, "standin_lab.ipynb").name
    open_notebook_in_lab(page, jupyter_lab.url, jupyter_lab.token, name)
    lap("page loaded, kernel idle")
    run_all_cells_in_lab(page)
    wait_for_chart(page)
    page.locator(".vega-embed .mark-line path").first.wait_for(state="attached")
    lap("cells run, chart drawn")
    # An SVG node has no innerText.
    title = page.locator(".vega-embed .role-title").first.text_content()
    assert title == "scale * sin(x)"
    screenshot(page, screenshot_dir, "lab-standin-before")

    _drive_slider(page, "JupyterLab")
    lap("slider moved 3 steps, checked")

    screenshot(page, screenshot_dir, "lab-standin-after")
    assert_no_external_requests(request_log)


def test_voila_renders_and_reacts_offline(
    voila_server, page, request_log, screenshot_dir: Path, tmp_path: Path
) -> None:
    lap = Laps("Voila")
    notebook = write_standin_notebook(tmp_path, "standin_voila.ipynb")
    server = voila_server(notebook)
    lap("server up")
    page.goto(f"{server.url}/?token={server.token}", wait_until="domcontentloaded")
    lap("page answered")
    wait_for_chart(page, timeout_ms=120_000)
    page.locator(".vega-embed .mark-line path").first.wait_for(state="attached")
    lap("chart drawn")
    screenshot(page, screenshot_dir, "voila-standin-before")

    _drive_slider(page, "Voila")
    lap("slider moved 3 steps, checked")

    screenshot(page, screenshot_dir, "voila-standin-after")
    print("[Voila] external requests:", request_log.external)
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())
