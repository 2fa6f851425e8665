"""The session's edit methods: one per operation, plus the policies the panel uses.

A mixin of :class:`~namwidgets.edit.EditSession`; every method builds an edit and
hands it to ``apply`` (one undoable action).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from ..exceptions import EditError, InputError
from ._base import Edit
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
from ._pair_actions import PairActions
from ._reference import FeatureReference

if TYPE_CHECKING:
    from ._session import EditSession

#: The default smoothing bandwidth is this fraction of the region's width.
SMOOTH_BANDWIDTH_FRACTION = 0.1


class EditActions(PairActions):
    """Edit methods of the session (each returns the session, for chaining).

    ``level=`` (zero, scale, shift, clamp, flatten, monotone, smooth, knots):
    the edit acts on that level's curve of a categorical x numeric pair.
    """

    if TYPE_CHECKING:

        def apply(self, *edits: Edit, merge: bool = False) -> EditSession: ...
        def _name(self, term: str | int) -> str: ...
        def reference(
            self, term: str | int, *, original: bool = False
        ) -> FeatureReference: ...
        @property
        def edited_features(self) -> list[str]: ...

    def zero(
        self, term: str | int, *, level: str | None = None, message: str = ""
    ) -> EditSession:
        """Remove a term's effect beyond the average."""
        return self.apply(Zero(feature=self._name(term), level=level, message=message))

    def scale(
        self,
        term: str | int,
        factor: float,
        *,
        level: str | None = None,
        message: str = "",
        merge: bool = False,
    ) -> EditSession:
        """Multiply a term's function by ``factor``."""
        return self.apply(
            Scale(
                feature=self._name(term), factor=factor, level=level, message=message
            ),
            merge=merge,
        )

    def shift(
        self,
        term: str | int,
        amount: float,
        *,
        level: str | None = None,
        message: str = "",
        merge: bool = False,
    ) -> EditSession:
        """Add ``amount`` to a term's function."""
        return self.apply(
            Shift(
                feature=self._name(term), amount=amount, level=level, message=message
            ),
            merge=merge,
        )

    def clamp(
        self,
        term: str | int,
        lo: float | None = None,
        hi: float | None = None,
        *,
        class_index: int | None = None,
        level: str | None = None,
        message: str = "",
    ) -> EditSession:
        """Clip a term's contributions to [lo, hi] (one class, or all)."""
        return self.apply(
            Clamp(
                feature=self._name(term),
                lo=lo,
                hi=hi,
                class_index=class_index,
                level=level,
                message=message,
            )
        )

    def clamp_to_region(
        self,
        term: str | int,
        lo: float,
        hi: float,
        *,
        class_index: int = 0,
        message: str = "",
    ) -> EditSession:
        """Clamp the whole function to the range its current values take in [lo, hi].

        The bounds are the minimum and maximum of the term's current function at
        the grid points inside ``[lo, hi]`` (for output ``class_index``); the
        clamp applies to that output only when the model has several (multiclass),
        else to the one output.

        Raises
        ------
        EditError
            When no grid point lies in ``[lo, hi]``.
        """
        ref = self.reference(term)
        if ref.kind != "numeric":
            raise EditError(
                f"clamp_to_region needs a numeric term; {ref.name!r} is categorical."
            )
        if not 0 <= int(class_index) < ref.n_outputs:
            raise InputError(
                f"class_index must be in [0, {ref.n_outputs}), got {class_index!r}."
            )
        inside = (ref.grid >= lo) & (ref.grid <= hi)
        if not inside.any():
            raise EditError(
                f"The region [{lo}, {hi}] holds no grid point of term {ref.name!r} "
                f"(its grid spans [{ref.grid[0]}, {ref.grid[-1]}])."
            )
        return self._clamp_to_values_at(term, ref, inside, class_index, message)

    def flatten(
        self,
        term: str | int,
        lo: float | None = None,
        hi: float | None = None,
        *,
        region: Any = None,
        level: str | None = None,
        message: str = "",
    ) -> EditSession:
        """Make the function constant (its data-weighted mean) on [lo, hi].

        For a pair, ``region`` is a rectangle (see :meth:`flatten_region`);
        ``level`` flattens [lo, hi] of that level's curve.
        """
        if region is not None:
            if lo is not None or hi is not None or level is not None:
                raise InputError("flatten: give region=, or lo/hi, not both.")
            return self.flatten_region(term, region, message=message)
        return self.apply(
            Flatten(
                feature=self._name(term),
                x_lo=lo,  # type: ignore[arg-type]  # None: Flatten says it needs one
                x_hi=hi,  # type: ignore[arg-type]
                level=level,
                message=message,
            )
        )

    def monotone(
        self,
        term: str | int,
        increasing: bool = True,
        lo: float | None = None,
        hi: float | None = None,
        *,
        level: str | None = None,
        message: str = "",
    ) -> EditSession:
        """Make the function monotone on [lo, hi] (isotonic regression)."""
        return self.apply(
            Monotone(
                feature=self._name(term),
                increasing=increasing,
                x_lo=lo,
                x_hi=hi,
                level=level,
                message=message,
            )
        )

    def term_range(self, term: str | int) -> tuple[float, float]:
        """A numeric term's training range ``(lo, hi)``."""
        ref = self.reference(term, original=True)
        if ref.kind != "numeric":
            raise EditError(f"Term {ref.name!r} is categorical: it has no range.")
        return float(ref.lo), float(ref.hi)  # type: ignore[arg-type]

    def default_region(self, term: str | int) -> tuple[float, float]:
        """The region a numeric term's region control starts at.

        The middle half of its training range.
        """
        lo, hi = self.term_range(term)
        return lo + 0.25 * (hi - lo), lo + 0.75 * (hi - lo)

    def default_smooth_bandwidth(
        self,
        term: str | int,
        lo: float | None = None,
        hi: float | None = None,
        *,
        level: str | None = None,
    ) -> float:
        """The bandwidth :meth:`smooth` uses when given none.

        A tenth of the region's width (``hi - lo``); a missing bound is the
        term's training range end. Where that width is 0, a tenth of the
        training range, and 1.0 for a single-valued feature.
        """
        ref = (
            self.reference(term, original=True)
            if level is None
            else self.level_reference(term, level, original=True)
        )
        if ref.kind != "numeric":
            raise EditError(f"Smoothing needs a numeric term; {ref.name!r} is not.")
        a = float(ref.lo if lo is None else lo)  # type: ignore[arg-type]
        b = float(ref.hi if hi is None else hi)  # type: ignore[arg-type]
        width = b - a
        if not width > 0:
            width = float(ref.hi) - float(ref.lo)  # type: ignore[arg-type]
        return SMOOTH_BANDWIDTH_FRACTION * width if width > 0 else 1.0

    def smooth(
        self,
        term: str | int,
        bandwidth: float | None = None,
        lo: float | None = None,
        hi: float | None = None,
        *,
        level: str | None = None,
        message: str = "",
    ) -> EditSession:
        """Smooth the function on [lo, hi] with a Gaussian kernel.

        ``bandwidth`` defaults to :meth:`default_smooth_bandwidth` (of the
        level's curve, with ``level``).
        """
        if bandwidth is None:
            bandwidth = self.default_smooth_bandwidth(term, lo, hi, level=level)
        return self.apply(
            Smooth(
                feature=self._name(term),
                bandwidth=bandwidth,
                x_lo=lo,
                x_hi=hi,
                level=level,
                message=message,
            )
        )

    def set_knots(
        self,
        term: str | int,
        offsets: Sequence[float],
        positions: Sequence[float] | None = None,
        *,
        spacing: str = "quantile",
        level: str | None = None,
        message: str = "",
        merge: bool = False,
    ) -> EditSession:
        """Add a piecewise-linear offset through knots (the knot sliders).

        ``positions`` default to ``len(offsets)`` knots on the term's training
        quantiles (``spacing="quantile"``) or evenly spaced (``"even"``).
        """
        name = self._name(term)
        if positions is None:
            positions = self.knot_positions(
                name, len(offsets), spacing=spacing, level=level
            )
        edit = Knots(
            feature=name,
            positions=tuple(positions),
            offsets=tuple(offsets),
            level=level,
            message=message,
        )
        return self.apply(edit, merge=merge)

    def knot_positions(
        self,
        term: str | int,
        k: int,
        *,
        spacing: str = "quantile",
        level: str | None = None,
    ) -> tuple[float, ...]:
        """Default positions of ``k`` knots for a numeric term (or a level's curve)."""
        ref = (
            self.reference(term, original=True)
            if level is None
            else self.level_reference(term, level, original=True)
        )
        return Knots.default_positions(ref, k, spacing)

    def set_category(
        self,
        term: str | int,
        category: Any,
        value: float,
        *,
        message: str = "",
        merge: bool = False,
    ) -> EditSession:
        """Set one category's contribution."""
        return self.apply(
            SetCategoryValue(
                feature=self._name(term),
                category=str(category),
                value=value,
                message=message,
            ),
            merge=merge,
        )

    def set_nan_value(
        self, term: str | int, value: float, *, message: str = ""
    ) -> EditSession:
        """Set the contribution of a missing value."""
        return self.apply(
            SetNaNValue(feature=self._name(term), value=value, message=message)
        )

    def reset_feature(self, term: str | int, *, message: str = "") -> EditSession:
        """Return one term to the model's function (undoable)."""
        return self.apply(Reset(feature=self._name(term), message=message))

    def reset_term(self, term: str | int, *, message: str = "") -> EditSession:
        """Same as :meth:`reset_feature`."""
        return self.reset_feature(term, message=message)

    def reset_all(self, *, message: str = "") -> EditSession:
        """Return every edited term to the model's function (one undoable step)."""
        edited = self.edited_features
        if not edited:
            return self  # type: ignore[return-value]
        return self.apply(*(Reset(feature=n, message=message) for n in edited))

    def is_zeroed(self, term: str | int) -> bool:
        """Whether the term is edited and its current function is 0 on its grid."""
        ref = self.reference(term)
        return bool(self._name(term) in self.edited_features) and not np.any(
            ref.grid_values
        )
