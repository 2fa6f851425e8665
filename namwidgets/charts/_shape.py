"""One feature's shape function: :func:`shape_chart` and :func:`shape_data`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import numpy.typing as npt

from ._theme import (
    PALETTE,
    VALUE_FMT,
    X_FMT,
    Datasets,
    LayerChart,
    as_1d,
    finish,
    floats,
    make_title,
    records,
    series,
    unvalidated,
    zero_rule,
)

if TYPE_CHECKING:
    from namwidgets.explain._shape import ShapeFunction

#: Pixels kept right of a numeric x range for the missing-value marker.
_NAN_GUTTER = 56
_MISSING = "(missing)"


@dataclass
class _Prepared:
    """What both the structure and the data of a shape chart are built from."""

    cols: dict[str, npt.NDArray[np.float64]]  # value, lower, upper[, edited]
    n_classes: int | None
    nan_value: float | None
    x: npt.NDArray[Any]  # the numeric grid, or the category labels as str
    edges: npt.NDArray[np.float64] | None  # density edges (numeric) when drawn
    counts: npt.NDArray[Any] | None  # density counts when drawn / per category
    knots: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None
    region: tuple[float, float] | None
    missing_label: str = _MISSING

    @property
    def band(self) -> bool:
        return bool(np.any(self.cols["upper"] > self.cols["lower"]))


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


def _prepare(
    shape: ShapeFunction,
    edited_values: Any,
    class_index: int,
    knots: Any,
    region: Any,
    density_height: int,
) -> _Prepared:
    """Check the inputs of a shape chart and pick the drawn class."""
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
    density_height = max(int(density_height), 0)
    if shape.kind == "categorical":
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
        missing_label = _MISSING
        while missing_label in cats:
            missing_label += " "
        return _Prepared(
            cols, n_classes, nan_value, np.asarray(cats, dtype=object), None,
            counts, None, None, missing_label,
        )  # fmt: skip
    x = as_1d("shape.x", shape.x)
    if x.size < 2 or not np.all(np.isfinite(x)):
        msg = f"shape.x needs at least 2 finite grid points, got {x.size}"
        raise ValueError(msg)
    edges = counts = None
    if shape.density_edges is not None and density_height > 0:
        counts = as_1d("shape.density_counts", shape.density_counts)
        edges = as_1d("shape.density_edges", shape.density_edges, counts.size + 1)
        if counts.size == 0:
            edges = counts = None
    knot_arrays = None
    if knots is not None:
        if len(knots) != 2:
            msg = "knots must be a pair (x_positions, y_values)"
            raise ValueError(msg)
        kx = as_1d("knots[0] (x_positions)", knots[0])
        knot_arrays = (kx, as_1d("knots[1] (y_values)", knots[1], kx.size))
    bounds = None
    if region is not None:
        lo, hi = as_1d("region", region, 2)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            msg = f"region must be finite (lo, hi) with lo <= hi, got {region!r}"
            raise ValueError(msg)
        bounds = (float(lo), float(hi))
    return _Prepared(cols, n_classes, nan_value, x, edges, counts, knot_arrays, bounds)


def _datasets(shape: ShapeFunction, p: _Prepared, density_height: int) -> Datasets:
    """The named datasets of a prepared shape chart."""
    fcols = {key: floats(v) for key, v in p.cols.items()}
    if shape.kind == "categorical":
        cats = p.x.tolist()
        counts = np.asarray(p.counts).tolist()
        out = {
            "shape": records(
                {"category": cats, "count": [int(k) for k in counts]} | fcols
            )
        }
        if density_height > 0 and len(cats):
            strip = records({"category": cats, "count": [int(k) for k in counts]})
            if p.nan_value is not None:
                strip.append(
                    {"category": p.missing_label, "count": int(shape.nan_count)}
                )
            out["density"] = strip
        if p.nan_value is not None:
            out["nan"] = [
                {
                    "category": p.missing_label,
                    "value": p.nan_value,
                    "count": int(shape.nan_count),
                }
            ]
        return out
    out = {"shape": _grid_rows(floats(p.x), fcols)}
    if p.edges is not None:
        edges = floats(p.edges)
        lo_hi = {"lo": edges[:-1], "hi": edges[1:]}
        out["density"] = records(lo_hi | {"count": np.asarray(p.counts).tolist()})
    if p.region is not None:
        out["region"] = [{"lo": p.region[0], "hi": p.region[1]}]
    if p.knots is not None:
        out["knots"] = records({"kx": floats(p.knots[0]), "ky": floats(p.knots[1])})
    if p.nan_value is not None:
        nan_row = {"nan": p.nan_value, "count": int(shape.nan_count)}
        out["nan"] = [nan_row | {"label": "missing"}]
    return out


def _grid_rows(x: list[Any], fcols: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """The grid's rows, written out: dict literals are twice as fast as zip."""
    v, lo, hi = fcols["value"], fcols["lower"], fcols["upper"]
    if "edited" not in fcols:
        return [
            {"x": a, "value": b, "lower": c, "upper": d}
            for a, b, c, d in zip(x, v, lo, hi)
        ]
    return [
        {"x": a, "value": b, "lower": c, "upper": d, "edited": e}
        for a, b, c, d, e in zip(x, v, lo, hi, fcols["edited"])
    ]


