"""A term's curve drawn with knots that the mouse drags (an anywidget).

Vega-Lite selections carry intervals and points, not a vertical drag of the
data, so the panel's direct manipulation is its own small widget: plain SVG
and JavaScript shipped in ``static/drag.js`` (no CDN, no build step). Python
sends the grid, the current and original curve, the knots and the y domain;
while a knot (or the shaded region) is dragged the browser redraws the curve
itself (the offset the session's Knots edit would add); on release it sends
one commit through the :attr:`DragCurve.drag` trait, which the panel turns
into one history step: a Knots edit (:meth:`DragCurve.knots_of`). For a
categorical term the widget draws one bar per level instead; a bar dragged
up or down and released is one SetCategoryValue step for that level.

The x axis is the shape chart's (its data window or all of it: ``x_domain``).
In the panel the widget lies over the shape chart itself (:func:`overlay_box`,
``overlay=True``): in the browser it takes both pixel scales from the chart's
own axes, draws its knots on the chart's curve, the region's grab handle and
the bars on the chart's bars, and lets every other pointer event through to
the chart (its brush). Shown on its own it draws its own axes.

:class:`DragMixin` is the panel's side: what the widget is sent on a redraw
(:func:`curve_data`, :func:`bars_data`) and the history step of a commit.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import ipywidgets as W
import numpy as np
import traitlets as T

from ..exceptions import InputError

_ESM = (Path(__file__).parent / "static" / "drag.js").read_text(encoding="utf-8")


class DragValueError(InputError, T.TraitError):
    """A drag commit the widget refuses (out-of-range knot, non-finite value)."""


class DragCurve(anywidget.AnyWidget):
    """One term's curve with draggable knots (or a categorical term's bars).

    With :attr:`overlay` (:func:`overlay_box` sets it) the widget lies over
    the shape chart and draws in its pixels, both scales read in the browser
    from the chart's axes after each of its redraws; it draws its knots on
    the chart's knots, a handle on the region (and, with
    :attr:`region_curve`, grabs the curve inside it), and while dragging the
    moving curve over the chart's line; everything else passes the pointer
    to the chart. Where the chart cannot be read it draws nothing. Without
    :attr:`overlay` it is a plot of its own (:attr:`width`, :attr:`height`,
    :attr:`y_domain`).

    The data traits are set by the panel from the session; :attr:`drag` is
    set by the browser, once per pointer release:
    ``{"kind": "knot", "index": i, "value": offset, "seq": n}``, where
    ``offset`` is how far knot ``i`` moved (in contribution units), or
    ``{"kind": "shift", "value": offset, "seq": n}`` for the region dragged
    as a whole, or ``{"kind": "level", "level": name, "value": v, "seq": n}``
    for a categorical term's bar ``name`` dragged to the contribution ``v``;
    ``seq`` tells one release from the next.

    A region's shift is a Knots edit too: ``shift_x`` are its knots (the
    region's ends, and a grid step outside them where the region ends inside
    the training range), ``shift_unit`` their offsets per unit of shift (1 in
    the region, 0 outside), so that the preview and the edit are the same
    piecewise-linear offset.
    """

    _esm = T.Unicode(_ESM).tag(sync=True)
    _css = T.Unicode(
        ".nam-drag svg{touch-action:none;user-select:none}"
        ".nam-drag-knot:hover{stroke:#333}"
        ".nam-drag-region-curve:hover{stroke:rgba(242,193,78,.45)}"
        ".nam-drag-region:hover rect{fill:#e0a800}"
        ".nam-drag-bar-hit:hover{stroke:#333;stroke-dasharray:3 2}"
    ).tag(sync=True)

    x = T.List(T.Float(), help="The term's grid.").tag(sync=True)
    values = T.List(T.Float(), help="The current curve on the grid.").tag(sync=True)
    original = T.List(T.Float(), help="The original curve on the grid.").tag(sync=True)
    knots_x = T.List(T.Float(), help="Knot positions.").tag(sync=True)
    knots_y = T.List(T.Float(), help="The current curve at the knots.").tag(sync=True)
    shift_x = T.List(T.Float(), help="The region's shift: knot positions.").tag(
        sync=True
    )
    shift_unit = T.List(T.Float(), help="The region's shift: offsets per unit.").tag(
        sync=True
    )
    levels = T.List(
        T.Unicode(), help="A categorical term's levels (bars; none: a curve)."
    ).tag(sync=True)
    level_values = T.List(T.Float(), help="The current level values.").tag(sync=True)
    level_original = T.List(T.Float(), help="The original level values.").tag(sync=True)
    x_domain = T.List(
        T.Float(), help="The x axis [lo, hi] (the shape chart's); none: the grid's."
    ).tag(sync=True)
    y_domain = T.List(T.Float(), default_value=[-1.0, 1.0]).tag(sync=True)
    region = T.List(T.Float(), allow_none=True, default_value=None).tag(sync=True)
    region_curve = T.Bool(
        False,
        help="Over the chart: the curve inside the region is grabbed too (the "
        "region is the chart's brush, where a drag would move the brush, not "
        "start one); else only the region's handle.",
    ).tag(sync=True)
    width = T.Int(430, help="Width in pixels, shown on its own.").tag(sync=True)
    height = T.Int(120, help="Height in pixels, shown on its own.").tag(sync=True)
    overlay = T.Bool(
        False,
        help="Lie over the shape chart of its ``overlay_box`` (the chart's "
        "pixels and axes); False: a plot of its own.",
    ).tag(sync=True)
    drag = T.Dict(
        allow_none=True, default_value=None, help="The browser's commit on release."
    ).tag(sync=True)

    @T.validate("drag")
    def _valid_drag(self, proposal: Any) -> dict[str, Any] | None:
        commit = proposal["value"]
        if commit is None:
            return None
        kind = commit.get("kind")
        if kind not in ("knot", "shift", "level"):
            raise DragValueError(
                f"drag commit kind must be 'knot', 'shift' or 'level', got "
                f"{kind!r} in {commit!r}."
            )
        index, value = commit.get("index"), commit.get("value")
        if kind == "level" and commit.get("level") not in self.levels:
            raise DragValueError(
                f"drag commit level must be one of the term's levels "
                f"{list(self.levels)}, got {commit.get('level')!r}."
            )
        n = len(self.knots_x)
        if kind in ("knot", "shift") and self.levels:
            raise DragValueError(
                f"drag commit {kind!r} is a numeric term's; this term is "
                "categorical (commit 'level')."
            )
        if kind == "shift" and len(self.shift_x) < 2:
            raise DragValueError(
                "drag commit 'shift' needs a region (lo < hi) on the curve."
            )
        if kind == "knot" and (
            isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n
        ):
            raise DragValueError(
                f"drag commit index must be an int in [0, {n}), got {index!r}."
            )
        try:
            amount = float(value)
        except (TypeError, ValueError):
            amount = math.nan
        if isinstance(value, bool) or not math.isfinite(amount):
            raise DragValueError(
                f"drag commit value must be a finite number, got {value!r}."
            )
        return {**commit, "value": amount}

    def show_curve(self, data: dict[str, Any]) -> None:
        """Set the data traits at once (one message to the browser)."""
        with self.hold_sync():
            for name, value in data.items():
                setattr(self, name, value)

    def knots_of(
        self, commit: dict[str, Any]
    ) -> tuple[tuple[float, ...], tuple[float, ...]]:
        """A commit as a Knots edit's ``(positions, offsets)``.

        A knot: every knot, the commit's value at its knot and 0 elsewhere. A
        shift: the region's knots, the value times their unit offsets.
        """
        value = float(commit["value"])
        if commit["kind"] == "shift":
            return tuple(self.shift_x), tuple(value * u for u in self.shift_unit)
        offsets = tuple(
            value if i == commit["index"] else 0.0 for i in range(len(self.knots_x))
        )
        return tuple(self.knots_x), offsets


def _cut_to(
    grid: np.ndarray, cols: list[np.ndarray], window: tuple[float, float]
) -> tuple[np.ndarray, list[np.ndarray]]:
    """The grid inside ``window``, its ends interpolated onto the window's."""
    lo, hi = window
    keep = (grid > lo) & (grid < hi)
    x = np.concatenate([[lo], grid[keep], [hi]])
    return x, [np.interp(x, grid, c) for c in cols]


