// namwidgets: drag a knot, the region or a bar on a term's chart (plain SVG,
// no dependencies).
//
// In: x (grid), values (the current curve), original, knots_x, knots_y,
// region, shift_x / shift_unit (the region's shift as knots), y_domain,
// width, height, overlay. While a knot (or the region's curve) is dragged the
// curve is redrawn here, with no round trip to Python: the preview adds the
// piecewise-linear offset that the session's Knots edit adds (np.interp
// through the knots, held at the end knots' offsets beyond them). On release
// one commit is sent: drag = {kind: "knot", index, value (the knot's
// offset), seq} or {kind: "shift", value (the region's offset), seq}.
//
// A categorical term (levels, level_values, level_original): one bar per
// level, dragged up or down; release sends {kind: "level", level, value (the
// level's new contribution), seq}.
//
// overlay = false: the widget draws its own plot (axes, margins).
// overlay = true: it lies over the shape chart that shares its grid cell (a
// ".nam-shape-overlay" box) and draws in that chart's pixels: both scales
// come from the chart's own axes (re-read whenever the chart redraws, as its
// y domain moves after an edit), the widget is transparent to the pointer
// but for its knots, the region's curve and handle, and the bars, so that a
// drag on empty plot area reaches Vega's brush underneath; the curve is
// drawn only while it is dragged (the chart draws it otherwise). When the
// chart or its axes cannot be read, nothing is drawn (root data-mode
// "hidden"): the chart and the knot sliders work as without it.
const NS = "http://www.w3.org/2000/svg";
const M = { left: 44, right: 10, top: 8, bottom: 22 };
// Vega draws axes half a pixel off the marks (crisp lines: an axis group's
// translate, 0.5 by default), and a "middle" baseline label 0.3 font sizes
// (rounded) below its tick: undone here, checked against the ticks
const CRISP = 0.5, MIDDLE = 0.3;
// knots and the dragged bar; the dragged curve in the chart's edited colour
const ACCENT = "#e45756", EDITED = "#e8590c", REGION = "#f2c14e";

function el(name, attrs, parent) {
  const node = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.appendChild(node);
  return node;
}

// np.interp(x, xp, fp) for increasing xp, held at the ends
function interp(x, xp, fp) {
  const n = xp.length;
  if (x <= xp[0]) return fp[0];
  if (x >= xp[n - 1]) return fp[n - 1];
  let j = 1;
  while (xp[j] < x) j++;
  const t = (x - xp[j - 1]) / (xp[j] - xp[j - 1]);
  return fp[j - 1] + t * (fp[j] - fp[j - 1]);
}

// plain numbers only ("1,000" read as 1000; "10k" or dates: NaN)
function number(text) {
  const t = (text || "").replace("\u2212", "-").replace(/,/g, "").trim();
  return /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? parseFloat(t) : NaN;
}

// the least-squares line px = a + b * value through [px, value] points
function fit(pts) {
  if (pts.length < 2) return null;
  const n = pts.length;
  const mp = pts.reduce((s, p) => s + p[0], 0) / n;
  const mv = pts.reduce((s, p) => s + p[1], 0) / n;
  let num = 0, den = 0;
  for (const [p, v] of pts) {
    num += (v - mv) * (p - mp);
    den += (v - mv) * (v - mv);
  }
  const b = num / den, a = mp - b * mv;
  return Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? { a, b } : null;
}

