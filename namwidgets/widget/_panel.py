"""NAMPanel: ipywidgets controls bound to an EditSession, charts in JupyterChart.

The panel holds no math: a control changes the session; the session's new state
redraws what changed. Slider bursts are coalesced: every event updates the
session at once (cheap, O(n) numpy), while chart redraws are debounced so the
kernel never falls behind, and a trailing redraw always shows the final state.
"""

from __future__ import annotations

import asyncio
import html
import time
from pathlib import Path
from typing import Any

import altair as alt
import ipywidgets as W
import numpy as np
import traitlets as T

from ..edit import EditError, EditSession, Knots, Scale, Shift
from ._views import (
    LiveChart,
    View,
    feedback_view,
    importance_view,
    label_for,
    region_default,
    row_view,
    shape_view,
    slices_view,
)

_OFFLINE: dict[str, bool] = {}


def enable_offline() -> bool:
    """Make Altair's JupyterChart load its JavaScript from the kernel, not a CDN."""
    if "done" not in _OFFLINE:
        try:
            alt.JupyterChart.enable_offline()
            _OFFLINE["done"] = True
        except Exception:  # noqa: BLE001 - vl-convert missing: fall back to the CDN
            _OFFLINE["done"] = False
    return _OFFLINE["done"]


def _in_kernel() -> bool:
    """Whether this runs in a Jupyter kernel, whose event loop serves widgets."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def _embed() -> dict[str, Any]:
    return {"renderer": "svg", "actions": False}


class NAMPanel(W.VBox):
    """Explore and edit a fitted NAM's shape functions, with live feedback.

    Parameters
    ----------
    model : NAMRegressor or NAMClassifier, optional
        A fitted model (or pass ``session``).
    X, y : data to watch (a validation set), as for :class:`EditSession`.
    session : EditSession, optional
        An existing session to drive instead of a new one.
    n_knots : int, default=5
        Knot sliders per numeric feature.
    redraw_delay : float, optional
        Seconds to wait for more slider events before redrawing charts, when an
        event loop is running. Default: 0.05 in a Jupyter kernel, 0 (immediate)
        elsewhere, e.g. in tests.
    live_auc : bool, optional
        Recompute ROC AUC on every slider move (default: when rows <= 50,000).

    Attributes
    ----------
    session : EditSession
        The live session: ``panel.session.to_model()`` is the edited model.
    """

    feature = T.Unicode(help="The selected feature.")
    class_index = T.Int(0, help="Class drawn for a multiclass model.")
    row = T.Int(0, help="Row shown in the row view.")
    region = T.Tuple(allow_none=True, default_value=None, help="(lo, hi) or None.")
    detail = T.Enum(["importance", "row", "slices"], default_value="importance")
    slice_feature = T.Unicode()

    def __init__(
        self,
        model: Any = None,
        X: Any = None,
        y: Any = None,
        *,
        session: EditSession | None = None,
        n_knots: int = 5,
        redraw_delay: float | None = None,
        live_auc: bool | None = None,
        **kwargs: Any,
    ) -> None:
        if session is None:
            if model is None or X is None:
                raise ValueError("NAMPanel needs a fitted model and X, or a session.")
            session = EditSession(model, X, y)
        if not isinstance(n_knots, int) or n_knots < 2:
            raise ValueError(f"n_knots must be an int >= 2, got {n_knots!r}.")
        super().__init__(**kwargs)
        enable_offline()
        self.session = session
        self.n_knots = n_knots
        self.redraw_delay = redraw_delay
        self.live_auc = session._n <= 50_000 if live_auc is None else live_auc
        self._syncing = False
        self._ready = False  # observers wait until every widget exists
        self._pending: set[str] = set()
        self._handle: asyncio.TimerHandle | None = None
        self.last_redraw_ms = 0.0
        self.redraw_count = 0
        self._shapes = {s.name: s for s in session.model.shape_functions()}
        self._build()
        names = session.names
        self.slice_feature = next(
            (
                n
                for n, k in zip(names, session.model.feature_kinds_)
                if k == "categorical"
            ),
            names[0],
        )
        order = np.argsort(-self._importance())
        self._ready = True
        self.feature = names[int(order[0])]
        self._redraw_now({"features", "shape", "feedback", "detail", "history"})

    # ------------------------------------------------------------ layout
    def _build(self) -> None:
        s = self.session
        lay = W.Layout
        self.features = W.Select(rows=10, layout=lay(width="230px"), description="")
        self.features.observe(self._on_pick_feature, "value")
        self.history_list = W.Select(rows=6, layout=lay(width="230px"), disabled=False)
        self.undo_button = W.Button(
            description="Undo", icon="undo", layout=lay(width="74px")
        )
        self.redo_button = W.Button(
            description="Redo", icon="repeat", layout=lay(width="74px")
        )
        self.reset_feature_button = W.Button(
            description="Reset feature", layout=lay(width="112px")
        )
        self.reset_all_button = W.Button(
            description="Reset all", layout=lay(width="112px")
        )
        self.undo_button.on_click(lambda _: self._do(s.undo))
        self.redo_button.on_click(lambda _: self._do(s.redo))
        self.reset_feature_button.on_click(
            lambda _: self._do(
                lambda: s.reset_feature(self.feature, message=self.message.value)
            )
        )
        self.reset_all_button.on_click(
            lambda _: self._do(lambda: s.reset_all(message=self.message.value))
        )
        self.path = W.Text(
            value="edits.json", description="File", layout=lay(width="230px")
        )
        self.save_button = W.Button(description="Save edits", layout=lay(width="112px"))
        self.load_button = W.Button(description="Load edits", layout=lay(width="112px"))
        self.save_button.on_click(lambda _: self.save_edits(self.path.value))
        self.load_button.on_click(lambda _: self.load_edits(self.path.value))
        self.status = W.HTML()
        left = W.VBox(
            [
                W.HTML("<b>Features</b> <small>(by importance; ● edited)</small>"),
                self.features,
                W.HTML("<b>History</b>"),
                self.history_list,
                W.HBox([self.undo_button, self.redo_button]),
                W.HBox([self.reset_feature_button, self.reset_all_button]),
                self.path,
                W.HBox([self.save_button, self.load_button]),
                self.status,
            ],
            layout=lay(width="250px"),
        )
        self.shape_chart = alt.JupyterChart(
            alt.Chart().mark_point(), embed_options=_embed()
        )
        self._brush_watched: Any = None
        self.message = W.Text(
            placeholder="why? (saved with the next edit)", description="Note"
        )
        self.zero = W.ToggleButton(
            description="Zero", icon="ban", tooltip="remove this feature's effect"
        )
        self.zero.observe(self._on_zero, "value")

        def opts() -> dict[str, Any]:
            # each slider needs its own Layout: a shared one would hide them all
            # when one is hidden
            return dict(
                continuous_update=True, readout_format=".2f", layout=lay(width="380px")
            )

        self.scale = W.FloatSlider(
            value=1.0, min=-1.0, max=3.0, step=0.05, description="scale", **opts()
        )
        self.shift = W.FloatSlider(
            value=0.0, min=-2.0, max=2.0, step=0.05, description="shift", **opts()
        )
        self.scale.observe(self._on_scale, "value")
        self.shift.observe(self._on_shift, "value")
        self.knots = [
            W.FloatSlider(
                value=0.0,
                min=-2.0,
                max=2.0,
                step=0.02,
                description=f"knot {k + 1}",
                **opts(),
            )
            for k in range(self.n_knots)
        ]
        for k in self.knots:
            k.observe(self._on_knot, "value")
        self.range = W.FloatRangeSlider(
            description="region",
            continuous_update=False,
            readout_format=".3g",
            layout=lay(width="380px"),
        )
        self.range.observe(self._on_range, "value")
        buttons = {
            "flatten": (
                "Flatten",
                lambda lo, hi: s.flatten(
                    self.feature, lo, hi, message=self.message.value
                ),
            ),
            "up": (
                "Monotone ↑",
                lambda lo, hi: s.monotone(
                    self.feature, True, lo, hi, message=self.message.value
                ),
            ),
            "down": (
                "Monotone ↓",
                lambda lo, hi: s.monotone(
                    self.feature, False, lo, hi, message=self.message.value
                ),
            ),
            "smooth": (
                "Smooth",
                lambda lo, hi: s.smooth(
                    self.feature, (hi - lo) / 10, lo, hi, message=self.message.value
                ),
            ),
        }
        self.region_buttons = {}
        for key, (label, fn) in buttons.items():
            b = W.Button(description=label, layout=lay(width="auto"))
            b.on_click(lambda _, fn=fn: self._do(lambda: fn(*self.range.value)))
            self.region_buttons[key] = b
        self.clamp_button = W.Button(
            description="Clamp to region's values", layout=lay(width="200px")
        )
        self.clamp_button.on_click(lambda _: self._do(self._clamp_to_region))
        self.category_box = W.VBox()
        self.nan_slider = W.FloatSlider(
            description="missing", min=-2.0, max=2.0, step=0.02, **opts()
        )
        self.nan_slider.observe(self._on_nan, "value")
        self.numeric_controls = W.VBox(
            [
                W.HBox([self.scale]),
                self.shift,
                W.HTML(
                    "<small>Knots: a piecewise-linear offset (drag to reshape)</small>"
                ),
                *self.knots,
                self.range,
                W.HBox(list(self.region_buttons.values())),
                self.clamp_button,
                self.nan_slider,
            ]
        )
        self.categorical_controls = W.VBox([self.scale, self.shift, self.category_box])
        self.controls = W.VBox()
        middle = W.VBox(
            [self.shape_chart, W.HBox([self.zero, self.message]), self.controls]
        )
        self.feedback_chart = alt.JupyterChart(
            alt.Chart().mark_point(), embed_options=_embed()
        )
        self.affected_html = W.HTML()
        self.detail_toggle = W.ToggleButtons(
            options=["importance", "row", "slices"], value="importance"
        )
        T.link((self.detail_toggle, "value"), (self, "detail"))
        self.row_picker = W.BoundedIntText(
            value=0,
            min=0,
            max=max(s._n - 1, 0),
            description="row",
            layout=lay(width="160px"),
        )
        T.link((self.row_picker, "value"), (self, "row"))
        self.slice_picker = W.Dropdown(
            options=s.names, description="slice by", layout=lay(width="240px")
        )
        T.link((self.slice_picker, "value"), (self, "slice_feature"))
        self.detail_chart = alt.JupyterChart(
            alt.Chart().mark_point(), embed_options=_embed()
        )
        self._live = {
            "shape": LiveChart(self.shape_chart),
            "feedback": LiveChart(self.feedback_chart),
            "detail": LiveChart(self.detail_chart),
        }
        right = W.VBox(
            [
                self.feedback_chart,
                self.affected_html,
                self.detail_toggle,
                W.HBox([self.row_picker, self.slice_picker]),
                self.detail_chart,
            ]
        )
        if s.is_classifier and len(s.model.classes_) > 2:
            self.class_picker = W.Dropdown(
                options=[(str(c), i) for i, c in enumerate(s.model.classes_)],
                description="class",
            )
            T.link((self.class_picker, "value"), (self, "class_index"))
            middle.children = (self.class_picker, *middle.children)
        # columns keep their width and wrap under each other in a narrow output
        # area, rather than squeezing and clipping each other
        for column in (left, middle, right):
            column.layout.flex = "0 0 auto"
        self.children = [
            W.HBox([left, middle, right], layout=lay(flex_flow="row wrap"))
        ]

    # ------------------------------------------------------- observers
    @T.observe("feature")
    def _on_change_feature(self, change: dict[str, Any]) -> None:
        name = change["new"]
        if not self._ready:
            return
        if name not in self.session.names:
            raise T.TraitError(f"Unknown feature {name!r}.")
        self.region = None  # a region belongs to one feature's value range
        self._configure_controls()
        self._redraw_now({"features", "shape"})

    @T.observe("class_index", "region")
    def _on_change_view(self, change: dict[str, Any]) -> None:
        self._schedule({"shape"})

    @T.observe("detail", "row", "slice_feature")
    def _on_change_detail(self, change: dict[str, Any]) -> None:
        self._schedule({"detail"})

    def _on_pick_feature(self, change: dict[str, Any]) -> None:
        if not self._syncing and change["new"]:
            self.feature = change["new"]

    def _on_zero(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        if change["new"]:
            self._do(
                lambda: self.session.zero(self.feature, message=self.message.value)
            )
        else:
            self._do(
                lambda: self.session.reset_feature(
                    self.feature, message=self.message.value
                )
            )

    def _on_scale(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._edit(
                lambda: self.session.scale(
                    self.feature,
                    round(change["new"], 6),
                    message=self.message.value,
                    merge=True,
                )
            )

    def _on_shift(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self._edit(
                lambda: self.session.shift(
                    self.feature,
                    round(change["new"], 6),
                    message=self.message.value,
                    merge=True,
                )
            )

    def _on_knot(self, change: dict[str, Any]) -> None:
        if self._syncing:
            return
        offsets = [round(k.value, 6) for k in self.knots]
        positions = self._knot_positions()
        self._edit(
            lambda: self.session.set_knots(
                self.feature, offsets, positions, message=self.message.value, merge=True
            )
        )

    def _on_category(self, change: dict[str, Any]) -> None:
        if not self._syncing and not _echo(change):
            cat = change["owner"].description
            self._edit(
                lambda: self.session.set_category(
                    self.feature,
                    cat,
                    round(change["new"], 6),
                    message=self.message.value,
                    merge=True,
                )
            )

    def _on_nan(self, change: dict[str, Any]) -> None:
        if not self._syncing and not _echo(change):
            self._edit(
                lambda: self.session.set_nan_value(
                    self.feature, round(change["new"], 6), message=self.message.value
                )
            )

    def _on_range(self, change: dict[str, Any]) -> None:
        if not self._syncing:
            self.region = tuple(float(v) for v in change["new"])

    def _watch_brush(self) -> None:
        """(Re)attach the brush observer: a new chart brings new selection traits."""
        sel = self.shape_chart.selections
        if sel is not self._brush_watched and "brush" in sel.trait_names():
            sel.observe(self._on_brush, ["brush"])
            self._brush_watched = sel

    def _on_brush(self, change: dict[str, Any]) -> None:
        sel = getattr(change["new"], "value", None) or {}
        values = [
            v for v in sel.values() if isinstance(v, list | tuple) and len(v) == 2
        ]
        if not values:
            return
        lo, hi = sorted(float(v) for v in values[0])
        rmin, rmax = self.range.min, self.range.max
        lo, hi = max(lo, rmin), min(hi, rmax)
        if hi > lo:
            with self.hold_sync():
                self.range.value = (lo, hi)

    # ------------------------------------------------------------ actions
    def _edit(self, fn: Any) -> None:
        """Apply a slider edit now; redraw charts soon (coalesced)."""
        try:
            fn()
        except (EditError, ValueError) as err:
            self._error(err)
            return
        self._schedule({"features", "shape", "feedback", "detail", "history"})

    def _do(self, fn: Any) -> None:
        """A button action: apply, resync the controls, redraw at once."""
        try:
            fn()
        except (EditError, ValueError, OSError) as err:
            self._error(err)
            return
        self._configure_controls()
        self._redraw_now({"features", "shape", "feedback", "detail", "history"})

    def _clamp_to_region(self) -> None:
        lo, hi = self.range.value
        ref = self.session.reference(self.feature)
        inside = (ref.grid >= lo) & (ref.grid <= hi)
        vals = ref.grid_values[inside, self.class_index]
        self.session.clamp(
            self.feature,
            float(vals.min()),
            float(vals.max()),
            message=self.message.value,
        )

    def save_edits(self, path: str) -> None:
        """Write the session's history to a JSON file."""
        try:
            Path(path).write_text(self.session.to_json())
        except OSError as err:
            self._error(err)
            return
        self._info(f"Saved {len(self.session.history)} actions to {path}.")

    def load_edits(self, path: str) -> None:
        """Replace the history with one saved to a JSON file (unchanged on error)."""

        def load() -> None:
            self.session.load_json(Path(path).read_text())

        self._do(load)
        if not self.status.value.startswith("<span style='color:#b00020'>"):
            self._info(f"Loaded {len(self.session.history)} actions from {path}.")

    def refresh(self) -> None:
        """Redraw everything from the session (after driving it from code)."""
        self._shapes = {s.name: s for s in self.session.model.shape_functions()}
        for live in self._live.values():
            live.invalidate()
        self._configure_controls()
        self._redraw_now({"features", "shape", "feedback", "detail", "history"})

    def _error(self, err: Exception) -> None:
        self.status.value = (
            f"<span style='color:#b00020'>{html.escape(str(err))}</span>"
        )

    def _info(self, text: str) -> None:
        self.status.value = f"<span style='color:#1b5e20'>{html.escape(text)}</span>"

    # ------------------------------------------------------ controls sync
    def _knot_positions(self) -> tuple[float, ...]:
        return self.session.knot_positions(self.feature, self.n_knots)

    def _configure_controls(self) -> None:
        """Point the controls at the selected feature and its last drag edit."""
        s, name = self.session, self.feature
        j = s.names.index(name)
        kind = s.model.feature_kinds_[j]
        last = s.history[s.position - 1][-1] if s.position else None
        mine = last if last is not None and last.feature == name else None
        self._syncing = True
        try:
            with self.hold_sync():
                self.scale.value = mine.factor if isinstance(mine, Scale) else 1.0
                self.shift.value = mine.amount if isinstance(mine, Shift) else 0.0
                self.zero.value = name in s.edited_features and not np.any(
                    s.reference(name).grid_values
                )
                if kind == "numeric":
                    ref = s.reference(name, original=True)
                    knots = (
                        mine.offsets
                        if isinstance(mine, Knots)
                        and mine.positions == self._knot_positions()
                        else (0.0,) * self.n_knots
                    )
                    for k, v in zip(self.knots, knots):
                        k.value = v
                    lo, hi = float(ref.lo), float(ref.hi)
                    step = (hi - lo) / 200 if hi > lo else 1.0
                    self.range.min, self.range.max = (
                        lo - 1,
                        hi + 1,
                    )  # widen first, then set
                    self.range.step = step
                    self.range.min, self.range.max = lo, hi
                    self.range.value = self.region or tuple(
                        _on_step_grid(self.range, v) for v in region_default(lo, hi)
                    )
                    sf = self._shapes[name]
                    self.nan_slider.layout.display = "" if sf.nan_count else "none"
                    if sf.nan_count:
                        nan_now = s.contributions()[
                            np.isnan(s._x[j]), j, self.class_index
                        ]
                        self.nan_slider.value = _on_step_grid(
                            self.nan_slider, float(nan_now[0]) if len(nan_now) else 0.0
                        )
                    self.controls.children = [self.numeric_controls]
                else:
                    self.category_box.children = self._category_sliders(j)
                    self.controls.children = [self.categorical_controls]
        finally:
            self._syncing = False

    def _category_sliders(self, j: int) -> list[W.FloatSlider]:
        ref = self.session.reference(j)
        sliders = []
        for cat, val in zip(ref.grid, ref.grid_values[:, self.class_index]):
            sl = W.FloatSlider(
                min=-3.0,
                max=3.0,
                step=0.02,
                description=str(cat),
                continuous_update=True,
                readout_format=".2f",
            )
            sl.value = _on_step_grid(sl, float(val))
            sl.observe(self._on_category, "value")
            sliders.append(sl)
        return sliders

    @T.observe("region")
    def _on_change_region(self, change: dict[str, Any]) -> None:
        if change["new"] is not None and tuple(self.range.value) != tuple(
            change["new"]
        ):
            self._syncing = True
            try:
                self.range.value = change["new"]
            finally:
                self._syncing = False

    # ------------------------------------------------------------ redraw
    def _schedule(self, parts: set[str]) -> None:
        self._pending |= parts
        if not self._ready:
            return
        delay = self.redraw_delay
        if delay is None:
            delay = 0.05 if _in_kernel() else 0.0
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if delay <= 0 or loop is None:
            self._redraw_now(set())
            return
        if self._handle is None:
            self._handle = loop.call_later(delay, self._flush)

    def _flush(self) -> None:
        self._handle = None
        self._redraw_now(set())

    def _redraw_now(self, parts: set[str]) -> None:
        """Rebuild the views of everything in ``parts`` (and anything pending)."""
        parts = parts | self._pending
        self._pending = set()
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        t0 = time.perf_counter()
        s = self.session
        if "features" in parts:
            self._syncing = True
            try:
                imp = self._importance()
                edited = set(s.edited_features)
                order = np.argsort(-imp)
                with self.features.hold_sync():
                    self.features.options = [
                        (
                            label_for(s.names[i], imp[i], s.names[i] in edited),
                            s.names[i],
                        )
                        for i in order
                    ]
                    self.features.value = self.feature
            finally:
                self._syncing = False
        if "shape" in parts:
            numeric = s.model.feature_kinds_[s.names.index(self.feature)] == "numeric"
            view = shape_view(
                s,
                self._shapes[self.feature],
                self.class_index,
                tuple(self.range.value) if numeric else None,
                self._knot_positions() if numeric else None,
            )
            self._live["shape"].show(view)
            self._watch_brush()
        if "feedback" in parts:
            affected = s.affected()
            self._live["feedback"].show(feedback_view(affected, self._metrics()))
            self.affected_html.value = _affected_text(affected)
        if "detail" in parts:
            self._live["detail"].show(self._detail_view())
        if "history" in parts:
            self.history_list.options = [
                f"{'✓' if i < s.position else '·'} {i + 1}. "
                + "; ".join(_describe(e) for e in action)
                for i, action in enumerate(s.history)
            ]
            self.undo_button.disabled = not s.can_undo
            self.redo_button.disabled = not s.can_redo
        self.last_redraw_ms = (time.perf_counter() - t0) * 1e3
        self.redraw_count += 1

    def _importance(self) -> np.ndarray:
        """Mean |g_j| of the edited functions over the session's rows."""
        return self.session.importance()

    def _metrics(self) -> dict[str, dict[str, Any]]:
        """Three-state metrics (the session caches those of unchanged states)."""
        s = self.session
        if s.y is None:
            return {}
        return s.metrics_table(auc=self.live_auc, fast=True)

    def _detail_view(self) -> View:
        s = self.session
        if self.detail == "importance":
            return importance_view(s.names, self._importance(), s.edited_features)
        if self.detail == "row":
            return row_view(s, self.row, self.class_index)
        return slices_view(s, self.slice_feature, self.live_auc)


