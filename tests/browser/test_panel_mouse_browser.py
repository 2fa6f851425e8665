"""The panel under a real mouse, at a laptop's 1280x800: JupyterLab, Notebook 7, Voila.

One generated notebook fits a small NAMRegressor and shows the panel on the
feature ``smooth``. In each front end, offline:

- a mouse drag over the shape chart from 55% to 90% of its x axis (down,
  several moves, up) must leave the brush and the panel's region covering the
  whole dragged range (within a grid step), and "Monotone ↑" must then edit
  that whole range (its history entry names the bounds);
- the metrics chart's text must change after that edit;
- the shape chart and the metrics chart must lie inside the 1280x800 viewport
  together, without scrolling;
- ArrowLeft on the region slider's upper handle must move the drawn brush's
  right edge to the slider's new value, without re-embedding the shape chart;
- on the row tab, with the panel scrolled to its top, the row-pick chart, the
  row's values and its contributions chart (titled with its prediction
  before/after the edits) must all be shown inside 1280x800; typing a new
  value of ``smooth`` for the row (Enter) must redraw the row chart as a
  what-if with a different prediction.

Before the brush, three ArrowLeft presses on the focused "scale" slider handle
(the term's first edit, then two more) must each redraw the shape chart's
lines and the metrics chart's text without re-embedding the shape chart, and
the history must name the slider's value: in Notebook 7 too (its arrow-key
shortcuts took the keys until the panel shipped ``widget/_keys.py``).

Printed (run with ``-s``): per front end, the key-to-redraw times of those
steps (first edit and later), the frame time (a mouse move to the brush drawn
there) and the settle time (mouse up to the region readout showing the
dragged range).
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import nbformat
import pytest

from ._pages import (
    Laps,
    WidgetBox,
    assert_no_external_requests,
    find_slider,
    open_notebook_in_lab,
    open_notebook_in_nb7,
    python_notebook,
    run_all_cells_in_lab,
    screenshot,
    svg_text,
    voila_allowed_requests,
    wait_for_chart,
    wait_for_lab_cells_run,
)
from .test_panel_browser import (
    N_ROWS,
    SCALE_STEP,
    find_panel,
    wait_for_svg_text_change,
)

pytestmark = pytest.mark.browser

VIEWPORT = {"width": 1280, "height": 800}
VOILA_RENDER_TIMEOUT_MS = 180_000
DRAG_FROM, DRAG_TO, DRAG_STEPS = 0.55, 0.90, 10

_CELLS = [
    """\
import torch

torch.set_num_threads(1)

import namwidgets
from namwidgets.datasets import make_additive""",
    f"""\
X, y = make_additive({N_ROWS})
# one real interaction, so the panel has a pair term (the drag test checks that
# nothing of the drag widget lies over its heatmap)
a, b = X["jagged"] - X["jagged"].mean(), X["quadratic"] - X["quadratic"].mean()
y = y + (a * b).fillna(0.0)
model = namwidgets.NAMRegressor(
    hidden_sizes=(32, 32), max_epochs=15, verbose=0, random_state=0,
    interactions=[("jagged", "quadratic")],
).fit(X, y)""",
    """\