def shape_data(
    shape: ShapeFunction,
    edited_values: npt.ArrayLike | None = None,
    *,
    class_index: int = 0,
    knots: tuple[npt.ArrayLike, npt.ArrayLike] | None = None,
    region: tuple[float, float] | None = None,
    density_height: int = 10,
) -> Datasets:
    """The named datasets of :func:`shape_chart`, built without Altair.

    Takes the data arguments of :func:`shape_chart` (and ``density_height``,
    which decides whether the density strip is drawn), so that
    ``{**spec, "datasets": shape_data(...)}`` redraws a cached
    ``spec = shape_chart(...).to_dict()`` whose structure is unchanged.

    Parameters
    ----------
    shape, edited_values, class_index, knots, region, density_height
        As in :func:`shape_chart`.

    Returns
    -------
    dict of str to list of dict
        ``"shape"``: one row per grid point (``x``) or category (``category``,
        ``count``) with ``value``, ``lower``, ``upper`` and, when edited,
        ``edited``. ``"density"``: the strip's rows, ``lo``/``hi``/``count``
        (numeric) or ``category``/``count`` (categorical), when drawn.
        ``"region"``: one row ``lo``/``hi``, when a region is given. ``"knots"``:
        ``kx``/``ky`` per knot, when knots are given. ``"nan"``: one row with the
        missing-value contribution (``nan``, ``count``, ``label`` numeric;
        ``category``, ``value``, ``count`` categorical), when the feature has one.
        Non-finite numbers are ``None``.

    Raises
    ------
    ValueError
        As :func:`shape_chart`.
    """
    density_height = max(int(density_height), 0)
    p = _prepare(shape, edited_values, class_index, knots, region, density_height)
    return _datasets(shape, p, density_height)


@unvalidated
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

    Structure (the spec without ``datasets``) comes from: ``shape.name``,
    ``shape.kind``, ``shape.importance`` (the subtitle), the x range (grid ends and
    density edges), the categories (labels and order), whether ``edited_values``,
    ``knots``, ``region`` and ``shape.nan_value`` are None, whether the ensemble
    band exists (``upper > lower`` somewhere), ``class_index`` and the other
    keyword arguments. Data (``spec["datasets"]``, equal to :func:`shape_data`):
    the drawn class's values, band and edited values, knot positions and values,
    region ends, the missing-value contribution and the density counts.

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
        The chart, its data in the top-level named datasets of :func:`shape_data`.

    Raises
    ------
    ValueError
        When an array's shape does not match ``shape.x``, ``class_index`` is out
        of range, or ``knots``/``region``/``brush_value`` are malformed.
    """
    density_height = max(int(density_height), 0)
    p = _prepare(shape, edited_values, class_index, knots, region, density_height)
    datasets = _datasets(shape, p, density_height)
    if title is None:
        title = shape.name
        if p.n_classes is not None:
            label = shape.classes[class_index] if shape.classes else class_index
            title = f"{shape.name} · class {label}"
    size = {"width": width, "height": height, "y_title": y_title}
    if shape.kind == "numeric":
        layers = _numeric_layers(shape, p, brush, brush_value, density_height, **size)
    else:
        layers = _categorical_layers(shape, p, brush, density_height, **size)
    chart = LayerChart(layer=layers, width=width, height=height)
    chart_title = make_title(title, f"importance {shape.importance:.3g}")
    shape_rows = alt.NamedData(name="shape")
    return finish(chart, configure, datasets, title=chart_title, data=shape_rows)


def _tooltips(first: alt.Tooltip, edited: bool) -> list[alt.Tooltip]:
    """Tooltip of a shape's grid point or category: x, values and band."""
    tips = [first, alt.Tooltip("value:Q", title="original", format=VALUE_FMT)]
    if edited:
        tips.append(alt.Tooltip("edited:Q", title="edited", format=VALUE_FMT))
    return tips + [
        alt.Tooltip("lower:Q", title="band low", format=VALUE_FMT),
        alt.Tooltip("upper:Q", title="band high", format=VALUE_FMT),
    ]


