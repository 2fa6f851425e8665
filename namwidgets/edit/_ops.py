"""Edit operations: pure numpy maps from one term's function to a new one.

An edit computes ``g_t(x) = T(x, f_t(x))`` for one term ``t``. Every edit is a
frozen, keyword-only dataclass with ``apply``, ``validate``, ``to_dict`` and
``from_dict``. The session applies a term's edits in order, both to the data
and to the term's grid::

    for edit in edits_t:
        y = edit.apply(x, y, ref)
        ref = ref.with_values(edit.apply(ref.grid, ref.grid_values, ref))

Edits that depend on the function's shape (flatten, monotone, smooth) compute
the new function on the grid and give data points ``np.interp`` of it, so the
grid shows exactly the function the data receive.

Missing values (NaN ``x`` of a numeric feature) are left alone by every edit
except `Zero`, `Scale`, `Shift` (which act on every row) and `SetNaNValue`.

The edits deriving from :class:`~._pair_ops.LevelEdit` also take ``level=``: the
edit then acts on that level's curve of a categorical x numeric pair.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from sklearn.isotonic import isotonic_regression

from ..exceptions import EditError
from ._base import _NUMERIC, Edit, _register
from ._kernels import (
    _add_piecewise_linear,
    _in_region,
    _Region,
    _region_weights,
)
from ._pair_ops import LevelEdit
from ._reference import FeatureReference

__all__ = [
    "Clamp",
    "Flatten",
    "Knots",
    "Monotone",
    "Reset",
    "Scale",
    "SetCategoryValue",
    "SetNaNValue",
    "Shift",
    "Smooth",
    "Zero",
]


@_register
@dataclass(frozen=True, kw_only=True)
class Zero(LevelEdit):
    """Set the function to 0 everywhere: missing values and all categories too."""

    kind: ClassVar[str] = "zero"
    changes_nan_rows: ClassVar[bool] = True

    def _apply(self, x, out, cols, ref) -> None:
        out[:, cols] = 0.0


@_register
@dataclass(frozen=True, kw_only=True)
class Scale(LevelEdit):
    """Multiply the function by ``factor`` (every row, missing values included).

    Parameters
    ----------
    factor : float
        Finite multiplier.
    """

    factor: float
    kind: ClassVar[str] = "scale"
    changes_nan_rows: ClassVar[bool] = True

    def _apply(self, x, out, cols, ref) -> None:
        out[:, cols] *= self.factor

    def _whole(self, y):
        return np.multiply(y, self.factor)  # the same products, one pass


@_register
@dataclass(frozen=True, kw_only=True)
class Shift(LevelEdit):
    """Add ``amount`` to the function (every row, missing values included).

    The shifted function is no longer mean-zero over the data; the change in
    the average moves predictions, as the user asked.

    Parameters
    ----------
    amount : float
        Finite offset.
    """

    amount: float
    kind: ClassVar[str] = "shift"
    changes_nan_rows: ClassVar[bool] = True

    def _apply(self, x, out, cols, ref) -> None:
        out[:, cols] += self.amount

    def _whole(self, y):
        return np.add(y, self.amount)  # the same sums, one pass


@_register
@dataclass(frozen=True, kw_only=True)
class Clamp(LevelEdit):
    """Clip contribution values to ``[lo, hi]`` (on the y axis).

    Parameters
    ----------
    lo, hi : float or None
        Bounds; at least one is given, and ``lo <= hi``.
    """

    lo: float | None = None
    hi: float | None = None
    kind: ClassVar[str] = "clamp"

    def _check(self) -> None:
        if self.lo is None and self.hi is None:
            self._fail("lo", "or Clamp.hi must be given (both are None)")
        if self.lo is not None and self.hi is not None and self.lo > self.hi:
            self._fail("lo", f"must be <= hi, got lo={self.lo}, hi={self.hi}")

    def _apply(self, x, out, cols, ref) -> None:
        view = out[:, cols]
        np.clip(view, self.lo, self.hi, out=view)


@_register
@dataclass(frozen=True, kw_only=True)
class Flatten(_Region, LevelEdit):
    """Make the function constant on ``[x_lo, x_hi]``, keeping its average.

    The constant is the ``grid_weights``-weighted mean of the current grid
    values in the region, so the region's average effect over the training
    data is kept. Outside the region nothing changes.

    Parameters
    ----------
    x_lo, x_hi : float
        The region, ``x_lo < x_hi``, holding at least one grid point.
    """

    x_lo: float
    x_hi: float
    kind: ClassVar[str] = "flatten"
    feature_kinds: ClassVar[tuple[str, ...]] = _NUMERIC

    def _check(self) -> None:
        self._check_region()

    def _validate(self, ref: FeatureReference) -> None:
        self._grid_region(ref)

    def _apply(self, x, out, cols, ref) -> None:
        mask = self._grid_region(ref)
        w = _region_weights(ref, mask)
        level = w @ ref.grid_values[mask, cols] / w.sum()
        out[_in_region(x, self.x_lo, self.x_hi), cols] = level


@_register
@dataclass(frozen=True, kw_only=True)
class Monotone(_Region, LevelEdit):
    """Make the function monotone on a region by weighted isotonic regression.

    The isotonic fit (scikit-learn's ``isotonic_regression``, the solver of
    ``IsotonicRegression``) runs on the region's grid values, weighted by
    ``grid_weights`` plus a small epsilon. Data in the region get ``np.interp``
    of the fitted grid values, so data beyond the grid's ends take the end
    values. Outside the region nothing changes.

    Parameters
    ----------
    increasing : bool
        True for non-decreasing, False for non-increasing.
    x_lo, x_hi : float or None, default=None
        The region; None is unbounded (the whole feature).
    """

    increasing: bool
    x_lo: float | None = None
    x_hi: float | None = None
    kind: ClassVar[str] = "monotone"
    feature_kinds: ClassVar[tuple[str, ...]] = _NUMERIC

    def _check(self) -> None:
        self._check_region()

    def _validate(self, ref: FeatureReference) -> None:
        self._grid_region(ref)

    def _apply(self, x, out, cols, ref) -> None:
        mask = self._grid_region(ref)
        w = _region_weights(ref, mask)
        values = ref.grid_values[mask, cols]
        iso = np.column_stack(
            [
                isotonic_regression(
                    values[:, j], sample_weight=w, increasing=self.increasing
                )
                for j in range(values.shape[1])
            ]
        )
        self._set_from_grid(x, out, cols, ref, mask, iso)


@_register
@dataclass(frozen=True, kw_only=True)
class Smooth(_Region, LevelEdit):
    """Smooth the function on a region with a Gaussian kernel.

    Nadaraya-Watson smoothing over the grid: each grid point in the region
    becomes the Gaussian-kernel-weighted mean of the current values at all grid
    points, so the smoothed part meets the unchanged part without a jump at the
    region's edges (at the grid's own ends the mean is one-sided, as with any
    kernel mean). Outside the region nothing changes. Data in the region get
    ``np.interp`` of the smoothed grid.

    Parameters
    ----------
    bandwidth : float
        Kernel standard deviation in the feature's units, > 0.
    x_lo, x_hi : float or None, default=None
        The region; None is unbounded (the whole feature).
    """

    bandwidth: float
    x_lo: float | None = None
    x_hi: float | None = None
    kind: ClassVar[str] = "smooth"
    feature_kinds: ClassVar[tuple[str, ...]] = _NUMERIC

    def _check(self) -> None:
        if self.bandwidth <= 0:
            self._fail("bandwidth", f"must be > 0, got {self.bandwidth}")
        self._check_region()

    def _validate(self, ref: FeatureReference) -> None:
        self._grid_region(ref)

    def _apply(self, x, out, cols, ref) -> None:
        mask = self._grid_region(ref)
        g = ref.grid
        kernel = np.exp(-0.5 * ((g[mask, None] - g[None, :]) / self.bandwidth) ** 2)
        smoothed = kernel @ ref.grid_values[:, cols] / kernel.sum(1)[:, None]
        self._set_from_grid(x, out, cols, ref, mask, smoothed)


@_register
@dataclass(frozen=True, kw_only=True)
class Knots(LevelEdit):
    """Add a piecewise-linear offset through knots.

    ``offset(x) = np.interp(x, positions, offsets)``: linear between knots and,
    outside the knot span, held at the end knots' offsets (so moving an end
    knot also moves everything beyond it). Missing values are not changed.

    Parameters
    ----------
    positions : tuple of float
        Knot x positions, strictly increasing, inside ``[ref.lo, ref.hi]``.
    offsets : tuple of float
        Offset at each knot, same length as ``positions`` (at least 2).
    """

    positions: tuple[float, ...]
    offsets: tuple[float, ...]
    kind: ClassVar[str] = "knots"
    feature_kinds: ClassVar[tuple[str, ...]] = _NUMERIC

    def _check(self) -> None:
        if len(self.positions) < 2:
            self._fail(
                "positions", f"needs at least 2 knots, got {len(self.positions)}"
            )
        if len(self.offsets) != len(self.positions):
            self._fail(
                "offsets",
                f"has {len(self.offsets)} values but positions has "
                f"{len(self.positions)}",
            )
        for i, (a, b) in enumerate(zip(self.positions, self.positions[1:])):
            if not a < b:
                self._fail(
                    "positions",
                    f"must be strictly increasing; knot {i + 1} "
                    f"({b}) is not above knot {i} ({a})",
                )

    def _validate(self, ref: FeatureReference) -> None:
        for i, p in enumerate(self.positions):
            if not ref.lo <= p <= ref.hi:  # type: ignore[operator]
                self._fail(
                    "positions",
                    f"knot {i} at {p} is outside the training "
                    f"range [{ref.lo}, {ref.hi}] of feature {ref.name!r}",
                )

    def _apply(self, x, out, cols, ref) -> None:
        _add_piecewise_linear(x, self.positions, self.offsets, out[:, cols])

    @staticmethod
    def default_positions(
        ref: FeatureReference, k: int, spacing: str = "quantile"
    ) -> tuple[float, ...]:
        """Return ``k`` knot positions from ``ref.lo`` to ``ref.hi``.

        Parameters
        ----------
        ref : FeatureReference
            A numeric feature.
        k : int
            Number of knots, >= 2.
        spacing : {"quantile", "even"}, default="quantile"
            "even": evenly spaced. "quantile": at the training data's quantiles,
            from the cumulative distribution of ``grid_weights`` (a density on
            the grid, trapezoid rule). Where data are so concentrated that two
            quantiles coincide, a quarter of even spacing is mixed in so the
            positions stay strictly increasing.

        Returns
        -------
        tuple of float
            Strictly increasing, first ``ref.lo`` and last ``ref.hi``.
        """
        if ref.kind != "numeric":
            raise EditError(
                f"Knots.default_positions: feature {ref.name!r} is "
                f"{ref.kind}; knots need a numeric feature"
            )
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 2:
            raise EditError(
                f"Knots.default_positions: k must be an integer >= 2, got {k!r}"
            )
        if spacing not in ("quantile", "even"):
            raise EditError(
                f"Knots.default_positions: spacing must be 'quantile' "
                f"or 'even', got {spacing!r}"
            )
        lo, hi = float(ref.lo or 0.0), float(ref.hi or 0.0)  # numeric: both set
        if not lo < hi:
            raise EditError(
                f"Knots.default_positions: feature {ref.name!r} has a single "
                f"training value ({lo}); knots need a range"
            )
        even = np.linspace(lo, hi, int(k))
        g, w = ref.grid, ref.grid_weights
        mass = 0.5 * (w[1:] + w[:-1]) * np.diff(g)
        if spacing == "even" or mass.sum() <= 0:
            pos = even
        else:
            cdf = np.concatenate([[0.0], np.cumsum(mass)]) / mass.sum()
            levels = np.linspace(0.0, 1.0, int(k))
            i = np.clip(np.searchsorted(cdf, levels, side="left"), 1, len(g) - 1)
            frac = (levels - cdf[i - 1]) / np.maximum(cdf[i] - cdf[i - 1], 1e-300)
            pos = g[i - 1] + np.clip(frac, 0.0, 1.0) * (g[i] - g[i - 1])
            pos[0], pos[-1] = lo, hi
            pos = np.clip(pos, lo, hi)
            if not np.all(np.diff(pos) > 1e-9 * (hi - lo)):
                pos = 0.75 * pos + 0.25 * even
            pos[0], pos[-1] = lo, hi
        return tuple(float(p) for p in pos)


@_register
@dataclass(frozen=True, kw_only=True)
class SetCategoryValue(Edit):
    """Set one category's contribution to ``value``.

    Parameters
    ----------
    category : str
        One of ``ref.categories`` (its string form, so labels that are numbers
        in the data are named as strings).
    value : float
        The new contribution.
    """

    category: str
    value: float
    kind: ClassVar[str] = "set_category_value"
    feature_kinds: ClassVar[tuple[str, ...]] = ("categorical",)

    def _label(self, ref: FeatureReference) -> Any:
        """The data's label for ``category`` (matched by its string form)."""
        for c in ref.categories or ():
            if str(c) == self.category:
                return c
        self._fail(
            "category",
            f"{self.category!r} is not a category of feature {ref.name!r}; "
            f"valid categories: {[str(c) for c in ref.categories or ()]}",
        )

    def _validate(self, ref: FeatureReference) -> None:
        self._label(ref)

    def _apply(self, x, out, cols, ref) -> None:
        # the level's rows by index: a boolean-mask write of a random third of
        # 1M rows x 3 outputs branches per row (6.3 ms, 2026-12-03; 3.2 ms so),
        # one output column at a time: in the session's class-major layout a
        # row's outputs lie a column apart (a third of 1M x 3: 4.3 ms all at
        # once, 3.9 column by column)
        rows = np.flatnonzero(np.asarray(x == self._label(ref)))
        for j in range(out.shape[1])[cols]:
            out[rows, j] = self.value


@_register
@dataclass(frozen=True, kw_only=True)
class SetNaNValue(Edit):
    """Set the contribution of rows where the feature is missing (NaN).

    Parameters
    ----------
    value : float
        The new contribution of a missing value.
    """

    value: float
    kind: ClassVar[str] = "set_nan_value"
    feature_kinds: ClassVar[tuple[str, ...]] = _NUMERIC
    changes_nan_rows: ClassVar[bool] = True

    def _apply(self, x, out, cols, ref) -> None:
        out[np.isnan(x), cols] = self.value


@_register
@dataclass(frozen=True, kw_only=True)
class Reset(Edit):
    """Return a term to the model's original function (an undoable step).

    Edits before a reset no longer count for that term.
    """

    kind: ClassVar[str] = "reset"

    def _apply(self, x, out, cols, ref) -> None:  # noqa: ANN001
        raise EditError("Reset is applied by replaying a term's history")
