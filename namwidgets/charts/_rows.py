"""Rows as points, one clicked to pick it: :class:`RowPickView`.

The panel's row tab shows the model's prediction against the target for a
sample of the rows (:func:`sample_rows`); a click on a point selects it (the
``pick`` point selection, on the ``row`` field), and the panel makes that row
the one whose contributions and what-if it shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Literal

import altair as alt
import numpy as np
import numpy.typing as npt

from ..exceptions import InputError
from ._theme import PALETTE, ChartView, Datasets, as_1d, finish, floats, unvalidated

#: The point selection's name: ``JupyterChart.selections.pick``.
PICK = "pick"


def sample_rows(n_rows: int, k: int, include: int | None = None) -> list[int]:
    """Up to ``k`` row numbers of ``n_rows``, evenly spread, ``include`` among them.

    Deterministic (no random draw): ``k`` rows at equal steps from the first
    to the last, plus ``include`` when it is not one of them.

    Raises
    ------
    InputError
        ``n_rows`` or ``k`` not a non-negative int, ``include`` out of range.
    """
    for name, v in (("n_rows", n_rows), ("k", k)):
        if isinstance(v, bool) or not isinstance(v, int | np.integer) or v < 0:
            msg = f"{name} must be a non-negative int, got {v!r}"
            raise InputError(msg)
    if include is not None and not 0 <= int(include) < n_rows:
        msg = f"include must be a row in [0, {n_rows}), got {include!r}"
        raise InputError(msg)
    rows = set(np.linspace(0, n_rows - 1, min(k, n_rows)).round().astype(int).tolist())
    if include is not None:
        rows.add(int(include))
    return sorted(rows)


@dataclass(frozen=True, eq=False)
class RowPickView(ChartView):
    """Each row a point, prediction against target; a click picks one.

    Key: whether the target is numeric (a quantitative axis) or labels (one
    strip per label), the titles, ``width``, ``height``, ``configure``.
    :meth:`datasets`: ``"rows"``, one row a point, the picked one marked.

    Parameters
    ----------
    rows : sequence of int
        Row numbers (what a click selects).
    predictions : array-like of shape (n,)
        The prediction of each row (a class probability for a classifier).
    targets : sequence, optional
        Each row's target: numbers (the x axis is quantitative) or labels (one
        strip per label). None: the x axis is the row number.
    picked : int, optional
        The picked row (drawn larger, in the accent colour), one of ``rows``.
    x_title, y_title, title : str
        Axis titles and chart title.
    width, height : int
        The plot's size in pixels.
    configure : bool, default=True
        Apply the namwidgets theme.

    Raises
    ------
    InputError
        Rows not unique ints, ``predictions`` or ``targets`` of another length,
        ``picked`` not one of ``rows``.
    """

    rows: Sequence[int]
    predictions: npt.ArrayLike
    targets: Sequence[Any] | None = None
    picked: int | None = None
    x_title: str = "target"
    y_title: str = "prediction"
    title: str = "Click a point to pick its row"
    width: int = 260
    height: int = 160
    configure: bool = True

    def __post_init__(self) -> None:
        self._checked  # noqa: B018 - check the inputs now

    @cached_property
    def _checked(self) -> tuple[list[int], npt.NDArray[np.float64], list[Any] | None]:
        rows = []
        for r in self.rows:
            if isinstance(r, bool) or not isinstance(r, int | np.integer):
                msg = f"rows must be ints, got {r!r}"
                raise InputError(msg)
            rows.append(int(r))
        if len(set(rows)) != len(rows):
            msg = "rows must be unique"
            raise InputError(msg)
        pred = as_1d("predictions", self.predictions, len(rows))
        targets = None
        if self.targets is not None:
            targets = list(self.targets)
            if len(targets) != len(rows):
                msg = f"targets has {len(targets)} values, expected {len(rows)}"
                raise InputError(msg)
            if self._numeric_target(targets):
                targets = floats(np.asarray(targets, float))
            else:
                targets = [str(t) for t in targets]
        if self.picked is not None and int(self.picked) not in rows:
            msg = f"picked must be one of rows, got {self.picked!r}"
            raise InputError(msg)
        return rows, pred, targets

    @staticmethod
    def _numeric_target(targets: list[Any]) -> bool:
        return all(
            isinstance(t, int | float | np.integer | np.floating)
            and not isinstance(t, bool | np.bool_)
            for t in targets
        )

    @property
    def _x_kind(self) -> str:
        targets = self._checked[2]
        if targets is None:
            return "row"
        return "quantitative" if self._numeric_target(targets) else "nominal"

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        return (
            "rows", self._x_kind, self.x_title, self.y_title, self.title,
            int(self.width), int(self.height), bool(self.configure),
        )  # fmt: skip

    def datasets(self) -> Datasets:
        """``"rows"``: ``row``, ``x`` (target or row), ``prediction``, ``picked``."""
        rows, pred, targets = self._checked
        xs: list[Any] = rows if targets is None else targets
        values = floats(pred)
        picked = None if self.picked is None else int(self.picked)
        return {
            "rows": [
                {"row": r, "x": x, "prediction": p, "picked": r == picked}
                for r, x, p in zip(rows, xs, values)
            ]
        }

    @unvalidated
    def chart(self) -> alt.Chart:
        """Points with a click selection (``pick``, on ``row``), the picked one big."""
        kind = self._x_kind
        x_type: Literal["nominal", "quantitative"] = (
            "nominal" if kind == "nominal" else "quantitative"
        )
        scale = alt.Scale(zero=False) if x_type == "quantitative" else alt.Undefined
        x = alt.X("x", type=x_type, title=self.x_title, scale=scale)
        pick = alt.selection_point(
            name=PICK, fields=["row"], on="click", toggle=False, nearest=False
        )
        picked = alt.datum.picked
        chart = (
            alt.Chart(alt.NamedData(name="rows"))
            .mark_circle(opacity=0.7, cursor="pointer")
            .encode(
                x=x,
                y=alt.Y(
                    "prediction:Q", title=self.y_title, scale=alt.Scale(zero=False)
                ),
                color=alt.condition(
                    picked,
                    alt.value(PALETTE["edited"]),
                    alt.value(PALETTE["original"]),
                ),
                size=alt.condition(picked, alt.value(120), alt.value(30)),
                order=alt.Order("picked:O"),
                tooltip=[
                    alt.Tooltip("row:Q"),
                    alt.Tooltip("x", type=x_type, title=self.x_title),
                    alt.Tooltip("prediction:Q", format=".4g"),
                ],
            )
            .add_params(pick)
        )
        return finish(
            chart,
            self.configure,
            self.datasets(),
            width=int(self.width),
            height=int(self.height),
            title=self.title,
        )
