"""Purification of a pair function (Lengerich et al., AISTATS 2020).

A pair function ``f(a, b)`` on a grid of cells with data weights ``w(a, b)`` is
*pure* when its weighted mean along each axis is zero: ``sum_b w(a,b) f(a,b) = 0``
for every ``a`` and ``sum_a w(a,b) f(a,b) = 0`` for every ``b``. Purifying moves
those means into the two main effects and their weighted mean into the
intercept, leaving predictions unchanged: ``f = pure + u(a) + v(b) + c``. Then
"zero the pair" removes only the interaction, and the main-effect plots are not
hiding part of the effect in the pair.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..exceptions import InputError


@dataclass(frozen=True)
class Purified:
    """A pair function split into its pure part, two main effects and a constant.

    ``values == pure + row[:, None] + col[None, :] + constant`` on every cell;
    ``row`` and ``col`` have zero weighted mean under the marginal weights.
    """

    pure: npt.NDArray[np.float64]  # [n_a, n_b]
    row: npt.NDArray[np.float64]  # [n_a], added to the first feature's effect
    col: npt.NDArray[np.float64]  # [n_b], added to the second feature's effect
    constant: float  # added to the intercept
    iterations: int


def purify(
    values: npt.ArrayLike,
    weights: npt.ArrayLike,
    *,
    tol: float = 1e-12,
    max_iter: int = 1000,
) -> Purified:
    """Purify a 2-D function under cell weights by alternating axis projections.

    Parameters
    ----------
    values : array-like of shape (n_a, n_b)
        The pair function on its grid of cells.
    weights : array-like of shape (n_a, n_b)
        Non-negative data weights of the cells (e.g. row counts).
    tol : float, default=1e-12
        Stop when no weighted axis mean exceeds ``tol`` times the function's scale.
    max_iter : int, default=1000
        Most sweeps (each sweep removes row means, then column means).

    Returns
    -------
    Purified
        A row or column without weight gets 0 in ``row``/``col`` (no data says
        what its mean is) and keeps its values in ``pure``; every cell adds
        back exactly.
    """
    f = np.array(values, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    if f.ndim != 2 or w.shape != f.shape:
        raise InputError(
            f"values and weights must be 2-D of one shape, got {f.shape} and {w.shape}."
        )
    if not (np.isfinite(f).all() and np.isfinite(w).all()) or (w < 0).any():
        raise InputError("values must be finite and weights finite and non-negative.")
    total = w.sum()
    if total <= 0:
        raise InputError("weights sum to zero: no cell has data to purify on.")
    wr, wc = w.sum(1), w.sum(0)
    row = np.zeros(f.shape[0])
    col = np.zeros(f.shape[1])
    scale = max(float(np.abs(f).max()), 1.0)
    iterations = 0
    while iterations < max_iter:
        iterations += 1
        mr = np.divide((w * f).sum(1), wr, out=np.zeros_like(wr), where=wr > 0)
        f -= mr[:, None]
        row += mr
        mc = np.divide((w * f).sum(0), wc, out=np.zeros_like(wc), where=wc > 0)
        f -= mc[None, :]
        col += mc
        if max(np.abs(mr).max(), np.abs(mc).max()) <= tol * scale:
            break
    # the main effects' own weighted means go to the intercept
    cr = float((wr * row).sum() / total)
    cc = float((wc * col).sum() / total)
    row, col = row - cr, col - cc
    # a row or column no data reaches hands nothing to its main effect: its cells
    # keep their part in the pure function (their weight is zero, so purity holds)
    f += np.where(wr > 0, 0.0, row)[:, None] + np.where(wc > 0, 0.0, col)[None, :]
    row[wr <= 0], col[wc <= 0] = 0.0, 0.0
    return Purified(f, row, col, cr + cc, iterations)
