"""Session state -> charts for the panel: pure functions, no widgets, no math."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import numpy as np

from .. import charts


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
    knot_positions: Callable[[], tuple[float, ...]] | None,
) -> alt.TopLevelMixin:
    """The selected feature's shape chart: original, edited, knots, region."""
    ref = session.reference(shape.name)
    edited = shape.name in session.edited_features
    values = ref.grid_values if ref.grid_values.shape[1] > 1 else ref.grid_values[:, 0]
    knots = None
    if knot_positions is not None:
        pos = np.asarray(knot_positions(), float)
        knots = (
            pos,
            np.interp(pos, ref.grid.astype(float), ref.grid_values[:, class_index]),
        )
    y_title = "contribution (logit)" if session.is_classifier else "contribution"
    return charts.shape_chart(
        shape,
        values if edited else None,
        class_index=class_index,
        knots=knots,
        region=region if shape.kind == "numeric" else None,
        brush_value=None,
        y_title=y_title,
    )


def feedback_chart(
    session: Any, metrics: dict[str, dict[str, Any]], class_index: int
) -> alt.TopLevelMixin:
    """Metrics in three states beside the histogram of prediction shifts."""
    a = session.affected()
    shift = charts.prediction_shift_chart(
        a["hist_edges"], a["hist_counts"], configure=False
    )
    if not metrics:
        return charts.apply_theme(shift)
    scalar = {
        state: {
            k: v for k, v in m.items() if isinstance(v, int | float) and np.isfinite(v)
        }
        for state, m in metrics.items()
    }
    return charts.apply_theme(
        alt.vconcat(charts.metrics_chart(scalar, configure=False), shift)
    )
