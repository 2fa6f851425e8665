"""Chart views: pure functions from plain data to Altair charts.

Each view is a frozen dataclass holding one argument set: plain data (a
:class:`~namwidgets.explain.ShapeFunction`, arrays, dicts, a DataFrame) and the
chart's options. It reads no model and no session, and gives

* :attr:`key`, the **structure key**: what the spec without ``datasets``
  depends on (names, sizes, titles, which optional parts are drawn). Two views
  with equal keys give specs that differ only in their datasets;
* :meth:`datasets`, the top-level named **datasets**, which hold every data
  value, built with numpy and plain Python only;
* :meth:`chart`, the Altair chart, built from the key and carrying exactly
  :meth:`datasets`.

So a live view builds ``spec = view.chart().to_dict()`` once per key and
redraws with ``{**spec, "datasets": view.datasets()}``: a data-only redraw
cannot drift from a full build. The dataset names are

==============================  ===================================================
view                            datasets
==============================  ===================================================
:class:`ShapeView`              ``shape``, and when drawn ``density``, ``region``,
                                ``knots``, ``nan``
:class:`ImportanceView`         ``importance``
:class:`ContributionsView`      ``contributions``, ``contributions_title``
:class:`PredictionShiftView`    ``shift``, ``shift_zero``
:class:`MetricsView`            ``metrics``
:class:`SliceMetricsView`       ``slices``
:class:`StackView`              its parts' datasets
:class:`PairView`               ``pair``, and when drawn ``nan_x``, ``nan_y``
:class:`ShapeGridView`          its panels' datasets, suffixed ``_1``, ``_2``...
:class:`CompareView`            ``compare_curves``, ``compare_levels``,
                                ``compare_density``, ``compare_metrics``
:class:`RowPickView`            ``rows`` (and a ``pick`` click selection)
==============================  ===================================================

The look comes from :data:`PALETTE` and :data:`THEME`, applied to each chart
(pass ``configure=False`` to compose charts, then theme the composite with
:func:`apply_theme`). Composed charts gather their datasets at the top level;
two composed charts with different data under one name keep it apart by a
suffix (``shape_2``...).

:func:`static_figures` makes every chart widget in a notebook carry a static
picture of itself (PNG or SVG, drawn offline), so an executed notebook shows its
figures on GitHub, nbviewer, a docs site or paper; the environment variable
``NAMWIDGETS_STATIC_FIGURES`` (``on``, ``only``, ``off``) switches it from outside.

The ``X_chart``/``X_data`` functions of the previous release still work and
warn with a ``DeprecationWarning``.
"""

from ._compare import CompareView
from ._feedback import MetricsView
from ._legacy import (
    contributions_chart,
    contributions_data,
    importance_chart,
    importance_data,
    metrics_chart,
    metrics_data,
    prediction_shift_chart,
    prediction_shift_data,
    shape_chart,
    shape_data,
    slice_metrics_chart,
    slice_metrics_data,
)
from ._pair import PairKey, PairView
from ._rows import PICK, RowPickView, sample_rows
from ._shape import ShapeKey, ShapeView
from ._shift import PredictionShiftView
from ._slices import SliceMetricsView
from ._stack import StackView
from ._static import static_figures
from ._summary import ContributionsView, ImportanceView, ShapeGridView
from ._theme import PALETTE, THEME, ChartView, Datasets, apply_theme

__all__ = [
    "PALETTE",
    "PICK",
    "THEME",
    "ChartView",
    "CompareView",
    "ContributionsView",
    "Datasets",
    "ImportanceView",
    "MetricsView",
    "PairKey",
    "PairView",
    "PredictionShiftView",
    "RowPickView",
    "ShapeGridView",
    "ShapeKey",
    "ShapeView",
    "SliceMetricsView",
    "StackView",
    "apply_theme",
    "contributions_chart",
    "contributions_data",
    "importance_chart",
    "importance_data",
    "metrics_chart",
    "metrics_data",
    "prediction_shift_chart",
    "prediction_shift_data",
    "sample_rows",
    "shape_chart",
    "shape_data",
    "slice_metrics_chart",
    "slice_metrics_data",
    "static_figures",
]

from ._static import _at_import  # noqa: E402

_at_import()
del _at_import
