"""The read side of a fitted NAM: contributions, the protocol, the fingerprint.

A mixin of :class:`~namwidgets.model.NAMBase`; everything here reads a fitted model
and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import numbers
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from sklearn.utils.validation import check_is_fitted

from ..exceptions import InputError
from ._checks import Threads, plain
from ._training import TensorData

if TYPE_CHECKING:
    from ._encoder import FeatureEncoder
    from ._nets import NAMModule


class ReadMixin:
    """Read methods of a fitted NAM (contributions, protocol, fingerprint, save)."""

    if TYPE_CHECKING:
        module_: NAMModule
        encoder_: FeatureEncoder
        n_features_in_: int
        n_outputs_: int
        feature_names_: list[str]
        feature_kinds_: list[str]
        term_names_: list[str]
        intercept_: Any
        feature_importances_: np.ndarray
        n_threads: int | None
        _task: str
        _device_: torch.device

        def _task_name(self) -> str: ...
        def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame: ...
        def _tensors(self, frame: pd.DataFrame) -> tuple[torch.Tensor, ...]: ...
        def _member_contributions(
            self, data: TensorData, batch: int = 16384
        ) -> torch.Tensor: ...

    def contributions_array(self, X: Any, *, members: bool = False) -> np.ndarray:
        """Centred term contributions as an array (main effects, then pairs).

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        members : bool, default=False
            Return every ensemble member's contributions instead of their mean.

        Returns
        -------
        ndarray of shape (n_samples, n_terms, n_outputs)
            Or (n_models, n_samples, n_terms, n_outputs) with ``members=True``.
            float64, on the linear-predictor (logit) scale; without pairs the
            terms are the features.
        """
        check_is_fitted(self)
        frame = self._frame(X, reset=False)
        with Threads(self.n_threads):
            x_num, missing, x_cat = self._tensors(frame)
            data = TensorData(x_num, missing, x_cat, x_num[:, :0], x_num[:, :0])
            contrib = self._member_contributions(data)
        out = contrib.double().cpu().numpy()
        return out if members else out.mean(0)

    def contributions(self, X: Any) -> pd.DataFrame:
        """Each term's contribution f_t(x_t) to each row's linear predictor.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame of shape (n_samples, n_terms)
            One column per term (``term_names_``: the features, then pairs named
            ``"a & b"``), indexed like X. For a multiclass model the columns are
            a MultiIndex of (term, class).
        """
        check_is_fitted(self)
        arr = self.contributions_array(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        if self.n_outputs_ == 1:
            return pd.DataFrame(arr[:, :, 0], columns=self.term_names_, index=index)
        cols = pd.MultiIndex.from_product(
            [self.term_names_, list(getattr(self, "classes_", []))],
            names=["term", "class"],
        )
        return pd.DataFrame(arr.reshape(arr.shape[0], -1), columns=cols, index=index)

    def feature_contributions(
        self, feature: str | int, values: Any, *, members: bool = False
    ) -> np.ndarray:
        """Evaluate one centred shape function at raw values of its feature.

        Parameters
        ----------
        feature : str or int
            The feature's name or position.
        values : array-like of shape (n_values,)
            Raw values: numbers (NaN for missing) or category labels.
        members : bool, default=False
            Return each member's values instead of the ensemble mean.

        Returns
        -------
        ndarray of shape (n_values, n_outputs), or (n_models, n_values, n_outputs)
        """
        check_is_fitted(self)
        j = self.feature_index(feature)
        values = np.asarray(
            values, dtype=object if self.feature_kinds_[j] != "numeric" else None
        )
        if values.ndim != 1:
            raise InputError(f"values must be 1-dimensional, got shape {values.shape}.")
        # evaluate every feature at a neutral input, then read column j
        enc, m = self.encoder_, len(values)
        num_idx, cat_idx = enc.numeric_index_, enc.categorical_index_
        x_num = np.zeros((m, len(num_idx)), np.float32)
        missing = np.zeros((m, len(num_idx)), bool)
        x_cat = np.zeros((m, len(cat_idx)), np.int64)
        offsets = enc.category_offsets()
        x_cat += offsets[None, :]
        if enc.kinds_[j] == "numeric":
            k = num_idx.index(j)
            x_num[:, k], missing[:, k] = enc.encode_numeric(j, values)
        else:
            k = cat_idx.index(j)
            x_cat[:, k] = enc.encode_categorical(j, values) + offsets[k]
        dev = self._device_
        data = TensorData(
            torch.from_numpy(x_num).to(dev),
            torch.from_numpy(missing).to(dev),
            torch.from_numpy(x_cat).to(dev),
            torch.zeros(0),
            torch.zeros(0),
        )
        with Threads(self.n_threads):
            out = self._member_contributions(data)[:, :, j].double().cpu().numpy()
        return out if members else out.mean(0)

    def feature_index(self, feature: str | int) -> int:
        """Position of a feature given by name or index, with a clear error."""
        check_is_fitted(self)
        if isinstance(feature, numbers.Integral) and not isinstance(feature, bool):
            if 0 <= int(feature) < self.n_features_in_:
                return int(feature)
            raise InputError(
                f"Feature index {feature} is out of range: the model has "
                f"{self.n_features_in_} features."
            )
        if feature in self.feature_names_:
            return self.feature_names_.index(str(feature))
        raise InputError(
            f"Unknown feature {feature!r}; the model's features are "
            f"{self.feature_names_}."
        )

    # ------------------------------------------- the AdditiveModel protocol
    @property
    def link(self) -> str:
        """How the linear predictor becomes a prediction.

        ``"identity"`` (regression), ``"logit"`` (binary) or ``"softmax"``.
        """
        check_is_fitted(self)
        task = self._task_name()  # NAMClassifier keeps NAMBase's _task
        if task == "regression":
            return "identity"
        return "logit" if self.n_outputs_ == 1 else "softmax"

    def check_X(self, X: Any) -> pd.DataFrame:
        """Check X against the fit and return it as a frame in the model's order.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame of shape (n_samples, n_features)
        """
        check_is_fitted(self)
        return self._frame(X, reset=False)

    def feature_values(self, X: Any) -> list[np.ndarray]:
        """Each feature's values as edits read them.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        list of ndarray of shape (n_samples,)
            Numeric: float64 with NaN for missing. Categorical: the model's
            labels (strings; missing as ``"(missing)"``, unseen as ``"(other)"``
            where the model has that level).
        """
        check_is_fitted(self)
        return self.encoder_.raw_values(self.check_X(X))

    def feature_summary(self, feature: str | int) -> dict[str, Any]:
        """Plain statistics of one feature on the training rows.

        Numeric: ``min``, ``max``, ``quantiles``, ``hist_edges``, ``hist_counts``,
        ``nan_count``, ``n``. Categorical: ``categories``, ``counts``.
        """
        check_is_fitted(self)
        return self.encoder_.summary(self.feature_index(feature))

    def term_index(self, term: str | int) -> int:
        """Position of a term given by name or index, with a clear error."""
        check_is_fitted(self)
        names = self.term_names_
        if isinstance(term, numbers.Integral) and not isinstance(term, bool):
            if 0 <= int(term) < len(names):
                return int(term)
            raise InputError(
                f"Term index {term} is out of range: the model has {len(names)} terms."
            )
        if term in names:
            return names.index(str(term))
        raise InputError(f"Unknown term {term!r}; the model's terms are {names}.")

    def term_functions(self) -> list[Any]:
        """One plain-data function per term.

        A ``ShapeFunction`` per main effect, then a ``PairFunction`` per pair.
        """
        check_is_fitted(self)
        from ..explain import pair_functions, shape_functions

        return [*shape_functions(self), *pair_functions(self)]

    def pair_surface(self, term: str | int) -> dict[str, Any]:
        """A pair term on its grid, as plain arrays (what ``PairFunction`` reads).

        Returns
        -------
        dict
            ``features`` (two indices), ``kinds``, ``axes`` (each axis's values:
            the raw values of a numeric feature's knots, or a categorical
            feature's levels), ``missing`` (per axis: whether its last slot is
            the missing value's), ``values`` (ndarray of shape (n_models, n_a,
            n_b, n_outputs), every member's purified grid) and ``counts`` (the fit
            rows' weight on each cell, shape (n_a, n_b)).
        """
        check_is_fitted(self)
        from ._interactions import pair_surface

        return pair_surface(self, self.term_index(term))

    def term_importances(self) -> np.ndarray:
        """Mean |f_t| of each term over the fit data, ndarray of shape (n_terms,)."""
        check_is_fitted(self)
        imp = getattr(self, "term_importances_", None)
        return np.array(self.feature_importances_ if imp is None else imp, np.float64)

    def linear_predictor(self, contributions: np.ndarray) -> np.ndarray:
        """``intercept_ + contributions.sum(1)``, shape (n_samples, n_outputs)."""
        check_is_fitted(self)
        return np.asarray(self.intercept_, dtype=np.float64).reshape(
            1, -1
        ) + contributions.sum(1)

    def shape_functions(self) -> list[Any]:
        """One :class:`~namwidgets.explain.ShapeFunction` per feature (plain data)."""
        check_is_fitted(self)
        return self.term_functions()

    def fingerprint(self) -> str:
        """A hash of everything that makes a prediction: identifies this exact model.

        It covers the class, the feature names and kinds, the names scikit-learn
        checks (``feature_names_in_``), the encoder's state (input maps, levels),
        every weight and buffer of the module, the intercept, the target scaling
        of a regressor and the classes of a classifier: a file whose metadata was
        changed in any of these (two names swapped, say) no longer matches.
        """
        check_is_fitted(self)
        h = hashlib.sha256()
        meta = {
            "class": type(self).__name__,
            "feature_names": list(self.feature_names_),
            "feature_kinds": list(self.feature_kinds_),
            "feature_names_in": plain(getattr(self, "feature_names_in_", None)),
            "n_features_in": int(self.n_features_in_),
            "n_outputs": int(self.n_outputs_),
            "intercept": plain(np.atleast_1d(np.asarray(self.intercept_, np.float64))),
            "y_mean": plain(getattr(self, "y_mean_", None)),
            "y_scale": plain(getattr(self, "y_scale_", None)),
            "classes": [str(c) for c in getattr(self, "classes_", [])],
            "encoder": plain(self.encoder_.get_state()),
        }
        h.update(json.dumps(meta, sort_keys=True).encode())
        for key, tensor in sorted(self.module_.state_dict().items()):
            h.update(key.encode())
            h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        pm = getattr(self, "pair_module_", None)
        if pm is not None:  # a model without pairs keeps its fingerprint
            h.update(json.dumps([list(p) for p in pm.pairs]).encode())
            for key, tensor in sorted(pm.state_dict().items()):
                h.update(f"pairs/{key}".encode())
                h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:16]

    def save(self, path: Any) -> None:
        """Save to a file that :func:`namwidgets.load` reads (no pickle inside)."""
        check_is_fitted(self)
        from ._base import NAMBase
        from ._io import save_model

        assert isinstance(self, NAMBase)
        save_model(self, path)
