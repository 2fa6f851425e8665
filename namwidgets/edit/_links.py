"""The classifiers' inverse links on the live path: blocked, in place, in cache.

``NAMClassifier.inverse_link`` (and the EBM adapter's) compute a softmax as
``e = exp(eta - eta.max(1)); e / e.sum(1)``: at 1M rows x 3 classes each
axis-1 reduction and each broadcast runs an inner loop of 3 elements per row,
and every step makes a fresh (n, K) temporary (8 MB per class per 1M rows,
whose pages fault in on first touch). Here the same operations run block by
block over buffers that stay in cache, each reduction written as K - 1
element-wise operations on the block's class columns (numpy adds a short row
left to right, so ``e0 + e1 + e2`` is its ``sum(1)`` to the bit; from 8
classes on, where numpy sums pairwise, the block's own ``sum(1)`` is used),
and ``exp`` runs on contiguous memory as the model's does (below 8 classes
the block is copied class-major first, so that these steps read contiguous
class rows, not strided columns). The result is
the model's ``inverse_link``, bit for bit: the session checks that on its
first rows before it uses this path (:func:`matches_model`) and otherwise
calls the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from ._blocks import map_blocks
from ._layout import class_major, empty_outputs

Array = npt.NDArray[Any]

#: Rows per block: a few (rows, K) float64 buffers of this length stay in L2.
LINK_BLOCK = 1 << 13
#: Rows per block of the class-major path: its ~10 numpy calls a block run on
#: two threads, and fewer, longer calls share the GIL better (1M x 3, two
#: threads, 2026-12-03, median of 7, five rounds: 8192 rows 25.4 ms, 32768
#: 23.2, 65536 22.0).
COLUMN_BLOCK = 1 << 16
#: numpy sums a row of fewer than this many elements left to right.
_SEQUENTIAL_SUM = 8


def sigmoid_into(eta: Array, out: Array) -> Array:
    """Two class probabilities ``[1 - p, p]``, ``p = 1 / (1 + exp(-eta))``.

    Parameters
    ----------
    eta : ndarray of shape (n_samples, 1)
    out : ndarray of shape (n_samples, 2)
        Written in place and returned.
    """
    n = len(eta)
    x = eta.reshape(n)
    buf = np.empty(min(n, LINK_BLOCK))
    for a in range(0, n, LINK_BLOCK):
        m = min(a + LINK_BLOCK, n) - a
        P = buf[:m]
        np.negative(x[a : a + m], out=P)
        np.exp(P, out=P)
        P += 1.0
        np.divide(1.0, P, out=P)
        out[a : a + m, 1] = P
        np.subtract(1.0, P, out=out[a : a + m, 0])
    return out


def softmax_into(eta: Array, out: Array) -> Array:
    """Class probabilities ``exp(z) / sum(exp(z))``, ``z = eta - max(eta)`` per row.

    Parameters
    ----------
    eta : ndarray of shape (n_samples, n_classes)
    out : ndarray of shape (n_samples, n_classes)
        Written in place and returned (may not be ``eta``).
    """
    n, k = eta.shape
    if k >= _SEQUENTIAL_SUM:
        return _softmax_rows_into(eta, out)
    if class_major(eta) and class_major(out):
        return _softmax_columns_into(eta.T, out.T)
    size = min(n, LINK_BLOCK)
    # class-major: the block's classes are copied once into contiguous rows
    # of zc (one strided read), and every step up to the division runs on
    # contiguous class columns; the division writes the result's strided
    # columns. 1M rows x 3 classes, 2026-12-03, median of 41, six alternating
    # rounds: 12.1-12.4 -> 11.2-11.4 ms (against the row-major block, whose
    # max, subtraction and sum each read strided columns)
    zc, top, total = np.empty((k, size)), np.empty(size), np.empty(size)
    for a in range(0, n, LINK_BLOCK):
        m = min(a + LINK_BLOCK, n) - a
        Z, S = zc[:, :m], total[:m]
        np.copyto(Z, eta[a : a + m].T)
        _exp_shifted(Z, Z, top[:m], S)
        blk = out[a : a + m]
        for c in range(k):
            np.divide(Z[c], S, out=blk[:, c])
    return out


def _exp_shifted(E: Array, Z: Array, M: Array, S: Array) -> None:
    """``Z = exp(E - max)`` and ``S`` its sum per column of (K, m) class rows.

    ``M`` is scratch for the running maximum; ``Z`` may be ``E``. The sum is
    left to right, ``e0 + e1 + e2``: numpy's ``sum(1)`` of a short row.
    """
    k = len(E)
    np.maximum(E[0], E[1], out=M)
    for c in range(2, k):
        np.maximum(M, E[c], out=M)
    for c in range(k):
        np.subtract(E[c], M, out=Z[c])
    np.exp(Z, out=Z)  # element-wise on contiguous rows, as the model's
    np.add(Z[0], Z[1], out=S)
    for c in range(2, k):
        S += Z[c]


def _softmax_columns_into(eta: Array, out: Array) -> Array:
    """:func:`softmax_into` of class-major (K, n) arrays, in blocks of rows.

    The session's layout: every step reads and writes contiguous class rows
    (no copy in, no strided write out), the same operations in the same
    order as the row-major path, so the same bits. Returns ``out.T``.
    """
    k, n = eta.shape

    def step(a: int, b: int, buf: tuple[Array, Array]) -> None:
        Z, S = out[:, a:b], buf[1][: b - a]
        _exp_shifted(eta[:, a:b], Z, buf[0][: b - a], S)
        for c in range(k):
            Z[c] /= S

    size = min(n, COLUMN_BLOCK)
    map_blocks(n, COLUMN_BLOCK, step, lambda: (np.empty(size), np.empty(size)))
    return out.T


def _softmax_rows_into(eta: Array, out: Array) -> Array:
    """:func:`softmax_into` on row-major blocks, each row summed by ``sum(1)``."""
    n, k = eta.shape
    size = min(n, LINK_BLOCK)
    z, top, total = np.empty((size, k)), np.empty(size), np.empty(size)
    for a in range(0, n, LINK_BLOCK):
        m = min(a + LINK_BLOCK, n) - a
        E, Z, M, S = eta[a : a + m], z[:m], top[:m], total[:m]
        np.maximum(E[:, 0], E[:, 1], out=M)
        for c in range(2, k):
            np.maximum(M, E[:, c], out=M)
        for c in range(k):
            np.subtract(E[:, c], M, out=Z[:, c])
        np.exp(Z, out=Z)  # contiguous, as the model's exp of its (m, K) array
        Z.sum(1, out=S)  # from 8 classes on numpy sums a row pairwise
        for c in range(k):
            np.divide(Z[:, c], S, out=out[a : a + m, c])
    return out


def link_into(link: str, eta: Array, out: Array) -> Array:
    """``out`` = the inverse of ``link`` ("logit" or "softmax") at ``eta``."""
    if link == "logit":
        return sigmoid_into(eta, out)
    if link == "softmax":
        return softmax_into(eta, out)
    raise ValueError(f"no blocked inverse for link {link!r}")


def matches_model(model: Any, eta: Array) -> bool:
    """Whether :func:`link_into` gives the model's ``inverse_link`` to the bit.

    Checked on (the first block of) ``eta``: the model's link is its own
    code, and a model whose link is not the plain sigmoid / softmax (or a numpy
    whose ``exp`` or ``sum`` differ) keeps its own ``inverse_link``.
    """
    link = getattr(model, "link", None)
    if link not in ("logit", "softmax") or eta.ndim != 2:
        return False
    sample = np.ascontiguousarray(eta[:LINK_BLOCK])
    expected = np.asarray(model.inverse_link(sample), dtype=np.float64)
    k = 2 if link == "logit" else sample.shape[1]
    if (link == "logit") != (sample.shape[1] == 1) or expected.shape != (
        len(sample),
        k,
    ):
        return False
    got = link_into(link, sample, np.empty((len(sample), k)))
    # and on the session's class-major layout (its own code path)
    major = empty_outputs(sample.shape)
    major[:] = sample
    got_major = link_into(link, major, empty_outputs((len(sample), k)))
    return bool(np.array_equal(got, expected) and np.array_equal(got_major, expected))
