"""Two fitted additive models on one dataset: functions term by term, and metrics.

``namwidgets.compare(nam, ebm, X, y)`` opens a read-only
:class:`~namwidgets.EditSession` on each model (so an EBM is wrapped by the
adapter as the session does it), and draws a
:class:`~namwidgets.charts.CompareView` of their term functions and metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from .charts import CompareView
from .edit import EditSession


class Comparison:
    """The result of :func:`compare`: a view, its chart and a metrics table.

    Attributes
    ----------
    view : CompareView
        The chart's plain data (``view.datasets()``) and structure.
    metrics : DataFrame
        One row per metric, one column per model (numeric metrics only).
    sessions : tuple of EditSession
        The two models' sessions on the data (their ``term_functions()``,
        ``predictions()``...).
    """

    def __init__(
        self, view: CompareView, metrics: pd.DataFrame, sessions: tuple[Any, Any]
    ) -> None:
        self.view = view
        self.metrics = metrics
        self.sessions = sessions

    def chart(self) -> Any:
        """The Altair chart (``view.chart()``)."""
        return self.view.chart()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        return self.chart()._repr_mimebundle_(include, exclude)

    def __repr__(self) -> str:
        a, b = self.view.labels
        return f"Comparison({a} vs {b}, {len(self.view.key[1])} shared terms)"


def compare(
    first: Any,
    second: Any,
    X: Any,
    y: Any = None,
    *,
    labels: tuple[str, str] | None = None,
    terms: Sequence[str] | None = None,
    class_index: int = 0,
    **view_options: Any,
) -> Comparison:
    """Compare two fitted additive models term by term on one dataset.

    Parameters
    ----------
    first, second : AdditiveModel or EBM
        Fitted models with main effects of the same names (a NAM, an edited
        model, an InterpretML EBM...), of the same task.
    X : DataFrame of shape (n_samples, n_features)
        The data both are scored on (e.g. a validation set).
    y : array-like of shape (n_samples,), optional
        Its targets; without them no metrics are drawn.
    labels : tuple of (str, str), optional
        The models' names; default: their class names (the adapter's model's
        for an EBM), made distinct.
    terms : sequence of str, optional
        Draw only these shared main effects.
    class_index : int, default=0
        The class drawn for multiclass models.
    **view_options
        ``columns``, ``width``, ``height``, ``configure`` of :class:`CompareView`.

    Returns
    -------
    Comparison
        Displays as the chart in a notebook; ``.chart()``, ``.metrics``.
    """
    sessions = (EditSession(first, X, y), EditSession(second, X, y))
    if labels is None:
        names = [_name(first), _name(second)]
        if names[0] == names[1]:
            names = [f"{names[0]} (1)", f"{names[1]} (2)"]
        labels = (names[0], names[1])
    metrics: dict[str, dict[str, Any]] | None = None
    table = pd.DataFrame()
    if y is not None:
        metrics = {
            label: {
                k: v
                for k, v in s.metrics().items()
                if isinstance(v, int | float) and not isinstance(v, bool)
            }
            for label, s in zip(labels, sessions)
        }
        table = pd.DataFrame(metrics)
    view = CompareView(
        first=sessions[0].term_functions(),
        second=sessions[1].term_functions(),
        labels=labels,
        metrics=metrics,
        terms=terms,
        class_index=class_index,
        **view_options,
    )
    return Comparison(view, table, sessions)


def _name(model: Any) -> str:
    name = type(model).__name__
    short = {
        "NAMRegressor": "NAM",
        "NAMClassifier": "NAM",
        "ExplainableBoostingRegressor": "EBM",
        "ExplainableBoostingClassifier": "EBM",
        "EditedModel": "edited",
    }
    return short.get(name, name)


__all__ = ["Comparison", "compare"]
