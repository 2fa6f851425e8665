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

from ._live import regression_live_metrics
from ._live_cls import LiveTargets, binary_live_metrics, multiclass_live_metrics
from ._metrics import (
    HISTOGRAM_AUC_TOLERANCE,
    affected,
    compute_metrics,
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
        targets = self._live_targets(y, classes)
        exact = auc and len(y) <= LIVE_AUC_MAX_ROWS
        if len(classes) == 2:
            m = binary_live_metrics(
                targets.codes == 1, pred, w, auc=auc and not exact, targets=targets
            )
        else:
            m = multiclass_live_metrics(targets, pred, auc=auc and not exact)
        bound = m.pop("roc_auc_bound", 0.0)
        histogram_ok = bound <= HISTOGRAM_AUC_TOLERANCE and np.isfinite(
            m.get("roc_auc", 0.0)
        )
        if exact or (auc and not histogram_ok):
            # small data, scores too tied for the histogram's bound, or a class
            # without rows (scikit-learn's answer, NaN for one class): the sort
            m["roc_auc"] = roc_auc(targets.codes, pred, w)
        return ({"roc_auc": m.pop("roc_auc")} if auc else {}) | m

    def _live_targets(
        self, y: npt.NDArray[Any], classes: npt.NDArray[Any]
    ) -> LiveTargets:
        """The true classes as the live metrics read them (once per session).

        Kept while ``y`` and ``sample_weight`` are the same arrays (both are
        the session's own read-only copies).
        """
        w = self.sample_weight
        cached = getattr(self, "_targets_of", None)
        if cached is None or cached[0] is not y or cached[1] is not w:
            codes = np.searchsorted(classes, y)
            cached = (y, w, LiveTargets(codes, len(classes), w))
            self._targets_of = cached
        return cached[2]

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
