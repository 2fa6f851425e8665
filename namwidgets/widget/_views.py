"""Session state -> chart views for the panel: no widgets state, no math.

Each view returns a :class:`View`: a structure key, a builder of the Altair
chart, and a function giving only its datasets. :class:`LiveChart` builds the
chart when the key changes and otherwise sends ``{**spec, "datasets": ...}``,
so a slider move costs numpy work and one message, not an Altair rebuild.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np

from .. import charts


@dataclass(frozen=True)
class View:
    """What a chart shows: its structure key, its chart, its datasets."""

    key: tuple[Any, ...]
    build: Callable[[], alt.TopLevelMixin]
    data: Callable[[], dict[str, list[dict[str, Any]]]]


def _param_names(spec: dict[str, Any]) -> list[str]:
    names = [p.get("name") for p in spec.get("params", [])]
    for part in ("layer", "vconcat", "hconcat"):
        for sub in spec.get(part, []):
            names += _param_names(sub)
    return sorted(str(n) for n in names)


class LiveChart:
    """Drive an ``alt.JupyterChart`` from :class:`View` objects, as cheaply as can be.

    A new structure is assigned as ``jc.chart`` when its parameters (selections)
    differ from the shown chart's, so the selection traits are rebuilt, and as
    an unvalidated ``jc.spec`` otherwise (the builders are validated in the
    chart tests). The same structure with new data sends only new datasets.
    """

    def __init__(self, jc: alt.JupyterChart) -> None:
        self.jc = jc
        self.key: tuple[Any, ...] | None = None
        self.spec: dict[str, Any] | None = None
        self.builds = 0

    def show(self, view: View) -> None:
        """Display a view."""
        if view.key == self.key and self.spec is not None:
            self.jc.spec = {**self.spec, "datasets": view.data()}
            return
        chart = view.build()
        spec = chart.to_dict(validate=False)
        if self.jc.chart is not None and _param_names(spec) == _param_names(
            self.jc.spec or {}
        ):
            self.jc.spec = spec
        else:
            self.jc.chart = chart
        self.key, self.spec = view.key, spec
        self.builds += 1

    def invalidate(self) -> None:
        """Force the next view to be built (e.g. after the model was refit)."""
        self.key = None


def label_for(name: str, importance: float, edited: bool) -> str:
    """The feature list's label: a mark for edited features, then importance."""
    return f"{'●' if edited else '○'} {name}  ({importance:.3g})"


def region_default(lo: float, hi: float) -> tuple[float, float]:
    """The middle half of a feature's range, as the region slider's start."""
    return (lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo))


def shape_view(
    session: Any,
    shape: Any,
    class_index: int,
    region: tuple[float, float] | None,
    knot_positions: tuple[float, ...] | None,
) -> View:
    """The selected feature's shape chart: original, edited, knots, region."""
    ref = session.reference(shape.name)
    edited = shape.name in session.edited_features
    values = ref.grid_values if ref.grid_values.shape[1] > 1 else ref.grid_values[:, 0]
    knots = None
    if knot_positions is not None:
        pos = np.asarray(knot_positions, float)
        grid = ref.grid.astype(float)
        knots = (pos, np.interp(pos, grid, ref.grid_values[:, class_index]))
    y_title = "contribution (logit)" if session.is_classifier else "contribution"
    region = region if shape.kind == "numeric" else None
    args = (shape, values if edited else None)
    kw = dict(class_index=class_index, knots=knots, region=region)
    key = (
        "shape",
        id(shape),
        class_index,
        edited,
        None if knots is None else len(knots[0]),
        region is None,
    )
    return View(
        key,
        lambda: charts.shape_chart(*args, **kw, y_title=y_title),
        lambda: charts.shape_data(*args, **kw),
    )


def _scalars(metrics: dict[str, dict[str, Any]]) -> dict[str, dict[str, float]]:
    return {
        state: {
            k: float(v)
            for k, v in m.items()
            if isinstance(v, int | float) and not isinstance(v, bool)
        }
        for state, m in metrics.items()
    }


def feedback_view(affected: dict[str, Any], metrics: dict[str, dict[str, Any]]) -> View:
    """Metrics in three states above the histogram of prediction shifts."""
    a = affected
    edges, counts = a["hist_edges"], a["hist_counts"]
    scalar = _scalars(metrics)
    names = tuple(sorted({k for m in scalar.values() for k in m}))

    def build() -> alt.TopLevelMixin:
        shift = charts.prediction_shift_chart(edges, counts, configure=False)
        if not scalar:
            return charts.apply_theme(shift)
        return charts.apply_theme(
            alt.vconcat(charts.metrics_chart(scalar, configure=False), shift)
        )

    def data() -> dict[str, Any]:
        out = charts.prediction_shift_data(edges, counts)
        return (charts.metrics_data(scalar) | out) if scalar else out

    return View(("feedback", names, tuple(scalar)), build, data)


def importance_view(
    names: list[str], importance: np.ndarray, edited: list[str]
) -> View:
    """Features ranked by importance on the session's data, edited ones marked."""
    return View(
        ("importance", tuple(names)),
        lambda: charts.importance_chart(names, importance, edited=edited),
        lambda: charts.importance_data(names, importance, edited=edited),
    )


def row_view(session: Any, row: int, class_index: int) -> View:
    """One row's contributions before and after the edits, and its prediction."""
    r = min(max(int(row), 0), session._n - 1)
    before = session.contributions("original")[r, :, class_index]
    after = session.contributions()[r, :, class_index]
    p0, p1 = session.predictions("original")[r], session.predictions()[r]
    if np.ndim(p0):
        k = 1 if len(p0) == 2 else class_index
        p0, p1 = p0[k], p1[k]
    args = (session.names, before, after)
    kw = dict(prediction_before=float(p0), prediction_after=float(p1))
    return View(
        ("row", tuple(session.names), r),
        lambda: charts.contributions_chart(*args, **kw, title=f"Row {r}"),
        lambda: charts.contributions_data(*args, **kw),
    )


def slices_view(session: Any, feature: str, auc: bool) -> View:
    """Metrics per slice of a feature, original against current."""
    if session.y is None:
        return View(
            ("no-y",),
            lambda: alt.Chart().mark_text(text="open the panel with y for slices"),
            lambda: {},
        )
    table = session.slice_metrics(feature, auc=auc)
    metrics = tuple(table["metric"].unique())
    return View(
        ("slices", feature, metrics),
        lambda: charts.slice_metrics_chart(table),
        lambda: charts.slice_metrics_data(table),
    )
