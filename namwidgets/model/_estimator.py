"""The NAM estimators: :class:`NAMRegressor` and :class:`NAMClassifier`.

The shared machinery is split by responsibility: parameter checks
(``_checks``), input handling (``_inputs``), fit, centring and inference
(``_base``), the read interface and protocol (``_interface``) and the refit
(``_refit``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.validation import check_is_fitted

from ..exceptions import InputError
from ._base import NAMBase
from ._checks import resolve_device as _resolve_device
from ._inputs import classification_labels, regression_target, target_scaling

__all__ = ["NAMBase", "NAMClassifier", "NAMRegressor", "_resolve_device"]


class NAMRegressor(RegressorMixin, NAMBase):
    """Neural Additive Model for regression (identity link, squared error).

    Parameters are those of :class:`NAMBase`.

    Attributes
    ----------
    intercept_ : float
        The mean prediction; ``intercept_ + contributions(X).sum(1) == predict(X)``.
    feature_names_ : list of str
        Column names, or ``x0, x1, ...`` for arrays.
    feature_kinds_ : list of {"numeric", "categorical"}
    feature_importances_ : ndarray of shape (n_features,)
        Mean |f_j| over the fit data.
    history_ : list of dict
        Train loss and validation RMSE per epoch.
    module_ : NAMModule
        The torch module.
    """

    _task = "regression"

    def _encode_target(
        self, y: np.ndarray, refit: bool = False
    ) -> tuple[np.ndarray, int]:
        t = regression_target(y)
        if not refit:
            self.y_mean_, self.y_scale_ = target_scaling(t)
            return (t - self.y_mean_) / self.y_scale_, 1
        return t, 1

    def _scale_target(self, target: np.ndarray) -> np.ndarray:
        return (target - self.y_mean_) / self.y_scale_

    def _scale_offset(self, offset: np.ndarray) -> np.ndarray:
        return offset / self.y_scale_

    @torch.no_grad()
    def _fold_target_scale(self) -> None:
        m, s = self.module_, self.y_scale_
        if m.nets is not None:
            m.nets.w_out.mul_(s)
        m.nan_values.mul_(s)
        m.cat_values.mul_(s)
        if m.step_values is not None:
            m.step_values.mul_(s)
        m.centers.mul_(s)
        m.intercept.mul_(s).add_(self.y_mean_)
        self._scale_pair_outputs(s)

    @torch.no_grad()
    def _prepare_refit(self) -> None:
        m, s = self.module_, self.y_scale_
        if m.nets is not None:
            m.nets.w_out.div_(s)
        m.nan_values.div_(s)
        m.cat_values.div_(s)
        if m.step_values is not None:
            m.step_values.div_(s)
        m.centers.div_(s)
        m.intercept.sub_(self.y_mean_).div_(s)
        self._scale_pair_outputs(1.0 / s)

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, ndarray of shape (n_samples,)."""
        check_is_fitted(self)
        return self.linear_predictor(self.contributions_array(X))[:, 0]

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        """Predictions from the linear predictor (identity), shape (n_samples,)."""
        check_is_fitted(self)
        return np.asarray(eta).reshape(len(eta), -1)[:, 0]


class NAMClassifier(ClassifierMixin, NAMBase):
    """Neural Additive Model for binary and multiclass classification.

    Binary: one logit per feature net and a sigmoid; multiclass: one output per
    class per feature net and a softmax. Parameters are those of :class:`NAMBase`.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    intercept_ : float or ndarray of shape (n_classes,)
        On the logit scale.
    feature_names_, feature_kinds_, feature_importances_, history_, module_
        As for :class:`NAMRegressor`.
    """

    classes_: npt.NDArray[Any]  # [n_classes]

    def _task_name(self) -> str:
        return "binary" if self.n_outputs_ == 1 else "multiclass"

    def _encode_target(
        self, y: np.ndarray, refit: bool = False
    ) -> tuple[np.ndarray, int]:
        y = classification_labels(y)
        if refit:
            unknown = sorted(set(np.unique(y).tolist()) - set(self.classes_.tolist()))
            if unknown:
                raise InputError(f"y has classes {unknown} that fit did not see.")
            return np.searchsorted(self.classes_, y).astype(np.float64), self.n_outputs_
        from sklearn.utils.multiclass import type_of_target

        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise InputError(
                f"Unknown label type: {kind!r}. NAMClassifier needs binary or "
                "multiclass labels."
            )
        enc = LabelEncoder().fit(y)
        self.classes_ = enc.classes_
        if len(self.classes_) < 2:
            raise InputError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at "
                "least two classes."
            )
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        return enc.transform(y).astype(np.float64), n_out

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        """Class probabilities from the linear predictor.

        A sigmoid (binary) or softmax of ``namwidgets.links``, whose ``exp``
        is the package's own: an edit session's probabilities are these, bit
        for bit.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        eta = np.asarray(eta, dtype=np.float64).reshape(len(eta), -1)
        from .. import links  # compiled on first use: numba loads only here

        return links.sigmoid(eta[:, 0]) if eta.shape[1] == 1 else links.softmax(eta)

    def decision_function(self, X: Any) -> np.ndarray:
        """The linear predictor ``intercept_ + sum_j f_j(x_j)``.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_classes) for multiclass
        """
        check_is_fitted(self)
        eta = self.linear_predictor(self.contributions_array(X))
        return eta[:, 0] if self.n_outputs_ == 1 else eta

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, ndarray of shape (n_samples, n_classes)."""
        check_is_fitted(self)
        return self.inverse_link(self.linear_predictor(self.contributions_array(X)))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels, ndarray of shape (n_samples,)."""
        check_is_fitted(self)
        return self.classes_[self.predict_proba(X).argmax(1)]
