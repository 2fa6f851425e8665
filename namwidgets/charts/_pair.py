"""One pair term's function: :class:`PairView` (a heatmap, or a curve per level)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import altair as alt
import numpy as np
import numpy.typing as npt

from ..exceptions import InputError
from ._theme import (
    VALUE_FMT,
    X_FMT,
    ChartView,
    Datasets,
    LayerChart,
    finish,
    floats,
    importance_label,
    make_title,
    records,
    unvalidated,
)

if TYPE_CHECKING:
    from namwidgets.explain import PairFunction

#: The most grid cells a pair chart draws from numeric axes (a longer numeric
#: grid is thinned: the drawn cells' training rows pooled, see :func:`_pooled`;
#: a categorical axis keeps every level).
MAX_CELLS = 1200

#: Pixels of the gutter that holds a missing-value strip.
NAN_GUTTER = 22


class PairKey(NamedTuple):
    """Everything the structure of a pair chart depends on (its ``key``)."""

    name: str
    features: tuple[str, str]
    layout: str  # "heat" (a grid of cells) or "lines" (a curve per level)
    title: str
    subtitle: str
    x_levels: tuple[str, ...] | None  # categorical first feature: its levels
    y_levels: tuple[str, ...] | None  # categorical second feature: its levels
    level_axis: int  # "lines": which feature is categorical (0 or 1)
    nan_x: bool  # a strip for a missing first feature
    nan_y: bool  # a strip for a missing second feature
    original: bool  # whether the original values are in the data
    show_original: bool  # colour by the original values instead
    width: int
    height: int
    brush: bool
    value_title: str
    configure: bool
    edited_importance: bool  # the edited function's importance written (data)
    live: bool  # the structure whatever the edit state (edits are data only)


def _cuts(grid: npt.NDArray[np.float64]) -> tuple[list[float], list[float]]:
    """Cell edges around each grid point: midpoints, the grid's ends outside."""
    if len(grid) == 1:
        return [float(grid[0]) - 0.5], [float(grid[0]) + 0.5]
    mid = (grid[1:] + grid[:-1]) / 2
    lo = np.concatenate([[grid[0]], mid])
    hi = np.concatenate([mid, [grid[-1]]])
    return lo.tolist(), hi.tolist()


def _thin(n: int, keep: int) -> npt.NDArray[np.intp]:
    """At most ``keep`` indices of ``range(n)``, evenly, with both ends."""
    if n <= keep:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, keep).round().astype(np.intp))


def _pooled(
    grid: Any, kept: npt.NDArray[np.intp], density: Any, axis: int
) -> npt.NDArray[np.float64]:
    """``density`` summed along ``axis`` over each drawn cell's grid points.

    A thinned axis draws a cell around each kept grid point, out to the
    midpoints between it and its kept neighbours (:func:`_cuts`): grid point
    ``i`` lies in the cell that holds ``grid[i]`` (on a midpoint, the upper
    one), so each drawn cell's "training rows" are all the rows on the grid
    points it covers, and every row is counted once (a kept point's own rows
    alone read 2-4x too few on a 65 x 65 grid drawn as 34 x 35).
    """
    d = np.moveaxis(np.asarray(density, np.float64), axis, 0)
    if len(kept) == len(d):
        return np.moveaxis(d, 0, axis)
    g = np.asarray(grid, np.float64)
    drawn = g[kept]
    owner = np.searchsorted((drawn[1:] + drawn[:-1]) / 2, g, side="right")
    out = np.zeros((len(kept), *d.shape[1:]))
    np.add.at(out, owner, d)
    return np.moveaxis(out, 0, axis)


