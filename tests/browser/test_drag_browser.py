"""Dragging on the shape chart itself with a real mouse: JupyterLab, Notebook 7, Voila.

The notebook of ``test_panel_mouse_browser`` (a small NAMRegressor, the panel
on ``smooth``), at 1280x800, offline. The drag widget (``DragCurve``) lies
over the shape chart (``overlay_box``); every drag here starts on what the
chart itself draws. In each front end:

- the drag widget lies over the chart's SVG pixel for pixel, and each of its
  knots sits on the knot the chart draws (x and y within 1.5 px);
- one parametrised drag (:data:`CASES`), mouse down on the chart, several
  moves, mouse up, for: the third knot (up); the region (first a brush on
  empty plot area, which must reach Vega's brush through the overlay and set
  the region to the brushed range, then the curve inside the brush, down);
  the categorical term ``colour``'s second bar (up; before it, each bar of
  the drag widget sits on the chart's bar of that level). Mid-drag, before
  anything reaches the kernel, the dragged part follows the pointer (within
  2 px) and the curve outside it stays; after the release the history gains
  one step of the right kind, the metrics chart's text changes, and the
  chart's own drawn line (or bar) has moved by the dragged amount at that
  point (read from the Vega SVG through the chart's axis ticks);
- before the drags, the shape chart (with the drag widget on it) and the
  metrics chart lie inside the 1280x800 viewport together;
- on a pair term's heatmap the drag widget draws nothing and takes no pointer;
- a click on a point of the row-pick chart sets the row box and the row chart.

Printed (run with ``-s``): per front end, the frame time (a pointer move to
the next animation frame after the drag SVG changed) and the settle time
(mouse up to the metrics chart's text changing), for the knot, region and
bar drags; the knots' distance to the chart's knots; the brush's settle; a
click to the row box changing.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
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
from .test_panel_mouse_browser import VIEWPORT, open_panel, region_readout

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

# --- reading the shape chart (Vega's SVG) and the drag widget over it ---------

_READ = r"""
([chart, drag]) => {
  const svg = document.querySelector(chart + ' svg');
  const pt = (node, x, y) => {
    const m = node.getScreenCTM();
    return [m.a * x + m.c * y + m.e, m.b * x + m.d * y + m.f];
  };
  const centre = (n) => {
    const b = n.getBoundingClientRect();
    return [b.x + b.width / 2, b.y + b.height / 2];
  };
  const box = (n) => {
    const b = n.getBoundingClientRect();
    return {l: b.left, t: b.top, r: b.right, b: b.bottom};
  };
  // an axis from its ticks (whole pixels) and their labels' values: px = a + b v
  const axis = (which) => {
    const g = Array.from(svg.querySelectorAll('.role-axis')).find(a =>
      (a.getAttribute('aria-label') || '').toLowerCase().includes(which + '-axis'));
    if (!g) return null;
    const values = Array.from(g.querySelectorAll('.role-axis-label text')).map(
      t => parseFloat(t.textContent.replace('\u2212', '-').replace(/,/g, '')));
    const px = Array.from(g.querySelectorAll('.role-axis-tick line')).map(
      l => pt(l, 0, 0)[which === 'x' ? 0 : 1]);
    if (values.length !== px.length || values.some(v => !isFinite(v))) return null;
    const n = px.length, mp = px.reduce((s, p) => s + p) / n;
    const mv = values.reduce((s, v) => s + v) / n;
    let num = 0, den = 0;
    values.forEach((v, i) => { num += (v - mv) * (px[i] - mp); den += (v - mv) ** 2; });
    return {a: mp - (num / den) * mv, b: num / den};
  };
  // a path's M/L points, on the screen
  const points = (p) => {
    const d = p.getAttribute('d') || '';
    return Array.from(d.matchAll(/[ML](-?[\d.e+-]+),(-?[\d.e+-]+)/g)).map(
      m => pt(p, +m[1], +m[2]));
  };
  const lines = {};
  for (const p of svg.querySelectorAll('.mark-line path')) {
    const s = /series: (\w+)/.exec(p.getAttribute('aria-label') || '');
    if (s) lines[s[1]] = points(p);
  }
  const bars = {};
  for (const p of svg.querySelectorAll('.mark-rect path')) {
    const label = p.getAttribute('aria-label') || '';
    const c = /^category: ([^;]*);/.exec(label), s = /series: (\w+)/.exec(label);
    if (c && s) bars[c[1] + '|' + s[1]] = box(p);
  }
  const knots = Array.from(svg.querySelectorAll('.mark-symbol path'))
    .filter(m => /knot: /.test(m.getAttribute('aria-label') || '')).map(centre)
    .sort((p, q) => p[0] - q[0]);
  const root = document.querySelector(drag);
  const over = root && root.querySelector('svg');
  const curve = root && root.querySelector('.nam-drag-curve');
  const dragBars = {};
  for (const b of (root ? root.querySelectorAll('.nam-drag-bar') : [])) {
    dragBars[b.dataset.level] = {...box(b), end: pt(b.ownerSVGElement, 0,
      +b.getAttribute('data-end'))[1]};
  }
  return {
    x: axis('x'), y: axis('y'), svg: box(svg), lines, bars, knots,
    mode: root ? root.dataset.mode : null,
    over: over ? box(over) : null,
    dots: root ? Array.from(root.querySelectorAll('.nam-drag-knot'))
      .filter(c => c.getAttribute('visibility') !== 'hidden').map(centre)
      .sort((p, q) => p[0] - q[0]) : [],
    curve: curve ? points(curve) : [],
    dragBars,
  };
}
"""


def read(page, panel: WidgetBox) -> dict:
    """The shape chart's axes, lines, bars and knots, and the drag widget's."""
    return page.evaluate(_READ, [panel.charts[0], f"{panel.root} .nam-drag"])


def y_at(points: list[list[float]], x: float) -> float:
    """The screen y of a polyline (screen points, x increasing) at screen ``x``."""
    assert len(points) > 10, points[:5]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (x - x0) / (x1 - x0) * (y1 - y0)
    raise AssertionError(f"x {x} outside the line {points[0]}..{points[-1]}")


def value_of(chart: dict, py: float) -> float:
    """The contribution at screen y ``py`` on the chart's y axis."""
    return (py - chart["y"]["a"]) / chart["y"]["b"]


