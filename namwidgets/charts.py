"""Chart builders: pure functions from plain data to Altair charts.

Every builder takes plain data (a :class:`~namwidgets.explain._shape.ShapeFunction`,
arrays, dicts, a DataFrame) and returns a new Altair chart with its data inline and
small: shape functions on their grid, densities and prediction shifts as binned
counts, never raw rows. Nothing here keeps state between calls; the look comes from
:data:`PALETTE` and :data:`THEME`, applied to each chart by :func:`apply_theme`
(pass ``configure=False`` to compose charts, then theme the composite).
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import altair as alt
import numpy as np
import numpy.typing as npt

try:  # Altair validates every schema object as it is made, unless told not to
    from altair.utils.schemapi import debug_mode as _debug_mode
except ImportError:  # pragma: no cover - a future Altair without the switch
    _debug_mode = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import pandas as pd

    from namwidgets.explain._shape import ShapeFunction

__all__ = [
    "PALETTE",
    "THEME",
    "apply_theme",
    "contributions_chart",
    "importance_chart",
    "metrics_chart",
    "prediction_shift_chart",
    "shape_chart",
    "slice_metrics_chart",
]

#: Colours shared by every chart: one meaning, one colour.
PALETTE: dict[str, str] = {
    "original": "#4a6fa5",  # the model as fitted
    "edited": "#e8590c",  # the function after edits (also the accent)
    "accent": "#e8590c",
    "band": "#a9bfdc",  # ensemble band
    "density": "#d3dae3",  # data-density bars (light end of their ramp)
    "density_dark": "#5d6d82",
    "region": "#f5b041",  # the region an edit acts on
    "missing": "#7b4fa3",  # contribution of a missing value
    "last": "#b8b8b8",  # metrics: state before the latest edit
    "zero": "#8a8a8a",
    "text": "#333333",
}

_FONT = "Helvetica Neue, Helvetica, Arial, Liberation Sans, sans-serif"

#: Vega-Lite config applied by :func:`apply_theme`.
THEME: dict[str, Any] = {
    "font": _FONT,
    "view": {"stroke": None},
    "axis": {
        "labelFontSize": 11,
        "titleFontSize": 12,
        "titleFontWeight": "normal",
        "titleColor": PALETTE["text"],
        "labelColor": "#555555",
        "gridColor": "#ececec",
        "domainColor": "#9a9a9a",
        "tickColor": "#9a9a9a",
        "labelLimit": 120,
    },
    "legend": {"labelFontSize": 11, "titleFontSize": 11, "symbolSize": 90},
    "header": {"labelFontSize": 12, "titleFontSize": 12, "labelColor": "#333333"},
    "title": {
        "fontSize": 14,
        "fontWeight": 600,
        "anchor": "start",
        "color": PALETTE["text"],
        "subtitleFontSize": 11,
        "subtitleColor": "#666666",
        "offset": 6,
    },
    "concat": {"spacing": 6},
}

_STATE_LABELS = {"original": "original", "last": "last edit", "current": "current"}
_VALUE_FMT = "+.3~r"
_X_FMT = ",.4~r"


def apply_theme(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    """Return a copy of ``chart`` with the namwidgets look (:data:`THEME`).

    Parameters
    ----------
    chart : altair chart
        Any top-level chart without a config of its own.

    Returns
    -------
    altair chart
        The same chart with ``config`` set; the input is left untouched.
    """
    return chart.configure(**THEME)


# --------------------------------------------------------------------------- helpers


def _floats(values: Any) -> list[float | None]:
    """Turn an array into a JSON-safe list of floats (non-finite -> None)."""
    arr = np.asarray(values, dtype=np.float64)
    out: list[float | None] = arr.tolist()
    if not np.all(np.isfinite(arr)):
        out = [v if ok else None for v, ok in zip(out, np.isfinite(arr).ravel())]
    return out


def _as_1d(name: str, values: Any, n: int | None = None) -> npt.NDArray[np.float64]:
    """Check that ``values`` is a 1-D float array (of length ``n`` when given)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be numeric, got {values!r:.80}"
        raise ValueError(msg) from exc
    if arr.ndim != 1:
        msg = f"{name} must be one-dimensional, got shape {arr.shape}"
        raise ValueError(msg)
    if n is not None and arr.shape[0] != n:
        msg = f"{name} has length {arr.shape[0]}, expected {n}"
        raise ValueError(msg)
    return arr


