"""Purifying pair terms: their cells' data weights, and moving axis means to mains.

See :mod:`._purify` for the math on one grid; here every pair of a
:class:`PairModule` is purified on the fit rows, in place, and what it takes out
goes to the main effects' correction buffers (``main_numeric``/``main_levels``)
and, as a constant, to the intercept.
"""

from __future__ import annotations

from collections.abc import Collection

import torch

from ._pair_nets import PairModule
from ._purify import purify


@torch.no_grad()
def cell_totals(
    pm: PairModule,
    x_num: torch.Tensor,
    missing: torch.Tensor,
    x_cat: torch.Tensor,
    w: torch.Tensor,
) -> list[torch.Tensor]:
    """The rows' weight on each grid cell (their bilinear share), per kind.

    Returns
    -------
    list of tensors of shape (P_kind, n_a, n_b), one per kind (nn, cn, cc)
    """
    shapes = [g.shape[1:4] for g in pm.grids()]
    out = []
    for (p, na, nb), (a, b, cw) in zip(shapes, pm.cell_weights(x_num, missing, x_cat)):
        total = torch.zeros(p * na * nb, dtype=torch.float64, device=a.device)
        if p:
            base = torch.arange(p, device=a.device)[None, :, None] * (na * nb)
            idx = (base + a * nb + b).reshape(-1)
            share = (cw.double() * w.double()[:, None, None]).reshape(-1)
            total.index_add_(0, idx, share)
        out.append(total.view(p, na, nb))
    return out


@torch.no_grad()
def purify_pairs(
    pm: PairModule,
    totals: list[torch.Tensor],
    numeric_column: dict[int, int],
    categorical_column: dict[int, tuple[int, int, int]],
    only: Collection[int] | None = None,
) -> torch.Tensor:
    """Purify every pair (or those in ``only``) on its cells' data weights, in place.

    Each pair's weighted axis means go into ``pm.main_numeric`` /
    ``pm.main_levels`` (the main effects), its constant is returned.

    Parameters
    ----------
    totals : list of tensors
        :func:`cell_totals` of the fit rows.
    numeric_column, categorical_column : dict
        As for the constructor.
    only : collection of int, optional
        Pair positions (in ``pm.pairs``) to purify; the others are left as they
        are (a refit purifies the pairs it retrained, not the held ones).

    Returns
    -------
    tensor of shape (E, C)
        The constants, to add to the intercept.
    """
    grids = pm.grids()
    corr = (pm.corrections_nn, pm.corrections_cn, pm.corrections_cc)
    kinds = (pm.nn_index, pm.cn_index, pm.cc_index)
    const = torch.zeros(pm.n_members, pm.n_outputs, dtype=torch.float64)
    for grid, buf, index, weight in zip(grids, corr, kinds, totals):
        g = grid.double().cpu().numpy()
        wt = weight.cpu().numpy()
        for q, p in enumerate(index):
            if only is not None and p not in only:
                continue
            i, j = pm.pairs[p]
            if buf is pm.corrections_cn:  # categorical axis first
                first = i if i in categorical_column else j
                axes = (first, j if first == i else i)
            else:
                axes = (i, j)
            for m in range(pm.n_members):
                for c in range(pm.n_outputs):
                    res = purify(g[m, q, :, :, c], wt[q])
                    removed = g[m, q, :, :, c] - res.pure
                    buf[m, q, :, :, c] += torch.from_numpy(removed).to(buf)
                    _to_main(
                        pm, axes[0], res.row, m, c, numeric_column, categorical_column
                    )
                    _to_main(
                        pm, axes[1], res.col, m, c, numeric_column, categorical_column
                    )
                    const[m, c] += res.constant
    return const


def _to_main(
    pm: PairModule,
    feature: int,
    values: object,
    member: int,
    output: int,
    numeric_column: dict[int, int],
    categorical_column: dict[int, tuple[int, int, int]],
) -> None:
    v = torch.as_tensor(values, dtype=torch.float64)
    if feature in numeric_column:
        k = numeric_column[feature]
        pm.main_numeric[member, k, :, output] += v.to(pm.main_numeric)
    else:
        _, offset, levels = categorical_column[feature]
        sl = slice(offset, offset + levels)
        pm.main_levels[member, sl, output] += v[:levels].to(pm.main_levels)
