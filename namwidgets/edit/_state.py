"""The session's helpers: input checks, read-only arrays, the per-state cache."""

from __future__ import annotations

import math
import numbers
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from ..exceptions import InputError, InputTypeError
from ._base import Edit
from ._blocks import map_blocks
from ._layout import empty_outputs
from ._links import link_into

STATES = ("original", "last", "current")
#: Up to this many rows the live AUC is scikit-learn's exact sort; beyond, an
#: O(n) histogram (``_live_cls``) where its error bound is under 1e-4.
LIVE_AUC_MAX_ROWS = 50_000
# fields a dragged control changes; every other field names the control's "slot"
_DRAGGED = {"factor", "amount", "offsets", "value", "message"}


def readonly(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only view of ``a`` (a write raises; the owner's array is untouched)."""
    view = a.view()
    view.flags.writeable = False
    return view


#: Rows per block of the session's O(n) passes (a few buffers stay in cache).
BLOCK = 1 << 16
#: Values per buffer of a tree sum (its depth's buffers at once stay in L2).
#: 1 << 15 since 2026-12-03 (6 terms x 1M rows, median of 41: 1 output 3.3 ->
#: 2.7 ms, 3 outputs 12.8 -> 11.6 ms, kept sums 5.3 -> 4.6 ms).
TREE_BLOCK = 1 << 15


def importance(contrib: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Mean |contribution| per term of a term-major (T, n, C) array.

    Summed over classes. Each term's column is reduced flat, block by block
    through one cache-sized buffer (no n-long ``abs`` temporary; an (n, 1)
    column reduced over its class axis would run one element per inner loop).
    """
    t, n = contrib.shape[0], contrib.shape[1]
    if n == 0:
        return np.zeros(t)
    out = np.zeros(t)
    size = BLOCK * contrib.shape[2]
    for k in range(t):
        flat = np.ravel(contrib[k], order="K")  # a view in either layout

        def step(
            a: int, e: int, buf: npt.NDArray[np.float64], flat: Any = flat
        ) -> float:
            b = buf[: e - a]
            np.abs(flat[a:e], out=b)
            return float(b.sum())

        # the blocks' sums added in block order, whatever the thread count
        for part in map_blocks(len(flat), size, step, lambda: np.empty(size)):
            out[k] += part
    return out / n


class Recycler:
    """The edit path's large arrays, reused once nothing else holds them.

    Fresh memory is costly where the live path runs: each first touch of a
    page of a new 8-16 MB array is a page fault (on a virtual machine with
    transparent huge pages, a 16 MB fill measured 13-48 ms of CPU against
    0.6 ms on reused memory). A state's linear predictor and predictions are
    therefore written into an array this pool made before, but only one that
    no one else refers to: CPython's reference count says so exactly (a
    caller's array, or a view of it, holds a reference), so an array handed
    out is never written again while anyone can read it.

    Parameters
    ----------
    size : int, default=8
        Arrays kept for reuse.
    """

    #: references to a free array's memory inside :meth:`empty`: the pool's
    #: list, the loop variable and ``sys.getrefcount``'s own argument
    _FREE = 3

    def __init__(self, size: int = 8) -> None:
        self.size = size
        #: the arrays that own the memory (a class-major (n, C) array is handed
        #: out as a transposed view of its (C, n) owner)
        self.arrays: list[npt.NDArray[np.float64]] = []

    def empty(self, shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
        """A writable float64 array of ``shape``: a free one of the pool or new.

        Handed out as a new view of the memory's owner, and every view of a
        view refers to that owner (numpy's ``base``), so the owner's reference
        count sees every array a caller still holds on it.
        """
        for a in self.arrays:
            if self._fits(a, shape) and sys.getrefcount(a) <= self._FREE:
                return self._view(a, shape)
        out = empty_outputs(shape)
        if shape and shape[0] >= BLOCK:  # small arrays cost no page faults
            owner = out if out.base is None else out.base
            assert isinstance(owner, np.ndarray)
            self.arrays.append(owner)
            del self.arrays[: -self.size]
            del owner
            return self._view(self.arrays[-1], shape)
        return out

    @staticmethod
    def _fits(owner: npt.NDArray[np.float64], shape: tuple[int, ...]) -> bool:
        return owner.shape == shape or owner.shape[::-1] == shape != shape[::-1]

    @staticmethod
    def _view(
        owner: npt.NDArray[np.float64], shape: tuple[int, ...]
    ) -> npt.NDArray[np.float64]:
        return owner.view() if owner.shape == shape else owner.T


def _halves(lo: int, hi: int) -> int:
    """Where the summation tree splits the terms ``[lo, hi)``."""
    return (lo + hi) // 2


def _tree_into(
    contrib: npt.NDArray[np.float64],
    lo: int,
    hi: int,
    a: int,
    b: int,
    dst: npt.NDArray[np.float64],
    scratch: list[npt.NDArray[np.float64]],
) -> None:
    """``dst`` = the tree sum of terms ``[lo, hi)`` on rows ``[a, b)``.

    ``scratch`` holds one cache-sized buffer per tree level below this one.
    """
    if hi - lo == 1:
        np.copyto(dst, contrib[lo, a:b])
        return
    if hi - lo == 2:
        np.add(contrib[lo, a:b], contrib[lo + 1, a:b], out=dst)
        return
    mid = _halves(lo, hi)
    if mid - lo == 1:
        # a single term beside a pair: the pair into dst, then the term (float
        # addition is commutative: the bits of c_lo + pair, without a copy)
        _tree_into(contrib, mid, hi, a, b, dst, scratch)
        dst += contrib[lo, a:b]
        return
    _tree_into(contrib, lo, mid, a, b, dst, scratch)
    if hi - mid == 1:
        dst += contrib[mid, a:b]
        return
    tmp = scratch[0][: b - a]
    _tree_into(contrib, mid, hi, a, b, tmp, scratch[1:])
    dst += tmp


def _tree_block(contrib: npt.NDArray[np.float64]) -> int:
    """Rows per block of a tree sum: its few (rows, C) buffers stay in L2."""
    return max(1024, TREE_BLOCK // max(1, int(np.prod(contrib.shape[2:]))))


def _depth(t: int) -> int:
    """Levels of the summation tree over ``t`` terms."""
    return max(t - 1, 0).bit_length()


def _rows_of(
    plus: npt.NDArray[np.float64] | None, shape: tuple[int, ...]
) -> npt.NDArray[np.float64] | None:
    """``plus`` (the intercept, (1, C)) repeated on every row of a block.

    A block's ``+= intercept`` broadcast over (rows, C) runs an inner loop of
    C elements per row; adding a block of repeated rows is one contiguous
    loop, the same additions (at 1M rows x 3 classes, 2026-12-03: 4 ms of a
    16 ms linear predictor).
    """
    if plus is None:
        return None
    rows = empty_outputs(shape)
    rows[:] = plus
    return rows


def tree_sum_into(
    contrib: npt.NDArray[np.float64],
    lo: int,
    hi: int,
    out: npt.NDArray[np.float64],
    plus: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """The tree sum of terms ``[lo, hi)`` of a (T, n, C) array into ``out``.

    ``plus`` (the intercept, (1, C)) is added last, block by block.
    """
    n, block = contrib.shape[1], _tree_block(contrib)
    size = (min(n, block), *contrib.shape[2:])
    rows = _rows_of(plus, size)

    def step(a: int, b: int, scratch: list[npt.NDArray[np.float64]]) -> None:
        _tree_into(contrib, lo, hi, a, b, out[a:b], scratch)
        if rows is not None:
            out[a:b] += rows[: b - a]

    depth = _depth(hi - lo)
    map_blocks(n, block, step, lambda: [empty_outputs(size) for _ in range(depth)])
    return out


def linear_predictor(
    contrib: npt.NDArray[np.float64],
    intercept: npt.NDArray[np.float64],
    out: npt.NDArray[np.float64] | None = None,
) -> npt.NDArray[np.float64]:
    """``intercept + sum_t contrib[t]`` of a term-major (T, n, C) array, (n, C).

    Block by block into the result (``out`` when given): each block's partial
    sums stay in cache instead of making T passes over an n-long one. From
    ``PartialSums.MIN_TERMS`` terms on, the terms are summed as a balanced
    binary tree (``[lo, hi)`` = ``[lo, mid) + [mid, hi)``, ``mid = (lo + hi) //
    2``), then the intercept is added: the tree fixes the order of the
    additions for any state, and it lets an edit of one term reuse the sums of
    the others (:class:`PartialSums`; float addition is commutative but not
    associative, so the same tree gives the same bits whichever way it is
    evaluated). Below, where kept sums would save little, the terms are added
    in order, then the intercept (``contrib.sum(0) + intercept`` to the bit).
    """
    t, n = contrib.shape[0], contrib.shape[1]
    eta = empty_outputs(contrib.shape[1:]) if out is None else out
    if t < PartialSums.MIN_TERMS:
        block = _tree_block(contrib)
        rows = _rows_of(intercept, (min(n, block), *contrib.shape[2:]))
        assert rows is not None

        def step(a: int, b: int, _: None) -> None:
            blk = eta[a:b]
            if t == 0:
                blk[:] = 0.0
            else:
                np.copyto(blk, contrib[0, a:b])
            for k in range(1, t):
                blk += contrib[k, a:b]
            blk += rows[: len(blk)]

        map_blocks(n, block, step)
        return eta
    return tree_sum_into(contrib, 0, t, eta, plus=intercept)


def sibling_ranges(n_terms: int, t: int) -> list[tuple[int, int]]:
    """The summation tree's nodes beside term ``t``'s path, bottom-up."""
    out = []
    lo, hi = 0, n_terms
    while hi - lo > 1:
        mid = _halves(lo, hi)
        if t < mid:
            out.append((mid, hi))
            hi = mid
        else:
            out.append((lo, mid))
            lo = mid
    return out[::-1]


class PartialSums:
    """The sums of the other terms' tree nodes beside one term's path.

    An edit of term ``t`` changes column t only: the linear predictor is then
    ``column t`` plus, level by level up the tree, the sum of the sibling node
    (which holds no t), plus the intercept: the same additions as
    :func:`linear_predictor`'s, so the same bits, reading ``1 + depth`` columns
    instead of T. The siblings of more than one term are kept here (a term's
    first edit computes them); single columns are read from the matrix. Worth
    it from :data:`MIN_TERMS` terms on (below, it would save at most one read
    of three; below it the linear predictor is not a tree sum). Kept on a term's
    second edit in a row (a drag's first move, or an undo), not its first: a
    run of edits that each touch another term (zeroing one after another)
    would pay for sums it never reuses. Kept while only column ``t`` changes
    (:meth:`forget` otherwise); its arrays are reused for the next term (fresh
    pages cost page faults).
    """

    #: fewest terms for which the session keeps partial sums. 4, not 8, since
    #: 2026-12-03: a 6-term model's drag then reads 3 columns, not 6 (1M rows x
    #: 3 classes: 12.0 -> 5.9 ms; its first edit of a term, a tree sum, 12.0 ->
    #: 12.5 ms); its linear predictor's bits are the tree's, not the in-order
    #: sum's (the same to rounding, ~1e-16 relative).
    MIN_TERMS = 4

    def __init__(self) -> None:
        self.term: int | None = None
        #: the term the last one-term edit changed (kept sums or not)
        self.last: int | None = None
        self.nodes: list[tuple[int, int, npt.NDArray[np.float64] | None]] = []
        self.arrays: list[npt.NDArray[np.float64]] = []

    def forget(self) -> None:
        """Columns other than the kept term's changed: nothing is reusable."""
        self.term = None
        self.nodes = []

    def keep(self, contrib: npt.NDArray[np.float64], t: int) -> None:
        """Compute and keep the sibling sums of term ``t`` (from ``contrib``)."""
        self.forget()
        shape = contrib.shape[1:]
        self.arrays = [a for a in self.arrays if a.shape == shape]
        used = 0
        for lo, hi in sibling_ranges(contrib.shape[0], t):
            arr = None
            if hi - lo > 1:
                if used == len(self.arrays):
                    self.arrays.append(empty_outputs(shape))
                arr = tree_sum_into(contrib, lo, hi, self.arrays[used])
                used += 1
            self.nodes.append((lo, hi, arr))
        self.term = t

    def linear_predictor(
        self,
        contrib: npt.NDArray[np.float64],
        intercept: npt.NDArray[np.float64],
        out: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """:func:`linear_predictor` of ``contrib`` from the kept sums, to the bit.

        ``contrib`` must differ from the matrix the sums were kept from in
        column :attr:`term` only.
        """
        assert self.term is not None
        t, n, block = self.term, contrib.shape[1], _tree_block(contrib)
        rows = _rows_of(intercept, (min(n, block), *contrib.shape[2:]))
        assert rows is not None

        def step(a: int, b: int, _: None) -> None:
            blk = out[a:b]
            np.copyto(blk, contrib[t, a:b])
            for lo, _hi, arr in self.nodes:
                blk += contrib[lo, a:b] if arr is None else arr[a:b]
            blk += rows[: len(blk)]

        map_blocks(n, block, step)
        return out


def same_slot(a: Edit, b: Edit) -> bool:
    """Whether ``b`` continues the drag that made ``a`` (same control, new value)."""
    if type(a) is not type(b):
        return False
    da, db = a.to_dict(), b.to_dict()
    return all(da[f] == db[f] for f in da if f not in _DRAGGED)


def check_state(state: str) -> str:
    """``state`` if it is one of :data:`STATES`, else an ``InputError``."""
    if state not in STATES:
        raise InputError(f"state must be one of {STATES}, got {state!r}.")
    return state


def check_y(
    y: Any, n_rows: int, classes: npt.NDArray[Any] | None
) -> npt.NDArray[Any] | None:
    """The targets as an array, checked against the rows and the model's task."""
    if y is None:
        return None
    arr = y.to_numpy() if isinstance(y, pd.Series | pd.DataFrame) else np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.shape != (n_rows,):
        raise InputError(
            f"y has shape {arr.shape}, but X has {n_rows} rows: they must match."
        )
    if arr.dtype == object and pd.isna(pd.Series(arr)).any():
        raise InputError("y contains missing values (NaN/None/NA); drop those rows.")
    if classes is None:
        try:
            values = arr.astype(np.float64)
        except (TypeError, ValueError) as err:
            raise InputError(
                f"y must be numeric for a regression model; it holds values such "
                f"as {_first_bad(arr)!r} ({err})."
            ) from None
        if not np.isfinite(values).all():
            raise InputError("y contains NaN or infinity; drop those rows.")
        return _own(values)
    if _has_missing(arr):
        raise InputError("y contains missing values (NaN/None); drop those rows.")
    kinds = {_label_kind(v) for v in _one_per_type(arr)}
    if len(kinds) > 1:
        raise InputError(
            f"y mixes labels of different types ({sorted(kinds)}); give every "
            "label the same type (e.g. all strings)."
        )
    if kinds and classes.size and {_label_kind(c) for c in classes.tolist()} != kinds:
        raise InputError(
            f"y holds {kinds.pop()} labels, but the model's classes are "
            f"{classes.tolist()}."
        )
    unknown = sorted(set(pd.unique(arr.ravel()).tolist()) - set(classes.tolist()))
    if unknown:
        raise InputError(
            f"y has classes {unknown} the model lacks (its classes: "
            f"{classes.tolist()})."
        )
    return _own(arr)


def _own(arr: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """A read-only copy: a later change to the caller's array cannot reach in."""
    out = np.array(arr, copy=True)
    out.flags.writeable = False
    return out


def _has_missing(arr: npt.NDArray[Any]) -> bool:
    """Whether labels hold NaN/None/NA (only float and object arrays can)."""
    if arr.dtype.kind in "biuUS":
        return False
    if arr.dtype.kind == "f":
        return bool(np.isnan(arr).any())
    return bool(pd.isna(pd.Series(arr.astype(object))).any())


def _one_per_type(arr: npt.NDArray[Any]) -> list[Any]:
    """One label of each Python type in ``arr`` (what ``_label_kind`` tells apart).

    A typed array has one; an object array is scanned by type only (a dict of
    types, ~30x cheaper at 1M rows than classifying each label).
    """
    if arr.dtype != object:
        return arr.ravel()[:1].tolist()
    values = arr.ravel().tolist()
    return list(dict(zip(map(type, values), values)).values())


def _label_kind(v: Any) -> str:
    if isinstance(v, str | bytes):
        return "string"
    if isinstance(v, bool | np.bool_):
        return "boolean"
    if isinstance(v, numbers.Number):
        return "number"
    return type(v).__name__


def _first_bad(arr: npt.NDArray[Any]) -> Any:
    for v in arr.tolist():
        try:
            float(v)
        except (TypeError, ValueError):
            return v
    return arr[0]


def check_sample_weight(w: Any, n_rows: int) -> npt.NDArray[np.float64] | None:
    """Row weights: ``n_rows`` finite numbers >= 0, not all zero (read-only)."""
    if w is None:
        return None
    try:
        arr = np.array(w, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise InputError(f"sample_weight must be numbers: {err}.") from None
    if arr.ndim != 1 or arr.shape[0] != n_rows:
        raise InputError(
            f"sample_weight has shape {arr.shape}, but X has {n_rows} rows: give "
            "one weight per row."
        )
    if not np.isfinite(arr).all():
        raise InputError(
            f"sample_weight holds {int((~np.isfinite(arr)).sum())} NaN or "
            "infinite value(s); weights must be finite."
        )
    if (arr < 0).any():
        raise InputError(
            f"sample_weight holds {int((arr < 0).sum())} negative value(s); "
            "weights must be >= 0."
        )
    if not (arr > 0).any():
        raise InputError("sample_weight is zero for every row; metrics need a row.")
    arr.flags.writeable = False
    return arr


def check_refit_args(epochs: Any, learning_rate: Any) -> tuple[int, float | None]:
    """``epochs`` an integer >= 1, ``learning_rate`` None or a finite number > 0."""
    if (
        not isinstance(epochs, numbers.Integral)
        or isinstance(epochs, bool)
        or epochs < 1
    ):
        raise InputError(f"epochs must be an integer >= 1, got {epochs!r}.")
    if learning_rate is None:
        return int(epochs), None
    if (
        not isinstance(learning_rate, numbers.Real)
        or isinstance(learning_rate, bool)
        or not math.isfinite(float(learning_rate))
        or learning_rate <= 0
    ):
        raise InputError(
            f"learning_rate must be a finite number > 0 (or None for a third of "
            f"the fit's), got {learning_rate!r}."
        )
    return int(epochs), float(learning_rate)


#: Rows per model call when a session opens: the model's own temporaries (its
#: batch tensors, members, a float64 copy of its output) stay this size, not n.
OPEN_BLOCK = 1 << 17


def term_major_contributions(
    model: Any, frame: pd.DataFrame, block: int = OPEN_BLOCK
) -> npt.NDArray[np.float64]:
    """The model's contributions of ``frame``, term-major: (n_terms, n, n_outputs).

    Written block by block into one float64 array, so opening a session holds
    the matrix once plus one block's worth of the model's temporaries, instead
    of the model's (n, T, C) output, its float64 copy and a transposed copy.
    """
    n = int(frame.shape[0])
    first = np.asarray(model.contributions_array(frame.iloc[:block]), np.float64)
    if first.ndim != 3 or first.shape[0] != min(n, block):
        raise InputError(
            f"The model's contributions_array gave shape {first.shape}; expected "
            f"({min(n, block)}, n_terms, n_outputs)."
        )
    t, c = first.shape[1], first.shape[2]
    out = np.empty((t, c, n)).transpose(0, 2, 1)  # each (n, C) column class-major
    out[:, : len(first)] = first.transpose(1, 0, 2)
    for a in range(block, n, block):
        part = model.contributions_array(frame.iloc[a : a + block])
        out[:, a : a + len(part)] = np.asarray(part, np.float64).transpose(1, 0, 2)
    return out


def predictions_of(
    model: Any,
    eta: npt.NDArray[np.float64],
    pool: Recycler | None = None,
    *,
    link: str | None = None,
) -> npt.NDArray[Any]:
    """``model.inverse_link(eta)`` as float64, called block by block.

    Every link is row by row, so blocks give the same numbers; the model's own
    temporaries (a sigmoid's, a softmax's) then stay cache-sized instead of
    several n-long arrays per state. The result is written into an array of
    ``pool`` when given. The identity link is called whole (it returns a view).
    With ``link`` ("logit" or "softmax"; the caller has checked with
    ``_links.matches_model`` that it reproduces this model's ``inverse_link``
    to the bit) the blocked in-place link of ``_links`` runs instead of the
    model's.
    """
    n = len(eta)
    if link is not None and eta.ndim == 2:
        k = 2 if link == "logit" else eta.shape[1]
        out = empty_outputs((n, k)) if pool is None else pool.empty((n, k))
        return link_into(link, eta, out)
    if n <= BLOCK or getattr(model, "link", None) == "identity":
        return np.asarray(model.inverse_link(eta), dtype=np.float64)
    first = np.asarray(model.inverse_link(eta[:BLOCK]), dtype=np.float64)
    shape = (n, *first.shape[1:])
    out = np.empty(shape) if pool is None else pool.empty(shape)
    out[:BLOCK] = first
    for a in range(BLOCK, n, BLOCK):
        out[a : a + BLOCK] = model.inverse_link(eta[a : a + BLOCK])
    return out


class StateCache:
    """Values computed from a state's linear predictor, keyed by its identity.

    A state's linear predictor is replaced, never written in place, so what is
    computed from it (predictions, metrics) stays valid while the same array is
    in place: a slider move recomputes "current" only. Least recently used last.
    """

    def __init__(self, size: int = 16) -> None:
        self.size = size
        self.items: list[tuple[npt.NDArray[Any], str, Any]] = []

    def get(self, eta: npt.NDArray[Any], key: str, compute: Callable[[], Any]) -> Any:
        """The cached value for ``(eta, key)``, computing it on a miss."""
        for i, (a, k, v) in enumerate(self.items):
            if a is eta and k == key:
                self.items.insert(0, self.items.pop(i))
                return v
        v = compute()
        self.items = [(eta, key, v)] + self.items[: self.size - 1]
        return v

    def clear(self) -> None:
        """Forget everything."""
        self.items = []

    def retain(self, live: list[npt.NDArray[Any]]) -> None:
        """Forget what was computed from any linear predictor not in ``live``.

        A state that is no longer the session's original, last or current one
        can never be asked for again (the cache is keyed by identity), so its
        predictions are freed (and their memory reused) instead of waiting to
        fall off the end.
        """
        self.items = [it for it in self.items if any(it[0] is e for e in live)]


def check_term_arg(term: Any) -> None:
    """A term is named by a str or an int."""
    if not isinstance(term, str | numbers.Integral) or isinstance(term, bool):
        raise InputTypeError(
            f"A term is named by its name (str) or index (int), got {term!r}."
        )
