"""The session's feedback: metrics per state, the three-state table, who moved.

A mixin of :class:`~namwidgets.edit.EditSession`: it reads the session's
predictions, targets and weights, and computes with scikit-learn's functions
(``_metrics``); results are cached per state by the session's ``StateCache``.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ._live import binary_live_metrics, regression_live_metrics
from ._metrics import (
    HISTOGRAM_AUC_TOLERANCE,
    affected,
    compute_metrics,
    fast_classification_metrics,
    live_roc_auc,
    roc_auc,
    slice_metrics,
)
from ._state import LIVE_AUC_MAX_ROWS, STATES

if TYPE_CHECKING:
    from ._reference import FeatureReference
    from ._state import StateCache


class SessionFeedback:
    """Metrics and who-moved summaries of the session's states."""

    if TYPE_CHECKING:
        sample_weight: npt.NDArray[np.float64] | None
        _cache: StateCache
        _refs0: list[FeatureReference]

        @property
        def classes(self) -> npt.NDArray[Any] | None: ...
        @property
        def _task(self) -> str: ...
        def _need_y(self) -> npt.NDArray[Any]: ...
        def _index(self, term: str | int) -> int: ...
        def linear_predictor(self, state: str = ...) -> npt.NDArray[np.float64]: ...
        def predictions(self, state: str = ...) -> npt.NDArray[np.float64]: ...
        def feature_values(self, term: str | int) -> npt.NDArray[Any]: ...

    def metrics(
        self, state: str = "current", *, auc: bool = True, fast: bool = False
    ) -> dict[str, Any]:
        """Metrics of one state on the session's data (scikit-learn's functions).

        Regression: rmse, mae, r2. Classification: roc_auc (skipped with
        ``auc=False``, its sort is the costly part at 1M rows), accuracy,
        balanced_accuracy, log_loss, brier, confusion_matrix. ``fast=True``
        computes the classification metrics other than AUC in numpy (equal to
        scikit-learn's to 1e-12, without their per-call label checks): the
        panel's live path. Weighted by ``sample_weight``. Returns a copy.
        """
        y = self._need_y()
        return copy.deepcopy(
            self._cache.get(
                self.linear_predictor(state),
                f"metrics auc={auc} fast={fast}",
                lambda: self._metrics(y, self.predictions(state), auc, fast),
            )
        )

    def _metrics(
        self, y: npt.NDArray[Any], pred: npt.NDArray[Any], auc: bool, fast: bool
    ) -> dict[str, Any]:
        classes = self.classes
        w = self.sample_weight
        if not fast:
            return compute_metrics(self._task, y, pred, classes, w, auc=auc)
        if classes is None:
            return regression_live_metrics(y, pred, w)
        codes = self._codes(y, classes)
        if len(classes) != 2:
            live = {"roc_auc": live_roc_auc(codes, pred, w)}
            out = live if auc else {}
            return out | fast_classification_metrics(codes, pred, len(classes), w)
        exact = auc and len(codes) <= LIVE_AUC_MAX_ROWS
        m = binary_live_metrics(codes == 1, pred, w, auc=auc and not exact)
        bound = m.pop("roc_auc_bound", 0.0)
        if exact or (auc and not bound <= HISTOGRAM_AUC_TOLERANCE):
            # small data, or scores too tied for the histogram's bound: the sort
            m["roc_auc"] = roc_auc(codes, pred, w)
        return ({"roc_auc": m.pop("roc_auc")} if auc else {}) | m

    def _codes(
        self, y: npt.NDArray[Any], classes: npt.NDArray[Any]
    ) -> npt.NDArray[np.intp]:
        """Class indices of ``y`` (computed once: ``y`` is the session's own copy)."""
        cached = getattr(self, "_codes_of", None)
        if cached is None or cached[0] is not y:
            cached = (y, np.searchsorted(classes, y))
            self._codes_of = cached
        return cached[1]

    def metrics_table(
        self, *, auc: bool = True, fast: bool = False, as_dict: bool = False
    ) -> pd.DataFrame | dict[str, dict[str, Any]]:
        """Metrics of the three states GAM Changer shows: original, last, current.

        Returns
        -------
        DataFrame
            Index: the states "original", "last", "current"; columns: the metric
            names of :meth:`metrics` (``confusion_matrix`` holds nested lists).
            With ``as_dict=True``, the former nested dict
            ``{state: {metric: value}}`` instead (same as ``metrics(state)`` per
            state).
        """
        table = {s: self.metrics(s, auc=auc, fast=fast) for s in STATES}
        if as_dict:
            return table
        frame = pd.DataFrame.from_dict(table, orient="index")
        frame.index.name = "state"
        frame.columns.name = "metric"
        return frame

    def affected(self, against: str = "original", *, bins: int = 30) -> dict[str, Any]:
        """Who moved: rows whose prediction changed, by how much, class flips."""
        return affected(
            self.predictions(against), self.predictions(), self._task, bins=bins
        )

    def slice_metrics(
        self, term: str | int, *, bins: int | Sequence[float] = 4, auc: bool = True
    ) -> pd.DataFrame:
        """Metrics per slice of a term's feature: its levels, or ranges of values.

        Weighted by the session's ``sample_weight`` (``n`` stays a row count).
        Returns a long DataFrame with columns slice, n, metric, original, current.
        """
        j = self._index(term)
        return slice_metrics(
            self.feature_values(j),
            self._refs0[j].kind,
            self._need_y(),
            self.predictions("original"),
            self.predictions(),
            self._task,
            self.classes,
            bins=bins,
            auc=auc,
            sample_weight=self.sample_weight,
        )
