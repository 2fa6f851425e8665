"""The data side of a shape chart: checked inputs, named datasets, the x window.

And the density strip's layers, which draw the training data itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import altair as alt
import numpy as np
import numpy.typing as npt

from ..exceptions import InputError
from ._theme import PALETTE, VALUE_FMT, X_FMT, Datasets, as_1d, floats, records

if TYPE_CHECKING:
    from namwidgets.explain import ShapeFunction

#: Pixels kept right of a numeric x range for the missing-value marker.
_NAN_GUTTER = 56
_MISSING = "(missing)"
#: The quantiles of the training data that the default x range spans.
DATA_QUANTILES = (0.005, 0.995)
#: Cut the x range to the data's quantile window only when the window is narrower
#: than this share of the full range: a feature without long tails keeps its ends.
_CUT_BELOW = 0.8
X_RANGES = ("data", "all")


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
    window: tuple[float, float] | None = None  # numeric: the x range when cut
    beyond: int = 0  # training rows outside ``window`` (about)
    members: npt.NDArray[np.float64] | None = None  # (n_members, len(x)) when drawn

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
        raise InputError(msg)
    return arr if n_classes is None else arr[:, class_index]


def _prepare(
    shape: ShapeFunction,
    edited_values: Any,
    class_index: int,
    knots: Any,
    region: Any,
    density_height: int,
    x_range: str = "data",
    members: bool = False,
) -> _Prepared:
    """Check the inputs of a shape chart and pick the drawn class."""
    if shape.kind not in ("numeric", "categorical"):
        msg = f"shape.kind must be 'numeric' or 'categorical', got {shape.kind!r}"
        raise InputError(msg)
    if x_range not in X_RANGES:
        msg = f"x_range must be one of {X_RANGES}, got {x_range!r}"
        raise InputError(msg)
    n = len(shape.x)
    ndim = np.ndim(shape.values)
    n_classes = np.shape(shape.values)[1] if ndim == 2 else None
    limit = 1 if n_classes is None else n_classes
    if isinstance(class_index, bool) or not isinstance(class_index, int | np.integer):
        msg = f"class_index must be an int, got {class_index!r}"
        raise InputError(msg)
    if not 0 <= class_index < limit:
        msg = f"class_index={class_index} is out of range for {limit} class(es)"
        raise InputError(msg)
    pairs = (("value", "values"), ("lower", "lower"), ("upper", "upper"))
    cols = {
        col: _pick_class(f"shape.{key}", getattr(shape, key), n, class_index, n_classes)
        for col, key in pairs
    }
    if edited_values is not None:
        cols["edited"] = _pick_class(
            "edited_values", edited_values, n, class_index, n_classes
        )
    member_rows = _members(shape, n, class_index, n_classes) if members else None
    nan_value = None
    if shape.nan_value is not None:
        nan_arr = np.atleast_1d(np.asarray(shape.nan_value, dtype=np.float64))
        nan_value = float(nan_arr[class_index if nan_arr.size > 1 else 0])
    density_height = max(int(density_height), 0)
    if shape.kind == "categorical":
        if knots is not None or region is not None:
            msg = "knots and region apply to numeric features only"
            raise InputError(msg)
        cats = [str(c) for c in shape.x]
        cat_counts = np.asarray(shape.density_counts)
        if cat_counts.shape != (len(cats),):
            msg = (
                f"shape.density_counts has shape {cat_counts.shape}, expected "
                f"({len(cats)},) (one count per category)"
            )
            raise InputError(msg)
        missing_label = _MISSING
        while missing_label in cats:
            missing_label += " "
        return _Prepared(
            cols, n_classes, nan_value, np.asarray(cats, dtype=object), None,
            cat_counts, None, None, missing_label, members=member_rows,
        )  # fmt: skip
    x = as_1d("shape.x", shape.x)
    if x.size < 2 or not np.all(np.isfinite(x)):
        msg = f"shape.x needs at least 2 finite grid points, got {x.size}"
        raise InputError(msg)
    edges: npt.NDArray[np.float64] | None = None
    counts: npt.NDArray[Any] | None = None
    window, beyond = None, 0
    if shape.density_edges is not None:
        counts = as_1d("shape.density_counts", shape.density_counts)
        edges = as_1d("shape.density_edges", shape.density_edges, counts.size + 1)
        if counts.size == 0:
            edges = counts = None
    if edges is not None and counts is not None and x_range == "data":
        cut = _data_window(x, edges, counts)
        if cut is not None:
            window, beyond, edges, counts = cut
    if density_height <= 0:
        edges = counts = None
    if window is not None:
        grid = x
        x, cols = _cut(grid, cols, window)
        if member_rows is not None:
            rows = {str(i): m for i, m in enumerate(member_rows)}
            member_rows = np.stack(list(_cut(grid, rows, window)[1].values()))
    knot_arrays = None
    if knots is not None:
        if len(knots) != 2:
            msg = "knots must be a pair (x_positions, y_values)"
            raise InputError(msg)
        kx = as_1d("knots[0] (x_positions)", knots[0])
        knot_arrays = (kx, as_1d("knots[1] (y_values)", knots[1], kx.size))
    bounds = None
    if region is not None:
        lo, hi = as_1d("region", region, 2)
        if not (np.isfinite(lo) and np.isfinite(hi) and lo <= hi):
            msg = f"region must be finite (lo, hi) with lo <= hi, got {region!r}"
            raise InputError(msg)
        bounds = (float(lo), float(hi))
    return _Prepared(
        cols, n_classes, nan_value, x, edges, counts, knot_arrays, bounds,
        window=window, beyond=beyond, members=member_rows,
    )  # fmt: skip


def _members(
    shape: ShapeFunction, n: int, class_index: int, n_classes: int | None
) -> npt.NDArray[np.float64]:
    """The members' curves of the drawn class, shape (n_members, n), checked."""
    if shape.members is None:
        msg = (
            f"members=True needs shape.members, but {shape.name!r} has none (an "
            "edited term's function has none: draw the model's own function)"
        )
        raise InputError(msg)
    arr = np.asarray(shape.members, dtype=np.float64)
    expected = (n,) if n_classes is None else (n, n_classes)
    if arr.ndim != len(expected) + 1 or arr.shape[1:] != expected or not len(arr):
        msg = (
            f"shape.members has shape {arr.shape}, expected (n_members, "
            f"{', '.join(map(str, expected))})"
        )
        raise InputError(msg)
    return arr if n_classes is None else arr[:, :, class_index]