def curve_data(
    session: Any,
    name: str,
    class_index: int,
    knot_positions: tuple[float, ...],
    region: tuple[float, float] | None,
    window: tuple[float, float] | None = None,
    brushed: bool = False,
) -> dict[str, Any]:
    """The traits of :class:`DragCurve` for a numeric term.

    The current and original curves on the term's grid over ``window`` (the
    shape chart's x domain; default: the training range), the curve at the
    knots, a y domain with room to drag (half the curves' span above and
    below), and the region's shift as knots: 1 on ``region`` (clipped to the
    training range), ramping to 0 over one grid step outside it where it ends
    inside the range. ``brushed``: the region is the one the user chose (the
    chart draws it as its brush), whose curve is grabbed too
    (``region_curve``).
    """
    ref = session.reference(name)
    orig = session.reference(name, original=True)
    grid = np.asarray(ref.grid, float)
    values = np.asarray(ref.grid_values[:, class_index], float)
    original = np.asarray(orig.grid_values[:, class_index], float)
    lo_x, hi_x = (ref.lo, ref.hi) if window is None else map(float, window)
    x, (shown, shown_original) = _cut_to(grid, [values, original], (lo_x, hi_x))
    pos = np.asarray(knot_positions, float)
    shift_x: list[float] = []
    shift_unit: list[float] = []
    if region is not None:
        lo, hi = max(float(region[0]), ref.lo), min(float(region[1]), ref.hi)
        if hi > lo:
            # ramps of one grid step outside the region, where it ends inside
            below, above = grid[grid < lo], grid[grid > hi]
            if lo > ref.lo:
                shift_x.append(
                    max(float(below.max()) if below.size else ref.lo, ref.lo)
                )
                shift_unit.append(0.0)
            shift_x += [lo, hi]
            shift_unit += [1.0, 1.0]
            if hi < ref.hi:
                shift_x.append(
                    min(float(above.min()) if above.size else ref.hi, ref.hi)
                )
                shift_unit.append(0.0)
    both = np.concatenate([shown, shown_original])
    lo, hi = float(np.nanmin(both)), float(np.nanmax(both))
    pad = max(0.5 * (hi - lo), 0.25)
    return {
        "levels": [],
        "level_values": [],
        "level_original": [],
        "x": x.tolist(),
        "values": shown.tolist(),
        "original": shown_original.tolist(),
        "x_domain": [lo_x, hi_x],
        "knots_x": pos.tolist(),
        "knots_y": np.interp(pos, grid, values).tolist(),
        "y_domain": [lo - pad, hi + pad],
        "region": None if region is None else [float(region[0]), float(region[1])],
        "shift_x": shift_x,
        "shift_unit": shift_unit,
        "region_curve": bool(brushed and shift_x),
    }