def per_px(chart: dict) -> float:
    """Contribution per screen pixel, up, on the chart's y axis."""
    return -1.0 / chart["y"]["b"]


def current_line(chart: dict) -> list[list[float]]:
    """The chart's drawn current curve: the edited line once there is one."""
    edited = chart["lines"].get("edited") or []
    return edited if len(edited) > 10 else chart["lines"]["original"]


def bar_end(chart: dict, level: str) -> float:
    """The screen y of the value end of ``level``'s current bar on the chart."""
    b = chart["bars"].get(f"{level}|edited") or chart["bars"][f"{level}|original"]
    zero = chart["y"]["a"]  # the y of 0
    return b["t"] if abs(b["t"] - zero) > abs(b["b"] - zero) else b["b"]


def element_at(page, x: float, y: float) -> str:
    """The class of the topmost element at a point, and whether it is the overlay's."""
    return page.evaluate(
        """([x, y]) => { const e = document.elementFromPoint(x, y);
          if (!e) return 'none';
          const cls = e.getAttribute('class') || e.tagName;
          return (e.closest('.nam-drag') ? 'drag:' : 'page:') + cls; }""",
        [x, y],
    )


def read_region(page, readout: str) -> tuple[float, float]:
    """The region slider's readout ("lo – hi"), its minus signs read as such."""
    text = page.locator(readout).first.inner_text().replace("\u2212", "-")
    nums = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)]
    assert len(nums) == 2, text
    return nums[0], nums[1]


def check_in_view(page, panel: WidgetBox, label: str) -> None:
    """The shape chart (the drag widget on it) and the metrics chart fit 1280x800."""
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


def wait_overlaid(page, panel: WidgetBox) -> None:
    page.wait_for_function(
        "d => { const r = document.querySelector(d);"
        " return r !== null && r.dataset.mode === 'overlay'; }",
        arg=f"{panel.root} .nam-drag",
        timeout=15_000,
    )


