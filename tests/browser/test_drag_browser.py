"""Dragging a knot on the curve with a real mouse: JupyterLab, Notebook 7, Voila.

The notebook of ``test_panel_mouse_browser`` (a small NAMRegressor, the panel
on ``smooth``), at 1280x800, offline. In each front end: mouse down on the
third knot of the drag widget (``DragCurve``), several moves up, mouse up;
then the same down on the shaded region; then on the categorical term
``colour``, the same on one level's bar; then on the row tab, a click on a
point of the row-pick chart.

- before the drags, every knot of the drag widget sits under the same knot
  drawn on the shape chart (within 3 px: the widget takes the chart's pixel
  scale);

- mid-drag, before anything reaches the kernel, the knot's dot and the curve
  at the knot have moved up with the pointer (the browser redraws alone); for
  the region, the curve inside it moved down with the pointer, its start
  outside did not;
- after each release the history gains a "knots" step and the metrics
  chart's text changes;
- before the drags, the shape chart, the drag widget and the metrics chart
  lie inside the 1280x800 viewport together;
- mid bar drag the bar's end follows the pointer (within 2 px); after the
  release a "set_category_value colour" step and the metrics text changes;
- a click on a point sets the row number box to that point's row and the
  row chart to that row.

Printed (run with ``-s``): per front end, the frame time (a pointer move to
the next animation frame after the SVG changed) and the settle time (mouse up
to the metrics chart's text changing), for the knot, region and bar drags;
the knots' distance to the chart's x; a click to the row box changing.
"""

from __future__ import annotations

import re
import statistics
from pathlib import Path

import pytest

from ._pages import (
    Laps,
    WidgetBox,
    assert_no_external_requests,
    screenshot,
    svg_text,
    voila_allowed_requests,
)
from .test_panel_mouse_browser import VIEWPORT, open_panel

pytestmark = pytest.mark.browser

KNOT, LIFT_PX, STEPS = 2, 40, 8

_ARM_PROBE = """
([drag, metrics]) => {
  // frame: pointermove -> the animation frame after the drag SVG changed;
  // settle: pointerup -> the metrics chart's text changing
  const svgText = () => document.querySelector(metrics + ' svg').textContent;
  const probe = {frames: [], upAt: null, changes: [], metrics: svgText(),
                 mutated: false};
  new MutationObserver(() => { probe.mutated = true; }).observe(
    document.querySelector(drag), {subtree: true, childList: true, attributes: true});
  window.addEventListener('pointermove', () => {
    if (probe.upAt !== null) return;
    const t0 = performance.now();
    probe.mutated = false;
    requestAnimationFrame(() => {
      if (probe.mutated) probe.frames.push(performance.now() - t0);
    });
  }, {capture: true});
  window.addEventListener('pointerup', () => {
    if (probe.upAt === null) probe.upAt = performance.now();
  }, {capture: true});
  new MutationObserver(() => {
    const text = svgText();
    if (text !== probe.metrics) {
      probe.metrics = text;
      probe.changes.push(performance.now());
    }
  }).observe(document.querySelector(metrics), {subtree: true, childList: true,
                                               characterData: true});
  window.__nwKnot = probe;
  return true;
}
"""


def curve_y_at(d: str, x: float) -> float:
    """The y of the SVG path ``d`` (M/L points) at the point nearest to ``x``."""
    pts = [(float(a), float(b)) for a, b in re.findall(r"[ML](-?[\d.]+),(-?[\d.]+)", d)]
    assert len(pts) > 10, d[:200]
    return min(pts, key=lambda p: abs(p[0] - x))[1]


def knot_state(page, drag: str) -> dict[str, float | str]:
    """The dragged knot's dot (cx, cy) and the curve's path, as drawn."""
    return page.evaluate(
        """([drag, k]) => {
          const c = document.querySelector(drag + ` .nam-drag-knot[data-index="${k}"]`);
          const d = document.querySelector(drag + ' .nam-drag-curve').getAttribute('d');
          return {cx: +c.getAttribute('cx'), cy: +c.getAttribute('cy'), d};
        }""",
        [drag, KNOT],
    )


