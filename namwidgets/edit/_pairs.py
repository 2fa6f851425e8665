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
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import EditError
from ._reference import FeatureReference


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
        members=None,  # an edit acts on the mean function, not on members
    )


def _weighted_abs(values: npt.NDArray[Any], w: npt.NDArray[np.float64]) -> float:
    v = np.abs(np.asarray(values, dtype=np.float64))
    v = v.reshape(w.shape[0], w.shape[1], -1).sum(2)
    total = w.sum()
    return float((w * v).sum() / total) if total > 0 else 0.0


# --------------------------------------------------------------------------
# The pair's layout, as edits that act on a region of it need to see it
# --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True, eq=False)
class PairReference(FeatureReference):
    """A pair's flat grid (a ``"pair"`` :class:`FeatureReference`) and its layout.

    Parameters
    ----------
    pair_features : tuple of (str, str)
        The two features' names.
    pair_kinds : tuple of (str, str)
        Their kinds, ``"numeric"`` or ``"categorical"``.
    pair_axes : tuple
        Per axis: a numeric feature's grid (ndarray) or a categorical one's
        levels (tuple of str).
    pair_has_nan : tuple of (bool, bool)
        Whether the flat grid holds ``nan_x`` / ``nan_y`` slots.
    """

    pair_features: tuple[str, str] = ("", "")
    pair_kinds: tuple[str, str] = ("numeric", "numeric")
    pair_axes: tuple[Any, Any] = ((), ())
    pair_has_nan: tuple[bool, bool] = (False, False)


def pair_reference(sf: Any) -> PairReference:
    """The :class:`PairReference` of a ``PairFunction``: the flat grid and its axes."""
    flat = flat_values(sf)
    axes: list[Any] = []
    for kind, grid in zip(sf.kinds, (sf.x, sf.y)):
        if kind == "numeric":
            axis = np.array(grid, dtype=np.float64)
            axis.setflags(write=False)
            axes.append(axis)
        else:
            axes.append(tuple(str(v) for v in np.asarray(grid, dtype=object)))
    return PairReference(
        name=sf.name,
        kind="pair",
        grid=np.arange(len(flat), dtype=np.float64),
        grid_values=flat,
        grid_weights=flat_weights(sf),
        pair_features=(str(sf.features[0]), str(sf.features[1])),
        pair_kinds=(str(sf.kinds[0]), str(sf.kinds[1])),
        pair_axes=(axes[0], axes[1]),
        pair_has_nan=(sf.nan_x is not None, sf.nan_y is not None),
    )


def axis_size(ref: Any, axis: int) -> int:
    """The number of grid points (or levels) of a pair's axis 0 or 1."""
    return len(ref.pair_axes[axis])


def grid_coords(ref: Any) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Each flat grid slot's coordinates: (first axis, second axis).

    A numeric axis in its units, a categorical one as its level's position; NaN
    where the slot is the missing value's (``nan_x``/``nan_y``).
    """
    a, b = axis_size(ref, 0), axis_size(ref, 1)
    pos = [_axis_positions(ref, 0), _axis_positions(ref, 1)]
    ca = [np.repeat(pos[0], b)]
    cb = [np.tile(pos[1], a)]
    if ref.pair_has_nan[0]:
        ca.append(np.full(b, np.nan))
        cb.append(pos[1])
    if ref.pair_has_nan[1]:
        ca.append(pos[0])
        cb.append(np.full(a, np.nan))
    return np.concatenate(ca), np.concatenate(cb)


def _axis_positions(ref: Any, axis: int) -> npt.NDArray[np.float64]:
    if ref.pair_kinds[axis] == "numeric":
        return np.asarray(ref.pair_axes[axis], dtype=np.float64)
    return np.arange(axis_size(ref, axis), dtype=np.float64)


def row_coords(ref: Any, xa: Any, xb: Any) -> npt.NDArray[Any]:
    """The x a pair's edits read for data rows: a record array, fields "a", "b".

    Numeric features keep their values (NaN for missing); a categorical one
    becomes its level's position on the pair's axis (NaN for a label the pair
    has no level for).
    """
    out = np.empty(len(xa), dtype=[("a", np.float64), ("b", np.float64)])
    for axis, (field, values) in enumerate((("a", xa), ("b", xb))):
        if ref.pair_kinds[axis] == "numeric":
            out[field] = np.asarray(values, dtype=np.float64)
            continue
        where = pd.Index(list(ref.pair_axes[axis])).get_indexer(np.asarray(values))
        if (where < 0).any():  # labels that are not strings: match by str form
            labels = np.asarray(values).astype(str).astype(object)
            where = pd.Index(list(ref.pair_axes[axis])).get_indexer(labels)
        out[field] = np.where(where >= 0, where, np.nan)
    out.flags.writeable = False
    return out


def coords(
    ref: Any, x: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """The (first, second) coordinates of what a pair's edit reads as ``x``.

    Data rows come as :func:`row_coords`' record array; the reference's own grid
    (flat slot positions) as its slots' :func:`grid_coords`.
    """
    if x.dtype.names:
        return np.asarray(x["a"]), np.asarray(x["b"])
    ga, gb = grid_coords(ref)
    idx = np.asarray(x, dtype=np.intp)
    return ga[idx], gb[idx]


def level_position(ref: Any, axis: int, level: str, owner: str) -> int:
    """The position of ``level`` on a categorical axis, or an ``EditError``."""
    levels = ref.pair_axes[axis]
    if level not in levels:
        raise EditError(
            f"{owner}: {level!r} is not a level of feature "
            f"{ref.pair_features[axis]!r} of pair {ref.name!r}; its levels: "
            f"{list(levels)}"
        )
    return int(levels.index(level))


def level_curve(ref: Any, level: str, owner: str) -> tuple[int, int, Any]:
    """One level's curve of a categorical x numeric pair, as a 1-D reference.

    Returns the categorical axis, the level's position on it, and a numeric
    :class:`FeatureReference` (named as the pair) holding the level's current
    values along the numeric axis, weighted by the pair's density.
    """
    kinds: tuple[str, ...] = tuple(getattr(ref, "pair_kinds", ()))
    if ref.kind != "pair" or sorted(kinds) != ["categorical", "numeric"]:
        what = "is a main effect" if ref.kind != "pair" else f"is {' x '.join(kinds)}"
        raise EditError(
            f"{owner}.level: a level's curve is edited on a categorical x numeric "
            f"pair; {ref.name!r} {what}"
        )
    cat = kinds.index("categorical")
    i = level_position(ref, cat, level, owner + ".level")
    a, b = axis_size(ref, 0), axis_size(ref, 1)
    cells = np.arange(b) + i * b if cat == 0 else np.arange(a) * b + i
    grid = np.asarray(ref.pair_axes[1 - cat], dtype=np.float64)
    curve = FeatureReference(
        name=ref.name,
        kind="numeric",
        grid=grid,
        grid_values=ref.grid_values[cells],
        grid_weights=ref.grid_weights[cells],
    )
    return cat, i, curve
