"""The classifiers' inverse links: a sigmoid and a softmax on one compiled ``exp``.

Every model of this package (``NAMClassifier``, the EBM adapter) and every
edit session computes class probabilities here, so a session's probabilities
are its model's ``predict_proba`` bit for bit, on any machine: the ``exp`` is
this module's own, not the C library's or numpy's (whose float64 ``exp`` is a
scalar call of ~9 ns per value without AVX-512, and a different SIMD code with
it). Its loops are numba-compiled and vectorised: a 1M x 3 softmax takes
~8 ms on one core of a 2-core AMD EPYC (AVX2) where numpy's took ~31 ms
(2026-12-03), and 10.8 ms on a 2-core Xeon with AVX-512 (2026-12-04), where
numpy's 3M-value ``exp`` alone is 1.7 ms against this one's 3.0.

The ``exp``: ``x = k ln 2 + r`` with ``k`` the nearest integer to ``x / ln 2``
(Cody and Waite's two-part ``ln 2``), ``exp(r)`` its degree-13 Taylor
polynomial by Horner's rule in fused multiply-adds (truncation < 1e-17
relative on ``|r| <= ln 2 / 2``), scaled by ``2**k`` as two exact powers of
two (so results below ``2**-1022`` round once into the subnormals). Error
<= 0.95 ulp of the exact value (the worst of 20M values against extended
precision: 0.91; the C library's <= 0.51); within 1 ulp of numpy's.
``exp(-inf) = 0``, ``exp(inf) = inf``, NaN stays NaN.
The fused multiply-adds are LLVM's ``fma``, rounded once by definition (one
instruction on any x86-64 CPU with FMA3, Haswell and later; a correct but slow
library call without), and nothing else is fused or reordered (no
fast-math): the vectorised loop, its scalar remainder and every machine give
the same bits. Replacing the separate products and sums by them made the
``exp`` 1.6x faster (3M values, one thread: 4.7 -> 3.0 ms) and its worst
error 1.15 -> 0.91 ulp.

Compiled on first use and cached on disk (``cache=True``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt
from numba import njit, types
from numba.extending import intrinsic

Array = npt.NDArray[Any]

#: Rows per block of :func:`softmax` and :func:`sigmoid` (their buffers stay
#: in L2).
BLOCK = 1 << 13

_LOG2E = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # ln 2's leading 32 bits: k * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_MAGIC = 6755399441055744.0  # 1.5 * 2**52: x + _MAGIC rounds x to an integer
_LIMIT = 1000.0  # exp(-1000) is 0.0 and exp(1000) inf: |k| stays small
_C = tuple(1.0 / math.factorial(i) for i in range(14))
_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13 = _C[2:]


@intrinsic
def float_bits(typingctx: Any, x: Any) -> Any:
    """The int64 of a float64's bits (``np.float64(x).view(np.int64)``).

    For numba-compiled code (the live metrics' loops use it too); called
    there as ``float_bits(x)``.
    """
    sig = types.int64(types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.int64))

    return sig, codegen


@intrinsic
def _float(typingctx: Any, x: Any) -> Any:
    """The float64 whose bits are an int64's."""
    sig = types.float64(types.int64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.bitcast(args[0], context.get_value_type(types.float64))

    return sig, codegen


@intrinsic
def _fma(typingctx: Any, a: Any, b: Any, c: Any) -> Any:
    """``a * b + c`` rounded once (LLVM's ``fma``: one instruction with FMA3)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.fma(*args)

    return sig, codegen


# numba's intrinsics take their typing context themselves; mypy sees the
# Python signature (typingctx, x), hence the call-arg ignores below
@njit(cache=True, nogil=True, inline="always")
def _exp(x: float) -> float:
    """``exp(x)`` (see the module's notes: <= 0.95 ulp, no branch)."""
    x = -_LIMIT if x < -_LIMIT else x  # selects: a NaN passes through both
    x = _LIMIT if x > _LIMIT else x
    t = x * _LOG2E + _MAGIC
    kf = t - _MAGIC
    k: int = float_bits(t) - float_bits(_MAGIC)  # type: ignore[call-arg]
    r = _fma(-kf, _LN2_LO, _fma(-kf, _LN2_HI, x))
    p = _C13
    p = _fma(p, r, _C12)
    p = _fma(p, r, _C11)
    p = _fma(p, r, _C10)
    p = _fma(p, r, _C9)
    p = _fma(p, r, _C8)
    p = _fma(p, r, _C7)
    p = _fma(p, r, _C6)
    p = _fma(p, r, _C5)
    p = _fma(p, r, _C4)
    p = _fma(p, r, _C3)
    p = _fma(p, r, _C2)
    p = _fma(p, r, 1.0)
    p = _fma(p, r, 1.0)
    half = k >> 1
    low = _float((half + 1023) << 52)
    high = _float((k - half + 1023) << 52)
    return (p * low) * high


@njit(cache=True, nogil=True)
def _exp_into(x: np.ndarray, out: np.ndarray) -> None:
    for i in range(x.shape[0]):
        out[i] = _exp(x[i])


# The softmax's steps, each a loop over one class's contiguous rows: the
# compiler vectorises a loop over 1-D slices (through (K, n) indexing the
# exp loop ran scalar, 3x slower)
@njit(cache=True, nogil=True)
def _max_into(M: np.ndarray, v: np.ndarray) -> None:
    for i in range(M.shape[0]):
        M[i] = v[i] if v[i] > M[i] else M[i]  # a NaN reaches the row's sum


@njit(cache=True, nogil=True)
def _exp_shifted(v: np.ndarray, M: np.ndarray, out: np.ndarray) -> None:
    for i in range(out.shape[0]):
        out[i] = _exp(v[i] - M[i])


@njit(cache=True, nogil=True)
def _add_into(S: np.ndarray, v: np.ndarray) -> None:
    for i in range(S.shape[0]):
        S[i] += v[i]


@njit(cache=True, nogil=True)
def _reciprocal(S: np.ndarray) -> None:
    for i in range(S.shape[0]):
        S[i] = 1.0 / S[i]


@njit(cache=True, nogil=True)
def _scale_by(v: np.ndarray, S: np.ndarray) -> None:
    for i in range(v.shape[0]):
        v[i] = v[i] * S[i]


@njit(cache=True, nogil=True)
def _softmax_columns(
    E: np.ndarray, P: np.ndarray, a: int, b: int, M: np.ndarray
) -> None:
    """``P[:, a:b]`` = the softmax of the class-major (K, n) scores ``E[:, a:b]``.

    Per row: ``m`` the largest score; ``e_c = exp(E_c - m)``; ``s = e_0 + e_1 +
    ...`` left to right; ``P_c = e_c * (1 / s)`` (within 1.5 ulp of
    ``e_c / s``; at most 1, as ``e_c <= 1 <= s``). ``M`` (at least ``b - a`` long)
    is scratch for the maximum, then the sum. A row with a NaN or an
    infinite score gives NaN (an ``inf - inf``), a ``-inf`` score 0.0 beside
    finite ones, as ``exp(z) / sum(exp(z))`` does.
    """
    k, m = E.shape[0], b - a
    S = M[:m]
    S[:] = E[0, a:b]
    for c in range(1, k):
        _max_into(S, E[c, a:b])
    for c in range(k):
        _exp_shifted(E[c, a:b], S, P[c, a:b])
    S[:] = P[0, a:b]
    for c in range(1, k):
        _add_into(S, P[c, a:b])
    _reciprocal(S)  # one division a row, not K (a division costs ~4 products)
    for c in range(k):
        _scale_by(P[c, a:b], S)


@njit(cache=True, nogil=True)
def _sigmoid_rows(
    x: np.ndarray, p0: np.ndarray, p1: np.ndarray, a: int, b: int
) -> None:
    """``p1 = 1 / (1 + exp(-x))`` and ``p0 = 1 - p1`` on rows ``[a, b)``."""
    _sigmoid_of(x[a:b], p1[a:b])
    _one_minus(p1[a:b], p0[a:b])


@njit(cache=True, nogil=True)
def _sigmoid_of(x: np.ndarray, out: np.ndarray) -> None:
    # two loops: as one, the compiler left it scalar (~4x slower)
    for i in range(out.shape[0]):
        out[i] = _exp(-x[i])
    for i in range(out.shape[0]):
        out[i] = 1.0 / (1.0 + out[i])


@njit(cache=True, nogil=True)
def _one_minus(v: np.ndarray, out: np.ndarray) -> None:
    for i in range(out.shape[0]):
        out[i] = 1.0 - v[i]


def readonly(a: Array) -> Array:
    """A read-only view of ``a``, for a numba-compiled loop's inputs.

    numba compiles a read-only array as a type of its own: every input goes in
    read-only, so one compiled version serves whoever owns the array (the
    live metrics' loops pass theirs through this too).
    """
    view = a.view()
    view.flags.writeable = False
    return view


def exp(x: npt.ArrayLike) -> Array:
    """The package's ``exp`` of a float64 array (any shape), as a new array."""
    arr = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty_like(arr)
    _exp_into(readonly(arr.reshape(-1)), out.reshape(-1))
    return out


def softmax_columns(E: Array, P: Array, a: int, b: int, M: Array) -> None:
    """:func:`_softmax_columns` on rows ``[a, b)`` of C-contiguous (K, n) arrays.

    ``M`` is a float64 scratch row at least ``b - a`` long; ``P`` is written.
    """
    _softmax_columns(readonly(E), P, a, b, M)


def sigmoid_rows(x: Array, p0: Array, p1: Array, a: int, b: int) -> None:
    """``p1 = 1 / (1 + exp(-x))``, ``p0 = 1 - p1`` on rows ``[a, b)`` (1-D arrays)."""
    _sigmoid_rows(readonly(x), p0, p1, a, b)


def softmax(eta: npt.ArrayLike) -> Array:
    """Class probabilities ``exp(z) / sum(exp(z))``, ``z = eta - max(eta)`` per row.

    Parameters
    ----------
    eta : array-like of shape (n_samples, n_classes)

    Returns
    -------
    ndarray of shape (n_samples, n_classes), C-contiguous float64
    """
    arr = np.asarray(eta, dtype=np.float64)
    n, k = arr.shape
    out = np.empty((n, k))
    size = min(n, BLOCK)
    E, P, M = np.empty((k, size)), np.empty((k, size)), np.empty(size)
    for a in range(0, n, BLOCK):  # each block copied class-major, in cache
        m = min(a + BLOCK, n) - a
        np.copyto(E[:, :m], arr[a : a + m].T)
        softmax_columns(E, P, 0, m, M)
        np.copyto(out[a : a + m], P[:, :m].T)
    return out


def sigmoid(x: npt.ArrayLike) -> Array:
    """The two class probabilities ``[1 - p, p]``, ``p = 1 / (1 + exp(-x))``.

    Parameters
    ----------
    x : array-like of shape (n_samples,)

    Returns
    -------
    ndarray of shape (n_samples, 2), C-contiguous float64
    """
    arr = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    P = np.empty((2, len(arr)))
    sigmoid_rows(arr, P[0], P[1], 0, len(arr))
    return np.ascontiguousarray(P.T)


def warm() -> None:
    """Compile (or load from numba's cache) every loop for the types used."""
    x = np.linspace(-2.0, 2.0, 6)
    exp(x)
    sigmoid(x)
    softmax(x.reshape(3, 2))