def check_knot_drag(page, panel: WidgetBox, label: str, shots: Path, tag: str):
    """Drag knot ``KNOT`` up by ``LIFT_PX``; the curve follows, the release edits."""
    metrics = panel.charts[1]
    drag = f"{panel.root} .nam-drag"
    knot = page.locator(f"{drag} .nam-drag-knot[data-index='{KNOT}']")
    knot.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    entries = page.locator(f"{panel.root} .nam-history-entry")
    n_before = entries.count()
    metrics_before = svg_text(page, metrics)
    before = knot_state(page, drag)
    y_knot = curve_y_at(str(before["d"]), float(before["cx"]))
    box = knot.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(_ARM_PROBE, [drag, metrics])
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, STEPS + 1):
        page.mouse.move(x0, y0 - LIFT_PX * k / STEPS)
        page.wait_for_timeout(30)
        if k == STEPS // 2:
            mid = knot_state(page, drag)
            lifted = LIFT_PX * k / STEPS
            # the dot and the curve at the knot follow the pointer, mid-drag
            assert float(mid["cy"]) == pytest.approx(
                float(before["cy"]) - lifted, abs=2
            ), (before, mid)
            y_mid = curve_y_at(str(mid["d"]), float(before["cx"]))
            assert y_mid < y_knot - lifted / 2, (y_knot, y_mid, lifted)
            # and nothing else moved: the far end of the curve stays
            assert str(mid["d"]).split("L")[0] == str(before["d"]).split("L")[0]
            screenshot(page, shots, f"{tag}-knot-mid-drag", show=None)
    page.mouse.up()
    entry = entries.nth(n_before)
    entry.wait_for(state="attached", timeout=20_000)
    assert "knots" in (entry.text_content() or ""), entry.text_content()
    page.wait_for_function("() => window.__nwKnot.changes.length > 0", timeout=20_000)
    page.wait_for_timeout(1_000)  # whatever else comes back from the kernel
    probe = page.evaluate("() => window.__nwKnot")
    assert probe["metrics"] != metrics_before
    frames = probe["frames"]
    assert frames, probe
    settle = max(probe["changes"][-1] - probe["upAt"], 0.0)
    first = probe["changes"][0] - probe["upAt"]
    print(
        f"\n[{label}] knot drag: frame ms median {statistics.median(frames):.1f} "
        f"(max {max(frames):.1f}, {len(frames)} frames); settle ms (mouse up -> "
        f"metrics text) first {first:.0f}, last {settle:.0f}"
    )
    screenshot(page, shots, f"{tag}-knot-released", show=None)
    assert statistics.median(frames) <= 50, frames


def check_region_drag(page, panel: WidgetBox, label: str, shots: Path, tag: str):
    """Drag the shaded region down by ``LIFT_PX``: the curve in it follows."""
    metrics = panel.charts[1]
    drag = f"{panel.root} .nam-drag"
    band = page.locator(f"{drag} .nam-drag-region")
    entries = page.locator(f"{panel.root} .nam-history-entry")
    n_before = entries.count()
    metrics_before = svg_text(page, metrics)
    before = knot_state(page, drag)
    box = band.bounding_box()
    assert box is not None and box["width"] > 50, box
    # a quarter into the band, near its bottom: off the knots' dots
    x0, y0 = box["x"] + 0.25 * box["width"], box["y"] + box["height"] - 6
    inner = (
        page.evaluate(
            "b => { const r = b.getBoundingClientRect(); "
            "const s = b.ownerSVGElement.getBoundingClientRect(); return r.x - s.x; }",
            band.element_handle(),
        )
        + 0.25 * box["width"]
    )
    y_in = curve_y_at(str(before["d"]), inner)
    page.evaluate(_ARM_PROBE, [drag, metrics])
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, STEPS + 1):
        page.mouse.move(x0, y0 + LIFT_PX * k / STEPS)
        page.wait_for_timeout(30)
        if k == STEPS // 2:
            mid = knot_state(page, drag)
            lowered = LIFT_PX * k / STEPS
            # inside the region the curve follows the pointer down...
            y_mid = curve_y_at(str(mid["d"]), inner)
            assert y_mid == pytest.approx(y_in + lowered, abs=2), (y_in, y_mid)
            # ... and its start, outside the region, stays
            assert str(mid["d"]).split("L")[0] == str(before["d"]).split("L")[0]
            screenshot(page, shots, f"{tag}-region-mid-drag", show=None)
    page.mouse.up()
    entry = entries.nth(n_before)
    entry.wait_for(state="attached", timeout=20_000)
    assert "knots" in (entry.text_content() or ""), entry.text_content()
    page.wait_for_function("() => window.__nwKnot.changes.length > 0", timeout=20_000)
    page.wait_for_timeout(1_000)
    probe = page.evaluate("() => window.__nwKnot")
    assert probe["metrics"] != metrics_before
    frames = probe["frames"]
    assert frames, probe
    settle = max(probe["changes"][-1] - probe["upAt"], 0.0)
    first = probe["changes"][0] - probe["upAt"]
    print(
        f"\n[{label}] region drag: frame ms median {statistics.median(frames):.1f} "
        f"(max {max(frames):.1f}, {len(frames)} frames); settle ms (mouse up -> "
        f"metrics text) first {first:.0f}, last {settle:.0f}"
    )
    screenshot(page, shots, f"{tag}-region-released", show=None)
    assert statistics.median(frames) <= 50, frames


