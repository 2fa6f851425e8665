"""Edits to a fitted NAM's shape functions, and the session that applies them."""

from ._edited import EditedNAM, Reset
from ._io import load
from ._ops import (
    Clamp,
    Edit,
    EditError,
    FeatureReference,
    Flatten,
    Knots,
    Monotone,
    Scale,
    SetCategoryValue,
    SetNaNValue,
    Shift,
    Smooth,
    Zero,
    edit_kinds,
    edits_from_json_list,
    edits_to_json_list,
)
from ._session import EditSession

__all__ = [
    "Clamp",
    "Edit",
    "EditError",
    "EditSession",
    "EditedNAM",
    "FeatureReference",
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
    "edit_kinds",
    "edits_from_json_list",
    "edits_to_json_list",
    "load",
]
