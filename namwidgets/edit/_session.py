"""The edit session: a model, a dataset, and a history of edits over them.

The session reads its model only through the :class:`~namwidgets.AdditiveModel`
protocol, so it opens on a NAM, on an edited model, or on an adapter. It caches
the contribution matrix ``C[n_terms, n_rows, n_outputs]`` of its data; an edit
to term t recomputes column t only, so predictions and metrics after a slider
move cost O(n) numpy work, with no model call. Every array it hands out is
read-only (or a copy): a caller's write can never shift a later prediction.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..adapters import EBMAdapter, as_additive_model, edited_ebm
from ..exceptions import EditError, InputError, InputTypeError
from ..explain import ShapeFunction
from ..protocol import AdditiveModel, check_additive_model, model_classes
from ._actions import EditActions
from ._base import Edit
from ._blocks import copy_into
from ._edited import EditedModel
from ._feedback import SessionFeedback
from ._io import SessionFiles
from ._links import matches_model
from ._reference import FeatureReference
from ._replay import (
    ReplayMemo,
    edit_function,
    edits_of,
    effective,
    freeze,
    references,
    replay,
    term_x,
)
from ._state import (
    PartialSums,
    Recycler,
    StateCache,
    check_sample_weight,
    check_state,
    check_y,
    importance,
    linear_predictor,
    predictions_of,
    readonly,
    same_slot,
    term_major_contributions,
)


class EditSession(EditActions, SessionFeedback, SessionFiles):
    """Edit a fitted additive model's term functions and see what that does.

    Parameters
    ----------
    model : AdditiveModel or EBM
        A fitted model (a NAM, an ``EditedModel``, ...; an InterpretML EBM is
        wrapped in ``namwidgets.adapters.EBMAdapter``); it is never modified.
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
        self.model: AdditiveModel = check_additive_model(as_additive_model(model))
        self._frame = self.model.check_X(X)
        self._n = int(self._frame.shape[0])
        self.y = check_y(y, self._n, model_classes(self.model))
        self.sample_weight = check_sample_weight(sample_weight, self._n)
        self.names: list[str] = list(self.model.term_names_)
        self._x = [
            readonly(np.asarray(v)) for v in self.model.feature_values(self._frame)
        ]
        self._x_codes: dict[int, pd.Categorical] = {}
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
        # linear predictor is T contiguous adds; stored class-major underneath
        # ((T, C, n) seen through a transpose, _layout.empty_outputs), so each
        # class's column of a term is contiguous too
        self._base = term_major_contributions(model, self._frame)
        self._base.flags.writeable = False
        self._functions0 = [freeze(sf) for sf in model.term_functions()]
        self._refs0 = references(self._functions0)
        # copy-on-write: contributions() hands out views of _current, so the
        # first edit after one was handed out writes into a fresh copy (a
        # caller's "before" array never changes under them). Unedited, the
        # working matrix is the (read-only) base itself: the copy waits for the
        # first edit, so an open holds one n x T matrix, not two
        self._current = self._base
        self._current_shared = True
        self._refs = list(self._refs0)
        self._intercept = np.asarray(model.intercept_, float).reshape(1, -1)
        self._importance = importance(self._current)
        self._importance_base = self._importance.copy()
        self._set_eta()
        # the blocked in-place link, where it is the model's to the bit
        self._link = model.link if matches_model(model, self._eta) else None

    def _set_eta(self, changed: set[int] | None = None) -> None:
        """The current state's linear predictor, after ``changed`` columns moved.

        ``None``: any column may have changed. When only one term's column
        changed, the kept sums of the other terms (``PartialSums``) give the
        same bits from fewer columns: kept on a term's second edit in a row,
        reused while it alone is edited (a drag, undo and redo of it),
        forgotten otherwise.
        """
        pool = self.__dict__.setdefault("_pool", Recycler())
        sums = self.__dict__.setdefault("_partial", PartialSums())
        out = pool.empty(self._current.shape[1:])
        many = self._current.shape[0] >= PartialSums.MIN_TERMS
        t = None
        if changed is not None and len(changed) == 1 and many:
            (t,) = changed
        if changed != set() and sums.term != t:  # other columns moved
            sums.forget()
        if t is not None and sums.term is None and sums.last == t:
            sums.keep(self._current, t)
        if t is not None and sums.term == t:
            eta = sums.linear_predictor(self._current, self._intercept, out)
        else:
            eta = linear_predictor(self._current, self._intercept, out)
        if changed != set():
            sums.last = t
        eta.flags.writeable = False
        self._eta = eta
        if hasattr(self, "_cache"):  # only live states' predictions stay cached
            live = [self._eta_original, self._eta_last, eta]
            self._cache.retain(live)

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
        """Per term: ``"numeric"``, ``"categorical"`` or ``"pair"``."""
        return [ref.kind for ref in self._refs0]

    @property
    def main_effects(self) -> list[str]:
        """The names of the main-effect terms (one feature each), in term order."""
        return [n for n, f in zip(self.names, self.model.term_features_) if len(f) == 1]

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
        """Whether AUC is recomputed on every edit: yes, at any size.

        Up to ``LIVE_AUC_MAX_ROWS`` rows by scikit-learn's exact sort; beyond, by
        an O(n) histogram whose error bound is checked to be under 1e-4 (the
        exact sort where it is not, e.g. for scores with many ties).
        """
        return True

    def feature_values(self, term: str | int) -> npt.NDArray[Any]:
        """A main-effect term's raw values on the session's rows (read-only).

        Numeric: float64 with NaN for missing; categorical: the model's labels.
        """
        return self._x[self._feature(term)]

    def _edit_x(self, t: int) -> Any:
        """What term ``t``'s edits read as x (a pair's: both coordinates, kept).

        A categorical feature's labels go as a ``pandas.Categorical`` (built on
        its first edit, then kept): setting a level compares integer codes, not
        a million Python strings.
        """
        features, ref = self.model.term_features_[t], self._refs0[t]
        if len(features) == 1 and ref.kind == "categorical":
            j = int(features[0])
            if j not in self._x_codes:
                codes, levels = pd.factorize(self._x[j])
                self._x_codes[j] = pd.Categorical.from_codes(codes, levels)
            return self._x_codes[j]
        if len(features) == 1:
            return term_x(features, self._x, self._n, ref)
        kept = self.__dict__.setdefault("_pair_x", {})
        if t not in kept or kept[t][0] is not ref:
            kept[t] = (ref, term_x(features, self._x, self._n, ref))
        return kept[t][1]

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
        return [self.term_function(t, state) for t in range(len(self.names))]

    def term_function(self, term: str | int, state: str = "current") -> ShapeFunction:
        """One term's function in a state (see :meth:`term_functions`)."""
        t = self._index(term)
        state = check_state(state)
        actions: list[list[Edit]]
        if state == "original":
            functions, refs, actions = self._functions0, self._refs0, []
        elif state == "last":
            functions, refs, actions, _ = self._last
        else:
            functions, refs = self._functions0, self._refs0
            actions = self.history[: self.position]
        mine = edits_of([e for a in actions for e in a], self.names[t])
        imp = float(self.importance(state)[t])
        return edit_function(functions[t], refs[t], mine, importance=imp)

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
        sf = self.term_function(t, state)
        if sf.nan_value is not None:
            return float(np.atleast_1d(sf.nan_value)[int(class_index)])
        rows = np.flatnonzero(np.isnan(self.feature_values(t)))
        if len(rows) == 0:
            return None
        return float(self.row_contributions(int(rows[0]), state)[t, int(class_index)])

    def contributions(self, state: str = "current") -> npt.NDArray[np.float64]:
        """Contribution matrix, ndarray of shape (n_samples, n_terms, n_outputs).

        A read-only view ("current" or "original"): edit through the session.
        It is a snapshot: a later edit writes into a new array, so an array
        taken before an edit keeps the values it had.
        """
        if state == "current":
            self._current_shared = True
            return readonly(self._current.transpose(1, 0, 2))
        if state == "original":
            return readonly(self._base.transpose(1, 0, 2))
        raise InputError(f"state must be 'current' or 'original', got {state!r}.")

    def row_contributions(
        self, row: int, state: str = "current"
    ) -> npt.NDArray[np.float64]:
        """One row's contributions, a new array of shape (n_terms, n_outputs).

        Parameters
        ----------
        row : int
            Row position in the session's data.
        state : {"current", "original"}, default="current"
        """
        if isinstance(row, bool) or not isinstance(row, numbers.Integral):
            raise InputError(f"row must be an integer, got {row!r}.")
        r = int(row)
        if not 0 <= r < self._n:
            raise InputError(
                f"row {r} is out of range: the session has {self._n} rows."
            )
        if state == "current":
            return self._current[:, r, :].copy()
        if state == "original":
            return self._base[:, r, :].copy()
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
            pred = predictions_of(
                self.model, eta, self.__dict__.get("_pool"), link=self._link
            )
            pred.flags.writeable = False
            return pred

        return self._cache.get(eta, "pred", compute)

    @property
    def predictions_(self) -> npt.NDArray[np.float64]:
        """Current predictions (shorthand for ``predictions()``)."""
        return self.predictions()

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
        memo = self.__dict__.setdefault("_replay_memo", ReplayMemo())
        for name in touched:
            t = self.names.index(name)
            cols[t], refs[t] = memo.replay(
                self._base,
                t,
                edits_of(applied_new, name),
                self._edit_x(t),
                self._base[t],
                self._refs0[t],
            )
        # nothing failed: swap in
        if not keep_last:
            self._snapshot_last()
        current = self._writable_current()
        for t in cols:
            copy_into(current[t], cols[t])
            self._refs[t] = refs[t]
            self._importance[t] = importance(cols[t][None])[0]
        self._set_eta(set(cols))
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

    @classmethod
    def from_json(
        cls, model: Any, X: Any, y: Any, text: str | bytes, **kwargs: Any
    ) -> EditSession:
        """A new session over ``model`` and data with a saved history applied."""
        return cls(model, X, y, **kwargs).load_json(text)

    def to_model(self) -> Any:
        """The edited model: the session's model with the applied edits.

        An ``EditedModel``; for a session on an EBM, an EBM again: a deep copy
        whose edited terms' ``term_scores_`` carry the edits (see
        ``namwidgets.adapters.edited_ebm``), the original untouched.
        """
        edited = EditedModel(self.model, tuple(self.applied))
        if isinstance(self.model, EBMAdapter):
            return edited_ebm(self.model, edited, self.edited_terms)
        return edited

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
        a sensitive feature and its proxies absorb part of its effect. The
        unedited main effects and pairs are retrained (a pair on an edited main
        effect is held as it is), the retrained pairs purified again. Trains on
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
        current = self._writable_current()
        for t, name in enumerate(self.names):
            current[t], self._refs[t] = replay(
                edits_of(applied, name),
                self._edit_x(t),
                self._base[t],
                self._refs0[t],
            )
        self._importance = importance(self._current)
        self._set_eta()

    # ----------------------------------------------------------- helpers
    def _writable_current(self) -> npt.NDArray[np.float64]:
        """``_current``, copied first when a view of it was handed out."""
        if self._current_shared:
            self._current = self._current.copy(order="K")  # keeps class-major
            self._current_shared = False
        return self._current

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
