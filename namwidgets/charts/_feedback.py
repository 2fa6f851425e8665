"""Feedback on edits: prediction shift, metrics, metrics by slice, and stacks.

:class:`PredictionShiftView`, :class:`MetricsView`, :class:`SliceMetricsView`,
and :class:`StackView` to show views one above another.
"""

from __future__ import annotations

import dataclasses
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt
import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import InputError
from ._theme import (
    PALETTE,
    THEME,
    ChartView,
    Datasets,
    FacetChart,
    LayerChart,
    as_1d,
    finish,
    floats,
    records,
    unvalidated,
)

_STATE_LABELS = {
    "original": "original",
    "last": "before the last edit",
    "current": "current",
}

# ---------------------------------------------------------------- prediction shift


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


# ------------------------------------------------------------------------ metrics


def _as_nested(metrics: Any) -> Mapping[str, Mapping[str, Any]]:
    """A states x metrics DataFrame (``metrics_table()``) or a nested mapping.

    A DataFrame's columns that are not numbers (a confusion matrix) are left out.
    """
    if isinstance(metrics, pd.DataFrame):
        scalar = [
            c
            for c in metrics.columns
            if all(_is_number(v) for v in metrics[c].tolist())
        ]
        return {
            str(state): {str(k): row[k] for k in scalar}
            for state, row in metrics.iterrows()
        }
    if not isinstance(metrics, Mapping):
        msg = f"metrics must map state -> {{metric: value}}, got {metrics!r:.80}"
        raise InputError(msg)
    return metrics


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _metric_names(metrics: Mapping[str, Mapping[str, Any]]) -> list[str]:
    states = list(_STATE_LABELS)
    missing = [s for s in states if s not in metrics]
    if missing:
        msg = f"metrics is missing state(s) {missing}; expected keys {states}"
        raise InputError(msg)
    names = list(metrics["original"])
    for state in states:
        if set(metrics[state]) != set(names):
            msg = (
                f"metrics[{state!r}] has metrics {sorted(metrics[state])}, "
                f"expected the same as metrics['original']: {sorted(names)}"
            )
            raise InputError(msg)
    if not names:
        msg = "metrics['original'] names no metric"
        raise InputError(msg)
    return [str(n) for n in names]


