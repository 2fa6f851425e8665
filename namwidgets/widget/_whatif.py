"""What-if on a row: change some of the picked row's values, see it before/after.

:class:`WhatIfMixin` holds :class:`~namwidgets.widget.NAMPanel`'s ``what_if``
trait (validated against the model's features and levels) and binds the text
boxes made in ``_controls``. The numbers come from the edited model
(:func:`~namwidgets.widget._views.what_if_view`).

On the row tab a small chart (:class:`~namwidgets.charts.RowPickView`:
prediction against target for up to :data:`PICK_ROWS` rows, the picked row
among them) picks the row by a click on its point: the ``pick`` selection
sets the panel's ``row``, so the row view and the what-if follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import ipywidgets as W
import numpy as np
import traitlets as T

from .. import charts
from ..exceptions import InputError
from ._redraw import LiveChart
from ._views import row_values

#: Rows drawn in the row-pick chart (evenly spread, the picked row among them).
PICK_ROWS = 300
#: The row-pick chart's plot size in pixels (beside the row picker).
PICK_WIDTH, PICK_HEIGHT = 170, 80


def row_pick_view(session: Any, row: int, class_index: int) -> charts.RowPickView:
    """Prediction (under the edits) against target of a sample of rows.

    A classifier's prediction is the probability of the drawn class (class 1
    of a binary model), its target the class label; without ``y`` the x axis
    is the row number.
    """
    rows = charts.sample_rows(session.n_rows, PICK_ROWS, include=int(row))
    pred = np.asarray(session.predictions())[rows]
    y_title = "prediction"
    if pred.ndim == 2:
        k = 1 if pred.shape[1] == 2 else int(class_index)
        pred = pred[:, k]
        classes = session.classes
        y_title = f"P({classes[k]})" if classes is not None else f"P(class {k})"
    targets = None
    x_title = "row"
    if session.y is not None:
        y = np.asarray(session.y)[rows]
        targets = [v.item() if hasattr(v, "item") else v for v in y]
        x_title = "class" if session.is_classifier else "target"
    return charts.RowPickView(
        rows,
        pred,
        targets,
        picked=int(row),
        x_title=x_title,
        y_title=y_title,
        width=PICK_WIDTH,
        height=PICK_HEIGHT,
    )


class WhatIfError(InputError, T.TraitError):
    """A what-if value the panel refuses (the trait keeps its value)."""


class WhatIfMixin(T.HasTraits):
    """The ``what_if`` trait of the panel and its text boxes."""

    session: Any
    row: int
    class_index: int
    what_if_inputs: dict[str, Any]
    what_if_reset: Any
    what_if_box: Any
    what_if_note: Any
    row_picker: Any
    _redraws: Any
    _bind: Callable[..., None]
    _setting_controls: Callable[[], Any]
    _act_on: Callable[..., bool]

    what_if = T.Dict(
        help="Changed feature values of the picked row, {feature: value}: the "
        "row view shows the row before and after them, under the edits.",
    )

    def _connect_what_if(self) -> None:
        for name, box in self.what_if_inputs.items():
            self._bind(box, self._what_if_handler(name))
        self.what_if_reset.on_click(lambda _: setattr(self, "what_if", {}))
        # the row-pick chart, at the top of the row tab's what-if box
        embed = {"renderer": "svg", "actions": False}
        self.row_pick_chart = alt.JupyterChart(
            alt.Chart().mark_point(), embed_options=embed
        )
        self.row_pick_chart.add_class("nam-row-pick")  # found by the browser tests
        self._live_pick = LiveChart(self.row_pick_chart)
        self._pick_watched: Any = None
        # the row tab, at 1280x800 with the row's contributions below: the
        # pick chart beside the row's number and the reset, the values under
        self.what_if_box.children = (
            W.HBox(
                [
                    self.row_pick_chart,
                    W.VBox([self.row_picker, self.what_if_note, self.what_if_reset]),
                ]
            ),
            *self.what_if_box.children,
        )
        self.row_picker.add_class("nam-row-picker")

    def _show_row_pick(self) -> None:
        """Redraw the row-pick chart (data only while its structure holds)."""
        self._live_pick.show(row_pick_view(self.session, self.row, self.class_index))
        sel = self.row_pick_chart.selections
        if sel is not self._pick_watched and charts.PICK in sel.trait_names():
            sel.observe(self._on_pick, [charts.PICK])
            self._pick_watched = sel

    def _on_pick(self, change: dict[str, Any]) -> None:
        """A point clicked: its row is the panel's row (a cleared pick: no change)."""
        picked = getattr(change["new"], "value", None) or []
        rows = [p.get("row") for p in picked if isinstance(p, dict)]
        if rows and rows[0] is not None:
            self._act_on(lambda: setattr(self, "row", int(rows[0])), redraw=())

    def _what_if_handler(self, name: str) -> Callable[[dict[str, Any]], None]:
        def handler(change: dict[str, Any]) -> None:
            self._on_what_if(name, change)

        return handler

    @T.validate("what_if")
    def _valid_what_if(self, proposal: Any) -> dict[str, Any]:
        model = self.session.model
        kinds = dict(zip(model.feature_names_, model.feature_kinds_))
        out: dict[str, Any] = {}
        for name, value in dict(proposal["value"]).items():
            if name not in kinds:
                raise WhatIfError(
                    f"what_if names an unknown feature {name!r}; the model's "
                    f"features are {list(kinds)}."
                )
            if kinds[name] == "categorical":
                levels = [str(c) for c in self.session.reference(name).grid]
                if str(value) not in levels:
                    raise WhatIfError(
                        f"what_if[{name!r}] must be one of the levels {levels}, "
                        f"got {value!r}."
                    )
                out[name] = self.session.reference(name).grid[levels.index(str(value))]
                continue
            try:
                out[name] = float(value)
            except (TypeError, ValueError):
                raise WhatIfError(
                    f"what_if[{name!r}] must be a number, got {value!r}."
                ) from None
        return out

    @T.observe("what_if")
    def _on_change_what_if(self, change: dict[str, Any]) -> None:
        self._sync_what_if()
        self._redraws.schedule({"detail"})

    def _sync_what_if(self) -> None:
        """Show the row's values, with the what-if changes, in the text boxes."""
        values = {**row_values(self.session, self.row), **self.what_if}
        with self._setting_controls():
            for name, box in self.what_if_inputs.items():
                v = values[name]
                box.value = f"{v:.6g}" if isinstance(v, float) else str(v)

    def _on_what_if(self, name: str, change: dict[str, Any]) -> None:
        text = str(change["new"]).strip()
        self._act_on(
            lambda: setattr(self, "what_if", {**self.what_if, name: text}),
            redraw=(),
        )
