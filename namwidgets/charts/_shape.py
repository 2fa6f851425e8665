"""One term's shape function: :class:`ShapeView`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, NamedTuple

import altair as alt
import numpy.typing as npt

from ._shape_data import (
    _NAN_GUTTER,
    DATA_QUANTILES,
    _count_labels,
    _datasets,
    _density_layer,
    _knot_layer,
    _member_layer,
    _nan_layers,
    _prepare,
    _Prepared,
)
from ._theme import (
    DASHES,
    PALETTE,
    VALUE_FMT,
    X_FMT,
    ChartView,
    Datasets,
    LayerChart,
    as_1d,
    finish,
    importance_label,
    make_title,
    series,
    unvalidated,
    zero_rule,
)

if TYPE_CHECKING:
    from namwidgets.explain import ShapeFunction


class ShapeKey(NamedTuple):
    """Everything the structure of a shape chart depends on (its ``key``)."""

    name: str
    kind: str
    title: str
    subtitle: str
    x_domain: tuple[float, float] | None  # numeric: the shown x range
    x_cut: bool  # numeric: the x range is the data's quantile window
    x_title: str  # the feature's name, with its units when known
    categories: tuple[str, ...] | None  # categorical: labels in order
    missing_label: str
    edited: bool
    knots: bool
    region: bool
    nan: bool
    band: bool
    density: bool  # whether the density strip is drawn
    width: int
    height: int
    brush: bool
    brush_value: tuple[float, float] | None
    y_title: str
    density_height: int
    configure: bool
    members: bool  # each ensemble member drawn (in place of the band)
    edited_importance: bool  # the edited function's importance written (data)
    live: bool  # the structure whatever the edit state (edits are data only)


@dataclass(frozen=True, eq=False)
class ShapeView(ChartView):
    """One term's shape function, optionally next to its edited version.

    Numeric features are drawn as a line over the grid with the ensemble band and
    a zero line; categorical ones as a bar per category with error bars. Along the
    bottom of the plot, a thin strip shaded by the training-data histogram shows
    where the data is (the NAM paper's density bars). The contribution of a missing
    value, when the feature has one, is a diamond right of the x range (numeric) or
    an extra bar (categorical). Everything is one layer chart.

    The inputs are checked when the view is made. :attr:`key` (a
    :class:`ShapeKey`) holds what the structure depends on: the name, kind,
    title and subtitle (``shape.importance``), the x range (grid ends and density
    edges), the categories, whether ``edited_values``, ``knots``, ``region``,
    ``shape.nan_value`` and the band are there, and the keyword fields.
    :meth:`datasets`: ``"shape"``, and when drawn ``"density"``, ``"region"``,
    ``"knots"``, ``"nan"``, ``"members"``.

    Parameters
    ----------
    shape : ShapeFunction
        The term's function as plain data.
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
        Chart title; defaults to the term name (and class).
    width, height : int, default=420, 260
        Size in pixels of the plot.
    brush : bool, default=True
        Numeric: add an x-interval selection named ``"brush"`` to the original
        line's layer, readable as ``JupyterChart(chart).selections.brush``.
        Categorical: add a click selection on x named ``"category"`` instead.
    brush_value : tuple of float, optional
        Initial ``(lo, hi)`` of the brush, so that a rebuilt chart keeps it.
        Part of :attr:`key` unless ``live``: a live chart's brush is the
        user's once shown, so a new start value redraws data only (a brush
        drawn anew is not ended by a re-embed); to move the brush from code,
        build the chart anew.
    y_title : str, default="contribution"
        Title of the y axis, e.g. ``"contribution (logit)"``.
    density_height : int, default=10
        Height in pixels of the density strip (0 hides it).
    x_range : {"data", "all"}, default="data"
        Numeric: ``"data"`` shows the 0.5-99.5% range of the training data
        (estimated from the density histogram and the grid, which holds the
        training quantiles) where the tails would take more than a fifth of the
        axis, says so in the subtitle with the rows beyond it, and draws the
        density strip as a histogram within that range; ``"all"`` shows the
        whole grid and the histogram as given.
    units : str or mapping of str to str, optional
        The feature's units (or a mapping from feature names to units, of
        which this feature's entry is used), shown in the x axis title:
        ``"MedInc ($10k)"``.
    configure : bool, default=True
        Apply :data:`THEME`; pass False to concatenate the chart with others.
    members : bool, default=False
        Draw each ensemble member's curve (``shape.members``) as its own thin
        line over the density strip, in place of the band: the NAM paper's
        view, where the members' agreement shows how sure the model is
        (categorical: a tick per member on each bar). The subtitle says how
        many members are drawn.
    edited_importance : float, optional
        The edited function's importance, with ``edited_values``: written at
        the top right of the plot in the edited colour from the
        ``"shape_importance"`` dataset (so an edit redraws data only), while
        the subtitle names ``shape.importance`` as the original's.
    live : bool, default=False
        Keep one structure whatever the edit state, for a chart that is edited
        while shown (the panel): the edited layers, their legend, the
        edited-importance label and (numeric) the region band are always
        there and drawn from data, empty when there is no edit or region, so
        that a term's first edit changes the datasets only, never :attr:`key`.
        The original line is dashed only where an edited curve is drawn, and
        the subtitle always reads ``shape.importance`` ("importance"), the
        label "edited importance".

    Raises
    ------
    InputError
        When an array's shape does not match ``shape.x``, ``class_index`` is out
        of range, ``knots``/``region``/``brush_value`` are malformed, or
        ``members`` is asked for and ``shape.members`` is None (an edited
        term's function has no members).
    """

    shape: ShapeFunction
    edited_values: npt.ArrayLike | None = None
    class_index: int = 0
    knots: tuple[npt.ArrayLike, npt.ArrayLike] | None = None
    region: tuple[float, float] | None = None
    title: str | None = None
    width: int = 420
    height: int = 260
    brush: bool = True
    brush_value: tuple[float, float] | None = None
    y_title: str = "contribution"
    density_height: int = 10
    x_range: str = "data"
    units: str | Mapping[str, str] | None = None
    configure: bool = True
    members: bool = False
    edited_importance: float | None = None
    live: bool = False

    def __post_init__(self) -> None:
        self.key  # noqa: B018 - check the inputs now, not at the first redraw

    @cached_property
    def _prepared(self) -> _Prepared:
        return _prepare(
            self.shape,
            self.edited_values,
            self.class_index,
            self.knots,
            self.region,
            max(int(self.density_height), 0),
            self.x_range,
            bool(self.members),
        )

    @cached_property
    def _brush_value(self) -> tuple[float, float] | None:
        """``brush_value`` checked, where a numeric brush is drawn."""
        if self.brush_value is None or not self.brush or self.shape.kind != "numeric":
            return None
        lo, hi = (float(v) for v in as_1d("brush_value", self.brush_value, 2))
        return (lo, hi)

    @property
    def param_values(self) -> dict[str, Any]:
        """Start values of the selections that :attr:`key` leaves out.

        A ``live`` numeric chart's ``{"brush": {"x": [lo, hi]}}`` (None: no
        start value), which is not structure (see ``brush_value``): a redraw
        with a new one sends data only, and the Python side's copy of the spec
        takes the value in place. Empty otherwise.
        """
        if not (self.key.live and self.key.brush and self.key.kind == "numeric"):
            return {}
        value = self._brush_value
        return {"brush": None if value is None else {"x": list(value)}}

    def selection_updates(self) -> list[dict[str, Any]]:
        """Vega signal updates that move a shown live chart's brush to the value.

        For a redraw that moves the brush from code (a region slider) without
        a re-embed: Altair's data/signal updates (``{"namespace": "signal",
        "name", "scope": [], "value"}``, applied in order). Vega-Lite compiles
        the x-interval selection ``brush`` of a layer chart into top-level
        signals ``brush_x`` (the interval in data units), ``brush_x_1`` (in
        pixels, which the brush mark is drawn from; recomputed from
        ``brush_x`` when ``brush_scale_trigger`` changes) and the selection's
        store follows ``brush_x``: so ``brush_x`` is set, then
        ``brush_scale_trigger`` to a new object. No value: ``brush_x_1`` set
        to an empty extent, which clears the brush. Empty where
        :attr:`param_values` is (no live numeric brush).
        """
        if "brush" not in self.param_values:
            return []
        value = self._brush_value

        def signal(name: str, v: Any) -> dict[str, Any]:
            return {"namespace": "signal", "name": name, "scope": [], "value": v}

        if value is None:
            return [signal("brush_x_1", [0, 0])]
        return [signal("brush_x", list(value)), signal("brush_scale_trigger", {})]

    @cached_property
    def key(self) -> ShapeKey:
        """The structure key: equal keys give equal specs but for ``datasets``."""
        # live: the brush is the user's once shown (a brush drawn anew must not
        # re-embed the chart), so its start value is not structure; a caller
        # that moves the brush from code rebuilds (the panel does on a slider)
        brush_value = self._brush_value  # checked in every case
        return self._make_key(None if self.live else brush_value)

    def _make_key(self, brush_value: tuple[float, float] | None) -> ShapeKey:
        shape, p = self.shape, self._prepared
        title = self.title
        if title is None:
            title = str(shape.name)
            if p.n_classes is not None:
                k = self.class_index
                title = (
                    f"{shape.name} · class {shape.classes[k] if shape.classes else k}"
                )
        strip = max(int(self.density_height), 0)
        domain = cats = None
        subtitle = f"importance {shape.importance:.3g}"
        if shape.kind == "numeric":
            lo_x, hi_x = float(p.x.min()), float(p.x.max())
            if p.edges is not None:
                lo_x = min(lo_x, float(p.edges[0]))
                hi_x = max(hi_x, float(p.edges[-1]))
            if p.window is not None:
                lo_x, hi_x = p.window
                q_lo, q_hi = (f"{100 * q:g}" for q in DATA_QUANTILES)
                subtitle += (
                    f" · x cut at the {q_lo}-{q_hi}% range of the data; "
                    f"{p.beyond:,} rows beyond"
                )
            domain = (lo_x, hi_x)
            density = p.edges is not None
        else:
            cats = tuple(p.x.tolist())
            density = bool(strip and cats)
        if p.members is not None:
            subtitle += f" · {len(p.members)} ensemble members"
        live = bool(self.live)
        edited_imp = self.edited_importance is not None and "edited" in p.cols
        if edited_imp and not live:
            subtitle = subtitle.replace("importance", "importance: original", 1)
        units = self.units
        if isinstance(units, Mapping):
            units = units.get(str(shape.name))
        x_title = str(shape.name) + (f" ({units})" if units else "")
        return ShapeKey(
            str(shape.name), shape.kind, title, subtitle,
            domain, p.window is not None, x_title, cats, p.missing_label,
            "edited" in p.cols or live, p.knots is not None,
            p.region is not None or (live and shape.kind == "numeric"),
            p.nan_value is not None,
            p.band and p.members is None, density,
            int(self.width), int(self.height), bool(self.brush), brush_value,
            str(self.y_title), strip, bool(self.configure), p.members is not None,
            edited_imp or live, live,
        )  # fmt: skip

    def datasets(self) -> Datasets:
        """The named datasets, built with numpy and plain Python only.

        Returns
        -------
        dict of str to list of dict
            ``"shape"``: one row per grid point (``x``) or category (``category``,
            ``count``) with ``value``, ``lower``, ``upper`` and, when edited,
            ``edited``. ``"density"``: the strip's rows, ``lo``/``hi``/``count``
            (numeric) or ``category``/``count`` (categorical), when drawn.
            ``"region"``: one row ``lo``/``hi``, when a region is given.
            ``"knots"``: ``kx``/``ky`` per knot, when knots are given. ``"nan"``:
            one row with the missing-value contribution (``nan``, ``count``,
            ``label`` numeric; ``category``, ``value``, ``count`` categorical),
            when the term has one. Non-finite numbers are ``None``.
        """
        p = self._prepared
        out = _datasets(self.shape, p, self.key.density_height)
        if self.key.live:
            if self.key.region:
                out.setdefault("region", [])
            out["shape_importance"] = []
            if self.edited_importance is not None and "edited" in p.cols:
                text = f"edited importance {float(self.edited_importance):.3g}"
                out["shape_importance"] = [{"text": text}]
        elif self.key.edited_importance:
            text = f"edited: {float(self.edited_importance):.3g}"  # type: ignore[arg-type]
            out["shape_importance"] = [{"text": text}]
        return out

    @unvalidated
    def chart(self) -> alt.LayerChart:
        """The Altair chart: the structure of :attr:`key`, the data of :meth:`datasets`.

        Returns
        -------
        altair.LayerChart
        """
        key = self.key
        if key.live and self._brush_value is not None:
            key = self._make_key(self._brush_value)
        return _shape_chart(key, self.datasets())


def _shape_chart(k: ShapeKey, datasets: Datasets) -> alt.LayerChart:
    """Build a shape chart from its key alone (and the datasets it carries)."""
    if k.kind == "numeric":
        layers = _numeric_layers(k)
    else:
        layers = _categorical_layers(k)
    chart = LayerChart(layer=layers, width=k.width, height=k.height)
    chart_title = make_title(k.title, k.subtitle)
    shape_rows = alt.NamedData(name="shape")
    return finish(chart, k.configure, datasets, title=chart_title, data=shape_rows)


#: Live charts: whether a row has an edited value (a term's first edit adds them).
HAS_EDIT = "isValid(datum.edited) && isFinite(datum.edited)"


def _tooltips(first: alt.Tooltip, edited: bool, live: bool) -> list[alt.Tooltip]:
    """Tooltip of a shape's grid point or category: x, values and band.

    ``live``: the edited value is the ``edited_tip`` text (see :func:`_live_tip`).
    """
    tips = [first, alt.Tooltip("value:Q", title="original", format=VALUE_FMT)]
    if live:
        tips.append(alt.Tooltip("edited_tip:N", title="edited"))
    elif edited:
        tips.append(alt.Tooltip("edited:Q", title="edited", format=VALUE_FMT))
    return tips + [
        alt.Tooltip("lower:Q", title="band low", format=VALUE_FMT),
        alt.Tooltip("upper:Q", title="band high", format=VALUE_FMT),
    ]


def _live_tip(chart: alt.Chart) -> alt.Chart:
    """Add ``edited_tip`` (the edited value as text, "not edited" without one)."""
    return chart.transform_calculate(
        edited_tip=f"{HAS_EDIT} ? format(datum.edited, '{VALUE_FMT}') : 'not edited'"
    )


def _live_original(chart: alt.Chart, legend: alt.Legend) -> alt.Chart:
    """A live chart's original line: dashed where an edited curve is drawn."""
    chart = series(chart, "original", legend, dashed=True)
    dash = chart.encoding.strokeDash
    return chart.encode(
        strokeDash=alt.condition(HAS_EDIT, dash, alt.value(DASHES["edited"]))
    )


