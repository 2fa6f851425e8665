"""Replaying a history of edits on a term: shared by the session and the edited model.

Everything here reads a model only through the :class:`~namwidgets.AdditiveModel`
protocol (``term_functions``, ``term_names_``) and works on plain data
(:class:`~namwidgets.explain.ShapeFunction`, :class:`FeatureReference`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from ..explain import ShapeFunction
from ._ops import Edit, Reset
from ._reference import FeatureReference


def term_x(
    term_features: Sequence[int],
    xs: Sequence[Any],
    n: int,
    ref: FeatureReference | None = None,
) -> Any:
    """The ``x`` an edit of a term reads: its feature's values for a main effect.

    A pair's edits read both features: the record array of each row's two
    coordinates on the pair's axes (``ref``, the pair's reference, gives their
    layout). Without a pair layout, a placeholder of the right length (the edits
    that act on values alone need no more).
    """
    if len(term_features) == 1:
        return xs[int(term_features[0])]
    from ._pairs import PairReference, row_coords

    if isinstance(ref, PairReference):
        a, b = (int(f) for f in term_features)
        return row_coords(ref, xs[a], xs[b])
    return np.zeros(n)


def freeze(sf: ShapeFunction) -> ShapeFunction:
    """``sf`` with read-only copies of its arrays: safe to hand out from a cache."""
    changes: dict[str, Any] = {}
    for field in dataclasses.fields(sf):
        value = getattr(sf, field.name)
        if isinstance(value, np.ndarray):
            copy = value.copy()
            copy.flags.writeable = False
            changes[field.name] = copy
    return dataclasses.replace(sf, **changes)


def references(functions: Sequence[ShapeFunction]) -> list[FeatureReference]:
    """The unedited reference (grid, values, density) of every term."""
    return [FeatureReference.from_shape_function(sf) for sf in functions]


def effective(edits: Sequence[Edit]) -> list[Edit]:
    """A term's edits that still count: those after its last reset."""
    last = max((i for i, e in enumerate(edits) if isinstance(e, Reset)), default=-1)
    return list(edits[last + 1 :])


def edits_of(edits: Sequence[Edit], term: str) -> list[Edit]:
    """The edits of one term, in order."""
    return [e for e in edits if e.term == term]


def replay(
    edits: Sequence[Edit],
    x: npt.NDArray[Any],
    column: npt.NDArray[np.float64],
    ref: FeatureReference,
) -> tuple[npt.NDArray[np.float64], FeatureReference]:
    """Apply one term's edits in order to its column and to its reference grid.

    Parameters
    ----------
    edits : sequence of Edit
        The term's edits (a :class:`Reset` drops the ones before it).
    x : ndarray of shape (n_rows,)
        The feature's raw values (see ``AdditiveModel.feature_values``).
    column : ndarray of shape (n_rows, n_outputs)
        The term's unedited contributions for those rows.
    ref : FeatureReference
        The term's unedited function on its grid.

    Returns
    -------
    column : ndarray of shape (n_rows, n_outputs)
    ref : FeatureReference
        The edited function on the grid.
    """
    for e in effective(edits):
        column = e.apply(x, column, ref)
        ref = ref.with_values(e.apply(ref.grid, ref.grid_values, ref))
    return column, ref


class ReplayMemo:
    """The columns a term's replays went through lately, to resume from.

    An edit appended to a term's chain, a drag of its last edit (the chain with
    its last edit replaced) and an undo (the chain less its last edit) all
    start from a kept prefix of the chain instead of replaying every edit of
    the term over every row again. The result is the same array as
    :func:`replay`'s, bit for bit: the same edits run in the same order on the
    same inputs; the kept columns are read-only (each edit writes a new array).
    Entries are tied to the session's contribution matrix and ``x`` by
    identity, so a refit (a new matrix) never resumes from an old column.

    Parameters
    ----------
    size : int, default=4
        Columns kept (each n_rows x n_outputs float64: 8 MB per 1M rows).
    """

    def __init__(self, size: int = 4) -> None:
        self.size = size
        self.items: list[tuple[Any, int, Any, tuple[Edit, ...], Any, Any]] = []

    def replay(
        self,
        owner: Any,
        t: int,
        edits: Sequence[Edit],
        x: Any,
        column: npt.NDArray[np.float64],
        ref: FeatureReference,
    ) -> tuple[npt.NDArray[np.float64], FeatureReference]:
        """:func:`replay` of term ``t`` of ``owner``, from the longest kept prefix."""
        mine = tuple(effective(edits))
        start = 0
        for o, k, kx, done, col, r in self.items:
            if (
                o is owner
                and k == t
                and kx is x
                and start < len(done) <= len(mine)
                and mine[: len(done)] == done
            ):
                start, column, ref = len(done), col, r
        kept = []
        for i in range(start, len(mine)):
            e = mine[i]
            column = e.apply(x, column, ref)
            column.flags.writeable = False
            ref = ref.with_values(e.apply(ref.grid, ref.grid_values, ref))
            if i >= len(mine) - 2:  # the chain and the chain less its last edit
                kept.append((owner, t, x, mine[: i + 1], column, ref))
        for item in kept:
            self.items = [item] + [
                it for it in self.items if not (it[0] is owner and it[1:4] == item[1:4])
            ]
        del self.items[self.size :]
        return column, ref


