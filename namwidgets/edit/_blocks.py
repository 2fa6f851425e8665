"""The live path's blocked passes, spread over worker threads.

Every O(n) pass of the session (the linear predictor, the link, the live
metrics, a term's importance, an edit's new column) already runs block by
block over cache-sized buffers. :func:`map_blocks` hands contiguous runs of
those blocks to worker threads (numpy releases the GIL inside its loops), one
scratch set per thread, and returns each block's result in block order: the
blocks and the order in which their partial sums are combined are those of
one thread, so every number is the same bit for bit whatever the thread count
(tested). On this project's 2-core machines the live path's time goes to
``exp`` and ``log`` (~6 ns per float64 value without AVX-512) and to memory
passes; two threads cut a 3M-value blocked ``exp`` from 15.7 to 10.1 ms.

The thread count is :func:`live_threads`: the CPUs this process may use
(``namwidgets.cpus``: affinity and cgroup quota), one while the load average
says they are busy, and at most :data:`MAX_THREADS`; a session's ``n_threads``
sets it for its own calls (:func:`threads`). Worker threads wait on a queue,
they do not spin: beside other CPU-bound work a pass costs about what one
thread's would.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np

from ..cpus import available_cpus, cpus_busy

R = TypeVar("R")

#: Most worker threads a pass uses (memory bandwidth, not cores, bounds more).
MAX_THREADS = 4
#: Fewest rows a pass spreads over threads: below, one thread's pass takes
#: well under a millisecond and the hand-off would cost more than it saves.
MIN_PARALLEL_ROWS = 1 << 17
#: Seconds between two reads of the load average.
_LOAD_EVERY = 1.0

_chosen: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "namwidgets_live_threads", default=None
)
_lock = threading.Lock()
_pools: dict[int, ThreadPoolExecutor] = {}
_auto: list[float] = [-1.0, 1.0]  # [time of the last check, threads then]
#: set inside a pass: a pass nested in a block runs on its caller's thread (a
#: worker waiting on its own pool's workers could wait forever)
_inside = threading.local()


def live_threads() -> int:
    """Threads of a live pass now: the session's choice, else the CPUs free."""
    chosen = _chosen.get()
    if chosen is not None:
        return chosen
    now = time.monotonic()
    if now - _auto[0] > _LOAD_EVERY:
        cpus = min(available_cpus(), MAX_THREADS)
        _auto[:] = [now, 1.0 if cpus > 1 and cpus_busy(cpus) else float(cpus)]
    return int(_auto[1])


@contextlib.contextmanager
def threads(n_threads: int | None) -> Iterator[None]:
    """Run the passes inside with ``n_threads`` threads (None: :func:`live_threads`)."""
    token = _chosen.set(n_threads)
    try:
        yield
    finally:
        _chosen.reset(token)


def _pool(workers: int) -> ThreadPoolExecutor:
    with _lock:
        pool = _pools.get(workers)
        if pool is None:
            pool = _pools[workers] = ThreadPoolExecutor(
                workers, thread_name_prefix="namwidgets-live"
            )
        return pool


def map_blocks(
    n: int,
    block: int,
    fn: Callable[[int, int, Any], R],
    scratch: Callable[[], Any] = lambda: None,
    *,
    parallel: bool = True,
) -> list[R]:
    """``[fn(a, b, s) for each block [a, b) of range(n)]``, on worker threads.

    Parameters
    ----------
    n : int
        Rows.
    block : int
        Rows per block (the last may be shorter).
    fn : callable
        Called once per block with its bounds and its thread's scratch; the
        blocks must write disjoint outputs.
    scratch : callable, optional
        Makes one thread's scratch (its buffers), once per thread.
    parallel : bool, default=True
        False: one thread (for passes whose numpy calls hold the GIL or
        contend for it, where threads measured slower).

    Returns
    -------
    list
        The blocks' results in block order. A worker's exception is raised
        here, after every worker has stopped.
    """
    n_blocks = -(-n // block) if n > 0 else 0
    results: list[Any] = [None] * n_blocks

    def run(lo: int, hi: int) -> None:
        outer = getattr(_inside, "on", False)
        _inside.on = True
        try:
            s = scratch()
            for j in range(lo, hi):
                a = j * block
                results[j] = fn(a, min(a + block, n), s)
        finally:
            _inside.on = outer

    workers = 1
    if parallel and n >= MIN_PARALLEL_ROWS and not getattr(_inside, "on", False):
        workers = min(live_threads(), n_blocks)
    if workers <= 1:
        run(0, n_blocks)
        return results
    cuts = [n_blocks * i // workers for i in range(workers + 1)]
    pool = _pool(workers - 1)
    futures = [pool.submit(run, cuts[i], cuts[i + 1]) for i in range(1, workers)]
    try:
        run(cuts[0], cuts[1])
    finally:
        errors = [f.exception() for f in futures]
    for err in errors:
        if err is not None:
            raise err
    return results


def map_items(count: int, rows: int, fn: Callable[[int], R]) -> list[R]:
    """``[fn(i) for i in range(count)]``, independent items of ``rows`` rows each.

    Spread over the threads as :func:`map_blocks` spreads blocks, where the
    items' rows together reach :data:`MIN_PARALLEL_ROWS`; results in order.
    """
    size = max(rows, 1)
    return map_blocks(count * size, size, lambda a, b, s: fn(a // size))


#: Rows per block of a threaded copy or element-wise pass.
COPY_BLOCK = 1 << 16


def copy_into(dst: Any, src: Any) -> Any:
    """``dst[...] = src`` for (rows, ...) arrays, block by block on the threads.

    A 24 MB copy (1M x 3 float64) is bound by memory bandwidth, which one
    core does not fill: 1.5 ms on one thread, 0.9 on two (2026-12-03).
    """

    def step(a: int, b: int, _: None) -> None:
        np.copyto(dst[a:b], src[a:b])

    map_blocks(len(dst), COPY_BLOCK, step)
    return dst


def copy_of(src: Any) -> Any:
    """A copy of ``src`` in its own layout (``order="K"``), made on the threads."""
    return copy_into(np.empty_like(src, order="K"), src)
