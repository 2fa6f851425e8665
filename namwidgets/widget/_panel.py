"""NAMPanel: ipywidgets controls bound to an EditSession, charts in JupyterChart.

The panel holds no math and no policy: a control calls a session method; the
session's new state redraws what changed. Layout: ``_controls`` (the widgets
and how they show the session's state), ``_layout`` (where they go),
``_handlers`` (controls, drag and brush -> session calls), ``_redraw`` (which
charts are stale, when and how they redraw), ``_whatif`` (the what-if row),
``_format`` (text), ``_views`` (session state -> chart views).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import altair as alt
import ipywidgets as W
import traitlets as T

from ..edit import EditSession
from ..exceptions import InputError
from ._controls import ControlsMixin
from ._drag import DragMixin
from ._format import history_entry
from ._handlers import HandlersMixin
from ._layout import arrange
from ._redraw import ALL_PARTS, LiveChart, RedrawMixin, RedrawScheduler
from ._whatif import WhatIfMixin

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


class PanelValueError(InputError, T.TraitError):
    """A value the panel refuses for one of its traits (the trait keeps its value).

    An :class:`~namwidgets.InputError` and a ``traitlets.TraitError``, so that
    ``hold_trait_notifications`` rolls the trait back as for any invalid value.
    """


class NAMPanel(
    DragMixin, HandlersMixin, RedrawMixin, WhatIfMixin, ControlsMixin, W.VBox
):
    """Explore and edit a fitted additive model's term functions, live.

    Parameters
    ----------
    model : AdditiveModel, optional
        A fitted model, e.g. a NAMRegressor or NAMClassifier (or pass ``session``).
    X, y : data to watch (a validation set), as for :class:`EditSession`.
    session : EditSession, optional
        An existing session to drive instead of a new one.
    n_knots : int, default=5
        Knot sliders per numeric term.
    redraw_delay : float, optional
        Seconds to wait for more slider events before redrawing charts, when an
        event loop is running. Default: 0.05 in a Jupyter kernel, 0 (immediate)
        elsewhere, e.g. in tests.
    live_auc : bool, optional
        Recompute ROC AUC on every slider move (default: the session's
        ``auc_is_live``).

    Attributes
    ----------
    session : EditSession
        The live session: ``panel.session.to_model()`` is the edited model.
    """

    feature = T.Unicode(help="The selected term.")
    class_index = T.Int(0, help="Class drawn for a multiclass model.")
    row = T.Int(0, help="Row shown in the row view.")
    region = T.Tuple(allow_none=True, default_value=None, help="(lo, hi) or None.")
    pair_region = T.Dict(
        allow_none=True,
        default_value=None,
        help="The 2-D brush on a pair's heatmap, {feature: (lo, hi)}, or None.",
    )
    detail = T.Enum(["importance", "row", "slices"], default_value="importance")
    slice_feature = T.Unicode(help="The term the slices view cuts the rows by.")
    x_range = T.Enum(
        ["data", "all"],
        default_value="data",
        help='The shape chart\'s x axis: "data" (the 0.5-99.5% window) or "all".',
    )

    _brushing = False  # True while the brush in the browser changes the region

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
                raise InputError("NAMPanel needs a fitted model and X, or a session.")
            session = EditSession(model, X, y)
        if isinstance(n_knots, bool) or not isinstance(n_knots, int) or n_knots < 2:
            raise InputError(f"n_knots must be an int >= 2, got {n_knots!r}.")
        super().__init__(**kwargs)
        enable_offline()
        self.session = session
        self.n_knots = n_knots
        self.live_auc = session.auc_is_live if live_auc is None else bool(live_auc)
        self._redraws = RedrawScheduler(self._redraw, redraw_delay)
        self._shapes = {sf.name: sf for sf in session.term_functions("original")}
        self._build_controls()
        self.children = [*arrange(self), self.slider_keys]
        self._connect()
        names, kinds = session.term_names, session.term_kinds
        mains = session.main_effects
        self.slice_feature = next(
            (n for n, k in zip(names, kinds) if k == "categorical"), mains[0]
        )
        importance = session.importance()
        self.feature = max(mains, key=lambda n: importance[names.index(n)])
        self._redraws.ready = True
        self._sync_controls()
        self._sync_what_if()
        self._redraws.now(ALL_PARTS)

    # ------------------------------------------------------------ bookkeeping
    @property
    def history_entries(self) -> list[str]:
        """The history list's lines: applied mark, number, the action's edits."""
        s = self.session
        return [
            history_entry(i, i < s.position, action)
            for i, action in enumerate(s.history)
        ]

    def _connect(self) -> None:
        """Bind every control to its handler; link the pickers to the traits."""
        s = self.session
        self._live = {
            "shape": LiveChart(self.shape_chart),
            "feedback": LiveChart(self.feedback_chart),
            "detail": LiveChart(self.detail_chart),
        }
        self._brush_watched: Any = None
        self._bind(self.features, self._on_pick_feature)
        self._bind(self.zero, self._on_zero)
        self._bind(self.scale, self._on_scale)
        self._bind(self.shift, self._on_shift)
        for k in self.knots:
            self._bind(k, self._on_knot)
        self.drag_curve.observe(self._on_drag, "drag")
        self.knot_sliders_toggle.observe(
            lambda c: setattr(
                self.knot_sliders_box.layout, "display", "" if c["new"] else "none"
            ),
            "value",
        )
        self._bind(self.range, self._on_range)
        self._bind(self.nan_slider, self._on_nan)
        self._bind(self.show_original, lambda _: self._redraws.now({"shape"}))
        msg = self._note
        self.undo_button.on_click(lambda _: self._act(s.undo))
        self.redo_button.on_click(lambda _: self._act(s.redo))
        self.reset_feature_button.on_click(
            lambda _: self._act(lambda: s.reset_feature(self.feature, message=msg()))
        )
        self.reset_all_button.on_click(
            lambda _: self._act(lambda: s.reset_all(message=msg()))
        )
        self.save_button.on_click(lambda _: self.save_edits(self.path.value))
        self.load_button.on_click(lambda _: self.load_edits(self.path.value))
        region_actions: dict[str, Callable[[float, float], Any]] = {
            "flatten": lambda lo, hi: s.flatten(self.feature, lo, hi, message=msg()),
            "up": lambda lo, hi: s.monotone(self.feature, True, lo, hi, message=msg()),
            "down": lambda lo, hi: s.monotone(
                self.feature, False, lo, hi, message=msg()
            ),
            "smooth": lambda lo, hi: s.smooth(
                self.feature, None, lo, hi, message=msg()
            ),
        }
        for key, fn in region_actions.items():
            self.region_buttons[key].on_click(
                lambda _, fn=fn: self._act(lambda: fn(*self.range.value))
            )
        self.clamp_button.on_click(
            lambda _: self._act(
                lambda: s.clamp_to_region(
                    self.feature,
                    *self.range.value,
                    class_index=self.class_index,
                    message=msg(),
                )  # fmt: skip
            )
        )
        T.link((self.detail_toggle, "value"), (self, "detail"))
        T.link((self.row_picker, "value"), (self, "row"))
        T.link((self.slice_picker, "value"), (self, "slice_feature"))
        T.link((self.x_range_toggle, "value"), (self, "x_range"))
        self._connect_what_if()
        if self.class_picker is not None:
            T.link((self.class_picker, "value"), (self, "class_index"))

    def _note(self) -> str:
        return str(self.message.value)

    # ------------------------------------------------------------ validation
    @T.validate("feature", "slice_feature")
    def _valid_term(self, proposal: Any) -> str:
        name = proposal["value"]
        if name not in self.session.term_names:
            raise PanelValueError(
                f"Unknown term {name!r} for {proposal['trait'].name}; "
                f"the model's terms are {self.session.term_names}."
            )
        slicing = proposal["trait"].name == "slice_feature"
        if slicing and name not in self.session.main_effects:
            raise PanelValueError(
                f"{name!r} is a pair term: slices cut the rows by one feature, "
                f"one of {self.session.main_effects}."
            )
        return str(name)

    @T.validate("class_index")
    def _valid_class_index(self, proposal: Any) -> int:
        k = proposal["value"]
        n_out = int(self.session.contributions("original").shape[2])
        if not 0 <= k < n_out:
            raise PanelValueError(
                f"class_index must be in [0, {n_out}) for this model, got {k}."
            )
        return int(k)

    @T.validate("row")
    def _valid_row(self, proposal: Any) -> int:
        r, n = proposal["value"], self.session.n_rows
        if not 0 <= r < n:
            raise PanelValueError(f"row must be in [0, {n}), got {r}.")
        return int(r)

    @T.validate("region")
    def _valid_region(self, proposal: Any) -> tuple[float, float] | None:
        value = proposal["value"]
        if value is None:
            return None
        if self.feature in self.session.term_names and (
            self.session.term_kinds[self.session.term_names.index(self.feature)]
            == "pair"
        ):
            raise PanelValueError(
                f"region is an interval of one feature; {self.feature!r} is a pair "
                "term (select a main effect first)."
            )
        try:
            lo, hi = (float(v) for v in value)
        except (TypeError, ValueError):
            lo = hi = math.nan
        if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
            raise PanelValueError(
                f"region must be None or finite (lo, hi) with lo <= hi, got {value!r}."
            )
        return (lo, hi)

    # ------------------------------------------------------------ trait changes
    @T.observe("feature")
    def _on_change_feature(self, change: dict[str, Any]) -> None:
        if not self._redraws.ready:
            return
        self.set_trait("region", None)  # a region belongs to one term's value range
        self.set_trait("pair_region", None)
        self._sync_controls()
        self._redraws.now({"features", "shape"})

    @T.observe("class_index")
    def _on_change_class_index(self, change: dict[str, Any]) -> None:
        if self._redraws.ready:
            self._sync_controls()
        self._redraws.schedule({"shape", "detail"})

    @T.observe("region")
    def _on_change_region(self, change: dict[str, Any]) -> None:
        new = change["new"]
        if new is not None and tuple(self.range.value) != tuple(new):
            with self._setting_controls():
                self.range.value = new
        if not self._brushing:
            # the slider (or code) moved the region: the redraw moves the
            # brush in the shown chart (Vega signals, no re-embed)
            self._live["shape"].move_selections()
        # While brushing the browser draws this region already, as the brush
        # being dragged: a rebuild would re-embed the chart and end the drag
        # (the brush kept only its first few pixels). The brush's start value
        # is not in a live chart's key, so this redraws data only: the default
        # region's band is emptied under the new brush.
        self._redraws.schedule({"shape"})

    @T.observe("x_range")
    def _on_change_x_range(self, change: dict[str, Any]) -> None:
        self._redraws.schedule({"shape"})

    @T.observe("row")
    def _on_change_row(self, change: dict[str, Any]) -> None:
        self.what_if = {}  # changes belong to one row
        self._sync_what_if()
        self._redraws.schedule({"detail"})

    @T.observe("detail")
    def _on_change_detail(self, change: dict[str, Any]) -> None:
        self._redraws.schedule({"detail"})

    @T.observe("slice_feature")
    def _on_change_slice_feature(self, change: dict[str, Any]) -> None:
        self._redraws.schedule({"detail"})

    def save_edits(self, path: str) -> bool:
        """Write the session's history to a JSON file; return whether it worked."""
        done = self._act_on(lambda: self.session.save_history(path), ())
        if done:
            self._show(
                f"Saved {len(self.session.history)} actions to {path}.", error=False
            )
        return done

    def load_edits(self, path: str) -> bool:
        """Replace the history with one saved to a JSON file (unchanged on error)."""
        done = self._act(lambda: self.session.load_history(path))
        if done:
            n = len(self.session.history)
            self._show(f"Loaded {n} actions from {path}.", error=False)
        return done


def explore(model: Any, X: Any, y: Any = None, **kwargs: Any) -> NAMPanel:
    """Open the editing panel on a fitted model and a dataset.

    Parameters
    ----------
    model : AdditiveModel or EBM
        A fitted model, e.g. a NAMRegressor or NAMClassifier, or an InterpretML
        EBM (the session wraps it with ``namwidgets.adapters.as_additive_model``).
    X : DataFrame or array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,), optional
    **kwargs
        Passed to :class:`NAMPanel`.

    Returns
    -------
    NAMPanel
    """
    return NAMPanel(model, X, y, **kwargs)
