"""Parameter checks, devices and threads: everything ``fit`` validates first."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import torch

from ..cpus import available_cpus, cpus_busy
from ..exceptions import InputError

_INF = float("inf")


def resolve_device(device: str) -> torch.device:
    """The torch device for a ``device`` parameter ("auto", "cpu", "cuda[:i]")."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device not in ("cpu", "cuda") and not str(device).startswith("cuda:"):
        raise InputError(f"device must be 'auto', 'cpu' or 'cuda', got {device!r}.")
    if str(device).startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"device={device!r} was asked for, but CUDA is not available.")
    return torch.device(device)


def _busy(cpus: int) -> bool:
    """Whether other work keeps the CPUs busy (``namwidgets.cpus.cpus_busy``)."""
    return cpus_busy(cpus)


def default_threads(fit: bool = False) -> int:
    """``n_threads=None``: the thread count used when the user sets none.

    Training (``fit=True``) uses one thread. Its ops are small (the feature nets
    run at 128 knots per feature, the per-row work is an interpolation over one
    batch), so a second thread gains little on a quiet machine, and beside a
    competing CPU-bound process torch's threads spin-wait for each other at
    every op (``benchmarks/threads.py``: 2 threads ran 16-38x slower than one
    on a loaded 2-core machine). Prediction works on chunks of many thousand
    rows, where threads pay on idle cores: torch's setting capped at
    :func:`available_cpus` (torch alone sees the host's core count), and one
    thread while the load average says the CPUs are busy (a contributions pass
    over 1M rows took 2.4-4.7 s with one thread, 13-17 s with two, beside
    other work).
    """
    if fit:
        return 1
    cpus = available_cpus()
    if cpus > 1 and _busy(cpus):
        return 1
    return max(1, min(torch.get_num_threads(), cpus))


class Threads:
    """Set torch's intra-op thread count for a block, then restore it.

    ``None`` means :func:`default_threads` (one thread for training; for
    prediction torch's setting capped at the CPUs the process may use, one
    while they are busy).
    """

    def __init__(self, n: int | None, fit: bool = False) -> None:
        self.n, self.fit, self.old = n, fit, torch.get_num_threads()

    def __enter__(self) -> None:
        n = default_threads(self.fit) if self.n is None else int(self.n)
        if n != self.old:
            torch.set_num_threads(n)

    def __exit__(self, *exc: object) -> None:
        if torch.get_num_threads() != self.old:
            torch.set_num_threads(self.old)


def plain(value: Any) -> Any:
    """``value`` with numpy scalars and arrays turned into Python ones (for JSON)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def is_int(v: Any) -> bool:
    """An integer that is not a bool (numpy integers count)."""
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _real(v: Any) -> float | None:
    """A real number (not a bool) as a float, else None."""
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return float(v)
    return None


def _in(v: Any, lo: float, hi: float, *, lo_open: bool, hi_open: bool) -> bool:
    x = _real(v)
    if x is None or x != x:  # NaN
        return False
    above = x > lo if lo_open else x >= lo
    below = x < hi if hi_open else x <= hi
    return above and below


def check_params(est: Any) -> None:
    """Check every parameter of a NAM estimator; an ``InputError`` names the bad one."""

    def need(cond: bool, name: str, what: str) -> None:
        if not cond:
            raise InputError(f"{name} must be {what}, got {getattr(est, name)!r}.")

    need(est.units in ("relu", "exu"), "units", "'relu' or 'exu'")
    hs = est.hidden_sizes
    need(
        isinstance(hs, list | tuple)
        and len(hs) > 0
        and all(is_int(h) and h > 0 for h in hs),
        "hidden_sizes",
        "a non-empty tuple of positive ints",
    )
    need(is_int(est.n_models) and est.n_models >= 1, "n_models", "an int >= 1")
    for name in ("dropout", "feature_dropout", "validation_fraction"):
        v = getattr(est, name)
        need(_in(v, 0, 1, lo_open=False, hi_open=True), name, "in [0, 1)")
    for name in ("output_penalty", "weight_decay"):
        v = getattr(est, name)
        need(_in(v, 0, _INF, lo_open=False, hi_open=True), name, "a float >= 0")
    need(
        _in(est.learning_rate, 0, _INF, lo_open=True, hi_open=True),
        "learning_rate",
        "a float > 0",
    )
    need(
        _in(est.lr_decay, 0, 1, lo_open=True, hi_open=False),
        "lr_decay",
        "in (0, 1]",
    )
    need(
        est.batch_size == "auto" or (is_int(est.batch_size) and est.batch_size >= 1),
        "batch_size",
        "'auto' or an int >= 1",
    )
    need(is_int(est.max_epochs) and est.max_epochs >= 1, "max_epochs", "an int >= 1")
    need(is_int(est.patience) and est.patience >= 1, "patience", "an int >= 1")
    need(
        _in(est.exu_cap, 0, _INF, lo_open=True, hi_open=True),
        "exu_cap",
        "a float > 0",
    )
    need(
        est.n_threads is None or (is_int(est.n_threads) and est.n_threads >= 1),
        "n_threads",
        "None or an int >= 1",
    )
    need(
        est.handle_unknown in ("error", "other"),
        "handle_unknown",
        "'error' or 'other'",
    )
    cats = est.categorical_features
    need(
        cats is None
        or (
            isinstance(cats, list | tuple | np.ndarray)
            and all(is_int(c) or isinstance(c, str) for c in cats)
        ),
        "categorical_features",
        "None or a list of column names (str) or positions (int)",
    )


def normalised_categorical(cats: Any) -> list[int | str] | None:
    """``categorical_features`` as plain ints and strs (numpy scalars converted)."""
    if cats is None:
        return None
    return [int(c) if is_int(c) else str(c) for c in cats]


def check_refit_args(epochs: Any, learning_rate: Any) -> tuple[int, float | None]:
    """Check ``refit_others``'s ``epochs`` and ``learning_rate``; return them plain."""
    if not is_int(epochs) or int(epochs) < 1:
        raise InputError(f"epochs must be an int >= 1, got {epochs!r}.")
    if learning_rate is not None:
        ok = isinstance(learning_rate, numbers.Real) and not isinstance(
            learning_rate, bool
        )
        if not ok or not np.isfinite(learning_rate) or learning_rate <= 0:
            raise InputError(
                f"learning_rate must be None or a float > 0, got {learning_rate!r}."
            )
        return int(epochs), float(learning_rate)
    return int(epochs), None
