"""Pair terms: every interaction of every ensemble member computed together.

A pair term ``f_ij(x_i, x_j)`` is a function on a grid of cells, one axis per
feature, and a row's value is read off the grid by bilinear interpolation:

- a numeric axis has ``grid + 1`` knots (``PairModule.grid``) evenly spaced
  over the encoder's mapped range ``[-sqrt(3), sqrt(3)]`` (the encoder maps a
  feature through its training quantiles, so even knots there are quantile
  knots of the raw values), and one more slot for a missing value;
- a categorical axis has one slot per level.

The grid values come from small nets, trained through the interpolation weights:
numeric x numeric is a two-input MLP evaluated at the grid's knots (a missing
value is a learned coordinate on its axis, so the missing row is a learned curve
of the other feature); categorical x numeric is a one-input MLP with one output
per level (one curve per level); categorical x categorical is a learned table.
All nets of one kind are stacked as ``[n_nets, fan_in, fan_out]`` and each layer
is one batched matmul: there is no Python loop over pairs, and a training step
evaluates each net on its grid (about a thousand points) whatever the batch size.

Purification (:mod:`._purify`) subtracts ``corrections`` from the nets' grid so
that each pair has zero data-weighted mean along both axes; what it takes out is
handed to the main effects and the intercept by the estimator.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from ._training import TensorData

# cells per numeric axis (GRID + 1 knots) of a PairModule built without ``grid``,
# and of every model file saved before the grid was a model's own
GRID = 32
NUMERIC_SLOTS = GRID + 2  # the knots and the missing slot (of GRID)
# the most cells per axis the pair nets are evaluated on (a finer grid reads
# them bilinearly): a step's net work does not grow with the grid. A module's
# own (``net_grid``) is saved with the model; a new fit's fine grids use fewer
# (``_interactions.FINE_NET_GRID``)
NET_GRID = 32
_HALF = math.sqrt(3.0)


def knot_positions(grid: int = GRID) -> torch.Tensor:
    """The numeric axis' knots in the encoder's mapped units, shape (grid + 1,)."""
    return torch.linspace(-_HALF, _HALF, grid + 1, dtype=torch.float64)


def numeric_corners(
    u: torch.Tensor, missing: torch.Tensor, grid: int = GRID
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Interpolation corners of mapped values on a numeric axis.

    Returns
    -------
    lo, hi : long tensors, same shape as ``u``
        The two knots around each value; both the missing slot for a missing one.
    t : tensor, same shape as ``u``
        The weight of ``hi`` (``lo`` gets ``1 - t``).
    """
    pos = (u.clamp(-_HALF, _HALF) + _HALF) * (grid / (2 * _HALF))
    lo = pos.floor().clamp_(0, grid - 1)
    t = (pos - lo).clamp_(0.0, 1.0)
    lo = lo.long()
    hi = lo + 1
    nan_slot = torch.full_like(lo, grid + 1)
    lo = torch.where(missing, nan_slot, lo)
    hi = torch.where(missing, nan_slot, hi)
    t = torch.where(missing, torch.zeros_like(t), t)
    return lo, hi, t


class _StackedMLP(nn.Module):
    """``n_nets`` independent ReLU MLPs, each layer one batched matmul."""

    def __init__(
        self, n_nets: int, fan_in: int, hidden: Sequence[int], fan_out: int
    ) -> None:
        super().__init__()
        sizes = [fan_in, *hidden, fan_out]
        self.weights = nn.ParameterList()
        self.biases = nn.ParameterList()
        for k, (a, b) in enumerate(zip(sizes[:-1], sizes[1:])):
            last = k == len(sizes) - 2
            bound = math.sqrt(6.0 / a)
            # the output layer starts at zero: an untrained pair adds nothing, so
            # the pair stage starts from the main effects' own predictions
            weight = (
                torch.zeros(n_nets, a, b)
                if last
                else torch.empty(n_nets, a, b).uniform_(-bound, bound)
            )
            self.weights.append(nn.Parameter(weight))
            # first-layer biases spread the kinks over the grid's range
            bias = (
                torch.empty(n_nets, 1, b).uniform_(-1.0, 1.0)
                if k == 0
                else torch.zeros(n_nets, 1, b)
            )
            self.biases.append(nn.Parameter(bias))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Map (n_nets, points, fan_in) to (n_nets, points, fan_out)."""
        h = x
        last = len(self.weights) - 1
        for k, (w, b) in enumerate(zip(self.weights, self.biases)):
            h = torch.baddbmm(b, h, w)
            if k < last:
                h = torch.relu(h)
        return h

    def output_layer(self) -> tuple[nn.Parameter, nn.Parameter]:
        """The last layer's weight and bias (scaled when targets are rescaled)."""
        return self.weights[-1], self.biases[-1]


