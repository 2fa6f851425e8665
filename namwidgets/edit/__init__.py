"""Edits to a fitted additive model's term functions, and the session that applies them.

Layout: ``_reference`` (a term's function on its grid), ``_base`` (field
coercion, the kind registry and the ``Edit`` base), ``_kernels`` (interpolation
kernels), ``_ops`` (the operations), ``_pairs`` and ``_pair_ops`` (a pair's
layout; edits on a rectangle or on a level's curve of a pair), ``_replay``
(applying edits to a term's column and function), ``_edited`` (``EditedModel``,
an estimator), ``_io`` (every file format, and the session's JSON/file methods),
``_session`` with its mixins ``_actions`` (one method per edit, the panel's
policies), ``_pair_actions`` (a pair's region and level methods) and
``_feedback`` (metrics), and its helpers ``_state`` (checks, read-only arrays,
the per-state cache), ``_metrics`` and ``_refit``.
"""

from ..exceptions import EditError
from ._base import Edit, edit_kinds
from ._edited import EditedModel, EditedNAM
from ._io import (
    edits_from_json_list,
    edits_to_json_list,
    history_from_json,
    history_to_json,
    load,
    save,
)
from ._ops import (
    Clamp,
    Flatten,
    Knots,
    Monotone,
    Reset,
    Scale,
    SetCategoryValue,
    SetNaNValue,
    Shift,
    Smooth,
    Zero,
)
from ._pair_ops import FlattenRegion, SetCell
from ._reference import FeatureReference
from ._session import EditSession

__all__ = [
    "Clamp",
    "Edit",
    "EditError",
    "EditSession",
    "EditedModel",
    "EditedNAM",
    "FeatureReference",
    "Flatten",
    "FlattenRegion",
    "Knots",
    "Monotone",
    "Reset",
    "Scale",
    "SetCategoryValue",
    "SetCell",
    "SetNaNValue",
    "Shift",
    "Smooth",
    "Zero",
    "edit_kinds",
    "edits_from_json_list",
    "edits_to_json_list",
    "history_from_json",
    "history_to_json",
    "load",
    "save",
]