def _on_step_grid(slider: W.FloatSlider | W.FloatRangeSlider, value: float) -> float:
    """``value`` rounded to the slider's steps (``min + k * step``) and clipped.

    The browser snaps a slider's value to its steps and sends the snapped value
    back: a model value such as a NaN contribution of 0.3805 would come back as
    0.38 and be taken for the user's edit (211 of 2,000 rows "moved" on opening
    the panel). Shown on the grid, it comes back unchanged; the session keeps
    the exact value until the user moves the slider.
    """
    k = round((value - slider.min) / slider.step)
    snapped = round(slider.min + k * slider.step, 10)
    return float(min(max(snapped, slider.min), slider.max))


def _echo(change: dict[str, Any]) -> bool:
    """Whether a slider change is the browser's float rounding of the value shown.

    These sliders show model values (snapped to their steps by
    :func:`_on_step_grid`); a user's move is at least one step.
    """
    old, new = change["old"], change["new"]
    return abs(new - old) < 1e-9 * max(1.0, abs(old))


def _describe(edit: Any) -> str:
    d = edit.to_dict()
    kind, feature = d.pop("kind"), d.pop("feature")
    msg = d.pop("message", "")
    d = {k: v for k, v in d.items() if v is not None}
    args = ", ".join(f"{k}={_fmt(v)}" for k, v in d.items())
    return f"{kind} {feature}({args})" + (f" — {msg}" if msg else "")


def _fmt(v: Any) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _affected_text(a: dict[str, Any]) -> str:
    share = 100 * a["fraction_changed"]
    text = (
        f"<b>{a['n_changed']:,}</b> of {a['n_rows']:,} rows moved ({share:.1f}%), "
        f"mean |shift| {a['mean_abs_shift']:.3g}"
    )
    if "n_flipped" in a:
        text += f"; <b>{a['n_flipped']:,}</b> classifications flipped"
    return f"<div class='nam-affected'>{text}</div>"


def explore(model: Any, X: Any, y: Any = None, **kwargs: Any) -> NAMPanel:
    """Open the editing panel on a fitted NAM and a dataset.

    Parameters
    ----------
    model : NAMRegressor or NAMClassifier
    X : DataFrame or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), optional
    **kwargs
        Passed to :class:`NAMPanel`.

    Returns
    -------
    NAMPanel
    """
    return NAMPanel(model, X, y, **kwargs)