panel = namwidgets.explore(model, X, y)
panel.feature = "smooth"
panel""",
]


def write_notebook(folder: Path, name: str) -> Path:
    path = Path(folder) / name
    nbformat.write(python_notebook(_CELLS), path)
    return path


def open_panel(front_end: str, server, page, tag: str, folder: Path | None = None):
    """The notebook's panel, drawn at 1280x800 in one front end.

    ``front_end`` is ``"lab"``, ``"nb7"`` (``server`` a Jupyter server fixture)
    or ``"voila"`` (``server`` the ``voila_server`` factory, the notebook
    written to ``folder``). Returns the panel's :class:`WidgetBox`.
    """
    page.set_viewport_size(VIEWPORT)
    if front_end == "voila":
        voila = server(write_notebook(folder, f"{tag}_voila.ipynb"))
        page.goto(f"{voila.url}/?token={voila.token}", wait_until="commit")
        return find_panel(page, timeout_ms=VOILA_RENDER_TIMEOUT_MS)
    name = write_notebook(server.root_dir, f"{tag}_{front_end}.ipynb").name
    if front_end == "lab":
        open_notebook_in_lab(page, server.url, server.token, name)
        page.evaluate("() => { window.jupyterapp.shell.collapseLeft(); return true; }")
    else:
        open_notebook_in_nb7(page, server.url, server.token, name)
    run_all_cells_in_lab(page)
    wait_for_lab_cells_run(page)
    wait_for_chart(page, count=3)
    return find_panel(page, timeout_ms=60_000)


# --- reading the chart ------------------------------------------------------------

_AXIS_MAP = """
scope => {
  // x axis labels -> (pixel centre, value): a linear map from pixels to data
  const svg = document.querySelector(scope + ' svg');
  const axes = Array.from(svg.querySelectorAll('.role-axis')).filter(
    a => (a.getAttribute('aria-label') || '').toLowerCase().includes('x-axis'));
  const labels = Array.from(axes[0].querySelectorAll('.role-axis-label text'));
  const pts = labels.map(t => {
    const b = t.getBoundingClientRect();
    return [b.x + b.width / 2, parseFloat(t.textContent.replace('\u2212', '-'))];
  }).filter(p => Number.isFinite(p[1]));
  const [a, b] = [pts[0], pts[pts.length - 1]];
  return {slope: (b[1] - a[1]) / (b[0] - a[0]), px: a[0], value: a[1]};
}
"""

_ARM_DRAG_PROBE = """
([scope, readout]) => {
  // frame times: a mousemove -> the next change under the chart (the brush);
  // the region readout's changes, timed, for the settle time after mouseup
  const probe = {frames: [], moveAt: null, upAt: null, changes: [],
                 readout: document.querySelector(readout).textContent};
  // pointer events: Vega's pointerdown handler suppresses the mouse events
  window.addEventListener('pointermove', () => { probe.moveAt = performance.now(); },
                          {capture: true});
  for (const kind of ['pointerup', 'mouseup']) {
    window.addEventListener(kind, () => {
      if (probe.upAt === null) probe.upAt = performance.now();
    }, {capture: true});
  }
  new MutationObserver(() => {
    if (probe.moveAt !== null && probe.upAt === null) {
      probe.frames.push(performance.now() - probe.moveAt);
      probe.moveAt = null;
    }
  }).observe(document.querySelector(scope), {subtree: true, childList: true,
                                             attributes: true});
  new MutationObserver(() => {
    const text = document.querySelector(readout).textContent;
    if (text !== probe.readout) {
      probe.readout = text;
      probe.changes.push(performance.now());
    }
  }).observe(document.querySelector(readout), {subtree: true, childList: true,
                                              characterData: true});
  window.__nwDrag = probe;
  return true;
}
"""


def frame_box(page, scope: str) -> dict[str, float]:
    """The plot area (Vega's frame background) of the chart under ``scope``."""
    box = page.locator(f"{scope} .role-frame path.background").first.bounding_box()
    assert box is not None and box["width"] > 100, box
    return box


def region_readout(page, panel: WidgetBox) -> str:
    """Selector of the region slider's readout ("lo – hi")."""
    sel = f"{panel.root} .nam-region .widget-readout"
    page.locator(sel).first.wait_for(timeout=20_000)
    return sel


def read_region(page, readout: str) -> tuple[float, float]:
    text = page.locator(readout).first.inner_text()
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]
    assert len(nums) == 2, text
    return nums[0], nums[1]


def drag_brush(page, panel: WidgetBox, label: str) -> tuple[float, float, float]:
    """Drag over the shape chart; return (x value at start, at end, grid step)."""
    shape = panel.charts[0]
    page.locator(shape).scroll_into_view_if_needed()
    box = frame_box(page, shape)
    axis = page.evaluate(_AXIS_MAP, shape)
    x0 = box["x"] + DRAG_FROM * box["width"]
    x1 = box["x"] + DRAG_TO * box["width"]
    y = box["y"] + 0.5 * box["height"]

    def value(px: float) -> float:
        return axis["value"] + axis["slope"] * (px - axis["px"])

    readout = region_readout(page, panel)
    page.evaluate(_ARM_DRAG_PROBE, [shape, readout])
    page.mouse.move(x0, y)
    page.mouse.down()
    for k in range(1, DRAG_STEPS + 1):
        page.mouse.move(x0 + (x1 - x0) * k / DRAG_STEPS, y)
        page.wait_for_timeout(60)
    page.mouse.up()
    # (Vega may keep the mouseup from the window: then stamp it now)
    page.evaluate(
        "() => { const p = window.__nwDrag;"
        " if (p.upAt === null) p.upAt = performance.now(); }"
    )
    page.wait_for_function("() => window.__nwDrag.changes.length > 0", timeout=20_000)
    page.wait_for_timeout(1_500)  # whatever else comes back from the kernel
    probe = page.evaluate("() => window.__nwDrag")
    frames = probe["frames"] or [0.0]
    # the readout's last change after the release (<= 0: it was there already)
    settle = max(probe["changes"][-1] - probe["upAt"], 0.0)
    print(
        f"\n[{label}] brush drag: frame ms median {statistics.median(frames):.0f} "
        f"(max {max(frames):.0f}, {len(frames)} frames); "
        f"settle ms (mouse up -> region readout) {settle:.0f}"
    )
    # the brush drawn in the browser covers the whole drag
    brush = page.locator(f"{shape} [class*='brush_brush'] path").first
    b = brush.bounding_box()
    assert b is not None
    assert abs(b["x"] - x0) < 4 and abs(b["x"] + b["width"] - x1) < 4, (b, x0, x1)
    # one grid step: the slider's step (the term's range / 200), or the
    # readout's 3 significant digits, whichever is coarser
    step = abs(axis["slope"]) * box["width"] / 100
    return value(x0), value(x1), step


