"""Per-slice metrics, original against current, as grouped bars."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt
import pandas as pd

from ..exceptions import InputError
from ._feedback import _check_columns, _metric_facets
from ._theme import (
    PALETTE,
    ChartView,
    Datasets,
    floats,
    unvalidated,
)

_SLICE_COLUMNS = ["slice", "n", "metric", "original", "current"]


@dataclass(frozen=True, eq=False)
class SliceMetricsView(ChartView):
    """Per-slice metrics, original vs current, as grouped horizontal bars.

    Key: the metric names and their order, ``title``, ``width``, ``columns``,
    ``configure``. :meth:`datasets`: ``"slices"``, per table row and state
    (``"original"``, ``"current"``): ``slice`` (its label with ``n``),
    ``metric``, ``state``, ``value`` and ``order`` (the slice's first
    appearance in the table; the chart sorts by it).

    Parameters
    ----------
    table : pandas.DataFrame
        Long form, one row per (slice, metric), with columns ``slice``, ``n``
        (rows in the slice), ``metric``, ``original`` and ``current``.
    title : str, default="Metrics by slice"
        Chart title.
    width : int, default=160
        Width in pixels of each metric's panel; a metric's header is cut to it
        (long names are shortened first, e.g. "bal. acc.").
    columns : int or None, default=None
        Metric panels per row (the rest wrap below); ``None`` puts them all in
        one row.
    configure : bool, default=True
        Apply :data:`THEME`.
    """

    table: pd.DataFrame
    title: str = "Metrics by slice"
    width: int = 160
    columns: int | None = None
    configure: bool = True

    def __post_init__(self) -> None:
        self._checked  # noqa: B018 - check the inputs now

    @cached_property
    def _checked(self) -> list[list[Any]]:
        columns = list(getattr(self.table, "columns", []))
        missing = [c for c in _SLICE_COLUMNS if c not in columns]
        if missing:
            msg = f"table is missing column(s) {missing}; needs {_SLICE_COLUMNS}"
            raise InputError(msg)
        _check_columns(self.columns)
        return [self.table[c].tolist() for c in _SLICE_COLUMNS]

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        metrics = tuple(dict.fromkeys(str(m) for m in self._checked[2]))
        return ("slices", metrics, self.title, self.width, self.columns,
                bool(self.configure))  # fmt: skip

    def datasets(self) -> Datasets:
        """``"slices"``: one row per table row and state."""
        order: dict[str, int] = {}
        rows = []
        for sl, n, metric, orig, cur in zip(*self._checked):
            label = f"{sl} (n={int(n):,})"
            rank = order.setdefault(label, len(order))
            for state, value in zip(("original", "current"), floats([orig, cur])):
                rows.append(
                    {"slice": label, "metric": str(metric), "state": state}
                    | {"value": value, "order": rank}
                )
        return {"slices": rows}

    @unvalidated
    def chart(self) -> alt.FacetChart:
        """One panel per metric (own x scale), a pair of bars per slice."""
        states = ["original", "current"]
        # about one tick label per 30 px, so a narrow panel's labels stay apart
        ticks = max(2, min(4, self.width // 30))
        axis = alt.Axis(tickCount=ticks, format="~g", labelSeparation=4)
        bars = (
            alt.Chart()
            .mark_bar(height={"band": 0.85})
            .encode(
                x=alt.X("value:Q", title=None, axis=axis),
                y=alt.Y(
                    "slice:N",
                    sort=alt.EncodingSortField(field="order", op="min"),
                    title=None,
                ),
                yOffset=alt.YOffset("state:N", sort=states),
                color=alt.Color(
                    "state:N",
                    sort=states,
                    scale=alt.Scale(
                        domain=states, range=[PALETTE["original"], PALETTE["edited"]]
                    ),
                    legend=alt.Legend(orient="top", title=None),
                ),
                tooltip=[
                    alt.Tooltip("slice:N"),
                    alt.Tooltip("metric:N"),
                    alt.Tooltip("state:N"),
                    alt.Tooltip("value:Q", format=".4~r"),
                ],
            )
        )
        layer = alt.LayerChart(layer=[bars], width=self.width, height=alt.Step(9))
        metrics = list(self.key[1])
        return _metric_facets(self, layer, metrics, independent="x", data="slices")
