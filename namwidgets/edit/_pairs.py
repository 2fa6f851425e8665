"""Pair terms as edits see them: a pair's grid laid out flat, and back.

A pair function (``PairFunction``: values on a 2-D grid, plus the function along
each axis where the other feature is missing) becomes one column of grid values
in a :class:`FeatureReference` of kind ``"pair"``: the ``len(x) * len(y)`` cells
row by row, then ``nan_x`` (where the first feature is missing), then ``nan_y``.
The edits that act on values alone (zero, scale, shift, clamp) then work on a
pair exactly as on a main effect, on the data and on the grid.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import numpy.typing as npt


def _outputs(values: npt.NDArray[np.float64]) -> int:
    return 1 if values.ndim == 2 else int(values.shape[2])


def flat_values(sf: Any, which: str = "values") -> npt.NDArray[np.float64]:
    """A pair's grid (``values``, ``lower`` or ``upper``) as (n_cells, n_outputs).

    The missing-value rows follow the cells; the band has none, so its missing
    part repeats the function's.
    """
    grid = np.asarray(getattr(sf, which), dtype=np.float64)
    a, b = grid.shape[0], grid.shape[1]
    c = _outputs(grid)
    parts = [grid.reshape(a * b, c)]
    for nan in (sf.nan_x, sf.nan_y):
        if nan is not None:
            parts.append(np.asarray(nan, dtype=np.float64).reshape(-1, c))
    return np.concatenate(parts, 0)


def flat_weights(sf: Any) -> npt.NDArray[np.float64]:
    """The cells' data weights, then zeros for the missing-value rows."""
    density = np.asarray(sf.density, dtype=np.float64).ravel()
    extra = sum(len(np.asarray(n)) for n in (sf.nan_x, sf.nan_y) if n is not None)
    return np.concatenate([density, np.zeros(extra)])


def unflatten(sf: Any, flat: npt.ArrayLike) -> dict[str, Any]:
    """The fields ``values``, ``nan_x``, ``nan_y`` of a pair from its flat grid."""
    grid = np.asarray(sf.values)
    a, b = grid.shape[0], grid.shape[1]
    arr = np.asarray(flat, dtype=np.float64)
    c = arr.shape[1]
    squeeze = grid.ndim == 2

    def shaped(x: npt.NDArray[np.float64], *shape: int) -> npt.NDArray[np.float64]:
        out = x.reshape(*shape, c)
        return out[..., 0] if squeeze else out

    out: dict[str, Any] = {"values": shaped(arr[: a * b], a, b)}
    at = a * b
    for name, size in (("nan_x", b), ("nan_y", a)):
        if getattr(sf, name) is not None:
            out[name] = shaped(arr[at : at + size], size)
            at += size
    return out


def edited_pair(
    sf: Any,
    flat: npt.ArrayLike,
    lower: npt.ArrayLike,
    upper: npt.ArrayLike,
    importance: float | None,
) -> Any:
    """The pair's ``PairFunction`` with edited values, band and importance.

    ``importance`` defaults to the model's, times the ratio of the edited to
    the unedited weighted mean |f| over the cells (exact for a zero or a scale).
    """
    new = unflatten(sf, flat)
    lo = unflatten(sf, lower)["values"]
    hi = unflatten(sf, upper)["values"]
    values = new["values"]
    if importance is None:
        w = np.asarray(sf.density, dtype=np.float64)
        before = _weighted_abs(np.asarray(sf.values), w)
        after = _weighted_abs(values, w)
        importance = float(sf.importance) * after / before if before > 0 else after
    return dataclasses.replace(
        sf,
        **new,
        lower=np.minimum(np.minimum(lo, hi), values),
        upper=np.maximum(np.maximum(lo, hi), values),
        importance=float(importance),
    )


def _weighted_abs(values: npt.NDArray[Any], w: npt.NDArray[np.float64]) -> float:
    v = np.abs(np.asarray(values, dtype=np.float64))
    v = v.reshape(w.shape[0], w.shape[1], -1).sum(2)
    total = w.sum()
    return float((w * v).sum() / total) if total > 0 else 0.0