_ARM_EDIT_PROBE = """
([shape, metrics]) => {
  // a key press on a slider -> the shape chart's lines and the metrics chart's
  // text changing; and whether the shape chart's <svg> is still the same node
  // (a new one: the chart was re-embedded)
  const lines = () => Array.from(
    document.querySelectorAll(shape + ' .mark-line path')).map(
      p => p.getAttribute('d')).join('|');
  const text = () => (document.querySelector(metrics + ' svg') || {}).textContent;
  const probe = {keyAt: null, shapeAt: null, metricsAt: null,
                 lines: lines(), text: text()};
  const svg = document.querySelector(shape + ' svg');
  window.addEventListener('keydown', () => {
    if (probe.keyAt === null) probe.keyAt = performance.now();
  }, {capture: true});
  const watch = () => {
    if (probe.keyAt === null) return;
    const now = performance.now();
    if (probe.shapeAt === null && lines() !== probe.lines) probe.shapeAt = now;
    if (probe.metricsAt === null && text() !== probe.text) probe.metricsAt = now;
  };
  for (const scope of [shape, metrics]) {
    new MutationObserver(watch).observe(document.querySelector(scope),
      {subtree: true, childList: true, attributes: true, characterData: true});
  }
  probe.sameSvg = () => document.querySelector(shape + ' svg') === svg;
  window.__nwEdit = probe;
  return true;
}
"""


def time_scale_steps(page, panel: WidgetBox, label: str, presses: int = 3):
    """Press ArrowLeft on "scale": the term's first edit, then later ones.

    Each press must redraw the shape chart's lines and the metrics chart's text
    without re-embedding the shape chart (its ``<svg>`` stays the same node:
    the edit is written into the shown chart as data). Prints, per press, key
    -> shape lines and key -> metrics text (the settle) in ms.
    """
    shape, metrics = panel.charts[0], panel.charts[1]
    slider = find_slider(page, "scale")
    rows = []
    for k in range(presses):
        page.evaluate(_ARM_EDIT_PROBE, [shape, metrics])
        handle = slider.locator(".noUi-handle")
        handle.scroll_into_view_if_needed()
        handle.focus()
        handle.press("ArrowLeft")
        try:
            page.wait_for_function(
                "() => window.__nwEdit.shapeAt !== null"
                " && window.__nwEdit.metricsAt !== null",
                timeout=20_000,
            )
        except Exception:
            state = page.evaluate(
                "() => { const p = window.__nwEdit; return {key: p.keyAt,"
                " shape: p.shapeAt, metrics: p.metricsAt, same: p.sameSvg()}; }"
            )
            raise AssertionError(f"[{label}] press {k + 1}: {state}") from None
        probe = page.evaluate(
            "() => { const p = window.__nwEdit; return {shape: p.shapeAt - p.keyAt,"
            " metrics: p.metricsAt - p.keyAt, same: p.sameSvg()}; }"
        )
        rows.append(probe)
        assert probe["same"], f"[{label}] press {k + 1} re-embedded the shape chart"
        page.wait_for_timeout(800)  # the debounced trailing redraw, then quiet
    # the session's history took the keyboard's value (steps merge into one)
    expected = 1.0 - presses * SCALE_STEP
    page.locator(
        f"{panel.root} .nam-history-entry", has_text=f"factor={expected:.3g}"
    ).first.wait_for(state="attached", timeout=20_000)
    print(f"\n[{label}] scale key -> shape lines / metrics text (settle), ms:")
    for k, row in enumerate(rows):
        what = "first edit of the term" if k == 0 else "a later step"
        print(f"[{label}]   press {k + 1} ({what}): {row['shape']:.0f} / "
              f"{row['metrics']:.0f}")  # fmt: skip
    return rows


