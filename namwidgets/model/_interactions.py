"""Fitting pair terms on what the main effects leave (GA²M, as EBM does).

1. the main effects are trained as in a purely additive NAM;
2. candidate pairs are ranked by FAST (:mod:`._pair_search`) on the gradients
   and hessians of the loss at the main effects' prediction on the training
   rows, and the best ones kept (or the pairs the user named);
   searched pairs then face a pre-test (:func:`lookups_help`): their purified
   cell lookups on the training rows' gradients must beat validation noise,
   or the model stays additive and no pair net is trained;
3. the pair nets (:mod:`._pair_nets`) are trained with the main effects held
   as a fixed offset, with the same optimiser and validation split as the
   main effects, all in one batched pass but each pair early-stopped on its
   own (:class:`PerPairStop`); they are kept only where the whole pair stage,
   and then their interaction purified of what they carry of the main effects
   (:func:`pure_pairs_help`), beat the main effects alone on validation by more
   than its noise;
4. each pair is purified on the fit rows' weights: its axis means go into the
   main effects, its constant into the intercept; predictions do not change.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from torch import nn

from ..exceptions import InputError
from ._nets import NAMModule
from ._pair_nets import GRID, NET_GRID, PairModule, PerPairStop
from ._pair_purify import cell_totals, purify_pairs
from ._pair_search import bin_codes, purified_lookup, rank_pairs
from ._training import TensorData, eta_losses, significantly_better, train

if TYPE_CHECKING:
    from ._base import NAMBase

PAIR_SEPARATOR = " & "  # InterpretML's convention for a pair's name
# Chosen 2026-12-01 on California Housing, fold 0 of benchmarks/accuracy.py, on
# the code of that day (a two-input net alone, then with a learned value per
# cell, which helped; those numbers are not today's: RESULTS.md has the current
# ones, 0.476 +- 0.006 over 5 folds with the defaults).
PAIR_HIDDEN = (64, 32)  # hidden widths of the pair nets
JOINT_EPOCHS = 40  # most epochs of joint fine-tuning (early-stopped) after stage 2
# The pair stage gives up after this many epochs if none has beaten the main
# effects alone on validation by more than its noise: the model stays additive
# (at the cost of a few epochs) instead of waiting ``patience`` epochs.
# Measured on the folds of benchmarks/accuracy.py (RESULTS.md, 2026-12-02):
# where pairs help (California Housing, fold 0) the first epoch beats the start;
# where they do not, none of 15 epochs did (COMPAS, breast cancer and diabetes,
# 5 folds each; Adult, fold 0), so 5 epochs keep those additive for a third of
# the time.
PAIR_START_PATIENCE = 5
# Each pair early-stopped on its own in the pair stage (``PerPairStop``): under
# one early stop for all pairs, weak pairs overfit and ended the stage before a
# slow one (California's Latitude x Longitude) was fitted.
PER_PAIR_STOP = True
# Where pairs may follow, the main effects' fit pauses once MAIN_PAUSE epochs in
# a row have not beaten its best (``PausedTraining``), and the pairs are tried
# from that best: where they are kept, the joint stage tunes the main effects
# on; where none is, the main effects' fit resumes where it paused and ends as
# it would have without the pause (bit for bit). Measured 2026-12-03 on
# California Housing, where the main effects waited out 15 epochs after their
# best (~0.9 s of a ~2 s main stage) for pairs that start from that best:
# benchmarks/default_fit.py --seeds 5 (medians, main and this side by side),
# within 2% of the best validation RMSE in 2.4 s against 4.4 s, the whole fit
# 9.1 s against 13.3 s (with FINE_NET_GRID 16). 5-fold test RMSE
# (benchmarks/accuracy.py, the defaults): no pause 0.4757, a pause at 5 0.4774
# (folds 1 and 3 0.007 worse: paused before gains the main effects still made),
# at 8 0.4758 (folds 0.4744, 0.4858, 0.4720, 0.4777, 0.4692), at 10 0.4761.
MAIN_PAUSE = 8
# Cells per numeric axis of a new fit's pair grids (the model's own, saved with
# it: ``PairModule.grid``): FINE_GRID from FINE_GRID_ROWS training rows on, else
# 32 (PAIR_GRID, where set, for every fit). Measured 2026-12-02, California
# Housing's 5 folds of benchmarks/california_pairs.py (about 14,000 training
# rows), test RMSE mean +- std: one stop for all pairs, 32 cells 0.4934 +- 0.0071;
# per-pair stopping, 32 cells 0.4836 +- 0.0053, 64 cells 0.4760 +- 0.0063 with
# the nets on 64 too, 0.4757 +- 0.0055 with them on 32 (NET_GRID; fit CPU ~11,
# ~17, ~38, ~15 s a fold; single runs on a loaded machine); on 1,500 rows
# (the checkerboard of test_each_pair_is_early_stopped_on_its_own) 64 cells
# recovered the pair worse (corr 0.848 against 0.904 with 32): too few rows per
# cell.
PAIR_GRID: int | None = None
FINE_GRID = 64
FINE_GRID_ROWS = 10_000
# The most cells per axis a fine grid's pair nets are evaluated on (coarser
# grids keep theirs on NET_GRID = 32). Measured 2026-12-03, California Housing
# (64 cells per axis, 8 pairs, about 11,000 training rows, one thread): a
# pair-stage epoch 0.088 s on 16 against 0.143 s on 32 (the (64, 32) nets'
# backward on 8 x 32 x 32 points was most of a step); test RMSE,
# benchmarks/default_fit.py seeds 0-2 without the main effects' pause, 0.4753,
# 0.4791, 0.4841 against 0.4731, 0.4818, 0.4839, and 5-fold
# (benchmarks/accuracy.py, a pause at 5) 0.4774 against 0.4771: with ten rows a
# cell the 64 cells' tables carry the detail. On a 32-cell grid (1,500 rows,
# the checkerboard of test_each_pair_is_early_stopped_on_its_own, 1.5 rows a
# cell) the nets carry it: 16 recovered the pair worse (corr 0.894 against
# 0.902).
FINE_NET_GRID = 16
# FAST in two stages once there are many candidates: every pair is screened on a
# coarse grid and a row subsample, and the best SCREEN_KEEP (at least 5x the
# pairs asked for) are ranked at full resolution. 100 features (4,950
# candidates), 100,000 rows, one thread: 54 s in one stage, 17 s in two, the
# same top 100 (RESULTS.md). Below SCREEN_ABOVE one stage takes about a second
# (breast cancer's 435 candidates: 0.2-1.0 s), so the search stays as it was;
# screened there, breast cancer scored the same (0.9953 both, 5 folds, both
# measured before the pair stage's validation fix below).
SCREEN_ABOVE = 1000  # candidates beyond which the search screens first
SCREEN_KEEP = 100
SCREEN_BINS = 8
SCREEN_ROWS = 10_000
# The pre-test (``lookups_help``): before any pair net is trained, each
# selected pair's purified cell lookup is fit on the training rows' gradients,
# and the pair stage runs only if those lookups' pure interaction lowers the
# validation loss by more than PRETEST_Z standard errors of the paired test.
# Cells hold about LOOKUP_ROWS training rows on average (at most 32 x 32 bins),
# each shrunk towards 0 by a ridge of LOOKUP_SHRINK rows. Measured (z of the
# test, 2026-12-02, the default fit's decision on each fold of
# benchmarks/accuracy.py): California Housing 8.3-11.7 on its 5 folds (pairs
# kept there); where no pair is kept, COMPAS <= 0.0, breast cancer <= 1.1,
# diabetes <= 2.8, Adult <= 0.6 (5 folds each), default_fit.py --big -11.7;
# the tests' data with real interactions 3.3-28.5. Without the ridge
# California read -0.4-3.0 (8 pairs of 441 noisy cells each): refused.
# The pre-test only screens: a pair it lets through still faces the pair
# stage's own keep tests (z = 3), so a false pass costs a few epochs and a
# false refusal costs a real pair. Hence a lower bar than theirs: at z = 3 a
# 300-row fit with a strong c x d term and a 5-epoch budget (45 validation
# rows, 3 x 3 cells; tests/test_reproducible.py) read 2.7 and lost its pair.
# At 2 only diabetes fold 1 (2.8) changes: its pair stage runs and keeps none.
PRETEST = True
PRETEST_Z = 2.0
LOOKUP_ROWS = 25
LOOKUP_MAX_BINS = 32
LOOKUP_SHRINK = 50.0


class TermModule(nn.Module):
    """Main effects and pairs together: (E, batch, n_terms, C) contributions."""

    def __init__(self, mains: NAMModule, pairs: PairModule | None) -> None:
        super().__init__()
        self.mains, self.pairs = mains, pairs

    @property
    def intercept(self) -> torch.Tensor:
        """The members' intercepts, (E, C)."""
        return self.mains.intercept

    @property
    def n_members(self) -> int:
        """Ensemble size E."""
        return self.mains.n_members

    @property
    def n_features(self) -> int:
        """How many terms the forward pass returns (the loop's "features")."""
        pairs = 0 if self.pairs is None else len(self.pairs.pairs)
        return self.mains.n_features + pairs

    def param_groups(self, weight_decay: float) -> list[dict[str, Any]]:
        """Adam's groups of both modules (the pairs' intercept stays at zero)."""
        from ._training import main_param_groups

        groups = main_param_groups(self.mains, weight_decay)
        if self.pairs is not None:
            for g in self.pairs.param_groups(weight_decay):
                params = [p for p in g["params"] if p is not self.pairs.intercept]
                groups.append({**g, "params": params})
        return groups

    def forward(
        self, x_num: torch.Tensor, missing: torch.Tensor, x_cat: torch.Tensor
    ) -> torch.Tensor:
        """Centred contributions of every term, mains first, then pairs."""
        contrib = self.mains(x_num, missing, x_cat)
        if self.pairs is None:
            return contrib
        contrib = contrib + self.pairs.main_corrections(x_num, missing, x_cat)
        return torch.cat([contrib, self.pairs(x_num, missing, x_cat)], 2)


