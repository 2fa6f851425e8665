"""The panel's controls: the widgets, and how they show the session's state.

:class:`ControlsMixin` makes every control of :class:`~namwidgets.widget.NAMPanel`
and writes the session's state into them. Writing to a control fires its
observer as a user's change would; every control observer is attached with
:meth:`ControlsMixin._bind`, which ignores changes made inside
:meth:`ControlsMixin._setting_controls`. That is the one mechanism that tells
the panel's own writes from the user's.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import altair as alt
import ipywidgets as W

from ..edit import Knots, Scale, Shift
from ..exceptions import InputError
from ._drag import DragCurve
from ._format import label_for, on_step_grid
from ._keys import PANEL_CLASS, SliderKeys
from ._live import LiveJupyterChart

Layout = W.Layout


#: Width of one what-if text box: three fit the panel's right column.
WHAT_IF_BOX_WIDTH = "138px"


def _embed() -> dict[str, Any]:
    return {"renderer": "svg", "actions": False}


def _slider(description: str, lo: float, hi: float, step: float) -> W.FloatSlider:
    # each slider needs its own Layout: a shared one would hide them all when
    # one is hidden
    return W.FloatSlider(
        value=0.0, min=lo, max=hi, step=step, description=description,
        continuous_update=True, readout_format=".2f", layout=Layout(width="380px"),
    )  # fmt: skip


def category_limit(values: Any) -> float:
    """A category slider's bound: twice the largest level's size (at least 0.5)."""
    finite = [abs(float(v)) for v in values if v == v]
    return float(f"{max(2.0 * max(finite, default=0.0), 0.5):.2g}")


def round_step(step: float) -> float:
    """``step`` rounded to one significant digit (0.0123 -> 0.01)."""
    return float(f"{step:.0e}") if step > 0 else 0.01


def snap(slider: W.FloatSlider | W.FloatRangeSlider, value: float) -> float:
    """``value`` on ``slider``'s steps, as the browser would send it back."""
    return on_step_grid(slider.min, slider.max, slider.step, value)