def check_panel(page, panel: WidgetBox, label: str, screenshot_dir: Path, tag: str):
    """Keyboard steps, layout at 1280x800, the brush drag and "Monotone ↑".

    First :func:`time_scale_steps` (keys on a focused slider handle: in
    Notebook 7 too, where the notebook's arrow-key shortcuts took them until
    the panel shipped its guard, ``widget/_keys.py``); after the edit on the
    brushed region, :func:`check_region_keys`; last, :func:`check_what_if`.
    """
    shape, metrics = panel.charts[0], panel.charts[1]
    page.locator(shape).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    screenshot(page, screenshot_dir, f"{tag}-mouse-before", show=None)
    time_scale_steps(page, panel, label)
    lo, hi, step = drag_brush(page, panel, label)
    got = read_region(page, region_readout(page, panel))
    assert got[0] == pytest.approx(lo, abs=step), (got, lo, hi, step)
    assert got[1] == pytest.approx(hi, abs=step), (got, lo, hi, step)
    screenshot(page, screenshot_dir, f"{tag}-mouse-brushed", show=None)

    metrics_before = svg_text(page, metrics)
    page.locator(
        f"{panel.root} button.widget-button", has_text=re.compile(r"^\s*Monotone ↑\s*$")
    ).click()
    entry = page.locator(f"{panel.root} .nam-history-entry", has_text="monotone")
    entry.first.wait_for(state="attached", timeout=20_000)
    text = entry.first.text_content() or ""
    bounds = re.search(r"x_lo=(-?[\d.e-]+), x_hi=(-?[\d.e-]+)", text)
    assert bounds is not None, text
    assert float(bounds.group(1)) == pytest.approx(lo, abs=step), text
    assert float(bounds.group(2)) == pytest.approx(hi, abs=step), text
    # the edit's effect: the metrics chart's text changes
    assert wait_for_svg_text_change(page, metrics, metrics_before) != metrics_before
    screenshot(page, screenshot_dir, f"{tag}-mouse-edited", show=None)
    page.locator(shape).scroll_into_view_if_needed()
    for name, scope in (("shape chart", shape), ("metrics chart", metrics)):
        b = page.locator(f"{scope} svg").first.bounding_box()
        assert b is not None
        inside = (
            b["x"] >= 0
            and b["y"] >= 0
            and b["x"] + b["width"] <= VIEWPORT["width"]
            and b["y"] + b["height"] <= VIEWPORT["height"]
        )
        assert inside, f"[{label}] the {name} is not inside 1280x800: {b}"
    check_region_keys(page, panel, label)
    check_what_if(page, panel, label, screenshot_dir, tag)


def check_region_keys(page, panel: WidgetBox, label: str, presses: int = 10) -> None:
    """ArrowLeft on the region slider's upper handle moves the drawn brush.

    As a data-only redraw: the shape chart's ``<svg>`` stays the same node,
    and the brush's right edge ends at the pixel of the slider's new upper
    value (within 3 px).
    """
    shape = panel.charts[0]
    readout = region_readout(page, panel)
    lo0, hi0 = read_region(page, readout)
    text0 = page.locator(readout).first.text_content()
    page.evaluate(_ARM_EDIT_PROBE, [shape, panel.charts[1]])
    handle = page.locator(f"{panel.root} .nam-region .noUi-handle-upper")
    handle.scroll_into_view_if_needed()
    for _ in range(presses):
        handle.focus()
        handle.press("ArrowLeft")
        page.wait_for_timeout(80)
    page.wait_for_function(
        "([sel, before]) => document.querySelector(sel).textContent !== before",
        arg=[readout, text0],
        timeout=20_000,
    )
    page.wait_for_timeout(1_500)  # the redraw, and the brush's echo, settle
    lo1, hi1 = read_region(page, readout)
    assert lo1 == pytest.approx(lo0) and hi1 < hi0, (lo0, hi0, lo1, hi1)
    assert page.evaluate("() => window.__nwEdit.sameSvg()"), (
        f"[{label}] the region slider re-embedded the shape chart"
    )
    axis = page.evaluate(_AXIS_MAP, shape)
    brush = page.locator(f"{shape} [class*='brush_brush'] path").first.bounding_box()
    assert brush is not None
    right = brush["x"] + brush["width"]
    expected = axis["px"] + (hi1 - axis["value"]) / axis["slope"]
    assert right == pytest.approx(expected, abs=3), (brush, expected, hi1)
    print(f"\n[{label}] region keys: {lo0:.3g}-{hi0:.3g} -> {lo1:.3g}-{hi1:.3g}, "
          f"brush's right edge {right:.0f} px (expected {expected:.0f})")  # fmt: skip