def _cut(
    x: npt.NDArray[np.float64],
    cols: dict[str, npt.NDArray[np.float64]],
    window: tuple[float, float],
) -> tuple[npt.NDArray[np.float64], dict[str, npt.NDArray[np.float64]]]:
    """The grid inside ``window``, with its ends interpolated onto the window's.

    So the y scale is the range of what is shown, not of the tails beyond it.
    """
    lo, hi = window
    inside = (x > lo) & (x < hi)
    new_x = np.concatenate([[lo], x[inside], [hi]])
    ends = np.array([lo, hi])
    out = {}
    for key, v in cols.items():
        at_ends = np.interp(ends, x, v)
        out[key] = np.concatenate([at_ends[:1], v[inside], at_ends[1:]])
    return new_x, out


def _cdf_knots(
    grid: npt.NDArray[np.float64],
    edges: npt.NDArray[np.float64],
    counts: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Knots ``(x, F)`` of the training data's CDF, from the histogram and the grid.

    The histogram gives the CDF exactly at its edges. Inside a bin, the grid's
    points stand in for the data: the grid holds the training quantiles (it is
    denser where the data is). Where the grid is the model's (evenly spaced
    points and the training quantiles together), the even points are left out
    and each quantile point adds one quantile step to the CDF, up to the bin's
    share; on any other grid the bin's share is spread evenly over its points
    (on evenly spaced points, the usual linear interpolation).
    """
    total = float(counts.sum())
    cum = np.concatenate([[0.0], np.cumsum(counts)]) / total
    g, quantiles = _without_even_points(np.unique(grid[np.isfinite(grid)]))
    inner = g[(g > edges[0]) & (g < edges[-1]) & ~np.isin(g, edges)]
    b = np.clip(np.searchsorted(edges, inner, side="right") - 1, 0, counts.size - 1)
    per_bin = np.bincount(b, minlength=counts.size)
    rank = np.arange(inner.size) - np.searchsorted(b, b, side="left") + 1
    step = counts[b] / total / (per_bin[b] + 1)
    if quantiles:
        step = np.minimum(step * (per_bin[b] + 1) / per_bin[b], 1.0 / (g.size - 1))
    f_inner = cum[b] + step * rank
    xs = np.concatenate([edges, inner])
    fs = np.concatenate([cum, f_inner])
    order = np.argsort(xs, kind="stable")
    return xs[order], np.maximum.accumulate(fs[order])


def _without_even_points(
    g: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], bool]:
    """Drop an evenly spaced grid from end to end from ``g``, where it holds one.

    The step is the commonest gap between grid points (in the tails only the
    even points are left, so their gap is the commonest); the points on it are
    dropped where nearly all of them are in ``g`` and the rest is not empty.
    """
    if g.size < 8:
        return g, False
    span = float(g[-1] - g[0])
    gaps, n_gaps = np.unique(np.round(np.diff(g) / span, 9), return_counts=True)
    step = float(gaps[np.argmax(n_gaps)]) * span
    if step <= 0:
        return g, False
    n = int(round(span / step)) + 1
    if n < 3 or n > g.size:
        return g, False
    even = np.linspace(g[0], g[-1], n)
    tol = 1e-9 * max(span, 1.0)
    at = np.searchsorted(g, even).clip(0, g.size - 1)
    near = np.abs(g[at] - even) <= tol
    if near.mean() < 0.9:
        return g, False
    keep = np.ones(g.size, bool)
    keep[at[near]] = False
    keep[[0, -1]] = True
    return (g[keep], True) if keep.sum() > 2 else (g, False)


def _data_window(
    grid: npt.NDArray[np.float64],
    edges: npt.NDArray[np.float64],
    counts: npt.NDArray[np.float64],
) -> (
    tuple[tuple[float, float], int, npt.NDArray[np.float64], npt.NDArray[np.float64]]
    | None
):
    """The x window of :data:`DATA_QUANTILES` and the histogram within it.

    Returns ``(window, rows beyond it, edges, counts)``, the histogram rebinned
    to as many equal-width bins inside the window (counts from the CDF of
    :func:`_cdf_knots`, rounded), or None where the window would cut less than
    ``1 - _CUT_BELOW`` of the range (or there are no counts).
    """
    counts = np.clip(np.nan_to_num(counts), 0, None)
    total = float(counts.sum())
    if total <= 0 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) < 0):
        return None
    xs, fs = _cdf_knots(grid, edges, counts)
    lo, hi = (float(v) for v in np.interp(DATA_QUANTILES, fs, xs))
    full_lo = min(float(grid.min()), float(edges[0]))
    full_hi = max(float(grid.max()), float(edges[-1]))
    if not hi > lo or hi - lo >= _CUT_BELOW * (full_hi - full_lo):
        return None
    new_edges = np.linspace(lo, hi, counts.size + 1)
    cdf = np.interp(new_edges, xs, fs)
    new_counts = np.rint(np.diff(cdf) * total)
    beyond = int(round(total * (1.0 - (cdf[-1] - cdf[0]))))
    return (lo, hi), beyond, new_edges, new_counts


def _member_rows(p: _Prepared, x_field: str, x: list[Any]) -> list[dict[str, Any]]:
    """One row per member and grid point (or category): ``member``, x, ``value``."""
    assert p.members is not None
    return [
        {"member": i, x_field: a, "value": b}
        for i, row in enumerate(p.members)
        for a, b in zip(x, floats(row))
    ]


def _datasets(shape: ShapeFunction, p: _Prepared, density_height: int) -> Datasets:
    """The named datasets of a prepared shape chart."""
    out = _datasets_without_members(shape, p, density_height)
    if p.members is not None:
        if shape.kind == "categorical":
            out["members"] = _member_rows(p, "category", p.x.tolist())
        else:
            out["members"] = _member_rows(p, "x", floats(p.x))
    return out


def _datasets_without_members(
    shape: ShapeFunction, p: _Prepared, density_height: int
) -> Datasets:
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
        rows = [int(c) for c in np.asarray(p.counts).tolist()]
        out["density"] = records(lo_hi | {"count": rows})
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


def _member_layer(x: Any, y: Any, numeric: bool) -> alt.Chart:
    """Each ensemble member as its own thin line (numeric) or tick (categorical)."""
    members = alt.Chart(alt.NamedData(name="members"))
    tip = [alt.Tooltip("member:N", title="member")]
    if numeric:
        mark = members.mark_line(
            color=PALETTE["members"], strokeWidth=0.9, opacity=0.6, clip=True
        )
        return mark.encode(x=x, y=y, detail="member:N", tooltip=tip)
    mark = members.mark_tick(color=PALETTE["members"], thickness=1.5, opacity=0.8)
    return mark.encode(x=x, y=y, tooltip=tip)


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
            clip=True,  # a knot beyond a cut x range stays out of sight
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


# ------------------------------------------------------------ the density strip


def _density_layer(
    x_enc, x2, height: int, strip: int, opacity, mark: alt.MarkDef, approx=False
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
    rows = "training rows (about)" if approx else "training rows"
    tips = [alt.Tooltip("count:Q", title=rows, format=",")]
    if x2 is not None:
        tips = [
            alt.Tooltip("lo:Q", title="from", format=X_FMT),
            alt.Tooltip("hi:Q", title="to", format=X_FMT),
            *tips,
        ]
    return alt.Chart(alt.NamedData(name="density"), mark=mark).encode(
        y=alt.YValue(height - strip), y2=alt.Y2Value(height), tooltip=tips, **enc
    )


def _count_labels(x, width: int, height: int, strip: int, each: bool) -> list[Any]:
    """The categorical strip read as counts: "rows" at its right, a count on each."""
    density = alt.Chart(alt.NamedData(name="density"))
    text: dict[str, Any] = {"fontSize": 9, "color": PALETTE["density_dark"]}
    title = alt.Chart(alt.sequence(0, 1, as_="rows")).mark_text(
        text="rows", align="left", baseline="middle", dx=4, **text
    )
    title = title.encode(x=alt.XValue(width), y=alt.YValue(height - strip / 2))
    if not each:
        return [title]
    counts = density.mark_text(baseline="bottom", dy=-2, **text).encode(
        x=x,
        y=alt.YValue(height - strip),
        text=alt.Text("count:Q", format="~s"),
        tooltip=[alt.Tooltip("count:Q", title="training rows", format=",")],
    )
    return [title, counts]