def _as_2d(a: Any, n_outputs: int) -> npt.NDArray[np.float64]:
    arr = np.asarray(a, dtype=np.float64)
    return arr.reshape(len(arr), n_outputs) if arr.ndim else arr.reshape(1, -1)


def _squeeze(a: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return a[:, 0] if a.shape[1] == 1 else a


def _replay_curve(
    edits: Sequence[Edit], ref: FeatureReference, values: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Replay edits on another curve over the same grid (a band's edge)."""
    curve = ref.with_values(values)
    for e in effective(edits):
        curve = curve.with_values(e.apply(curve.grid, curve.grid_values, curve))
    return np.asarray(curve.grid_values)


def edited_nan_value(
    edits: Sequence[Edit], ref: FeatureReference, base: Any
) -> npt.NDArray[np.float64] | None:
    """The value a missing ``x`` gets after the edits, shape (n_outputs,).

    ``base`` is the unedited value (None where the term has none); every edit is
    applied with the reference it saw, exactly as the rows of the data get it.
    """
    if base is None or ref.kind != "numeric":
        return None
    value = np.asarray(base, dtype=np.float64).reshape(1, ref.n_outputs)
    for e in effective(edits):
        value = e.apply(np.array([np.nan]), value, ref)
        ref = ref.with_values(e.apply(ref.grid, ref.grid_values, ref))
    return np.asarray(value[0])


def grid_importance(sf: ShapeFunction, values: Any, nan_value: Any) -> float:
    """Mean |f| over the training data, estimated from the function's density.

    Categorical: exact (the training counts per level). Numeric: each histogram
    bin's count times the mean |f| of the grid points inside it, plus the missing
    rows; summed over classes.
    """
    v = np.abs(np.asarray(values, dtype=np.float64))
    v = v.reshape(len(v), -1).sum(1)
    counts = np.asarray(sf.density_counts, dtype=np.float64)
    if sf.kind == "categorical" or sf.density_edges is None:
        total, weighted = (
            counts.sum(),
            float(counts @ v) if len(v) == len(counts) else 0,
        )
    else:
        x = np.asarray(sf.x, dtype=np.float64)
        edges = np.asarray(sf.density_edges, dtype=np.float64)
        idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(counts) - 1)
        sums = np.bincount(idx, weights=v, minlength=len(counts))
        hits = np.bincount(idx, minlength=len(counts))
        centres = 0.5 * (edges[:-1] + edges[1:])
        fill = np.interp(centres, x, v)  # a bin without a grid point: interpolate
        per_bin = np.where(hits > 0, sums / np.maximum(hits, 1), fill)
        total, weighted = counts.sum(), float(counts @ per_bin)
    if nan_value is not None and sf.nan_count:
        total += sf.nan_count
        weighted += sf.nan_count * float(np.abs(np.asarray(nan_value, float)).sum())
    return weighted / total if total > 0 else 0.0


def edit_function(
    sf: ShapeFunction,
    ref: FeatureReference,
    edits: Sequence[Edit],
    *,
    importance: float | None = None,
) -> ShapeFunction:
    """A term's :class:`ShapeFunction` after its edits: values, band, NaN value.

    The band's edges go through the same edits as the function (a zeroed term
    has no band; a scaled one a scaled band; a flattened region the flattened
    edges), then are ordered around the edited values. ``importance`` defaults
    to the model's importance rescaled by the edit: the model's value times the
    ratio of the edited to the unedited density estimate
    (:func:`grid_importance`), so a zero gives exactly 0, a scale by ``a``
    exactly ``|a|`` times, and an unedited term the model's own number.
    """
    mine = effective(edits)
    if not mine:
        return (
            sf if importance is None else dataclasses.replace(sf, importance=importance)
        )
    n_out = ref.n_outputs
    _, new_ref = replay(mine, ref.grid, ref.grid_values, ref)
    values = np.asarray(new_ref.grid_values)
    if ref.kind == "pair":
        from ._pairs import edited_pair, flat_values

        lower = _replay_curve(mine, ref, flat_values(sf, "lower"))
        upper = _replay_curve(mine, ref, flat_values(sf, "upper"))
        return freeze(edited_pair(sf, values, lower, upper, importance))
    lower = _replay_curve(mine, ref, _as_2d(sf.lower, n_out))
    upper = _replay_curve(mine, ref, _as_2d(sf.upper, n_out))
    lo = np.minimum(np.minimum(lower, upper), values)
    hi = np.maximum(np.maximum(lower, upper), values)
    nan_value = edited_nan_value(mine, ref, sf.nan_value)
    if importance is None:
        before = grid_importance(sf, ref.grid_values, sf.nan_value)
        after = grid_importance(sf, values, nan_value)
        importance = float(sf.importance) * after / before if before > 0 else after
    nan_out: Any = None
    if nan_value is not None:
        nan_out = float(nan_value[0]) if n_out == 1 else nan_value
    return freeze(
        dataclasses.replace(
            sf,
            values=_squeeze(values),
            lower=_squeeze(lo),
            upper=_squeeze(hi),
            nan_value=nan_out,
            importance=float(importance),
            members=None,  # an edit acts on the mean function, not on members
        )
    )
