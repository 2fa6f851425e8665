"""The term as the model saw it: its function on a grid, as edits need to see it."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from ..exceptions import EditError

FeatureKind = Literal["numeric", "categorical", "pair"]
# a "pair" term's grid is its cells laid out flat (see ._pairs): an index grid
KINDS: tuple[str, ...] = ("numeric", "categorical", "pair")


def _readonly(a: npt.ArrayLike, dtype: Any, name: str) -> npt.NDArray[Any]:
    try:
        arr = np.array(a, dtype=dtype, copy=True)
    except (TypeError, ValueError) as exc:
        raise EditError(f"FeatureReference.{name} could not be read: {exc}") from exc
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True, kw_only=True, eq=False)
class FeatureReference:
    """One feature's function on its grid, as edits need to see it.

    Parameters
    ----------
    name : str
        The feature's column name; an edit's ``feature`` must match it.
    kind : {"numeric", "categorical"}
        The feature's kind.
    grid : ndarray of shape (n_points,)
        Numeric: sorted, strictly increasing float grid in original units.
        Categorical: the category labels (object array, same order as
        ``categories``); defaults to ``categories``.
    grid_values : ndarray of shape (n_points, n_outputs)
        The current function on the grid (after the edits applied so far). A
        one-dimensional array is read as one output.
    grid_weights : ndarray of shape (n_points,), optional
        Training-data density at each grid point, >= 0. Defaults to
        ``category_counts`` for a categorical feature and to ones otherwise.
    lo, hi : float, optional
        Numeric: the training minimum and maximum; default to the grid's ends.
    categories : sequence, optional
        Categorical: the category labels as the data hold them (required for a
        categorical feature). Edits name a category by its string form, which
        must be unique.
    category_counts : ndarray of shape (n_categories,), optional
        Categorical: training rows per category.

    Notes
    -----
    Arrays are copied and made read-only, so a reference never changes.
    """

    name: str
    kind: FeatureKind
    grid_values: npt.NDArray[np.float64]
    # grid and grid_weights are always arrays once built (filled in __post_init__)
    grid: npt.NDArray[Any] = None  # type: ignore[assignment]
    grid_weights: npt.NDArray[np.float64] = None  # type: ignore[assignment]
    lo: float | None = None
    hi: float | None = None
    categories: tuple[Any, ...] | None = None
    category_counts: npt.NDArray[np.float64] | None = None

    def __post_init__(self) -> None:
        def put(field: str, value: Any) -> None:
            object.__setattr__(self, field, value)

        if self.kind not in KINDS:
            raise EditError(
                f"FeatureReference.kind must be 'numeric', 'categorical' or 'pair', "
                f"got {self.kind!r}"
            )
        values = _readonly(self.grid_values, np.float64, "grid_values")
        if values.ndim == 1:
            values = _readonly(values[:, None], np.float64, "grid_values")
        if values.ndim != 2 or values.shape[1] < 1:
            raise EditError(
                "FeatureReference.grid_values must have shape (n_points, n_outputs), "
                f"got {values.shape}"
            )
        put("grid_values", values)
        if self.kind == "categorical":
            if self.categories is None:
                raise EditError(
                    "FeatureReference.categories is required for a categorical feature"
                )
            put("categories", tuple(self.categories))
            labels = [str(c) for c in self.categories]
            if len(set(labels)) != len(labels):
                raise EditError(
                    f"FeatureReference.categories has duplicate labels: {labels}"
                )
            if self.grid is not None and list(self.grid) != list(self.categories):
                raise EditError(
                    "FeatureReference.grid of a categorical feature must "
                    "equal its categories (or be left out)"
                )
            grid = np.empty(len(labels), dtype=object)
            grid[:] = self.categories
            grid.setflags(write=False)
            put("grid", grid)
            if self.category_counts is not None:
                counts = _readonly(self.category_counts, np.float64, "category_counts")
                put("category_counts", counts)
            if self.grid_weights is None and self.category_counts is not None:
                put("grid_weights", self.category_counts)
        else:
            grid = _readonly(self.grid, np.float64, "grid")
            if grid.ndim != 1 or grid.size < 1 or not np.all(np.isfinite(grid)):
                raise EditError(
                    "FeatureReference.grid must be a non-empty 1-D array of finite "
                    "numbers"
                )
            if not np.all(np.diff(grid) > 0):
                raise EditError("FeatureReference.grid must be strictly increasing")
            put("grid", grid)
            lo = float(grid[0] if self.lo is None else self.lo)
            hi = float(grid[-1] if self.hi is None else self.hi)
            if not (math.isfinite(lo) and math.isfinite(hi) and lo <= hi):
                raise EditError(
                    f"FeatureReference.lo/hi must be finite with lo <= hi, "
                    f"got lo={lo}, hi={hi}"
                )
            put("lo", lo)
            put("hi", hi)
        n = len(self.grid)
        if values.shape[0] != n:
            raise EditError(
                f"FeatureReference.grid_values has {values.shape[0]} rows "
                f"but grid has {n} points"
            )
        if self.grid_weights is None:
            put("grid_weights", _readonly(np.ones(n), np.float64, "grid_weights"))
        weights = _readonly(self.grid_weights, np.float64, "grid_weights")
        if weights.shape != (n,) or not np.all(np.isfinite(weights) & (weights >= 0)):
            raise EditError(
                f"FeatureReference.grid_weights must be {n} finite numbers >= 0"
            )
        put("grid_weights", weights)

    @property
    def n_outputs(self) -> int:
        """Number of output columns ``C`` (classes for multiclass, else 1)."""
        return int(self.grid_values.shape[1])

    def with_values(self, grid_values: npt.ArrayLike) -> FeatureReference:
        """Return a copy with new ``grid_values`` of the same shape.

        Parameters
        ----------
        grid_values : array-like of shape (n_points, n_outputs)
            The function on the grid after an edit.

        Returns
        -------
        FeatureReference
        """
        values = _readonly(grid_values, np.float64, "grid_values")
        if values.shape != self.grid_values.shape:
            raise EditError(
                f"with_values: grid_values must have shape "
                f"{self.grid_values.shape}, got {values.shape}"
            )
        new = copy.copy(self)  # the other arrays are read-only: share them
        object.__setattr__(new, "grid_values", values)
        return new

    @classmethod
    def from_shape_function(cls, sf: Any) -> FeatureReference:
        """Build a reference from a `namwidgets.explain.ShapeFunction`.

        Numeric grid weights are the histogram density (count / bin width) of
        the bin holding each grid point; ``lo``/``hi`` are the histogram's outer
        edges (numpy's default histogram range is the data's min and max).

        Parameters
        ----------
        sf : ShapeFunction
            The model's shape function for one feature.

        Returns
        -------
        FeatureReference
        """
        if sf.kind == "pair":
            from ._pairs import pair_reference

            return pair_reference(sf)
        values = np.asarray(sf.values, dtype=np.float64)
        counts = np.asarray(sf.density_counts, dtype=np.float64)
        if sf.kind == "categorical":
            return cls(
                name=sf.name,
                kind="categorical",
                grid_values=values,
                categories=tuple(sf.x),
                category_counts=counts,
            )
        grid = np.asarray(sf.x, dtype=np.float64)
        edges = sf.density_edges
        if edges is None or len(edges) < 2:
            return cls(name=sf.name, kind="numeric", grid=grid, grid_values=values)
        edges = np.asarray(edges, dtype=np.float64)
        density = counts / np.maximum(np.diff(edges), np.finfo(float).tiny)
        idx = np.clip(
            np.searchsorted(edges, grid, side="right") - 1, 0, len(counts) - 1
        )
        inside = (grid >= edges[0]) & (grid <= edges[-1])
        return cls(
            name=sf.name,
            kind="numeric",
            grid=grid,
            grid_values=values,
            grid_weights=np.where(inside, density[idx], 0.0),
            lo=min(float(edges[0]), float(grid[0])),
            hi=max(float(edges[-1]), float(grid[-1])),
        )