def _pick_class(
    name: str, values: Any, n: int, class_index: int, n_classes: int | None
) -> npt.NDArray[np.float64]:
    """Return column ``class_index`` of a (n,) or (n, C) array, checking its shape."""
    arr = np.asarray(values, dtype=np.float64)
    expected = (n,) if n_classes is None else (n, n_classes)
    if arr.shape != expected:
        msg = f"{name} has shape {arr.shape}, expected {expected} (one per x)"
        raise ValueError(msg)
    return arr if n_classes is None else arr[:, class_index]


def _title(text: str, subtitle: str | None = None) -> alt.TitleParams:
    return alt.TitleParams(text=text, subtitle=subtitle or alt.Undefined)


def _series(chart: alt.Chart, label: str, legend: alt.Legend | None) -> alt.Chart:
    """Colour a layer as "original" or "edited" on one shared scale (one legend)."""
    scale = alt.Scale(
        domain=["original", "edited"], range=[PALETTE["original"], PALETTE["edited"]]
    )
    return chart.transform_calculate(series=f"'{label}'").encode(
        color=alt.Color("series:N", scale=scale, legend=legend, title=None)
    )


def _zero_rule() -> alt.Chart:
    """A one-row chart for a reference rule at zero; callers add the encoding."""
    return alt.Chart(alt.Data(values=[{"zero": 0.0}])).mark_rule(
        color=PALETTE["zero"], strokeWidth=1, opacity=0.7
    )


_F = TypeVar("_F", bound=Callable[..., Any])