def _numeric_layers(k: ShapeKey) -> list[alt.Chart]:
    assert k.x_domain is not None
    width, height, y_title = k.width, k.height, k.y_title
    right = width - (_NAN_GUTTER if k.nan else 0)
    x_scale = alt.Scale(
        domain=list(k.x_domain), range=[0, right], nice=False, zero=False
    )
    # Pad the y domain so that the curve stays clear of the density strip.
    pad = k.density_height + 6 if k.density else 6
    y_scale = alt.Scale(zero=False, padding=pad)
    x_axis = alt.Axis(title=k.x_title)

    def xq(field: str) -> alt.X:
        return alt.X(f"{field}:Q", scale=x_scale, axis=x_axis)

    def yq(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=y_title, scale=y_scale)

    edited = k.edited
    brush_param = None
    if k.brush:
        value: Any = alt.Undefined
        if k.brush_value is not None:
            value = {"x": list(k.brush_value)}
        brush_param = alt.selection_interval(encodings=["x"], name="brush", value=value)

    layers: list[alt.Chart] = []
    if k.region:
        layers.append(
            alt.Chart(alt.NamedData(name="region"))
            .mark_rect(color=PALETTE["region"], opacity=0.2, clip=True)
            .encode(x=xq("lo"), x2=alt.X2(field="hi"))
        )
    if k.density:
        opacity = alt.OpacityValue(1.0)
        if brush_param is not None:
            opacity = alt.OpacityValue(0.35, condition={"param": "brush", "value": 1.0})
        mark = alt.MarkDef(type="rect", clip=True)
        x2 = alt.X2(field="hi")
        layers.append(
            _density_layer(
                xq("lo"), x2, height, k.density_height, opacity, mark, k.x_cut
            )
        )
    # the zero line stops where the x range does, short of the missing-value marker
    layers.append(
        zero_rule().encode(y=yq("zero"), x=alt.XValue(0), x2=alt.X2Value(right))
    )
    if k.band:
        layers.append(
            alt.Chart()
            .mark_area(color=PALETTE["band"], opacity=0.45, clip=True)
            .encode(x=xq("x"), y=yq("lower"), y2=alt.Y2(field="upper"))
        )
    if k.members:
        layers.append(_member_layer(xq("x"), yq("value"), numeric=True))
    legend = alt.Legend(orient="top", direction="horizontal") if edited else None
    # edited: the original is dashed, through an encoding that the legend shares
    original = alt.Chart().mark_line(strokeWidth=1.6 if edited else 2.2, clip=True)
    original = original.encode(x=xq("x"), y=yq("value"))
    if k.live:
        assert legend is not None
        original = _live_original(original, legend)
    else:
        original = series(original, "original", legend, edited)
    if brush_param is not None:
        # a fixed view name: Altair's default counts up from call to call
        original = original.properties(name="shape_line").add_params(brush_param)
    layers.append(original)
    if edited:
        line = alt.Chart().mark_line(strokeWidth=2.4, clip=True)
        line = series(line.encode(x=xq("x"), y=yq("edited")), "edited", legend, True)
        layers.append(line)
    # Invisible points carry the tooltip: a line's own tooltip shows one datum only.
    tip_x = alt.Tooltip("x:Q", title=k.name, format=X_FMT)
    tips = alt.Chart().mark_point(opacity=0, size=30, clip=True)
    tip_y = "edited" if edited else "value"
    if k.live:
        tips = _live_tip(tips).transform_calculate(
            current=f"{HAS_EDIT} ? datum.edited : datum.value"
        )
        tip_y = "current"
    layers.append(
        tips.encode(x=xq("x"), y=yq(tip_y), tooltip=_tooltips(tip_x, edited, k.live))
    )
    if k.knots:
        layers.append(_knot_layer(xq, yq))
    if k.nan:
        layers += _nan_layers(width - _NAN_GUTTER / 2, yq)
    if k.edited_importance:
        layers.append(importance_label("shape_importance", width))
    return layers


