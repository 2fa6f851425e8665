"""Pair functions as plain, serializable data: a 2-D grid, its values, density."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from ._build import _BAND, _squeeze
from ._shape import _jsonable


@dataclass(frozen=True)
class PairFunction:
    """One pair term f_ab(x_a, x_b), as plain data.

    Parameters
    ----------
    name : str
        The term's name, ``"a & b"``.
    features : tuple of (str, str)
        The two features' names.
    kinds : tuple of ({"numeric", "categorical"}, ...)
        The two features' kinds.
    x, y : ndarray
        The grid of the first and second feature: a numeric feature's knots in
        its original units (denser where data is), or a categorical feature's
        levels.
    values : ndarray of shape (len(x), len(y)) or (len(x), len(y), n_classes)
        The ensemble-mean purified pair function on the grid (logit scale for
        classifiers); rows and columns have zero data-weighted mean.
    lower, upper : ndarray, same shape as ``values``
        The ensemble band (5th and 95th percentile of the members).
    density : ndarray of shape (len(x), len(y))
        The training rows' weight on each cell (bilinear shares).
    nan_x, nan_y : ndarray or None
        Where a numeric feature had missing values in training: the function
        along the other axis for a missing first (``nan_x``, shape (len(y),)...)
        or second (``nan_y``, shape (len(x),)...) feature.
    importance : float
        Mean |f_ab| over the training data (summed over classes).
    classes : list or None
        Class labels for a multiclass model's last axis, else None.
    members : ndarray of shape (n_members, len(x), len(y)[, n_classes]) or None
        Each ensemble member's purified pair function on the grid; ``values`` is
        their mean, and ``lower`` / ``upper`` their percentiles. None for a
        single model (its one member is ``values``) and where the function is
        not one of a fitted ensemble: an edited pair's function has none, as an
        edit acts on the ensemble's mean function, not on its members.
    """

    name: str
    features: tuple[str, str]
    kinds: tuple[str, str]
    x: npt.NDArray[Any]
    y: npt.NDArray[Any]
    values: npt.NDArray[np.float64]
    lower: npt.NDArray[np.float64]
    upper: npt.NDArray[np.float64]
    density: npt.NDArray[np.float64]
    nan_x: npt.NDArray[np.float64] | None = None
    nan_y: npt.NDArray[np.float64] | None = None
    importance: float = 0.0
    classes: list[Any] | None = field(default=None)
    members: npt.NDArray[np.float64] | None = field(default=None)

    kind = "pair"

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-serializable dict (arrays as lists, NaN as None)."""
        return {
            "name": self.name,
            "kind": "pair",
            "features": list(self.features),
            "kinds": list(self.kinds),
            "x": _jsonable(np.asarray(self.x)),
            "y": _jsonable(np.asarray(self.y)),
            "values": _jsonable(self.values),
            "lower": _jsonable(self.lower),
            "upper": _jsonable(self.upper),
            "density": _jsonable(self.density),
            "nan_x": None if self.nan_x is None else _jsonable(self.nan_x),
            "nan_y": None if self.nan_y is None else _jsonable(self.nan_y),
            "importance": float(self.importance),
            "classes": None if self.classes is None else _jsonable(list(self.classes)),
            "members": None if self.members is None else _jsonable(self.members),
        }


def pair_function(model: Any, term: str | int) -> PairFunction:
    """The pair function of one pair term of a fitted model, as plain data.

    Parameters
    ----------
    model : NAMRegressor or NAMClassifier
        A fitted model with pair terms (``interactions``).
    term : str or int
        The pair term's name (``"a & b"``) or position in ``term_names_``.

    Returns
    -------
    PairFunction
    """
    t = model.term_index(term)
    s = model.pair_surface(t)
    members = np.asarray(s["values"], np.float64)  # (E, A, B, C)
    miss_a, miss_b = s["missing"]
    grid = members
    if miss_a:
        grid = grid[:, :-1]
    if miss_b:
        grid = grid[:, :, :-1]
    values = grid.mean(0)
    lower, upper = np.percentile(grid, _BAND, axis=0)
    mean = members.mean(0)
    nan_x = _squeeze(mean[-1, : values.shape[1]]) if miss_a else None
    nan_y = _squeeze(mean[: values.shape[0], -1]) if miss_b else None
    counts = np.asarray(s["counts"], np.float64)
    density = counts[: values.shape[0], : values.shape[1]]
    a, b = s["features"]
    names = model.feature_names_
    classes = list(model.classes_) if getattr(model, "n_outputs_", 1) > 1 else None
    return PairFunction(
        name=model.term_names_[t],
        features=(names[a], names[b]),
        kinds=tuple(s["kinds"]),
        x=np.asarray(s["axes"][0]),
        y=np.asarray(s["axes"][1]),
        values=_squeeze(values),
        lower=_squeeze(lower),
        upper=_squeeze(upper),
        density=density,
        nan_x=nan_x,
        nan_y=nan_y,
        importance=float(model.term_importances()[t]),
        classes=classes,
        # (E, A, B[, C]): each member's grid, as the band is taken from them
        members=_squeeze(grid) if grid.shape[0] > 1 else None,
    )


def pair_functions(model: Any) -> list[PairFunction]:
    """Every pair term's :class:`PairFunction`, in term order."""
    n = len(model.feature_names_)
    return [pair_function(model, t) for t in range(n, len(model.term_names_))]