class ControlsMixin:
    """Builds the panel's controls and writes the session's state into them."""

    session: Any
    n_knots: int
    feature: str
    class_index: int
    region: tuple[float, float] | None
    hold_sync: Callable[[], Any]
    add_class: Callable[[str], Any]
    # placed by ``_layout.arrange``
    numeric_controls: W.VBox
    knot_sliders_box: W.VBox
    categorical_controls: W.VBox
    pair_controls: W.VBox
    detail_pickers: W.HBox

    _writing = 0

    # ------------------------------------------------------------ the mechanism
    @contextlib.contextmanager
    def _setting_controls(self) -> Iterator[None]:
        """Write to controls without their observers taking it for the user."""
        self._writing += 1
        try:
            with self.hold_sync():
                yield
        finally:
            self._writing -= 1

    def _bind(
        self, widget: W.Widget, handler: Callable[[dict[str, Any]], None]
    ) -> None:
        """Observe ``widget.value`` with ``handler``, except for the panel's writes."""

        def observer(change: dict[str, Any]) -> None:
            if not self._writing:
                handler(change)

        widget.observe(observer, "value")

    # ------------------------------------------------------------ the widgets
    def _build_controls(self) -> None:
        s = self.session
        # the sliders' keys reach them in Notebook 7 too (see ``_keys``)
        self.add_class(PANEL_CLASS)
        self.slider_keys = SliderKeys()
        self.features = W.Select(rows=8, layout=Layout(width="230px"))
        self.history_list = W.HTML(
            layout=Layout(width="230px", max_height="160px", overflow="auto")
        )
        self.undo_button = W.Button(
            description="Undo", icon="undo", layout=Layout(width="74px")
        )
        self.redo_button = W.Button(
            description="Redo", icon="repeat", layout=Layout(width="74px")
        )
        self.reset_feature_button = W.Button(
            description="Reset term", layout=Layout(width="97px")
        )
        self.reset_all_button = W.Button(
            description="Reset all", layout=Layout(width="97px")
        )
        self.path = W.Text(
            value="edits.json", description="File", layout=Layout(width="230px")
        )
        self.save_button = W.Button(
            description="Save edits", layout=Layout(width="97px")
        )
        self.load_button = W.Button(
            description="Load edits", layout=Layout(width="97px")
        )
        self.status = W.HTML()
        self.message = W.Text(placeholder="note: why? (saved with the next edit)")
        self.zero = W.ToggleButton(
            description="Zero",
            icon="ban",
            tooltip="remove this term's effect",
            layout=Layout(width="100px"),
        )
        self.x_range_toggle = W.ToggleButtons(
            options=[("data window", "data"), ("all", "all")],
            value="data",
            tooltips=[
                "x axis over the 0.5-99.5% range of the data",
                "x axis over the whole grid, tails included",
            ],
            style={"button_width": "112px"},
        )
        self.scale = _slider("scale", -1.0, 3.0, 0.05)
        self.scale.value = 1.0
        self.shift = _slider("shift", -2.0, 2.0, 0.05)
        self.knots = [
            _slider(f"knot {k + 1}", -2.0, 2.0, 0.02) for k in range(self.n_knots)
        ]
        # the knots drawn on the curve, dragged with the mouse (the sliders
        # stay: the precise, keyboard-accessible path)
        self.drag_curve = DragCurve()
        self.knot_sliders_toggle = W.ToggleButton(
            description="knot sliders",
            tooltip="show the knot sliders (precise values, keyboard)",
            layout=Layout(width="110px"),
        )
        self.range = W.FloatRangeSlider(
            description="region",
            continuous_update=False,
            readout_format=".3g",
            layout=Layout(width="430px"),
        )
        self.range.add_class("nam-region")  # found by the browser tests
        labels = {
            "flatten": "Flatten",
            "up": "Monotone ↑",
            "down": "Monotone ↓",
            "smooth": "Smooth",
        }
        self.region_buttons = {
            key: W.Button(description=label, layout=Layout(width="auto"))
            for key, label in labels.items()
        }
        self.clamp_button = W.Button(
            description="Clamp",
            tooltip="clamp the term to the range of its values in the region",
            layout=Layout(width="auto"),
        )
        self.category_box = W.VBox()
        self.show_original = W.ToggleButton(
            description="Show original",
            tooltip="colour the heatmap by the model's original pair function",
        )
        self.nan_slider = _slider("missing", -2.0, 2.0, 0.02)
        self.controls = W.VBox()
        self.shape_chart = LiveJupyterChart(
            alt.Chart().mark_point(), embed_options=_embed()
        )
        self.feedback_chart = LiveJupyterChart(
            alt.Chart().mark_point(), embed_options=_embed()
        )
        self.detail_chart = LiveJupyterChart(
            alt.Chart().mark_point(), embed_options=_embed()
        )
        self.affected_html = W.HTML()
        self.detail_toggle = W.ToggleButtons(
            options=["importance", "row", "slices"],
            value="importance",
            style={"button_width": "100px"},
        )
        self.row_picker = W.BoundedIntText(
            value=0,
            min=0,
            max=max(s.n_rows - 1, 0),
            description="row",
            layout=Layout(width="160px"),
        )
        # what-if: one text box per feature, the picked row's value in it,
        # three to a line (the row tab fits 1280x800 with the row's chart)
        self.what_if_inputs = {
            name: W.Text(
                description=name,
                tooltip=name,
                continuous_update=False,
                layout=Layout(width=WHAT_IF_BOX_WIDTH),
                style={"description_width": "60px"},
            )
            for name in s.model.feature_names_
        }
        self.what_if_reset = W.Button(
            description="Row's own values", layout=Layout(width="150px")
        )
        self.what_if_note = W.HTML("<small>What if: edit a value, press Enter</small>")
        self.what_if_grid = W.Box(
            list(self.what_if_inputs.values()),
            layout=Layout(flex_flow="row wrap", width="100%"),
        )
        # the row-pick chart goes beside the picker (``_whatif``)
        self.what_if_box = W.VBox([self.what_if_grid])
        self.what_if_box.add_class("nam-what-if")  # found by the browser tests
        self.slice_picker = W.Dropdown(
            options=list(s.main_effects),
            description="slice by",
            layout=Layout(width="240px"),
        )
        self._build_pair_controls()
        classes = s.classes
        self.class_picker: W.Dropdown | None = None
        if classes is not None and len(classes) > 2:
            self.class_picker = W.Dropdown(
                options=[(str(c), i) for i, c in enumerate(classes)],
                description="class",
            )

    # ------------------------------------------------------ a pair's region
    def _build_pair_controls(self) -> None:
        """The buttons that act on the rectangle brushed on a pair's heatmap.

        ``pair_region_box``: Flatten region, Clamp to the region's values, and
        (for a pair with a categorical feature) Set cell with its value box.
        Each acts on :attr:`pair_region` through the session.
        """
        width = Layout(width="auto")
        self.pair_flatten_button = W.Button(
            description="Flatten region",
            tooltip="make the pair constant (its data-weighted mean) on the brush",
            layout=width,
        )
        self.pair_clamp_button = W.Button(
            description="Clamp to region's values",
            tooltip="clip the pair to the range its values take in the brush",
            layout=width,
        )
        self.pair_cell_value = W.FloatText(
            value=0.0, description="cell", layout=Layout(width="160px")
        )
        self.pair_cell_button = W.Button(description="Set cell", layout=width)
        self.pair_cell_box = W.HBox([self.pair_cell_value, self.pair_cell_button])
        self.pair_region_box = W.VBox(
            [
                W.HTML("<small>Brush a rectangle on the heatmap, then:</small>"),
                W.HBox([self.pair_flatten_button, self.pair_clamp_button]),
                self.pair_cell_box,
            ]
        )
        s = self.session
        self.pair_flatten_button.on_click(
            lambda _: self._act(
                lambda: s.flatten_region(
                    self.feature, self._brushed(), message=self._note()
                )
            )
        )
        self.pair_clamp_button.on_click(
            lambda _: self._act(
                lambda: s.clamp_to_pair_region(
                    self.feature,
                    self._brushed(),
                    class_index=self.class_index,
                    message=self._note(),
                )
            )
        )
        self.pair_cell_button.on_click(
            lambda _: self._act(
                lambda: s.set_cell(
                    self.feature,
                    self._brushed(),
                    float(self.pair_cell_value.value),
                    message=self._note(),
                )
            )
        )

    def _brushed(self) -> dict[str, Any]:
        """The brushed rectangle, or an ``InputError`` telling the user to brush."""
        region = getattr(self, "pair_region", None)  # the panel's trait
        if not region:
            raise InputError(
                f"Brush a rectangle on the heatmap of {self.feature!r} first."
            )
        return dict(region)

    def _sync_pair(self, name: str) -> None:
        """Show the region buttons under a pair's controls.

        Set cell shows for a pair with a categorical feature only.
        """
        box = self.pair_controls
        if self.pair_region_box not in box.children:
            box.children = (*box.children, self.pair_region_box)
        s = self.session
        ref = s.reference(name)
        kinds = getattr(ref, "pair_kinds", ())
        self.pair_cell_box.layout.display = "" if "categorical" in kinds else "none"

    def _act(self, fn: Callable[[], Any]) -> bool:
        raise NotImplementedError

    def _note(self) -> str:
        raise NotImplementedError

    # ------------------------------------------------------ state -> controls
    def _last_edit_of(self, name: str) -> Any:
        """The latest applied edit when it is of term ``name`` (a drag to go on)."""
        s = self.session
        last = s.history[s.position - 1][-1] if s.position else None
        return last if last is not None and last.feature == name else None

    def _knot_positions(self) -> tuple[float, ...]:
        return tuple(self.session.knot_positions(self.feature, self.n_knots))

    def _sync_controls(self) -> None:
        """Point the controls at the selected term and its last drag edit."""
        s, name = self.session, self.feature
        kind = s.term_kinds[s.term_names.index(name)]
        mine = self._last_edit_of(name)
        with self._setting_controls():
            self.scale.value = mine.factor if isinstance(mine, Scale) else 1.0
            self.shift.value = mine.amount if isinstance(mine, Shift) else 0.0
            self.zero.value = bool(s.is_zeroed(name))
            if kind == "numeric":
                self._sync_numeric(name, mine)
                self.controls.children = [self.numeric_controls]
            elif kind == "pair":
                self._sync_pair(name)
                self.controls.children = [self.pair_controls]
            else:
                self.category_box.children = self._category_sliders(name)
                self.controls.children = [self.categorical_controls]

    def _sync_numeric(self, name: str, mine: Any) -> None:
        s = self.session
        same = isinstance(mine, Knots) and mine.positions == self._knot_positions()
        offsets = mine.offsets if same else (0.0,) * self.n_knots
        for k, v in zip(self.knots, offsets):
            k.value = v
        lo, hi = s.term_range(name)
        step = (hi - lo) / 200 if hi > lo else 1.0
        with self.range.hold_sync():
            self.range.min, self.range.max = lo - 1, hi + 1  # widen first, then set
            self.range.step = step
            self.range.min, self.range.max = lo, hi
            self.range.value = self.region or tuple(
                snap(self.range, v) for v in s.default_region(name)
            )
        nan_now = s.nan_contribution(name, self.class_index)
        self.nan_slider.layout.display = "none" if nan_now is None else ""
        if nan_now is not None:
            self.nan_slider.value = snap(self.nan_slider, nan_now)

    def _category_sliders(self, name: str) -> list[W.FloatSlider]:
        ref = self.session.reference(name)
        values = ref.grid_values[:, self.class_index]
        limit = category_limit(values)
        sliders = []
        for cat, val in zip(ref.grid, values):
            # the term's own scale: a fixed -3..3 let a 50 px drag hit the end
            sl = _slider(str(cat), -limit, limit, round_step(limit / 200))
            sl.layout.width = "430px"
            sl.value = snap(sl, float(val))
            self._bind(sl, self._on_category)
            sliders.append(sl)
        return sliders

    def _on_category(self, change: dict[str, Any]) -> None:
        raise NotImplementedError

    def _sync_feature_list(self, importance: Any, edited: set[str]) -> None:
        names, kinds = self.session.term_names, self.session.term_kinds
        # main effects and pairs on one scale: the session's importance
        order = sorted(range(len(names)), key=lambda i: -float(importance[i]))
        with self._setting_controls(), self.features.hold_sync():
            self.features.options = [
                (
                    label_for(
                        names[i], importance[i], names[i] in edited, kinds[i] == "pair"
                    ),
                    names[i],
                )
                for i in order
            ]
            self.features.value = self.feature
