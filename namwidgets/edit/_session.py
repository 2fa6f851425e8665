"""The edit session: a model, a dataset, and a history of edits over them.

The session caches the contribution matrix ``C[n_rows, n_features, n_outputs]`` of
its data. An edit to feature j recomputes column j only, so predictions and
metrics after a slider move cost O(n) numpy work, with no model call.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ._edited import (
    EditedNAM,
    Reset,
    effective,
    history_from_json,
    history_to_json,
    raw_columns,
    references,
    replay,
)
from ._metrics import (
    affected,
    compute_metrics,
    fast_classification_metrics,
    roc_auc,
    slice_metrics,
)
from ._ops import (
    Clamp,
    Edit,
    EditError,
    FeatureReference,
    Flatten,
    Knots,
    Monotone,
    Scale,
    SetCategoryValue,
    SetNaNValue,
    Shift,
    Smooth,
    Zero,
)

STATES = ("original", "last", "current")
# fields a dragged control changes; every other field names the control's "slot"
_DRAGGED = {"factor", "amount", "offsets", "value", "message"}


def _importance(contrib: np.ndarray) -> np.ndarray:
    """Mean |contribution| per feature of a feature-major (F, n, C) array."""
    return np.abs(contrib).sum(2).mean(1)


def _same_slot(a: Edit, b: Edit) -> bool:
    """Whether ``b`` continues the drag that made ``a`` (same control, new value)."""
    if type(a) is not type(b):
        return False
    keep = [f for f in a.to_dict() if f not in _DRAGGED]
    da, db = a.to_dict(), b.to_dict()
    return all(da[f] == db[f] for f in keep)


class EditSession:
    """Edit a fitted NAM's shape functions and see what that does on a dataset.

    Parameters
    ----------
    model : NAMRegressor or NAMClassifier
        A fitted model; it is never modified.
    X : DataFrame or array-like of shape (n_samples, n_features)
        The data to watch (e.g. a validation set).
    y : array-like of shape (n_samples,), optional
        Its targets; needed for metrics.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights for the metrics.

    Attributes
    ----------
    model : estimator
        The model edits apply to (a retrained copy after :meth:`refit_others`).
    history : list of list of Edit
        Every action (a list of edits made together), including undone ones.
    position : int
        How many actions of ``history`` are applied.
    """

    def __init__(
        self, model: Any, X: Any, y: Any = None, *, sample_weight: Any = None
    ) -> None:
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(model)
        self.model = model
        self._frame = model._frame(X, reset=False)
        self._n = self._frame.shape[0]
        self.y = self._check_y(y)
        self.sample_weight = (
            None if sample_weight is None else np.asarray(sample_weight, float)
        )
        self.names: list[str] = list(model.feature_names_)
        self._x = raw_columns(model, self._frame)
        self._set_base(model)
        self._eta_original = self._eta.copy()
        self._eta_last = self._eta.copy()
        # a state's linear predictor is replaced, never written in place, so its
        # predictions and metrics are cached by the array's identity: a slider
        # move then computes them for "current" only
        self._cache: list[tuple[np.ndarray, str, Any]] = []
        self.history: list[list[Edit]] = []
        self.position = 0
        self.refits: list[pd.DataFrame] = []

    # ------------------------------------------------------------ set-up
    def _check_y(self, y: Any) -> np.ndarray | None:
        if y is None:
            return None
        arr = np.asarray(y)
        if arr.shape != (self._n,):
            raise ValueError(
                f"y has shape {arr.shape}, but X has {self._n} rows: they must match."
            )
        if hasattr(self.model, "classes_"):
            unknown = set(np.unique(arr).tolist()) - set(self.model.classes_.tolist())
            if unknown:
                raise ValueError(f"y has classes {sorted(unknown)} the model lacks.")
        elif not np.isfinite(arr.astype(float)).all():
            raise ValueError("y contains NaN or infinity.")
        return arr

    def _set_base(self, model: Any) -> None:
        # feature-major (F, n, C): a feature's column is contiguous to rewrite and
        # the linear predictor is F contiguous adds
        contrib = model.contributions_array(self._frame)  # (n, F, C), unedited
        self._base = np.ascontiguousarray(contrib.transpose(1, 0, 2))
        self._refs0 = references(model)
        self._current = self._base.copy()
        self._refs = list(self._refs0)
        self._intercept = np.asarray(model.intercept_, float).reshape(1, -1)
        self._eta = self._intercept + self._current.sum(0)
        self._importance = _importance(self._current)
        self._importance_base = self._importance.copy()

    def _cached(self, eta: np.ndarray, key: str, compute: Any) -> Any:
        for i, (a, k, v) in enumerate(self._cache):
            if a is eta and k == key:
                self._cache.insert(0, self._cache.pop(i))  # least recently used last
                return v
        v = compute()
        self._cache = [(eta, key, v)] + self._cache[:15]
        return v

    # ------------------------------------------------------------ reading
    @property
    def is_classifier(self) -> bool:
        """Whether the model is a classifier."""
        return hasattr(self.model, "classes_")

    @property
    def applied(self) -> list[Edit]:
        """The applied edits, flattened, in order."""
        return [e for action in self.history[: self.position] for e in action]

    def edits_for(self, feature: str | int) -> list[Edit]:
        """The applied edits of one feature."""
        name = self.names[self._index(feature)]
        return [e for e in self.applied if e.feature == name]

    @property
    def edited_features(self) -> list[str]:
        """Features with edits in force (applied, and not undone by a reset)."""
        applied = self.applied
        return [
            n for n in self.names if effective([e for e in applied if e.feature == n])
        ]

    def importance(self, state: str = "current") -> np.ndarray:
        """Mean |contribution| per feature over the session's rows.

        Summed over classes; ndarray of shape (n_features,).
        """
        return (
            self._importance if state == "current" else self._importance_base
        ).copy()

    def reference(
        self, feature: str | int, *, original: bool = False
    ) -> FeatureReference:
        """A feature's function on its grid, edited (default) or original."""
        j = self._index(feature)
        return self._refs0[j] if original else self._refs[j]

    def contributions(self, state: str = "current") -> np.ndarray:
        """Contribution matrix, ndarray of shape (n_samples, n_features, n_outputs).

        A read-only view: edit through the session's methods.
        """
        if state == "current":
            return self._current.transpose(1, 0, 2)
        if state == "original":
            return self._base.transpose(1, 0, 2)
        raise ValueError(f"state must be 'current' or 'original', got {state!r}.")

    def linear_predictor(self, state: str = "current") -> np.ndarray:
        """Linear predictor per state, ndarray of shape (n_samples, n_outputs)."""
        return {
            "original": self._eta_original,
            "last": self._eta_last,
            "current": self._eta,
        }[self._state(state)]

    def predictions(self, state: str = "current") -> np.ndarray:
        """Predictions: values (regression) or class probabilities (classifiers).

        A read-only array, shared between calls while the state is unchanged.
        """
        eta = self.linear_predictor(state)

        def compute() -> np.ndarray:
            pred = self.model.inverse_link(eta)
            pred.flags.writeable = False
            return pred

        return self._cached(eta, "pred", compute)

    @property
    def predictions_(self) -> np.ndarray:
        """Current predictions (shorthand for ``predictions()``)."""
        return self.predictions()

    def metrics(
        self, state: str = "current", *, auc: bool = True, fast: bool = False
    ) -> dict[str, Any]:
        """Metrics of one state on the session's data (scikit-learn's functions).

        Regression: rmse, mae, r2. Classification: roc_auc (skipped with
        ``auc=False``, its sort is the costly part at 1M rows), accuracy,
        balanced_accuracy, log_loss, brier, confusion_matrix. ``fast=True``
        computes the classification metrics other than AUC in numpy (equal to
        scikit-learn's to 1e-12, without their per-call label checks): the
        panel's live path.
        """
        y = self._need_y()
        return copy.deepcopy(
            self._cached(
                self.linear_predictor(state),
                f"metrics auc={auc} fast={fast}",
                lambda: self._metrics(y, self.predictions(state), auc, fast),
            )
        )

    def _metrics(
        self, y: np.ndarray, pred: np.ndarray, auc: bool, fast: bool
    ) -> dict[str, Any]:
        if fast and self.is_classifier:
            codes = np.searchsorted(self.model.classes_, y)
            out = {"roc_auc": roc_auc(codes, pred, self.sample_weight)} if auc else {}
            return out | fast_classification_metrics(
                codes, pred, len(self.model.classes_), self.sample_weight
            )
        return compute_metrics(
            self._task, y, pred, self._classes(), self.sample_weight, auc=auc
        )

    def metrics_table(
        self, *, auc: bool = True, fast: bool = False
    ) -> dict[str, dict[str, Any]]:
        """Metrics of the three states GAM Changer shows: original, last, current."""
        return {s: self.metrics(s, auc=auc, fast=fast) for s in STATES}

    def affected(self, against: str = "original", *, bins: int = 30) -> dict[str, Any]:
        """Who moved: rows whose prediction changed, by how much, class flips."""
        return affected(
            self.predictions(against), self.predictions(), self._task, bins=bins
        )

    def slice_metrics(
        self, feature: str | int, *, bins: int | Sequence[float] = 4, auc: bool = True
    ) -> pd.DataFrame:
        """Metrics per slice of a feature: its levels, or ranges of its values.

        Returns a long DataFrame with columns slice, n, metric, original, current.
        """
        j = self._index(feature)
        return slice_metrics(
            self._x[j],
            self._refs0[j].kind,
            self._need_y(),
            self.predictions("original"),
            self.predictions(),
            self._task,
            self._classes(),
            bins=bins,
            auc=auc,
        )

    # ----------------------------------------------------------- editing
    def apply(self, *edits: Edit, merge: bool = False) -> EditSession:
        """Apply edits as one undoable action.

        Parameters
        ----------
        *edits : Edit
        merge : bool, default=False
            Replace the last action instead of adding one, when it is a single
            edit of the same control: same kind, feature, category or knot
            positions, only the dragged value differs (a slider being dragged):
            the history keeps one step per drag, and "last" stays the state
            before the drag.

        Returns
        -------
        self
        """
        if not edits:
            raise ValueError("apply() needs at least one edit.")
        for e in edits:
            if not isinstance(e, Edit):
                raise TypeError(f"apply() takes Edit objects, got {type(e).__name__}.")
            self._index(e.feature)
        last = self.history[self.position - 1] if self.position else None
        merging = (
            merge
            and len(edits) == 1
            and last is not None
            and len(last) == 1
            and _same_slot(last[0], edits[0])
        )
        new_history = self.history[: self.position - (1 if merging else 0)] + [
            list(edits)
        ]
        self._commit(new_history, len(new_history), keep_last=merging)
        return self

    def _commit(
        self, history: list[list[Edit]], position: int, *, keep_last: bool
    ) -> None:
        """Recompute the features the change touches; all or nothing."""
        applied_old = self.applied
        applied_new = [e for a in history[:position] for e in a]
        touched = {
            f
            for f in {e.feature for e in applied_old + applied_new}
            if [e for e in applied_old if e.feature == f]
            != [e for e in applied_new if e.feature == f]
        }
        cols, refs = {}, {}
        for name in touched:
            j = self.names.index(name)
            mine = [e for e in applied_new if e.feature == name]
            cols[j], refs[j] = replay(mine, self._x[j], self._base[j], self._refs0[j])
        # nothing failed: swap in
        if not keep_last:
            self._eta_last = self._eta
        for j in cols:
            self._current[j] = cols[j]
            self._refs[j] = refs[j]
            self._importance[j] = _importance(cols[j][None])[0]
        self._eta = self._intercept + self._current.sum(0)
        self.history, self.position = history, position

    def zero(self, feature: str, *, message: str = "") -> EditSession:
        """Remove a feature's effect beyond the average."""
        return self.apply(Zero(feature=self._name(feature), message=message))

    def scale(
        self, feature: str, factor: float, *, message: str = "", merge: bool = False
    ) -> EditSession:
        """Multiply a feature's function by ``factor``."""
        return self.apply(
            Scale(feature=self._name(feature), factor=factor, message=message),
            merge=merge,
        )

    def shift(
        self, feature: str, amount: float, *, message: str = "", merge: bool = False
    ) -> EditSession:
        """Add ``amount`` to a feature's function."""
        return self.apply(
            Shift(feature=self._name(feature), amount=amount, message=message),
            merge=merge,
        )

    def clamp(
        self,
        feature: str,
        lo: float | None = None,
        hi: float | None = None,
        *,
        message: str = "",
    ) -> EditSession:
        """Clip a feature's contributions to [lo, hi]."""
        return self.apply(
            Clamp(feature=self._name(feature), lo=lo, hi=hi, message=message)
        )

    def flatten(
        self, feature: str, lo: float, hi: float, *, message: str = ""
    ) -> EditSession:
        """Make the function constant (its data-weighted mean) on [lo, hi]."""
        return self.apply(
            Flatten(feature=self._name(feature), x_lo=lo, x_hi=hi, message=message)
        )

    def monotone(
        self,
        feature: str,
        increasing: bool = True,
        lo: float | None = None,
        hi: float | None = None,
        *,
        message: str = "",
    ) -> EditSession:
        """Make the function monotone on [lo, hi] (isotonic regression)."""
        return self.apply(
            Monotone(
                feature=self._name(feature),
                increasing=increasing,
                x_lo=lo,
                x_hi=hi,
                message=message,
            )
        )

    def smooth(
        self,
        feature: str,
        bandwidth: float,
        lo: float | None = None,
        hi: float | None = None,
        *,
        message: str = "",
    ) -> EditSession:
        """Smooth the function on [lo, hi] with a Gaussian kernel."""
        return self.apply(
            Smooth(
                feature=self._name(feature),
                bandwidth=bandwidth,
                x_lo=lo,
                x_hi=hi,
                message=message,
            )
        )

    def set_knots(
        self,
        feature: str,
        offsets: Sequence[float],
        positions: Sequence[float] | None = None,
        *,
        spacing: str = "quantile",
        message: str = "",
        merge: bool = False,
    ) -> EditSession:
        """Add a piecewise-linear offset through knots (the knot sliders).

        ``positions`` default to ``len(offsets)`` knots on the feature's training
        quantiles (``spacing="quantile"``) or evenly spaced (``"even"``).
        """
        name = self._name(feature)
        if positions is None:
            positions = self.knot_positions(name, len(offsets), spacing=spacing)
        edit = Knots(
            feature=name,
            positions=tuple(positions),
            offsets=tuple(offsets),
            message=message,
        )
        return self.apply(edit, merge=merge)

    def knot_positions(
        self, feature: str, k: int, *, spacing: str = "quantile"
    ) -> tuple[float, ...]:
        """Default positions of ``k`` knots for a numeric feature."""
        return Knots.default_positions(self._refs0[self._index(feature)], k, spacing)

    def set_category(
        self,
        feature: str,
        category: str,
        value: float,
        *,
        message: str = "",
        merge: bool = False,
    ) -> EditSession:
        """Set one category's contribution."""
        return self.apply(
            SetCategoryValue(
                feature=self._name(feature),
                category=str(category),
                value=value,
                message=message,
            ),
            merge=merge,
        )

    def set_nan_value(
        self, feature: str, value: float, *, message: str = ""
    ) -> EditSession:
        """Set the contribution of a missing value."""
        return self.apply(
            SetNaNValue(feature=self._name(feature), value=value, message=message)
        )

    def reset_feature(self, feature: str, *, message: str = "") -> EditSession:
        """Return one feature to the model's function (undoable)."""
        return self.apply(Reset(feature=self._name(feature), message=message))

    def reset_all(self, *, message: str = "") -> EditSession:
        """Return every edited feature to the model's function (one undoable step)."""
        edited = self.edited_features
        if not edited:
            return self
        return self.apply(*(Reset(feature=n, message=message) for n in edited))

    def undo(self) -> bool:
        """Undo the last action; False when there is nothing to undo."""
        if self.position == 0:
            return False
        self._commit(self.history, self.position - 1, keep_last=False)
        return True

    def redo(self) -> bool:
        """Redo the next undone action; False when there is nothing to redo."""
        if self.position >= len(self.history):
            return False
        self._commit(self.history, self.position + 1, keep_last=False)
        return True

    @property
    def can_undo(self) -> bool:
        """Whether :meth:`undo` would do something."""
        return self.position > 0

    @property
    def can_redo(self) -> bool:
        """Whether :meth:`redo` would do something."""
        return self.position < len(self.history)

    # ------------------------------------------------------- persistence
    def to_json(self) -> str:
        """The history (with undone actions and the position) as JSON."""
        return history_to_json(
            self.history, self.position, self.model.fingerprint(), self.names
        )

    def load_json(self, text: str | bytes) -> EditSession:
        """Replace the history with one from :meth:`to_json`; unchanged on error."""
        history, position = history_from_json(
            text, self.model.fingerprint(), self.names
        )
        self._commit(history, position, keep_last=False)
        return self

    @classmethod
    def from_json(
        cls, model: Any, X: Any, y: Any, text: str | bytes, **kwargs: Any
    ) -> EditSession:
        """A new session over ``model`` and data with a saved history applied."""
        return cls(model, X, y, **kwargs).load_json(text)

    def to_model(self) -> EditedNAM:
        """An estimator that applies the current edits to new data."""
        return EditedNAM(self.model, self.applied)

    # -------------------------------------------------------- compensate
    def refit_others(
        self,
        epochs: int = 20,
        *,
        X: Any = None,
        y: Any = None,
        learning_rate: float | None = None,
    ) -> pd.DataFrame:
        """Retrain the unedited features' nets with the edited ones held fixed.

        The model can then recover accuracy through correlated features: remove
        a sensitive feature and its proxies absorb part of its effect. Trains on
        the session's data unless ``X``/``y`` are given. The session's model
        becomes the retrained copy; the edits stay.

        Returns
        -------
        DataFrame
            Per feature: importance before and after, and ``absorbed``: the share
            of the edits' removed effect (original minus edited linear predictor)
            that the feature's change now carries (least-squares projection).
        """
        held_names = self.edited_features
        if not held_names:
            raise ValueError("refit_others needs at least one edited feature to hold.")
        if (X is None) != (y is None):
            raise ValueError("Pass both X and y to refit on other data, or neither.")
        y_fit = self._need_y() if y is None else y
        frame = self._frame if X is None else self.model._frame(X, reset=False)
        if X is None:
            held_cols = {
                self.names.index(n): self._current[self.names.index(n)]
                for n in held_names
            }
        else:
            edited = self.to_model().contributions_array(frame)
            held_cols = {
                self.names.index(n): edited[:, self.names.index(n)] for n in held_names
            }
        removed = (
            (self._eta_original - self._eta)[:, 0]
            if self._eta.shape[1] == 1
            else (self._eta_original - self._eta).sum(1)
        )
        before = self._current.copy()
        new_model = self.model.refit_others(
            frame, y_fit, held_cols, epochs=epochs, learning_rate=learning_rate
        )
        eta_last = self._eta
        self.model = new_model
        self._set_base(new_model)
        self._recompute_all(self.history[: self.position])
        self._eta_last = eta_last
        delta = (self._current - before).sum(2).T  # (n, F)
        denom = float(removed @ removed) or 1.0
        report = pd.DataFrame(
            {
                "feature": self.names,
                "held": [n in held_names for n in self.names],
                "importance_before": _importance(before),
                "importance_after": self._importance.copy(),
                "absorbed": (delta * removed[:, None]).sum(0) / denom,
            }
        )
        self.refits.append(report)
        return report

    def _recompute_all(self, actions: list[list[Edit]]) -> None:
        applied = [e for a in actions for e in a]
        for j, name in enumerate(self.names):
            mine = [e for e in applied if e.feature == name]
            self._current[j], self._refs[j] = replay(
                mine, self._x[j], self._base[j], self._refs0[j]
            )
        self._eta = self._intercept + self._current.sum(0)
        self._importance = _importance(self._current)

    # ----------------------------------------------------------- helpers
    @property
    def _task(self) -> str:
        if not self.is_classifier:
            return "regression"
        return "binary" if len(self.model.classes_) == 2 else "multiclass"

    def _classes(self) -> np.ndarray | None:
        return self.model.classes_ if self.is_classifier else None

    def _need_y(self) -> np.ndarray:
        if self.y is None:
            raise ValueError("This needs targets: open the session with y.")
        return self.y

    def _state(self, state: str) -> str:
        if state not in STATES:
            raise ValueError(f"state must be one of {STATES}, got {state!r}.")
        return state

    def _index(self, feature: str | int) -> int:
        if isinstance(feature, int | np.integer) and not isinstance(feature, bool):
            if 0 <= int(feature) < len(self.names):
                return int(feature)
        elif feature in self.names:
            return self.names.index(feature)
        raise EditError(
            f"Unknown feature {feature!r}; the model's features are {self.names}."
        )

    def _name(self, feature: str | int) -> str:
        return self.names[self._index(feature)]

    def __repr__(self) -> str:
        return (
            f"EditSession({type(self.model).__name__}, {self._n} rows, "
            f"{self.position}/{len(self.history)} actions applied)"
        )
