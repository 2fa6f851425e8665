"""Build :class:`ShapeFunction` data from a fitted NAM through its read interface."""

from __future__ import annotations

from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from ._shape import ShapeFunction


class ExplainableModel(Protocol):
    """What :func:`shape_function` reads of a fitted model (all public).

    The NAM estimators implement it: per-feature statistics of the training
    data and the evaluation of one feature's function at given raw values.
    """

    feature_names_: list[str]
    feature_kinds_: list[str]
    n_features_in_: int
    n_outputs_: int

    def feature_index(self, feature: str | int) -> int:
        """Position of a feature by name or index."""
        ...

    def feature_summary(self, feature: str | int) -> dict[str, Any]:
        """Training statistics of one feature (see ``NAMBase.feature_summary``)."""
        ...

    def feature_contributions(
        self, feature: str | int, values: Any, *, members: bool = False
    ) -> npt.NDArray[np.float64]:
        """One feature's centred function at raw values."""
        ...

    def term_importances(self) -> npt.NDArray[np.float64]:
        """Importance per term."""
        ...


_EVEN_POINTS = 300
_BAND = (5.0, 95.0)


def feature_grid(stats: dict[str, Any], n_even: int = _EVEN_POINTS) -> np.ndarray:
    """An x grid over a numeric feature's training range, denser where data is.

    Parameters
    ----------
    stats : dict
        The encoder's statistics for the feature (``min``, ``max``, ``quantiles``,
        and ``values`` where it has few distinct values).
    n_even : int
        Evenly spaced points; the 201 training quantiles are added to them, and
        the distinct training values where ``stats`` lists them (a feature with
        few values has a learned value at each: its jumps are on the grid).

    Returns
    -------
    ndarray of shape (n_points,)
        Sorted, unique.
    """
    lo, hi = float(stats["min"]), float(stats["max"])
    even = np.linspace(lo, hi, n_even) if hi > lo else np.array([lo])
    parts = [even, np.asarray(stats["quantiles"], float)]
    parts.append(np.asarray(stats.get("values", []), float))
    return np.unique(np.concatenate(parts))


def _squeeze(a: np.ndarray) -> np.ndarray:
    return a[..., 0] if a.shape[-1] == 1 else a


def shape_function(model: ExplainableModel, feature: str | int) -> ShapeFunction:
    """The shape function of one feature of a fitted NAM, as plain data.

    Parameters
    ----------
    model : ExplainableModel
        A fitted model (a ``NAMRegressor`` or ``NAMClassifier``).
    feature : str or int
        The feature's name or position.

    Returns
    -------
    ShapeFunction
    """
    j = model.feature_index(feature)
    name = model.feature_names_[j]
    stats = model.feature_summary(j)
    n_out = getattr(model, "n_outputs_", 1)
    classes = list(model.classes_) if n_out > 1 else None  # type: ignore[attr-defined]
    if model.feature_kinds_[j] == "numeric":
        x = feature_grid(stats)
        edges = np.asarray(stats["hist_edges"], float)
        counts = np.asarray(stats["hist_counts"], np.int64)
        kind: Literal["numeric", "categorical"] = "numeric"
    else:
        x = np.asarray(stats["categories"], dtype=object)
        edges, counts = None, np.asarray(stats["counts"], np.int64)
        kind = "categorical"
    members = model.feature_contributions(j, x, members=True)  # (E, G, C)
    values = members.mean(0)
    lower, upper = np.percentile(members, _BAND, axis=0)
    nan_value = None
    nan_count = int(stats.get("nan_count", 0))
    if kind == "numeric" and nan_count:
        nv = model.feature_contributions(j, np.array([np.nan]))[0]
        nan_value = float(nv[0]) if nv.shape[0] == 1 else nv
    return ShapeFunction(
        name=name,
        kind=kind,
        x=x,
        values=_squeeze(values),
        lower=_squeeze(lower),
        upper=_squeeze(upper),
        density_edges=edges,
        density_counts=counts,
        nan_value=nan_value,
        nan_count=nan_count,
        importance=float(model.term_importances()[j]),
        classes=classes,
        members=_squeeze(members),
    )


def shape_functions(model: ExplainableModel) -> list[ShapeFunction]:
    """Every feature's :class:`ShapeFunction`, in the model's feature order."""
    return [shape_function(model, j) for j in range(model.n_features_in_)]
