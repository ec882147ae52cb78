"""Running Numba's parallel kernels on a chosen number of threads, safely.

`set_num_threads` is thread-local, so the count is set around every call in the calling
thread. Numba's `workqueue` layer aborts the whole process when two Python threads launch
parallel work at once (numba#9288); under that layer launches are serialised by a lock.
"""

import os
import threading
from collections.abc import Callable
from contextlib import nullcontext
from functools import cache

import numba

_WORKQUEUE_LOCK = threading.Lock()


def max_threads() -> int:
    """The most threads Numba may use in this process (`NUMBA_NUM_THREADS`)."""
    return numba.config.NUMBA_NUM_THREADS


@cache
def threading_layer() -> str:
    """The threading layer Numba loaded; starts Numba's pool if nothing has yet."""
    numba.get_num_threads()
    return numba.threading_layer()


def on_threads(func: Callable, threads: int) -> Callable:
    """`func` (a parallel dispatcher) called with `threads` Numba threads."""
    guard = _WORKQUEUE_LOCK if threading_layer() == "workqueue" else nullcontext()

    def run(*args):
        with guard:
            previous = numba.get_num_threads()
            numba.set_num_threads(threads)
            try:
                return func(*args)
            finally:
                numba.set_num_threads(previous)

    return run


def requested_layer_loaded() -> str:
    """The loaded layer; RuntimeError if `NUMBA_THREADING_LAYER` names a different one
    (so a result is never labelled with a layer that silently fell back)."""
    requested = os.environ.get("NUMBA_THREADING_LAYER", "default")
    loaded = threading_layer()
    if requested in ("tbb", "omp", "workqueue") and loaded != requested:
        raise RuntimeError(f"NUMBA_THREADING_LAYER={requested} requested but Numba loaded {loaded!r}")
    return loaded
