// namwidgets: drag a knot on a term's curve (plain SVG, no dependencies).
//
// In: x (grid), values (the current curve), original, knots_x, knots_y,
// region, shift_x / shift_unit (the region's shift as knots), y_domain,
// width, height. While a knot (or the shaded region) is dragged the curve is
// redrawn here, with no round trip to Python: the preview adds the
// piecewise-linear offset that the session's Knots edit adds (np.interp
// through the knots, held at the end knots' offsets beyond them). On release
// one commit is sent: drag = {kind: "knot", index, value (the knot's
// offset), seq} or {kind: "shift", value (the region's offset), seq}.
//
// A categorical term (levels, level_values, level_original): one bar per
// level, dragged up or down; release sends {kind: "level", level, value (the
// level's new contribution), seq}.
//
// The x axis is x_domain (the shape chart's window). When the shape chart
// (a Vega view in an ancestor of this widget) is found, its x axis labels give
// the pixel scale too, so that a knot sits under the chart's curve.
const NS = "http://www.w3.org/2000/svg";
const M = { left: 44, right: 10, top: 8, bottom: 22 };

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

function render({ model, el: host }) {
  const root = document.createElement("div");
  root.className = "nam-drag";
  host.appendChild(root);
  const svg = el("svg", {}, null);
  root.appendChild(svg);
  const state = { dragging: null, seq: 0, map: null };

  // the shape chart's x axis, in this SVG's pixels: {px, value, slope}
  // (value per pixel) from its first and last labels, or null
  function chartMap() {
    // up through the boxes this widget sits in (the panel's), no further: a
    // widget shown on its own takes no other chart's scale
    let node = host.parentElement;
    const inBox = (n) => n && n.classList && n.classList.contains("widget-box");
    while (inBox(node) && !node.querySelector(".vega-embed")) node = node.parentElement;
    const chart = inBox(node) && node.querySelector(".vega-embed svg");
    if (!chart) return null;
    const axis = Array.from(chart.querySelectorAll(".role-axis")).find((a) =>
      (a.getAttribute("aria-label") || "").toLowerCase().includes("x-axis"));
    if (!axis) return null;
    // plain numbers only ("1,000" read as 1000; "10k" or dates: no map)
    const number = (text) => {
      const t = text.replace("\u2212", "-").replace(/,/g, "").trim();
      return /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(t) ? parseFloat(t) : NaN;
    };
    const labels = Array.from(axis.querySelectorAll(".role-axis-label text"));
    if (labels.some((t) => !Number.isFinite(number(t.textContent)))) return null;
    const pts = labels.map((t) => {
      const b = t.getBoundingClientRect();
      return [b.x + b.width / 2, number(t.textContent)];
    });
    if (pts.length < 2) return null;
    const a = pts[0], b = pts[pts.length - 1];
    const slope = (b[1] - a[1]) / (b[0] - a[0]);
    if (!Number.isFinite(slope) || slope <= 0) return null;
    return { px: a[0] - svg.getBoundingClientRect().x, value: a[1], slope };
  }

  function scales() {
    const w = model.get("width"), h = model.get("height");
    const x = model.get("x"), dom = model.get("x_domain");
    const [y0, y1] = model.get("y_domain");
    let x0 = x.length ? x[0] : 0, x1 = x.length ? x[x.length - 1] : 1;
    if (dom.length === 2) [x0, x1] = dom;
    let sx = (v) => M.left + ((v - x0) / (x1 - x0 || 1)) * (w - M.left - M.right);
    const map = model.get("levels").length ? null : state.map;
    let aligned = false;
    if (map) {
      const chartX = (v) => map.px + (v - map.value) / map.slope;
      // only a map that keeps the plot inside this SVG
      if (chartX(x0) >= 0 && chartX(x1) <= w) [sx, aligned] = [chartX, true];
    }
    const sy = (v) => M.top + ((y1 - v) / (y1 - y0 || 1)) * (h - M.top - M.bottom);
    const perPx = (y1 - y0 || 1) / (h - M.top - M.bottom);
    return { w, h, sx, sy, perPx, y0, y1, x0, x1, aligned };
  }

  function pathOf(xs, ys, s) {
    let d = "";
    for (let i = 0; i < xs.length; i++) {
      d += (i ? "L" : "M") + s.sx(xs[i]).toFixed(2) + "," + s.sy(ys[i]).toFixed(2);
    }
    return d;
  }

  let parts = null;
  function draw() {
    const s = scales();
    svg.innerHTML = "";
    root.dataset.aligned = String(s.aligned);
    svg.setAttribute("width", s.w);
    svg.setAttribute("height", s.h);
    svg.setAttribute("role", "img");
    svg.setAttribute("aria-label", "drag a knot up or down to reshape the curve");
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
    if (model.get("levels").length) {
      drawBars(s);
      return;
    }
    const xs = model.get("x");
    const region = model.get("region");
    if (region && region.length === 2) {
      // the band inside the plot (a region may reach past the x window)
      const left = Math.max(s.sx(region[0]), s.sx(s.x0));
      const right = Math.min(s.sx(region[1]), s.sx(s.x1));
      const band = el("rect", { class: "nam-drag-region", x: left, y: M.top,
        width: Math.max(right - left, 0),
        height: s.h - M.top - M.bottom, fill: "#f2c14e", opacity: 0.18 }, svg);
      if (model.get("shift_x").length >= 2) {
        band.setAttribute("cursor", "ns-resize");
        band.addEventListener("pointerdown", (ev) => start(ev, -1));
      }
    }
    const original = model.get("original");
    if (original.length === xs.length) {
      el("path", { class: "nam-drag-original", d: pathOf(xs, original, s), fill: "none",
        stroke: "#bbb", "stroke-dasharray": "4 3", "pointer-events": "none" }, svg);
    }
    const curve = el("path", { class: "nam-drag-curve", d: pathOf(xs, model.get("values"), s),
      fill: "none", stroke: "#4c78a8", "stroke-width": 2, "pointer-events": "none" }, svg);
    const kx = model.get("knots_x"), ky = model.get("knots_y");
    const dots = kx.map((k, i) => {
      // a knot outside the x window is not drawn (its index stays)
      const outside = k < Math.min(s.x0, s.x1) || k > Math.max(s.x0, s.x1);
      const c = el("circle", { class: "nam-drag-knot", "data-index": i, "data-x": k,
        cx: s.sx(k), cy: s.sy(ky[i]), r: 7, fill: "#e45756", stroke: "white",
        "stroke-width": 2, cursor: "ns-resize", tabindex: -1,
        visibility: outside ? "hidden" : "visible" }, svg);
      c.addEventListener("pointerdown", (ev) => start(ev, i));
      return c;
    });
    parts = { curve, dots, s };
  }

  // one bar per level, from 0 to its value; a band-wide hit area grabs it
  function drawBars(s) {
    const levels = model.get("levels"), vals = model.get("level_values");
    const orig = model.get("level_original");
    const band = (s.w - M.left - M.right) / levels.length;
    const bars = levels.map((name, i) => {
      const x = M.left + i * band;
      if (orig.length === levels.length) {
        el("line", { class: "nam-drag-original", x1: x + band * 0.1, x2: x + band * 0.9,
          y1: s.sy(orig[i]), y2: s.sy(orig[i]), stroke: "#999",
          "stroke-dasharray": "4 3", "pointer-events": "none" }, svg);
      }
      const bar = el("rect", { class: "nam-drag-bar", "data-level": name,
        x: x + band * 0.2, width: band * 0.6, fill: "#4c78a8",
        "pointer-events": "none" }, svg);
      const label = el("text", { x: x + band / 2, y: s.h - 6, "text-anchor": "middle",
        "font-size": 10, fill: "#555", "pointer-events": "none" }, svg);
      label.textContent = name.length > 12 ? name.slice(0, 11) + "\u2026" : name;
      const hit = el("rect", { class: "nam-drag-bar-hit", "data-index": i,
        "data-level": name, x, y: M.top, width: band,
        height: s.h - M.top - M.bottom, fill: "transparent", cursor: "ns-resize" }, svg);
      const title = el("title", {}, hit);
      title.textContent = `${name}: drag up or down`;
      hit.addEventListener("pointerdown", (ev) => start(ev, i));
      return bar;
    });
    parts = { bars, s };
    previewBar(-1, 0);
  }

  // the bars, bar ``index`` moved by ``offset``
  function previewBar(index, offset) {
    const { bars, s } = parts;
    const vals = model.get("level_values");
    bars.forEach((b, i) => {
      const v = vals[i] + (i === index ? offset : 0);
      const top = Math.min(s.sy(v), s.sy(0)), bottom = Math.max(s.sy(v), s.sy(0));
      b.setAttribute("y", top.toFixed(2));
      b.setAttribute("height", Math.max(bottom - top, 1).toFixed(2));
      b.setAttribute("data-end", s.sy(v).toFixed(2)); // the value's end, in px
    });
  }

  // the curve and the dots plus the offset through knots (px, pf)
  function preview(px, pf) {
    const { curve, dots, s } = parts;
    const xs = model.get("x"), ys = model.get("values");
    const kx = model.get("knots_x"), ky = model.get("knots_y");
    const moved = ys.map((v, i) => v + interp(xs[i], px, pf));
    curve.setAttribute("d", pathOf(xs, moved, s));
    dots.forEach((c, i) => c.setAttribute("cy", s.sy(ky[i] + interp(kx[i], px, pf))));
  }

  function start(ev, index) {
    ev.preventDefault();
    ev.target.setPointerCapture(ev.pointerId);
    state.dragging = { index, y: ev.clientY, offset: 0, id: ev.pointerId };
    root.dataset.dragging = String(index);
  }

  svg.addEventListener("pointermove", (ev) => {
    const d = state.dragging;
    if (!d || ev.pointerId !== d.id) return;
    d.offset = -(ev.clientY - d.y) * parts.s.perPx;
    if (model.get("levels").length) {
      previewBar(d.index, d.offset);
    } else if (d.index < 0) {
      preview(model.get("shift_x"), model.get("shift_unit").map((u) => u * d.offset));
    } else {
      const kx = model.get("knots_x");
      preview(kx, kx.map((_, i) => (i === d.index ? d.offset : 0)));
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
      model.set("drag", levels.length
        ? { kind: "level", level: levels[d.index],
          value: model.get("level_values")[d.index] + d.offset, seq }
        : d.index < 0
          ? { kind: "shift", value: d.offset, seq }
          : { kind: "knot", index: d.index, value: d.offset, seq });
      model.save_changes();
      // the new curve comes back from the session; if Python refused the
      // commit nothing comes: then show the model's curve again
      const sent = state.seq;
      setTimeout(() => { if (!state.dragging && state.seq === sent) draw(); }, 3000);
    } else {
      draw();
    }
  }
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointercancel", end);

  // take the shape chart's pixel scale when it is drawn (and redraw if it
  // moved): now, at the next frames, and a little later (the chart embeds
  // asynchronously)
  function align() {
    if (state.dragging) return;
    const map = chartMap(), old = state.map;
    const same = map && old && Math.abs(map.px - old.px) < 0.5 &&
      Math.abs(map.slope - old.slope) <= 1e-6 * Math.abs(old.slope) &&
      map.value === old.value;
    if (map ? !same : old !== null) {
      state.map = map;
      draw();
    }
  }
  function redraw() {
    if (state.dragging) return;
    draw();
    requestAnimationFrame(align);
    for (const ms of [250, 1000]) setTimeout(align, ms);
  }
  for (const name of ["x", "values", "original", "knots_x", "knots_y", "y_domain",
    "x_domain", "region", "shift_x", "shift_unit", "width", "height", "levels",
    "level_values", "level_original"]) {
    model.on("change:" + name, redraw);
  }
  redraw();
}

export default { render };