@dataclass(frozen=True, eq=False)
class PairView(ChartView):
    """One pair term's function on its 2-D grid.

    Numeric x numeric and categorical x categorical: a heatmap of the grid's
    cells (numeric cells span the midpoints between grid points, in original
    units), coloured by a diverging scale centred at zero, each cell's opacity
    by the training rows on it (the density). A missing value of a numeric
    feature, when the term has one, is a strip in a gutter labelled "missing"
    (right of the plot for the first feature, below it for the second).
    Numeric x numeric heatmaps carry a 2-D interval selection named
    ``"brush2d"``. Categorical x numeric: one line per level over the numeric
    axis, points sized by density, a missing numeric value as a point per level
    in a right gutter. The data is the grid, never rows: at most
    :data:`MAX_CELLS` cells from numeric axes. A longer numeric grid is drawn
    on evenly spaced grid points, each cell's value the function at its point
    and its training rows all those of the grid points it covers, and the
    subtitle says so; a categorical axis keeps every level.

    :meth:`datasets`: ``"pair"`` (one row per cell or grid point), and when
    drawn ``"nan_x"``, ``"nan_y"``.

    Parameters
    ----------
    pair : PairFunction
        The term's function (e.g. edited) as plain data.
    original : PairFunction, optional
        The term's original function on the same grid: its values are in the
        tooltip and in the data as ``original``, shown by ``show_original``.
    show_original : bool, default=False
        Colour by the original values (a "show original" toggle).
    class_index : int, default=0
        Which class to draw for a multiclass model.
    title : str, optional
        Chart title; defaults to the term name (and class).
    width, height : int, default=420, 300
        Size in pixels of the plot.
    brush : bool, default=True
        Add the ``"brush2d"`` interval selection (numeric x numeric only).
    value_title : str, default="contribution"
        Title of the colour legend (heatmaps) or y axis (curves).
    configure : bool, default=True
        Apply the theme; pass False to concatenate the chart with others.
    edited_importance : float, optional
        The edited function's importance, written at the top right from the
        ``"pair_importance"`` dataset (so an edit redraws data only), while the
        subtitle names ``pair.importance`` as the original's.
    live : bool, default=False
        Keep one structure whatever the edit state, for a chart that is edited
        while shown (the panel): the edited-importance label is always there,
        its dataset empty without an edit, and the subtitle always reads
        ``pair.importance`` ("importance", the label "edited importance"), so
        that a pair's first edit changes the datasets only, never :attr:`key`.

    Raises
    ------
    InputError
        When ``class_index`` is out of range or ``original``'s grid differs.
    """

    pair: PairFunction
    original: PairFunction | None = None
    show_original: bool = False
    class_index: int = 0
    title: str | None = None
    width: int = 420
    height: int = 300
    brush: bool = True
    value_title: str = "contribution"
    configure: bool = True
    edited_importance: float | None = None
    live: bool = False

    def __post_init__(self) -> None:
        self.key  # noqa: B018 - check the inputs now, not at the first redraw

    # ------------------------------------------------------------ inputs
    def _pick(self, values: npt.NDArray[np.float64] | None, ndim: int) -> Any:
        """One class of ``values`` (the last axis when a multiclass model's)."""
        if values is None:
            return None
        v = np.asarray(values, np.float64)
        if v.ndim > ndim:
            return v[..., self.class_index]
        return v

    @cached_property
    def _values(self) -> tuple[Any, Any, Any, Any, Any, Any]:
        p = self.pair
        n_classes = None
        v = np.asarray(p.values, np.float64)
        if v.ndim == 3:
            n_classes = v.shape[2]
        k = self.class_index
        if isinstance(k, bool) or not isinstance(k, int | np.integer):
            raise InputError(f"class_index must be an int, got {k!r}.")
        if (n_classes is None and k != 0) or (
            n_classes is not None and not 0 <= k < n_classes
        ):
            raise InputError(
                f"class_index {k} is out of range for term {p.name!r} "
                f"({n_classes or 1} output(s))."
            )
        values = self._pick(v, 2)
        orig = None
        if self.original is not None:
            ov = np.asarray(self.original.values, np.float64)
            if ov.shape != v.shape:
                raise InputError(
                    f"original's values of term {p.name!r} have shape {ov.shape}, "
                    f"the pair's {v.shape}: they must share the grid."
                )
            orig = self._pick(ov, 2)
        density = np.asarray(p.density, np.float64)
        return (
            values,
            orig,
            density,
            self._pick(p.nan_x, 1),
            self._pick(p.nan_y, 1),
            n_classes,
        )

    @cached_property
    def _kept(self) -> tuple[npt.NDArray[np.intp], ...]:
        """The grid indices drawn: (x, y) for a heatmap, (numeric,) for curves.

        Only numeric axes are thinned, to :data:`MAX_CELLS` cells or points in
        all; a categorical level is never left out.
        """
        p = self.pair
        nx, ny = len(p.x), len(p.y)
        numeric = [kind == "numeric" for kind in p.kinds]
        if numeric[0] != numeric[1]:  # curves: one per level of the other
            n, levels = (nx, ny) if numeric[0] else (ny, nx)
            return (_thin(n, max(MAX_CELLS // max(levels, 1), 2)),)
        if not numeric[0]:
            return np.arange(nx), np.arange(ny)
        ix = _thin(nx, int(np.sqrt(MAX_CELLS)) if ny > 1 else MAX_CELLS)
        return ix, _thin(ny, max(MAX_CELLS // len(ix), 1))

    @cached_property
    def key(self) -> PairKey:
        """The structure key: equal keys give equal specs but for ``datasets``."""
        p = self.pair
        *_, n_classes = self._values
        title = self.title
        if title is None:
            title = str(p.name)
            if n_classes is not None:
                k = self.class_index
                label = p.classes[k] if p.classes else k
                title = f"{p.name} · class {label}"
        kinds = tuple(p.kinds)
        x_levels = tuple(str(v) for v in p.x) if kinds[0] == "categorical" else None
        y_levels = tuple(str(v) for v in p.y) if kinds[1] == "categorical" else None
        lines = (x_levels is None) != (y_levels is None)
        heat_num = x_levels is None and y_levels is None
        subtitle = f"importance {p.importance:.3g}"
        if self.edited_importance is not None and not self.live:
            subtitle = f"importance: original {p.importance:.3g}"
        drawn = [len(i) for i in self._kept]
        full = [len(p.y if x_levels else p.x)] if lines else [len(p.x), len(p.y)]
        if drawn != full:  # thinned: said, never silent
            subtitle += (
                f" · drawn on {' x '.join(map(str, drawn))} of its "
                f"{' x '.join(map(str, full))} grid points"
            )
        return PairKey(
            str(p.name), (str(p.features[0]), str(p.features[1])),
            "lines" if lines else "heat", title, subtitle,
            x_levels, y_levels, 0 if x_levels is not None else 1,
            p.nan_x is not None, p.nan_y is not None, self.original is not None,
            bool(self.show_original and self.original is not None),
            int(self.width), int(self.height), bool(self.brush and heat_num),
            str(self.value_title), bool(self.configure),
            self.edited_importance is not None or bool(self.live), bool(self.live),
        )  # fmt: skip

    # ------------------------------------------------------------ data
    def datasets(self) -> Datasets:
        """The named datasets, built with numpy and plain Python only.

        Returns
        -------
        dict of str to list of dict
            ``"pair"``: heatmaps, one row per cell with ``x``, ``y`` (grid point
            or level), numeric cell edges ``x0``/``x1``/``y0``/``y1``, ``value``,
            ``density`` and, with ``original``, ``original``; curves, one row per
            level and grid point with ``level``, ``x``, ``value``, ``density``
            (and ``original``). ``"nan_x"``/``"nan_y"``: the function for a
            missing first/second feature along the other axis, when drawn.
            Non-finite numbers are ``None``.
        """
        k = self.key
        values, orig, density, nan_x, nan_y, _ = self._values
        if k.layout == "lines":
            out = self._curves(values, orig, density, nan_x, nan_y)
        else:
            out = self._cells(values, orig, density, nan_x, nan_y)
        if k.live:
            out["pair_importance"] = []
            if self.edited_importance is not None:
                text = f"edited importance {float(self.edited_importance):.3g}"
                out["pair_importance"] = [{"text": text}]
        elif k.edited_importance:
            text = f"edited: {float(self.edited_importance):.3g}"  # type: ignore[arg-type]
            out["pair_importance"] = [{"text": text}]
        return out

    def _cells(
        self, values: Any, orig: Any, density: Any, nan_x: Any, nan_y: Any
    ) -> Datasets:
        k, p = self.key, self.pair
        ix, iy = self._kept
        if k.x_levels is None:  # numeric x numeric: the drawn cells' rows
            density = _pooled(p.y, iy, _pooled(p.x, ix, density, 0), 1)
        xs = [str(p.x[i]) for i in ix] if k.x_levels else floats(np.asarray(p.x)[ix])
        ys = [str(p.y[j]) for j in iy] if k.y_levels else floats(np.asarray(p.y)[iy])
        cols: dict[str, list[Any]] = {
            "x": [xs[a] for a in range(len(ix)) for _ in iy],
            "y": [ys[b] for _ in ix for b in range(len(iy))],
        }
        if k.x_levels is None:
            lo, hi = _cuts(np.asarray(p.x, np.float64)[ix])
            cols["x0"] = [lo[a] for a in range(len(ix)) for _ in iy]
            cols["x1"] = [hi[a] for a in range(len(ix)) for _ in iy]
        if k.y_levels is None:
            lo, hi = _cuts(np.asarray(p.y, np.float64)[iy])
            cols["y0"] = [lo[b] for _ in ix for b in range(len(iy))]
            cols["y1"] = [hi[b] for _ in ix for b in range(len(iy))]
        cell = np.ix_(ix, iy)
        cols["value"] = floats(values[cell].ravel())
        cols["density"] = floats(density.ravel())
        if orig is not None:
            cols["original"] = floats(orig[cell].ravel())
        out: Datasets = {"pair": records(cols)}
        if nan_x is not None:
            lo, hi = _cuts(np.asarray(p.y, np.float64)[iy])
            out["nan_x"] = records(
                {"y0": lo, "y1": hi, "y": ys, "value": floats(nan_x[iy])}
            )
        if nan_y is not None:
            lo, hi = _cuts(np.asarray(p.x, np.float64)[ix])
            out["nan_y"] = records(
                {"x0": lo, "x1": hi, "x": xs, "value": floats(nan_y[ix])}
            )
        return out

    def _curves(
        self, values: Any, orig: Any, density: Any, nan_x: Any, nan_y: Any
    ) -> Datasets:
        k, p = self.key, self.pair
        if k.level_axis == 1:  # levels on the second axis: put them first
            values, density = values.T, density.T
            orig = None if orig is None else orig.T
            levels, grid, nan = k.y_levels, np.asarray(p.x, np.float64), nan_x
        else:
            levels, grid, nan = k.x_levels, np.asarray(p.y, np.float64), nan_y
        assert levels is not None
        (ig,) = self._kept
        xs = floats(grid[ig])
        cols: dict[str, list[Any]] = {
            "level": [lv for lv in levels for _ in ig],
            "x": xs * len(levels),
            "value": floats(values[:, ig].ravel()),
            "density": floats(_pooled(grid, ig, density, 1).ravel()),
        }
        if orig is not None:
            cols["original"] = floats(orig[:, ig].ravel())
        out: Datasets = {"pair": records(cols)}
        if nan is not None:  # the numeric feature's missing value, per level
            name = "nan_x" if k.level_axis == 1 else "nan_y"
            out[name] = records({"level": list(levels), "value": floats(nan)})
        return out

    # ------------------------------------------------------------ chart
    @unvalidated
    def chart(self) -> alt.LayerChart:
        """The Altair chart: the structure of :attr:`key`, the data of :meth:`datasets`.

        Returns
        -------
        altair.LayerChart
        """
        k = self.key
        layers = _lines(k) if k.layout == "lines" else _heat(k)
        if k.edited_importance:
            layers.append(importance_label("pair_importance", k.width))
        chart = LayerChart(layer=layers, width=k.width, height=k.height)
        return finish(
            chart,
            k.configure,
            self.datasets(),
            title=make_title(k.title, k.subtitle),
            data=alt.NamedData(name="pair"),
        )


def _colour(k: PairKey) -> alt.Color:
    field = "original" if k.show_original else "value"
    return alt.Color(
        f"{field}:Q",
        title=k.value_title,
        scale=alt.Scale(scheme="redblue", domainMid=0, reverse=True),
        legend=alt.Legend(format=VALUE_FMT, orient="right"),
    )


def _tips(k: PairKey, x: str, y: str) -> list[alt.Tooltip]:
    tips = [
        alt.Tooltip(x, title=k.features[0]),
        alt.Tooltip(y, title=k.features[1]),
        alt.Tooltip("value:Q", title="value", format=VALUE_FMT),
    ]
    if k.original:
        tips.append(alt.Tooltip("original:Q", title="original", format=VALUE_FMT))
    tips.append(alt.Tooltip("density:Q", title="training rows", format=",.1f"))
    return tips


def _heat(k: PairKey) -> list[alt.Chart]:
    right = k.width - (NAN_GUTTER if k.nan_x else 0)
    bottom = k.height - (NAN_GUTTER if k.nan_y else 0)
    enc: dict[str, Any] = {}
    if k.x_levels is None:
        x_scale = alt.Scale(range=[0, right], nice=False, zero=False)
        x_axis = alt.Axis(title=k.features[0], format=X_FMT)
        enc["x"] = alt.X("x0:Q", scale=x_scale, axis=x_axis)
        enc["x2"] = alt.X2(field="x1")
        x_tip = "x:Q"
    else:
        enc["x"] = alt.X(
            "x:O", sort=list(k.x_levels), title=k.features[0],
            scale=alt.Scale(range=[0, right]),
        )  # fmt: skip
        x_tip = "x:N"
    if k.y_levels is None:
        y_scale = alt.Scale(range=[bottom, 0], nice=False, zero=False)
        enc["y"] = alt.Y("y0:Q", scale=y_scale, title=k.features[1])
        enc["y2"] = alt.Y2(field="y1")
        y_tip = "y:Q"
    else:
        enc["y"] = alt.Y(
            "y:O", sort=list(k.y_levels), title=k.features[1],
            scale=alt.Scale(range=[0, bottom]),
        )  # fmt: skip
        y_tip = "y:N"
    opacity = alt.Opacity(
        "density:Q", legend=None, scale=alt.Scale(range=[0.25, 1.0], zero=True)
    )
    cells = (
        alt.Chart()
        .mark_rect(stroke=None, clip=True)
        .encode(
            color=_colour(k), opacity=opacity, tooltip=_tips(k, x_tip, y_tip), **enc
        )
    )
    if k.brush:
        cells = cells.add_params(
            alt.selection_interval(encodings=["x", "y"], name="brush2d")
        )
    layers = [cells]
    if k.nan_x:  # a column at the right: the first feature missing
        strip = alt.Chart(alt.NamedData(name="nan_x")).mark_rect(clip=False)
        layers.append(
            strip.encode(
                x=alt.XValue(right + 4),
                x2=alt.X2Value(k.width),
                y=enc["y"],
                y2=enc.get("y2", alt.Undefined),
                color=_colour_of(k),
                tooltip=[
                    alt.Tooltip(y_tip, title=k.features[1]),
                    alt.Tooltip(
                        "value:Q", title=f"{k.features[0]} missing", format=VALUE_FMT
                    ),
                ],
            )  # fmt: skip
        )
    if k.nan_y:  # a row at the bottom: the second feature missing
        strip = alt.Chart(alt.NamedData(name="nan_y")).mark_rect(clip=False)
        layers.append(
            strip.encode(
                y=alt.YValue(bottom + 4),
                y2=alt.Y2Value(k.height),
                x=enc["x"],
                x2=enc.get("x2", alt.Undefined),
                color=_colour_of(k),
                tooltip=[
                    alt.Tooltip(x_tip, title=k.features[0]),
                    alt.Tooltip(
                        "value:Q", title=f"{k.features[1]} missing", format=VALUE_FMT
                    ),
                ],
            )  # fmt: skip
        )
    if k.nan_x or k.nan_y:
        layers.append(_missing_label(k, right, bottom))
    return layers


def _colour_of(k: PairKey) -> alt.Color:
    """The missing-value strips' colour: their ``value`` on the cells' scale."""
    c = _colour(k)
    c.shorthand = "value:Q"
    return c


def _missing_label(k: PairKey, right: int, bottom: int) -> alt.Chart:
    x = right + NAN_GUTTER / 2 if k.nan_x else k.width / 2
    y = -6 if k.nan_x else bottom + NAN_GUTTER / 2 + 2
    data = alt.NamedData(name="nan_x" if k.nan_x else "nan_y")
    return (
        alt.Chart(data)
        .transform_aggregate(n="count()")
        .mark_text(text="missing", fontSize=9, color="#555", baseline="middle")
        .encode(x=alt.XValue(x), y=alt.YValue(y))
    )


def _lines(k: PairKey) -> list[alt.Chart]:
    levels = k.x_levels if k.level_axis == 0 else k.y_levels
    numeric = k.features[1 - k.level_axis]
    level_name = k.features[k.level_axis]
    right = k.width - (NAN_GUTTER if (k.nan_x or k.nan_y) else 0)
    x = alt.X(
        "x:Q", title=numeric, scale=alt.Scale(range=[0, right], nice=False, zero=False)
    )
    field = "original" if k.show_original else "value"
    y = alt.Y(f"{field}:Q", title=k.value_title)
    colour = alt.Color("level:N", title=level_name, sort=list(levels or ()))
    tips = [
        alt.Tooltip("level:N", title=level_name),
        alt.Tooltip("x:Q", title=numeric, format=X_FMT),
        alt.Tooltip("value:Q", title="value", format=VALUE_FMT),
    ]
    if k.original:
        tips.append(alt.Tooltip("original:Q", title="original", format=VALUE_FMT))
    tips.append(alt.Tooltip("density:Q", title="training rows", format=",.1f"))
    base = alt.Chart().encode(x=x, y=y, color=colour)
    layers = [
        base.mark_line(strokeWidth=2),
        base.mark_circle(opacity=0.6).encode(
            size=alt.Size(
                "density:Q", legend=None, scale=alt.Scale(range=[0, 60], zero=True)
            ),
            tooltip=tips,
        ),
    ]
    if k.nan_x or k.nan_y:
        name = "nan_x" if k.nan_x else "nan_y"
        layers.append(
            alt.Chart(alt.NamedData(name=name))
            .mark_point(shape="diamond", filled=True, size=60)
            .encode(
                x=alt.XValue(right + NAN_GUTTER / 2),
                y=alt.Y("value:Q"),
                color=colour,
                tooltip=[
                    alt.Tooltip("level:N", title=level_name),
                    alt.Tooltip(
                        "value:Q", title=f"{numeric} missing", format=VALUE_FMT
                    ),
                ],
            )  # fmt: skip
        )
    return layers