@dataclass(frozen=True, eq=False)
class MetricsView(ChartView):
    """GAM Changer's metric view: original, before the last edit, and current.

    Each metric has a panel of its own y scale, not anchored at zero, so that
    0.341 against 0.342 shows as a difference; each bar after the original is
    labelled with its change against the original.

    Key: the metric names and their order, ``title``, ``width``, ``height``,
    ``columns``, ``configure``. :meth:`datasets`: ``"metrics"``, ``metric``, ``state``
    (``"original"``, ``"before the last edit"``, ``"current"``), ``value``,
    ``delta`` (``value`` less the original's; None for the original) and
    ``delta_label`` (its text), per metric then state.

    Parameters
    ----------
    metrics : mapping or pandas.DataFrame
        ``{"original": {"rmse": ..., ...}, "last": {...}, "current": {...}}``, or
        the session's ``metrics_table()`` (index: those states; columns: the
        metrics; columns that are not numbers, such as a confusion matrix, are
        left out); the three states must name the same metrics. ``"last"`` is
        the state before the latest edit.
    title : str, default="Metrics"
        Chart title.
    width, height : int, default=120, 120
        Size in pixels of each metric's panel. The original and current bars
        carry their values and the current one its change (the bar between, the
        state before the last edit, has them in its tooltip): in a narrow panel
        three labels side by side would run together.
    columns : int, optional
        Metric panels per row (the rest wrap below); None: all in one row.
    configure : bool, default=True
        Apply :data:`THEME`.
    """

    metrics: Mapping[str, Mapping[str, float]] | pd.DataFrame
    title: str = "Metrics"
    width: int = 120
    height: int = 120
    columns: int | None = None
    configure: bool = True

    def __post_init__(self) -> None:
        _check_columns(self.columns)
        self._checked  # noqa: B018 - check the inputs now

    @cached_property
    def _checked(self) -> tuple[Mapping[str, Mapping[str, Any]], list[str]]:
        nested = _as_nested(self.metrics)
        return nested, _metric_names(nested)

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key."""
        return ("metrics", tuple(self._checked[1]), self.title, self.width,
                self.height, self.columns, bool(self.configure))  # fmt: skip

    def datasets(self) -> Datasets:
        """``"metrics"``: one row per metric and state, with its change."""
        nested, names = self._checked
        by_str = {state: {str(k): v for k, v in nested[state].items()}
                  for state in _STATE_LABELS}  # fmt: skip
        rows = []
        for name in names:
            values = floats([by_str[state][name] for state in _STATE_LABELS])
            base = values[0]
            for i, (label, value) in enumerate(zip(_STATE_LABELS.values(), values)):
                delta = None
                if i and value is not None and base is not None:
                    delta = value - base
                text = "" if delta is None else f"{delta:+.2g}"
                rows.append(
                    {"metric": name, "state": label, "value": value}
                    | {"delta": delta, "delta_label": text}
                )
        return {"metrics": rows}

    @unvalidated
    def chart(self) -> alt.FacetChart:
        """One panel per metric (own y scale, not from zero), three bars in each."""
        names = self._checked[1]
        labels = list(_STATE_LABELS.values())
        color = alt.Color(
            "state:N",
            scale=alt.Scale(
                domain=labels,
                range=[PALETTE["original"], PALETTE["last"], PALETTE["edited"]],
            ),
            sort=labels,
            legend=alt.Legend(orient="top", title=None),
        )
        x = alt.X("state:N", sort=labels, axis=None)
        y_axis = alt.Axis(tickCount=4, format="~g")
        # not from zero: the differences are what an edit is judged by; the
        # padding keeps the lowest bar visible and room for the labels above
        y_scale = alt.Scale(zero=False, padding=24)
        bars = (
            alt.Chart()
            .mark_bar(width={"band": 0.8})
            .encode(
                x=x,
                # unstacked: a stacked bar starts at zero whatever the scale says
                y=alt.Y("value:Q", title=None, axis=y_axis, scale=y_scale, stack=None),
                color=color,
                tooltip=[
                    alt.Tooltip("metric:N"),
                    alt.Tooltip("state:N"),
                    alt.Tooltip("value:Q", format=".4~r"),
                    alt.Tooltip(
                        "delta:Q", title="change from original", format="+.3~r"
                    ),
                ],
            )
        )
        ends = alt.FieldOneOfPredicate(field="state", oneOf=[labels[0], labels[-1]])
        text = (
            alt.Chart()
            .mark_text(dy=-5, baseline="bottom", fontSize=9, color=PALETTE["text"])
            .encode(
                x=x,
                y=alt.Y("value:Q", scale=y_scale),
                text=alt.Text("value:Q", format=".3~r"),
            )
            .transform_filter(ends)
        )
        change = (
            alt.Chart()
            .mark_text(dy=-16, baseline="bottom", fontSize=9, color="#666666")
            .encode(
                x=x,
                y=alt.Y("value:Q", scale=y_scale),
                text=alt.Text("delta_label:N"),
            )
            .transform_filter(alt.FieldEqualPredicate(field="state", equal=labels[-1]))
        )
        facet = alt.Facet(
            "metric:N", sort=names, title=None, header=_metric_header(self.width)
        )
        layer = alt.LayerChart(
            layer=[bars, text, change], width=self.width, height=self.height
        )
        chart = FacetChart(
            spec=layer,
            facet=facet,
            spacing=14,
            columns=alt.Undefined if self.columns is None else self.columns,
        )
        resolve = alt.Resolve(scale=alt.ScaleResolveMap(y="independent"))
        data = alt.NamedData(name="metrics")
        return finish(chart, self.configure, self.datasets(), title=self.title,
                      resolve=resolve, data=data)  # fmt: skip


_SLICE_COLUMNS = ["slice", "n", "metric", "original", "current"]

# header text for the metric names too long for a narrow panel (the data keep
# the names; tooltips show them whole)
_METRIC_LABELS = {
    "balanced_accuracy": "bal. acc.",
    "log_loss": "log loss",
    "roc_auc": "ROC AUC",
}


def _check_columns(columns: Any) -> None:
    """Panels per row: a positive int or None, else an error naming ``columns``."""
    if columns is not None and (
        isinstance(columns, bool)
        or not isinstance(columns, numbers.Integral)
        or columns < 1
    ):
        raise InputError(f"columns must be a positive int or None, got {columns!r}")


def _metric_header(width: int) -> alt.Header:
    """Bold metric names, shortened, cut at ``width`` so neighbours never meet."""
    expr = "datum.label"
    for name, label in _METRIC_LABELS.items():
        expr = f"datum.value === {name!r} ? {label!r} : {expr}"
    return alt.Header(labelFontWeight="bold", labelLimit=width, labelExpr=expr)


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
        header = _metric_header(self.width)
        sort = list(self.key[1])
        facet = alt.Facet("metric:N", sort=sort, title=None, header=header)
        chart = FacetChart(
            spec=alt.LayerChart(layer=[bars], width=self.width, height=alt.Step(9)),
            facet=facet,
            spacing=14,
            columns=alt.Undefined if self.columns is None else self.columns,
        )
        resolve = alt.Resolve(scale=alt.ScaleResolveMap(x="independent"))
        data = alt.NamedData(name="slices")
        return finish(chart, self.configure, self.datasets(), title=self.title,
                      resolve=resolve, data=data)  # fmt: skip


# ------------------------------------------------------------------ composition


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
