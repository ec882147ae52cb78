"""The one set of Numba compile options every project variant uses.

Parfor bodies always compile with `error_model="numpy"` while a plain `@njit` defaults to
`"python"` (a zero-division check per division); every variant takes `"numpy"` and no
fastmath, so serial, parallel and chunked timings compare like with like. The notebook's
own functions (`kernels.notebook`) keep the notebook's decorators.
"""

import os
from collections.abc import Callable

import numba

FLAGS = {"error_model": "numpy", "fastmath": False}


def njit(**options) -> Callable:
    """`numba.njit` with `FLAGS` and `options`."""
    return numba.njit(**FLAGS, **options)


def compiled(function: Callable, cache: str | None, variant: str, **options) -> Callable:
    """`function` compiled by `njit` with `options`; with `cache`, cached in
    ``cache/<Numba release>/<variant>``. One folder per variant because Numba's cache key
    ignores compile options: the serial and parallel compiles of one function would load
    each other's code from one folder. Numba reads the folder when the function is decorated."""
    if cache is None:
        return njit(**options)(function)
    previous = numba.config.CACHE_DIR
    numba.config.CACHE_DIR = os.path.join(cache, numba.__version__, variant)
    try:
        return njit(cache=True, **options)(function)
    finally:
        numba.config.CACHE_DIR = previous


def configured_cache() -> str | None:
    """The cache folder the process configured (``NUMBA_CACHE_DIR``), or None: the
    notebook's own functions compiled with the project's flags are cached only there, so a
    plain script compiles them as the notebook does."""
    return numba.config.CACHE_DIR or None