def _density_layer(
    x_enc, x2, height: int, strip: int, opacity, mark: alt.MarkDef
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
            alt.Tooltip("lo:Q", title="from", format=X_FMT),
            alt.Tooltip("hi:Q", title="to", format=X_FMT),
            *tips,
        ]
    return alt.Chart(alt.NamedData(name="density"), mark=mark).encode(
        y=alt.YValue(height - strip), y2=alt.Y2Value(height), tooltip=tips, **enc
    )


def _numeric_layers(
    shape, p, brush, brush_value, density_height, *, width, height, y_title
):  # fmt: skip
    lo_x, hi_x = float(p.x.min()), float(p.x.max())
    if p.edges is not None:
        lo_x, hi_x = min(lo_x, float(p.edges[0])), max(hi_x, float(p.edges[-1]))
    right = width - (_NAN_GUTTER if p.nan_value is not None else 0)
    x_scale = alt.Scale(domain=[lo_x, hi_x], range=[0, right], nice=False, zero=False)
    # Pad the y domain so that the curve stays clear of the density strip.
    pad = density_height + 6 if p.edges is not None else 6
    y_scale = alt.Scale(zero=False, padding=pad)
    x_axis = alt.Axis(title=shape.name)

    def xq(field: str) -> alt.X:
        return alt.X(f"{field}:Q", scale=x_scale, axis=x_axis)

    def yq(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=y_title, scale=y_scale)

    edited = "edited" in p.cols
    brush_param = None
    if brush:
        value = alt.Undefined
        if brush_value is not None:
            value = {"x": floats(as_1d("brush_value", brush_value, 2))}
        brush_param = alt.selection_interval(encodings=["x"], name="brush", value=value)

    layers: list[alt.Chart] = []
    if p.region is not None:
        layers.append(
            alt.Chart(alt.NamedData(name="region"))
            .mark_rect(color=PALETTE["region"], opacity=0.2, clip=True)
            .encode(x=xq("lo"), x2=alt.X2(field="hi"))
        )
    if p.edges is not None:
        opacity = alt.OpacityValue(1.0)
        if brush_param is not None:
            opacity = alt.OpacityValue(0.35, condition={"param": "brush", "value": 1.0})
        mark = alt.MarkDef(type="rect", clip=True)
        x2 = alt.X2(field="hi")
        layers.append(
            _density_layer(xq("lo"), x2, height, density_height, opacity, mark)
        )
    # the zero line stops where the x range does, short of the missing-value marker
    layers.append(
        zero_rule().encode(y=yq("zero"), x=alt.XValue(0), x2=alt.X2Value(right))
    )
    if p.band:
        layers.append(
            alt.Chart()
            .mark_area(color=PALETTE["band"], opacity=0.45, clip=True)
            .encode(x=xq("x"), y=yq("lower"), y2=alt.Y2(field="upper"))
        )
    legend = alt.Legend(orient="top", direction="horizontal") if edited else None
    line_kw = {"strokeDash": [5, 3], "strokeWidth": 1.6} if edited else {}
    original = alt.Chart().mark_line(**({"strokeWidth": 2.2} | line_kw), clip=True)
    original = series(original.encode(x=xq("x"), y=yq("value")), "original", legend)
    if brush_param is not None:
        # a fixed view name: Altair's default counts up from call to call
        original = original.properties(name="shape_line").add_params(brush_param)
    layers.append(original)
    if edited:
        line = alt.Chart().mark_line(strokeWidth=2.4, clip=True)
        layers.append(series(line.encode(x=xq("x"), y=yq("edited")), "edited", legend))
    # Invisible points carry the tooltip: a line's own tooltip shows one datum only.
    tip_x = alt.Tooltip("x:Q", title=shape.name, format=X_FMT)
    layers.append(
        alt.Chart()
        .mark_point(opacity=0, size=30, clip=True)
        .encode(
            x=xq("x"),
            y=yq("edited" if edited else "value"),
            tooltip=_tooltips(tip_x, edited),
        )
    )
    if p.knots is not None:
        layers.append(_knot_layer(xq, yq))
    if p.nan_value is not None:
        layers += _nan_layers(width - _NAN_GUTTER / 2, yq)
    return layers


