"""scikit-learn estimators around the batched torch NAM."""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import numbers
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_array, check_random_state, column_or_1d
from sklearn.utils.validation import check_is_fitted, validate_data

from ..exceptions import InputError
from ._encoder import FeatureEncoder, as_frame
from ._nets import NAMModule
from ._training import TensorData, TrainConfig, train


def _resolve_device(device: str) -> torch.device:
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise ValueError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}.")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device={device!r} was asked for, but CUDA is not available.")
    return torch.device(device)


class _Threads:
    """Set torch's intra-op thread count for a block, then restore it."""

    def __init__(self, n: int | None) -> None:
        self.n, self.old = n, torch.get_num_threads()

    def __enter__(self) -> None:
        if self.n is not None:
            torch.set_num_threads(int(self.n))

    def __exit__(self, *exc: object) -> None:
        torch.set_num_threads(self.old)


class NAMBase(BaseEstimator):
    """Neural Additive Model: ``link(intercept + sum_j f_j(x_j))``.

    Parameters
    ----------
    units : {"relu", "exu"}, default="relu"
        First-layer unit of each feature net. ``"exu"`` is the NAM paper's unit for
        jagged functions; ``"relu"`` trains faster and smoother.
    hidden_sizes : tuple of int, default=(64, 64, 32)
        Layer widths of each feature net. The paper's ExU net is ``(1024, 64, 32)``
        and its ReLU net ``(64, 64, 32)``. The default trains California Housing to
        within 2% of its best validation RMSE in seconds on two cores.
    n_models : int, default=1
        Ensemble size: all members train together in one batched pass; the
        ensemble's f_j is the members' mean and their spread is the band.
    dropout : float, default=0.0
        Dropout on hidden units.
    feature_dropout : float, default=0.0
        Dropout of whole feature contributions during training.
    output_penalty : float, default=0.0
        Weight of the mean squared feature contribution in the loss.
    weight_decay : float, default=0.0
        L2 penalty on the feature nets' weights.
    learning_rate : float, default=3e-3
        Adam's learning rate.
    lr_decay : float, default=0.995
        Learning rate multiplied by this after each epoch.
    batch_size : int or "auto", default="auto"
        Rows per optimiser step; ``"auto"`` is an eighth of the training rows,
        between 32 and 512 (512 on anything over 4,096 rows).
    max_epochs : int, default=200
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the data, stop when its loss has not
        improved for ``patience`` epochs and restore the best weights.
    validation_fraction : float, default=0.15
    patience : int, default=15
    categorical_features : list of str or int, optional
        Columns to treat as categorical besides ``category``/``object``/``bool``.
    handle_unknown : {"error", "other"}, default="error"
        Unseen category at predict time: an error, or an "(other)" level's value.
    exu_cap : float, default=1.0
        The ``n`` of the ExU unit's ReLU-n.
    device : {"auto", "cpu", "cuda"}, default="auto"
    n_threads : int, optional
        Torch CPU threads while fitting and predicting (None: torch's setting).
    random_state : int, optional
        Seed for the initialisation, shuffling, dropout and validation split.
    verbose : int, default=1
        0 silences the progress bar.
    """

    _task: str = "regression"

    # learned attributes
    module_: NAMModule
    encoder_: FeatureEncoder
    n_features_in_: int
    feature_names_: list[str]  # column names, or x0, x1, ... for arrays
    feature_kinds_: list[str]  # "numeric" | "categorical", one per feature
    intercept_: float | npt.NDArray[np.float64]  # scalar, or [n_classes]
    n_outputs_: int
    history_: list[dict[str, float]]  # one record per epoch
    feature_importances_: npt.NDArray[np.float64]  # [n_features], mean |f_j|
    term_names_: list[str]  # one per term: a feature's name, or "a & b" for a pair
    term_features_: list[tuple[int, ...]]  # the feature indices of each term

    def __init__(
        self,
        *,
        units: str = "relu",
        hidden_sizes: tuple[int, ...] = (64, 64, 32),
        n_models: int = 1,
        dropout: float = 0.0,
        feature_dropout: float = 0.0,
        output_penalty: float = 0.0,
        weight_decay: float = 0.0,
        learning_rate: float = 3e-3,
        lr_decay: float = 0.995,
        batch_size: int | str = "auto",
        max_epochs: int = 200,
        early_stopping: bool = True,
        validation_fraction: float = 0.15,
        patience: int = 15,
        categorical_features: list[Any] | None = None,
        handle_unknown: str = "error",
        exu_cap: float = 1.0,
        device: str = "auto",
        n_threads: int | None = None,
        random_state: int | None = None,
        verbose: int = 1,
    ) -> None:
        self.units = units
        self.hidden_sizes = hidden_sizes
        self.n_models = n_models
        self.dropout = dropout
        self.feature_dropout = feature_dropout
        self.output_penalty = output_penalty
        self.weight_decay = weight_decay
        self.learning_rate = learning_rate
        self.lr_decay = lr_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.categorical_features = categorical_features
        self.handle_unknown = handle_unknown
        self.exu_cap = exu_cap
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):  # noqa: D105
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.string = True  # text columns are categorical features
        tags.non_deterministic = False
        return tags

    # ------------------------------------------------------------ checks
    def _check_params(self) -> None:
        def need(cond: bool, name: str, what: str) -> None:
            if not cond:
                raise ValueError(f"{name} must be {what}, got {getattr(self, name)!r}.")

        def is_int(v: Any) -> bool:
            return isinstance(v, numbers.Integral) and not isinstance(v, bool)

        need(self.units in ("relu", "exu"), "units", "'relu' or 'exu'")
        hs = self.hidden_sizes
        need(
            isinstance(hs, list | tuple)
            and len(hs) > 0
            and all(is_int(h) and h > 0 for h in hs),
            "hidden_sizes",
            "a non-empty tuple of positive ints",
        )
        need(is_int(self.n_models) and self.n_models >= 1, "n_models", "an int >= 1")
        for name in ("dropout", "feature_dropout", "validation_fraction"):
            v = getattr(self, name)
            need(isinstance(v, numbers.Real) and 0 <= v < 1, name, "in [0, 1)")
        for name in ("output_penalty", "weight_decay"):
            v = getattr(self, name)
            need(isinstance(v, numbers.Real) and v >= 0, name, "a float >= 0")
        need(
            isinstance(self.learning_rate, numbers.Real) and self.learning_rate > 0,
            "learning_rate",
            "a float > 0",
        )
        need(
            isinstance(self.lr_decay, numbers.Real) and 0 < self.lr_decay <= 1,
            "lr_decay",
            "in (0, 1]",
        )
        need(
            self.batch_size == "auto"
            or (is_int(self.batch_size) and self.batch_size >= 1),
            "batch_size",
            "'auto' or an int >= 1",
        )
        need(
            is_int(self.max_epochs) and self.max_epochs >= 1,
            "max_epochs",
            "an int >= 1",
        )
        need(is_int(self.patience) and self.patience >= 1, "patience", "an int >= 1")
        need(
            isinstance(self.exu_cap, numbers.Real) and self.exu_cap > 0,
            "exu_cap",
            "a float > 0",
        )
        need(
            self.n_threads is None or (is_int(self.n_threads) and self.n_threads >= 1),
            "n_threads",
            "None or an int >= 1",
        )

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        """Check X against the fit (names, count, order) and return a frame."""
        if not isinstance(X, pd.DataFrame):
            X = check_array(
                X, dtype=None, ensure_all_finite=False, ensure_min_samples=0
            )
        validate_data(self, X, reset=reset, skip_check_array=True)
        # scikit-learn's check names missing, unexpected and reordered columns
        frame = as_frame(X, None if reset else self.feature_names_)
        if not reset and frame.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {frame.shape[1]} features, but {type(self).__name__} is "
                f"expecting {self.n_features_in_} features as input."
            )
        return frame

    def _tensors(self, frame: pd.DataFrame) -> tuple[torch.Tensor, ...]:
        x_num, missing, x_cat = self.encoder_.transform(frame)
        dev = self._device_
        return (
            torch.from_numpy(x_num).to(dev),
            torch.from_numpy(missing).to(dev),
            torch.from_numpy(x_cat).to(dev),
        )

    def _encode_target(self, y: Any) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    # --------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NAMBase:
        """Train the model.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Numeric columns (NaN allowed) and categorical columns.
        y : array-like of shape (n_samples,)
            Targets or class labels.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative row weights.

        Returns
        -------
        self
        """
        self._check_params()
        frame = self._frame(X, reset=True)
        n = frame.shape[0]
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is "
                "None."
            )
        y_arr = np.asarray(y)
        if y_arr.ndim == 2 and y_arr.shape[1] == 1:
            y_arr = column_or_1d(y_arr, warn=True)
        if y_arr.ndim != 1:
            raise ValueError(f"y must be 1-dimensional, got shape {y_arr.shape}.")
        if y_arr.shape[0] != n:
            raise ValueError(
                f"X has {n} rows but y has {y_arr.shape[0]}: they must match."
            )
        target, n_outputs = self._encode_target(y_arr)
        w = self._check_sample_weight(sample_weight, n)
        self.feature_names_ = [str(c) for c in frame.columns]
        self.encoder_ = FeatureEncoder(self.categorical_features, self.handle_unknown)
        self.encoder_.fit(frame)
        self.feature_kinds_ = list(self.encoder_.kinds_)
        self.n_outputs_ = n_outputs
        self._device_ = _resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        with _Threads(self.n_threads), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if self._device_.type == "cuda":
                torch.cuda.manual_seed_all(seed)
            self.module_ = self._build_module().to(self._device_)
            data = self._data(frame, target, w)
            train_idx, valid_idx = self._split(target, seed)
            valid = data.rows(valid_idx) if valid_idx is not None else None
            gen = torch.Generator().manual_seed(seed)
            self.history_ = train(
                self.module_, data.rows(train_idx), valid, self._config(), gen
            )
            self._finish(data)
        return self

    def _check_sample_weight(self, sample_weight: Any, n: int) -> np.ndarray:
        if sample_weight is None:
            return np.ones(n, dtype=np.float32)
        w = np.asarray(sample_weight, dtype=np.float64)
        if w.ndim == 0:
            w = np.full(n, float(w))
        if w.shape != (n,):
            raise ValueError(
                f"sample_weight has shape {w.shape}, expected ({n},) to match X."
            )
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError("sample_weight must be finite and non-negative.")
        if w.sum() <= 0:
            raise ValueError("sample_weight sums to zero: no row would count.")
        return w.astype(np.float32)

    def _build_module(self) -> NAMModule:
        enc = self.encoder_
        num, cat = enc.numeric_index_, enc.categorical_index_
        module = NAMModule(
            n_numeric=len(num),
            n_levels=sum(len(enc.categories_[j]) for j in cat),
            feature_order=num + cat,
            n_members=self.n_models,
            n_outputs=self.n_outputs_,
            hidden_sizes=tuple(int(h) for h in self.hidden_sizes),
            units=self.units,
            dropout=float(self.dropout),
            exu_cap=float(self.exu_cap),
        )
        mask = torch.tensor([0.0 if c else 1.0 for c in enc.constant_])
        module.feature_mask.copy_(mask)
        return module

    def _data(
        self, frame: pd.DataFrame, target: np.ndarray, w: np.ndarray
    ) -> TensorData:
        x_num, missing, x_cat = self._tensors(frame)
        dev = self._device_
        return TensorData(
            x_num,
            missing,
            x_cat,
            torch.from_numpy(np.asarray(target, dtype=np.float32)).to(dev),
            torch.from_numpy(w).to(dev),
        )

    def _split(self, target: np.ndarray, seed: int):
        n = target.shape[0]
        idx = np.arange(n)
        n_valid = int(round(self.validation_fraction * n))
        if not self.early_stopping or n_valid < 1 or n - n_valid < 2:
            return torch.from_numpy(idx), None
        stratify = target if self._task != "regression" else None
        if stratify is not None and np.bincount(target.astype(int)).min() < 2:
            stratify = None
        tr, va = train_test_split(
            idx, test_size=n_valid, random_state=seed, stratify=stratify
        )
        return torch.from_numpy(np.sort(tr)), torch.from_numpy(np.sort(va))

    def _config(self, **overrides: Any) -> TrainConfig:
        cfg = TrainConfig(
            task=self._task_name(),
            learning_rate=float(self.learning_rate),
            lr_decay=float(self.lr_decay),
            batch_size=self.batch_size
            if self.batch_size == "auto"
            else int(self.batch_size),
            max_epochs=int(self.max_epochs),
            patience=int(self.patience) if self.early_stopping else None,
            weight_decay=float(self.weight_decay),
            output_penalty=float(self.output_penalty),
            feature_dropout=float(self.feature_dropout),
            verbose=int(self.verbose),
        )
        for k, v in overrides.items():
            setattr(cfg, k, v)
        return cfg

    def _task_name(self) -> str:
        return self._task

    def _inference_module(self) -> NAMModule:
        """The module in float64 on CPU, so that results do not depend on batching.

        float32 matmuls round differently for different batch sizes (1e-7 level);
        in float64 a row's prediction is the same alone or in any batch. The copy
        is cached until any weight or buffer changes in place.
        """
        m = self.module_
        if m.intercept.device.type != "cpu":
            return m.eval()
        tensors = itertools.chain(m.parameters(), m.buffers())
        key = (id(m), sum(t._version for t in tensors))
        cache = getattr(self, "_inference_cache", None)
        if cache is None or cache[0] != key:
            cache = (key, copy.deepcopy(m).double().eval())
            self._inference_cache = cache
        return cache[1]

    @torch.no_grad()
    def _member_contributions(
        self, data: TensorData, batch: int = 16384
    ) -> torch.Tensor:
        """(E, n, F, C) contributions, batched over rows to bound memory."""
        module = self._inference_module()
        dtype = module.intercept.dtype
        parts = [
            module(
                data.x_num[s : s + batch].to(dtype),
                data.missing[s : s + batch],
                data.x_cat[s : s + batch],
            )
            for s in range(0, data.x_num.shape[0], batch)
        ]
        return torch.cat(parts, 1)

    @torch.no_grad()
    def _finish(self, data: TensorData) -> None:
        """Centre each member's f_j on the fit data; fold target scaling in."""
        module = self.module_
        contrib = self._member_contributions(data)  # (E, n, F, C)
        w = (data.w / data.w.sum()).to(contrib.dtype)
        means = torch.einsum("enfc,n->efc", contrib, w)
        module.centers.add_(means)
        module.intercept.add_(means.sum(1))
        self._fold_target_scale()
        self._refresh_summary(data)

    def _fold_target_scale(self) -> None:
        """Regression trains on standardised y; classifiers have nothing to fold."""

    def _set_terms(self) -> None:
        """One main-effect term per feature (pairs come with the interactions)."""
        self.term_names_ = list(self.feature_names_)
        self.term_features_ = [(j,) for j in range(len(self.feature_names_))]

    @torch.no_grad()
    def _refresh_summary(self, data: TensorData) -> None:
        self._set_terms()
        contrib = self._member_contributions(data).mean(0)  # (n, F, C)
        w = (data.w / data.w.sum()).to(contrib.dtype)
        imp = torch.einsum("nfc,n->f", contrib.abs(), w)
        self.feature_importances_ = imp.double().cpu().numpy()
        intercept = self.module_.intercept.mean(0).double().cpu().numpy()
        self.intercept_ = float(intercept[0]) if self.n_outputs_ == 1 else intercept

    # ------------------------------------------------------ read interface
    def contributions_array(self, X: Any, *, members: bool = False) -> np.ndarray:
        """Centred feature contributions as an array.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
        members : bool, default=False
            Return every ensemble member's contributions instead of their mean.

        Returns
        -------
        ndarray of shape (n_samples, n_features, n_outputs)
            Or (n_models, n_samples, n_features, n_outputs) with ``members=True``.
            float64, on the linear-predictor (logit) scale.
        """
        check_is_fitted(self)
        frame = self._frame(X, reset=False)
        with _Threads(self.n_threads):
            x_num, missing, x_cat = self._tensors(frame)
            data = TensorData(x_num, missing, x_cat, x_num[:, :0], x_num[:, :0])
            contrib = self._member_contributions(data)
        out = contrib.double().cpu().numpy()
        return out if members else out.mean(0)

    def contributions(self, X: Any) -> pd.DataFrame:
        """Each feature's contribution f_j(x_j) to each row's linear predictor.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)

        Returns
        -------
        DataFrame of shape (n_samples, n_features)
            One column per feature, indexed like X. For a multiclass model the
            columns are a MultiIndex of (feature, class).
        """
        check_is_fitted(self)
        arr = self.contributions_array(X)
        index = X.index if isinstance(X, pd.DataFrame) else None
        if self.n_outputs_ == 1:
            return pd.DataFrame(arr[:, :, 0], columns=self.feature_names_, index=index)
        cols = pd.MultiIndex.from_product(
            [self.feature_names_, list(self.classes_)], names=["feature", "class"]
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
            raise ValueError(f"values must be 1-dimensional, got shape {values.shape}.")
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
        with _Threads(self.n_threads):
            out = self._member_contributions(data)[:, :, j].double().cpu().numpy()
        return out if members else out.mean(0)

    def feature_index(self, feature: str | int) -> int:
        """Position of a feature given by name or index, with a clear error."""
        check_is_fitted(self)
        if isinstance(feature, numbers.Integral) and not isinstance(feature, bool):
            if 0 <= int(feature) < self.n_features_in_:
                return int(feature)
            raise ValueError(
                f"Feature index {feature} is out of range: the model has "
                f"{self.n_features_in_} features."
            )
        if feature in self.feature_names_:
            return self.feature_names_.index(str(feature))
        raise ValueError(
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
        if self._task_name() == "regression":  # NAMClassifier keeps _task's default
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
                f"Term index {term} is out of range: the model has {len(names)} "
                "terms."
            )
        if term in names:
            return names.index(str(term))
        raise InputError(f"Unknown term {term!r}; the model's terms are {names}.")

    def term_functions(self) -> list[Any]:
        """One plain-data function per term (a ``ShapeFunction`` per main effect)."""
        check_is_fitted(self)
        from ..explain import shape_functions

        return shape_functions(self)

    def term_importances(self) -> np.ndarray:
        """Mean |f_t| of each term over the fit data, ndarray of shape (n_terms,)."""
        check_is_fitted(self)
        return np.array(self.feature_importances_, dtype=np.float64)

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
        """A hash of the fitted weights and encoding: identifies this exact model."""
        check_is_fitted(self)
        h = hashlib.sha256()
        h.update(json.dumps(self.encoder_.get_state(), sort_keys=True).encode())
        for key, tensor in sorted(self.module_.state_dict().items()):
            h.update(key.encode())
            h.update(tensor.detach().cpu().contiguous().numpy().tobytes())
        return h.hexdigest()[:16]

    def save(self, path: Any) -> None:
        """Save to a file that :func:`namwidgets.load` reads (no pickle inside)."""
        check_is_fitted(self)
        from ._io import save_model

        save_model(self, path)

    # ------------------------------------------------------------ refit
    def refit_others(
        self,
        X: Any,
        y: Any,
        held: dict[int, np.ndarray],
        *,
        epochs: int = 20,
        learning_rate: float | None = None,
        sample_weight: Any = None,
    ) -> NAMBase:
        """A copy whose non-held feature nets are retrained with held ones fixed.

        Parameters
        ----------
        X, y : the data to retrain on.
        held : dict of int to ndarray of shape (n_samples, n_outputs)
            For each held feature, its (edited) contributions on X; they enter the
            linear predictor as a fixed offset and their nets are not trained.
        epochs : int, default=20
            Epochs of warm-started training (with early stopping off).
        learning_rate : float, optional
            Defaults to a third of the fit's learning rate.

        Returns
        -------
        NAMBase
            A new fitted estimator; this one is unchanged.
        """
        from sklearn.base import clone

        check_is_fitted(self)
        frame = self._frame(X, reset=False)
        target, _ = self._encode_target(np.asarray(y), refit=True)
        w = self._check_sample_weight(sample_weight, frame.shape[0])
        new = clone(self)
        for attr, value in vars(self).items():
            if attr.endswith("_") and not attr.startswith("__"):
                setattr(new, attr, value)
        new.module_ = _copy_module(self.module_)
        new._prepare_refit()
        keep = [j for j in range(self.n_features_in_) if j not in held]
        offset = np.zeros((frame.shape[0], self.n_outputs_))
        for col in held.values():
            offset += np.asarray(col, dtype=np.float64).reshape(frame.shape[0], -1)
        with _Threads(self.n_threads), torch.random.fork_rng(devices=[]):
            seed = 0 if self.random_state is None else int(self.random_state)
            torch.manual_seed(seed)
            data = new._data(frame, new._scale_target(target), w)
            data.offset = (
                torch.from_numpy(new._scale_offset(offset)).float().to(new._device_)
            )
            cfg = new._config(
                max_epochs=int(epochs),
                patience=None,
                trainable_features=keep,
                learning_rate=float(learning_rate or self.learning_rate / 3),
                weight_decay=0.0,  # a held net gets zero gradient and must stay put
            )
            gen = torch.Generator().manual_seed(seed)
            new.history_ = train(new.module_, data, None, cfg, gen)
            data.offset = None
            new._recentre(data, keep)
        return new

    def _prepare_refit(self) -> None:
        """Undo target scaling folds so training sees the scale it trained on."""

    def _scale_target(self, target: np.ndarray) -> np.ndarray:
        return target

    def _scale_offset(self, offset: np.ndarray) -> np.ndarray:
        return offset

    @torch.no_grad()
    def _recentre(self, data: TensorData, keep: list[int]) -> None:
        self._fold_target_scale()
        contrib = self._member_contributions(data)
        w = (data.w / data.w.sum()).to(contrib.dtype)
        means = torch.einsum("enfc,n->efc", contrib, w)
        means[:, [j for j in range(self.n_features_in_) if j not in keep]] = 0.0
        self.module_.centers.add_(means)
        self.module_.intercept.add_(means.sum(1))
        self._refresh_summary(data)


def _copy_module(module: NAMModule) -> NAMModule:
    return copy.deepcopy(module)


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
        if np.iscomplexobj(y):
            raise ValueError("Complex data not supported in y.")
        try:
            t = np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as err:
            raise ValueError(f"y must be numeric for a regressor: {err}") from None
        if np.isnan(t).any():
            raise ValueError(
                f"y contains NaN (first at row {int(np.flatnonzero(np.isnan(t))[0])}); "
                "drop or impute those rows."
            )
        if not np.isfinite(t).all():
            raise ValueError("y contains infinity.")
        if not refit:
            self.y_mean_ = float(t.mean())
            std = float(t.std())
            self.y_scale_ = std if std > 0 else 1.0
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
        m.centers.mul_(s)
        m.intercept.mul_(s).add_(self.y_mean_)

    @torch.no_grad()
    def _prepare_refit(self) -> None:
        m, s = self.module_, self.y_scale_
        if m.nets is not None:
            m.nets.w_out.div_(s)
        m.nan_values.div_(s)
        m.cat_values.div_(s)
        m.centers.div_(s)
        m.intercept.sub_(self.y_mean_).div_(s)

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
        if pd.isna(pd.Series(y.astype(object))).any():
            raise ValueError("y contains missing values (NaN/None); drop those rows.")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError("y contains infinity.")
        if refit:
            unknown = sorted(set(np.unique(y).tolist()) - set(self.classes_.tolist()))
            if unknown:
                raise ValueError(f"y has classes {unknown} that fit did not see.")
            return np.searchsorted(self.classes_, y).astype(np.float64), self.n_outputs_
        from sklearn.utils.multiclass import type_of_target

        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}. NAMClassifier needs binary or "
                "multiclass labels."
            )
        enc = LabelEncoder().fit(y)
        self.classes_ = enc.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                f"y has only one class ({self.classes_[0]!r}); a classifier needs at "
                "least two classes."
            )
        n_out = 1 if len(self.classes_) == 2 else len(self.classes_)
        return enc.transform(y).astype(np.float64), n_out

    def inverse_link(self, eta: np.ndarray) -> np.ndarray:
        """Class probabilities from the linear predictor.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        check_is_fitted(self)
        eta = np.asarray(eta, dtype=np.float64).reshape(len(eta), -1)
        if eta.shape[1] == 1:
            p = 1.0 / (1.0 + np.exp(-eta[:, 0]))
            return np.column_stack([1.0 - p, p])
        z = eta - eta.max(1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(1, keepdims=True)

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
