"""Explanation data: what a viewer needs to know of a fitted NAM, as plain data."""

from ._build import ExplainableModel, feature_grid, shape_function, shape_functions
from ._pair import PairFunction, pair_function, pair_functions
from ._shape import ShapeFunction

__all__ = [
    "ExplainableModel",
    "PairFunction",
    "ShapeFunction",
    "feature_grid",
    "pair_function",
    "pair_functions",
    "shape_function",
    "shape_functions",
]
