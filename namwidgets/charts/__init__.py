"""Chart builders: pure functions from plain data to Altair charts.

Every builder takes plain data (a :class:`~namwidgets.explain._shape.ShapeFunction`,
arrays, dicts, a DataFrame) and returns a new Altair chart whose data is small
(shape functions on their grid, densities and prediction shifts as binned counts,
never raw rows) and kept apart from everything else: each spec is

* a **structure**, which depends only on a builder's non-data arguments (names,
  sizes, titles, which optional parts are drawn), and
* top-level named ``datasets``, which hold every data value.

Each ``X_chart`` has a twin ``X_data`` returning exactly
``X_chart(...).to_dict()["datasets"]`` with numpy and plain Python only, so a
live view builds the chart once, caches ``spec = chart.to_dict()`` and redraws
with ``{**spec, "datasets": X_data(...)}``. Each builder's docstring lists its
split ("Structure: ... Data: ..."); the dataset names are

==========================  ===================================================
builder                     datasets
==========================  ===================================================
``shape_chart``             ``shape``, and when drawn ``density``, ``region``,
                            ``knots``, ``nan``
``importance_chart``        ``importance``
``contributions_chart``     ``contributions``, ``contributions_title``
``prediction_shift_chart``  ``shift``, ``shift_zero``
``metrics_chart``           ``metrics``
``slice_metrics_chart``     ``slices``
==========================  ===================================================

Nothing here keeps state between calls; the look comes from :data:`PALETTE` and
:data:`THEME`, applied to each chart by :func:`apply_theme` (pass
``configure=False`` to compose charts, then theme the composite). Composed charts
gather their datasets at the top level; two composed charts with different data
under one name keep it apart by a suffix (``shape_2``...).
"""

from ._shape import shape_chart, shape_data
from ._summary import (
    contributions_chart,
    contributions_data,
    importance_chart,
    importance_data,
    metrics_chart,
    metrics_data,
    prediction_shift_chart,
    prediction_shift_data,
    slice_metrics_chart,
    slice_metrics_data,
)
from ._theme import PALETTE, THEME, apply_theme

__all__ = [
    "PALETTE",
    "THEME",
    "apply_theme",
    "contributions_chart",
    "contributions_data",
    "importance_chart",
    "importance_data",
    "metrics_chart",
    "metrics_data",
    "prediction_shift_chart",
    "prediction_shift_data",
    "shape_chart",
    "shape_data",
    "slice_metrics_chart",
    "slice_metrics_data",
]