def _unvalidated(func: _F) -> _F:
    """Build without Altair's per-object validation (most of the build time).

    The finished chart is still validated as a whole by ``to_dict()``, which is
    what ``JupyterChart`` and every renderer call.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        quiet = contextlib.nullcontext() if _debug_mode is None else _debug_mode(False)
        with quiet:
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _finish(chart, configure: bool, **props: Any):
    """Set top-level properties on a chart built here, in place.

    Plain attribute assignment, not ``.properties()``/``.configure()``: those copy
    the chart, and copying a composed chart re-copies every sub-chart.
    """
    for key, value in props.items():
        setattr(chart, key, value)
    if configure:
        chart.config = alt.Config(**THEME)
    return chart


# ------------------------------------------------------------------- shape function

#: Pixels kept right of a numeric x range for the missing-value marker.
_NAN_GUTTER = 56


@_unvalidated
def shape_chart(
    shape: ShapeFunction,
    edited_values: npt.ArrayLike | None = None,
    *,
    class_index: int = 0,
    knots: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    region: tuple[float, float] | None = None,
    title: str | None = None,
    width: int = 420,
    height: int = 260,
    brush: bool = True,
    brush_value: tuple[float, float] | None = None,
    y_title: str = "contribution",
    density_height: int = 10,
    configure: bool = True,
) -> alt.LayerChart:
    """Draw one feature's shape function, optionally next to its edited version.

    Numeric features are drawn as a line over the grid with the ensemble band and
    a zero line; categorical ones as a bar per category with error bars. Along the
    bottom of the plot, a thin strip shaded by the training-data histogram shows
    where the data is (the NAM paper's density bars). The contribution of a missing
    value, when the feature has one, is a diamond right of the x range (numeric) or
    an extra bar (categorical). Everything is one layer chart, so it stays cheap to
    build and to serialize.

    Parameters
    ----------
    shape : ShapeFunction
        The feature's function as plain data.
    edited_values : array-like of the same shape as ``shape.values``, optional
        The function after edits. When given it is drawn solid in the accent
        colour and the original becomes dashed (numeric) or faded (categorical).
    class_index : int, default=0
        Which class to draw for a multiclass model (a column of ``values``).
    knots : tuple of two array-likes, optional
        ``(x_positions, y_values)`` of the knots of a piecewise-linear edit,
        drawn as points (numeric only).
    region : tuple of float, optional
        ``(lo, hi)`` on x, drawn as a shaded band (numeric only).
    title : str, optional
        Chart title; defaults to the feature name (and class).
    width, height : int, default=420, 260
        Size in pixels of the plot.
    brush : bool, default=True
        Numeric: add an x-interval selection named ``"brush"`` to the original
        line's layer, readable as ``JupyterChart(chart).selections.brush``.
        Categorical: add a click selection on x named ``"category"`` instead.
    brush_value : tuple of float, optional
        Initial ``(lo, hi)`` of the brush, so that a rebuilt chart keeps it.
    y_title : str, default="contribution"
        Title of the y axis, e.g. ``"contribution (logit)"``.
    density_height : int, default=10
        Height in pixels of the density strip (0 hides it).
    configure : bool, default=True
        Apply :data:`THEME`; pass False to concatenate the chart with others.

    Returns
    -------
    altair.LayerChart
        The chart, its grid data inline at the top level.

    Raises
    ------
    ValueError
        When an array's shape does not match ``shape.x``, ``class_index`` is out
        of range, or ``knots``/``region``/``brush_value`` are malformed.
    """
    if shape.kind not in ("numeric", "categorical"):
        msg = f"shape.kind must be 'numeric' or 'categorical', got {shape.kind!r}"
        raise ValueError(msg)
    n = len(shape.x)
    ndim = np.ndim(shape.values)
    n_classes = np.shape(shape.values)[1] if ndim == 2 else None
    limit = 1 if n_classes is None else n_classes
    if isinstance(class_index, bool) or not isinstance(class_index, int | np.integer):
        msg = f"class_index must be an int, got {class_index!r}"
        raise ValueError(msg)
    if not 0 <= class_index < limit:
        msg = f"class_index={class_index} is out of range for {limit} class(es)"
        raise ValueError(msg)
    pairs = (("value", "values"), ("lower", "lower"), ("upper", "upper"))
    cols = {
        col: _pick_class(f"shape.{key}", getattr(shape, key), n, class_index, n_classes)
        for col, key in pairs
    }
    if edited_values is not None:
        cols["edited"] = _pick_class(
            "edited_values", edited_values, n, class_index, n_classes
        )
    nan_value = None
    if shape.nan_value is not None:
        nan_arr = np.atleast_1d(np.asarray(shape.nan_value, dtype=np.float64))
        nan_value = float(nan_arr[class_index if nan_arr.size > 1 else 0])
    if title is None:
        title = shape.name
        if n_classes is not None:
            label = shape.classes[class_index] if shape.classes else class_index
            title = f"{shape.name} · class {label}"
    builder = _numeric_shape if shape.kind == "numeric" else _categorical_shape
    layers, rows = builder(
        shape,
        cols,
        nan_value=nan_value,
        knots=knots,
        region=region,
        width=width,
        height=height,
        brush=brush,
        brush_value=brush_value,
        y_title=y_title,
        density_height=max(int(density_height), 0),
    )
    chart = alt.LayerChart(layer=layers, width=width, height=height)
    # The rows go on last, at the top level, where every layer without data of its
    # own inherits them: composing charts deep-copies their data in Altair.
    chart_title = _title(title, f"importance {shape.importance:.3g}")
    return _finish(chart, configure, title=chart_title, data={"values": rows})


def _tooltips(first: alt.Tooltip, edited: bool) -> list[alt.Tooltip]:
    """Tooltip of a shape's grid point or category: x, values and band."""
    tips = [first, alt.Tooltip("value:Q", title="original", format=_VALUE_FMT)]
    if edited:
        tips.append(alt.Tooltip("edited:Q", title="edited", format=_VALUE_FMT))
    return tips + [
        alt.Tooltip("lower:Q", title="band low", format=_VALUE_FMT),
        alt.Tooltip("upper:Q", title="band high", format=_VALUE_FMT),
    ]


def _density_layer(
    rows, x_enc, x2, height: int, strip: int, opacity, mark: alt.MarkDef
) -> alt.Chart:
    """Thin strip at the bottom of the plot, shaded by training-data counts."""
    fill = alt.Fill(
        "count:Q",
        legend=None,
        scale=alt.Scale(zero=True, range=[PALETTE["density"], PALETTE["density_dark"]]),
    )
    enc: dict[str, Any] = {"x": x_enc, "fill": fill, "opacity": opacity}
    if x2 is not None:
        enc["x2"] = x2
    tips = [alt.Tooltip("count:Q", title="training rows", format=",")]
    if x2 is not None:
        tips = [
            alt.Tooltip("lo:Q", title="from", format=_X_FMT),
            alt.Tooltip("hi:Q", title="to", format=_X_FMT),
            *tips,
        ]
    return alt.Chart(alt.Data(values=rows), mark=mark).encode(
        y=alt.YValue(height - strip), y2=alt.Y2Value(height), tooltip=tips, **enc
    )


def _numeric_shape(
    shape, cols, *, nan_value, knots, region, width, height, brush, brush_value,
    y_title, density_height,
):  # fmt: skip
    x = _as_1d("shape.x", shape.x)
    if x.size < 2 or not np.all(np.isfinite(x)):
        msg = f"shape.x needs at least 2 finite grid points, got {x.size}"
        raise ValueError(msg)
    edges = counts = None
    if shape.density_edges is not None and density_height > 0:
        counts = _as_1d("shape.density_counts", shape.density_counts)
        edges = _as_1d("shape.density_edges", shape.density_edges, counts.size + 1)
        if counts.size == 0:
            edges = counts = None
    lo_x, hi_x = float(x.min()), float(x.max())
    if edges is not None:
        lo_x, hi_x = min(lo_x, float(edges[0])), max(hi_x, float(edges[-1]))
    right = width - (_NAN_GUTTER if nan_value is not None else 0)
    x_scale = alt.Scale(domain=[lo_x, hi_x], range=[0, right], nice=False, zero=False)
    # Pad the y domain so that the curve stays clear of the density strip.
    y_scale = alt.Scale(
        zero=False, padding=density_height + 6 if edges is not None else 6
    )
    x_axis = alt.Axis(title=shape.name)

    def xq(field: str) -> alt.X:
        return alt.X(f"{field}:Q", scale=x_scale, axis=x_axis)

    def yq(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=y_title, scale=y_scale)

    edited = "edited" in cols
    records = {"x": _floats(x)} | {k: _floats(v) for k, v in cols.items()}
    rows = [dict(zip(records, vals)) for vals in zip(*records.values())]
    brush_param = None
    if brush:
        value = alt.Undefined
        if brush_value is not None:
            value = {"x": _floats(_as_1d("brush_value", brush_value, 2))}
        brush_param = alt.selection_interval(encodings=["x"], name="brush", value=value)

    layers: list[alt.Chart] = []
    if region is not None:
        lo, hi = _as_1d("region", region, 2)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            msg = f"region must be finite (lo, hi) with lo <= hi, got {region!r}"
            raise ValueError(msg)
        layers.append(
            alt.Chart(alt.Data(values=[{"lo": float(lo), "hi": float(hi)}]))
            .mark_rect(color=PALETTE["region"], opacity=0.2, clip=True)
            .encode(x=xq("lo"), x2=alt.X2(field="hi"))
        )
    if edges is not None:
        strip_rows = [
            {"lo": a, "hi": b, "count": c}
            for a, b, c in zip(_floats(edges[:-1]), _floats(edges[1:]), counts.tolist())
        ]
        opacity = alt.OpacityValue(1.0)
        if brush_param is not None:
            opacity = alt.OpacityValue(0.35, condition={"param": "brush", "value": 1.0})
        layers.append(
            _density_layer(
                strip_rows,
                xq("lo"),
                alt.X2(field="hi"),
                height,
                density_height,
                opacity,
                alt.MarkDef(type="rect", clip=True),
            )
        )
    # the zero line stops where the x range does, short of the missing-value marker
    layers.append(
        _zero_rule().encode(y=yq("zero"), x=alt.XValue(0), x2=alt.X2Value(right))
    )
    if np.any(cols["upper"] > cols["lower"]):
        layers.append(
            alt.Chart()
            .mark_area(color=PALETTE["band"], opacity=0.45, clip=True)
            .encode(x=xq("x"), y=yq("lower"), y2=alt.Y2(field="upper"))
        )
    legend = alt.Legend(orient="top", direction="horizontal") if edited else None
    line_kw = {"strokeDash": [5, 3], "strokeWidth": 1.6} if edited else {}
    original = alt.Chart().mark_line(**({"strokeWidth": 2.2} | line_kw), clip=True)
    original = _series(original.encode(x=xq("x"), y=yq("value")), "original", legend)
    if brush_param is not None:
        original = original.add_params(brush_param)
    layers.append(original)
    if edited:
        line = alt.Chart().mark_line(strokeWidth=2.4, clip=True)
        layers.append(_series(line.encode(x=xq("x"), y=yq("edited")), "edited", legend))
    # Invisible points carry the tooltip: a line's own tooltip shows one datum only.
    layers.append(
        alt.Chart()
        .mark_point(opacity=0, size=30, clip=True)
        .encode(
            x=xq("x"),
            y=yq("edited" if edited else "value"),
            tooltip=_tooltips(
                alt.Tooltip("x:Q", title=shape.name, format=_X_FMT), edited
            ),
        )
    )
    if knots is not None:
        layers.append(_knot_layer(knots, xq, yq))
    if nan_value is not None:
        layers += _nan_layers(nan_value, shape.nan_count, width - _NAN_GUTTER / 2, yq)
    return layers, rows


def _knot_layer(knots, xq, yq) -> alt.Chart:
    if len(knots) != 2:
        msg = "knots must be a pair (x_positions, y_values)"
        raise ValueError(msg)
    kx = _as_1d("knots[0] (x_positions)", knots[0])
    ky = _as_1d("knots[1] (y_values)", knots[1], kx.size)
    rows = [{"kx": a, "ky": b} for a, b in zip(_floats(kx), _floats(ky))]
    return (
        alt.Chart(alt.Data(values=rows))
        .mark_point(
            filled=True,
            size=70,
            color=PALETTE["accent"],
            stroke="white",
            strokeWidth=1.5,
            opacity=1,
        )
        .encode(
            x=xq("kx"),
            y=yq("ky"),
            tooltip=[
                alt.Tooltip("kx:Q", title="knot", format=_X_FMT),
                alt.Tooltip("ky:Q", title="value", format=_VALUE_FMT),
            ],
        )
    )


def _nan_layers(nan_value: float, nan_count: int, x_px: float, yq) -> list[alt.Chart]:
    """A labelled diamond right of the x range: the missing-value contribution."""
    data = alt.Data(
        values=[{"nan": nan_value, "count": int(nan_count), "label": "missing"}]
    )
    base = alt.Chart(data).encode(x=alt.XValue(x_px), y=yq("nan"))
    point = base.mark_point(
        shape="diamond", filled=True, size=100, color=PALETTE["missing"], opacity=1
    ).encode(
        tooltip=[
            alt.Tooltip("nan:Q", title="missing value", format=_VALUE_FMT),
            alt.Tooltip("count:Q", title="rows missing", format=","),
        ]
    )
    label = base.mark_text(
        dy=-10, baseline="bottom", fontSize=10, color=PALETTE["missing"]
    ).encode(text=alt.Text("label:N"))
    return [point, label]


def _categorical_shape(
    shape, cols, *, nan_value, knots, region, width, height, brush, brush_value,
    y_title, density_height,
):  # fmt: skip
    del width, brush_value
    if knots is not None or region is not None:
        msg = "knots and region apply to numeric features only"
        raise ValueError(msg)
    cats = [str(c) for c in shape.x]
    counts = np.asarray(shape.density_counts)
    if counts.shape != (len(cats),):
        msg = (
            f"shape.density_counts has shape {counts.shape}, expected "
            f"({len(cats)},) (one count per category)"
        )
        raise ValueError(msg)
    edited = "edited" in cols
    fcols = {key: _floats(v) for key, v in cols.items()}
    rows = [
        {"category": c, "count": int(k)} | {key: v[i] for key, v in fcols.items()}
        for i, (c, k) in enumerate(zip(cats, counts.tolist()))
    ]
    domain = list(cats)
    missing_label = "(missing)"
    while missing_label in domain:
        missing_label += " "
    if nan_value is not None:
        domain.append(missing_label)
    long = len(domain) > 8 or max((len(d) for d in domain), default=0) > 10
    many = len(domain) > 30  # too many to label each: let Vega drop overlaps
    axis = alt.Axis(
        title=shape.name,
        labelAngle=-40 if long else 0,
        labelLimit=90,
        labelOverlap=True if many else alt.Undefined,
    )
    x = alt.X("category:N", scale=alt.Scale(domain=domain), sort=domain, axis=axis)
    strip = density_height if counts.size else 0
    y_scale = alt.Scale(padding=strip + 6 if strip else 6)

    def yq(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=y_title, scale=y_scale)

    legend = None
    if edited:
        legend = alt.Legend(
            orient="top", direction="horizontal", symbolType="square", symbolOpacity=1
        )
    band = {"band": 0.6}
    tooltip = _tooltips(alt.Tooltip("category:N", title=shape.name), edited)
    tooltip.append(alt.Tooltip("count:Q", title="training rows", format=","))
    pick = alt.selection_point(encodings=["x"], name="category") if brush else None
    full = 0.45 if edited else 0.9
    opacity = alt.OpacityValue(full)
    if pick is not None:
        opacity = alt.OpacityValue(0.2, condition={"param": "category", "value": full})
    layers: list[alt.Chart] = []
    if strip:
        strip_rows = [{"category": r["category"], "count": r["count"]} for r in rows]
        if nan_value is not None:
            strip_rows.append(
                {"category": missing_label, "count": int(shape.nan_count)}
            )
        layers.append(
            _density_layer(
                strip_rows,
                x,
                None,
                height,
                strip,
                alt.OpacityValue(1.0),
                alt.MarkDef(type="bar", width=band),
            )
        )
    bars = alt.Chart().mark_bar(width=band)
    bars = bars.encode(x=x, y=yq("value"), opacity=opacity, tooltip=tooltip)
    bars = _series(bars, "original", legend)
    layers.append(bars.add_params(pick) if pick is not None else bars)
    if np.any(cols["upper"] > cols["lower"]):
        layers.append(
            alt.Chart()
            .mark_errorbar(
                ticks=False if many else {"size": 8}, color="#2f2f2f", thickness=1.2
            )
            .encode(x=x, y=yq("lower"), y2=alt.Y2(field="upper"))
        )
    if edited:
        outline = alt.Chart().mark_bar(
            width=band, filled=False, strokeWidth=2.2, opacity=1
        )
        outline = outline.encode(
            x=x, y=yq("edited"), y2=alt.Y2Datum(0.0), tooltip=tooltip
        )
        layers.append(_series(outline, "edited", legend))
    if nan_value is not None:
        nan_row = {"category": missing_label, "value": nan_value}
        nan_row["count"] = int(shape.nan_count)
        layers.append(
            alt.Chart(alt.Data(values=[nan_row]))
            .mark_bar(color=PALETTE["missing"], opacity=0.85, width=band)
            .encode(
                x=x,
                y=yq("value"),
                tooltip=[
                    alt.Tooltip("value:Q", title="missing value", format=_VALUE_FMT),
                    alt.Tooltip("count:Q", title="rows missing", format=","),
                ],
            )
        )
    layers.append(_zero_rule().encode(y=yq("zero")))
    return layers, rows


# ------------------------------------------------------------------ model summaries


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


@_unvalidated
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
    labels = _names("names", names)
    imp = _as_1d("importances", importances, len(labels))
    unknown = sorted(set(map(str, edited)) - set(labels))
    if unknown:
        msg = f"edited names features that are not in names: {unknown}"
        raise ValueError(msg)
    edited_set = set(map(str, edited))
    order = np.argsort(-np.nan_to_num(imp, nan=-np.inf), kind="stable")
    order = order[: _check_top(top, len(labels))]
    rows = []
    for i in order:
        status = "edited" if labels[i] in edited_set else "unedited"
        text = f"{imp[i]:.3g}" + ("  · edited" if status == "edited" else "")
        rows.append(
            {"feature": labels[i], "importance": _floats([imp[i]])[0], "status": status}
            | {"label": text}
        )
    ranked = [r["feature"] for r in rows]
    y = alt.Y("feature:N", sort=ranked, title=None)
    color_scale = alt.Scale(
        domain=["unedited", "edited"], range=[PALETTE["original"], PALETTE["edited"]]
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
            color=alt.Color("status:N", scale=color_scale, legend=None),
            tooltip=tooltip,
        )
    )
    text = (
        alt.Chart()
        .mark_text(align="left", dx=4, fontSize=11)
        .encode(
            x=alt.X("importance:Q"),
            y=y,
            text=alt.Text("label:N"),
            color=alt.Color("status:N", scale=color_scale, legend=None),
        )
    )
    chart = alt.LayerChart(layer=[bars, text], width=width, height=alt.Step(18))
    return _finish(chart, configure, title=title, data={"values": rows})


