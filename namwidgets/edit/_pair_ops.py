"""Edits on a region of a pair term, and on one level's curve of a pair.

A pair's edits read, as ``x``, the record array of :func:`._pairs.row_coords`
(each row's two coordinates) for data, and the reference's flat grid (its slot
positions) for the grid; :func:`._pairs.coords` turns either into the two
coordinates, so the data and the grid get exactly the same function.

* :class:`FlattenRegion` and :class:`SetCell` act on a rectangle of the pair:
  per axis a range ``[lo, hi]`` of a numeric feature or a set of levels of a
  categorical one (nothing given: the whole axis, its missing values left out).
* :class:`LevelEdit` is the base of the 1-D edits (zero, scale, shift, clamp,
  flatten, monotone, smooth, knots): with ``level`` set, the edit applies to
  that level's curve of a categorical x numeric pair, exactly as to a numeric
  main effect whose function is that curve (weighted by the pair's density).
"""

from __future__ import annotations

import dataclasses
import weakref
from dataclasses import dataclass
from typing import Any, ClassVar, NoReturn

import numpy as np
import numpy.typing as npt

from ..exceptions import EditError
from ._base import Edit, _register
from ._blocks import copy_of
from ._kernels import _CHUNK, _SEGMENT_MIN_ROWS, _in_region, _region_weights
from ._pairs import PairReference, coords, level_curve, level_position
from ._reference import FeatureReference

__all__ = ["FlattenRegion", "LevelEdit", "SetCell"]

_PAIR: tuple[str, ...] = ("pair",)


@dataclass(frozen=True, kw_only=True)
class LevelEdit(Edit):
    """An edit that can also act on one level's curve of a pair.

    Parameters
    ----------
    level : str or None, default=None
        None: the edit acts on its term as usual. A level (its string form) of
        the categorical feature of a categorical x numeric pair: the edit acts
        on that level's curve along the numeric feature only, as it would on a
        numeric main effect with that function.
    """

    level: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As :meth:`Edit.to_dict`; ``level`` is written only when set."""
        d = super().to_dict()
        if self.level is None:
            d.pop("level")
        return d

    def _plain(self) -> Edit:
        """The same edit on a 1-D function (``level`` cleared)."""
        return dataclasses.replace(self, level=None)

    def validate(self, ref: FeatureReference) -> None:
        """Check the edit against ``ref``; with ``level``, against that curve."""
        if self.level is None:
            if getattr(ref, "kind", None) == "pair" and "pair" not in (
                self.feature_kinds
            ):
                self._fail(
                    "feature",
                    f"{self.feature!r} is a pair; a {self.kind!r} edit needs a "
                    f"{' or '.join(self.feature_kinds)} feature, or a level= of a "
                    "categorical x numeric pair (that level's curve)",
                )
            super().validate(ref)
            return
        if not isinstance(ref, FeatureReference):
            raise_ref(ref)
        if self.feature != ref.name:
            self._fail(
                "feature",
                f"is {self.feature!r} but the reference describes term {ref.name!r}",
            )
        _, _, curve = level_curve(ref, self.level, type(self).__name__)
        self._plain().validate(curve)

    def apply(
        self, x: npt.ArrayLike, y: npt.ArrayLike, ref: FeatureReference
    ) -> npt.NDArray[np.float64]:
        """As :meth:`Edit.apply`; with ``level``, on that level's rows only."""
        if self.level is None:
            return super().apply(x, y, ref)
        self.validate(ref)
        cat, i, curve = level_curve(ref, self.level, type(self).__name__)
        xa, ya = np.asarray(x), np.asarray(y, dtype=np.float64)
        _check_shapes(xa, ya, ref)
        rows, numeric = _level_rows(ref, xa, cat, i)
        out = copy_of(ya)  # the layout of y (class-major columns)
        if len(rows):
            out[rows] = self._plain().apply(numeric, ya[rows], curve)
        return out


#: (x, level's axis, its position) -> its rows and their numeric values, kept
#: weakly for the few most recent: see :func:`_level_rows`.
_LEVEL_ROWS: list[
    tuple[weakref.ref, int, int, npt.NDArray[np.intp], npt.NDArray[np.float64]]
] = []