def check_what_if(page, panel: WidgetBox, label: str, screenshot_dir: Path, tag: str):
    """The row tab: type a new value into a row's box; its prediction changes."""
    detail = panel.charts[2]
    page.locator(
        f"{panel.root} .widget-toggle-buttons button",
        has_text=re.compile(r"^\s*row\s*$"),
    ).click()
    page.locator(f"{panel.root} .nam-what-if").wait_for(timeout=20_000)
    page.wait_for_function(
        "scope => document.querySelector(scope + ' svg').textContent.includes('Row 0')",
        arg=detail,
        timeout=20_000,
    )
    check_row_tab_fits(page, panel, label)
    screenshot(page, screenshot_dir, f"{tag}-mouse-row-tab", show=None)
    before = svg_text(page, detail)
    box = page.locator(f"{panel.root} .nam-what-if .widget-text").filter(
        has=page.locator(".widget-label", has_text=re.compile(r"^\s*smooth\s*$"))
    )
    field = box.locator("input")
    field.scroll_into_view_if_needed()
    field.fill("2.5")
    field.press("Enter")
    after = wait_for_svg_text_change(page, detail, before)
    assert "what if smooth=2.5" in after, after
    match = re.search(r"prediction (-?[\d.e+-]+) → (-?[\d.e+-]+)", after)
    assert match is not None and match.group(1) != match.group(2), after
    print(f"\n[{label}] what-if: {match.group(0)}")
    screenshot(page, screenshot_dir, f"{tag}-mouse-what-if", show=None)


_VISIBLE = """
([selector, chart]) => {
  // the element's box, and whether its bottom edge is really shown: what is
  // drawn just above the bottom middle belongs to it (not a status bar)
  const el = document.querySelector(selector);
  const b = el.getBoundingClientRect();
  const top = document.elementFromPoint(b.x + b.width / 2, b.y + b.height - 3);
  const owner = chart ? document.querySelector(chart) : el;
  return {x: b.x, y: b.y, width: b.width, height: b.height,
          shown: top !== null && owner.contains(top)};
}
"""


def check_row_tab_fits(page, panel: WidgetBox, label: str) -> None:
    """On the row tab, with the panel scrolled to its top, at 1280x800: the
    row-pick chart, the row's what-if values and the row's contributions chart
    (its title: the prediction before/after) are all inside the viewport and
    shown (nothing drawn over their bottom edge)."""
    page.locator(panel.root).evaluate("el => el.scrollIntoView({block: 'start'})")
    page.wait_for_timeout(500)
    detail = panel.charts[2]
    parts = {
        "row-pick chart": (f"{panel.root} .nam-row-pick svg", None),
        "what-if values": (f"{panel.root} .nam-what-if", None),
        "contributions chart": (f"{detail} svg", detail),
    }
    for name, (selector, chart) in parts.items():
        b = page.evaluate(_VISIBLE, [selector, chart])
        inside = (
            b["x"] >= 0
            and b["y"] >= 0
            and b["x"] + b["width"] <= VIEWPORT["width"]
            and b["y"] + b["height"] <= VIEWPORT["height"]
        )
        assert inside and b["shown"], f"[{label}] the row tab's {name}: {b}"
    text = svg_text(page, detail)
    heading = r"Row 0 · prediction -?[\d.e+-]+ → -?[\d.e+-]+ after edits"
    assert re.search(heading, text), text


def test_mouse_brush_and_layout_in_jupyterlab(
    jupyter_lab, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("JupyterLab mouse")
    panel = open_panel("lab", jupyter_lab, page, "mouse")
    lap("panel drawn")
    check_panel(page, panel, "JupyterLab", screenshot_dir, "lab")
    lap("checked")
    assert_no_external_requests(request_log)


def test_mouse_brush_and_layout_in_notebook7(
    notebook7, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("Notebook 7 mouse")
    panel = open_panel("nb7", notebook7, page, "mouse")
    lap("panel drawn")
    check_panel(page, panel, "Notebook 7", screenshot_dir, "nb7")
    lap("checked")
    assert_no_external_requests(request_log)


def test_mouse_brush_and_layout_in_voila(
    voila_server, page, request_log, screenshot_dir: Path, tmp_path: Path
) -> None:
    lap = Laps("Voila mouse")
    panel = open_panel("voila", voila_server, page, "mouse", tmp_path)
    lap("panel drawn")
    check_panel(page, panel, "Voila", screenshot_dir, "voila")
    lap("checked")
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())