def check_interactions(value: Any, names: Sequence[str]) -> int | list[tuple[int, int]]:
    """The ``interactions`` parameter as a count or an explicit list of pairs.

    ``0`` (no pairs), a positive int (the best that many), ``"auto"`` (as many
    pairs as features, at most every pair), or a list of pairs of feature names
    or indices.
    """
    n = len(names)
    n_pairs = n * (n - 1) // 2
    if value is None or (isinstance(value, str) and value == "auto"):
        return min(n, n_pairs)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if value < 0:
            raise InputError(f"interactions must be >= 0, got {value!r}.")
        return min(int(value), n_pairs)
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InputError(
            "interactions must be 0, a positive int, 'auto' or a list of feature "
            f"pairs, got {value!r}."
        )
    pairs: list[tuple[int, int]] = []
    for item in value:
        if isinstance(item, str) or not isinstance(item, Sequence) or len(item) != 2:
            raise InputError(
                f"interactions lists pairs of two features; {item!r} is not one."
            )
        idx = [_feature_position(f, names) for f in item]
        if idx[0] == idx[1]:
            raise InputError(f"interactions pair {item!r} names one feature twice.")
        pair = (min(idx), max(idx))
        if pair not in pairs:
            pairs.append(pair)
    return pairs


def _feature_position(feature: Any, names: Sequence[str]) -> int:
    if isinstance(feature, numbers.Integral) and not isinstance(feature, bool):
        if 0 <= int(feature) < len(names):
            return int(feature)
        raise InputError(
            f"interactions names feature index {feature}, but there are "
            f"{len(names)} features."
        )
    if str(feature) in names:
        return list(names).index(str(feature))
    raise InputError(
        f"interactions names {feature!r}, which is not a feature (features: "
        f"{list(names)})."
    )