def check_in_view(page, panel: WidgetBox, label: str) -> None:
    """The shape chart, the drag widget and the metrics chart fit 1280x800 at once."""
    page.locator(panel.charts[0]).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    scopes = {
        "shape chart": f"{panel.charts[0]} svg",
        "drag widget": f"{panel.root} .nam-drag svg",
        "metrics chart": f"{panel.charts[1]} svg",
    }
    for name, selector in scopes.items():
        b = page.locator(selector).first.bounding_box()
        assert b is not None, name
        inside = (
            b["x"] >= 0
            and b["y"] >= 0
            and b["x"] + b["width"] <= VIEWPORT["width"]
            and b["y"] + b["height"] <= VIEWPORT["height"]
        )
        assert inside, f"[{label}] the {name} is not inside 1280x800: {b}"


_KNOTS_X = """
([chart, drag]) => {
  // the page x of the knots the shape chart draws (its points whose
  // tooltip names a knot) and of the drag widget's knots, left to right
  const centre = m => {
    const b = m.getBoundingClientRect();
    return b.x + b.width / 2;
  };
  const marks = document.querySelectorAll(chart + ' svg .mark-symbol path');
  const inChart = Array.from(marks)
    .filter(m => /knot: /.test(m.getAttribute('aria-label') || '')).map(centre);
  const inDrag = Array.from(document.querySelectorAll(drag + ' .nam-drag-knot'))
    .filter(c => c.getAttribute('visibility') !== 'hidden').map(centre);
  return {chart: inChart.sort((a, b) => a - b), drag: inDrag.sort((a, b) => a - b)};
}
"""


def check_aligned(page, panel: WidgetBox, label: str) -> None:
    """Each knot of the drag widget sits under the shape chart's knot (3 px)."""
    drag = f"{panel.root} .nam-drag"
    page.wait_for_function(
        "d => document.querySelector(d).dataset.aligned === 'true'",
        arg=drag,
        timeout=10_000,
    )
    knots = page.evaluate(_KNOTS_X, [panel.charts[0], drag])
    assert len(knots["chart"]) >= 3, knots
    assert len(knots["drag"]) == len(knots["chart"]), knots
    off = [abs(a - b) for a, b in zip(knots["chart"], knots["drag"])]
    print(f"\n[{label}] knots vs the chart's knots: max {max(off):.1f} px ({len(off)})")
    assert max(off) <= 3, knots


def bar_state(page, bar: str) -> float:
    """The pixel y of a bar's value end, as drawn."""
    return float(page.locator(bar).get_attribute("data-end") or "nan")


def check_bar_drag(page, panel: WidgetBox, label: str, shots: Path, tag: str):
    """Pick ``colour``; drag its second bar up by ``LIFT_PX``: one history step."""
    metrics = panel.charts[1]
    terms = page.locator(f"{panel.root} .widget-select select")
    option = next(
        o for o in terms.locator("option").all_text_contents() if "colour" in o
    )
    terms.select_option(label=option)
    hit = page.locator(f"{panel.root} .nam-drag-bar-hit[data-index='1']")
    hit.wait_for(state="visible", timeout=20_000)
    hit.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    level = hit.get_attribute("data-level")
    bar = f"{panel.root} .nam-drag-bar[data-level='{level}']"
    drag = f"{panel.root} .nam-drag"
    entries = page.locator(f"{panel.root} .nam-history-entry")
    n_before = entries.count()
    metrics_before = svg_text(page, metrics)
    end0 = bar_state(page, bar)
    box = hit.bounding_box()
    assert box is not None
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(_ARM_PROBE, [drag, metrics])
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, STEPS + 1):
        page.mouse.move(x0, y0 - LIFT_PX * k / STEPS)
        page.wait_for_timeout(30)
        if k == STEPS // 2:
            # the bar's end follows the pointer, before anything reaches Python
            lifted = LIFT_PX * k / STEPS
            assert bar_state(page, bar) == pytest.approx(end0 - lifted, abs=2)
            screenshot(page, shots, f"{tag}-bar-mid-drag", show=None)
    page.mouse.up()
    entry = entries.nth(n_before)
    entry.wait_for(state="attached", timeout=20_000)
    text = entry.text_content() or ""
    assert f"set_category_value colour(category={level}" in text, text
    page.wait_for_function("() => window.__nwKnot.changes.length > 0", timeout=20_000)
    page.wait_for_timeout(1_000)
    probe = page.evaluate("() => window.__nwKnot")
    assert probe["metrics"] != metrics_before
    frames = probe["frames"]
    assert frames, probe
    settle = max(probe["changes"][-1] - probe["upAt"], 0.0)
    first = probe["changes"][0] - probe["upAt"]
    print(
        f"\n[{label}] bar drag: frame ms median {statistics.median(frames):.1f} "
        f"(max {max(frames):.1f}, {len(frames)} frames); settle ms (mouse up -> "
        f"metrics text) first {first:.0f}, last {settle:.0f}"
    )
    screenshot(page, shots, f"{tag}-bar-released", show=None)
    assert statistics.median(frames) <= 50, frames


