"""The session's edit methods that act on a region or a level of a pair term.

A mixin of :class:`~namwidgets.edit.EditSession` (through ``EditActions``). A
region of a pair is given as ``{feature: (lo, hi)}`` for a numeric feature and
``{feature: [level, ...]}`` for a categorical one; a feature left out is its
whole axis.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ..exceptions import EditError, InputError
from ._base import Edit
from ._pair_ops import FlattenRegion, SetCell
from ._pairs import PairReference, level_curve
from ._reference import FeatureReference

if TYPE_CHECKING:
    from ._session import EditSession


class PairActions:
    """Region and level methods for pair terms (each returns the session)."""

    if TYPE_CHECKING:

        def apply(self, *edits: Edit, merge: bool = False) -> EditSession: ...
        def _name(self, term: str | int) -> str: ...
        def reference(
            self, term: str | int, *, original: bool = False
        ) -> FeatureReference: ...
        def clamp(
            self,
            term: str | int,
            lo: float | None = None,
            hi: float | None = None,
            *,
            class_index: int | None = None,
            level: str | None = None,
            message: str = "",
        ) -> EditSession: ...

    def _pair_ref(self, term: str | int, what: str) -> PairReference:
        ref = self.reference(term)
        if not isinstance(ref, PairReference):
            raise EditError(
                f"{what} needs a pair term; {ref.name!r} is a main effect ({ref.kind})."
            )
        return ref

    def pair_region_fields(
        self, term: str | int, region: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The fields of a region edit (``x_lo``, ..., ``y_levels``) for ``region``.

        Parameters
        ----------
        term : str or int
            A pair term.
        region : mapping
            ``{feature: (lo, hi)}`` for a numeric feature of the pair,
            ``{feature: [level, ...]}`` for a categorical one; a feature left
            out is unbounded.

        Returns
        -------
        dict
        """
        ref = self._pair_ref(term, "A 2-D region")
        if not isinstance(region, Mapping):
            raise InputError(
                f"region must be a dict {{feature: (lo, hi) or [levels]}}, got "
                f"{type(region).__name__}."
            )
        unknown = sorted(str(k) for k in region if k not in ref.pair_features)
        if unknown:
            raise EditError(
                f"region names {unknown}, not features of pair {ref.name!r} "
                f"(its features: {list(ref.pair_features)})."
            )
        out: dict[str, Any] = {}
        for axis, ax in enumerate("xy"):
            name = ref.pair_features[axis]
            if name not in region or region[name] is None:
                continue
            value = region[name]
            if ref.pair_kinds[axis] == "numeric":
                out[f"{ax}_lo"], out[f"{ax}_hi"] = _bounds(name, value)
            else:
                out[f"{ax}_levels"] = _levels(value)
        return out

    def flatten_region(
        self, term: str | int, region: Mapping[str, Any], *, message: str = ""
    ) -> EditSession:
        """Make a pair constant (its data-weighted mean) on a rectangle.

        See :class:`~namwidgets.edit.FlattenRegion`; ``region`` as in
        :meth:`pair_region_fields`.
        """
        fields = self.pair_region_fields(term, region)
        return self.apply(
            FlattenRegion(feature=self._name(term), message=message, **fields)
        )

    def set_cell(
        self,
        term: str | int,
        cell: Any,
        value: float,
        *,
        message: str = "",
        merge: bool = False,
    ) -> EditSession:
        """Set a pair's value on one cell.

        Parameters
        ----------
        term : str or int
            A pair with a categorical feature.
        cell : tuple or mapping
            Per feature of the pair, in its order (or as ``{feature: ...}``): a
            level of a categorical feature, a ``(lo, hi)`` range (or None, the
            whole axis) of a numeric one.
        value : float
            The new contribution.
        """
        ref = self._pair_ref(term, "set_cell")
        if not isinstance(cell, Mapping):
            if isinstance(cell, str) or not isinstance(cell, Iterable):
                raise InputError(
                    f"cell must give one entry per feature of {ref.name!r} "
                    f"{list(ref.pair_features)}, got {cell!r}."
                )
            parts = list(cell)
            if len(parts) != 2:
                raise InputError(
                    f"cell must give 2 entries (features {list(ref.pair_features)}), "
                    f"got {len(parts)}."
                )
            cell = dict(zip(ref.pair_features, parts))
        region = {}
        for k, v in cell.items():
            axis = ref.pair_features.index(k) if k in ref.pair_features else 0
            categorical = ref.pair_kinds[axis] == "categorical"
            one = isinstance(v, str) or not isinstance(v, Iterable)
            region[k] = [v] if categorical and v is not None and one else v
        fields = self.pair_region_fields(term, region)
        edit = SetCell(feature=self._name(term), value=value, message=message, **fields)
        return self.apply(edit, merge=merge)

    def clamp_to_pair_region(
        self,
        term: str | int,
        region: Mapping[str, Any],
        *,
        class_index: int = 0,
        message: str = "",
    ) -> EditSession:
        """Clamp a pair to the range its current values take on a rectangle.

        The bounds are the minimum and maximum of the pair's current values on
        the grid cells in ``region`` (for output ``class_index``; the clamp
        applies to that output only for a multiclass model).
        """
        ref = self._pair_ref(term, "clamp_to_pair_region")
        if not 0 <= int(class_index) < ref.n_outputs:
            raise InputError(
                f"class_index must be in [0, {ref.n_outputs}), got {class_index!r}."
            )
        probe = FlattenRegion(feature=ref.name, **self.pair_region_fields(term, region))
        probe.validate(ref)
        cells = probe._mask(ref, ref.grid)
        return self._clamp_to_values_at(term, ref, cells, class_index, message)

    def _clamp_to_values_at(
        self,
        term: str | int,
        ref: FeatureReference,
        points: Any,
        class_index: int,
        message: str,
    ) -> EditSession:
        """Clamp to the min/max of the term's current values at grid ``points``."""
        k = int(class_index) if ref.n_outputs > 1 else 0
        vals = ref.grid_values[points, k]
        return self.clamp(
            term,
            float(vals.min()),
            float(vals.max()),
            class_index=k if ref.n_outputs > 1 else None,
            message=message,
        )

    def level_reference(
        self, term: str | int, level: Any, *, original: bool = False
    ) -> FeatureReference:
        """One level's curve of a categorical x numeric pair, as a 1-D reference.

        The numeric feature's grid, the level's current (or original) values on
        it and the pair's density there: what an edit with ``level=`` acts on.
        """
        ref = self.reference(term, original=original)
        return level_curve(ref, str(level), "level_reference")[2]

    def pair_levels(self, term: str | int) -> list[str]:
        """The levels of a categorical x numeric pair's categorical feature."""
        ref = self._pair_ref(term, "pair_levels")
        if sorted(ref.pair_kinds) != ["categorical", "numeric"]:
            raise EditError(
                f"Pair {ref.name!r} is {' x '.join(ref.pair_kinds)}; level curves "
                "are those of a categorical x numeric pair."
            )
        return list(ref.pair_axes[ref.pair_kinds.index("categorical")])


def _bounds(name: str, value: Any) -> tuple[float | None, float | None]:
    try:
        lo, hi = value
    except (TypeError, ValueError):
        raise InputError(
            f"region[{name!r}] must be (lo, hi) for a numeric feature, got {value!r}."
        ) from None
    return lo, hi


def _levels(value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, Iterable):
        value = [value]
    levels = tuple(str(v) for v in value)
    return tuple(dict.fromkeys(sorted(levels)))


__all__ = ["PairActions"]
