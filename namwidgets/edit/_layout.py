"""The session's memory layout of (rows, outputs) arrays: class-major."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt


def empty_outputs(shape: tuple[int, ...]) -> npt.NDArray[np.float64]:
    """An uninitialised float64 array of ``shape`` (rows, outputs), class-major.

    The session keeps every (rows, C) array with each output's column
    contiguous (a transposed (C, rows) array): the softmax, the metrics and a
    region edit then run on contiguous class columns, where a row-major
    array's per-class passes read strided memory (at 1M rows x 3 classes ~1
    ns per value against ~0.1-0.3). One output (regression, binary) is both.
    """
    if len(shape) == 2 and shape[1] > 1:
        return np.empty(shape[::-1]).T
    return np.empty(shape)


def class_major(a: npt.NDArray[Any]) -> bool:
    """Whether the (rows, C) array ``a`` has each column contiguous."""
    return a.ndim == 2 and a.T.flags.c_contiguous
