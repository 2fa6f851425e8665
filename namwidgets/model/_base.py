"""NAMBase: parameters, fit, centring and the float64 inference path."""

from __future__ import annotations

import copy
import itertools
import warnings
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from ..exceptions import TrainingInterruptedWarning
from ._checks import Threads, check_params, normalised_categorical, resolve_device
from ._encoder import FeatureEncoder
from ._grid import feature_knots, step_points
from ._inputs import check_sample_weight, check_y, to_frame
from ._interactions import TermModule, fit_interactions, main_pause, pair_name
from ._interface import ReadMixin
from ._nets import NAMModule
from ._pair_nets import PairModule
from ._refit import RefitMixin
from ._training import PausedTraining, TensorData, TrainConfig, grid_pays, train
from ._weights_key import WeightsKey


class NAMBase(ReadMixin, RefitMixin, BaseEstimator):
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
        A level that a pandas ``category`` dtype declares but no training row has
        is known: it gets the value 0 (the average), with a ``DataWarning``.
    exu_cap : float, default=1.0
        The ``n`` of the ExU unit's ReLU-n.
    device : {"auto", "cpu", "cuda"}, default="auto"
    n_threads : int, optional
        Torch CPU threads while fitting and predicting. None: one thread while
        fitting (a step's ops are small and threads spin-wait beside other
        work), and while predicting torch's setting capped at the CPUs this
        process may really use (its CPU affinity and its cgroup CPU quota, as in
        a container or a Binder pod; torch alone sees the host's core count).
    interactions : int, "auto" or list of pairs, default="auto"
        Pair terms (GA²M): ``0`` keeps the model purely additive (exactly the
        model the main-effect stage alone gives); an int fits the best that many
        pairs, ranked by FAST on the main effects' residuals; ``"auto"`` as many
        pairs as features; a list of ``(feature, feature)`` (names or indices)
        fits exactly those. Pairs are kept only where they beat the main effects
        alone on validation by more than its noise. Searched pairs first face a
        pre-test (their cell lookups on the main effects' residuals must beat
        validation noise), so on data without interactions no pair net is
        trained and ``"auto"`` costs what ``0`` costs; where the pair stage runs
        and no pair helps, it gives up after a few epochs. Chosen by measurement
        on the five datasets of
        ``benchmarks/accuracy.py`` (``benchmarks/RESULTS.md``): the pairs take
        California Housing from RMSE 0.556 to 0.476 and are not kept on COMPAS,
        Adult, breast cancer or diabetes. Each pair is purified: its axis means
        live in the main effects, so ``interactions`` never changes what a
        main-effect plot means.
    random_state : int, optional
        Seed for the initialisation, shuffling, dropout and validation split.
    verbose : int, default=1
        0 silences the progress bar.

    Notes
    -----
    Missing values: a numeric feature that had missing values in training has a
    learned value for them; a NaN at predict time in a feature that had none is an
    ``InputError`` naming the column (the model never learned a value for it).

    Ctrl-C during ``fit`` ends training at the end of the current step, restores
    the best weights so far, completes the fit (centring, intercept,
    importances), marks the last ``history_`` record ``interrupted`` and issues a
    ``TrainingInterruptedWarning``. A re-fit trains a new module and swaps it in
    only when complete: a failed re-fit leaves the fitted model as it was.
    """

    _task: str = "regression"

    # learned attributes
    module_: NAMModule
    pair_module_: PairModule | None  # the pair terms, None without pairs
    pair_counts_: list[npt.NDArray[np.float64]]  # per pair: fit rows' cell weights
    term_importances_: npt.NDArray[np.float64]  # [n_terms], mean |f_t|
    encoder_: FeatureEncoder
    n_features_in_: int
    feature_names_: list[str]  # column names, or x0, x1, ... for arrays
    feature_kinds_: list[str]  # "numeric" | "categorical", one per feature
    intercept_: float | npt.NDArray[np.float64]  # scalar, or [n_classes]
    n_outputs_: int
    history_: list[dict[str, Any]]  # one record per epoch (and its stage)
    feature_importances_: npt.NDArray[np.float64]  # [n_features], mean |f_j|
    term_names_: list[str]  # one per term: a feature's name, or "a & b" for a pair
    term_features_: list[tuple[int, ...]]  # the feature indices of each term
    _device_: torch.device

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
        interactions: int | str | list[Any] = "auto",
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
        self.interactions = interactions
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
        check_params(self)

    def _frame(self, X: Any, *, reset: bool) -> pd.DataFrame:
        """Check X against the fit (names, count, order) and return a frame."""
        return to_frame(self, X, reset=reset)[0]

    def _check_sample_weight(self, sample_weight: Any, n: int) -> np.ndarray:
        return check_sample_weight(sample_weight, n)

    def _tensors(self, frame: pd.DataFrame) -> tuple[torch.Tensor, ...]:
        x_num, missing, x_cat = self.encoder_.transform(frame)
        dev = self._device_
        return (
            torch.from_numpy(x_num).to(dev),
            torch.from_numpy(missing).to(dev),
            torch.from_numpy(x_cat).to(dev),
        )

    def _encode_target(
        self, y: np.ndarray, refit: bool = False
    ) -> tuple[np.ndarray, int]:
        raise NotImplementedError

    # --------------------------------------------------------------- fit
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> NAMBase:
        """Train the model.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Numeric columns (NaN allowed) and categorical columns; a pandas,
            polars or pyarrow frame, a numpy array or a list of rows.
        y : array-like of shape (n_samples,)
            Targets or class labels.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative row weights.

        Returns
        -------
        self
        """
        # everything is learned on a shallow copy and swapped in when complete,
        # so an error or a Ctrl-C never leaves a fitted model half overwritten
        work = copy.copy(self)
        for attr in _fitted_attributes(self):
            delattr(work, attr)
        work._fit(X, y, sample_weight)
        for attr in _fitted_attributes(self):
            delattr(self, attr)
        for attr in _fitted_attributes(work):
            setattr(self, attr, getattr(work, attr))
        return self

    def _fit(self, X: Any, y: Any, sample_weight: Any) -> None:
        self._check_params()
        frame = self._frame(X, reset=True)
        n = frame.shape[0]
        y_arr = check_y(y, n, type(self).__name__)
        target, n_outputs = self._encode_target(y_arr)
        w = self._check_sample_weight(sample_weight, n)
        self.feature_names_ = [str(c) for c in frame.columns]
        self.encoder_ = FeatureEncoder(
            normalised_categorical(self.categorical_features), self.handle_unknown
        )
        self.encoder_.fit(frame)
        self.feature_kinds_ = list(self.encoder_.kinds_)
        self.n_outputs_ = n_outputs
        self._device_ = resolve_device(self.device)
        seed = int(check_random_state(self.random_state).randint(0, 2**31 - 1))
        with Threads(self.n_threads, fit=True), torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            if self._device_.type == "cuda":
                torch.cuda.manual_seed_all(seed)
            self.module_ = self._build_module().to(self._device_)
            data = self._data(frame, target, w)
            train_idx, valid_idx = self._split(target, w, seed)
            tr = data.rows(train_idx)  # the nets on a grid of their inputs
            if self.module_.n_numeric and grid_pays(len(tr), self.batch_size):
                self.module_.set_knots(feature_knots(tr.x_num, tr.missing))
            steps = step_points(tr.x_num, tr.missing)  # where few distinct values
            if steps is not None:
                self.module_.set_steps(*steps)
            valid = data.rows(valid_idx) if valid_idx is not None else None
            gen = torch.Generator().manual_seed(seed)
            cfg = self._config()
            pause = main_pause(self.interactions, self.feature_names_, cfg.patience)
            run = None
            if pause is None or valid is None:
                self.history_ = train(
                    self.module_, data.rows(train_idx), valid, cfg, gen
                )
            else:  # the pairs are tried at the pause (see main_pause)
                run = PausedTraining(
                    self.module_, data.rows(train_idx), valid, cfg, gen, pause
                )
                self.history_ = list(run.history)
            self.pair_module_, self.pair_counts_ = None, []
            if not (self.history_ and self.history_[-1].get("interrupted")):
                self.pair_module_ = fit_interactions(
                    self, frame, data, train_idx, valid_idx, target, w, gen
                )
            if run is not None and run.paused:
                if self.pair_module_ is None and not (
                    self.history_ and self.history_[-1].get("interrupted")
                ):  # no pair kept: the main effects train on, as without the pause
                    done = len(run.history)
                    self.history_ = list(self.history_) + run.resume()[done:]
                else:
                    run.close()
            warn_if_interrupted(self.history_, "fit")
            self._finish(data)

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

    def _split(
        self, target: np.ndarray, w: np.ndarray, seed: int
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
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
        if w[tr].sum() <= 0 or w[va].sum() <= 0:
            # all the weight on one side (e.g. one row with a non-zero weight):
            # no validation loss to stop on, so train on every row
            return torch.from_numpy(idx), None
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

    def _inference_module(self) -> TermModule:
        """The module in float64 on CPU, so that results do not depend on batching.

        float32 matmuls round differently for different batch sizes (1e-7 level);
        in float64 a row's prediction is the same alone or in any batch. The copy
        is cached until any weight or buffer is written or replaced (``WeightsKey``).
        """
        m = TermModule(self.module_, getattr(self, "pair_module_", None))
        if m.intercept.device.type != "cpu":
            return m.eval()
        cache: Any = getattr(self, "_inference_cache", None)
        key = None if cache is None else cache[0]  # a tuple in older pickles
        if not isinstance(key, WeightsKey) or not key.matches(_tensors(m)):
            cache = (WeightsKey(_tensors(m)), copy.deepcopy(m).double().eval())
            self._inference_cache = cache
        return cache[1]

    @torch.no_grad()
    def _member_contributions(
        self, data: TensorData, batch: int = 16384
    ) -> torch.Tensor:
        """(E, n, T, C) contributions of every term, batched over rows."""
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
        """Calibrate the intercept; centre each f_j on the fit data; fold scaling in.

        The intercept is re-estimated given the nets (see
        ``_refit.calibrate_intercept``): where early stopping ended, minibatch
        noise had left the mean prediction off the mean target.
        """
        from ._refit import calibrate_intercept

        calibrate_intercept(self, data, held=[])
        module = self.module_
        contrib = self._member_contributions(data)  # (E, n, T, C)
        w = (data.w / data.w.sum()).to(contrib.dtype)
        means = torch.einsum("enfc,n->efc", contrib, w)
        n_features = module.n_features
        module.centers.add_(means[:, :n_features])
        if self.pair_module_ is not None:  # purified: means ~0, made exact
            self.pair_module_.center_(means[:, n_features:])
        module.intercept.add_(means.sum(1))
        self._fold_target_scale()
        self._zero_untrained()
        self._refresh_summary(data)

    @torch.no_grad()
    def _zero_untrained(self) -> None:
        """Give values no training row reached the average: a contribution of 0.

        These are the levels with no training row (a level a ``category`` dtype
        declares but the data lacks, the "(other)" level) and the missing-value
        parameter of a numeric feature without missing values in training. Left
        alone they would be their initial value minus the centre: an untrained,
        arbitrary number.
        """
        enc, m = self.encoder_, self.module_
        centers = m.centers.to(m.cat_values.dtype)
        offsets = enc.category_offsets()
        for k, j in enumerate(enc.categorical_index_):
            for level, count in enumerate(enc.level_counts(j)):
                if count == 0:
                    m.cat_values[:, offsets[k] + level] = centers[:, j]
        for k, j in enumerate(enc.numeric_index_):
            if enc.stats_[j]["nan_count"] == 0:
                m.nan_values[:, k] = centers[:, j]

    def _fold_target_scale(self) -> None:
        """Regression trains on standardised y; classifiers have nothing to fold."""

    def _set_terms(self) -> None:
        """One main-effect term per feature, then one term per pair."""
        names = list(self.feature_names_)
        pm = getattr(self, "pair_module_", None)
        pairs = [] if pm is None else list(pm.pairs)
        self.term_names_ = names + [pair_name(names, p) for p in pairs]
        self.term_features_ = [(j,) for j in range(len(names))] + pairs

    @torch.no_grad()
    def _scale_pair_outputs(self, factor: float) -> None:
        """Scale the pair terms (target scaling folded in or out)."""
        pm = getattr(self, "pair_module_", None)
        if pm is not None:
            pm.scale_outputs(factor)

    @torch.no_grad()
    def _refresh_summary(self, data: TensorData) -> None:
        self._set_terms()
        contrib = self._member_contributions(data).mean(0)  # (n, T, C)
        w = (data.w / data.w.sum()).to(contrib.dtype)
        imp = torch.einsum("nfc,n->f", contrib.abs(), w).double().cpu().numpy()
        self.term_importances_ = imp
        self.feature_importances_ = imp[: self.module_.n_features].copy()
        intercept = self.module_.intercept.mean(0).double().cpu().numpy()
        self.intercept_ = float(intercept[0]) if self.n_outputs_ == 1 else intercept

    def _prepare_refit(self) -> None:
        """Undo target scaling folds so training sees the scale it trained on."""

    def _scale_target(self, target: np.ndarray) -> np.ndarray:
        return target

    def _scale_offset(self, offset: np.ndarray) -> np.ndarray:
        return offset


def _tensors(m: torch.nn.Module) -> list[torch.Tensor]:
    """A module's parameters, then its buffers, in their fixed order."""
    return list(itertools.chain(m.parameters(), m.buffers()))


def _fitted_attributes(est: Any) -> list[str]:
    """Names of what fit learned: public ones end in ``_``, private ``_x_``."""
    return [
        a
        for a in vars(est)
        if a.endswith("_") and not a.startswith("__") or a == "_inference_cache"
    ]


def warn_if_interrupted(history: list[dict[str, Any]], what: str) -> None:
    """The ``TrainingInterruptedWarning`` for a training that Ctrl-C ended."""
    if history and history[-1].get("interrupted"):
        warnings.warn(
            f"{what} was interrupted (KeyboardInterrupt) after "
            f"{len(history)} epoch(s): the best weights so far were kept and the "
            "model is complete and usable; history_[-1]['interrupted'] is True.",
            TrainingInterruptedWarning,
            stacklevel=3,
        )