class PairModule(nn.Module):
    """The pair terms of an ensemble: (E, batch, n_pairs, C) contributions.

    Parameters
    ----------
    pairs : sequence of (int, int)
        Feature indices of each pair, in term order.
    kinds : sequence of {"numeric", "categorical"}
        The kind of every input feature.
    numeric_column : dict of int to int
        For a numeric feature, its column in the encoder's ``x_num``.
    categorical_column : dict of int to (int, int, int)
        For a categorical feature, (its column in ``x_cat``, the offset of its
        codes in the flat level table, its number of levels).
    n_members, n_outputs : int
        Ensemble size E and outputs per term C.
    hidden_sizes : tuple of int
        Hidden widths of the pair nets.
    feature_order : sequence of int
        Input position of each column of the main effects' ``[numeric...,
        categorical...]`` layout (as ``NAMModule``'s).
    n_levels : int
        Size of the flat table of category levels.
    grid : int
        Cells per numeric axis (``grid + 1`` knots and a missing slot).
    """

    corrections_nn: torch.Tensor  # [E, P_nn, S, S, C]
    corrections_cn: torch.Tensor  # [E, P_cn, L_max, S, C]
    corrections_cc: torch.Tensor  # [E, P_cc, L_a_max, L_b_max, C]
    knots: torch.Tensor  # [grid + 1]
    net_knots: torch.Tensor  # [net_grid + 1], not saved
    upsample: torch.Tensor  # [grid + 2, net_grid + 2], not saved
    nn_cols: torch.Tensor  # [P_nn, 2]: x_num columns of each pair
    cn_cols: torch.Tensor  # [P_cn, 4]: x_cat column, level offset, x_num column, flip
    cc_cols: torch.Tensor  # [P_cc, 4]: (x_cat column, level offset) per axis
    inverse_order: torch.Tensor  # [n_pairs]: term p is column inverse_order[p]
    main_numeric: torch.Tensor  # [E, n_numeric, S, C]: S = grid + 2 slots
    main_levels: torch.Tensor  # [E, n_levels, C]
    main_order: torch.Tensor  # [n_features]

    def __init__(
        self,
        pairs: Sequence[tuple[int, int]],
        kinds: Sequence[str],
        numeric_column: dict[int, int],
        categorical_column: dict[int, tuple[int, int, int]],
        n_members: int,
        n_outputs: int,
        hidden_sizes: tuple[int, ...] = (32, 16),
        *,
        feature_order: Sequence[int] = (),
        n_levels: int = 0,
        grid: int = GRID,
        net_grid: int | None = None,
    ) -> None:
        super().__init__()
        self.grid, self.slots = int(grid), int(grid) + 2
        self.pairs = [(int(i), int(j)) for i, j in pairs]
        self.n_members, self.n_outputs = n_members, n_outputs
        self.n_features = len(self.pairs)  # the training loop's "terms"
        e, c = n_members, n_outputs
        nn_, cn, cc = [], [], []
        for p, (i, j) in enumerate(self.pairs):
            ki, kj = kinds[i], kinds[j]
            if ki == "numeric" and kj == "numeric":
                nn_.append(p)
            elif ki == "categorical" and kj == "categorical":
                cc.append(p)
            else:
                cn.append(p)
        self.nn_index, self.cn_index, self.cc_index = nn_, cn, cc
        # the columns each kind reads, as index tensors (buffers follow .to())
        nn_cols = [(numeric_column[i], numeric_column[j]) for i, j in self._of(nn_)]
        cn_cols, cn_levels = [], []
        for i, j in self._of(cn):
            cat, num = (i, j) if kinds[i] == "categorical" else (j, i)
            col, off, levels = categorical_column[cat]
            cn_cols.append((col, off, numeric_column[num], int(kinds[i] == "numeric")))
            cn_levels.append(levels)
        cc_cols, cc_levels = [], []
        for i, j in self._of(cc):
            (ca, oa, la), (cb, ob, lb) = categorical_column[i], categorical_column[j]
            cc_cols.append((ca, oa, cb, ob))
            cc_levels.append((la, lb))
        self.register_buffer(
            "nn_cols", torch.tensor(nn_cols, dtype=torch.long).view(-1, 2)
        )
        self.register_buffer(
            "cn_cols", torch.tensor(cn_cols, dtype=torch.long).view(-1, 4)
        )
        self.register_buffer(
            "cc_cols", torch.tensor(cc_cols, dtype=torch.long).view(-1, 4)
        )
        self.cn_levels_max = max(cn_levels, default=1)
        self.cc_levels_max = (
            max((a for a, _ in cc_levels), default=1),
            max((b for _, b in cc_levels), default=1),
        )
        self.cn_levels, self.cc_levels = cn_levels, cc_levels
        self.register_buffer("knots", knot_positions(self.grid).float())
        # the nets are evaluated on at most NET_GRID cells per axis (their
        # smooth surface), read onto a finer grid bilinearly (``upsample``,
        # [grid + 2, net_grid + 2]); the tables hold the finer grid's detail
        # (``net_grid``, where given: a saved model's own, so that it reads
        # the surface it was trained with)
        self.net_grid = min(self.grid, NET_GRID if net_grid is None else int(net_grid))
        self.register_buffer(
            "net_knots", knot_positions(self.net_grid).float(), persistent=False
        )
        self.register_buffer(
            "upsample", _upsample(self.grid, self.net_grid), persistent=False
        )
        order = nn_ + cn + cc
        inverse = [0] * len(order)
        for k, p in enumerate(order):
            inverse[p] = k
        self.register_buffer("inverse_order", torch.tensor(inverse, dtype=torch.long))
        self.nets_nn = _StackedMLP(e * len(nn_), 2, hidden_sizes, c) if nn_ else None
        self.nets_cn = (
            _StackedMLP(e * len(cn), 1, hidden_sizes, self.cn_levels_max * c)
            if cn
            else None
        )
        # a missing value's coordinate on each numeric axis, learned
        self.nan_coord_nn = nn.Parameter(torch.zeros(e * len(nn_), 2))
        self.nan_coord_cn = nn.Parameter(torch.zeros(e * len(cn)))
        la, lb = self.cc_levels_max
        self.tables_cc = nn.Parameter(torch.zeros(e, len(cc), la, lb, c))
        # a learned value per cell on top of each numeric x numeric net: the net
        # gives the smooth surface, the table the detail it cannot reach (a map's
        # coastline), trained together through the same interpolation
        s = self.slots
        self.tables_nn = nn.Parameter(torch.zeros(e, len(nn_), s, s, c))
        self.tables_cn = nn.Parameter(torch.zeros(e, len(cn), self.cn_levels_max, s, c))
        self.intercept = nn.Parameter(torch.zeros(e, c))
        self.register_buffer("corrections_nn", torch.zeros(e, len(nn_), s, s, c))
        self.register_buffer(
            "corrections_cn", torch.zeros(e, len(cn), self.cn_levels_max, s, c)
        )
        self.register_buffer("corrections_cc", torch.zeros(e, len(cc), la, lb, c))
        # what purification hands to the main effects: a piecewise-linear function
        # on each numeric feature's knots (and its missing slot), a value per level
        n_numeric = len(numeric_column)
        self.register_buffer("main_numeric", torch.zeros(e, n_numeric, s, c))
        self.register_buffer("main_levels", torch.zeros(e, n_levels, c))
        inv = [0] * len(feature_order)
        for k, j in enumerate(feature_order):
            inv[j] = k
        self.register_buffer("main_order", torch.tensor(inv, dtype=torch.long))

    def _of(self, index: list[int]) -> list[tuple[int, int]]:
        return [self.pairs[p] for p in index]

    # ------------------------------------------------------------ grids
    def _axis(self, nan_coord: torch.Tensor) -> torch.Tensor:
        """The nets' axis coordinates (n_nets, net_grid + 2): knots, then NaN."""
        knots = self.net_knots.to(nan_coord.dtype)
        rows = nan_coord.shape[0]
        return torch.cat([knots.expand(rows, -1), nan_coord[:, None]], 1)

    def grids(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Each kind's grid values after purification.

        Returns
        -------
        nn : tensor of shape (E, P_nn, S, S, C)
        cn : tensor of shape (E, P_cn, L_max, S, C)
            Categorical axis first, whatever the pair's feature order.
        cc : tensor of shape (E, P_cc, L_a_max, L_b_max, C)
        """
        e, c, s = self.n_members, self.n_outputs, self.slots
        r = self.net_grid + 2  # the nets' slots
        up = self.upsample.to(self.intercept.dtype) if r != s else None
        dtype = self.intercept.dtype
        if self.nets_nn is not None:
            a = self._axis(self.nan_coord_nn[:, 0])  # (E*P, R)
            b = self._axis(self.nan_coord_nn[:, 1])
            pts = torch.stack(
                [a[:, :, None].expand(-1, r, r), b[:, None, :].expand(-1, r, r)], -1
            ).reshape(a.shape[0], r * r, 2)
            net = self.nets_nn(pts).view(e, -1, r, r, c)
            if up is not None:  # bilinear from the nets' knots to the grid's
                net = torch.einsum("ia,epabc,jb->epijc", up, net, up)
            grid_nn = net + self.tables_nn
        else:
            grid_nn = torch.zeros(e, 0, s, s, c, dtype=dtype, device=self.knots.device)
        if self.nets_cn is not None:
            axis = self._axis(self.nan_coord_cn)[:, :, None]  # (E*P, R, 1)
            out = self.nets_cn(axis).view(e, -1, r, self.cn_levels_max, c)
            if up is not None:
                out = torch.einsum("ia,epalc->epilc", up, out)
            grid_cn = out.permute(0, 1, 3, 2, 4) + self.tables_cn
        else:
            grid_cn = torch.zeros(
                e, 0, self.cn_levels_max, s, c, dtype=dtype, device=self.knots.device
            )
        return (
            grid_nn - self.corrections_nn,
            grid_cn - self.corrections_cn,
            self.tables_cc - self.corrections_cc,
        )

    # ------------------------------------------------------ interpolation
    def cell_weights(
        self, x_num: torch.Tensor, missing: torch.Tensor, x_cat: torch.Tensor
    ) -> list[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
        """Each kind's four corners per row: (a, b) slots and their weights.

        Returns
        -------
        list of (a, b, weight), one per kind (nn, cn, cc)
            ``a`` and ``b`` (long) and ``weight`` of shape (batch, P_kind, 4).
        """
        out = []
        # numeric x numeric
        cols = self.nn_cols
        ua, ub = x_num[:, cols[:, 0]], x_num[:, cols[:, 1]]
        g = self.grid
        a0, a1, ta = numeric_corners(ua, missing[:, cols[:, 0]], g)
        b0, b1, tb = numeric_corners(ub, missing[:, cols[:, 1]], g)
        out.append(_corners(a0, a1, ta, b0, b1, tb))
        # categorical x numeric (categorical axis first)
        cols = self.cn_cols
        code = x_cat[:, cols[:, 0]] - cols[:, 1]
        u = x_num[:, cols[:, 2]]
        n0, n1, tn = numeric_corners(u, missing[:, cols[:, 2]], g)
        zero = torch.zeros_like(tn)
        out.append(_corners(code, code, zero, n0, n1, tn))
        # categorical x categorical
        cols = self.cc_cols
        ca = x_cat[:, cols[:, 0]] - cols[:, 1]
        cb = x_cat[:, cols[:, 2]] - cols[:, 3]
        z = torch.zeros(ca.shape, dtype=x_num.dtype, device=x_num.device)
        out.append(_corners(ca, ca, z, cb, cb, z))
        return out

    def forward(
        self, x_num: torch.Tensor, missing: torch.Tensor, x_cat: torch.Tensor
    ) -> torch.Tensor:
        """Pair contributions of every member, (E, batch, n_pairs, C)."""
        return self.lookup(self.grids(), x_num, missing, x_cat)

    def lookup(
        self,
        grids: Sequence[torch.Tensor],
        x_num: torch.Tensor,
        missing: torch.Tensor,
        x_cat: torch.Tensor,
    ) -> torch.Tensor:
        """Rows' values on ``grids`` (each kind's, as :meth:`grids` gives them)."""
        e, c = self.n_members, self.n_outputs
        batch = x_num.shape[0] if x_num.dim() == 2 else x_cat.shape[0]
        corners = self.cell_weights(x_num, missing, x_cat)
        parts = []
        for grid, (a, b, w) in zip(grids, corners):
            p, na, nb = grid.shape[1], grid.shape[2], grid.shape[3]
            if p == 0:
                parts.append(grid.new_zeros(e, batch, 0, c))
                continue
            flat = grid.reshape(e, p * na * nb, c)
            base = torch.arange(p, device=a.device)[None, :, None] * (na * nb)
            idx = base + a * nb + b  # (batch, P, 4)
            vals = flat[:, idx.reshape(-1)].view(e, batch, p, 4, c)
            parts.append((vals * w.to(vals.dtype)[None, ..., None]).sum(3))
        out = torch.cat(parts, 2)  # kinds in order nn, cn, cc
        return out.index_select(2, self.inverse_order)

    def main_corrections(
        self, x_num: torch.Tensor, missing: torch.Tensor, x_cat: torch.Tensor
    ) -> torch.Tensor:
        """What purification moved into each main effect, (E, batch, F, C).

        In input-feature order; add it to the main effects' contributions.
        """
        e, c = self.n_members, self.n_outputs
        batch = x_num.shape[0]
        parts = []
        if x_num.shape[1]:
            lo, hi, t = numeric_corners(x_num, missing, self.grid)  # (batch, F_num)
            k = torch.arange(x_num.shape[1], device=x_num.device)[None, :]
            table = self.main_numeric  # (E, F_num, S, C)
            v_lo = table[:, k, lo]  # (E, batch, F_num, C)
            v_hi = table[:, k, hi]
            w = t.to(table.dtype)[None, ..., None]
            parts.append(v_lo * (1 - w) + v_hi * w)
        if x_cat.shape[1]:
            parts.append(self.main_levels[:, x_cat])
        if not parts:
            return self.main_levels.new_zeros(e, batch, 0, c)
        out = torch.cat(parts, 2) if len(parts) > 1 else parts[0]
        return out.index_select(2, self.main_order)

    @torch.no_grad()
    def center_(self, means: torch.Tensor) -> None:
        """Subtract each pair's mean (E, n_pairs, C) from all of its cells."""
        for buf, index in zip(
            (self.corrections_nn, self.corrections_cn, self.corrections_cc),
            (self.nn_index, self.cn_index, self.cc_index),
        ):
            if index:
                m = means[:, index].to(buf)  # (E, P_kind, C)
                buf.add_(m[:, :, None, None, :])

    @torch.no_grad()
    def is_zero(self) -> bool:
        """Whether every pair function is exactly zero (as initialised)."""
        return all(bool((g == 0).all()) for g in self.grids())

    def param_groups(self, weight_decay: float) -> list[dict[str, Any]]:
        """Adam's groups: nets with weight decay, tables and coordinates without."""
        nets = [
            p
            for m in (self.nets_nn, self.nets_cn)
            if m is not None
            for p in m.parameters()
        ]
        values = [
            self.nan_coord_nn,
            self.nan_coord_cn,
            self.tables_nn,
            self.tables_cn,
            self.tables_cc,
            self.intercept,
        ]
        return [
            {"params": nets, "weight_decay": weight_decay},
            {"params": values, "weight_decay": 0.0},
        ]

    @torch.no_grad()
    def scale_outputs(self, factor: float) -> None:
        """Multiply every pair function (and the intercept) by ``factor``."""
        for m in (self.nets_nn, self.nets_cn):
            if m is not None:
                w, b = m.output_layer()
                w.mul_(factor)
                b.mul_(factor)
        for table in (self.tables_nn, self.tables_cn, self.tables_cc):
            table.mul_(factor)
        self.intercept.mul_(factor)
        for buf in (
            self.corrections_nn,
            self.corrections_cn,
            self.corrections_cc,
            self.main_numeric,
            self.main_levels,
        ):
            buf.mul_(factor)