def _level_rows(
    ref: Any, x: npt.NDArray[Any], cat: int, i: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """The rows of ``x`` at level ``i`` of axis ``cat``, and their numeric values.

    For a session's rows (a large read-only record array, which never changes)
    the result is kept, read-only, so that every later edit of that level's
    curve skips the level's search and gather, and the 1-D edits find the same
    numeric array again (their memo of each row's segment on the grid, as for a
    main effect, is keyed on it).
    """
    keep = x.dtype.names is not None and not x.flags.writeable
    keep = keep and len(x) >= _SEGMENT_MIN_ROWS
    if keep:
        for rx, c, j, rows, numeric in _LEVEL_ROWS:
            if rx() is x and c == cat and j == i:
                return rows, numeric
    ca, cb = coords(ref, x)
    position, values = (ca, cb) if cat == 0 else (cb, ca)
    rows = np.flatnonzero(position == i)
    numeric = values[rows]  # a contiguous copy
    if keep:
        rows.flags.writeable = False
        numeric.flags.writeable = False
        _LEVEL_ROWS.insert(0, (weakref.ref(x), cat, i, rows, numeric))
        del _LEVEL_ROWS[4:]
    return rows, numeric


def raise_ref(ref: Any) -> NoReturn:
    """The error for a reference that is not a :class:`FeatureReference`."""
    raise EditError(f"ref must be a FeatureReference, got {type(ref).__name__}")


def _check_shapes(
    xa: npt.NDArray[Any], ya: npt.NDArray[np.float64], ref: FeatureReference
) -> None:
    if xa.ndim != 1:
        raise EditError(f"x must be 1-D, got shape {xa.shape}")
    if ya.shape != (xa.shape[0], ref.n_outputs):
        raise EditError(
            f"y must have shape ({xa.shape[0]}, {ref.n_outputs}) "
            f"(rows of x, outputs of the term), got {ya.shape}"
        )


@dataclass(frozen=True, kw_only=True)
class _PairRegion(Edit):
    """A rectangle of a pair: per axis a numeric range or a set of levels."""

    x_lo: float | None = None
    x_hi: float | None = None
    y_lo: float | None = None
    y_hi: float | None = None
    x_levels: tuple[str, ...] | None = None
    y_levels: tuple[str, ...] | None = None
    feature_kinds: ClassVar[tuple[str, ...]] = _PAIR

    def _axis(self, axis: int) -> tuple[float | None, float | None, Any]:
        if axis == 0:
            return self.x_lo, self.x_hi, self.x_levels
        return self.y_lo, self.y_hi, self.y_levels

    def _check(self) -> None:
        for axis, ax in enumerate("xy"):
            lo, hi, levels = self._axis(axis)
            if lo is not None and hi is not None and not lo < hi:
                self._fail(f"{ax}_lo", f"must be < {ax}_hi, got {lo} and {hi}")
            if levels is not None and (lo is not None or hi is not None):
                self._fail(
                    f"{ax}_levels",
                    f"and {ax}_lo/{ax}_hi are both given: an axis is a range "
                    "(numeric feature) or levels (categorical), not both",
                )
            if levels is not None and not levels:
                self._fail(f"{ax}_levels", "must name at least one level")

    def _validate(self, ref: FeatureReference) -> None:
        if not isinstance(ref, PairReference):
            self._fail("feature", f"{ref.name!r} has no pair layout (PairReference)")
        for axis, ax in enumerate("xy"):
            lo, hi, levels = self._axis(axis)
            name = ref.pair_features[axis]
            if ref.pair_kinds[axis] == "numeric":
                if levels is not None:
                    self._fail(
                        f"{ax}_levels",
                        f"names levels, but feature {name!r} of pair "
                        f"{ref.name!r} is numeric: give {ax}_lo/{ax}_hi",
                    )
                grid = np.asarray(ref.pair_axes[axis], dtype=np.float64)
                if not _in_region(grid, lo, hi).any():
                    self._fail(
                        f"{ax}_lo/{ax}_hi",
                        f"the range [{lo}, {hi}] of feature {name!r} holds no "
                        f"grid point of pair {ref.name!r} (its grid spans "
                        f"[{grid[0]:.6g}, {grid[-1]:.6g}])",
                    )
            else:
                if lo is not None or hi is not None:
                    self._fail(
                        f"{ax}_lo/{ax}_hi",
                        f"give a range, but feature {name!r} of pair "
                        f"{ref.name!r} is categorical: give {ax}_levels",
                    )
                for level in levels or ():
                    level_position(ref, axis, level, f"{type(self).__name__}")

    def _mask(self, ref: Any, x: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
        """Which of ``x`` (rows, or the grid's slots) lie in the rectangle."""
        both = coords(ref, x)
        mask = np.ones(len(both[0]), dtype=bool)
        for axis, c in enumerate(both):
            mask &= self._axis_mask(ref, axis, c)
        return mask

    def _axis_mask(
        self, ref: Any, axis: int, c: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.bool_]:
        lo, hi, levels = self._axis(axis)
        if ref.pair_kinds[axis] == "numeric" or levels is None:
            return _in_region(c, lo, hi)
        hit = np.zeros(len(c), dtype=bool)
        for v in levels:  # a few levels: equality beats np.isin's sort
            hit |= c == level_position(ref, axis, v, "")
        return hit

    def _set_rows(
        self, ref: Any, x: npt.NDArray[Any], out: npt.NDArray[np.float64], cols, value
    ) -> None:
        """Set ``out[r, cols] = value`` for the rows ``r`` of ``x`` in the rectangle.

        Data rows in cache-sized blocks (each block's mask and masked write stay
        in cache, no n-long mask or fancy-index scatter); ``value`` is a scalar
        or one value per column.
        """
        if not x.dtype.names:
            out[self._mask(ref, x), cols] = value
            return
        ca, cb = coords(ref, x)
        target = out[:, cols]
        value = np.broadcast_to(np.asarray(value, dtype=np.float64), target.shape[1:])
        for a in range(0, len(x), _CHUNK):
            block = slice(a, a + _CHUNK)
            mask = self._axis_mask(ref, 0, ca[block])
            mask &= self._axis_mask(ref, 1, cb[block])
            np.copyto(target[block], value, where=mask[:, None])


@_register
@dataclass(frozen=True, kw_only=True)
class FlattenRegion(_PairRegion):
    """Make a pair constant on a rectangle: the region's data-weighted mean.

    The constant is the mean of the pair's current values on the grid cells in
    the rectangle, weighted by the training rows' density on them (plus a small
    epsilon, so cells without data count a little); the rows in the rectangle
    get it, the rest nothing changes.

    Parameters
    ----------
    x_lo, x_hi, y_lo, y_hi : float or None, default=None
        The range on the first (``x``) and second (``y``) feature of a numeric
        axis; None is unbounded. The range holds at least one grid point.
    x_levels, y_levels : tuple of str or None, default=None
        The levels on a categorical axis; None is every level.
    """

    kind: ClassVar[str] = "flatten_region"

    def _apply(self, x, out, cols, ref) -> None:
        grid = self._mask(ref, ref.grid)
        w = _region_weights(ref, grid)
        level = w @ ref.grid_values[grid, cols] / w.sum()
        self._set_rows(ref, x, out, cols, level)


@_register
@dataclass(frozen=True, kw_only=True)
class SetCell(_PairRegion):
    """Set a pair's value on one cell: one level per categorical axis.

    For a categorical x categorical pair, the rows with both levels; for a
    categorical x numeric one, the rows with the level and the numeric value in
    ``[lo, hi]`` (None: unbounded).

    Parameters
    ----------
    value : float
        The new contribution.
    x_lo, x_hi, y_lo, y_hi : float or None, default=None
        A numeric axis's range.
    x_levels, y_levels : tuple of str or None
        A categorical axis's level: exactly one.
    """

    value: float
    kind: ClassVar[str] = "set_cell"

    def _validate(self, ref: FeatureReference) -> None:
        super()._validate(ref)
        assert isinstance(ref, PairReference)  # checked above
        if "categorical" not in ref.pair_kinds:
            self._fail(
                "feature",
                f"{ref.name!r} is numeric x numeric: a cell is a level of a "
                "categorical feature (use FlattenRegion for a rectangle)",
            )
        for axis, ax in enumerate("xy"):
            levels = self._axis(axis)[2]
            if ref.pair_kinds[axis] == "categorical" and (
                levels is None or len(levels) != 1
            ):
                self._fail(
                    f"{ax}_levels",
                    f"must name one level of feature {ref.pair_features[axis]!r} "
                    f"(a cell), got {None if levels is None else list(levels)}",
                )

    def _apply(self, x, out, cols, ref) -> None:
        self._set_rows(ref, x, out, cols, self.value)