// one axis ("x" or "y") of a Vega chart's SVG: {a, b} (screen px = a + b *
// value), or null when it has no numeric labels
function axisMap(chart, which) {
  const axis = Array.from(chart.querySelectorAll(".role-axis")).find((a) =>
    (a.getAttribute("aria-label") || "").toLowerCase().includes(which + "-axis"));
  if (!axis) return null;
  const labels = Array.from(axis.querySelectorAll(".role-axis-label text"));
  const values = labels.map((t) => number(t.textContent));
  if (labels.length < 2 || values.some((v) => !Number.isFinite(v))) return null;
  const at = (node) => node.getScreenCTM();
  const px = labels.map((t) => {
    const m = at(t);
    if (which === "x") return m.e - CRISP * m.a;
    const size = parseFloat(t.getAttribute("font-size")) || 11;
    return m.f - (CRISP + Math.round(MIDDLE * size)) * m.d;
  });
  // the ticks are rounded to whole pixels: the labels must agree to 1 px,
  // else (another Vega's layout) the ticks are the scale
  const ticks = Array.from(axis.querySelectorAll(".role-axis-tick line")).map((l) =>
    which === "x" ? at(l).e : at(l).f);
  const agree = ticks.length === px.length &&
    px.every((p, i) => Math.abs(p - ticks[i]) <= 1.01);
  const use = agree || ticks.length !== px.length ? px : ticks;
  return fit(use.map((p, i) => [p, values[i]]));
}

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "nam-drag";
  host.appendChild(root);
  const svg = el("svg", {}, null);
  root.appendChild(svg);
  // map: the chart's scales in this SVG's pixels (overlay), or null;
  // pending: a commit sent, the preview kept until the chart and the data
  // have both come back from the session
  const state = { dragging: null, seq: 0, map: null, pending: null, box: null };

  // --- the chart under the overlay ---------------------------------------
  function chartOf() {
    const box = host.closest(".nam-shape-overlay");
    if (!box) return [null, null];
    const chart = Array.from(box.querySelectorAll(".vega-embed svg")).find(
      (s) => !root.contains(s));
    return [box, chart || null];
  }

  // the chart's plot area, scales and (categorical) bars, in the chart
  // SVG's pixels; null where they cannot be read
  function readChart(chart) {
    const rect = chart.getBoundingClientRect();
    const frame = chart.querySelector(".role-frame.root > g > path.background");
    if (!frame || rect.width === 0) return null;
    const f = frame.getBoundingClientRect();
    if (f.width < 10 || f.height < 10) return null;
    const plot = { l: f.left - rect.left, t: f.top - rect.top,
      r: f.right - rect.left, b: f.bottom - rect.top };
    const y = axisMap(chart, "y");
    if (!y) return null;
    const map = { w: rect.width, h: rect.height, plot,
      y: { a: y.a - rect.top, b: y.b }, x: null, bars: null };
    if (model.get("levels").length) {
      // the chart's own bars, in its order of levels (the shape dataset's)
      const bars = Array.from(chart.querySelectorAll(".shape_bars_marks path")).map(
        (p) => { const b = p.getBoundingClientRect();
          return { l: b.left - rect.left, w: b.width }; });
      if (bars.length !== model.get("levels").length) return null;
      map.bars = bars;
    } else {
      const x = axisMap(chart, "x");
      if (!x || x.b <= 0) return null;
      map.x = { a: x.a - rect.left, b: x.b };
    }
    return y.b < 0 ? map : null;
  }

  const close = (p, q) => Math.abs(p - q) < 0.05;
  function sameMap(p, q) {
    if (!p || !q) return p === q;
    const lin = (u, v) => (!u && !v) || (u && v && close(u.a, v.a) &&
      Math.abs(u.b - v.b) <= 1e-6 * Math.abs(v.b));
    const bars = (u, v) => (!u && !v) || (u && v && u.length === v.length &&
      u.every((b, i) => close(b.l, v[i].l) && close(b.w, v[i].w)));
    return close(p.w, q.w) && close(p.h, q.h) && ["l", "t", "r", "b"].every(
      (k) => close(p.plot[k], q.plot[k])) && lin(p.x, q.x) && lin(p.y, q.y) &&
      bars(p.bars, q.bars);
  }

  let watched = null;
  function watch(box) {
    if (watched === box) return;
    watched = box;
    // a redraw of the chart (not of this widget): align at the next frame
    new MutationObserver((records) => {
      if (records.every((r) => root.contains(r.target))) return;
      if (state.pending) {
        state.pending.chart = true;
        settle();
      }
      schedule();
    }).observe(box, { subtree: true, childList: true, attributes: true,
      characterData: true });
    if (window.ResizeObserver) new ResizeObserver(schedule).observe(box);
  }

  let queued = false;
  function schedule() {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; align(); });
  }

  function align() {
    if (state.dragging) return;
    let map = null;
    if (model.get("overlay")) {
      const [box, chart] = chartOf();
      if (box) watch(box);
      if (chart) {
        map = readChart(chart);
        if (map) {
          // this SVG over the chart's, pixel for pixel
          const h = host.getBoundingClientRect(), c = chart.getBoundingClientRect();
          const pos = [c.left - h.left, c.top - h.top];
          svg.style.left = pos[0] + "px";
          svg.style.top = pos[1] + "px";
        }
      }
    }
    if (!sameMap(map, state.map)) {
      state.map = map;
      draw();
    }
  }

  // --- scales ----------------------------------------------------------------
  function mode() {
    if (!model.get("overlay")) return "alone";
    return state.map ? "overlay" : "hidden";
  }

  function scales() {
    const [y0, y1] = model.get("y_domain");
    const x = model.get("x"), dom = model.get("x_domain");
    let x0 = x.length ? x[0] : 0, x1 = x.length ? x[x.length - 1] : 1;
    if (dom.length === 2) [x0, x1] = dom;
    const map = state.map;
    if (mode() === "overlay") {
      const sx = map.x ? (v) => map.x.a + map.x.b * v : null;
      const sy = (v) => map.y.a + map.y.b * v;
      return { w: map.w, h: map.h, sx, sy, perPx: 1 / Math.abs(map.y.b), x0, x1,
        y0, y1, plot: map.plot };
    }
    const w = model.get("width"), h = model.get("height");
    const sx = (v) => M.left + ((v - x0) / (x1 - x0 || 1)) * (w - M.left - M.right);
    const sy = (v) => M.top + ((y1 - v) / (y1 - y0 || 1)) * (h - M.top - M.bottom);
    const perPx = (y1 - y0 || 1) / (h - M.top - M.bottom);
    const plot = { l: M.left, t: M.top, r: w - M.right, b: h - M.bottom };
    return { w, h, sx, sy, perPx, x0, x1, y0, y1, plot };
  }

  function pathOf(xs, ys, s) {
    let d = "";
    for (let i = 0; i < xs.length; i++) {
      d += (i ? "L" : "M") + s.sx(xs[i]).toFixed(2) + "," + s.sy(ys[i]).toFixed(2);
    }
    return d;
  }

  // --- drawing ---------------------------------------------------------------
  let parts = null;
  function draw() {
    const m = mode();
    root.dataset.mode = m;
    root.dataset.aligned = String(m === "overlay");
    svg.innerHTML = "";
    parts = null;
    const over = m === "overlay", above = m !== "alone";
    // over the chart (drawn or hidden): on top of it, and transparent to the
    // pointer but for the handles (each sets its own pointer-events)
    host.style.position = above ? "relative" : "";
    host.style.zIndex = above ? "1" : "";
    host.style.pointerEvents = above ? "none" : "";
    host.style.overflow = above ? "visible" : "";
    svg.style.position = over ? "absolute" : "";
    svg.style.pointerEvents = over ? "none" : "";
    svg.style.overflow = "visible";
    svg.style.display = m === "hidden" ? "none" : "";
    if (m === "hidden") return;
    const s = scales();
    svg.setAttribute("width", s.w);
    svg.setAttribute("height", s.h);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", model.get("levels").length
      ? "drag a bar up or down to set its level's value"
      : "drag a knot, or the curve in the region, up or down to reshape the curve");
    if (!over) drawAxes(s);
    if (model.get("levels").length) {
      drawBars(s, over);
      return;
    }
    const xs = model.get("x");
    if (!xs.length) return; // nothing to drag (a pair term)
    const clip = "nam-drag-clip-" + Math.random().toString(36).slice(2);
    const defs = el("defs", {}, svg);
    el("rect", { x: s.plot.l, y: s.plot.t, width: s.plot.r - s.plot.l,
      height: s.plot.b - s.plot.t }, el("clipPath", { id: clip }, defs));
    const region = model.get("region");
    const canShift = model.get("shift_x").length >= 2;
    let grab = null;
    if (region && region.length === 2) {
      // the band inside the plot (a region may reach past the x window)
      const left = Math.max(s.sx(region[0]), s.plot.l);
      const right = Math.min(s.sx(region[1]), s.plot.r);
      if (!over) {
        const band = el("rect", { class: "nam-drag-region", x: left, y: s.plot.t,
          width: Math.max(right - left, 0), height: s.plot.b - s.plot.t,
          fill: REGION, opacity: 0.18 }, svg);
        if (canShift) {
          band.setAttribute("cursor", "ns-resize");
          band.addEventListener("pointerdown", (ev) => start(ev, -1));
        }
      } else if (canShift && right - left > 2) {
        // the chart draws the band; here: a handle at the band's top and,
        // where the band is the chart's brush (whose drag would move the
        // brush, not start one), the curve inside it (a wide transparent
        // stroke); elsewhere a drag that starts on the curve brushes
        if (model.get("region_curve")) grab = el("path", {
          class: "nam-drag-region-curve", fill: "none", stroke: "transparent",
          "stroke-width": 16, "pointer-events": "stroke", "stroke-linecap": "round",
          cursor: "ns-resize",
          "clip-path": `url(#${clip})` }, svg);
        if (grab) {
          el("title", {}, grab).textContent = "drag the region's curve up or down";
          grab.addEventListener("pointerdown", (ev) => start(ev, -1));
        }
        const hw = Math.min(44, right - left);
        const handle = el("g", { class: "nam-drag-region", cursor: "ns-resize",
          "pointer-events": "all" }, svg);
        el("rect", { x: (left + right - hw) / 2, y: s.plot.t + 1, width: hw, height: 12,
          rx: 6, fill: REGION, stroke: "#b8860b", "stroke-width": 1 }, handle);
        for (const dy of [5, 8]) {
          el("line", { x1: (left + right) / 2 - 8, x2: (left + right) / 2 + 8,
            y1: s.plot.t + 1 + dy, y2: s.plot.t + 1 + dy, stroke: "#8a6d1a" }, handle);
        }
        el("title", {}, handle).textContent = "drag the region up or down";
        handle.addEventListener("pointerdown", (ev) => start(ev, -1));
      }
    }
    const original = model.get("original");
    if (!over && original.length === xs.length) {
      el("path", { class: "nam-drag-original", d: pathOf(xs, original, s), fill: "none",
        stroke: "#bbb", "stroke-dasharray": "4 3", "pointer-events": "none" }, svg);
    }
    // overlay: the curve shows while it is dragged, over the chart's line
    const curve = el("path", { class: "nam-drag-curve",
      d: pathOf(xs, model.get("values"), s), fill: "none",
      stroke: over ? EDITED : "#4c78a8",
      "stroke-width": over ? 2.4 : 2, "pointer-events": "none",
      "clip-path": over ? `url(#${clip})` : "" }, svg);
    const kx = model.get("knots_x"), ky = model.get("knots_y");
    const dots = kx.map((k, i) => {
      // a knot outside the x window is not drawn (its index stays)
      const outside = k < Math.min(s.x0, s.x1) || k > Math.max(s.x0, s.x1);
      const c = el("circle", { class: "nam-drag-knot", "data-index": i, "data-x": k,
        cx: s.sx(k), cy: s.sy(ky[i]), r: over ? 6 : 7, fill: ACCENT, stroke: "white",
        "stroke-width": 2, cursor: "ns-resize", tabindex: -1, "pointer-events": "all",
        visibility: outside ? "hidden" : "visible" }, svg);
      el("title", {}, c).textContent = `knot ${i + 1}: drag up or down`;
      c.addEventListener("pointerdown", (ev) => start(ev, i));
      return c;
    });
    parts = { curve, dots, grab, s, over };
    // a commit on its way: its preview until the data comes back, then the
    // new curve until the chart draws it too
    const p = state.pending;
    if (p && !p.data && p.px) {
      preview(p.px, p.pf);
    } else {
      preview(null, null);
      if (p && over) curve.setAttribute("visibility", "visible");
    }
  }

  function drawAxes(s) {
    const axis = el("g", { class: "nam-drag-axis", "font-size": 10, fill: "#555" }, svg);
    el("line", { x1: M.left, x2: s.w - M.right, y1: s.sy(0), y2: s.sy(0),
      stroke: "#ccc" }, axis);
    for (const v of [s.y0, 0, s.y1]) {
      const t = el("text", { x: M.left - 4, y: s.sy(v) + 3, "text-anchor": "end" }, axis);
      t.textContent = Number(v).toPrecision(2);
    }
    if (!model.get("levels").length) {
      for (const v of [s.x0, s.x1]) {
        const t = el("text", { x: s.sx(v), y: s.h - 6,
          "text-anchor": v === s.x0 ? "start" : "end" }, axis);
        t.textContent = Number(v).toPrecision(3);
      }
    }
  }

  // one bar per level, from 0 to its value: alone, in bands of this plot;
  // overlay, on the chart's bar for the level (drawn while dragged), with a
  // hit area over that bar and a little beyond its end
  function drawBars(s, over) {
    const levels = model.get("levels"), vals = model.get("level_values");
    const orig = model.get("level_original");
    const step = (s.plot.r - s.plot.l) / levels.length;
    const bands = levels.map((_, i) => over
      ? state.map.bars[i]
      : { l: s.plot.l + i * step + step * 0.2, w: step * 0.6 });
    const bars = levels.map((name, i) => {
      const { l, w } = bands[i];
      if (!over && orig.length === levels.length) {
        el("line", { class: "nam-drag-original", x1: l - w / 6, x2: l + w * 7 / 6,
          y1: s.sy(orig[i]), y2: s.sy(orig[i]), stroke: "#999",
          "stroke-dasharray": "4 3", "pointer-events": "none" }, svg);
      }
      const bar = el("rect", { class: "nam-drag-bar", "data-level": name, x: l,
        width: w, fill: over ? ACCENT : "#4c78a8", "fill-opacity": over ? 0.55 : 1,
        "pointer-events": "none" }, svg);
      if (!over) {
        const label = el("text", { x: l + w / 2, y: s.h - 6, "text-anchor": "middle",
          "font-size": 10, fill: "#555", "pointer-events": "none" }, svg);
        label.textContent = name.length > 12 ? name.slice(0, 11) + "\u2026" : name;
      }
      const [top, bottom] = [s.sy(vals[i]), s.sy(0)].sort((a, b) => a - b);
      const hit = over
        ? { x: l, y: top - 8, width: w, height: bottom - top + 16 }
        : { x: s.plot.l + i * step, y: s.plot.t, width: step, height: s.plot.b - s.plot.t };
      const area = el("rect", { class: "nam-drag-bar-hit", "data-index": i,
        "data-level": name, ...hit, fill: "transparent", cursor: "ns-resize",
        "pointer-events": "all" }, svg);
      el("title", {}, area).textContent = `${name}: drag up or down`;
      area.addEventListener("pointerdown", (ev) => start(ev, i));
      return bar;
    });
    parts = { bars, s, over };
    const p = state.pending;
    if (p) previewBar(p.index, p.data ? 0 : p.offset);
    else previewBar(-1, 0);
  }

  // the bars, bar ``index`` moved by ``offset`` (overlay: only it is shown)
  function previewBar(index, offset) {
    const { bars, s, over } = parts;
    const vals = model.get("level_values");
    bars.forEach((b, i) => {
      const v = vals[i] + (i === index ? offset : 0);
      const top = Math.min(s.sy(v), s.sy(0)), bottom = Math.max(s.sy(v), s.sy(0));
      b.setAttribute("y", top.toFixed(2));
      b.setAttribute("height", Math.max(bottom - top, 1).toFixed(2));
      b.setAttribute("data-end", s.sy(v).toFixed(2)); // the value's end, in px
      b.setAttribute("visibility", over && i !== index ? "hidden" : "visible");
    });
  }

  // the curve and the dots plus the offset through knots (px, pf); none:
  // as they are (overlay: the curve hidden, the chart draws it)
  function preview(px, pf) {
    const { curve, dots, grab, s, over } = parts;
    const xs = model.get("x"), ys = model.get("values");
    const kx = model.get("knots_x"), ky = model.get("knots_y");
    const off = (v) => (px ? interp(v, px, pf) : 0);
    const moved = ys.map((v, i) => v + off(xs[i]));
    curve.setAttribute("d", pathOf(xs, moved, s));
    curve.setAttribute("visibility", over && !px ? "hidden" : "visible");
    dots.forEach((c, i) => c.setAttribute("cy", s.sy(ky[i] + off(kx[i]))));
    if (grab) {
      // the region's part of the curve (its ends interpolated)
      const [lo, hi] = model.get("region");
      const inside = xs.map((v, i) => [v, moved[i]]).filter(([v]) => v > lo && v < hi);
      const ends = [lo, hi].map((v) => [v, interp(v, xs, moved)]);
      const pts = [ends[0], ...inside, ends[1]];
      grab.setAttribute("d", pathOf(pts.map((p) => p[0]), pts.map((p) => p[1]), s));
    }
  }

  // --- dragging --------------------------------------------------------------
  function start(ev, index) {
    if (!parts) return;
    ev.preventDefault();
    ev.stopPropagation();
    ev.target.setPointerCapture(ev.pointerId);
    state.pending = null;
    state.dragging = { index, y: ev.clientY, offset: 0, id: ev.pointerId };
    root.dataset.dragging = String(index);
  }

  // the offset of drag ``d`` as knots (px, pf) of a curve
  function knotsOf(d) {
    if (d.index < 0) {
      return [model.get("shift_x"), model.get("shift_unit").map((u) => u * d.offset)];
    }
    const kx = model.get("knots_x");
    return [kx, kx.map((_, i) => (i === d.index ? d.offset : 0))];
  }

  svg.addEventListener("pointermove", (ev) => {
    const d = state.dragging;
    if (!d || ev.pointerId !== d.id || !parts) return;
    d.offset = -(ev.clientY - d.y) * parts.s.perPx;
    if (model.get("levels").length) {
      previewBar(d.index, d.offset);
    } else {
      preview(...knotsOf(d));
    }
  });

  function end(ev) {
    const d = state.dragging;
    if (!d || ev.pointerId !== d.id) return;
    state.dragging = null;
    delete root.dataset.dragging;
    if (d.offset !== 0 && Number.isFinite(d.offset)) {
      state.seq += 1;
      const seq = Date.now() * 1000 + state.seq;
      const levels = model.get("levels");
      const [px, pf] = levels.length ? [null, null] : knotsOf(d);
      // the preview stays until the session's curve is drawn: by the chart
      // (overlay) and in this widget's data
      state.pending = { seq: state.seq, chart: false, data: false, px, pf,
        index: d.index, offset: d.offset };
      model.set("drag", levels.length
        ? { kind: "level", level: levels[d.index],
          value: model.get("level_values")[d.index] + d.offset, seq }
        : d.index < 0
          ? { kind: "shift", value: d.offset, seq }
          : { kind: "knot", index: d.index, value: d.offset, seq });
      model.save_changes();
      // if Python refused the commit nothing comes back: then show the
      // model's curve again
      const sent = state.seq;
      setTimeout(() => {
        if (state.pending && state.pending.seq === sent) {
          state.pending = null;
          redraw();
        }
      }, 3000);
    } else {
      redraw();
    }
  }
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);

  // a commit's preview ends when the new curve is both in the data (then
  // drawn from it) and, overlay, drawn by the chart
  function settle() {
    const p = state.pending;
    if (!p || !p.data || (mode() === "overlay" && !p.chart)) return;
    state.pending = null;
    redraw();
  }

  function redraw() {
    if (state.dragging) return;
    draw();
    schedule();
  }

  // the data traits come together (one message): one redraw for them all
  let dirty = false;
  function onData() {
    if (state.pending) state.pending.data = true;
    if (dirty) return;
    dirty = true;
    queueMicrotask(() => {
      dirty = false;
      redraw();
      settle();
    });
  }
  const DATA = ["x", "values", "original", "knots_x", "knots_y", "y_domain",
    "x_domain", "region", "region_curve", "shift_x", "shift_unit", "levels",
    "level_values", "level_original"];
  for (const name of DATA) model.on("change:" + name, onData);
  for (const name of ["width", "height", "overlay"]) model.on("change:" + name, redraw);
  redraw();
  // the chart embeds asynchronously (and this widget may be attached later)
  for (const ms of [100, 250, 1000, 3000]) setTimeout(schedule, ms);
}

export default { render };
