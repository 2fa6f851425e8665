"""Session state -> chart views for the panel: no widget state, no math.

Each function reads public session methods and returns a view of
:mod:`namwidgets.charts` (its key, its datasets, its chart), which
:class:`~namwidgets.widget._redraw.LiveChart` shows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import altair as alt
import numpy as np
import pandas as pd

from .. import charts
from ._format import scalar_metrics

#: The shape chart's plot size in pixels: with its axes, the panel's middle column.
SHAPE_WIDTH, SHAPE_HEIGHT = 360, 220
#: Width in pixels the right column's charts fit in.
RIGHT_WIDTH = 380
#: Most metric panels in one row of the metrics and slices charts.
METRIC_COLUMNS = 3


def panels_per_row(n: int) -> int:
    """``n`` metric panels spread evenly over rows of at most METRIC_COLUMNS."""
    return -(-n // -(-n // METRIC_COLUMNS))


@dataclass(frozen=True)
class NoteView:
    """A one-line text in place of a chart (e.g. "no y: no slices")."""

    text: str

    @property
    def key(self) -> tuple[Any, ...]:
        """The structure key: the text."""
        return ("note", self.text)

    def datasets(self) -> charts.Datasets:
        """No data."""
        return {}

    def chart(self) -> alt.Chart:
        """A text mark."""
        return alt.Chart().mark_text(text=self.text)


def shape_view(
    session: Any,
    shape: Any,
    class_index: int,
    region: tuple[float, float] | None,
    knot_positions: tuple[float, ...] | None,
    brush: tuple[float, float] | None = None,
    *,
    x_range: str = "data",
) -> charts.ShapeView:
    """The selected term's shape chart: original, edited, knots, region.

    ``shape`` is the term's original function (``term_functions("original")``),
    its importance the original's on the session's rows; an edited term's
    current importance is written beside it from data. The view is live
    (``ShapeView(live=True)``, as :func:`pair_view`'s): its structure is the
    same before and after a term's first edit, so that every edit redraws data
    only (a rebuild costs ~50 ms in Python and the browser re-embeds the chart
    with new selections).
    ``region`` is the region the edit buttons act on; ``brush``, when the user
    chose it (by brush or slider), the same interval drawn as the brush.
    ``x_range`` is :class:`~namwidgets.charts.ShapeView`'s (``"data"`` or
    ``"all"``).
    """
    ref = session.reference(shape.name)
    edited = shape.name in session.edited_features
    t = list(session.term_names).index(shape.name)
    values = ref.grid_values if ref.grid_values.shape[1] > 1 else ref.grid_values[:, 0]
    knots = None
    if knot_positions is not None:
        pos = np.asarray(knot_positions, float)
        grid = np.asarray(ref.grid, float)
        knots = (pos, np.interp(pos, grid, ref.grid_values[:, class_index]))
    numeric = shape.kind == "numeric"
    return charts.ShapeView(
        shape,
        values if edited else None,
        class_index=class_index,
        knots=knots if numeric else None,
        # the default region is a shaded band (a drag that starts inside it
        # brushes anew); a region the user chose is the brush itself, started
        # there, so that a rebuilt chart keeps it
        region=region if numeric and brush is None else None,
        brush_value=brush if numeric else None,
        y_title="contribution (logit)" if session.is_classifier else "contribution",
        edited_importance=float(session.importance()[t]) if edited else None,
        width=SHAPE_WIDTH,
        height=SHAPE_HEIGHT,
        x_range=x_range,
        live=True,
    )


def pair_view(
    session: Any, original: Any, class_index: int, show_original: bool
) -> charts.PairView:
    """The selected pair term's heatmap (or curves): current, original beside.

    ``original`` is the term's original :class:`~namwidgets.explain.PairFunction`;
    the current one carries its importance, so that the subtitle and the
    structure stay put while editing (as in :func:`shape_view`); an edited
    pair's current importance is written beside it from data.
    """
    name = original.name
    current = session.term_function(name)
    current = dataclasses.replace(current, importance=original.importance)
    edited = name in session.edited_features
    t = list(session.term_names).index(name)
    return charts.PairView(
        current,
        original=original,
        show_original=show_original,
        class_index=class_index,
        value_title="contribution (logit)" if session.is_classifier else "contribution",
        edited_importance=float(session.importance()[t]) if edited else None,
        live=True,
    )


def feedback_view(affected: dict[str, Any], metrics_table: Any) -> charts.ChartView:
    """Metrics in three states above the histogram of prediction shifts.

    Sized to the panel's right column (:data:`RIGHT_WIDTH` pixels).
    """
    shift = charts.PredictionShiftView(
        affected["hist_edges"], affected["hist_counts"], width=RIGHT_WIDTH - 60,
        height=110,
    )  # fmt: skip
    scalar = scalar_metrics(metrics_table)
    if not scalar or not any(scalar.values()):
        return shift
    n = max(len(next(iter(scalar.values()))), 1)
    # at most METRIC_COLUMNS panels a row (a classifier's five wrap to two
    # rows); each has its own y axis (~36 px) and 14 px of spacing
    per_row = panels_per_row(n)
    panel = max(min(120, (RIGHT_WIDTH - 10) // per_row - 50), 40)
    columns = per_row if per_row < n else None
    metrics = charts.MetricsView(scalar, width=panel, height=90, columns=columns)
    return charts.StackView([metrics, shift])


def importance_view(session: Any) -> charts.ImportanceView:
    """Terms ranked by importance on the session's data, edited ones marked."""
    return charts.ImportanceView(
        session.term_names,
        session.importance(),
        session.edited_features,
        width=RIGHT_WIDTH - 120,
    )