def check_overlaid(page, panel: WidgetBox, label: str) -> None:
    """The drag widget covers the chart's SVG; its knots sit on the chart's."""
    wait_overlaid(page, panel)
    got = read(page, panel)
    for side in ("l", "t", "r", "b"):
        assert got["over"][side] == pytest.approx(got["svg"][side], abs=0.5), got
    assert len(got["knots"]) >= 3, got["knots"]
    assert len(got["dots"]) == len(got["knots"]), got
    off = [
        max(abs(a[0] - b[0]), abs(a[1] - b[1]))
        for a, b in zip(got["knots"], got["dots"])
    ]
    print(
        f"\n[{label}] overlay knots vs the chart's knots: max {max(off):.2f} px "
        f"(x and y, {len(off)} knots)"
    )
    assert max(off) <= 1.5, got


def brush_on_empty_area(page, panel: WidgetBox, label: str, shots: Path, tag: str):
    """Brush 15%-45% of the plot where the overlay is not: Vega's brush sets it."""
    shape = panel.charts[0]
    frame = page.locator(f"{shape} .role-frame path.background").first.bounding_box()
    assert frame is not None and frame["width"] > 100, frame
    x0 = frame["x"] + 0.15 * frame["width"]
    x1 = frame["x"] + 0.45 * frame["width"]
    # a height where the pointer lands on the chart, not on the overlay
    for frac in (0.5, 0.3, 0.7, 0.15, 0.85):
        y = frame["y"] + frac * frame["height"]
        if element_at(page, x0, y).startswith("page:"):
            break
    else:
        raise AssertionError(f"[{label}] no empty plot area at x {x0}")
    chart = read(page, panel)
    lo, hi = ((x - chart["x"]["a"]) / chart["x"]["b"] for x in (x0, x1))
    readout = region_readout(page, panel)
    before = page.locator(readout).first.inner_text()
    t0 = page.evaluate("() => performance.now()")
    page.mouse.move(x0, y)
    page.mouse.down()
    for k in range(1, 11):
        page.mouse.move(x0 + (x1 - x0) * k / 10, y)
        page.wait_for_timeout(40)
    page.mouse.up()
    page.wait_for_function(
        "([s, t]) => document.querySelector(s).textContent !== t",
        arg=[readout, before],
        timeout=20_000,
    )
    ms = page.evaluate("() => performance.now()") - t0
    # the curve in the brush is grabbed now (the region is the user's)
    page.locator(f"{panel.root} .nam-drag-region-curve").wait_for(
        state="attached", timeout=20_000
    )
    page.wait_for_timeout(500)
    got = read_region(page, readout)
    step = (chart["svg"]["r"] - chart["svg"]["l"]) / chart["x"]["b"] / 100
    assert got == pytest.approx((lo, hi), abs=step), (got, lo, hi, step)
    print(
        f"\n[{label}] brush through the overlay: region {got} in {ms:.0f} ms "
        "(press, 10 moves, release -> region readout)"
    )
    screenshot(page, shots, f"{tag}-region-brushed", show=None)


@dataclass(frozen=True)
class DragCase:
    """One kind of drag on the chart: what is grabbed, how far, what follows."""

    kind: str  # "knot", "region" or "bar"
    dy: float  # the pointer's move in screen px (negative: up)
    step: str  # the history entry's text


CASES = (
    DragCase("knot", -LIFT_PX, "knots"),
    DragCase("region", LIFT_PX, "knots"),
    DragCase("bar", -LIFT_PX, "set_category_value colour(category="),
)


_GRAB_REGION = """
(drag) => {
  // a point on the curve inside the region, on the screen, that no knot
  // covers: 40% along it, or 60%, ...
  const p = document.querySelector(drag + ' .nam-drag-region-curve');
  const m = p.getScreenCTM();
  for (const f of [0.4, 0.6, 0.75, 0.25]) {
    const q = p.getPointAtLength(f * p.getTotalLength());
    const [x, y] = [m.a * q.x + m.e, m.d * q.y + m.f];
    if (document.elementFromPoint(x, y) === p) return [x, y];
  }
  return null;
}
"""


def pick_colour(page, panel: WidgetBox) -> str:
    """Select the term ``colour``; return its second level's name."""
    terms = page.locator(f"{panel.root} .widget-select select")
    option = next(
        o for o in terms.locator("option").all_text_contents() if "colour" in o
    )
    terms.select_option(label=option)
    hit = page.locator(f"{panel.root} .nam-drag-bar-hit[data-index='1']")
    hit.wait_for(state="attached", timeout=20_000)
    wait_overlaid(page, panel)
    page.wait_for_timeout(500)
    return hit.get_attribute("data-level") or ""


