"""Shape functions as plain, serializable data: what viewers read of a model."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt


def _jsonable(value: Any) -> Any:
    """Turn numpy arrays and scalars into JSON-friendly values (NaN -> None)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f":
            return (
                [_jsonable(v) for v in value.tolist()]
                if value.ndim
                else _jsonable(float(value))
            )
        return value.tolist()
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return value


@dataclass(frozen=True)
class ShapeFunction:
    """One feature's learned function f_j, as plain data.

    Parameters
    ----------
    name : str
        The feature's column name.
    kind : {"numeric", "categorical"}
        Numeric features are drawn as a curve over ``x``; categorical ones as bars.
    x : ndarray of shape (n_points,)
        Numeric: the grid in the feature's original units (sorted, denser where
        data is dense). Categorical: the category labels, as strings.
    values : ndarray of shape (n_points,) or (n_points, n_classes)
        The ensemble-mean centred contribution f_j(x) (logit scale for classifiers).
        Two-dimensional only for multiclass models.
    lower, upper : ndarray, same shape as ``values``
        The ensemble band (5th and 95th percentile of the members); equal to
        ``values`` for a single model.
    density_edges : ndarray of shape (n_bins + 1,) or None
        Numeric: histogram bin edges of the training data. None for categorical.
    density_counts : ndarray of shape (n_bins,) or (n_points,)
        Training-data counts per histogram bin (numeric) or per category.
    nan_value : float, ndarray of shape (n_classes,) or None
        The contribution given to a missing value, where the feature had any.
    nan_count : int
        How many training rows had the feature missing.
    importance : float
        Mean |f_j(x_j)| over the training data (summed over classes).
    classes : list or None
        Class labels for a multiclass model's last axis, else None.
    members : ndarray of shape (n_members, n_points[, n_classes]) or None
        Each ensemble member's centred function on ``x`` (the NAM paper's view:
        one curve per member); ``values`` is their mean. None where the function
        is not one of a fitted ensemble: an edited term's function has none, as
        an edit acts on the ensemble's mean function, not on its members.
    """

    name: str
    kind: Literal["numeric", "categorical"]
    x: npt.NDArray[Any]
    values: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    density_edges: npt.NDArray[np.float64] | None
    density_counts: npt.NDArray[np.int64]
    nan_value: float | npt.NDArray[np.float64] | None = None
    nan_count: int = 0
    importance: float = 0.0
    classes: list[Any] | None = field(default=None)
    members: npt.NDArray[np.float64] | None = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable dict (arrays as lists, NaN as None)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "x": _jsonable(np.asarray(self.x)),
            "values": _jsonable(self.values),
            "lower": _jsonable(self.lower),
            "upper": _jsonable(self.upper),
            "density_edges": None
            if self.density_edges is None
            else _jsonable(self.density_edges),
            "density_counts": _jsonable(self.density_counts),
            "nan_value": _jsonable(self.nan_value),
            "nan_count": int(self.nan_count),
            "importance": float(self.importance),
            "classes": None if self.classes is None else _jsonable(list(self.classes)),
            "members": None if self.members is None else _jsonable(self.members),
        }
