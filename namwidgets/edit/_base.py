"""The base of every edit: field coercion, the kind registry and ``Edit`` itself.

An edit computes ``g_t(x) = T(x, f_t(x))`` for one term ``t``. Every edit is a
frozen, keyword-only dataclass with ``apply``, ``validate``, ``to_dict`` and
``from_dict``; its subclasses (the operations) live in ``_ops``.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import reprlib
import types
import typing
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import EditError
from ._blocks import copy_of
from ._reference import KINDS, FeatureReference

_BOTH = KINDS
_NUMERIC: tuple[str, ...] = ("numeric",)


_REPR = reprlib.Repr()
_REPR.maxstring = _REPR.maxother = 60
_REPR.maxlong = 40
_REPR.maxlevel = 3


def short_repr(value: Any) -> str:
    """A ``repr`` cut to a readable length and depth.

    A file's 400-digit number, 10 MB string or deeply nested list stays a short
    message.
    """
    try:
        return _REPR.repr(value)
    except (RecursionError, ValueError):
        return f"<{type(value).__name__}>"


def _is_real(v: Any) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)


def _coerce(owner: str, name: str, value: Any, tp: Any) -> Any:
    """Check ``value`` against the annotation ``tp``; return it normalised."""
    where = f"{owner}.{name}"
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(owner, name, value, inner)
    if tp is float:
        if not _is_real(value):
            raise EditError(f"{where} must be a number, got {short_repr(value)}")
        try:
            number = float(value)
        except OverflowError:  # an integer of hundreds of digits
            raise EditError(
                f"{where} must be a finite number, got an integer of "
                f"{len(str(abs(int(value))))} digits"
            ) from None
        if not math.isfinite(number):
            raise EditError(f"{where} must be finite, got {short_repr(value)}")
        return number
    if tp is int:
        if not isinstance(value, numbers.Integral) or isinstance(
            value, bool | np.bool_
        ):
            raise EditError(f"{where} must be an integer, got {short_repr(value)}")
        if abs(int(value)) > 2**63:
            raise EditError(
                f"{where} is out of range, got an integer of "
                f"{len(str(abs(int(value))))} digits"
            )
        return int(value)
    if tp is bool:
        if not isinstance(value, bool | np.bool_):
            raise EditError(f"{where} must be true or false, got {short_repr(value)}")
        return bool(value)
    if tp is str:
        if not isinstance(value, str):
            raise EditError(f"{where} must be a string, got {short_repr(value)}")
        return value
    if origin is tuple and args[1:] == (Ellipsis,):
        if isinstance(value, str | bytes | Mapping) or not isinstance(
            value, Sequence | np.ndarray
        ):
            raise EditError(
                f"{where} must be a list of numbers, got {short_repr(value)}"
            )
        return tuple(
            _coerce(owner, f"{name}[{i}]", v, args[0]) for i, v in enumerate(value)
        )
    raise TypeError(f"no checker for {where}: {tp!r}")  # pragma: no cover


_FIELD_TYPES: dict[type, dict[str, Any]] = {}


def _field_types(cls: type) -> dict[str, Any]:
    """Resolved annotations of a dataclass's fields (cached per class)."""
    if cls not in _FIELD_TYPES:
        hints = typing.get_type_hints(cls)
        _FIELD_TYPES[cls] = {f.name: hints[f.name] for f in dataclasses.fields(cls)}
    return _FIELD_TYPES[cls]


_REGISTRY: dict[str, type[Edit]] = {}
_BASE_FIELDS = ("feature", "message", "class_index")


def _register(cls: type[Edit]) -> type[Edit]:
    if cls.kind in _REGISTRY:  # pragma: no cover - programming error
        raise RuntimeError(f"edit kind {cls.kind!r} registered twice")
    _REGISTRY[cls.kind] = cls
    return cls


def edit_kinds() -> list[str]:
    """Return the registered edit kinds, sorted.

    Returns
    -------
    list of str
    """
    return sorted(_REGISTRY)


# --------------------------------------------------------------------------
# The base class
# --------------------------------------------------------------------------


#: Rows from which a read-only ``x`` keeps its missing rows (see below).
_NAN_ROWS_MIN = 1 << 16
_NAN_ROWS: list[tuple[weakref.ref, npt.NDArray[np.intp]]] = []


