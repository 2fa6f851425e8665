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
  const state = { dragging: null, seq: 0 };

  function scales() {
    const w = model.get("width"), h = model.get("height");
    const x = model.get("x");
    const [y0, y1] = model.get("y_domain");
    const x0 = x.length ? x[0] : 0, x1 = x.length ? x[x.length - 1] : 1;
    const sx = (v) => M.left + ((v - x0) / (x1 - x0 || 1)) * (w - M.left - M.right);
    const sy = (v) => M.top + ((y1 - v) / (y1 - y0 || 1)) * (h - M.top - M.bottom);
    const perPx = (y1 - y0 || 1) / (h - M.top - M.bottom);
    return { w, h, sx, sy, perPx, y0, y1, x0, x1 };
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
    for (const v of [s.x0, s.x1]) {
      const t = el("text", { x: s.sx(v), y: s.h - 6,
        "text-anchor": v === s.x0 ? "start" : "end" }, axis);
      t.textContent = Number(v).toPrecision(3);
    }
    const xs = model.get("x");
    const region = model.get("region");
    if (region && region.length === 2) {
      const band = el("rect", { class: "nam-drag-region", x: s.sx(region[0]), y: M.top,
        width: Math.max(s.sx(region[1]) - s.sx(region[0]), 0),
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
      const c = el("circle", { class: "nam-drag-knot", "data-index": i,
        cx: s.sx(k), cy: s.sy(ky[i]), r: 7, fill: "#e45756", stroke: "white",
        "stroke-width": 2, cursor: "ns-resize", tabindex: -1 }, svg);
      c.addEventListener("pointerdown", (ev) => start(ev, i));
      return c;
    });
    parts = { curve, dots, s };
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
    if (d.index < 0) {
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
      model.set("drag", d.index < 0
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

  for (const name of ["x", "values", "original", "knots_x", "knots_y", "y_domain",
    "region", "shift_x", "shift_unit", "width", "height"]) {
    model.on("change:" + name, () => { if (!state.dragging) draw(); });
  }
  draw();
}

export default { render };