def main_pause(
    interactions: Any, names: Sequence[str], patience: int | None
) -> int | None:
    """Epochs without a gain after which the main effects' fit pauses for pairs.

    ``MAIN_PAUSE`` where pairs may follow (``interactions`` asks for some) and
    the patience is longer; None (no pause) otherwise.
    """
    spec = check_interactions(interactions, names)
    if not spec or patience is None or patience <= MAIN_PAUSE:
        return None
    return MAIN_PAUSE


def pair_name(names: Sequence[str], pair: tuple[int, ...]) -> str:
    """A pair term's name, ``"a & b"``."""
    return PAIR_SEPARATOR.join(names[j] for j in pair)


def _gradients(
    task: str, eta: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Loss gradients (towards the target) and hessians at eta, weighted."""
    if task == "regression":
        g, h = y[:, None] - eta, np.ones_like(eta)
    elif task == "binary":
        p = 1.0 / (1.0 + np.exp(-eta))
        g, h = y[:, None] - p, p * (1.0 - p)
    else:
        z = np.exp(eta - eta.max(1, keepdims=True))
        p = z / z.sum(1, keepdims=True)
        onehot = np.eye(eta.shape[1])[y.astype(int)]
        g, h = onehot - p, p * (1.0 - p)
    return g * w[:, None], h * w[:, None]


def column_maps(
    est: NAMBase,
) -> tuple[dict[int, int], dict[int, tuple[int, int, int]]]:
    """Where each feature sits in the encoder's ``x_num`` / ``x_cat`` tensors."""
    enc = est.encoder_
    numeric = {j: k for k, j in enumerate(enc.numeric_index_)}
    offsets = enc.category_offsets()
    categorical = {
        j: (k, int(offsets[k]), len(enc.categories_[j]))
        for k, j in enumerate(enc.categorical_index_)
    }
    return numeric, categorical


def pair_grid(n_rows: int) -> int:
    """A new fit's cells per numeric axis for ``n_rows`` training rows."""
    if PAIR_GRID is not None:
        return int(PAIR_GRID)
    return FINE_GRID if n_rows >= FINE_GRID_ROWS else GRID


def pair_net_grid(grid: int) -> int:
    """A new fit's most cells per axis for its pair nets, given its grid."""
    return min(grid, FINE_NET_GRID if grid >= FINE_GRID else NET_GRID)


def build_pair_module(
    est: NAMBase,
    pairs: Sequence[tuple[int, int]],
    grid: int = GRID,
    net_grid: int | None = None,
) -> PairModule:
    """An untrained :class:`PairModule` for ``pairs`` of a fitted encoder.

    ``grid``: cells per numeric axis (a new fit's from :func:`pair_grid`);
    ``net_grid``: the most cells per axis its nets are evaluated on (a new
    fit's from :func:`pair_net_grid`; None: ``NET_GRID``).
    """
    enc = est.encoder_
    numeric, categorical = column_maps(est)
    return PairModule(
        pairs,
        enc.kinds_,
        numeric,
        categorical,
        int(est.n_models),
        est.n_outputs_,
        PAIR_HIDDEN,
        feature_order=enc.numeric_index_ + enc.categorical_index_,
        n_levels=sum(len(enc.categories_[j]) for j in enc.categorical_index_),
        grid=int(grid),
        net_grid=net_grid,
    )


def select_pairs(
    est: NAMBase,
    columns: Sequence[np.ndarray],
    eta: np.ndarray,
    target: np.ndarray,
    w: np.ndarray,
    rows: np.ndarray,
    count: int,
) -> list[tuple[int, int]]:
    """The ``count`` best pairs by FAST gain on the training rows.

    ``columns``: every row's raw values, ``est.encoder_.raw_values(frame)``.
    """
    if count <= 0:
        return []
    g, h = _gradients(est._task_name(), eta[rows], target[rows], w[rows])
    columns = [c[rows] for c in columns]
    usable = [not c for c in est.encoder_.constant_]
    candidates = [
        (i, j)
        for i in range(len(columns))
        for j in range(i + 1, len(columns))
        if usable[i] and usable[j]
    ]
    kinds = est.encoder_.kinds_
    if len(candidates) > SCREEN_ABOVE:
        screened = rank_pairs(
            columns,
            kinds,
            g,
            h,
            candidates=candidates,
            max_bins=SCREEN_BINS,
            max_rows=SCREEN_ROWS,
            random_state=0,
        )
        keep = max(SCREEN_KEEP, 5 * count)
        candidates = [pair for pair, _ in screened[:keep]]
    ranked = rank_pairs(columns, kinds, g, h, candidates=candidates, random_state=0)
    return [pair for pair, gain in ranked[:count] if gain > 0]


def fit_interactions(
    est: NAMBase,
    frame: pd.DataFrame,
    data: TensorData,
    train_idx: torch.Tensor,
    valid_idx: torch.Tensor | None,
    target: np.ndarray,
    w: np.ndarray,
    generator: torch.Generator,
) -> PairModule | None:
    """Select, train and purify the pair terms of a model whose mains are trained.

    Returns None where no pair is asked for, none has a positive gain, the
    searched pairs' cell lookups do not pass the pre-test, or the pair stage
    does not beat the main effects on validation by more than its
    noise. The pair intercept and the purification constants are added to the
    main effects' intercept; ``est.pair_counts_`` gets each pair's cell weights.
    """
    spec = check_interactions(est.interactions, est.feature_names_)
    with torch.no_grad():
        contrib = est._member_contributions(data)  # mains only, (E, n, F, C)
        eta_t = est.module_.intercept.double()[:, None, :] + contrib.sum(2)
        eta = eta_t.mean(0).cpu().numpy()  # (n, C)
    rows = train_idx.cpu().numpy()
    # the raw values the search and its pre-test read (searched pairs only)
    searched = not isinstance(spec, list) and spec > 0
    columns = est.encoder_.raw_values(frame) if searched else []
    if isinstance(spec, list):
        pairs = spec
    else:
        pairs = select_pairs(est, columns, eta, target, w, rows, spec)
    if not pairs or (
        PRETEST
        and valid_idx is not None
        and searched
        and not lookups_help(est, columns, eta, target, w, rows, valid_idx, pairs)
    ):
        est.pair_counts_ = []
        return None
    grid = pair_grid(len(train_idx))
    pm = build_pair_module(est, pairs, grid, pair_net_grid(grid))
    pm = pm.to(data.x_num.device)
    # the joint stage's validation rows: no offset (its module holds the mains)
    valid = data.rows(valid_idx) if valid_idx is not None else None
    data.offset = torch.from_numpy(eta.astype(np.float32)).to(data.x_num.device)
    try:
        # the pair stage's: with the main effects' prediction as their offset,
        # so that its validation loss (and the no-pair start it is compared
        # with) is the whole model's, not the pairs' alone
        valid_pairs = data.rows(valid_idx) if valid_idx is not None else None
        # the start (no pair at all) is a candidate: pairs are kept only where
        # they beat the main effects alone on validation by more than its noise
        cfg = est._config(
            weight_decay=0.0,
            output_penalty=0.0,
            feature_dropout=0.0,
            score_start=True,
            start_patience=PAIR_START_PATIENCE,
        )
        if PER_PAIR_STOP and valid_pairs is not None and len(valid_pairs):
            staged = PerPairStop(pm, cfg.task, cfg.patience)
            cfg.valid_losses = staged.validation_losses
            history = train(staged, data.rows(train_idx), valid_pairs, cfg, generator)
            staged.finish()  # every pair's grid its best
        else:
            history = train(pm, data.rows(train_idx), valid_pairs, cfg, generator)
    finally:
        data.offset = None
    for record in history:
        record["stage"] = "pairs"
    est.history_ = list(est.history_) + history
    keep = not pm.is_zero()
    if keep and valid_idx is not None and not isinstance(spec, list):
        # what searched pairs carry of the main effects is no reason to keep
        # them (pairs the user named are kept where the pair stage helps)
        keep = pure_pairs_help(est, pm, data, valid_idx, eta)
    if not keep:  # no pair helped beyond validation noise: stay additive
        est.pair_counts_ = []
        return None
    with torch.no_grad():  # one intercept, the main effects'
        est.module_.intercept.add_(pm.intercept)
        pm.intercept.zero_()
    if JOINT_EPOCHS and not (history and history[-1].get("interrupted")):
        # the main effects and the pairs fine-tuned together (the pairs'
        # intercept is not among the parameters: it stays at zero). Measured
        # 2026-12-02: it never beat its start on California Housing's 5 folds
        # (15 epochs each, the model unchanged), but did on tests'
        # synthetic(): test RMSE 0.1184 -> 0.1109 (4,000 rows, 60 epochs) and
        # 0.1224 -> 0.1171 (10,000 rows, defaults), noise floor 0.1, moving
        # after its 5th epoch (a start patience of 5 lost both gains, 10 the
        # first)
        joint = TermModule(est.module_, pm)
        cfg = est._config(max_epochs=JOINT_EPOCHS, score_start=True)
        more = train(joint, data.rows(train_idx), valid, cfg, generator)
        for record in more:
            record["stage"] = "joint"
        est.history_ = list(est.history_) + more
    # the pair terms are small (a grid per pair): keep them in float64, so that
    # purification is exact to rounding and inference reads the same numbers
    pm.double()
    with torch.no_grad():
        numeric, categorical = column_maps(est)
        # float64 interpolation weights, exactly as inference computes them
        x64 = data.x_num.to(torch.float64)
        totals = cell_totals(pm, x64, data.missing, data.x_cat, data.w)
        const = purify_pairs(pm, totals, numeric, categorical)
        est.module_.intercept.add_(const.to(est.module_.intercept))
    est.pair_counts_ = pair_counts(pm, totals)
    return pm


def lookups_help(
    est: NAMBase,
    columns: Sequence[np.ndarray],
    eta: np.ndarray,
    target: np.ndarray,
    w: np.ndarray,
    rows: np.ndarray,
    valid_idx: torch.Tensor,
    pairs: Sequence[tuple[int, int]],
) -> bool:
    """Whether the pairs' cell lookups beat validation noise: the pre-test.

    The selected pairs are fit in turn, each on the training rows' gradients
    and hessians at the main effects' prediction plus the pairs fit before it,
    as a piecewise-constant lookup on a grid of quantile bins
    (:func:`purified_lookup`: purified, so that main-effect leftovers do not
    count). The validation loss with the lookups' pure interaction is compared
    with the main effects' alone by the paired test the pair stage keeps its
    pairs by. Where it does not pass, no pair can be expected to help and the
    pair nets are never trained.
    """
    task = est._task_name()
    valid = valid_idx.cpu().numpy()
    bins = int(np.sqrt(len(rows) / LOOKUP_ROWS))
    bins = min(max(bins, 2), LOOKUP_MAX_BINS)
    kinds = est.encoder_.kinds_
    coded: dict[int, tuple[np.ndarray, int]] = {}
    for f in {f for pair in pairs for f in pair}:
        coded[f] = bin_codes(columns[f], bins, categorical=kinds[f] != "numeric")
    fit = eta[rows].astype(np.float64)
    added = np.zeros((len(valid), eta.shape[1]))
    for a, b in pairs:
        (ca, na), (cb, nb) = coded[a], coded[b]
        g, h = _gradients(task, fit, target[rows], w[rows])
        table = purified_lookup(
            ca[rows], cb[rows], (na, nb), g, h, shrink=LOOKUP_SHRINK
        )
        fit = fit + table[ca[rows], cb[rows]]
        added = added + table[ca[valid], cb[valid]]
    base = torch.from_numpy(eta[valid].astype(np.float64))
    y = torch.from_numpy(np.asarray(target, np.float64)[valid])
    without = eta_losses(base, y, task)
    with_pairs = eta_losses(base + torch.from_numpy(added), y, task)
    return significantly_better(
        without, with_pairs, torch.from_numpy(w[valid]), z=PRETEST_Z
    )


@torch.no_grad()
def pure_pairs_help(
    est: NAMBase,
    pm: PairModule,
    data: TensorData,
    valid_idx: torch.Tensor,
    eta: np.ndarray,
) -> bool:
    """Whether the pairs' pure interaction beats validation noise.

    The pair stage's own test (``score_start``) compares the whole pair stage
    with the main effects alone, so it credits the pairs with whatever of a
    main effect they learn: an under-trained main-effect model (a short
    ``max_epochs``) leaves main-effect signal that a pair net fits as well, and
    pairs were kept on purely additive data. Here a copy of the pairs is
    purified as the fit will purify them (on every fit row's weights), their
    axis means go to the main effects, and the validation losses with and
    without the pure interaction left are compared with the same paired test.
    """
    probe = copy.deepcopy(pm).double()
    numeric, categorical = column_maps(est)
    x64 = data.x_num.to(torch.float64)
    totals = cell_totals(probe, x64, data.missing, data.x_cat, data.w)
    const = purify_pairs(probe, totals, numeric, categorical)
    v = data.rows(valid_idx)
    xv = v.x_num.to(torch.float64)
    base = torch.from_numpy(eta).to(xv)[valid_idx.cpu().numpy()]  # mains, (n, C)
    members = (probe.intercept + const.to(probe.intercept))[:, None, :]  # (E, 1, C)
    mains = members + probe.main_corrections(xv, v.missing, v.x_cat).sum(2)
    pairs = probe(xv, v.missing, v.x_cat).sum(2)  # (E, n, C)
    task = est._task_name()
    y = v.y.double()
    without = eta_losses(base + mains.mean(0), y, task)
    with_pairs = eta_losses(base + (mains + pairs).mean(0), y, task)
    return significantly_better(without, with_pairs, v.w)


def pair_counts(pm: PairModule, totals: list[torch.Tensor]) -> list[np.ndarray]:
    """Each pair's cell weights in (first feature, second feature) orientation."""
    out: list[np.ndarray] = [np.zeros((0, 0))] * len(pm.pairs)
    nn_, cn, cc = (t.cpu().numpy() for t in totals)
    for q, p in enumerate(pm.nn_index):
        out[p] = nn_[q]
    for q, p in enumerate(pm.cn_index):
        counts = cn[q, : pm.cn_levels[q]]  # (levels, numeric slots)
        out[p] = counts.T if int(pm.cn_cols[q, 3]) else counts
    for q, p in enumerate(pm.cc_index):
        la, lb = pm.cc_levels[q]
        out[p] = cc[q, :la, :lb]
    return out


@torch.no_grad()
def pair_surface(est: Any, term: int) -> dict[str, Any]:
    """Pair term ``term`` on its grid; see ``NAMBase.pair_surface``."""
    from ._pair_nets import knot_positions

    n_features = len(est.feature_names_)
    pm = est._inference_module().pairs
    if pm is None or term < n_features:
        raise InputError(
            f"Term {est.term_names_[term]!r} is a main effect, not a pair: use "
            "feature_contributions / shape_functions for it."
        )
    p = term - n_features
    i, j = pm.pairs[p]
    enc = est.encoder_
    grids = [g.double().cpu().numpy() for g in pm.grids()]
    if p in pm.nn_index:
        values = grids[0][:, pm.nn_index.index(p)]
    elif p in pm.cn_index:
        q = pm.cn_index.index(p)
        values = grids[1][:, q, : pm.cn_levels[q]]  # categorical axis first
        if int(pm.cn_cols[q, 3]):
            values = values.transpose(0, 2, 1, 3)
    else:
        q = pm.cc_index.index(p)
        la, lb = pm.cc_levels[q]
        values = grids[2][:, q, :la, :lb]
    knots = knot_positions(pm.grid).numpy()
    axes, missing, keep = [], [], []
    for f in (i, j):
        if enc.kinds_[f] == "numeric":
            xp, fp = (np.asarray(v, np.float64) for v in enc.knots_[f])
            raw = np.interp(knots, fp, xp)
            has_nan = int(enc.stats_[f]["nan_count"]) > 0
            axes.append(raw)
            missing.append(has_nan)
            slots = np.arange(len(knots) + 1)
            keep.append(slots if has_nan else slots[:-1])
        else:
            axes.append(np.asarray(enc.categories_[f], dtype=object))
            missing.append(False)
            keep.append(np.arange(len(enc.categories_[f])))
    counts = np.asarray(est.pair_counts_[p], np.float64)
    values = values[:, keep[0]][:, :, keep[1]]
    counts = counts[keep[0]][:, keep[1]]
    return {
        "features": (i, j),
        "kinds": (enc.kinds_[i], enc.kinds_[j]),
        "axes": tuple(axes),
        "missing": tuple(missing),
        "values": values,
        "counts": counts,
    }