def bars_data(session: Any, name: str, class_index: int) -> dict[str, Any]:
    """The traits of :class:`DragCurve` for a categorical term: one bar a level.

    The levels as text (in the session's grid order, the shape chart's), their
    current and original contributions, and a y domain with room to drag
    (half the values' span, at least 0.25, above and below, 0 included).
    """
    ref = session.reference(name)
    orig = session.reference(name, original=True)
    values = np.asarray(ref.grid_values[:, class_index], float)
    original = np.asarray(orig.grid_values[:, class_index], float)
    both = np.concatenate([values, original, [0.0]])
    lo, hi = float(np.nanmin(both)), float(np.nanmax(both))
    pad = max(0.5 * (hi - lo), 0.25)
    return {
        "levels": [str(c) for c in ref.grid],
        "level_values": values.tolist(),
        "level_original": original.tolist(),
        "x": [],
        "values": [],
        "original": [],
        "x_domain": [],
        "knots_x": [],
        "knots_y": [],
        "y_domain": [lo - pad, hi + pad],
        "region": None,
        "region_curve": False,
        "shift_x": [],
        "shift_unit": [],
    }


def nothing_data() -> dict[str, Any]:
    """The traits of :class:`DragCurve` for a term with nothing to drag (a pair).

    No curve, knots, region or bars: the widget draws nothing, and over the
    shape chart it lets every pointer event through to the chart.
    """
    empty: dict[str, Any] = {
        name: []
        for name in (
            "levels", "level_values", "level_original", "x", "values", "original",
            "x_domain", "knots_x", "knots_y", "shift_x", "shift_unit",
        )
    }  # fmt: skip
    return {**empty, "region": None, "region_curve": False}


