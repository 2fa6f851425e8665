"""The edited model: a fitted additive model plus edits, as a scikit-learn estimator.

Shaped like scikit-learn's ``sklearn.frozen.FrozenEstimator``: its parameters are
the fitted base model and the edits; ``clone`` returns it unchanged; its tags and
fitted-ness are the base model's; ``fit`` trains nothing. It reads the base model
only through the :class:`~namwidgets.AdditiveModel` protocol and implements that
protocol itself, so an edited model can be explained, edited again (an
``EditSession`` opens on it) and saved like any model. No attribute is forwarded
implicitly: every read method is written here and is edit-aware.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Sequence
from copy import deepcopy
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.utils import get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..exceptions import EditError, InputError
from ..explain import ShapeFunction
from ..protocol import AdditiveModel, check_additive_model, is_classifier_model
from ._base import Edit
from ._reference import FeatureReference
from ._replay import (
    edit_function,
    edits_of,
    effective,
    freeze,
    references,
    replay,
    term_x,
)


def _base_has(attr: str) -> Any:
    def check(self: EditedModel) -> bool:
        getattr(self.estimator, attr)  # the base's own AttributeError
        return True

    return check


@dataclass(frozen=True)
class _Prepared:
    """What the edits need of the base model, computed once per (base, edits)."""

    key: tuple[str, tuple[Edit, ...]]
    functions: list[ShapeFunction]  # the base model's, unedited
    refs: list[FeatureReference]
    per_term: list[list[Edit]]  # each term's edits in force (after its last reset)
    edited: list[ShapeFunction]


class EditedModel(BaseEstimator):
    """A fitted additive model with edits applied: an estimator in its own right.

    Parameters
    ----------
    estimator : AdditiveModel
        The fitted base model (a ``NAMRegressor``/``NAMClassifier``, or another
        edited model). It is never modified.
    edits : tuple of Edit, default=()
        The edits, in order. They are checked against the base model on first
        use (and by :meth:`check_edits`, which ``namwidgets.load`` calls).

    Notes
    -----
    ``fit`` does not train, as with ``FrozenEstimator``: it checks that the base
    model is fitted and the edits fit it, and returns ``self``. So
    ``cross_val_score(edited, X, y)`` scores the edited model as it is on every
    fold, and ``Pipeline([..., ("model", edited)]).fit`` leaves the model alone.
    To retrain, fit a new base model and edit it again, or use
    ``EditSession.refit_others``.

    Importances and bands of edited terms: a term's band edges go through the
    same edits as its function; its importance is the base model's importance
    times the ratio of the edited to the unedited function's mean |f| under the
    training density (exact for categorical terms, for ``Zero`` and ``Scale``).

    Examples
    --------
    >>> edited = EditedModel(model, (Zero(feature="age"),))  # doctest: +SKIP
    >>> edited.predict(X)  # doctest: +SKIP
    """

    def __init__(self, estimator: AdditiveModel, edits: Sequence[Edit] = ()) -> None:
        self.estimator = estimator
        self.edits = edits

    # ------------------------------------------------------ scikit-learn
    def __sklearn_clone__(self) -> EditedModel:
        return self

    def __sklearn_is_fitted__(self) -> bool:
        base = self.estimator
        if not (hasattr(base, "fit") and hasattr(base, "get_params")):
            return True  # an adapter is fitted when it is made
        try:
            check_is_fitted(base)
        except NotFittedError:
            return False
        return True

    def __sklearn_tags__(self) -> Any:
        base = self.estimator
        if hasattr(base, "__sklearn_tags__"):
            return deepcopy(get_tags(base))
        from sklearn.utils import ClassifierTags, RegressorTags

        tags = super().__sklearn_tags__()  # an adapter: tags from its link
        tags.target_tags.required = True
        if is_classifier_model(base):
            tags.estimator_type, tags.classifier_tags = "classifier", ClassifierTags()
        else:
            tags.estimator_type, tags.regressor_tags = "regressor", RegressorTags()
        return tags

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """``{"estimator": ..., "edits": ...}``; the base's own are not included."""
        return {"estimator": self.estimator, "edits": self.edits}

    def set_params(self, **params: Any) -> EditedModel:
        """Set ``estimator`` and/or ``edits`` (nothing of the base model)."""
        unknown = sorted(set(params) - {"estimator", "edits"})
        if unknown:
            raise InputError(
                f"EditedModel has parameters 'estimator' and 'edits' only, got "
                f"{unknown}; set the base model's with edited.estimator.set_params."
            )
        for key, value in params.items():
            setattr(self, key, value)
        return self

    def fit(self, X: Any = None, y: Any = None, **fit_params: Any) -> EditedModel:
        """Train nothing: check the base model and the edits, return ``self``.

        The base model is never refitted (see the class notes).
        """
        check_is_fitted(self)
        self.check_edits()
        return self

    # ------------------------------------------------------------ edits
    def _prepared(self) -> _Prepared:
        base = check_additive_model(self.estimator)
        edits = tuple(self.edits)
        key = (base.fingerprint(), edits)
        cached = getattr(self, "_prepared_cache", None)
        if cached is not None and cached.key == key:
            return cached
        for i, e in enumerate(edits):
            if not isinstance(e, Edit):
                raise EditError(f"edits[{i}] is not an Edit: {e!r}")
        names = list(base.term_names_)
        for e in edits:
            if e.term not in names:
                raise EditError(
                    f"An edit names term {e.term!r}, which the model does not have "
                    f"(terms: {names})."
                )
        functions = [freeze(sf) for sf in base.term_functions()]
        refs = references(functions)
        per_term = [effective(edits_of(edits, name)) for name in names]
        for ref, mine in zip(refs, per_term):
            replay(mine, ref.grid, ref.grid_values, ref)  # validates every edit
        edited = [
            edit_function(sf, ref, mine)
            for sf, ref, mine in zip(functions, refs, per_term)
        ]
        prepared = _Prepared(key, functions, refs, per_term, edited)
        self._prepared_cache = prepared
        return prepared

    def check_edits(self) -> EditedModel:
        """Check every edit against the base model; raise ``EditError`` if one fails."""
        self._prepared()
        return self

    # ------------------------------------------------- the model's names
    @property
    def feature_names_(self) -> list[str]:
        """Input column names, as the base model's."""
        return list(self.estimator.feature_names_)

    @property
    def feature_kinds_(self) -> list[str]:
        """``"numeric"`` or ``"categorical"`` per feature."""
        return list(self.estimator.feature_kinds_)

    @property
    def term_names_(self) -> list[str]:
        """One name per term."""
        return list(self.estimator.term_names_)

    @property
    def term_features_(self) -> list[tuple[int, ...]]:
        """The feature indices of each term."""
        return [tuple(t) for t in self.estimator.term_features_]

    @property
    def intercept_(self) -> float | npt.NDArray[np.float64]:
        """The base model's intercept (edits change terms, not the intercept)."""
        return self.estimator.intercept_

    @property
    def n_outputs_(self) -> int:
        """Outputs per term: 1, or the number of classes for multiclass."""
        return int(self.estimator.n_outputs_)

    @property
    def n_features_in_(self) -> int:
        """Number of input columns."""
        return len(self.estimator.feature_names_)

    @property
    def feature_names_in_(self) -> npt.NDArray[Any]:
        """The input column names, as scikit-learn spells it."""
        names = getattr(self.estimator, "feature_names_in_", None)
        if names is None:
            raise AttributeError("The base model has no feature_names_in_.")
        return np.asarray(names)

    @property
    def classes_(self) -> npt.NDArray[Any]:
        """Class labels of a classifier (an ``AttributeError`` for a regressor)."""
        if not hasattr(self.estimator, "classes_"):
            raise AttributeError("A regression model has no classes_.")
        return np.asarray(self.estimator.classes_)

    @property
    def link(self) -> str:
        """The base model's link."""
        return str(self.estimator.link)

    # -------------------------------------------------- the read methods
    def check_X(self, X: Any) -> pd.DataFrame:
        """The base model's input check (columns matched by name)."""
        return self.estimator.check_X(X)

    def feature_values(self, X: Any) -> list[npt.NDArray[Any]]:
        """Each feature's raw values as edits read them (the base model's)."""
        return list(self.estimator.feature_values(X))

    def inverse_link(self, eta: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Predictions from the linear predictor (the base model's link)."""
        return self.estimator.inverse_link(eta)

    def contributions_array(self, X: Any) -> npt.NDArray[np.float64]:
        """Edited term contributions.

        Returns
        -------
        ndarray of shape (n_samples, n_terms, n_outputs)
        """
        check_is_fitted(self)
        prep = self._prepared()
        base = self.estimator
        frame = base.check_X(X)
        contrib = np.array(base.contributions_array(frame), dtype=np.float64)
        if not any(prep.per_term):
            return contrib
        xs = base.feature_values(frame)
        n = contrib.shape[0]
        for t, (ref, mine) in enumerate(zip(prep.refs, prep.per_term)):
            if mine:
                x = term_x(base.term_features_[t], xs, n, ref)
                contrib[:, t, :], _ = replay(mine, x, contrib[:, t, :], ref)
        return contrib

    def contributions(self, X: Any) -> pd.DataFrame:
        """Edited contributions: a column per term (per term and class, multiclass)."""
        arr = self.contributions_array(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        names = self.term_names_
        if arr.shape[2] == 1:
            return pd.DataFrame(arr[:, :, 0], columns=names, index=index)
        cols = pd.MultiIndex.from_product(
            [names, list(self.classes_)], names=["term", "class"]
        )
        return pd.DataFrame(arr.reshape(len(arr), -1), columns=cols, index=index)

    def linear_predictor(self, X: Any) -> npt.NDArray[np.float64]:
        """``intercept_ + sum_t g_t(x)``, ndarray of shape (n_samples, n_outputs)."""
        contrib = self.contributions_array(X)
        intercept = np.asarray(self.intercept_, dtype=np.float64).reshape(1, -1)
        return intercept + contrib.sum(1)

    def predict(self, X: Any) -> npt.NDArray[Any]:
        """Edited predictions: values, or class labels for a classifier."""
        pred = self.inverse_link(self.linear_predictor(X))
        if is_classifier_model(self):
            return self.classes_[np.asarray(pred).argmax(1)]
        return np.asarray(pred)

    @available_if(_base_has("predict_proba"))
    def predict_proba(self, X: Any) -> npt.NDArray[np.float64]:
        """Edited class probabilities, ndarray of shape (n_samples, n_classes)."""
        return np.asarray(self.inverse_link(self.linear_predictor(X)))

    @available_if(_base_has("decision_function"))
    def decision_function(self, X: Any) -> npt.NDArray[np.float64]:
        """The edited linear predictor: (n_samples,), or (n_samples, n_classes)."""
        eta = self.linear_predictor(X)
        return eta[:, 0] if eta.shape[1] == 1 else eta

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """R² (regression) or accuracy (classification) of the edited model."""
        from sklearn.metrics import accuracy_score, r2_score

        if is_classifier_model(self):
            return float(
                accuracy_score(y, self.predict(X), sample_weight=sample_weight)
            )
        return float(r2_score(y, self.predict(X), sample_weight=sample_weight))

    def term_functions(self) -> list[ShapeFunction]:
        """The edited term functions: values, band, NaN value and importance."""
        check_is_fitted(self)
        return list(self._prepared().edited)

    def shape_functions(self) -> list[ShapeFunction]:
        """Same as :meth:`term_functions` (the name the NAM also has)."""
        return self.term_functions()

    def term_importances(self) -> npt.NDArray[np.float64]:
        """Edited importance per term, ndarray of shape (n_terms,)."""
        return np.array([sf.importance for sf in self.term_functions()], dtype=float)

    @property
    def feature_importances_(self) -> npt.NDArray[np.float64]:
        """Edited importance per term (main effects: per feature)."""
        return self.term_importances()

    def fingerprint(self) -> str:
        """A hash of the base model's fingerprint and the edits."""
        check_is_fitted(self)
        h = hashlib.sha256(self.estimator.fingerprint().encode())
        h.update(json.dumps([e.to_dict() for e in self.edits], sort_keys=True).encode())
        return h.hexdigest()[:16]

    def save(self, path: Any) -> None:
        """Save the base model and its edits; ``namwidgets.load`` gives this back."""
        from ._io import save

        check_is_fitted(self)
        self.check_edits()
        save(self, path)


class EditedNAM(EditedModel):
    """Deprecated alias of :class:`EditedModel` (same behaviour).

    .. deprecated:: 0.2
        Use ``EditedModel(estimator, edits)``; ``EditedNAM`` goes in the next
        release.
    """

    def __init__(self, estimator: Any, edits: Sequence[Edit] = ()) -> None:
        warnings.warn(
            "EditedNAM is deprecated and will be removed in the next release; use "
            "namwidgets.edit.EditedModel(estimator, edits).",
            DeprecationWarning,
            stacklevel=2,
        )
        super().__init__(estimator, tuple(edits))
        self.check_edits()  # as EditedNAM did: a bad edit fails here

    @property
    def model(self) -> Any:
        """The base model (``EditedModel.estimator``)."""
        return self.estimator
