"""The one set of Numba compile options every project variant uses.

Parfor bodies always compile with `error_model="numpy"` while a plain `@njit` defaults to
`"python"` (a zero-division check per division); every variant takes `"numpy"` and no
fastmath, so serial, parallel and chunked timings compare like with like. The notebook's
own functions (`kernels.notebook`) keep the notebook's decorators.
"""

from collections.abc import Callable

import numba

FLAGS = {"error_model": "numpy", "fastmath": False}


def njit(**options) -> Callable:
    """`numba.njit` with `FLAGS` and `options`."""
    return numba.njit(**FLAGS, **options)
