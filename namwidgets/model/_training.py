"""The training loop: minibatch Adam, learning-rate decay, early stopping."""

from __future__ import annotations

import copy
import math
import signal
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from ..exceptions import TrainingDivergedError
from ._nets import NAMModule


@runtime_checkable
class Trainable(Protocol):
    """What the loop needs of a module: NAMModule, PairModule or both together.

    ``forward(x_num, missing, x_cat)`` gives (E, batch, n_terms, C) contributions.
    """

    @property
    def intercept(self) -> torch.Tensor:
        """(E, C) intercepts."""
        ...

    @property
    def n_members(self) -> int:
        """Ensemble size E."""
        ...

    @property
    def n_features(self) -> int:
        """Terms in the forward pass's third axis."""
        ...

    def __call__(
        self, x_num: torch.Tensor, missing: torch.Tensor, x_cat: torch.Tensor
    ) -> torch.Tensor: ...

    def train(self, mode: bool = True) -> Any: ...

    def eval(self) -> Any: ...

    def parameters(self, recurse: bool = True) -> Any: ...

    def state_dict(self, *args: Any, **kwargs: Any) -> Any: ...

    def load_state_dict(self, *args: Any, **kwargs: Any) -> Any: ...


def auto_batch_size(n_rows: int) -> int:
    """``batch_size="auto"``: an eighth of the rows in [32, 512], a 64th beyond.

    Beyond 32,768 rows the batch is a 64th of the rows (64 steps per epoch), up
    to 8192.

    512 keeps a big dataset's epoch to a few large matmuls; on a few hundred rows
    it would mean one optimiser step per epoch, and early stopping would end the
    fit before the nets have moved (diabetes, 442 rows: RMSE 58 with 512, 57
    with 64, in 5-fold CV). The feature nets run on a grid of their inputs
    (:mod:`._grid`), so a step's net work does not grow with the batch: beyond
    32,768 rows the batch grows instead of the number of steps, and an epoch's
    cost stops growing with the rows' count (``benchmarks/grid_speed.py``).
    """
    small = min(512, max(32, n_rows // 8))
    return int(min(8192, max(small, n_rows // 64)))


# The smallest batch for which fit puts the numeric nets on a grid. Measured
# when the grid had 256 knots (see grid_pays); kept when it went to 128, so that
# the fits of 1,024-2,047 rows stay on the direct path they were measured on.
GRID_MIN_BATCH = 256


def grid_pays(n_rows: int, batch_size: int | str) -> bool:
    """Whether fit puts the numeric nets on a grid (:mod:`._grid`).

    A grid step evaluates every net at its ``GRID_KNOTS`` knots whatever the
    batch, a direct step at the batch's rows: the grid paid from batches of
    ``GRID_MIN_BATCH`` = 256 rows on (2,048 training rows with
    ``batch_size="auto"``), measured with 256 knots.
    Below that the nets are evaluated at every row, as before the grid (5-fold
    CV, one thread: diabetes 4.7 s/fold direct, 7.8 on the grid; breast cancer,
    30 features, 3.9 vs 9.3; the same scores within a fold-std).
    """
    bs = auto_batch_size(n_rows) if isinstance(batch_size, str) else int(batch_size)
    return min(bs, n_rows) >= GRID_MIN_BATCH


@dataclass
class TensorData:
    """Encoded inputs, targets and weights, on the training device."""

    x_num: torch.Tensor
    missing: torch.Tensor
    x_cat: torch.Tensor
    y: torch.Tensor
    w: torch.Tensor
    offset: torch.Tensor | None = None  # fixed extra linear predictor, (n, C)

    def __len__(self) -> int:
        return int(self.y.shape[0])

    def slice(self, start: int, stop: int) -> TensorData:
        """Select a contiguous block of rows (a view, no copy)."""
        return self.rows(slice(start, stop))  # type: ignore[arg-type]

    def rows(self, idx: torch.Tensor) -> TensorData:
        """Select rows."""
        return TensorData(
            self.x_num[idx],
            self.missing[idx],
            self.x_cat[idx],
            self.y[idx],
            self.w[idx],
            None if self.offset is None else self.offset[idx],
        )


@dataclass
class TrainConfig:
    """What the loop needs to know of the estimator's parameters."""

    task: str
    learning_rate: float
    lr_decay: float
    batch_size: int | str  # or "auto"
    max_epochs: int
    patience: int | None
    weight_decay: float
    output_penalty: float
    feature_dropout: float
    trainable_features: list[int] | None = None  # None: all
    verbose: int = 1
    # warm start (refit): one pass with a learning rate of 0 first, so that Adam's
    # moment estimates describe the gradients at the fitted weights before any
    # step is taken (a fresh Adam moves every weight by ~lr at its first steps,
    # whatever the gradient: a fitted model is knocked off its optimum)
    warm_moments: bool = False
    # warm start: the starting weights are the best on validation until an epoch
    # beats them by more than validation noise (``significantly_better``), so a
    # refit that cannot improve on them returns them
    score_start: bool = False
    # with score_start: give up after this many epochs if none has beaten the
    # start by more than validation noise (the start is kept), instead of
    # waiting ``patience`` epochs from the last small, insignificant gain
    start_patience: int | None = None
    # the validation pass, where a module scores itself (the pair stage's
    # per-pair early stopping, ``PerPairStop.validation_losses``): given the
    # validation rows, their per-row losses and whether training should stop
    valid_losses: Callable[[TensorData], tuple[torch.Tensor, bool]] | None = None


def member_loss(
    eta: torch.Tensor, data: TensorData, task: str, norm: float | None = None
) -> torch.Tensor:
    """Weighted loss per member: eta (E, B, C) -> (E,).

    Divided by ``norm``, by default the rows' total weight (their weighted mean).
    A minibatch passes its expected total weight instead (rows x the training
    set's mean weight): an unbiased estimate of the full weighted mean, defined
    even for a batch whose rows all weigh zero.
    """
    w = data.w
    if task == "regression":
        per_row = (eta[..., 0] - data.y[None]) ** 2
    elif task == "binary":
        target = data.y[None].expand(eta.shape[0], -1)
        per_row = F.binary_cross_entropy_with_logits(
            eta[..., 0], target, reduction="none"
        )
    else:
        e, b, c = eta.shape
        target = data.y.long()[None].expand(e, -1).reshape(-1)
        per_row = F.cross_entropy(eta.reshape(e * b, c), target, reduction="none").view(
            e, b
        )
    return (per_row * w[None]).sum(1) / (w.sum() if norm is None else norm)


def linear_predictor(
    module: Trainable, data: TensorData, contrib: torch.Tensor
) -> torch.Tensor:
    """eta (E, B, C) from member contributions (E, B, F, C)."""
    eta = module.intercept[:, None, :] + contrib.sum(2)
    if data.offset is not None:
        eta = eta + data.offset[None]
    return eta


@torch.no_grad()
def row_losses(
    module: Trainable,
    data: TensorData,
    task: str,
    batch: int = 8192,
    feature_keep: torch.Tensor | None = None,
) -> torch.Tensor:
    """The ensemble's loss on each row, (n,), unweighted.

    ``feature_keep`` masks held features, whose contribution is in the offset,
    exactly as training does.
    """
    module.eval()
    parts = []
    for start in range(0, len(data), batch):
        part = data.slice(start, start + batch)
        contrib = module(part.x_num, part.missing, part.x_cat)
        if feature_keep is not None:
            contrib = contrib * feature_keep[None, None, :, None]
        eta = linear_predictor(module, part, contrib).mean(0)  # (B, C)
        parts.append(eta_losses(eta, part.y, task))
    return torch.cat(parts).double()


def eta_losses(eta: torch.Tensor, y: torch.Tensor, task: str) -> torch.Tensor:
    """Per-row loss (n,), unweighted, of an ensemble's linear predictor eta (n, C)."""
    if task == "regression":
        return (eta[:, 0] - y) ** 2
    if task == "binary":
        return F.binary_cross_entropy_with_logits(eta[:, 0], y, reduction="none")
    return F.cross_entropy(eta, y.long(), reduction="none")


def evaluate(
    module: Trainable,
    data: TensorData,
    task: str,
    batch: int = 8192,
    feature_keep: torch.Tensor | None = None,
) -> float:
    """The ensemble's validation loss (RMSE for regression, log loss otherwise)."""
    return _score(row_losses(module, data, task, batch, feature_keep), data, task)


def _score(losses: torch.Tensor, data: TensorData, task: str) -> float:
    """The validation score of per-row losses (RMSE for regression, else the loss)."""
    w = data.w.double()
    loss = float((losses * w).sum() / w.sum())
    return math.sqrt(loss) if task == "regression" else loss


def significantly_better(
    start: torch.Tensor, candidate: torch.Tensor, w: torch.Tensor, z: float = 3.0
) -> bool:
    """Whether per-row losses improve on the start's by more than z standard errors.

    A paired test on the same validation rows: the weighted mean of the loss
    differences against its standard error (with the weights' effective number
    of rows). A warm-started refit moves off its starting weights only for a
    gain that validation noise does not explain; z = 3 keeps the chance that one
    of 20 epochs passes by noise alone near 2%.
    """
    w = w.double()
    d = start - candidate
    wsum = w.sum()
    mean = (w * d).sum() / wsum
    var = (w * (d - mean) ** 2).sum() / wsum
    n_eff = wsum**2 / (w**2).sum()
    return bool(mean > z * torch.sqrt(var / n_eff))


def main_param_groups(module: NAMModule, weight_decay: float) -> list[dict[str, Any]]:
    """Adam's groups of the main effects: nets with weight decay, values without."""
    nets = [p for p in module.nets.parameters()] if module.nets is not None else []
    values = [module.nan_values, module.cat_values, module.intercept]
    if module.step_values is not None:  # a value per distinct value (_grid.py)
        values.append(module.step_values)
    return [
        {"params": nets, "weight_decay": weight_decay},
        {"params": values, "weight_decay": 0.0},
    ]


def _param_groups(module: Trainable, cfg: TrainConfig) -> list[dict[str, Any]]:
    if isinstance(module, NAMModule):
        return main_param_groups(module, cfg.weight_decay)
    # pair terms, or mains and pairs together, name their own groups
    groups: list[dict[str, Any]] = module.param_groups(cfg.weight_decay)  # type: ignore[attr-defined]
    return groups


def _step(
    module: Trainable,
    batch: TensorData,
    cfg: TrainConfig,
    feature_keep: torch.Tensor | None,
    mean_weight: float,
    opt: torch.optim.Optimizer,
) -> float:
    """One optimiser step on one minibatch; returns its loss."""
    contrib = module(batch.x_num, batch.missing, batch.x_cat)
    if feature_keep is not None:
        # edited features are held: their contribution is in the offset
        contrib = contrib * feature_keep[None, None, :, None]
    penalty = (
        cfg.output_penalty * contrib.pow(2).mean() if cfg.output_penalty > 0 else 0.0
    )
    if cfg.feature_dropout > 0:
        contrib = F.dropout(contrib, cfg.feature_dropout, True)
    eta = linear_predictor(module, batch, contrib)
    norm = len(batch) * mean_weight
    loss = member_loss(eta, batch, cfg.task, norm).sum() + penalty
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return float(loss.detach())


def _warm_moments(
    module: Trainable,
    data: TensorData,
    cfg: TrainConfig,
    feature_keep: torch.Tensor | None,
    mean_weight: float,
    opt: torch.optim.Optimizer,
    bs: int,
) -> None:
    """One pass of steps with a learning rate of 0: Adam's moments, no move."""
    rates = [g["lr"] for g in opt.param_groups]
    for g in opt.param_groups:
        g["lr"] = 0.0
    module.train()
    for start in range(0, len(data), bs):
        batch = data.slice(start, start + bs)
        _step(module, batch, cfg, feature_keep, mean_weight, opt)
    for g, lr in zip(opt.param_groups, rates):
        g["lr"] = lr


def _finite(module: Trainable) -> bool:
    return all(bool(torch.isfinite(p).all()) for p in module.parameters())


class _InterruptFlag:
    """While training, Ctrl-C (SIGINT) asks to stop at the end of the current step.

    In the main thread the handler only sets a flag, so a step is never cut in
    half; elsewhere (no signal handler can be installed) a KeyboardInterrupt is
    caught where it lands instead.
    """

    def __init__(self) -> None:
        self.requested = False
        self._old: Any = None

    def _handler(self, signum: int, frame: Any) -> None:
        if self.requested:  # a second Ctrl-C: stop now
            raise KeyboardInterrupt
        self.requested = True

    def __enter__(self) -> _InterruptFlag:
        if threading.current_thread() is threading.main_thread():
            try:
                self._old = signal.signal(signal.SIGINT, self._handler)
            except (ValueError, OSError):  # pragma: no cover - embedded interpreters
                self._old = None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None  # twice (a paused run closed) restores once


def train(
    module: Trainable,
    train_data: TensorData,
    valid_data: TensorData | None,
    cfg: TrainConfig,
    generator: torch.Generator,
) -> list[dict[str, Any]]:
    """Train in place; restore the best weights on validation; return the history."""
    run = _run(module, train_data, valid_data, cfg, generator, None)
    try:
        while True:
            next(run)
    except StopIteration as done:
        return done.value


class PausedTraining:
    """A training run that stops early, once, and can go on as if it never had.

    It trains as :func:`train` does, but pauses the first time ``pause`` epochs
    in a row have not beaten the best validation score (``pause`` below
    ``cfg.patience``): the module then holds its best weights, as after
    :func:`train`, and :attr:`history` the records so far. :meth:`resume` puts
    back what the run held when it paused (the weights of its last epoch, the
    optimiser's moments and schedule, the batch generator's and torch's random
    states) and trains on to ``cfg.patience``: the weights and the records'
    scores are then bit for bit those of an uninterrupted :func:`train` (the
    records after the pause carry ``"resumed": True``, their ``time`` counts
    from the resumption). :meth:`close` ends a paused run that is not resumed.

    The fit uses it to try pairs before the main effects have waited out their
    whole patience: where the pairs are kept, the joint stage tunes the main
    effects on; where they are not, the main effects' fit resumes, so a model
    that stays additive is the one it was before.
    """

    def __init__(
        self,
        module: Trainable,
        train_data: TensorData,
        valid_data: TensorData | None,
        cfg: TrainConfig,
        generator: torch.Generator,
        pause: int,
    ) -> None:
        self._run = _run(module, train_data, valid_data, cfg, generator, pause)
        self.history: list[dict[str, Any]] = []
        self.paused = False
        self._advance()

    def _advance(self) -> None:
        try:
            self.history = next(self._run)
            self.paused = True
        except StopIteration as done:
            self.history, self.paused = done.value, False

    def resume(self) -> list[dict[str, Any]]:
        """Train on from the pause to the run's own end; return the whole history."""
        if not self.paused:
            raise RuntimeError("This training run is not paused.")
        self._advance()
        return self.history

    def close(self) -> None:
        """Drop what a paused run keeps for its resumption."""
        self._run.close()
        self.paused = False


def _rng_states(device: torch.device, generator: torch.Generator) -> tuple[Any, ...]:
    cuda = torch.cuda.get_rng_state_all() if device.type == "cuda" else None
    return generator.get_state(), torch.get_rng_state(), cuda


def _set_rng_states(states: tuple[Any, ...], generator: torch.Generator) -> None:
    batch, cpu, cuda = states
    generator.set_state(batch)
    torch.set_rng_state(cpu)
    if cuda is not None:
        torch.cuda.set_rng_state_all(cuda)


def _run(
    module: Trainable,
    train_data: TensorData,
    valid_data: TensorData | None,
    cfg: TrainConfig,
    generator: torch.Generator,
    pause: int | None,
) -> Generator[list[dict[str, Any]], None, list[dict[str, Any]]]:
    """The training loop of :func:`train`; yields once where it pauses."""
    device = train_data.y.device
    groups = _param_groups(module, cfg)
    opt = torch.optim.Adam(groups, lr=cfg.learning_rate, fused=device.type != "mps")
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=cfg.lr_decay)
    feature_keep = None
    if cfg.trainable_features is not None:
        feature_keep = torch.zeros(module.n_features, device=device)
        feature_keep[cfg.trainable_features] = 1.0
    history: list[dict[str, Any]] = []
    best, best_state, bad_epochs = math.inf, None, 0
    n = len(train_data)
    bs = (
        auto_batch_size(n)
        if isinstance(cfg.batch_size, str)
        else min(int(cfg.batch_size), n)
    )
    mean_weight = float(train_data.w.mean())
    start_rows = None
    own_valid = cfg.valid_losses if valid_data is not None and len(valid_data) else None
    if own_valid is not None:  # the start's losses (the module's first scores)
        own_start, _ = own_valid(valid_data)  # type: ignore[arg-type]
    if cfg.score_start and valid_data is not None and len(valid_data):
        if own_valid is not None:
            start_rows = own_start
            best = _score(start_rows, valid_data, cfg.task)
        else:
            best = evaluate(module, valid_data, cfg.task, feature_keep=feature_keep)
        best_state = copy.deepcopy(module.state_dict())
        if own_valid is None:
            start_rows = row_losses(
                module, valid_data, cfg.task, feature_keep=feature_keep
            )
        moved_off_start = False
    all_stopped = False
    bar = tqdm(range(cfg.max_epochs), disable=cfg.verbose <= 0, desc="NAM", leave=False)
    start_time, resumed = time.perf_counter(), False
    stop = _InterruptFlag()
    paused = False
    stop.__enter__()
    try:
        if cfg.warm_moments:
            try:
                _warm_moments(
                    module, train_data, cfg, feature_keep, mean_weight, opt, bs
                )
            except KeyboardInterrupt:
                stop.requested = True  # nothing moved yet (a learning rate of 0)
            if stop.requested:
                bar.close()
                history.append({"epoch": 0, "interrupted": True, "time": 0.0})
                module.eval()
                return history
        for epoch in bar:
            module.train()
            perm = torch.randperm(n, generator=generator).to(device)
            running, seen = 0.0, 0
            try:
                for start in range(0, n, bs):
                    if stop.requested:
                        raise KeyboardInterrupt
                    batch = train_data.rows(perm[start : start + bs])
                    loss = _step(module, batch, cfg, feature_keep, mean_weight, opt)
                    running += loss * len(batch)
                    seen += len(batch)
            except KeyboardInterrupt:
                # Ctrl-C: end here, keep the best weights so far (skorch does the
                # same); the caller completes the fit and warns
                record = {"epoch": epoch + 1, "interrupted": True}
                if seen:
                    record["train_loss"] = running / seen / module.n_members
                record["time"] = time.perf_counter() - start_time
                history.append(record)
                if best_state is None and not _finite(module):
                    raise TrainingDivergedError(
                        "Training was interrupted and its weights are not finite."
                    ) from None
                break
            sched.step()
            record = {
                "epoch": epoch + 1,
                "train_loss": running / seen / module.n_members,
            }
            if valid_data is not None and len(valid_data):
                own_rows = None
                if own_valid is not None:
                    own_rows, all_stopped = own_valid(valid_data)
                    score = _score(own_rows, valid_data, cfg.task)
                else:
                    score = evaluate(
                        module, valid_data, cfg.task, feature_keep=feature_keep
                    )
                record["valid_score"] = score
                better = score < best - 1e-6 * abs(best if math.isfinite(best) else 0)
                if better and start_rows is not None and not moved_off_start:
                    rows = (
                        own_rows
                        if own_rows is not None
                        else row_losses(
                            module, valid_data, cfg.task, feature_keep=feature_keep
                        )
                    )
                    better = significantly_better(start_rows, rows, valid_data.w)
                    moved_off_start = better
                if better:
                    best, bad_epochs = score, 0
                    best_state = copy.deepcopy(module.state_dict())
                else:
                    bad_epochs += 1
            record["time"] = time.perf_counter() - start_time  # seconds since start
            if resumed:
                record["resumed"] = True
            history.append(record)
            bar.set_postfix({k: round(v, 4) for k, v in record.items() if k != "epoch"})
            if cfg.patience is not None and bad_epochs >= cfg.patience:
                break
            if all_stopped:  # the module's own stop (every pair frozen)
                break
            if (
                start_rows is not None
                and not moved_off_start
                and cfg.start_patience is not None
                and epoch + 1 >= cfg.start_patience
            ):
                break
            if not np.isfinite(record["train_loss"]):
                raise TrainingDivergedError(
                    f"Training diverged at epoch {epoch + 1} (loss is not finite): "
                    "try a lower learning_rate, and check X and y for extreme "
                    "values."
                )
            if (
                pause is not None
                and not paused
                and bad_epochs >= pause
                and epoch + 1 < cfg.max_epochs
            ):
                paused = True
                held = (
                    copy.deepcopy(module.state_dict()),
                    _rng_states(device, generator),
                )
                if best_state is not None:
                    module.load_state_dict(best_state)
                module.eval()
                stop.__exit__()
                yield list(history)
                stop.__enter__()
                module.load_state_dict(held[0])
                _set_rng_states(held[1], generator)
                del held
                start_time, resumed = time.perf_counter(), True
    finally:
        stop.__exit__()
    bar.close()
    if stop.requested and history and not history[-1].get("interrupted"):
        history[-1]["interrupted"] = True  # Ctrl-C in the last step of the last epoch
    if best_state is not None:
        module.load_state_dict(best_state)
    module.eval()
    return history
