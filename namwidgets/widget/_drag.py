"""A term's curve drawn with knots that the mouse drags (an anywidget).

Vega-Lite selections carry intervals and points, not a vertical drag of the
data, so the panel's direct manipulation is its own small widget: plain SVG
and JavaScript shipped in ``static/drag.js`` (no CDN, no build step). Python
sends the grid, the current and original curve, the knots and the y domain;
while a knot is dragged the browser redraws the curve itself (the offset the
session's Knots edit would add); on release it sends one commit through the
:attr:`DragCurve.drag` trait, which the panel turns into one history step.
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
    ``offset`` is how far knot ``i`` moved (in contribution units) and ``seq``
    tells one release from the next.
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
    y_domain = T.List(T.Float(), default_value=[-1.0, 1.0]).tag(sync=True)
    region = T.List(T.Float(), allow_none=True, default_value=None).tag(sync=True)
    width = T.Int(430).tag(sync=True)
    height = T.Int(150).tag(sync=True)
    drag = T.Dict(
        allow_none=True, default_value=None, help="The browser's commit on release."
    ).tag(sync=True)

    @T.validate("drag")
    def _valid_drag(self, proposal: Any) -> dict[str, Any] | None:
        commit = proposal["value"]
        if commit is None:
            return None
        kind = commit.get("kind")
        if kind != "knot":
            raise DragValueError(
                f"drag commit kind must be 'knot', got {kind!r} in {commit!r}."
            )
        index, value = commit.get("index"), commit.get("value")
        n = len(self.knots_x)
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < n:
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
        return {**commit, "index": index, "value": amount}

    def show_curve(self, data: dict[str, Any]) -> None:
        """Set the data traits at once (one message to the browser)."""
        with self.hold_sync():
            for name, value in data.items():
                setattr(self, name, value)

    def offsets(self, commit: dict[str, Any]) -> tuple[float, ...]:
        """A commit's offsets at every knot: its value at its knot, 0 elsewhere."""
        return tuple(
            float(commit["value"]) if i == commit["index"] else 0.0
            for i in range(len(self.knots_x))
        )
