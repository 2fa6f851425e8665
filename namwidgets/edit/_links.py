"""The classifiers' inverse links on the live path: blocked, in place, threaded.

The models' ``inverse_link`` (``NAMClassifier``'s, the EBM adapter's) is
``namwidgets.links``: a sigmoid or softmax on the package's compiled ``exp``.
Here the same compiled loops run block by block on the live path's threads,
straight on the session's class-major arrays (each class's column
contiguous; any other layout is copied into a class-major block first), so
the result is the model's ``inverse_link`` bit for bit: the session checks
that on its first rows before it uses this path (:func:`matches_model`) and
otherwise calls the model (a model with its own link, or numpy's ``exp``).

1M rows x 3 classes, one thread, 2026-12-03, 2-core AMD EPYC (AVX2): numpy's
softmax of the last pass ~31 ms, this one ~18 ms (the ``exp`` ~10 of them,
before it used fused multiply-adds).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from .. import links
from ._blocks import map_blocks
from ._layout import class_major, empty_outputs

Array = npt.NDArray[Any]

#: Rows per block of a copied (not class-major) array: its buffers stay in L2.
LINK_BLOCK = 1 << 13
#: Rows per block of the class-major path (each a few compiled loops, on the
#: live path's threads).
COLUMN_BLOCK = 1 << 16


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
    if class_major(out) and x.flags.c_contiguous:
        P = out.T

        def step(a: int, b: int, _: None) -> None:
            links.sigmoid_rows(x, P[0], P[1], a, b)

        map_blocks(n, COLUMN_BLOCK, step)
        return out
    size = min(n, LINK_BLOCK)
    xb, buf = np.empty(size), np.empty((2, size))
    for a in range(0, n, LINK_BLOCK):
        m = min(a + LINK_BLOCK, n) - a
        np.copyto(xb[:m], x[a : a + m])
        links.sigmoid_rows(xb, buf[0], buf[1], 0, m)
        np.copyto(out[a : a + m], buf[:, :m].T)
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
    if class_major(eta) and class_major(out):
        E, P = eta.T, out.T
        size = min(n, COLUMN_BLOCK)

        def step(a: int, b: int, M: Array) -> None:
            links.softmax_columns(E, P, a, b, M)

        map_blocks(n, COLUMN_BLOCK, step, lambda: np.empty(size))
        return out
    size = min(n, LINK_BLOCK)
    E, P, M = np.empty((k, size)), np.empty((k, size)), np.empty(size)
    for a in range(0, n, LINK_BLOCK):
        m = min(a + LINK_BLOCK, n) - a
        np.copyto(E[:, :m], eta[a : a + m].T)
        links.softmax_columns(E, P, 0, m, M)
        np.copyto(out[a : a + m], P[:, :m].T)
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
    code, and a model whose link is not ``namwidgets.links``' sigmoid /
    softmax keeps its own ``inverse_link``.
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
