"""The one face of a fitted additive model that the layers above the model see.

The edit session, the edited model, the charts' data and the panel read a model
only through :class:`AdditiveModel`. The NAM estimators implement it, and so does
the edited model (a base model plus edits), so an edited model can be edited,
explained and saved like any other; an adapter for another additive model (e.g.
InterpretML's EBM) implements it too.

A model predicts ``eta(x) = intercept_ + sum_t f_t(x_t)`` on the linear-predictor
scale and applies its link (:attr:`AdditiveModel.link`). A *term* ``t`` is one
feature (a main effect, named by the feature) or a pair of features (named
``"a & b"``, InterpretML's convention); ``term_features_[t]`` holds its feature
indices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

Link = Literal["identity", "logit", "softmax"]

#: What every protocol model has, checked by :func:`check_additive_model`.
REQUIRED = (
    "feature_names_",
    "feature_kinds_",
    "term_names_",
    "term_features_",
    "intercept_",
    "n_outputs_",
    "link",
    "check_X",
    "feature_values",
    "contributions_array",
    "term_functions",
    "term_importances",
    "inverse_link",
    "fingerprint",
)


@runtime_checkable
class AdditiveModel(Protocol):
    """A fitted additive model: names, terms, intercept, link, contributions.

    Attributes
    ----------
    feature_names_ : list of str
        Input column names, in the model's order.
    feature_kinds_ : list of {"numeric", "categorical"}
        One per feature.
    term_names_ : list of str
        One per term: a feature's name, or ``"a & b"`` for a pair.
    term_features_ : list of tuple of int
        The feature indices of each term.
    intercept_ : float or ndarray of shape (n_outputs,)
        On the linear-predictor scale.
    n_outputs_ : int
        1 for regression and binary classification, else the number of classes.
    link : {"identity", "logit", "softmax"}
        How the linear predictor becomes a prediction.
    """

    feature_names_: list[str]
    feature_kinds_: list[str]
    term_names_: list[str]
    term_features_: list[tuple[int, ...]]
    intercept_: float | npt.NDArray[np.float64]
    n_outputs_: int

    @property
    def link(self) -> Link:
        """The link from linear predictor to prediction."""
        ...

    def check_X(self, X: Any) -> pd.DataFrame:
        """Validate X against the fit: columns matched by name, in model order."""
        ...

    def feature_values(self, X: Any) -> list[npt.NDArray[Any]]:
        """Each feature's values as edits read them.

        Numeric: float64 with NaN for missing. Categorical: the model's labels
        (strings, with the model's labels for missing and unseen values).
        """
        ...

    def contributions_array(self, X: Any) -> npt.NDArray[np.float64]:
        """Term contributions, ndarray of shape (n_samples, n_terms, n_outputs)."""
        ...

    def term_functions(self) -> Sequence[Any]:
        """One plain-data function per term (``ShapeFunction`` for a main effect)."""
        ...

    def term_importances(self) -> npt.NDArray[np.float64]:
        """Mean absolute contribution of each term, shape (n_terms,)."""
        ...

    def inverse_link(self, eta: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """Predictions from the linear predictor.

        Regression: shape (n_samples,); classification: class probabilities of
        shape (n_samples, n_classes).
        """
        ...

    def fingerprint(self) -> str:
        """A hash of everything that changes a prediction."""
        ...


def check_additive_model(model: Any) -> AdditiveModel:
    """Return ``model`` if it is a fitted :class:`AdditiveModel`, else raise.

    Raises
    ------
    UnsupportedModelError
        Naming what the model lacks.
    sklearn.exceptions.NotFittedError
        For an estimator that is not fitted yet.
    """
    from .exceptions import UnsupportedModelError

    if hasattr(model, "fit") and hasattr(model, "get_params"):
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(model)
    missing = [name for name in REQUIRED if not hasattr(model, name)]
    if missing:
        raise UnsupportedModelError(
            f"{type(model).__name__} is not an additive model namwidgets can use: "
            f"it lacks {missing}. Pass a fitted NAMRegressor/NAMClassifier, an "
            "edited model, or a model wrapped in an adapter."
        )
    return model


def is_classifier_model(model: AdditiveModel) -> bool:
    """Whether the model's link gives class probabilities."""
    return model.link != "identity"


def model_classes(model: AdditiveModel) -> npt.NDArray[Any] | None:
    """The class labels of a classifier in its output order, else None."""
    if not is_classifier_model(model):
        return None
    return np.asarray(model.classes_)  # type: ignore[attr-defined]


__all__ = [
    "AdditiveModel",
    "Link",
    "check_additive_model",
    "is_classifier_model",
    "model_classes",
]
