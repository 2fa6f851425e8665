"""The charts' look (palette, theme) and the helpers every builder shares.

Every chart built here keeps its data in top-level named ``datasets`` (see
:mod:`namwidgets.charts`). Vega-Lite allows ``datasets`` at the top level only, so
the chart classes below hand their datasets up to the outermost chart when they
are composed (``alt.concat``, ``alt.vconcat``...), renaming one only when two
composed charts carry different data under the same name.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import altair as alt
import numpy as np
import numpy.typing as npt
from altair.utils.schemapi import Undefined

from ..exceptions import InputError

try:  # Altair validates every schema object as it is made, unless told not to
    from altair.utils.schemapi import debug_mode as _debug_mode
except ImportError:  # pragma: no cover - a future Altair without the switch
    _debug_mode = None  # type: ignore[assignment]

#: Colours shared by every chart: one meaning, one colour.
PALETTE: dict[str, str] = {
    "original": "#4a6fa5",  # the model as fitted
    "edited": "#e8590c",  # the function after edits (also the accent)
    "accent": "#e8590c",
    "band": "#a9bfdc",  # ensemble band
    "members": "#7f9cc4",  # each ensemble member's curve (the NAM paper's view)
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
    # lay out anew on every view update: a data-only redraw (the panel's live
    # charts) whose axis labels grow would otherwise draw its titles and labels
    # outside the chart's box, cut off ("How predictions moved" lost its "H")
    "autosize": {"type": "pad", "resize": True},
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

#: A title styled like :data:`THEME`'s subtitle, for a subtitle fed by data.
SUBTITLE_STYLE: dict[str, Any] = {
    "fontSize": THEME["title"]["subtitleFontSize"],
    "color": THEME["title"]["subtitleColor"],
    "fontWeight": "normal",
    "offset": 3,
}

VALUE_FMT = "+.3~r"
X_FMT = ",.4~r"

Datasets = dict[str, list[dict[str, Any]]]


class ChartView:
    """What every view is: a structure key, named datasets and a chart.

    Each view is a frozen dataclass of its inputs. Two views with equal
    :attr:`key` give specs equal but for ``datasets``, so a live chart builds
    once per key and otherwise sends ``{**spec, "datasets": view.datasets()}``;
    ``view.datasets()`` equals ``view.chart().to_dict()["datasets"]``, because
    :meth:`chart` is built from the key and carries exactly those datasets.
    """

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key: what forces a rebuild of the chart."""
        raise NotImplementedError

    def datasets(self) -> Datasets:
        """The named datasets a data-only redraw sends."""
        raise NotImplementedError

    def chart(self) -> Any:
        """The Altair chart, built from the same fields."""
        raise NotImplementedError


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


# ------------------------------------------------------------ named-dataset charts


def _rename_refs(obj: Any, renames: dict[str, str]) -> Any:
    """Point every ``{"name": old}`` data reference and ``data('old')`` at new."""
    if isinstance(obj, dict):
        out = {key: _rename_refs(value, renames) for key, value in obj.items()}
        data = out.get("data")
        if isinstance(data, dict) and data.get("name") in renames:
            out["data"] = {**data, "name": renames[data["name"]]}
        return out
    if isinstance(obj, list):
        return [_rename_refs(value, renames) for value in obj]
    if isinstance(obj, str) and "data('" in obj:
        for old, new in renames.items():
            obj = obj.replace(f"data('{old}')", f"data('{new}')")
    return obj


class _NamedDatasets:
    """Mixin: a chart whose ``datasets`` move to the top level when composed."""

    def to_dict(self, *args: Any, context: dict[str, Any] | None = None, **kw: Any):
        own: Any = getattr(self, "datasets", Undefined)
        if own is Undefined:
            return super().to_dict(*args, context=context, **kw)  # type: ignore[misc]
        if context is None or context.get("top_level", True):
            # The rows are plain JSON already (built with numpy and plain
            # Python): handed to Altair as context datasets, which it adds to
            # the spec as they are, they skip its recursive walk of the schema
            # objects (a pair heatmap's thousands of cells: ~0.3 s of a 0.35 s
            # rebuild). Nested charts gather theirs next to them (renamed on
            # a clash, as below).
            ctx = dict(context or {})
            ctx["datasets"] = {**ctx.get("datasets", {}), **own}
            bare = self.copy(deep=False)  # type: ignore[attr-defined]
            bare.datasets = Undefined
            return super(_NamedDatasets, bare).to_dict(*args, context=ctx, **kw)  # type: ignore[misc]
        # Nested in a composition: the outermost chart gathers every dataset.
        shared = context.setdefault("datasets", {})
        renames: dict[str, str] = {}
        for name, rows in own.items():
            new, k = name, 1
            while new in shared and shared[new] != rows:
                k += 1
                new = f"{name}_{k}"
            shared[new] = rows
            if new != name:
                renames[name] = new
        copy = self.copy(deep=False)  # type: ignore[attr-defined]
        copy.datasets = Undefined
        spec = copy.to_dict(*args, context=context, **kw)
        return _rename_refs(spec, renames) if renames else spec


