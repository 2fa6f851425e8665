"""Term summaries: importance, one row's contributions, a grid of shapes.

:class:`ImportanceView`, :class:`ContributionsView` and :class:`ShapeGridView`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt
import numpy as np
import numpy.typing as npt

from ..exceptions import InputError
from ._shape import ShapeView
from ._theme import (
    PALETTE,
    SUBTITLE_STYLE,
    THEME,
    VALUE_FMT,
    ChartView,
    Datasets,
    LayerChart,
    VConcatChart,
    _rename_refs,
    as_1d,
    finish,
    floats,
    unvalidated,
    zero_rule,
)

_BY_RANK = alt.EncodingSortField(field="rank", op="min", order="ascending")


def _names(name: str, names: Sequence[Any]) -> list[str]:
    out = [str(v) for v in names]
    if len(set(out)) != len(out):
        msg = f"{name} must be unique, got {out!r:.120}"
        raise InputError(msg)
    return out


def _check_top(top: int | None, n: int) -> int:
    if top is None:
        return n
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        msg = f"top must be a positive int or None, got {top!r}"
        raise InputError(msg)
    return min(int(top), n)


def _ranked(size: npt.NDArray[np.float64], top: int | None) -> list[int]:
    """Indices of the ``top`` largest ``size`` (NaN last, ties in input order)."""
    order = np.argsort(-np.nan_to_num(size, nan=-np.inf), kind="stable")
    return order[: _check_top(top, size.size)].tolist()


# ---------------------------------------------------------------------- importance


@dataclass(frozen=True, eq=False)
class ImportanceView(ChartView):
    """Terms ranked by importance as horizontal bars, edited terms marked.

    Key: ``title``, ``width``, ``configure`` (the bars take a fixed step each,
    so their number is data). :meth:`datasets`: ``"importance"``, which terms
    are shown and their order, their importances and which of them are edited.

    Parameters
    ----------
    names : sequence of str
        Term names.
    importances : array-like of shape (n_terms,)
        Mean |f_t| of each term.
    edited : sequence of str, default=()
        Names of terms with edits: drawn in the accent colour and labelled.
    top : int, optional
        Show only the ``top`` most important terms.
    title : str, default="Feature importance"
        Chart title.
    width : int, default=300
        Width in pixels of the bars' area.
    configure : bool, default=True
        Apply :data:`THEME`.

    Raises
    ------
    InputError
        Names not unique, ``importances`` of another length, ``edited`` naming
        an unknown term, a bad ``top``.
    """

    names: Sequence[str]
    importances: npt.ArrayLike
    edited: Sequence[str] = ()
    top: int | None = None
    title: str = "Feature importance"
    width: int = 300
    configure: bool = True

    def __post_init__(self) -> None:
        self._checked  # noqa: B018 - check the inputs now

    @cached_property
    def _checked(self) -> tuple[list[str], npt.NDArray[np.float64], set[str], int]:
        labels = _names("names", self.names)
        imp = as_1d("importances", self.importances, len(labels))
        edited = set(map(str, self.edited))
        unknown = sorted(edited - set(labels))
        if unknown:
            msg = f"edited names terms that are not in names: {unknown}"
            raise InputError(msg)
        return labels, imp, edited, _check_top(self.top, len(labels))

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        return ("importance", self.title, int(self.width), bool(self.configure))

    def datasets(self) -> Datasets:
        """``"importance"``: the ``top`` most important terms, most important first.

        Returns
        -------
        dict of str to list of dict
            Each row has ``feature`` (the term), ``importance``, ``status``
            (``"edited"`` or ``"unedited"``), ``label`` (the text by the bar) and
            ``rank`` (1 = most important; the chart sorts by it).
        """
        labels, imp, edited, _ = self._checked
        values = floats(imp)
        rows = []
        for rank, i in enumerate(_ranked(imp, self.top), start=1):
            status = "edited" if labels[i] in edited else "unedited"
            text = f"{imp[i]:.3g}" + ("  · edited" if status == "edited" else "")
            rows.append(
                {"feature": labels[i], "importance": values[i], "status": status}
                | {"label": text, "rank": rank}
            )
        return {"importance": rows}

    @unvalidated
    def chart(self) -> alt.LayerChart:
        """Bars sorted from most to least important, with value labels."""
        y = alt.Y("feature:N", sort=_BY_RANK, title=None)
        color = alt.Color(
            "status:N",
            scale=alt.Scale(
                domain=["unedited", "edited"],
                range=[PALETTE["original"], PALETTE["edited"]],
            ),
            legend=None,
        )
        tooltip = [
            alt.Tooltip("feature:N", title="term"),
            alt.Tooltip("importance:Q", format=".3~r"),
            alt.Tooltip("status:N"),
        ]
        bars = (
            alt.Chart()
            .mark_bar(height={"band": 0.75})
            .encode(
                x=alt.X("importance:Q", title="importance (mean |f|)"),
                y=y,
                color=color,
                tooltip=tooltip,
            )
        )
        text = (
            alt.Chart()
            .mark_text(align="left", dx=4, fontSize=11)
            .encode(x=alt.X("importance:Q"), y=y, text=alt.Text("label:N"), color=color)
        )
        chart = LayerChart(layer=[bars, text], width=self.width, height=alt.Step(18))
        data = alt.NamedData(name="importance")
        return finish(
            chart, self.configure, self.datasets(), title=self.title, data=data
        )


# ------------------------------------------------------------------- contributions


def _from_title(field: str) -> dict[str, str]:
    """A Vega expression reading the title (or subtitle) from its dataset."""
    rows = "data('contributions_title')"
    return {"expr": f"length({rows}) ? {rows}[0].{field} : ''"}


@dataclass(frozen=True, eq=False)
class ContributionsView(ChartView):
    """One row's per-term contributions, before and after edits.

    Key: whether ``after`` and ``intercept`` are None (the bars take a fixed
    step each, so their number is data), ``x_title``, ``width``, ``configure``.
    :meth:`datasets`: ``"contributions"`` (which terms are shown, their order,
    the values) and ``"contributions_title"`` (the title and subtitle text,
    read from data by a Vega expression, so a data-only redraw shows the same
    title as a full build). With an intercept, the subtitle is the title of a
    one-chart ``vconcat`` inside (Vega-Lite reads a subtitle's text from data
    nowhere else).

    Parameters
    ----------
    names : sequence of str
        Term names.
    before : array-like of shape (n_terms,)
        The row's contributions f_t(x) under the original model.
    after : array-like of shape (n_terms,), optional
        The same under the edited model; drawn as a second bar per term.
    prediction_before, prediction_after : float, optional
        The row's prediction before/after edits, shown in the title unless
        ``title`` is given.
    intercept : float, optional
        The model's intercept, shown in the subtitle.
    top : int, optional
        Keep only the ``top`` terms with the largest |contribution|.
    title : str, optional
        Overrides the title built from the predictions.
    x_title : str, default="contribution"
        Title of the x axis, e.g. ``"contribution (logit)"``.
    width : int, default=300
        Width in pixels.
    configure : bool, default=True
        Apply :data:`THEME`.
    """

    names: Sequence[str]
    before: npt.ArrayLike
    after: npt.ArrayLike | None = None
    prediction_before: float | None = None
    prediction_after: float | None = None
    intercept: float | None = None
    top: int | None = None
    title: str | None = None
    x_title: str = "contribution"
    width: int = 300
    configure: bool = True

    def __post_init__(self) -> None:
        self._checked  # noqa: B018 - check the inputs now

    @cached_property
    def _checked(
        self,
    ) -> tuple[list[str], npt.NDArray[np.float64], npt.NDArray[np.float64] | None]:
        labels = _names("names", self.names)
        b = as_1d("before", self.before, len(labels))
        a = None if self.after is None else as_1d("after", self.after, len(labels))
        _check_top(self.top, len(labels))
        return labels, b, a

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        a = self._checked[2]
        return (
            "contributions", a is None, self.intercept is None, self.x_title,
            int(self.width), bool(self.configure),
        )  # fmt: skip

    def heading(self) -> str:
        """The chart title: ``title``, or the predictions before/after edits."""
        if self.title is not None:
            return self.title
        title = "Contributions"
        if self.prediction_before is not None:
            title = f"Prediction {self.prediction_before:.4g}"
            if self.prediction_after is not None:
                title += f" → {self.prediction_after:.4g} after edits"
        return title

    def datasets(self) -> Datasets:
        """``"contributions"`` and ``"contributions_title"``.

        Returns
        -------
        dict of str to list of dict
            ``"contributions"``: one row per shown term and state, largest
            |contribution| first, with ``feature`` (the term), ``state``
            (``"before"`` or ``"after"``), ``value`` and ``rank`` (1 = largest;
            the chart sorts by it). ``"contributions_title"``: one row,
            ``title`` (:meth:`heading`) and, when ``intercept`` is given,
            ``subtitle``.
        """
        labels, b, a = self._checked
        size = np.abs(b) if a is None else np.maximum(np.abs(a), np.abs(b))
        series = {"before": floats(b)}
        if a is not None:
            series["after"] = floats(a)
        rows = []
        for rank, i in enumerate(_ranked(size, self.top), start=1):
            for state, values in series.items():
                rows.append(
                    {"feature": labels[i], "state": state, "value": values[i]}
                    | {"rank": rank}
                )
        head: dict[str, Any] = {"title": self.heading()}
        if self.intercept is not None:
            head["subtitle"] = f"intercept {self.intercept:+.4g}"
        return {"contributions": rows, "contributions_title": [head]}

    @unvalidated
    def chart(self) -> alt.LayerChart | alt.VConcatChart:
        """Horizontal bars, largest |contribution| first.

        Returns
        -------
        altair.LayerChart or altair.VConcatChart
            A ``VConcatChart`` around the bars when ``intercept`` is given.
        """
        datasets = self.datasets()
        after, x_title = self.after is not None, self.x_title
        states = ["before", "after"] if after else ["before"]
        y = alt.Y("feature:N", sort=_BY_RANK, title=None)
        bars = (
            alt.Chart()
            .mark_bar(height={"band": 0.8})
            .encode(
                x=alt.X("value:Q", title=x_title),
                y=y,
                color=alt.Color(
                    "state:N",
                    scale=alt.Scale(
                        domain=["before", "after"],
                        range=[PALETTE["original"], PALETTE["edited"]],
                    ),
                    sort=states,
                    legend=alt.Legend(orient="top", title=None) if after else None,
                ),
                tooltip=[
                    alt.Tooltip("feature:N", title="term"),
                    alt.Tooltip("state:N"),
                    alt.Tooltip("value:Q", format=VALUE_FMT),
                ],
            )
        )
        if after:
            bars = bars.encode(yOffset=alt.YOffset("state:N", sort=states))
        rule = zero_rule().encode(x=alt.X("zero:Q", title=x_title))
        height = alt.Step(9 if after else 18)
        data = alt.NamedData(name="contributions")
        head = alt.TitleParams(text=_from_title("title"))
        # Vega-Lite keeps only the datasets that a mark reads: an empty text keeps
        # the title's, which the title expression reads.
        keep = alt.Chart(alt.NamedData(name="contributions_title")).mark_text(text="")
        inner = LayerChart(
            layer=[bars, rule, keep], width=self.width, height=height, data=data
        )
        if self.intercept is None:
            return finish(inner, self.configure, datasets, title=head)
        inner.title = alt.TitleParams(text=_from_title("subtitle"), **SUBTITLE_STYLE)
        # the legend stays with the inner view, below the subtitle
        keep_legend = alt.Resolve(legend=alt.LegendResolveMap(color="independent"))
        outer = VConcatChart(vconcat=[inner], resolve=keep_legend)
        return finish(outer, self.configure, datasets, title=head)


# ---------------------------------------------------------------------- shape grid


@dataclass(frozen=True, eq=False)
class ShapeGridView(ChartView):
    """Several terms' shape charts in a grid, on one shared y scale by default.

    A shared y scale draws a term that moves the prediction by 0.2 as small
    beside one that moves it by 1, as it is; ``shared_y=False`` gives each panel
    its own. The panels are the views' charts without a brush (selection names
    must be unique in one chart); panel ``i``'s datasets are named with the
    suffix ``_i`` (from 1: ``shape_1``, ``density_1``, ``shape_2``...).

    Key: the panels' keys, ``columns``, ``shared_y``, ``title``, ``configure``.
    :meth:`datasets`: the panels' datasets, renamed.

    Parameters
    ----------
    views : sequence of ShapeView
        The panels, in reading order.
    columns : int, default=2
        Panels per row.
    shared_y : bool, default=True
        One y scale for every panel (``resolve_scale(y="shared")``).
    title : str, optional
        Title of the grid.
    configure : bool, default=True
        Apply :data:`THEME`.

    Raises
    ------
    InputError
        A view that is not a :class:`ShapeView`, no views, or a bad ``columns``.
    """

    views: Sequence[ShapeView]
    columns: int = 2
    shared_y: bool = True
    title: str | None = None
    configure: bool = True

    def __post_init__(self) -> None:
        self._parts  # noqa: B018 - check the inputs now

    @cached_property
    def _parts(self) -> list[ShapeView]:
        views = list(self.views)
        if not views or not all(isinstance(v, ShapeView) for v in views):
            msg = f"views must be a non-empty sequence of ShapeView, got {views!r:.80}"
            raise InputError(msg)
        cols = self.columns
        if isinstance(cols, bool) or not isinstance(cols, int | np.integer) or cols < 1:
            msg = f"columns must be a positive int, got {cols!r}"
            raise InputError(msg)
        return [dataclasses.replace(v, configure=False, brush=False) for v in views]

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        return ("shape_grid", *(v.key for v in self._parts), int(self.columns),
                bool(self.shared_y), self.title, bool(self.configure))  # fmt: skip

    def datasets(self) -> Datasets:
        """Every panel's datasets, panel ``i``'s names with the suffix ``_i``."""
        out: Datasets = {}
        for i, view in enumerate(self._parts, start=1):
            out |= {f"{name}_{i}": rows for name, rows in view.datasets().items()}
        return out

    @unvalidated
    def chart(self) -> alt.ConcatChart:
        """The panels in a ``concat`` of ``columns`` columns."""
        panels = []
        for i, view in enumerate(self._parts, start=1):
            spec = view.chart().to_dict(validate=False)
            renames = {name: f"{name}_{i}" for name in spec.pop("datasets", {})}
            for top_only in ("$schema", "config"):
                spec.pop(top_only, None)
            panels.append(_rename_refs(spec, renames))
        y = "shared" if self.shared_y else "independent"
        grid: dict[str, Any] = {
            "concat": panels,
            "columns": int(self.columns),
            "resolve": {"scale": {"x": "independent", "y": y}},
            "datasets": self.datasets(),
        }
        if self.title is not None:
            grid["title"] = self.title
        chart = alt.ConcatChart.from_dict(grid, validate=False)
        if self.configure:
            chart.config = alt.Config(**THEME)
        return chart