def nan_rows(x: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
    """The rows of ``x`` that are NaN, kept for large read-only ``x``.

    A session's feature values never change, and every numeric edit restores
    their missing rows: finding them (an ``isnan`` and a ``flatnonzero`` of
    1M rows, ~1.5 ms) is done once per array, not once per slider move.
    """
    if len(x) < _NAN_ROWS_MIN or x.flags.writeable:
        return np.flatnonzero(np.isnan(x))
    for ref, rows in _NAN_ROWS:
        if ref() is x:
            return rows
    rows = np.flatnonzero(np.isnan(x))
    rows.flags.writeable = False
    _NAN_ROWS.insert(0, (weakref.ref(x), rows))
    del _NAN_ROWS[8:]
    return rows


@dataclass(frozen=True, kw_only=True)
class Edit:
    """Base of all edits: one change to one term's function.

    Parameters
    ----------
    feature : str
        The name of the term the edit targets (for a main effect, its feature's
        column name). The field keeps its historical name so that saved edit
        files still load; :attr:`term` reads the same value, and ``from_dict``
        also accepts the key ``"term"``.
    message : str, default=""
        The user's note about why.
    class_index : int or None, default=None
        None changes every output column; an int changes only that column
        (one class of a multiclass model).
    """

    feature: str
    message: str = ""
    class_index: int | None = None

    kind: ClassVar[str]
    #: Feature kinds the edit applies to.
    feature_kinds: ClassVar[tuple[str, ...]] = _BOTH
    #: Whether the edit changes rows whose numeric ``x`` is NaN.
    changes_nan_rows: ClassVar[bool] = False
    #: Whether :meth:`_apply` by construction writes no row whose ``x`` is NaN
    #: (a region's edit: NaN is in no region), so that :meth:`apply` need not
    #: copy those rows back (1M rows x 3 outputs, 10% missing: ~2 ms).
    skips_nan_rows: ClassVar[bool] = False

    def __post_init__(self) -> None:
        owner = type(self).__name__
        if not isinstance(getattr(type(self), "kind", None), str):
            raise TypeError(f"{owner} has no kind; use one of {edit_kinds()}")
        for name, tp in _field_types(type(self)).items():
            object.__setattr__(
                self, name, _coerce(owner, name, getattr(self, name), tp)
            )
        if not self.feature:
            raise EditError(f"{owner}.feature must be a non-empty term name")
        if self.class_index is not None and self.class_index < 0:
            raise EditError(f"{owner}.class_index must be >= 0, got {self.class_index}")
        self._check()

    @property
    def term(self) -> str:
        """The name of the term the edit targets (the ``feature`` field)."""
        return self.feature

    def _check(self) -> None:
        """Check the edit's own fields (no reference needed)."""

    def _fail(self, field: str, problem: str) -> typing.NoReturn:
        raise EditError(f"{type(self).__name__}.{field} {problem}")

    def validate(self, ref: FeatureReference) -> None:
        """Check that the edit fits the feature described by ``ref``.

        Parameters
        ----------
        ref : FeatureReference
            The feature as the model saw it.

        Raises
        ------
        EditError
            Naming the field and value that does not fit.
        """
        if not isinstance(ref, FeatureReference):
            raise EditError(f"ref must be a FeatureReference, got {type(ref).__name__}")
        if self.feature != ref.name:
            self._fail(
                "feature",
                f"is {self.feature!r} but the reference describes feature {ref.name!r}",
            )
        if ref.kind not in self.feature_kinds:
            self._fail(
                "feature",
                f"{self.feature!r} is {ref.kind}; a {self.kind!r} "
                f"edit needs a {' or '.join(self.feature_kinds)} feature",
            )
        if self.class_index is not None and self.class_index >= ref.n_outputs:
            self._fail(
                "class_index",
                f"is {self.class_index} but the model has "
                f"{ref.n_outputs} output column(s)",
            )
        self._validate(ref)

    def _validate(self, ref: FeatureReference) -> None:
        """Subclass hook: checks that need the reference."""

    def apply(
        self, x: npt.ArrayLike, y: npt.ArrayLike, ref: FeatureReference
    ) -> npt.NDArray[np.float64]:
        """Return the edited contributions; the inputs are not modified.

        Parameters
        ----------
        x : ndarray of shape (n_rows,)
            Raw feature values: float with NaN for missing (numeric) or
            category labels (categorical; a ``pandas.Categorical`` of them is
            read as is, so that ``x == label`` compares integer codes).
            ``ref.grid`` is a valid ``x``.
        y : ndarray of shape (n_rows, n_outputs)
            The feature's current contributions for those rows.
        ref : FeatureReference
            The feature, with its current function on the grid.

        Returns
        -------
        ndarray of shape (n_rows, n_outputs)
            A new array.
        """
        self.validate(ref)
        if ref.kind == "numeric":
            try:
                xa = np.asarray(x, dtype=np.float64)
            except (TypeError, ValueError) as exc:
                raise EditError(f"x must be numeric for feature {ref.name!r}") from exc
        elif isinstance(x, pd.Categorical):
            xa = x  # the session's labels as codes: ``x == label`` compares ints
        else:
            xa = np.asarray(x)
        ya = np.asarray(y, dtype=np.float64)
        if xa.ndim != 1:
            raise EditError(f"x must be 1-D, got shape {xa.shape}")
        if ya.shape != (xa.shape[0], ref.n_outputs):
            raise EditError(
                f"y must have shape ({xa.shape[0]}, {ref.n_outputs}) "
                f"(rows of x, outputs of the feature), got {ya.shape}"
            )
        k = self.class_index
        cols = slice(None) if k is None else slice(k, k + 1)
        out = self._whole(ya) if k is None else None
        if out is None:
            out = copy_of(ya)  # the layout of y (class-major columns)
            self._apply(xa, out, cols, ref)
        if ref.kind == "numeric" and not (self.changes_nan_rows or self.skips_nan_rows):
            # by index: a (n, 1) mask broadcast over the outputs branches per
            # row (1M rows, 10% missing, 3 outputs: 7.0 ms; so 4.2, 2026-12-03)
            rows = nan_rows(xa)
            if len(rows):
                out[rows] = ya[rows]
        return out

    def _apply(
        self,
        x: npt.NDArray[Any],
        out: npt.NDArray[np.float64],
        cols: slice,
        ref: FeatureReference,
    ) -> None:
        """Subclass hook: edit ``out[:, cols]`` in place (a private copy)."""
        raise NotImplementedError

    def _whole(self, y: npt.NDArray[np.float64]) -> npt.NDArray[np.float64] | None:
        """Subclass hook: the edit of every column of ``y`` as one new array.

        For an edit that is one element-wise operation of every row (a scale,
        a shift): the result written once, instead of a copy of ``y`` then a
        pass over the copy (at 1M x 3, 24 MB less read and written). None:
        copy, then :meth:`_apply`.
        """
        return None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-able dict: ``kind``, ``feature``, then the fields.

        Returns
        -------
        dict
            Floats are finite and sequences are lists, so
            ``json.dumps(d, allow_nan=False)`` works.
        """
        names = [f.name for f in dataclasses.fields(self)]
        order = ["feature"] + [n for n in names if n not in _BASE_FIELDS]
        d: dict[str, Any] = {"kind": self.kind}
        for name in [*order, "class_index", "message"]:
            v = getattr(self, name)
            d[name] = list(v) if isinstance(v, tuple) else v
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Edit:
        """Build an edit from `to_dict` output, dispatching on ``d["kind"]``.

        Fields with defaults may be left out; everything is checked. The target
        may be named ``"feature"`` (what ``to_dict`` writes, so older readers
        still read new files) or ``"term"``.

        Parameters
        ----------
        d : mapping
            A dict as written by `to_dict`.

        Returns
        -------
        Edit

        Raises
        ------
        EditError
            For an unknown kind or a missing, extra or wrongly typed field.
        """
        if not isinstance(d, Mapping):
            raise EditError(f"an edit must be a dict, got {type(d).__name__}")
        if "kind" not in d:
            raise EditError(f"edit is missing field 'kind' (one of {edit_kinds()})")
        kind = d["kind"]
        sub = _REGISTRY.get(kind) if isinstance(kind, str) else None
        if sub is None:
            raise EditError(
                f"unknown edit kind {short_repr(kind)}; known kinds: {edit_kinds()}"
            )
        if cls is not Edit and sub is not cls:
            raise EditError(f"{cls.__name__}.from_dict got kind {kind!r}")
        if "term" in d:  # the newer spelling of the target's name
            if "feature" in d and d["feature"] != d["term"]:
                raise EditError(
                    f"{kind!r} edit names two targets: feature={d['feature']!r} "
                    f"and term={d['term']!r}"
                )
            d = {("feature" if k == "term" else k): v for k, v in d.items()}
        fields = {f.name: f for f in dataclasses.fields(sub)}
        extra = sorted(str(k) for k in d if k != "kind" and k not in fields)
        if extra:
            raise EditError(
                f"{kind!r} edit has unknown field(s) {extra}; "
                f"its fields are {sorted(fields)}"
            )
        missing = [
            n
            for n, f in fields.items()
            if n not in d and f.default is dataclasses.MISSING
        ]
        if missing:
            raise EditError(f"{kind!r} edit is missing field(s) {missing}")
        return sub(**{k: v for k, v in d.items() if k != "kind"})
