"""The edit session: a model, a dataset, and a history of edits over them.

The session reads its model only through the :class:`~namwidgets.AdditiveModel`
protocol, so it opens on a NAM, on an edited model, or on an adapter. It caches
the contribution matrix ``C[n_terms, n_rows, n_outputs]`` of its data; an edit
to term t recomputes column t only, so predictions and metrics after a slider
move cost O(n) numpy work, with no model call. Every array it hands out is
read-only (or a copy): a caller's write can never shift a later prediction.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import EditError, InputError, InputTypeError
from ..explain import ShapeFunction
from ..protocol import check_additive_model, model_classes
from ._actions import EditActions
from ._base import Edit
from ._edited import EditedModel
from ._io import history_from_json, history_to_json
from ._metrics import (
    affected,
    compute_metrics,
    fast_classification_metrics,
    roc_auc,
    slice_metrics,
)
from ._reference import FeatureReference
from ._replay import edit_function, edits_of, effective, references, replay
from ._state import (
    LIVE_AUC_MAX_ROWS,
    STATES,
    StateCache,
    check_sample_weight,
    check_state,
    check_y,
    importance,
    readonly,
    same_slot,
)


class EditSession(EditActions):
    """Edit a fitted additive model's term functions and see what that does.

    Parameters
    ----------
    model : AdditiveModel
        A fitted model (a NAM, an ``EditedModel``, ...); it is never modified.
    X : DataFrame or array-like of shape (n_samples, n_features)
        The data to watch (e.g. a validation set).
    y : array-like of shape (n_samples,), optional
        Its targets; needed for metrics.
    sample_weight : array-like of shape (n_samples,), optional
        Row weights for every metric (finite, >= 0, not all zero).

    Attributes
    ----------
    model : AdditiveModel
        The model edits apply to (a retrained copy after :meth:`refit_others`).
    history : list of list of Edit
        Every action (a list of edits made together), including undone ones.
    position : int
        How many actions of ``history`` are applied.
    """

    def __init__(
        self, model: Any, X: Any, y: Any = None, *, sample_weight: Any = None
    ) -> None:
        self.model = check_additive_model(model)
        self._frame = self.model.check_X(X)
        self._n = int(self._frame.shape[0])
        self.y = check_y(y, self._n, model_classes(self.model))
        self.sample_weight = check_sample_weight(sample_weight, self._n)
        self.names: list[str] = list(self.model.term_names_)
        self._x = [
            readonly(np.asarray(v)) for v in self.model.feature_values(self._frame)
        ]
        self._set_base(self.model)
        self._eta_original = self._eta
        self._snapshot_last()
        self._cache = StateCache()
        self.history: list[list[Edit]] = []
        self.position = 0
        self.refits: list[pd.DataFrame] = []

    # ------------------------------------------------------------ set-up
    def _set_base(self, model: Any) -> None:
        # term-major (T, n, C): a term's column is contiguous to rewrite and the
        # linear predictor is T contiguous adds
        contrib = np.asarray(model.contributions_array(self._frame), dtype=np.float64)
        self._base = np.ascontiguousarray(contrib.transpose(1, 0, 2))
        self._base.flags.writeable = False
        self._functions0 = list(model.term_functions())
        self._refs0 = references(self._functions0)
        self._current = self._base.copy()
        self._refs = list(self._refs0)
        self._intercept = np.asarray(model.intercept_, float).reshape(1, -1)
        self._importance = importance(self._current)
        self._importance_base = self._importance.copy()
        self._set_eta()

    def _set_eta(self) -> None:
        eta = self._intercept + self._current.sum(0)
        eta.flags.writeable = False
        self._eta = eta

    def _snapshot_last(self) -> None:
        """Make the current state the "last" one (before the next action)."""
        self._eta_last = self._eta
        self._last = (
            self._functions0,
            self._refs0,
            list(getattr(self, "history", [])[: getattr(self, "position", 0)]),
            self._importance.copy(),
        )

    # ------------------------------------------------------ names, data
    @property
    def n_rows(self) -> int:
        """Number of rows of the session's data."""
        return self._n

    @property
    def term_names(self) -> list[str]:
        """The model's term names, in its order (``names`` is the same list)."""
        return list(self.names)

    @property
    def term_kinds(self) -> list[str]:
        """``"numeric"`` or ``"categorical"`` per term (its feature's kind)."""
        return [ref.kind for ref in self._refs0]

    @property
    def classes(self) -> npt.NDArray[Any] | None:
        """The class labels in the model's ``classes_`` order, or None."""
        classes = model_classes(self.model)
        return None if classes is None else readonly(np.asarray(classes))

    @property
    def is_classifier(self) -> bool:
        """Whether the model is a classifier."""
        return self.classes is not None

    @property
    def auc_is_live(self) -> bool:
        """Whether AUC is recomputed on every edit (``n_rows <= 50_000``)."""
        return self._n <= LIVE_AUC_MAX_ROWS

    def feature_values(self, term: str | int) -> npt.NDArray[Any]:
        """A main-effect term's raw values on the session's rows (read-only).

        Numeric: float64 with NaN for missing; categorical: the model's labels.
        """
        return self._x[self._feature(term)]

    def _feature(self, term: str | int) -> int:
        t = self._index(term)
        features = tuple(self.model.term_features_[t])
        if len(features) != 1:
            raise EditError(f"Term {self.names[t]!r} is not a main effect.")
        return int(features[0])

    # ------------------------------------------------------------ reading
    @property
    def applied(self) -> list[Edit]:
        """The applied edits, flattened, in order."""
        return [e for action in self.history[: self.position] for e in action]

    def edits_for(self, term: str | int) -> list[Edit]:
        """The applied edits of one term."""
        return edits_of(self.applied, self._name(term))

    @property
    def edited_features(self) -> list[str]:
        """Terms with edits in force (applied, and not undone by a reset)."""
        applied = self.applied
        return [n for n in self.names if effective(edits_of(applied, n))]

    edited_terms = edited_features

    def importance(self, state: str = "current") -> npt.NDArray[np.float64]:
        """Mean |contribution| per term over the session's rows (a copy).

        Summed over classes; ndarray of shape (n_terms,).
        """
        state = check_state(state)
        if state == "original":
            return self._importance_base.copy()
        if state == "last":
            return self._last[3].copy()
        return self._importance.copy()

    def reference(self, term: str | int, *, original: bool = False) -> FeatureReference:
        """A term's function on its grid, edited (default) or original."""
        j = self._index(term)
        return self._refs0[j] if original else self._refs[j]

    def term_functions(self, state: str = "current") -> list[ShapeFunction]:
        """Each term's function in a state: values, band, NaN value, importance.

        ``importance`` is the state's mean |contribution| over the session's rows
        (as :meth:`importance`); the rest is the model's function with the
        state's edits applied (see ``EditedModel.term_functions``).
        """
        state = check_state(state)
        if state == "original":
            functions, refs, actions = self._functions0, self._refs0, []
        elif state == "last":
            functions, refs, actions, _ = self._last
        else:
            functions, refs, actions = (
                self._functions0,
                self._refs0,
                self.history[: self.position],
            )
        applied = [e for a in actions for e in a]
        imp = self.importance(state)
        return [
            edit_function(sf, ref, edits_of(applied, sf.name), importance=float(i))
            for sf, ref, i in zip(functions, refs, imp)
        ]

    def nan_contribution(
        self, term: str | int, class_index: int = 0, state: str = "current"
    ) -> float | None:
        """The contribution a missing value of the term gets in a state.

        None for a categorical term, and for a numeric one whose model gives no
        value to a missing one (no missing training rows) while the session's
        data has no missing rows either.
        """
        t = self._index(term)
        if self._refs0[t].kind != "numeric":
            return None
        n_out = self._refs0[t].n_outputs
        if not 0 <= int(class_index) < n_out:
            raise InputError(f"class_index must be in [0, {n_out}), got {class_index}.")
        sf = self.term_functions(state)[t]
        if sf.nan_value is not None:
            return float(np.atleast_1d(sf.nan_value)[int(class_index)])
        rows = np.flatnonzero(np.isnan(self.feature_values(t)))
        if len(rows) == 0:
            return None
        return float(self.contributions(state)[rows[0], t, int(class_index)])

    def contributions(self, state: str = "current") -> npt.NDArray[np.float64]:
        """Contribution matrix, ndarray of shape (n_samples, n_terms, n_outputs).

        A read-only view ("current" or "original"): edit through the session.
        """
        if state == "current":
            return readonly(self._current.transpose(1, 0, 2))
        if state == "original":
            return readonly(self._base.transpose(1, 0, 2))
        raise InputError(f"state must be 'current' or 'original', got {state!r}.")

    def linear_predictor(self, state: str = "current") -> npt.NDArray[np.float64]:
        """Linear predictor per state, ndarray of shape (n_samples, n_outputs).

        Read-only, shared between calls while the state is unchanged.
        """
        return {
            "original": self._eta_original,
            "last": self._eta_last,
            "current": self._eta,
        }[check_state(state)]

    def predictions(self, state: str = "current") -> npt.NDArray[np.float64]:
        """Predictions: values (regression) or class probabilities (classifiers).

        A read-only array, shared between calls while the state is unchanged.
        """
        eta = self.linear_predictor(state)

        def compute() -> npt.NDArray[np.float64]:
            pred = np.array(self.model.inverse_link(eta), dtype=np.float64)
            pred.flags.writeable = False
            return pred

        return self._cache.get(eta, "pred", compute)  # type: ignore[no-any-return]

    @property
    def predictions_(self) -> npt.NDArray[np.float64]:
        """Current predictions (shorthand for ``predictions()``)."""
        return self.predictions()

    # ------------------------------------------------------------ metrics
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
        if fast and classes is not None:
            codes = np.searchsorted(classes, y)
            out = {"roc_auc": roc_auc(codes, pred, self.sample_weight)} if auc else {}
            return out | fast_classification_metrics(
                codes, pred, len(classes), self.sample_weight
            )
        return compute_metrics(
            self._task, y, pred, classes, self.sample_weight, auc=auc
        )

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

    # ----------------------------------------------------------- editing
    def apply(self, *edits: Edit, merge: bool = False) -> EditSession:
        """Apply edits as one undoable action.

        Parameters
        ----------
        *edits : Edit
        merge : bool, default=False
            Replace the last action instead of adding one, when it is a single
            edit of the same control: same kind, term, category or knot
            positions, only the dragged value differs (a slider being dragged):
            the history keeps one step per drag, and "last" stays the state
            before the drag.

        Returns
        -------
        self
        """
        if not edits:
            raise InputError("apply() needs at least one edit.")
        for e in edits:
            if not isinstance(e, Edit):
                raise InputTypeError(
                    f"apply() takes Edit objects, got {type(e).__name__}."
                )
            self._index(e.term)
        last = self.history[self.position - 1] if self.position else None
        merging = (
            merge
            and len(edits) == 1
            and last is not None
            and len(last) == 1
            and same_slot(last[0], edits[0])
        )
        new_history = self.history[: self.position - (1 if merging else 0)] + [
            list(edits)
        ]
        self._commit(new_history, len(new_history), keep_last=merging)
        return self

    def _commit(
        self, history: list[list[Edit]], position: int, *, keep_last: bool
    ) -> None:
        """Recompute the terms the change touches; all or nothing."""
        applied_old = self.applied
        applied_new = [e for a in history[:position] for e in a]
        touched = {
            name
            for name in {e.term for e in applied_old + applied_new}
            if edits_of(applied_old, name) != edits_of(applied_new, name)
        }
        cols, refs = {}, {}
        for name in touched:
            t = self.names.index(name)
            cols[t], refs[t] = replay(
                edits_of(applied_new, name),
                self.feature_values(t),
                self._base[t],
                self._refs0[t],
            )
        # nothing failed: swap in
        if not keep_last:
            self._snapshot_last()
        for t in cols:
            self._current[t] = cols[t]
            self._refs[t] = refs[t]
            self._importance[t] = importance(cols[t][None])[0]
        self._set_eta()
        self.history, self.position = history, position

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

    def to_model(self) -> EditedModel:
        """The edited model: the session's model with the applied edits."""
        return EditedModel(self.model, tuple(self.applied))

    # -------------------------------------------------------- compensate
    def refit_others(
        self,
        epochs: int = 20,
        *,
        X: Any = None,
        y: Any = None,
        learning_rate: float | None = None,
    ) -> pd.DataFrame:
        """Retrain the unedited terms with the edited ones held fixed (a NAM only).

        The model can then recover accuracy through correlated features: remove
        a sensitive feature and its proxies absorb part of its effect. Trains on
        the session's data unless ``X``/``y`` are given. The session's model
        becomes the retrained copy; the edits stay.

        Returns
        -------
        DataFrame
            Per term: importance before and after, and ``absorbed``: the share of
            the edits' removed effect (original minus edited linear predictor)
            that the term's change now carries (least-squares projection).

        Raises
        ------
        UnsupportedModelError
            When the model cannot retrain part of itself (it has no
            ``refit_others``, e.g. an ``EditedModel``).
        InputError
            For ``epochs`` < 1 or a ``learning_rate`` that is not > 0.
        """
        from ._refit import refit_others

        return refit_others(self, epochs, X=X, y=y, learning_rate=learning_rate)

    def _recompute_all(self) -> None:
        applied = self.applied
        for t, name in enumerate(self.names):
            self._current[t], self._refs[t] = replay(
                edits_of(applied, name),
                self.feature_values(t),
                self._base[t],
                self._refs0[t],
            )
        self._importance = importance(self._current)
        self._set_eta()

    # ----------------------------------------------------------- helpers
    @property
    def _task(self) -> str:
        classes = self.classes
        if classes is None:
            return "regression"
        return "binary" if len(classes) == 2 else "multiclass"

    def _need_y(self) -> npt.NDArray[Any]:
        if self.y is None:
            raise InputError("This needs targets: open the session with y.")
        return self.y

    def _index(self, term: str | int) -> int:
        if isinstance(term, int | np.integer) and not isinstance(term, bool):
            if 0 <= int(term) < len(self.names):
                return int(term)
        elif isinstance(term, str) and term in self.names:
            return self.names.index(term)
        raise EditError(f"Unknown term {term!r}; the model's terms are {self.names}.")

    def _name(self, term: str | int) -> str:
        return self.names[self._index(term)]

    def __repr__(self) -> str:
        return (
            f"EditSession({type(self.model).__name__}, {self._n} rows, "
            f"{self.position}/{len(self.history)} actions applied)"
        )