class LayerChart(_NamedDatasets, alt.LayerChart):
    """``alt.LayerChart`` with composable named datasets."""


class FacetChart(_NamedDatasets, alt.FacetChart):
    """``alt.FacetChart`` with composable named datasets."""


class VConcatChart(_NamedDatasets, alt.VConcatChart):
    """``alt.VConcatChart`` with composable named datasets."""


# --------------------------------------------------------------------- helpers


def floats(values: Any) -> list[float | None]:
    """Turn an array into a JSON-safe list of floats (non-finite -> None)."""
    arr = np.asarray(values, dtype=np.float64)
    out: list[float | None] = arr.tolist()
    finite = np.isfinite(arr)
    if not finite.all():
        out = [v if ok else None for v, ok in zip(out, finite.ravel().tolist())]
    return out


def as_1d(name: str, values: Any, n: int | None = None) -> npt.NDArray[np.float64]:
    """Check that ``values`` is a 1-D float array (of length ``n`` when given)."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        msg = f"{name} must be numeric, got {values!r:.80}"
        raise InputError(msg) from exc
    if arr.ndim != 1:
        msg = f"{name} must be one-dimensional, got shape {arr.shape}"
        raise InputError(msg)
    if n is not None and arr.shape[0] != n:
        msg = f"{name} has length {arr.shape[0]}, expected {n}"
        raise InputError(msg)
    return arr


def records(columns: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Column lists of equal length -> a list of row dicts."""
    keys = list(columns)
    return [dict(zip(keys, row)) for row in zip(*columns.values())]


def make_title(text: Any, subtitle: str | None = None) -> alt.TitleParams:
    """A title with an optional subtitle."""
    return alt.TitleParams(text=text, subtitle=subtitle or Undefined)


def zero_rule() -> alt.Chart:
    """A one-row chart (a generated ``zero = 0``) for a reference rule at zero."""
    return alt.Chart(alt.sequence(0, 1, as_="zero")).mark_rule(
        color=PALETTE["zero"], strokeWidth=1, opacity=0.7
    )


#: Dash of the "original" line when an edited line is drawn beside it (and of its
#: legend symbol), and of the edited line (solid).
DASHES: dict[str, list[int]] = {"original": [5, 3], "edited": [1, 0]}


def series(
    chart: alt.Chart, label: str, legend: alt.Legend | None, dashed: bool = False
) -> alt.Chart:
    """Colour a layer as "original" or "edited" on one shared scale (one legend).

    With ``dashed``, the dash is encoded on the same field, title and legend as
    the colour, so that Vega-Lite merges them into one legend whose symbols are
    drawn with the lines' dashes.
    """
    scale = alt.Scale(
        domain=["original", "edited"], range=[PALETTE["original"], PALETTE["edited"]]
    )
    enc: dict[str, Any] = {
        "color": alt.Color("series:N", scale=scale, legend=legend, title=None)
    }
    if dashed:
        dash = alt.Scale(domain=list(DASHES), range=list(DASHES.values()))
        enc["strokeDash"] = alt.StrokeDash(
            "series:N", scale=dash, legend=legend, title=None
        )
    return chart.transform_calculate(series=f"'{label}'").encode(**enc)


_F = TypeVar("_F", bound=Callable[..., Any])


def unvalidated(func: _F) -> _F:
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


def finish(chart: Any, configure: bool, datasets: Datasets, **props: Any) -> Any:
    """Set top-level properties and the named datasets on a chart, in place.

    Plain attribute assignment, not ``.properties()``/``.configure()``: those copy
    the chart, and copying a composed chart re-copies every sub-chart.
    """
    for key, value in props.items():
        setattr(chart, key, value)
    chart.datasets = datasets
    if configure:
        chart.config = alt.Config(**THEME)
    return chart


def importance_label(dataset: str, width: int) -> alt.Chart:
    """The edited function's importance, at the top right above the plot.

    Its text comes from the named ``dataset`` (one row, ``text``), so that a new
    edit redraws data only.
    """
    return (
        alt.Chart(alt.NamedData(name=dataset))
        .mark_text(align="right", baseline="bottom", dy=-4, fontSize=11)
        .encode(
            x=alt.XValue(width),
            y=alt.YValue(0),
            text=alt.Text("text:N"),
            color=alt.ColorValue(PALETTE["edited"]),
        )
    )
