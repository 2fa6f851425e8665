"""The prediction shift view: how far an edit moved each row's prediction."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt
import numpy as np
import numpy.typing as npt

from ..exceptions import InputError
from ._theme import (
    PALETTE,
    ChartView,
    Datasets,
    LayerChart,
    as_1d,
    finish,
    records,
    unvalidated,
)


@dataclass(frozen=True, eq=False)
class PredictionShiftView(ChartView):
    """Histogram of per-row prediction changes, from pre-binned counts.

    Key: ``title``, ``x_title``, ``width``, ``height``, ``configure``.
    :meth:`datasets`: ``"shift"`` (``lo``, ``hi``, ``count`` per bin) and
    ``"shift_zero"`` (``[{"zero": 0.0}]`` when zero is within the bins, else
    empty: the rule at zero change).

    Parameters
    ----------
    bin_edges : array-like of shape (n_bins + 1,)
        Increasing bin edges of the change in prediction.
    counts : array-like of shape (n_bins,)
        Rows per bin.
    title, x_title : str
        Chart and x-axis titles.
    width, height : int, default=300, 140
        Size in pixels.
    configure : bool, default=True
        Apply :data:`THEME`.
    """

    bin_edges: npt.ArrayLike
    counts: npt.ArrayLike
    title: str = "How predictions moved"
    x_title: str = "prediction after edits − before"
    width: int = 300
    height: int = 140
    configure: bool = True

    def __post_init__(self) -> None:
        self._checked  # noqa: B018 - check the inputs now

    @cached_property
    def _checked(self) -> tuple[list[float], list[float]]:
        c = as_1d("counts", self.counts)
        edges = as_1d("bin_edges", self.bin_edges, c.size + 1)
        if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) < 0):
            msg = "bin_edges must be finite and increasing"
            raise InputError(msg)
        if np.any(~np.isfinite(c)) or np.any(c < 0):
            msg = "counts must be finite and non-negative"
            raise InputError(msg)
        return edges.tolist(), c.tolist()

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        return ("shift", self.title, self.x_title, self.width, self.height,
                bool(self.configure))  # fmt: skip

    def datasets(self) -> Datasets:
        """``"shift"`` and ``"shift_zero"``."""
        e, c = self._checked
        rows = records({"lo": e[:-1], "hi": e[1:], "count": c})
        zero = [{"zero": 0.0}] if e[0] <= 0 <= e[-1] else []
        return {"shift": rows, "shift_zero": zero}

    @unvalidated
    def chart(self) -> alt.LayerChart:
        """Bars over the bins, with a rule at zero change when zero is in range."""
        bars = (
            alt.Chart(alt.NamedData(name="shift"))
            .mark_rect(color=PALETTE["edited"], opacity=0.85, stroke="white")
            .encode(
                x=alt.X("lo:Q", title=self.x_title, scale=alt.Scale(zero=False)),
                x2=alt.X2(field="hi"),
                y=alt.Y("count:Q", title="rows"),
                y2=alt.Y2Datum(0),
                tooltip=[
                    alt.Tooltip("lo:Q", title="from", format="+.3~r"),
                    alt.Tooltip("hi:Q", title="to", format="+.3~r"),
                    alt.Tooltip("count:Q", title="rows", format=","),
                ],
            )
        )
        rule = (
            alt.Chart(alt.NamedData(name="shift_zero"))
            .mark_rule(color=PALETTE["zero"], strokeWidth=1, opacity=0.7)
            .encode(x=alt.X("zero:Q"))
        )
        chart = LayerChart(layer=[bars, rule], width=self.width, height=self.height)
        return finish(chart, self.configure, self.datasets(), title=self.title)