def row_view(session: Any, row: int, class_index: int) -> charts.ContributionsView:
    """One row's contributions before and after the edits, and its prediction."""
    r = int(row)
    before = session.row_contributions(r, "original")[:, class_index]
    after = session.row_contributions(r)[:, class_index]
    p0, p1 = session.predictions("original")[r], session.predictions()[r]
    if np.ndim(p0):
        k = 1 if len(p0) == 2 else class_index
        p0, p1 = p0[k], p1[k]
    p0, p1 = float(p0), float(p1)
    return charts.ContributionsView(
        session.term_names,
        before,
        after,
        prediction_before=p0,
        prediction_after=p1,
        # the row's prediction in the title (read from data: an edit redraws
        # it without a rebuild)
        title=f"Row {r} · prediction {p0:.4g} → {p1:.4g} after edits",
        width=RIGHT_WIDTH - 120,
    )


def row_values(session: Any, row: int) -> dict[str, Any]:
    """A row's raw value of every feature, by name (the session's data)."""
    out = {}
    for name in session.model.feature_names_:
        value = session.feature_values(name)[int(row)]
        out[name] = value.item() if hasattr(value, "item") else value
    return out


def what_if_view(
    session: Any, row: int, changes: dict[str, Any], class_index: int
) -> charts.ContributionsView:
    """A row before and after changing some of its values, both under the edits.

    The numbers are the edited model's (``session.to_model()``): its
    contributions and prediction for the row with ``changes`` applied.
    """
    r = int(row)
    values = {**row_values(session, r), **changes}
    frame = pd.DataFrame({k: [v] for k, v in values.items()})
    for name, kind in zip(session.model.feature_names_, session.model.feature_kinds_):
        if kind == "categorical":
            frame[name] = frame[name].astype(object)
    edited = session.to_model()
    before = session.row_contributions(r)[:, class_index]
    after = edited.contributions_array(frame)[0, :, class_index]
    p0 = session.predictions()[r]
    if session.is_classifier:
        p1 = edited.predict_proba(frame)[0]
    else:
        p1 = edited.predict(frame)[0]
    if np.ndim(p0):
        k = 1 if len(p0) == 2 else class_index
        p0, p1 = p0[k], p1[k]
    p0, p1 = float(p0), float(p1)
    changed = ", ".join(f"{k}={v}" for k, v in changes.items())
    return charts.ContributionsView(
        session.term_names,
        before,
        after,
        prediction_before=float(p0),
        prediction_after=float(p1),
        title=f"Row {r} · what if {changed}: prediction {p0:.4g} → {p1:.4g}",
        width=RIGHT_WIDTH - 120,
    )


def slices_view(session: Any, term: str, auc: bool) -> charts.ChartView | NoteView:
    """Metrics per slice of a term, original against current."""
    if session.y is None:
        return NoteView("open the panel with y for slices")
    table = session.slice_metrics(term, auc=auc)
    # every metric's panel inside the right column, the slice labels beside;
    # at most 3 panels a row (6 classifier metrics wrap to 2 rows of 3), so each
    # is wide enough for its header ("bal. acc.") to stay whole
    n = max(int(table["metric"].nunique()), 1) if "metric" in table else 1
    columns = panels_per_row(n)
    width = max(min(160, (RIGHT_WIDTH - 130) // columns - 14), 30)
    return charts.SliceMetricsView(table, width=width, columns=columns)