#: The class of :func:`overlay_box`'s box: the browser side finds the chart by it.
OVERLAY_CLASS = "nam-shape-overlay"


def overlay_box(chart: W.DOMWidget, drag: DragCurve) -> W.GridBox:
    """``chart`` with ``drag`` lying over it, pixel for pixel: one grid cell.

    Both widgets take the same grid area (the drag widget, later, on top) and
    ``drag.overlay`` is set, so that in the browser it draws in the chart's
    own pixels (both scales read from the chart's axes) and lets the pointer
    through to the chart but on its knots, region handle and bars.

    Parameters
    ----------
    chart : ipywidgets.DOMWidget
        The shape chart (an ``alt.JupyterChart``).
    drag : DragCurve
        The drag widget to lay over it.

    Returns
    -------
    ipywidgets.GridBox
    """
    for child in (chart, drag):
        child.layout.grid_area = "plot"
    drag.overlay = True
    box = W.GridBox(
        [chart, drag],
        layout=W.Layout(
            grid_template_areas='"plot"',
            grid_template_columns="max-content",
            grid_template_rows="max-content",
        ),
    )
    box.add_class(OVERLAY_CLASS)
    return box


class DragMixin:
    """The panel's side of :class:`DragCurve`: what it shows, what a commit does.

    A release is one history step, through the panel's ``_act`` like a button:
    a knot or the region -> one Knots edit (:meth:`DragCurve.knots_of`), a
    bar -> one SetCategoryValue edit of that level.
    """

    session: Any
    feature: str
    class_index: int
    region: tuple[float, float] | None  # the user's region (the chart's brush)
    drag_curve: DragCurve
    _act: Callable[[Callable[[], Any]], bool]
    _note: Callable[[], str]
    _knot_positions: Callable[[], tuple[float, ...]]

    def _on_drag(self, change: dict[str, Any]) -> None:
        """A knot, the region or a bar dragged, released: one history step."""
        commit = change["new"]
        if commit is None:
            return
        s = self.session
        if commit["kind"] == "level":
            grid = list(s.reference(self.feature).grid)
            level = grid[self.drag_curve.levels.index(commit["level"])]
            self._act(
                lambda: s.set_category(
                    self.feature, level, commit["value"], message=self._note()
                )
            )
            return
        positions, offsets = self.drag_curve.knots_of(commit)
        self._act(
            lambda: s.set_knots(self.feature, offsets, positions, message=self._note())
        )

    def _show_drag(
        self, kind: str, region: tuple[float, float] | None, window: Any
    ) -> None:
        """Send the selected term to the widget (``window``: the chart's x domain)."""
        if kind == "numeric":
            data = curve_data(
                self.session,
                self.feature,
                self.class_index,
                self._knot_positions(),
                region,
                None if window is None else (float(window[0]), float(window[1])),
                brushed=self.region is not None,
            )
        elif kind == "categorical":
            data = bars_data(self.session, self.feature, self.class_index)
        else:
            data = nothing_data()
        self.drag_curve.show_curve(data)