@_unvalidated
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
) -> alt.LayerChart:
    """Show one row's per-feature contributions, before and after edits.

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
    altair.LayerChart
        Horizontal bars, features sorted by largest |contribution|.
    """
    labels = _names("names", names)
    b = _as_1d("before", before, len(labels))
    a = None if after is None else _as_1d("after", after, len(labels))
    size = np.abs(b) if a is None else np.maximum(np.abs(a), np.abs(b))
    order = np.argsort(-np.nan_to_num(size, nan=-np.inf), kind="stable")
    order = order[: _check_top(top, len(labels))]
    series = {"before": b} if a is None else {"before": b, "after": a}
    states = list(series)
    rows = []
    for i in order:
        for state, arr in series.items():
            value = _floats([arr[i]])[0]
            rows.append({"feature": labels[i], "state": state, "value": value})
    if title is None:
        title = "Contributions"
        if prediction_before is not None:
            title = f"Prediction {prediction_before:.4g}"
            if prediction_after is not None:
                title += f" → {prediction_after:.4g} after edits"
    subtitle = None if intercept is None else f"intercept {intercept:+.4g}"
    y = alt.Y("feature:N", sort=[labels[i] for i in order], title=None)
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
                legend=None if a is None else alt.Legend(orient="top", title=None),
            ),
            tooltip=[
                alt.Tooltip("feature:N"),
                alt.Tooltip("state:N"),
                alt.Tooltip("value:Q", format=_VALUE_FMT),
            ],
        )
    )
    if a is not None:
        bars = bars.encode(yOffset=alt.YOffset("state:N", sort=states))
    rule = _zero_rule().encode(x=alt.X("zero:Q", title=x_title))
    height = alt.Step(9 if a is not None else 18)
    chart = alt.LayerChart(layer=[bars, rule], width=width, height=height)
    return _finish(
        chart, configure, title=_title(title, subtitle), data={"values": rows}
    )


