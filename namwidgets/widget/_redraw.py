"""Redraw scheduling: which views are stale, when to redraw, and how cheaply.

:class:`LiveChart` shows chart views (``namwidgets.charts``) in an
``alt.JupyterChart``: it builds the chart when the view's key changes and
otherwise sends the datasets that changed, so a slider move costs numpy work
and one message, not an Altair rebuild, and (in a
:class:`~namwidgets.widget._live.LiveJupyterChart`) no re-embed in the browser.

:class:`RedrawScheduler` coalesces slider bursts: every event updates the
session at once (cheap), while redraws wait ``delay`` seconds for more events
when an event loop runs (a Jupyter kernel), and a trailing redraw always shows
the final state.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import altair as alt

from ._format import affected_text, history_html
from ._live import LiveJupyterChart, live_front_end
from ._views import (
    feedback_view,
    importance_view,
    pair_view,
    row_view,
    shape_view,
    slices_view,
    what_if_view,
)

#: Seconds a redraw waits for more slider events in a Jupyter kernel.
KERNEL_REDRAW_DELAY = 0.05

#: Every part of the panel a redraw can refresh.
ALL_PARTS = frozenset({"features", "shape", "feedback", "detail", "history"})


def in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel, whose event loop serves widgets."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _param_names(spec: dict[str, Any]) -> list[str]:
    names = [p.get("name") for p in spec.get("params", [])]
    for part in ("layer", "vconcat", "hconcat"):
        for sub in spec.get(part, []):
            names += _param_names(sub)
    return sorted(str(n) for n in names)


def _with_param_values(spec: dict[str, Any], values: dict[str, Any]) -> dict[str, Any]:
    """``spec`` with its named params' ``value`` set (None: removed); a copy."""
    if not values:
        return dict(spec)

    def fix(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
        out = []
        for param in params:
            name = param.get("name")
            if name in values:
                param = {k: v for k, v in param.items() if k != "value"}
                if values[name] is not None:
                    param["value"] = values[name]
            out.append(param)
        return out

    spec = dict(spec)
    if "params" in spec:
        spec["params"] = fix(spec["params"])
    if "layer" in spec:
        spec["layer"] = [
            {**layer, "params": fix(layer["params"])} if "params" in layer else layer
            for layer in spec["layer"]
        ]
    return spec


class LiveChart:
    """Drive an ``alt.JupyterChart`` from chart views, as cheaply as can be.

    A new structure is assigned as ``jc.chart`` when its parameters (selections)
    differ from the shown chart's, so the selection traits are rebuilt, and as
    an unvalidated ``jc.spec`` otherwise (the views are validated in the chart
    tests). The same key with new data (or new ``param_values``, where a view
    has them: a selection's start value) sends only new datasets: in a
    :class:`~namwidgets.widget._live.LiveJupyterChart`, the datasets that differ
    from the built spec's as ``_live_data`` (the browser writes them into the
    shown view, no re-embed), while ``jc.spec`` is brought up to date on the
    Python side only, so that it always reads as what is shown; in a plain
    ``JupyterChart``, as a new ``spec`` (a re-embed).
    """

    def __init__(self, jc: alt.JupyterChart) -> None:
        self.jc = jc
        self.key: Any = None
        self.spec: dict[str, Any] | None = None
        self.builds = 0
        self.data_updates = 0
        # the datasets of the spec the browser has (the latest build)
        self._built: dict[str, Any] = {}
        # the datasets sent live since that build: the browser's view holds
        # them, so they are sent again even once they equal the build's (an
        # undo back to the unedited rows must clear the edited line on screen)
        self._sent: set[str] = set()
        self._live = isinstance(jc, LiveJupyterChart) and live_front_end()
        # the next data-only redraw also moves the shown selections (a brush)
        # to the view's start values: see :meth:`move_selections`
        self._move = False

    def show(self, view: Any) -> None:
        """Display a view (anything with ``key``, ``datasets()`` and ``chart()``)."""
        key = view.key
        move, self._move = self._move, False
        if key == self.key and self.spec is not None:
            datasets = view.datasets()
            # a selection's start value that the key leaves out (a brush the
            # user drew, which the browser shows already): set in this side's
            # copy only, so that a view rendered later draws it too
            values = getattr(view, "param_values", {})
            self.spec = _with_param_values(self.spec, values) | {"datasets": datasets}
            self.data_updates += 1
            if not self._live:
                self.jc.spec = self.spec
                return
            self._sent |= {n for n, r in datasets.items() if r != self._built.get(n)}
            live = [
                {"namespace": "data", "name": name, "scope": [], "value": rows}
                for name, rows in datasets.items()
                if name in self._sent
            ]
            if move:
                # after the data: the brush's rows (a cleared band) come first
                live += list(getattr(view, "selection_updates", list)())
            self.jc.keep_spec(self.spec)  # as shown, without sending it
            if live != self.jc._live_data:
                self.jc._live_data = live
            return
        chart = view.chart()
        spec = chart.to_dict(validate=False)
        shown: Any = self.jc.spec or {}
        if self._live and spec == shown:
            # the data-only redraws since the last build led to this very spec:
            # the browser shows it (built spec and ``_live_data``); assigning
            # it would send nothing and the ``_live_data`` still apply
            self.key, self.spec = key, spec
            return
        with self.jc.hold_sync():
            if self.jc.chart is not None and _param_names(spec) == _param_names(shown):
                self.jc.spec = spec
            else:
                self.jc.chart = chart
            if self._live:
                self.jc._live_data = []
        self.key, self.spec = key, spec
        self._built = dict(spec.get("datasets", {}))
        self._sent = set()
        self.builds += 1

    def invalidate(self) -> None:
        """Force the next view to be built (e.g. after the model was refit)."""
        self.key = None

    def move_selections(self) -> None:
        """Make the next redraw move the shown selections to the view's values.

        For a selection moved from code (the region slider moves the brush):
        with the same key, the redraw sends the view's ``selection_updates()``
        (Vega signals) after its data, so the browser moves the brush in the
        shown chart, no re-embed; a new key builds the chart, which starts the
        brush there. In a plain ``JupyterChart`` the new spec does it.
        """
        self._move = True


class RedrawScheduler:
    """Collect the stale parts of the panel and redraw them now or soon.

    Parameters
    ----------
    redraw : callable
        Called with the set of parts to redraw.
    delay : float, optional
        Seconds to wait for more events before redrawing, when an event loop is
        running. Default: :data:`KERNEL_REDRAW_DELAY` in a Jupyter kernel, 0
        (immediate) elsewhere, e.g. in tests.
    """

    def __init__(
        self, redraw: Callable[[set[str]], None], delay: float | None = None
    ) -> None:
        self._redraw = redraw
        self.delay = delay
        self.ready = False  # nothing is drawn until the panel is built
        self._pending: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None
        self.last_redraw_ms = 0.0
        self.redraw_count = 0

    def _delay(self) -> float:
        if self.delay is not None:
            return self.delay
        return KERNEL_REDRAW_DELAY if in_kernel() else 0.0

    def schedule(self, parts: set[str] | frozenset[str]) -> None:
        """Mark ``parts`` stale; redraw now, or soon when a kernel's loop runs."""
        self._pending |= set(parts)
        if not self.ready:
            return
        delay = self._delay()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if delay <= 0 or loop is None:
            self.now(set())
            return
        if self._handle is None:
            self._handle = loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._handle = None
        self.now(set())

    def now(self, parts: set[str] | frozenset[str]) -> None:
        """Redraw ``parts`` and everything pending, at once."""
        parts = set(parts) | self._pending
        self._pending = set()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if not self.ready or not parts:
            self._pending = parts
            return
        t0 = time.perf_counter()
        self._redraw(parts)
        self.last_redraw_ms = (time.perf_counter() - t0) * 1e3
        self.redraw_count += 1


class RedrawMixin:
    """The panel's redraw: session state -> the views of the stale parts.

    :class:`~namwidgets.widget.NAMPanel` calls :meth:`_redraw` through its
    :class:`RedrawScheduler`; each part's view goes to its :class:`LiveChart`.
    """

    session: Any
    feature: str
    class_index: int
    region: tuple[float, float] | None
    x_range: str
    row: int
    detail: str
    slice_feature: str
    what_if: dict[str, Any]
    live_auc: bool
    _redraws: RedrawScheduler
    _live: dict[str, LiveChart]
    _shapes: dict[str, Any]
    _sync_controls: Callable[[], None]
    _sync_feature_list: Callable[..., None]
    _knot_positions: Callable[[], tuple[float, ...]]
    _watch_brush: Callable[[], None]
    _show_drag: Callable[..., None]  # DragMixin
    _show_row_pick: Callable[[], None]  # WhatIfMixin
    # controls, made in ``_controls``
    show_original: Any
    range: Any
    drag_curve: Any
    affected_html: Any
    feedback_chart: Any
    history_list: Any
    undo_button: Any
    redo_button: Any
    detail_pickers: Any
    row_picker: Any
    what_if_box: Any
    slice_picker: Any

    @property
    def history_entries(self) -> list[str]:
        """The history list's lines (the panel's)."""
        raise NotImplementedError

    @property
    def redraw_delay(self) -> float | None:
        """Seconds a redraw waits for more slider events (None: automatic)."""
        return self._redraws.delay

    @redraw_delay.setter
    def redraw_delay(self, value: float | None) -> None:
        self._redraws.delay = value

    @property
    def redraw_count(self) -> int:
        """How many redraws ran."""
        return self._redraws.redraw_count

    @property
    def last_redraw_ms(self) -> float:
        """Milliseconds the latest redraw took."""
        return self._redraws.last_redraw_ms

    def refresh(self) -> None:
        """Redraw everything from the session (after driving it from code)."""
        self._shapes = {sf.name: sf for sf in self.session.term_functions("original")}
        for live in self._live.values():
            live.invalidate()
        self._sync_controls()
        self._redraws.now(ALL_PARTS)

    def _redraw(self, parts: set[str]) -> None:
        """Rebuild the views of everything in ``parts``."""
        s = self.session
        if "features" in parts:
            self._sync_feature_list(s.importance(), set(s.edited_features))
        if "shape" in parts:
            shape = self._shapes[self.feature]
            view: Any
            if shape.kind == "pair":
                show_original = bool(self.show_original.value)
                view = pair_view(s, shape, self.class_index, show_original)
            else:
                numeric = shape.kind == "numeric"
                view = shape_view(
                    s,
                    shape,
                    self.class_index,
                    tuple(self.range.value) if numeric else None,
                    self._knot_positions() if numeric else None,
                    self.region if numeric else None,
                    x_range=self.x_range,
                )
            self._live["shape"].show(view)
            self._watch_brush()
            window = view.key.x_domain if shape.kind == "numeric" else None
            self._show_drag(shape.kind, tuple(self.range.value), window)
        if "feedback" in parts:
            affected = s.affected()
            table = (
                s.metrics_table(auc=self.live_auc, fast=True) if s.y is not None else {}
            )
            self._live["feedback"].show(feedback_view(affected, table))
            self.affected_html.value = affected_text(affected)
        if "detail" in parts:
            self._live["detail"].show(self._detail_view())
        if "history" in parts:
            self.history_list.value = history_html(self.history_entries, s.position)
            self.undo_button.disabled = not s.can_undo
            self.redo_button.disabled = not s.can_redo

    def _detail_view(self) -> Any:
        s = self.session
        self.detail_pickers.children = {
            "importance": (),
            "row": (self.what_if_box,),
            "slices": (self.slice_picker,),
        }[self.detail]
        # the row tab: the row is the effect shown (its prediction and
        # contributions, before/after), in the metrics chart's place, so that
        # the pick chart, the row's values and its chart fit 1280x800 (the
        # rows-moved line stays); the other tabs show the metrics again
        self.feedback_chart.layout.display = "none" if self.detail == "row" else ""
        if self.detail == "importance":
            return importance_view(s)
        if self.detail == "row":
            self._show_row_pick()
        if self.detail == "row" and self.what_if:
            return what_if_view(s, self.row, self.what_if, self.class_index)
        if self.detail == "row":
            return row_view(s, self.row, self.class_index)
        return slices_view(s, self.slice_feature, self.live_auc)
