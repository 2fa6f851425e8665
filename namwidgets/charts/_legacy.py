"""The ``X_chart``/``X_data`` twins of the views, kept for one release.

Each is a thin wrapper over its view and warns with a ``DeprecationWarning``;
``X_data(...)`` equals ``X_chart(...).to_dict()["datasets"]`` by construction.
"""

from __future__ import annotations

import warnings
from typing import Any

from ._feedback import MetricsView
from ._shape import ShapeView
from ._shift import PredictionShiftView
from ._slices import SliceMetricsView
from ._summary import ContributionsView, ImportanceView
from ._theme import Datasets

# keyword arguments a data function accepted (the rest are structure only)
_SHAPE_DATA = ("class_index", "knots", "region", "density_height")
_CONTRIB_DATA = (
    "prediction_before", "prediction_after", "intercept", "top", "title",
)  # fmt: skip


def _warn(old: str, new: str) -> None:
    warnings.warn(
        f"namwidgets.charts.{old} is deprecated and will be removed in the next "
        f"release; use namwidgets.charts.{new}",
        DeprecationWarning,
        stacklevel=3,
    )


def _only(kwargs: dict[str, Any], allowed: tuple[str, ...], fn: str) -> None:
    extra = sorted(set(kwargs) - set(allowed))
    if extra:
        msg = f"{fn}() got unexpected keyword argument(s) {extra}"
        raise TypeError(msg)


def shape_chart(shape: Any, edited_values: Any = None, **kwargs: Any) -> Any:
    """Deprecated: ``ShapeView(shape, edited_values, **kwargs).chart()``."""
    _warn("shape_chart", "ShapeView(...).chart()")
    return ShapeView(shape, edited_values, **kwargs).chart()


def shape_data(shape: Any, edited_values: Any = None, **kwargs: Any) -> Datasets:
    """Deprecated: ``ShapeView(shape, edited_values, **kwargs).datasets()``."""
    _warn("shape_data", "ShapeView(...).datasets()")
    _only(kwargs, _SHAPE_DATA, "shape_data")
    return ShapeView(shape, edited_values, **kwargs).datasets()


def importance_chart(names: Any, importances: Any, edited: Any = (), **kw: Any) -> Any:
    """Deprecated: ``ImportanceView(names, importances, edited, **kw).chart()``."""
    _warn("importance_chart", "ImportanceView(...).chart()")
    return ImportanceView(names, importances, edited, **kw).chart()


def importance_data(
    names: Any, importances: Any, edited: Any = (), **kw: Any
) -> Datasets:
    """Deprecated: ``ImportanceView(names, importances, edited, ...).datasets()``."""
    _warn("importance_data", "ImportanceView(...).datasets()")
    _only(kw, ("top",), "importance_data")
    return ImportanceView(names, importances, edited, **kw).datasets()


def contributions_chart(names: Any, before: Any, after: Any = None, **kw: Any) -> Any:
    """Deprecated: ``ContributionsView(names, before, after, **kw).chart()``."""
    _warn("contributions_chart", "ContributionsView(...).chart()")
    return ContributionsView(names, before, after, **kw).chart()


def contributions_data(
    names: Any, before: Any, after: Any = None, **kw: Any
) -> Datasets:
    """Deprecated: ``ContributionsView(names, before, after, **kw).datasets()``."""
    _warn("contributions_data", "ContributionsView(...).datasets()")
    _only(kw, _CONTRIB_DATA, "contributions_data")
    return ContributionsView(names, before, after, **kw).datasets()


def prediction_shift_chart(bin_edges: Any, counts: Any, **kw: Any) -> Any:
    """Deprecated: ``PredictionShiftView(bin_edges, counts, **kw).chart()``."""
    _warn("prediction_shift_chart", "PredictionShiftView(...).chart()")
    return PredictionShiftView(bin_edges, counts, **kw).chart()


def prediction_shift_data(bin_edges: Any, counts: Any) -> Datasets:
    """Deprecated: ``PredictionShiftView(bin_edges, counts).datasets()``."""
    _warn("prediction_shift_data", "PredictionShiftView(...).datasets()")
    return PredictionShiftView(bin_edges, counts).datasets()


def metrics_chart(metrics: Any, **kw: Any) -> Any:
    """Deprecated: ``MetricsView(metrics, **kw).chart()``."""
    _warn("metrics_chart", "MetricsView(...).chart()")
    return MetricsView(metrics, **kw).chart()


def metrics_data(metrics: Any) -> Datasets:
    """Deprecated: ``MetricsView(metrics).datasets()``."""
    _warn("metrics_data", "MetricsView(...).datasets()")
    return MetricsView(metrics).datasets()


def slice_metrics_chart(table: Any, **kw: Any) -> Any:
    """Deprecated: ``SliceMetricsView(table, **kw).chart()``."""
    _warn("slice_metrics_chart", "SliceMetricsView(...).chart()")
    return SliceMetricsView(table, **kw).chart()


def slice_metrics_data(table: Any) -> Datasets:
    """Deprecated: ``SliceMetricsView(table).datasets()``."""
    _warn("slice_metrics_data", "SliceMetricsView(...).datasets()")
    return SliceMetricsView(table).datasets()
