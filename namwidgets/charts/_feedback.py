"""Feedback on edits: the metrics view (original, before the last edit, current).

The other feedback views have modules of their own: :class:`PredictionShiftView`
(``_shift``), :class:`SliceMetricsView` (``_slices``) and :class:`StackView`
(``_stack``).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import altair as alt
import pandas as pd

from ..exceptions import InputError
from ._theme import (
    PALETTE,
    ChartView,
    Datasets,
    FacetChart,
    finish,
    floats,
    unvalidated,
)

_STATE_LABELS = {
    "original": "original",
    "last": "before the last edit",
    "current": "current",
}


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


def _check_columns(columns: Any) -> None:
    """Panels per row: a positive int or None, else an error naming ``columns``."""
    if columns is not None and (
        isinstance(columns, bool)
        or not isinstance(columns, numbers.Integral)
        or columns < 1
    ):
        raise InputError(f"columns must be a positive int or None, got {columns!r}")


# header text for the metric names too long for a narrow panel (the data keep
# the names; tooltips show them whole)
_METRIC_LABELS = {
    "balanced_accuracy": "bal. acc.",
    "log_loss": "log loss",
    "roc_auc": "ROC AUC",
}


def _metric_header(width: int) -> alt.Header:
    """Bold metric names, shortened, cut at ``width`` so neighbours never meet."""
    expr = "datum.label"
    for name, label in _METRIC_LABELS.items():
        expr = f"datum.value === {name!r} ? {label!r} : {expr}"
    return alt.Header(labelFontWeight="bold", labelLimit=width, labelExpr=expr)


def _metric_facets(
    view: Any,
    layer: alt.LayerChart,
    metrics: list[str],
    *,
    independent: str,
    data: str,
) -> FacetChart:
    """``layer`` once per metric, headers from :func:`_metric_header`, wrapped.

    The metrics and slices views share this: ``view`` gives ``width``,
    ``columns``, ``configure``, ``title`` and ``datasets()``; ``independent`` is
    the channel each panel scales on its own (``"x"`` or ``"y"``).
    """
    facet = alt.Facet(
        "metric:N", sort=metrics, title=None, header=_metric_header(view.width)
    )
    chart = FacetChart(
        spec=layer,
        facet=facet,
        spacing=14,
        columns=alt.Undefined if view.columns is None else view.columns,
    )
    scales: dict[str, Any] = {independent: "independent"}
    resolve = alt.Resolve(scale=alt.ScaleResolveMap(**scales))
    chart = finish(chart, view.configure, view.datasets(), title=view.title,
                  resolve=resolve, data=alt.NamedData(name=data))  # fmt: skip
    return chart


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
        layer = alt.LayerChart(
            layer=[bars, text, change], width=self.width, height=self.height
        )
        return _metric_facets(self, layer, names, independent="y", data="metrics")
