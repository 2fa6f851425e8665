"""A term's curve drawn with knots that the mouse drags (an anywidget).

Vega-Lite selections carry intervals and points, not a vertical drag of the
data, so the panel's direct manipulation is its own small widget: plain SVG
and JavaScript shipped in ``static/drag.js`` (no CDN, no build step). Python
sends the grid, the current and original curve, the knots and the y domain;
while a knot (or the shaded region) is dragged the browser redraws the curve
itself (the offset the session's Knots edit would add); on release it sends
one commit through the :attr:`DragCurve.drag` trait, which the panel turns
into one history step: a Knots edit (:meth:`DragCurve.knots_of`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import anywidget
import traitlets as T

from ..exceptions import InputError

_ESM = (Path(__file__).parent / "static" / "drag.js").read_text(encoding="utf-8")


class DragValueError(InputError, T.TraitError):
    """A drag commit the widget refuses (out-of-range knot, non-finite value)."""


class DragCurve(anywidget.AnyWidget):
    """One numeric term's curve with draggable knots.

    The data traits are set by the panel from the session; :attr:`drag` is
    set by the browser, once per pointer release:
    ``{"kind": "knot", "index": i, "value": offset, "seq": n}``, where
    ``offset`` is how far knot ``i`` moved (in contribution units), or
    ``{"kind": "shift", "value": offset, "seq": n}`` for the region dragged
    as a whole; ``seq`` tells one release from the next.

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
    y_domain = T.List(T.Float(), default_value=[-1.0, 1.0]).tag(sync=True)
    region = T.List(T.Float(), allow_none=True, default_value=None).tag(sync=True)
    width = T.Int(430).tag(sync=True)
    height = T.Int(120).tag(sync=True)
    drag = T.Dict(
        allow_none=True, default_value=None, help="The browser's commit on release."
    ).tag(sync=True)

    @T.validate("drag")
    def _valid_drag(self, proposal: Any) -> dict[str, Any] | None:
        commit = proposal["value"]
        if commit is None:
            return None
        kind = commit.get("kind")
        if kind not in ("knot", "shift"):
            raise DragValueError(
                f"drag commit kind must be 'knot' or 'shift', got {kind!r} "
                f"in {commit!r}."
            )
        index, value = commit.get("index"), commit.get("value")
        n = len(self.knots_x)
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