def _upsample(grid: int, net_grid: int) -> torch.Tensor:
    """Bilinear weights (grid + 2, net_grid + 2) from coarse slots to fine ones."""
    fine = knot_positions(grid)
    lo, hi, t = numeric_corners(
        fine, torch.zeros_like(fine, dtype=torch.bool), net_grid
    )
    out = torch.zeros(grid + 2, net_grid + 2, dtype=torch.float64)
    rows = torch.arange(grid + 1)
    out[rows, lo] += 1 - t
    out[rows, hi] += t
    out[grid + 1, net_grid + 1] = 1.0  # the missing slot
    return out.float()


def _corners(
    a0: torch.Tensor,
    a1: torch.Tensor,
    ta: torch.Tensor,
    b0: torch.Tensor,
    b1: torch.Tensor,
    tb: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The four bilinear corners (batch, P, 4) and their weights."""
    a = torch.stack([a0, a0, a1, a1], -1)
    b = torch.stack([b0, b1, b0, b1], -1)
    w = torch.stack([(1 - ta) * (1 - tb), (1 - ta) * tb, ta * (1 - tb), ta * tb], -1)
    return a, b, w


class PerPairStop(nn.Module):
    """A :class:`PairModule` in its pair stage, each pair early-stopped on its own.

    All pairs still train in one batched pass; after each epoch
    :meth:`validation_losses` scores every pair's current function with the
    others at their best so far (``best total - best_p + current_p``, one
    vectorised pass over the pairs), keeps a snapshot of each pair's grid where
    it beats its best, and freezes a pair that has not done so for ``patience``
    epochs: from then on its grid is read from the snapshot (its parameters get
    no gradient). The loop's validation losses are those of every pair at its
    best, so the loop's own best state holds the snapshots; :meth:`finish` then
    makes each pair's grid its best (``corrections`` take up the difference).
    Measured on California Housing (issue 16): under one early stop for all
    pairs, weak pairs overfit and ended the stage before Latitude x Longitude was
    fitted.
    """

    best_nn: torch.Tensor  # each kind's best grids, as PairModule.grids()
    best_cn: torch.Tensor
    best_cc: torch.Tensor
    frozen: torch.Tensor  # [n_pairs] bool, in term order
    stale: torch.Tensor  # [n_pairs]: epochs since each pair's last best
    started: torch.Tensor  # [] bool: whether the snapshots were taken

    def __init__(self, pairs: PairModule, task: str, patience: int | None) -> None:
        super().__init__()
        self.pairs, self.task, self.patience = pairs, task, patience
        for name, grid in zip(("best_nn", "best_cn", "best_cc"), pairs.grids()):
            self.register_buffer(name, grid.detach().clone())
        n = len(pairs.pairs)
        device = pairs.knots.device
        self.register_buffer("frozen", torch.zeros(n, dtype=torch.bool, device=device))
        self.register_buffer("stale", torch.zeros(n, dtype=torch.long, device=device))
        self.register_buffer("started", torch.zeros((), dtype=torch.bool))
        # the validation rows' contributions of each pair's best, (E, n, P, C)
        self._best_rows: torch.Tensor | None = None

    @property
    def intercept(self) -> torch.Tensor:
        """The pairs' intercept, (E, C)."""
        return self.pairs.intercept

    @property
    def n_members(self) -> int:
        """Ensemble size E."""
        return self.pairs.n_members

    @property
    def n_features(self) -> int:
        """The pairs' count."""
        return self.pairs.n_features

    def param_groups(self, weight_decay: float) -> list[dict[str, Any]]:
        """The pair module's groups."""
        return self.pairs.param_groups(weight_decay)

    def _bests(self) -> tuple[torch.Tensor, ...]:
        return (self.best_nn, self.best_cn, self.best_cc)

    def _masks(self) -> list[torch.Tensor]:
        pm = self.pairs
        return [
            self.frozen[index].view(1, -1, 1, 1, 1)
            for index in (pm.nn_index, pm.cn_index, pm.cc_index)
        ]

    def current_grids(self) -> list[torch.Tensor]:
        """Each kind's grids now: a frozen pair's from its snapshot."""
        return self._frozen_at_best(self.pairs.grids())

    def _frozen_at_best(self, live: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        return [
            torch.where(m, b.to(g.dtype), g)
            for g, b, m in zip(live, self._bests(), self._masks())
        ]

    def forward(
        self, x_num: torch.Tensor, missing: torch.Tensor, x_cat: torch.Tensor
    ) -> torch.Tensor:
        """Pair contributions, (E, batch, n_pairs, C), frozen pairs at their best."""
        return self.pairs.lookup(self.current_grids(), x_num, missing, x_cat)

    @torch.no_grad()
    def validation_losses(self, data: TensorData) -> tuple[torch.Tensor, bool]:
        """Update each pair's best on ``data``; its rows' losses, all at best.

        Returns the per-row losses (unweighted) of every pair at its best with
        the current intercept, and whether every pair is frozen. The first call
        (before any epoch) takes the snapshots.
        """
        from ._training import eta_losses

        self.eval()
        live = self.pairs.grids()
        cur = self.pairs.lookup(
            self._frozen_at_best(live), data.x_num, data.missing, data.x_cat
        )
        base = self.intercept[:, None, :]
        if data.offset is not None:
            base = base + data.offset[None]
        y, w = data.y, data.w.double()
        if self._best_rows is None:
            self._best_rows = cur.clone()
            for b, g in zip(self._bests(), live):
                b.copy_(g)
            self.started.fill_(True)
        else:
            best = self._best_rows
            total = base + best.sum(2)  # (E, n, C)
            n, p, c = cur.shape[1], cur.shape[2], cur.shape[3]
            cand = (total[:, :, None] - best + cur).mean(0)  # (n, P, C)
            rows = eta_losses(cand.reshape(n * p, c), y.repeat_interleave(p), self.task)
            cand_loss = (rows.view(n, p).double() * w[:, None]).sum(0)
            now = (eta_losses(total.mean(0), y, self.task).double() * w).sum()
            better = (cand_loss < now - 1e-9 * abs(float(now))) & ~self.frozen
            if bool(better.any()):
                best[:, :, better] = cur[:, :, better]
                pm = self.pairs
                for b, g, index in zip(
                    self._bests(), live, (pm.nn_index, pm.cn_index, pm.cc_index)
                ):
                    m = better[index].view(1, -1, 1, 1, 1)
                    b.copy_(torch.where(m, g.to(b.dtype), b))
            self.stale.add_(1).masked_fill_(better, 0)
            if self.patience is not None:
                self.frozen |= self.stale >= self.patience
        eta = (base + self._best_rows.sum(2)).mean(0)
        return eta_losses(eta, y, self.task).double(), bool(self.frozen.all())

    @torch.no_grad()
    def finish(self) -> None:
        """Make every pair's grid its best (after the loop restored its best state)."""
        if not bool(self.started):
            return  # no validation: the loop's own stop, nothing to restore
        pm = self.pairs
        live = pm.grids()
        for buf, g, b in zip(
            (pm.corrections_nn, pm.corrections_cn, pm.corrections_cc),
            live,
            self._bests(),
        ):
            buf.add_((g - b.to(g.dtype)).to(buf.dtype))
