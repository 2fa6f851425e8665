"""The panel's input handlers: controls, drag and brush -> session calls.

:class:`HandlersMixin` holds :class:`~namwidgets.widget.NAMPanel`'s handlers
of its sliders, buttons, the drag widget (``_drag``) and the shape chart's
brush, and the action runner that every one of them goes through: a slider
edit applies at once and redraws soon (coalesced); a button or a released
drag is one history step, resyncs the controls and redraws at once. A failure
shows in the status line and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import traitlets as T

from ._format import error_text, is_echo, status_html
from ._redraw import ALL_PARTS


class HandlersMixin(T.HasTraits):
    """The panel's control, drag and brush handlers, and its action runner."""

    session: Any
    feature: str
    class_index: int
    _redraws: Any
    _brush_watched: Any
    _brushing: bool
    _shapes: dict[str, Any]
    _note: Callable[[], str]
    _sync_controls: Callable[[], None]
    _knot_positions: Callable[[], tuple[float, ...]]
    _setting_controls: Callable[[], Any]
    # controls, made in ``_controls``
    knots: list[Any]
    range: Any
    drag_curve: Any
    shape_chart: Any
    status: Any

    def _on_pick_feature(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self._act_on(lambda: setattr(self, "feature", change["new"]), redraw=())

    def _on_zero(self, change: dict[str, Any]) -> None:
        s = self.session
        if change["new"]:
            self._act(lambda: s.zero(self.feature, message=self._note()))
        else:
            self._act(lambda: s.reset_feature(self.feature, message=self._note()))

    def _on_scale(self, change: dict[str, Any]) -> None:
        factor = round(change["new"], 6)
        self._edit(
            lambda: self.session.scale(
                self.feature, factor, message=self._note(), merge=True
            )
        )

    def _on_shift(self, change: dict[str, Any]) -> None:
        amount = round(change["new"], 6)
        self._edit(
            lambda: self.session.shift(
                self.feature, amount, message=self._note(), merge=True
            )
        )

    def _on_knot(self, change: dict[str, Any]) -> None:
        offsets = [round(k.value, 6) for k in self.knots]
        self._edit(
            lambda: self.session.set_knots(
                self.feature,
                offsets,
                self._knot_positions(),
                message=self._note(),
                merge=True,
            )  # fmt: skip
        )

    def _on_category(self, change: dict[str, Any]) -> None:
        if is_echo(change["old"], change["new"]):
            return
        cat, value = change["owner"].description, round(change["new"], 6)
        self._edit(
            lambda: self.session.set_category(
                self.feature, cat, value, message=self._note(), merge=True
            )
        )

    def _on_nan(self, change: dict[str, Any]) -> None:
        if is_echo(change["old"], change["new"]):
            return
        value = round(change["new"], 6)
        self._edit(
            lambda: self.session.set_nan_value(
                self.feature, value, message=self._note()
            )
        )

    def _on_range(self, change: dict[str, Any]) -> None:
        self._act_on(lambda: setattr(self, "region", tuple(change["new"])), redraw=())

    def _watch_brush(self) -> None:
        """(Re)attach the brush observer: a new chart brings new selection traits."""
        sel = self.shape_chart.selections
        if sel is self._brush_watched:
            return
        names = sel.trait_names()
        if "brush" in names:
            sel.observe(self._on_brush, ["brush"])
            self._brush_watched = sel
        if "brush2d" in names:
            sel.observe(self._on_brush2d, ["brush2d"])
            self._brush_watched = sel

    def _on_brush2d(self, change: dict[str, Any]) -> None:
        """A rectangle brushed on a pair's heatmap -> :attr:`pair_region`."""
        term = self._shapes[self.feature]
        if term.kind != "pair":
            return
        sel = getattr(change["new"], "value", None) or {}
        axes = {"x0": 0, "x": 0, "y0": 1, "y": 1}
        region: dict[str, tuple[float, float]] = {}
        for field, v in sel.items():
            if field in axes and isinstance(v, list | tuple) and len(v) == 2:
                lo, hi = sorted(float(b) for b in v)
                region[term.features[axes[field]]] = (lo, hi)
        self.pair_region = region if len(region) == 2 else None

    def _on_brush(self, change: dict[str, Any]) -> None:
        sel = getattr(change["new"], "value", None) or {}
        values = [
            v for v in sel.values() if isinstance(v, list | tuple) and len(v) == 2
        ]
        if not values:
            return
        lo, hi = sorted(float(v) for v in values[0])
        lo, hi = max(lo, self.range.min), min(hi, self.range.max)
        # the echo of a brush moved from here (the region slider): Vega's
        # pixel round trip gives the slider's values back within float noise,
        # which must not replace them
        now = tuple(self.range.value)
        tol = 1e-9 * max(abs(self.range.max - self.range.min), 1e-300)
        if abs(lo - now[0]) <= tol and abs(hi - now[1]) <= tol:
            return
        if hi > lo:
            self._brushing = True
            try:
                with self.range.hold_sync():
                    self.range.value = (lo, hi)
            finally:
                self._brushing = False

    # ------------------------------------------------------------ actions
    def _act_on(self, fn: Callable[[], Any], redraw: Any) -> bool:
        """Run a user's action; show its failure, or clear the status line."""
        try:
            fn()
        except Exception as err:  # noqa: BLE001 - every failure shows, none is lost
            self._show(error_text(err), error=True)
            return False
        self._show("", error=False)
        if redraw:
            self._redraws.schedule(set(redraw))
        return True

    def _edit(self, fn: Callable[[], Any]) -> None:
        """A slider edit: apply now; redraw soon (coalesced)."""
        self._act_on(fn, redraw=ALL_PARTS)

    def _act(self, fn: Callable[[], Any]) -> bool:
        """A button action: apply, resync the controls, redraw at once."""
        if not self._act_on(fn, redraw=()):
            return False
        self._sync_controls()
        self._redraws.now(ALL_PARTS)
        return True

    def _show(self, text: str, *, error: bool) -> None:
        html = status_html(text, error=error)
        if self.status.value != html:
            self.status.value = html