_A_POINT = """
([scope, current]) => {
  // a point of the row-pick chart that is on top at its centre, not the
  // picked row: its centre and its row (from the mark's aria-label)
  const marks = Array.from(document.querySelectorAll(scope + ' svg .mark-symbol path'));
  for (const m of marks) {
    const b = m.getBoundingClientRect();
    const x = b.x + b.width / 2, y = b.y + b.height / 2;
    const hit = /row: ([0-9,]+)/.exec(m.getAttribute('aria-label') || '');
    if (!hit || document.elementFromPoint(x, y) !== m) continue;
    const row = parseInt(hit[1].replace(/,/g, ''), 10);
    if (row !== current && b.width > 2) return {x, y, row, n: marks.length};
  }
  return {n: marks.length};
}
"""


def check_row_pick(page, panel: WidgetBox, label: str, shots: Path, tag: str):
    """On the row tab, a click on a point picks its row (box and row chart)."""
    page.locator(panel.root).get_by_role("button", name="row", exact=True).click()
    chart = f"{panel.root} .nam-row-pick"
    page.wait_for_function(
        "s => document.querySelectorAll(s + ' svg .mark-symbol path').length > 50",
        arg=chart,
        timeout=20_000,
    )
    box = page.locator(f"{panel.root} .nam-row-picker input")
    current = int(box.input_value())
    page.locator(chart).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    # a click that lands while the chart is being (re)drawn is lost, as it
    # would be for a person: click again, at most three times, and say so
    picker = f"{panel.root} .nam-row-picker input"
    for tries in range(1, 4):
        point = page.evaluate(_A_POINT, [chart, current])
        assert "row" in point, point
        row = int(point["row"])
        t0 = page.evaluate("() => performance.now()")
        page.mouse.click(point["x"], point["y"])
        try:
            page.wait_for_function(
                "([s, r]) => document.querySelector(s).value === String(r)",
                arg=[picker, row],
                timeout=8_000,
            )
            break
        except Exception:  # noqa: BLE001 - playwright's TimeoutError
            screenshot(page, shots, f"{tag}-row-pick-missed-{tries}", show=None)
            if tries == 3:
                raise
    ms = page.evaluate("() => performance.now()") - t0
    try:
        page.wait_for_function(
            "([s, r]) => document.querySelector(s + ' svg').textContent.includes(r)",
            arg=[panel.charts[2], f"Row {row}"],
            timeout=20_000,
        )
    except Exception:  # noqa: BLE001 - say what the row chart shows instead
        screenshot(page, shots, f"{tag}-row-chart-stale", show=None)
        shown = svg_text(page, panel.charts[2])[:300]
        msg = f"[{label}] row {row} picked; the row chart: {shown}"
        raise AssertionError(msg) from None
    print(
        f"\n[{label}] row pick: click -> row box {row} in {ms:.0f} ms "
        f"(click {tries} of 3)"
    )
    screenshot(page, shots, f"{tag}-row-picked", show=None)


def check_drags(page, panel: WidgetBox, label: str, shots: Path, tag: str):
    check_in_view(page, panel, label)
    check_aligned(page, panel, label)
    check_knot_drag(page, panel, label, shots, tag)
    check_region_drag(page, panel, label, shots, tag)
    check_bar_drag(page, panel, label, shots, tag)
    check_row_pick(page, panel, label, shots, tag)


def test_knot_and_region_drag_in_jupyterlab(
    jupyter_lab, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("JupyterLab knot drag")
    panel = open_panel("lab", jupyter_lab, page, "drag")
    lap("panel drawn")
    check_drags(page, panel, "JupyterLab", screenshot_dir, "lab")
    lap("checked")
    assert_no_external_requests(request_log)


def test_knot_and_region_drag_in_notebook7(
    notebook7, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("Notebook 7 knot drag")
    panel = open_panel("nb7", notebook7, page, "drag")
    lap("panel drawn")
    check_drags(page, panel, "Notebook 7", screenshot_dir, "nb7")
    lap("checked")
    assert_no_external_requests(request_log)


def test_knot_and_region_drag_in_voila(
    voila_server, page, request_log, screenshot_dir: Path, tmp_path: Path
) -> None:
    lap = Laps("Voila knot drag")
    panel = open_panel("voila", voila_server, page, "drag", tmp_path)
    lap("panel drawn")
    check_drags(page, panel, "Voila", screenshot_dir, "voila")
    lap("checked")
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())