def check_bars_on_the_charts(page, panel: WidgetBox, label: str) -> None:
    """Each bar of the drag widget lies on the chart's bar of its level (1.5 px)."""
    got = read(page, panel)
    assert len(got["dragBars"]) >= 2, got["dragBars"]
    worst = 0.0
    for level, mine in got["dragBars"].items():
        theirs = got["bars"][f"{level}|original"]
        for side in ("l", "r", "t", "b"):
            worst = max(worst, abs(mine[side] - theirs[side]))
    print(f"\n[{label}] drag bars vs the chart's bars: max {worst:.2f} px")
    assert worst <= 1.5, got


def check_drag(page, panel: WidgetBox, label: str, shots: Path, tag: str, case):
    """Grab ``case``'s part of the chart, move it by ``case.dy``, release."""
    metrics = panel.charts[1]
    drag = f"{panel.root} .nam-drag"
    level = ""
    if case.kind == "region":
        brush_on_empty_area(page, panel, label, shots, tag)
    if case.kind == "bar":
        level = pick_colour(page, panel)
        check_bars_on_the_charts(page, panel, label)
    page.locator(panel.charts[0]).scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    before = read(page, panel)
    if case.kind == "knot":
        x0, y0 = before["knots"][KNOT]
    elif case.kind == "region":
        grab = page.evaluate(_GRAB_REGION, drag)
        assert grab is not None, f"[{label}] the region's curve is covered"
        x0, y0 = grab
    else:
        b = before["bars"][f"{level}|original"]
        x0, y0 = (b["l"] + b["r"]) / 2, (b["t"] + b["b"]) / 2
    # the press lands on the drag widget's handle, where the chart draws it
    hit = element_at(page, x0, y0)
    handle = {"knot": "nam-drag-knot", "region": "nam-drag-region-curve"}
    assert hit == f"drag:{handle.get(case.kind, 'nam-drag-bar-hit')}", hit

    def drawn(chart: dict) -> float:
        """The screen y of the dragged thing at ``x0``, as the chart draws it."""
        if case.kind == "bar":
            return bar_end(chart, level)
        return y_at(current_line(chart), x0)

    value0 = value_of(before, drawn(before))
    entries = page.locator(f"{panel.root} .nam-history-entry")
    n_before = entries.count()
    metrics_before = svg_text(page, metrics)
    page.evaluate(_ARM_PROBE, [drag, metrics])
    page.mouse.move(x0, y0)
    page.mouse.down()
    for k in range(1, STEPS + 1):
        page.mouse.move(x0, y0 + case.dy * k / STEPS)
        page.wait_for_timeout(30)
        if k == STEPS // 2:
            mid = read(page, panel)
            moved = case.dy * k / STEPS
            # the dragged part follows the pointer, before anything reaches
            # the kernel (the drag widget draws it over the chart) ...
            if case.kind == "bar":
                end0 = before["dragBars"][level]["end"]
                assert mid["dragBars"][level]["end"] == pytest.approx(
                    end0 + moved, abs=2
                ), (before["dragBars"], mid["dragBars"])
            else:
                y_mid = y_at(mid["curve"], x0)
                assert y_mid == pytest.approx(drawn(before) + moved, abs=2), (
                    y_mid,
                    drawn(before),
                    moved,
                )
                # ... and the curve's start, outside the knot's or the
                # region's reach, stays where the chart draws it
                assert mid["curve"][0][1] == pytest.approx(
                    y_at(current_line(before), mid["curve"][0][0] + 1e-6), abs=1.5
                )
            screenshot(page, shots, f"{tag}-{case.kind}-mid-drag", show=None)
    page.mouse.up()
    entry = entries.nth(n_before)
    entry.wait_for(state="attached", timeout=20_000)
    text = entry.text_content() or ""
    step = case.step + (level if case.kind == "bar" else "")
    assert step in text, text
    page.wait_for_function("() => window.__nwKnot.changes.length > 0", timeout=20_000)
    page.wait_for_timeout(1_000)  # whatever else comes back from the kernel
    probe = page.evaluate("() => window.__nwKnot")
    # one release, one history step (a trailing second metrics change is a
    # redraw, not a second edit)
    assert entries.count() == n_before + 1, entries.all_text_contents()
    assert probe["metrics"] != metrics_before
    frames = probe["frames"]
    assert frames, probe
    settle = max(probe["changes"][-1] - probe["upAt"], 0.0)
    first = probe["changes"][0] - probe["upAt"]
    print(
        f"\n[{label}] {case.kind} drag: frame ms median "
        f"{statistics.median(frames):.1f} (max {max(frames):.1f}, {len(frames)} "
        f"frames); settle ms (mouse up -> metrics text) first {first:.0f}, "
        f"last {settle:.0f}"
    )
    screenshot(page, shots, f"{tag}-{case.kind}-released", show=None)
    # the chart itself now draws the dragged amount there (its y axis may
    # have moved: read through its new ticks)
    after = read(page, panel)
    want = value0 - case.dy * per_px(before)
    got = value_of(after, drawn(after))
    tol = 2 * max(per_px(before), per_px(after))
    assert got == pytest.approx(want, abs=tol), (case.kind, value0, want, got, tol)
    if case.kind != "bar":
        # the curve's start, outside the drag's reach, did not move
        start = before["lines"]["original"][0][0] + 1
        assert value_of(after, y_at(current_line(after), start)) == pytest.approx(
            value_of(before, y_at(current_line(before), start)), abs=tol
        )
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


