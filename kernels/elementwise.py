"""The per-element pieces every loop form shares, as inline Numba helpers: the Gaussian
term and the one validity rule.

Inlined at Numba's IR level (`inline="always"`), so the loops they sit in fuse and
vectorise as if written out. Numba's on-disk cache only watches the file of the cached
function: after editing this module, clear the `__pycache__` of the modules using it.
"""

import numpy as np

from .flags import njit


@njit(inline="always")
def gaussian(x, mean, width):
    """The unnormalised Gaussian kernel `(mean, width)` at `x`, as in the notebook."""
    return np.exp(-0.5 * ((x - mean) / width) ** 2) / width


@njit(inline="always")
def valid(mean, width):
    """True where `mean` is finite and `width` finite and > 0, elementwise on arrays:
    `v - v` is NaN for NaN and ±inf. Branch-free arithmetic and literal constants only,
    so ParallelAccelerator fuses it into the kernel's own loop (`np.abs`, `np.isfinite`
    or a module constant here split it into a second parallel region)."""
    return (mean - mean == 0.0) & (width > 0.0) & (width - width == 0.0)


@njit(nogil=True, cache=True)
def count_valid(means, widths):
    """How many (mean, width) pairs are `valid`: the check of the modes that do not count
    in their own loop."""
    ok = 0
    for i in range(means.shape[0]):
        ok += valid(means[i], widths[i])
    return ok


@njit(nogil=True, cache=True)
def first_invalid(means, widths):
    """Index of the first pair that is not `valid`, or -1: what an error message names."""
    for i in range(means.shape[0]):
        if not valid(means[i], widths[i]):
            return i
    return -1
