"""Model summaries: importance, one row's contributions, prediction shift, metrics.

Each ``X_chart`` has an ``X_data`` twin that returns its named datasets with
numpy and plain Python only, for redrawing a cached spec.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import numpy.typing as npt

from ._theme import (
    PALETTE,
    SUBTITLE_STYLE,
    VALUE_FMT,
    Datasets,
    FacetChart,
    LayerChart,
    VConcatChart,
    as_1d,
    finish,
    floats,
    records,
    unvalidated,
    zero_rule,
)

if TYPE_CHECKING:
    import pandas as pd

_STATE_LABELS = {"original": "original", "last": "last edit", "current": "current"}
_BY_RANK = alt.EncodingSortField(field="rank", op="min", order="ascending")


def _names(name: str, names: Sequence[Any]) -> list[str]:
    out = [str(v) for v in names]
    if len(set(out)) != len(out):
        msg = f"{name} must be unique, got {out!r:.120}"
        raise ValueError(msg)
    return out


def _check_top(top: int | None, n: int) -> int:
    if top is None:
        return n
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        msg = f"top must be a positive int or None, got {top!r}"
        raise ValueError(msg)
    return min(int(top), n)


def _ranked(size: npt.NDArray[np.float64], top: int | None) -> list[int]:
    """Indices of the ``top`` largest ``size`` (NaN last, ties in input order)."""
    order = np.argsort(-np.nan_to_num(size, nan=-np.inf), kind="stable")
    return order[: _check_top(top, size.size)].tolist()


# ---------------------------------------------------------------------- importance


def importance_data(
    names: Sequence[str],
    importances: npt.ArrayLike,
    edited: Sequence[str] = (),
    *,
    top: int | None = None,
) -> Datasets:
    """The named datasets of :func:`importance_chart`, built without Altair.

    Parameters
    ----------
    names, importances, edited, top
        As in :func:`importance_chart`.

    Returns
    -------
    dict of str to list of dict
        ``"importance"``: the ``top`` most important features, most important
        first, each with ``feature``, ``importance``, ``status`` (``"edited"`` or
        ``"unedited"``), ``label`` (the text by the bar) and ``rank`` (1 = most
        important; the chart sorts by it).
    """
    labels = _names("names", names)
    imp = as_1d("importances", importances, len(labels))
    edited_set = set(map(str, edited))
    unknown = sorted(edited_set - set(labels))
    if unknown:
        msg = f"edited names features that are not in names: {unknown}"
        raise ValueError(msg)
    values = floats(imp)
    rows = []
    for rank, i in enumerate(_ranked(imp, top), start=1):
        status = "edited" if labels[i] in edited_set else "unedited"
        text = f"{imp[i]:.3g}" + ("  · edited" if status == "edited" else "")
        rows.append(
            {"feature": labels[i], "importance": values[i], "status": status}
            | {"label": text, "rank": rank}
        )
    return {"importance": rows}


@unvalidated
def importance_chart(
    names: Sequence[str],
    importances: npt.ArrayLike,
    edited: Sequence[str] = (),
    *,
    top: int | None = None,
    title: str = "Feature importance",
    width: int = 300,
    configure: bool = True,
) -> alt.LayerChart:
    """Rank features by importance as horizontal bars, edited features marked.

    Structure: the number of bars (``min(top, len(names))``), ``title``,
    ``width``, ``configure``. Data (``spec["datasets"]``, equal to
    :func:`importance_data`): which features are shown and their order, their
    importances and which of them are edited.

    Parameters
    ----------
    names : sequence of str
        Feature names.
    importances : array-like of shape (n_features,)
        Mean |f_j| of each feature.
    edited : sequence of str, default=()
        Names of features with edits: drawn in the accent colour and labelled.
    top : int, optional
        Show only the ``top`` most important features.
    title : str, default="Feature importance"
        Chart title.
    width : int, default=300
        Width in pixels of the bars' area.
    configure : bool, default=True
        Apply :data:`THEME`.

    Returns
    -------
    altair.LayerChart
        Bars sorted from most to least important, with value labels.
    """
    datasets = importance_data(names, importances, edited, top=top)
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
        alt.Tooltip("feature:N"),
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
    chart = LayerChart(layer=[bars, text], width=width, height=alt.Step(18))
    data = alt.NamedData(name="importance")
    return finish(chart, configure, datasets, title=title, data=data)


# ------------------------------------------------------------------- contributions


def contributions_data(
    names: Sequence[str],
    before: npt.ArrayLike,
    after: npt.ArrayLike | None = None,
    *,
    prediction_before: float | None = None,
    prediction_after: float | None = None,
    intercept: float | None = None,
    top: int | None = None,
    title: str | None = None,
) -> Datasets:
    """The named datasets of :func:`contributions_chart`, built without Altair.

    Parameters
    ----------
    names, before, after, prediction_before, prediction_after, intercept, top, title
        As in :func:`contributions_chart`.

    Returns
    -------
    dict of str to list of dict
        ``"contributions"``: one row per shown feature and state, largest
        |contribution| first, with ``feature``, ``state`` (``"before"`` or
        ``"after"``), ``value`` and ``rank`` (1 = largest; the chart sorts by it).
        ``"contributions_title"``: one row, ``title`` (the chart title) and,
        when ``intercept`` is given, ``subtitle``.
    """
    labels = _names("names", names)
    b = as_1d("before", before, len(labels))
    a = None if after is None else as_1d("after", after, len(labels))
    size = np.abs(b) if a is None else np.maximum(np.abs(a), np.abs(b))
    series = {"before": floats(b)}
    if a is not None:
        series["after"] = floats(a)
    rows = []
    for rank, i in enumerate(_ranked(size, top), start=1):
        for state, values in series.items():
            rows.append(
                {"feature": labels[i], "state": state, "value": values[i]}
                | {"rank": rank}
            )
    if title is None:
        title = "Contributions"
        if prediction_before is not None:
            title = f"Prediction {prediction_before:.4g}"
            if prediction_after is not None:
                title += f" → {prediction_after:.4g} after edits"
    head: dict[str, Any] = {"title": title}
    if intercept is not None:
        head["subtitle"] = f"intercept {intercept:+.4g}"
    return {"contributions": rows, "contributions_title": [head]}


def _from_title(field: str) -> dict[str, str]:
    """A Vega expression reading the title (or subtitle) from its dataset."""
    rows = "data('contributions_title')"
    return {"expr": f"length({rows}) ? {rows}[0].{field} : ''"}


@unvalidated
def contributions_chart(
    names: Sequence[str],
    before: npt.ArrayLike,
    after: npt.ArrayLike | None = None,
    *,
    prediction_before: float | None = None,
    prediction_after: float | None = None,
    intercept: float | None = None,
    top: int | None = None,
    title: str | None = None,
    x_title: str = "contribution",
    width: int = 300,
    configure: bool = True,
) -> alt.LayerChart | alt.VConcatChart:
    """Show one row's per-feature contributions, before and after edits.

    Structure: the number of bars (``min(top, len(names))``), whether ``after``
    and ``intercept`` are None, ``x_title``, ``width``, ``configure``. Data
    (``spec["datasets"]``, equal to :func:`contributions_data`): which features
    are shown and their order, the values, and the title and subtitle text (the
    title is read from data by a Vega expression). With an intercept, the
    subtitle is the title of a one-chart ``vconcat`` inside (Vega-Lite reads a
    subtitle's text from data nowhere else).

    Parameters
    ----------
    names : sequence of str
        Feature names.
    before : array-like of shape (n_features,)
        The row's contributions f_j(x_j) under the original model.
    after : array-like of shape (n_features,), optional
        The same under the edited model; drawn as a second bar per feature.
    prediction_before, prediction_after : float, optional
        The row's prediction before/after edits, shown in the title.
    intercept : float, optional
        The model's intercept, shown in the subtitle.
    top : int, optional
        Keep only the ``top`` features with the largest |contribution|.
    title : str, optional
        Overrides the title built from the predictions.
    x_title : str, default="contribution"
        Title of the x axis, e.g. ``"contribution (logit)"``.
    width : int, default=300
        Width in pixels.
    configure : bool, default=True
        Apply :data:`THEME`.

    Returns
    -------
    altair.LayerChart or altair.VConcatChart
        Horizontal bars, features sorted by largest |contribution|; a
        ``VConcatChart`` around them when ``intercept`` is given.
    """
    datasets = contributions_data(
        names,
        before,
        after,
        prediction_before=prediction_before,
        prediction_after=prediction_after,
        intercept=intercept,
        top=top,
        title=title,
    )
    states = ["before"] if after is None else ["before", "after"]
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
                legend=None if after is None else alt.Legend(orient="top", title=None),
            ),
            tooltip=[
                alt.Tooltip("feature:N"),
                alt.Tooltip("state:N"),
                alt.Tooltip("value:Q", format=VALUE_FMT),
            ],
        )
    )
    if after is not None:
        bars = bars.encode(yOffset=alt.YOffset("state:N", sort=states))
    rule = zero_rule().encode(x=alt.X("zero:Q", title=x_title))
    height = alt.Step(9 if after is not None else 18)
    data = alt.NamedData(name="contributions")
    head = alt.TitleParams(text=_from_title("title"))
    # Vega-Lite keeps only the datasets that a mark reads: an empty text keeps
    # the title's, which the title expression reads.
    keep = alt.Chart(alt.NamedData(name="contributions_title")).mark_text(text="")
    layers = [bars, rule, keep]
    inner = LayerChart(layer=layers, width=width, height=height, data=data)
    if intercept is None:
        return finish(inner, configure, datasets, title=head)
    inner.title = alt.TitleParams(text=_from_title("subtitle"), **SUBTITLE_STYLE)
    # the legend stays with the inner view, below the subtitle
    keep_legend = alt.Resolve(legend=alt.LegendResolveMap(color="independent"))
    outer = VConcatChart(vconcat=[inner], resolve=keep_legend)
    return finish(outer, configure, datasets, title=head)


# ---------------------------------------------------------------- prediction shift


def prediction_shift_data(bin_edges: npt.ArrayLike, counts: npt.ArrayLike) -> Datasets:
    """The named datasets of :func:`prediction_shift_chart`, built without Altair.

    Parameters
    ----------
    bin_edges, counts
        As in :func:`prediction_shift_chart`.

    Returns
    -------
    dict of str to list of dict
        ``"shift"``: ``lo``, ``hi``, ``count`` per bin. ``"shift_zero"``: the rule
        at zero change, ``[{"zero": 0.0}]`` when zero is within the bins, else
        empty.
    """
    c = as_1d("counts", counts)
    edges = as_1d("bin_edges", bin_edges, c.size + 1)
    if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) < 0):
        msg = "bin_edges must be finite and increasing"
        raise ValueError(msg)
    if np.any(~np.isfinite(c)) or np.any(c < 0):
        msg = "counts must be finite and non-negative"
        raise ValueError(msg)
    e = edges.tolist()
    rows = records({"lo": e[:-1], "hi": e[1:], "count": c.tolist()})
    zero = [{"zero": 0.0}] if e[0] <= 0 <= e[-1] else []
    return {"shift": rows, "shift_zero": zero}


@unvalidated
def prediction_shift_chart(
    bin_edges: npt.ArrayLike,
    counts: npt.ArrayLike,
    *,
    title: str = "How predictions moved",
    x_title: str = "prediction after edits − before",
    width: int = 300,
    height: int = 140,
    configure: bool = True,
) -> alt.LayerChart:
    """Histogram of per-row prediction changes, from pre-binned counts.

    Structure: ``title``, ``x_title``, ``width``, ``height``, ``configure``.
    Data (``spec["datasets"]``, equal to :func:`prediction_shift_data`): the
    bins, their counts, and whether the rule at zero is drawn.

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

    Returns
    -------
    altair.LayerChart
        Bars over the bins, with a rule at zero change when zero is in range.
    """
    datasets = prediction_shift_data(bin_edges, counts)
    bars = (
        alt.Chart(alt.NamedData(name="shift"))
        .mark_rect(color=PALETTE["edited"], opacity=0.85, stroke="white")
        .encode(
            x=alt.X("lo:Q", title=x_title, scale=alt.Scale(zero=False)),
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
    chart = LayerChart(layer=[bars, rule], width=width, height=height)
    return finish(chart, configure, datasets, title=title)


# ------------------------------------------------------------------------ metrics


def _metric_names(metrics: Mapping[str, Mapping[str, float]]) -> list[str]:
    if not isinstance(metrics, Mapping):
        msg = f"metrics must map state -> {{metric: value}}, got {metrics!r:.80}"
        raise ValueError(msg)
    states = list(_STATE_LABELS)
    missing = [s for s in states if s not in metrics]
    if missing:
        msg = f"metrics is missing state(s) {missing}; expected keys {states}"
        raise ValueError(msg)
    names = list(metrics["original"])
    for state in states:
        if set(metrics[state]) != set(names):
            msg = (
                f"metrics[{state!r}] has metrics {sorted(metrics[state])}, "
                f"expected the same as metrics['original']: {sorted(names)}"
            )
            raise ValueError(msg)
    if not names:
        msg = "metrics['original'] names no metric"
        raise ValueError(msg)
    return names


def metrics_data(metrics: Mapping[str, Mapping[str, float]]) -> Datasets:
    """The named datasets of :func:`metrics_chart`, built without Altair.

    Parameters
    ----------
    metrics : mapping
        As in :func:`metrics_chart`.

    Returns
    -------
    dict of str to list of dict
        ``"metrics"``: ``metric``, ``state`` (``"original"``, ``"last edit"``,
        ``"current"``) and ``value``, per metric then state.
    """
    rows = []
    for name in _metric_names(metrics):
        values = floats([metrics[state][name] for state in _STATE_LABELS])
        for label, value in zip(_STATE_LABELS.values(), values):
            rows.append({"metric": str(name), "state": label, "value": value})
    return {"metrics": rows}


@unvalidated
def metrics_chart(
    metrics: Mapping[str, Mapping[str, float]],
    *,
    title: str = "Metrics",
    width: int = 90,
    height: int = 120,
    configure: bool = True,
) -> alt.FacetChart:
    """GAM Changer's metric view: original, last edit and current, per metric.

    Structure: the metric names and their order, the three states, ``title``,
    ``width``, ``height``, ``configure``. Data (``spec["datasets"]``, equal to
    :func:`metrics_data`): the values.

    Parameters
    ----------
    metrics : mapping
        ``{"original": {"rmse": ..., ...}, "last": {...}, "current": {...}}``; the
        three states must name the same metrics.
    title : str, default="Metrics"
        Chart title.
    width, height : int, default=90, 120
        Size in pixels of each metric's panel.
    configure : bool, default=True
        Apply :data:`THEME`.

    Returns
    -------
    altair.FacetChart
        One panel per metric (each with its own y scale), three bars in each.
    """
    datasets = metrics_data(metrics)
    names = [str(n) for n in _metric_names(metrics)]
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
    bars = (
        alt.Chart()
        .mark_bar(width={"band": 0.8})
        .encode(
            x=x,
            y=alt.Y("value:Q", title=None, axis=alt.Axis(tickCount=4, format="~g")),
            color=color,
            tooltip=[
                alt.Tooltip("metric:N"),
                alt.Tooltip("state:N"),
                alt.Tooltip("value:Q", format=".4~r"),
            ],
        )
    )
    text = (
        alt.Chart()
        .mark_text(dy=-5, baseline="bottom", fontSize=10, color=PALETTE["text"])
        .encode(x=x, y=alt.Y("value:Q"), text=alt.Text("value:Q", format=".3~r"))
    )
    column = alt.Column(
        "metric:N", sort=names, title=None, header=alt.Header(labelFontWeight="bold")
    )
    chart = FacetChart(
        spec=alt.LayerChart(layer=[bars, text], width=width, height=height),
        facet=alt.FacetMapping(column=column),
        spacing=14,
    )
    resolve = alt.Resolve(scale=alt.ScaleResolveMap(y="independent"))
    data = alt.NamedData(name="metrics")
    return finish(chart, configure, datasets, title=title, resolve=resolve, data=data)


def _slice_columns(table: pd.DataFrame) -> list[list[Any]]:
    required = ["slice", "n", "metric", "original", "current"]
    columns = list(getattr(table, "columns", []))
    missing = [c for c in required if c not in columns]
    if missing:
        msg = f"table is missing column(s) {missing}; needs {required}"
        raise ValueError(msg)
    return [table[c].tolist() for c in required]


def slice_metrics_data(table: pd.DataFrame) -> Datasets:
    """The named datasets of :func:`slice_metrics_chart`, built without Altair.

    Parameters
    ----------
    table : pandas.DataFrame
        As in :func:`slice_metrics_chart`.

    Returns
    -------
    dict of str to list of dict
        ``"slices"``: per table row and state (``"original"``, ``"current"``):
        ``slice`` (its label with ``n``), ``metric``, ``state``, ``value`` and
        ``order`` (the slice's first appearance in the table; the chart sorts
        by it).
    """
    order: dict[str, int] = {}
    rows = []
    for sl, n, metric, orig, cur in zip(*_slice_columns(table)):
        label = f"{sl} (n={int(n):,})"
        rank = order.setdefault(label, len(order))
        for state, value in zip(("original", "current"), floats([orig, cur])):
            rows.append(
                {"slice": label, "metric": str(metric), "state": state}
                | {"value": value, "order": rank}
            )
    return {"slices": rows}


@unvalidated
def slice_metrics_chart(
    table: pd.DataFrame,
    *,
    title: str = "Metrics by slice",
    width: int = 160,
    configure: bool = True,
) -> alt.FacetChart:
    """Per-slice metrics, original vs current, as grouped horizontal bars.

    Structure: the metric names and their order, ``title``, ``width``,
    ``configure``. Data (``spec["datasets"]``, equal to
    :func:`slice_metrics_data`): the slices (labels with their sizes, order)
    and the values.

    Parameters
    ----------
    table : pandas.DataFrame
        Long form, one row per (slice, metric), with columns ``slice``, ``n``
        (rows in the slice), ``metric``, ``original`` and ``current``.
    title : str, default="Metrics by slice"
        Chart title.
    width : int, default=160
        Width in pixels of each metric's panel.
    configure : bool, default=True
        Apply :data:`THEME`.

    Returns
    -------
    altair.FacetChart
        One panel per metric (own x scale), a pair of bars per slice.
    """
    datasets = slice_metrics_data(table)
    metric_names = list(dict.fromkeys(str(m) for m in table["metric"].tolist()))
    states = ["original", "current"]
    bars = (
        alt.Chart()
        .mark_bar(height={"band": 0.85})
        .encode(
            x=alt.X("value:Q", title=None, axis=alt.Axis(tickCount=4, format="~g")),
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
    column = alt.Column(
        "metric:N",
        sort=metric_names,
        title=None,
        header=alt.Header(labelFontWeight="bold"),
    )
    chart = FacetChart(
        spec=alt.LayerChart(layer=[bars], width=width, height=alt.Step(9)),
        facet=alt.FacetMapping(column=column),
        spacing=14,
    )
    resolve = alt.Resolve(scale=alt.ScaleResolveMap(x="independent"))
    data = alt.NamedData(name="slices")
    return finish(chart, configure, datasets, title=title, resolve=resolve, data=data)