def check_pair_left_alone(page, panel: WidgetBox, label: str) -> None:
    """A pair term's heatmap: nothing of the drag widget on it, the pointer free."""
    terms = page.locator(f"{panel.root} .widget-select select")
    option = next(
        o for o in terms.locator("option").all_text_contents() if "(pair)" in o
    )
    terms.select_option(label=option)
    drag = f"{panel.root} .nam-drag"
    page.wait_for_function(
        "d => document.querySelectorAll(d + ' .nam-drag-knot, '"
        " + d + ' .nam-drag-bar-hit, ' + d + ' .nam-drag-region').length === 0",
        arg=drag,
        timeout=20_000,
    )
    page.wait_for_timeout(500)
    frame = page.locator(f"{panel.charts[0]} .role-frame path.background").first
    b = frame.bounding_box()
    assert b is not None
    for fx, fy in ((0.25, 0.25), (0.5, 0.5), (0.75, 0.75)):
        hit = element_at(page, b["x"] + fx * b["width"], b["y"] + fy * b["height"])
        assert hit.startswith("page:"), f"[{label}] {option}: {hit}"


def check_drags(page, panel: WidgetBox, label: str, shots: Path, tag: str):
    check_in_view(page, panel, label)
    check_overlaid(page, panel, label)
    for case in CASES:
        check_drag(page, panel, label, shots, tag, case)
    check_pair_left_alone(page, panel, label)
    check_row_pick(page, panel, label, shots, tag)


def test_drags_on_the_shape_chart_in_jupyterlab(
    jupyter_lab, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("JupyterLab drag")
    panel = open_panel("lab", jupyter_lab, page, "drag")
    lap("panel drawn")
    check_drags(page, panel, "JupyterLab", screenshot_dir, "lab")
    lap("checked")
    assert_no_external_requests(request_log)


def test_drags_on_the_shape_chart_in_notebook7(
    notebook7, page, request_log, screenshot_dir: Path
) -> None:
    lap = Laps("Notebook 7 drag")
    panel = open_panel("nb7", notebook7, page, "drag")
    lap("panel drawn")
    check_drags(page, panel, "Notebook 7", screenshot_dir, "nb7")
    lap("checked")
    assert_no_external_requests(request_log)


def test_drags_on_the_shape_chart_in_voila(
    voila_server, page, request_log, screenshot_dir: Path, tmp_path: Path
) -> None:
    lap = Laps("Voila drag")
    panel = open_panel("voila", voila_server, page, "drag", tmp_path)
    lap("panel drawn")
    check_drags(page, panel, "Voila", screenshot_dir, "voila")
    lap("checked")
    assert_no_external_requests(request_log, allowed=voila_allowed_requests())