def _knot_layer(xq, yq) -> alt.Chart:
    return (
        alt.Chart(alt.NamedData(name="knots"))
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
                alt.Tooltip("kx:Q", title="knot", format=X_FMT),
                alt.Tooltip("ky:Q", title="value", format=VALUE_FMT),
            ],
        )
    )


def _nan_layers(x_px: float, yq) -> list[alt.Chart]:
    """A labelled diamond right of the x range: the missing-value contribution."""
    base = alt.Chart(alt.NamedData(name="nan")).encode(x=alt.XValue(x_px), y=yq("nan"))
    point = base.mark_point(
        shape="diamond", filled=True, size=100, color=PALETTE["missing"], opacity=1
    ).encode(
        tooltip=[
            alt.Tooltip("nan:Q", title="missing value", format=VALUE_FMT),
            alt.Tooltip("count:Q", title="rows missing", format=","),
        ]
    )
    label = base.mark_text(
        dy=-10, baseline="bottom", fontSize=10, color=PALETTE["missing"]
    ).encode(text=alt.Text("label:N"))
    return [point, label]


def _categorical_layers(shape, p, brush, density_height, *, width, height, y_title):
    del width
    cats = p.x.tolist()
    edited = "edited" in p.cols
    domain = list(cats)
    if p.nan_value is not None:
        domain.append(p.missing_label)
    long = len(domain) > 8 or max((len(d) for d in domain), default=0) > 10
    many = len(domain) > 30  # too many to label each: let Vega drop overlaps
    axis = alt.Axis(
        title=shape.name,
        labelAngle=-40 if long else 0,
        labelLimit=90,
        labelOverlap=True if many else alt.Undefined,
    )
    x = alt.X("category:N", scale=alt.Scale(domain=domain), sort=domain, axis=axis)
    strip = density_height if len(cats) else 0
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
        mark = alt.MarkDef(type="bar", width=band)
        layers.append(
            _density_layer(x, None, height, strip, alt.OpacityValue(1.0), mark)
        )
    bars = alt.Chart().mark_bar(width=band)
    bars = bars.encode(x=x, y=yq("value"), opacity=opacity, tooltip=tooltip)
    bars = series(bars, "original", legend)
    if pick is not None:
        bars = bars.properties(name="shape_bars").add_params(pick)
    layers.append(bars)
    if p.band:
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
        layers.append(series(outline, "edited", legend))
    if p.nan_value is not None:
        layers.append(
            alt.Chart(alt.NamedData(name="nan"))
            .mark_bar(color=PALETTE["missing"], opacity=0.85, width=band)
            .encode(
                x=x,
                y=yq("value"),
                tooltip=[
                    alt.Tooltip("value:Q", title="missing value", format=VALUE_FMT),
                    alt.Tooltip("count:Q", title="rows missing", format=","),
                ],
            )
        )
    layers.append(zero_rule().encode(y=yq("zero")))
    return layers