def _categorical_layers(k: ShapeKey) -> list[alt.Chart]:
    height, y_title = k.height, k.y_title
    cats = list(k.categories or ())
    edited = k.edited
    domain = list(cats)
    if k.nan:
        domain.append(k.missing_label)
    long = len(domain) > 8 or max((len(d) for d in domain), default=0) > 10
    many = len(domain) > 30  # too many to label each: let Vega drop overlaps
    axis = alt.Axis(
        title=k.x_title,
        labelAngle=-40 if long else 0,
        labelLimit=90,
        labelOverlap=True if many else alt.Undefined,
    )
    x = alt.X("category:N", scale=alt.Scale(domain=domain), sort=domain, axis=axis)
    strip = k.density_height if k.density else 0
    # the strip's counts are written above it (up to 30 categories): room for them
    counts_drawn = bool(strip) and not many
    y_scale = alt.Scale(padding=strip + (18 if counts_drawn else 6) if strip else 6)

    def yq(field: str) -> alt.Y:
        return alt.Y(f"{field}:Q", title=y_title, scale=y_scale)

    legend = None
    if edited:
        legend = alt.Legend(
            orient="top", direction="horizontal", symbolType="square", symbolOpacity=1
        )
    band = {"band": 0.6}
    tooltip = _tooltips(alt.Tooltip("category:N", title=k.name), edited, k.live)
    tooltip.append(alt.Tooltip("count:Q", title="training rows", format=","))
    pick = alt.selection_point(encodings=["x"], name="category") if k.brush else None
    # live: the fill fades where an edited outline is drawn (0.5 of 0.9)
    full = 0.45 if edited and not k.live else 0.9
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
    if k.live:
        bars = _live_tip(bars).encode(
            fillOpacity=alt.condition(HAS_EDIT, alt.value(0.5), alt.value(1.0))
        )
    bars = bars.encode(x=x, y=yq("value"), opacity=opacity, tooltip=tooltip)
    bars = series(bars, "original", legend)
    if pick is not None:
        bars = bars.properties(name="shape_bars").add_params(pick)
    layers.append(bars)
    if k.members:
        layers.append(_member_layer(x, yq("value"), numeric=False))
    if k.band:
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
        if k.live:
            outline = _live_tip(outline)
        outline = outline.encode(
            x=x, y=yq("edited"), y2=alt.Y2Datum(0.0), tooltip=tooltip
        )
        layers.append(series(outline, "edited", legend))
    if k.nan:
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
    if strip:
        layers += _count_labels(x, k.width, height, strip, counts_drawn)
    if k.edited_importance:
        layers.append(importance_label("shape_importance", k.width))
    return layers
