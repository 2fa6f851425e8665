"""``refit_others``: retrain the non-held term nets of a copy, held ones fixed.

The main effects and the pairs not held are trained together (as fit's joint
stage), then the retrained pairs are purified again on the refit rows; a pair on
a held main effect is held as it is (see :func:`free_pairs`).
"""

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
from ._interactions import TermModule, column_maps, pair_counts
from ._pair_purify import cell_totals, purify_pairs
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
        """A copy whose non-held term nets are retrained with held ones fixed.

        Parameters
        ----------
        X, y : the data to retrain on.
        held : dict of int to ndarray of shape (n_samples, n_outputs)
            For each held term (an index into ``term_names_``: a main effect or
            a pair), its (edited) contributions on X; they enter the linear
            predictor as a fixed offset and their nets are not trained. The
            other pairs are retrained with the main effects, except a pair on a
            held main effect, held as it is: purifying it would move part of it
            into that main effect.
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
        Each retrained pair is purified on the refit rows (its data-weighted
        axis means go to its features' main effects, its mean to the
        intercept; predictions do not change) and its ``pair_counts_`` become
        those rows' cell weights.
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
    free = free_pairs(model, held)
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
        module: Any = new.module_
        trainable = keep
        n_features = model.n_features_in_
        if free:
            # mains and the free pairs trained together (as fit's joint stage);
            # the pairs stay float64, the loss is computed in float64
            module = TermModule(new.module_, new.pair_module_)
            trainable = keep + [n_features + p for p in free]
            data.y = data.y.double()
        # what is held and not retrained enters the linear predictor as a fixed
        # offset: the held terms' edited values, and the pairs held as they are
        fixed = _fixed_pair_parts(new, data, held, [] if free else keep, free)
        data.offset = torch.from_numpy(held_offset + fixed).to(new._device_)
        if not free:
            data.offset = data.offset.float()
        # early stopping as in fit, the starting weights a candidate: a refit
        # that cannot improve the validation loss keeps them
        train_idx, valid_idx = new._split(target, w, seed)
        valid = data.rows(valid_idx) if valid_idx is not None else None
        cfg = new._config(
            max_epochs=epochs,
            trainable_features=trainable,
            learning_rate=learning_rate or float(model.learning_rate) / 3,
            weight_decay=0.0,  # a held net gets zero gradient and must stay put
            warm_moments=True,
            score_start=True,
        )
        gen = torch.Generator().manual_seed(seed)
        new.history_ = train(module, data.rows(train_idx), valid, cfg, gen)
        warn_if_interrupted(new.history_, "refit_others")
        if free:
            _purify_free_pairs(new, data, free)
        # calibrated on the whole model (mains, pairs, their corrections) with
        # only the held terms' edited contributions as the offset
        data.offset = torch.from_numpy(held_offset).to(new._device_)
        calibrate_intercept(new, data, held=sorted(int(j) for j in held))
        data.offset = None
        _recentre(new, data, keep, free)
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


def free_pairs(model: NAMBase, held: dict[int, np.ndarray]) -> list[int]:
    """The pairs a refit retrains: positions in ``pair_module_.pairs``.

    A pair is retrained unless it is held itself or one of its features' main
    effect is held: purifying a retrained pair moves its axis means into its
    features' main effects, and a held main effect must stay exactly as edited,
    so a pair on a held feature is held as it is (as every pair was before).
    """
    pm = getattr(model, "pair_module_", None)
    if pm is None:
        return []
    n_features = model.n_features_in_
    return [
        p
        for p, (i, j) in enumerate(pm.pairs)
        if n_features + p not in held and i not in held and j not in held
    ]


@torch.no_grad()
def _fixed_pair_parts(
    model: NAMBase,
    data: TensorData,
    held: dict[int, np.ndarray],
    mains: list[int],
    free: list[int],
) -> np.ndarray:
    """What the pair terms add that the refit holds fixed, (n, C), scaled.

    Each pair neither held (its edited values are in the offset already) nor
    retrained (``free``), and the part of each main effect in ``mains`` that
    purification moved into the pairs' buffers (where the main effects are
    trained without the pair module), enter the linear predictor as a fixed
    offset (the ensemble members' mean).
    """
    pm = model.pair_module_
    n = data.x_num.shape[0]
    out = np.zeros((n, model.n_outputs_))
    if pm is None:
        return out
    x = (data.x_num.to(pm.intercept.dtype), data.missing, data.x_cat)
    pairs = pm(*x).mean(0).cpu().numpy()  # (n, P, C)
    corrections = pm.main_corrections(*x).mean(0).cpu().numpy()  # (n, F, C)
    n_features = model.n_features_in_
    for p in range(pairs.shape[1]):
        if n_features + p not in held and p not in free:
            out += pairs[:, p]
    for j in mains:
        out += corrections[:, j]
    return out


@torch.no_grad()
def _purify_free_pairs(model: NAMBase, data: TensorData, free: list[int]) -> None:
    """Purify the retrained pairs on the refit rows, as fit does on its rows.

    Their axis means go to their features' main effects (retrained too), their
    constants to the intercept; predictions do not change. Their cell weights in
    ``pair_counts_`` become the refit rows' (those purification used).
    """
    pm = model.pair_module_
    assert pm is not None
    numeric, categorical = column_maps(model)
    x64 = data.x_num.to(torch.float64)
    totals = cell_totals(pm, x64, data.missing, data.x_cat, data.w)
    const = purify_pairs(pm, totals, numeric, categorical, only=free)
    model.module_.intercept.add_(const.to(model.module_.intercept))
    counts = pair_counts(pm, totals)
    model.pair_counts_ = [
        counts[p] if p in free else c for p, c in enumerate(model.pair_counts_)
    ]


@torch.no_grad()
def _recentre(
    model: NAMBase, data: TensorData, keep: list[int], free: list[int]
) -> None:
    """Centre the retrained terms on the refit rows (the held ones stay put)."""
    model._fold_target_scale()
    contrib = model._member_contributions(data)
    w = (data.w / data.w.sum()).to(contrib.dtype)
    n_features = model.n_features_in_
    means = torch.einsum("enfc,n->efc", contrib, w)
    retrained = keep + [n_features + p for p in free]
    means[:, [t for t in range(means.shape[1]) if t not in retrained]] = 0.0
    model.module_.centers.add_(means[:, :n_features].to(model.module_.centers))
    if free:  # purified: their means are ~0, made exact
        assert model.pair_module_ is not None
        model.pair_module_.center_(means[:, n_features:])
    model.module_.intercept.add_(means.sum(1).to(model.module_.intercept))
    model._zero_untrained()
    model._refresh_summary(data)
