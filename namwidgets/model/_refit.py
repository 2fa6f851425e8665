"""``refit_others``: retrain the non-held term nets of a copy, held ones fixed."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from sklearn.base import clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..exceptions import InputError
from ._checks import Threads, check_refit_args
from ._training import TensorData, train

if TYPE_CHECKING:
    from ._base import NAMBase


class RefitMixin:
    """``refit_others``, the NAM's warm-started retraining of the non-held nets."""

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
            At most this many epochs of warm-started training; >= 1.
        learning_rate : float, optional
            Defaults to a third of the fit's learning rate; > 0.
        sample_weight : array-like of shape (n_samples,), optional

        Returns
        -------
        NAMBase
            A new fitted estimator; this one is unchanged.

        Notes
        -----
        Adam's moment estimates are first warmed with one pass at a learning
        rate of 0 (a fresh Adam would move every weight by about the learning
        rate at its first steps). With ``early_stopping``, the rows are split as
        fit split them (the same seed) and the starting weights stay the best
        until an epoch improves the validation loss by more than three standard
        errors of the paired per-row differences: a refit with nothing edited
        returns the model's predictions. The intercept is then re-estimated
        given the nets, so the weighted mean prediction on X equals the weighted
        mean of y (calibration in the large; ``fit`` ends with the same step).
        """
        return refit_others(
            self,  # type: ignore[arg-type]
            X,
            y,
            held,
            epochs=epochs,
            learning_rate=learning_rate,
            sample_weight=sample_weight,
        )


def refit_others(
    model: NAMBase,
    X: Any,
    y: Any,
    held: dict[int, np.ndarray],
    *,
    epochs: int = 20,
    learning_rate: float | None = None,
    sample_weight: Any = None,
) -> NAMBase:
    """A copy of ``model`` with the non-held nets retrained; see ``NAMBase``."""
    from ._base import warn_if_interrupted

    check_is_fitted(model)
    epochs, learning_rate = check_refit_args(epochs, learning_rate)
    frame = model._frame(X, reset=False)
    n = frame.shape[0]
    target, _ = model._encode_target(np.asarray(y), refit=True)
    if target.shape[0] != n:
        raise InputError(
            f"X has {n} rows but y has {target.shape[0]}: they must match."
        )
    w = model._check_sample_weight(sample_weight, n)
    n_terms = len(model.term_names_)
    for j, col in held.items():
        if not 0 <= int(j) < n_terms:
            raise InputError(f"held has term index {j}, out of range.")
        if np.asarray(col).size != n * model.n_outputs_:
            raise InputError(
                f"held[{j}] has {np.asarray(col).size} values; expected "
                f"{n * model.n_outputs_} (n_samples x n_outputs)."
            )
    new = clone(model)
    for attr, value in vars(model).items():
        if attr.endswith("_") and not attr.startswith("__"):
            setattr(new, attr, value)
    new.module_ = copy.deepcopy(model.module_)
    if model.pair_module_ is not None:  # _prepare_refit rescales it in place
        new.pair_module_ = copy.deepcopy(model.pair_module_)
    new._prepare_refit()
    keep = [j for j in range(model.n_features_in_) if j not in held]
    offset = np.zeros((n, model.n_outputs_))
    for col in held.values():
        offset += np.asarray(col, dtype=np.float64).reshape(n, -1)
    with Threads(model.n_threads, fit=True), torch.random.fork_rng(devices=[]):
        # the fit's seed where it can be had again: on the fit's rows the same
        # validation split, on which the fitted weights were the best
        seed = (
            int(check_random_state(model.random_state).randint(0, 2**31 - 1))
            if isinstance(model.random_state, int)
            else 0
        )
        torch.manual_seed(seed)
        data = new._data(frame, new._scale_target(target), w)
        held_offset = new._scale_offset(offset)
        # the pair terms are held as they are; see _fixed_pair_parts
        scaled = held_offset + _fixed_pair_parts(new, data, held, keep)
        data.offset = torch.from_numpy(scaled).float().to(new._device_)
        # early stopping as in fit, the starting weights a candidate: a refit
        # that cannot improve the validation loss keeps them
        train_idx, valid_idx = new._split(target, w, seed)
        valid = data.rows(valid_idx) if valid_idx is not None else None
        cfg = new._config(
            max_epochs=epochs,
            trainable_features=keep,
            learning_rate=learning_rate or float(model.learning_rate) / 3,
            weight_decay=0.0,  # a held net gets zero gradient and must stay put
            warm_moments=True,
            score_start=True,
        )
        gen = torch.Generator().manual_seed(seed)
        new.history_ = train(new.module_, data.rows(train_idx), valid, cfg, gen)
        warn_if_interrupted(new.history_, "refit_others")
        # calibrated on the whole model (mains, pairs, their corrections) with
        # only the held terms' edited contributions as the offset
        data.offset = torch.from_numpy(held_offset).to(new._device_)
        calibrate_intercept(new, data, held=sorted(int(j) for j in held))
        data.offset = None
        _recentre(new, data, keep)
    return new


@torch.no_grad()
def calibrate_intercept(model: NAMBase, data: TensorData, held: list[int]) -> None:
    """Re-estimate the intercept on the (re)fit rows, the nets as trained.

    Minibatch training ends wherever its last steps left it, and the mean of
    every net's output moves with that noise: summed over the terms it is the
    model's mean prediction, so a refit came out miscalibrated (COMPAS: mean risk
    0.453 -> 0.494 against an observed 0.455, even with nothing edited). The
    intercept that minimises the weighted loss given the nets is a convex 1-D
    (or C-D) problem: solved here, the weighted mean prediction on the refit
    rows equals the weighted mean target (the score equation of the intercept).
    """
    contrib = model._member_contributions(data).mean(0)  # (n, T, C), float64
    contrib[:, held] = 0.0  # the held terms' edited values are in data.offset
    module = model.module_
    eta = module.intercept.double().mean(0)[None] + contrib.sum(1)
    if data.offset is not None:
        eta = eta + data.offset.double()
    w = data.w.double() / data.w.double().sum()
    y = data.y.double()
    task = model._task_name()
    if task == "regression":
        delta = (w[:, None] * (y[:, None] - eta)).sum(0)
    elif task == "binary":
        delta = torch.zeros(1, dtype=torch.float64, device=eta.device)
        for _ in range(50):  # Newton's method on a convex, smooth 1-D loss
            p = torch.sigmoid(eta[:, 0] + delta)
            grad = (w * (p - y)).sum()
            hess = (w * p * (1 - p)).sum().clamp_min(1e-12)
            step = (grad / hess).clamp(-1.0, 1.0)
            delta -= step
            if abs(float(step)) < 1e-12:
                break
    else:
        onehot = torch.nn.functional.one_hot(y.long(), eta.shape[1]).double()
        target = (w[:, None] * onehot).sum(0).clamp_min(1e-12)
        delta = torch.zeros(eta.shape[1], dtype=torch.float64, device=eta.device)
        for _ in range(200):  # the softmax intercepts' fixed point: mean p = mean y
            p = torch.softmax(eta + delta, 1)
            mean_p = (w[:, None] * p).sum(0).clamp_min(1e-300)
            step = torch.log(target / mean_p)
            delta += step
            if float(step.abs().max()) < 1e-12:
                break
        delta -= delta.mean()
    module.intercept.add_(delta.to(module.intercept)[None])


@torch.no_grad()
def _fixed_pair_parts(
    model: NAMBase, data: TensorData, held: dict[int, np.ndarray], keep: list[int]
) -> np.ndarray:
    """What the pair terms add that the refit holds fixed, (n, C), scaled.

    The pair terms are not retrained: each non-held pair's contribution, and the
    part of each retrained main effect that purification moved into it, enter
    the linear predictor as a fixed offset (the ensemble members' mean).
    """
    pm = model.pair_module_
    n = data.x_num.shape[0]
    out = np.zeros((n, model.n_outputs_))
    if pm is None:
        return out
    x = (data.x_num.to(pm.intercept.dtype), data.missing, data.x_cat)
    pairs = pm(*x).mean(0).cpu().numpy()  # (n, P, C)
    mains = pm.main_corrections(*x).mean(0).cpu().numpy()  # (n, F, C)
    n_features = model.n_features_in_
    for p in range(pairs.shape[1]):
        if n_features + p not in held:
            out += pairs[:, p]
    for j in keep:
        out += mains[:, j]
    return out


@torch.no_grad()
def _recentre(model: NAMBase, data: TensorData, keep: list[int]) -> None:
    model._fold_target_scale()
    contrib = model._member_contributions(data)
    w = (data.w / data.w.sum()).to(contrib.dtype)
    n_features = model.n_features_in_
    means = torch.einsum("enfc,n->efc", contrib, w)[:, :n_features]
    means[:, [j for j in range(n_features) if j not in keep]] = 0.0
    model.module_.centers.add_(means)
    model.module_.intercept.add_(means.sum(1))
    model._zero_untrained()
    model._refresh_summary(data)