@_unvalidated
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
    c = _as_1d("counts", counts)
    edges = _as_1d("bin_edges", bin_edges, c.size + 1)
    if not np.all(np.isfinite(edges)) or np.any(np.diff(edges) < 0):
        msg = "bin_edges must be finite and increasing"
        raise ValueError(msg)
    if np.any(~np.isfinite(c)) or np.any(c < 0):
        msg = "counts must be finite and non-negative"
        raise ValueError(msg)
    rows = [
        {"lo": lo, "hi": hi, "count": k}
        for lo, hi, k in zip(_floats(edges[:-1]), _floats(edges[1:]), c.tolist())
    ]
    bars = (
        alt.Chart(alt.Data(values=rows))
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
    layers = [bars]
    if edges[0] <= 0 <= edges[-1]:
        layers.append(_zero_rule().encode(x=alt.X("zero:Q")))
    chart = alt.LayerChart(layer=layers, width=width, height=height)
    return _finish(chart, configure, title=title)


# ------------------------------------------------------------------------ metrics


@_unvalidated
def metrics_chart(
    metrics: Mapping[str, Mapping[str, float]],
    *,
    title: str = "Metrics",
    width: int = 90,
    height: int = 120,
    configure: bool = True,
) -> alt.FacetChart:
    """GAM Changer's metric view: original, last edit and current, per metric.

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
    labels = [_STATE_LABELS[s] for s in states]
    rows = []
    for name in names:
        for state in states:
            value = _floats([metrics[state][name]])[0]
            label = _STATE_LABELS[state]
            rows.append({"metric": str(name), "state": label, "value": value})
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
    chart = (
        alt.layer(bars, text, data=alt.Data(values=rows))
        .properties(width=width, height=height)
        .facet(
            column=alt.Column(
                "metric:N",
                sort=[str(n) for n in names],
                title=None,
                header=alt.Header(labelFontWeight="bold"),
            ),
            spacing=14,
        )
    )
    resolve = alt.Resolve(scale=alt.ScaleResolveMap(y="independent"))
    return _finish(chart, configure, title=title, resolve=resolve)


@_unvalidated
def slice_metrics_chart(
    table: pd.DataFrame,
    *,
    title: str = "Metrics by slice",
    width: int = 160,
    configure: bool = True,
) -> alt.FacetChart:
    """Per-slice metrics, original vs current, as grouped horizontal bars.

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
    required = ["slice", "n", "metric", "original", "current"]
    columns = list(getattr(table, "columns", []))
    missing = [c for c in required if c not in columns]
    if missing:
        msg = f"table is missing column(s) {missing}; needs {required}"
        raise ValueError(msg)
    states = ["original", "current"]
    rows, slices, metric_names = [], [], []
    for sl, n, metric, orig, cur in zip(*(table[c].tolist() for c in required)):
        label = f"{sl} (n={int(n):,})"
        if label not in slices:
            slices.append(label)
        if str(metric) not in metric_names:
            metric_names.append(str(metric))
        for state, value in zip(states, _floats([orig, cur])):
            rows.append(
                {"slice": label, "metric": str(metric), "state": state, "value": value}
            )
    bars = (
        alt.Chart()
        .mark_bar(height={"band": 0.85})
        .encode(
            x=alt.X("value:Q", title=None, axis=alt.Axis(tickCount=4, format="~g")),
            y=alt.Y("slice:N", sort=slices, title=None),
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
    chart = (
        alt.layer(bars, data=alt.Data(values=rows))
        .properties(width=width, height=alt.Step(9))
        .facet(
            column=alt.Column(
                "metric:N",
                sort=metric_names,
                title=None,
                header=alt.Header(labelFontWeight="bold"),
            ),
            spacing=14,
        )
    )
    resolve = alt.Resolve(scale=alt.ScaleResolveMap(x="independent"))
    return _finish(chart, configure, title=title, resolve=resolve)
