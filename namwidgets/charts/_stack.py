"""Views one above another, themed once as a whole."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt

from ..exceptions import InputError
from ._theme import (
    THEME,
    ChartView,
    Datasets,
    unvalidated,
)


@dataclass(frozen=True, eq=False)
class StackView(ChartView):
    """Views one above another (a ``vconcat``), themed once as a whole.

    Key: the parts' keys. :meth:`datasets`: the parts' datasets together; the
    parts must use different dataset names (views of different kinds do).

    Parameters
    ----------
    views : sequence of view
        The parts, top first; each is drawn with ``configure=False``.
    configure : bool, default=True
        Apply :data:`THEME` to the stack.
    """

    views: Sequence[Any]
    configure: bool = True

    def __post_init__(self) -> None:
        self.datasets()  # names must not clash

    @cached_property
    def _parts(self) -> list[Any]:
        return [dataclasses.replace(v, configure=False) for v in self.views]

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        return ("stack", *(v.key for v in self._parts), bool(self.configure))

    def datasets(self) -> Datasets:
        """Every part's datasets."""
        out: Datasets = {}
        for view in self._parts:
            own = view.datasets()
            clash = sorted(set(own) & set(out))
            if clash:
                msg = f"views in a stack share dataset name(s) {clash}"
                raise InputError(msg)
            out |= own
        return out

    @unvalidated
    def chart(self) -> alt.VConcatChart:
        """The parts in a ``vconcat``."""
        chart = alt.vconcat(*(v.chart() for v in self._parts))
        if self.configure:
            chart.config = alt.Config(**THEME)
        return chart
