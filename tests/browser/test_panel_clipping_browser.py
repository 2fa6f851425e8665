"""Nothing in the panel is clipped, at a laptop's 1280x800 and at 1920x1080.

A classifier's panel (six metrics: the slices chart is the widest) is opened in
Voila; at each viewport, on each tab (importance, row, slices), every chart's
``<svg>`` must lie inside the viewport's width and inside every ancestor of it,
up to the panel, that clips its overflow (``overflow`` other than visible): a
chart cut off at its box's edge is what a person saw at 1280 before ("the
slices chart's fifth panel is clipped"). Screenshots of each state are kept.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from ._pages import (
    Laps,
    assert_no_external_requests,
    python_notebook,
    screenshot,
    voila_allowed_requests,
)
from .test_panel_browser import N_ROWS, find_panel

pytestmark = pytest.mark.browser

VOILA_RENDER_TIMEOUT_MS = 180_000
VIEWPORTS = ({"width": 1280, "height": 800}, {"width": 1920, "height": 1080})

_CELLS = [
    """\
import torch

torch.set_num_threads(1)

import namwidgets
from namwidgets.datasets import make_additive""",
    f"""\
X, y = make_additive({N_ROWS})
y = (y > y.median()).map({{True: "high", False: "low"}})
model = namwidgets.NAMClassifier(
    hidden_sizes=(32, 32), max_epochs=15, verbose=0, random_state=0,
    interactions=0,
).fit(X, y)""",
    """\
panel = namwidgets.explore(model, X, y)
panel.feature = "smooth"
panel""",
]

# every chart under the panel: the parts of its svg outside the viewport's
# width or outside an ancestor (up to the panel) that clips its overflow
_CLIPPED = """
([root, width]) => {
  const out = [];
  let checked = 0;
  const panel = document.querySelector(root);
  const px = v => v.toFixed(0);
  for (const svg of panel.querySelectorAll('.vega-embed svg, .nam-drag svg')) {
    const r = svg.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;  // not on this tab
    checked += 1;
    const name = (svg.getAttribute('aria-label') || 'svg').slice(0, 60);
    // a title or label drawn outside its own chart's box is cut off too
    for (const t of svg.querySelectorAll('text')) {
      const tb = t.getBoundingClientRect();
      if (!t.textContent.trim() || tb.width === 0) continue;
      if (tb.left < r.left - 1 || tb.right > r.right + 1 ||
          tb.top < r.top - 1 || tb.bottom > r.bottom + 1)
        out.push(`${name}: text "${t.textContent.slice(0, 30)}" at x ` +
                 `${px(tb.left)}-${px(tb.right)} outside its chart ` +
                 `${px(r.left)}-${px(r.right)}`);
    }
    if (r.left < -1 || r.right > width + 1)
      out.push(`${name}: x ${px(r.left)}-${px(r.right)} vs viewport ${width}`);
    const stop = panel.parentElement;
    for (let a = svg.parentElement; a && a !== stop; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflowX === 'visible' && s.overflow === 'visible') continue;
      const b = a.getBoundingClientRect();
      const cls = a.className.toString().slice(0, 40);
      if (r.left < b.left - 1 || r.right > b.right + 1)
        out.push(`${name}: x ${px(r.left)}-${px(r.right)} cut by ` +
                 `${cls} ${px(b.left)}-${px(b.right)}`);
    }
  }
  return {checked, out};
}
"""


def test_nothing_clipped_at_1280_and_1920_in_voila(
    voila_server, page, request_log, screenshot_dir: Path, tmp_path: Path
) -> None:
    lap = Laps("Voila clipping")
    notebook = Path(tmp_path) / "clip_voila.ipynb"
    nbformat.write(python_notebook(_CELLS), notebook)
    page.set_viewport_size(VIEWPORTS[0])
    server = voila_server(notebook)
    page.goto(f"{server.url}/?token={server.token}", wait_until="commit")
    panel = find_panel(page, timeout_ms=VOILA_RENDER_TIMEOUT_MS)
    lap("panel drawn")
    # one edit first: the live charts redraw by data, and their axis labels change
    page.locator(f"{panel.root} button", has_text="Zero").first.click()
    page.wait_for_function(
        "root => /1\\. zero/.test(document.querySelector(root).innerText)",
        arg=panel.root,
        timeout=30_000,
    )
    page.wait_for_timeout(1000)  # the charts' data-only redraws land
    lap("zeroed")
    seen = 0
    for viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        for tab in ("importance", "row", "slices"):
            page.locator(
                f"{panel.root} .widget-toggle-buttons button",
                has_text=re.compile(rf"^\s*{tab}\s*$"),
            ).click()
            detail = panel.charts[2]
            # the detail chart of that tab is drawn (a slices chart has facets)
            page.wait_for_function(
                "scope => { const s = document.querySelector(scope + ' svg');"
                " return s !== null && s.getBoundingClientRect().width > 0; }",
                arg=detail,
                timeout=20_000,
            )
            page.wait_for_timeout(500)  # layout settles after the redraw
            tag = f"clip-{viewport['width']}-{tab}"
            screenshot(page, screenshot_dir, tag, show=None)
            found = page.evaluate(_CLIPPED, [panel.root, viewport["width"]])
            # the shape, feedback and detail charts and the drag widget at least
            assert found["checked"] >= 4, found
            where = f"[{viewport['width']}, {tab}]"
            assert not found["out"], f"{where} clipped: {found['out']}"
            # the check itself can fail: a viewport narrower than the charts
            narrow = page.evaluate(_CLIPPED, [panel.root, 300])
            assert narrow["out"], narrow
            seen += 1
        lap(f"{viewport['width']} checked")
    assert seen == 6
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())
