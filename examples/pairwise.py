"""A user's own function: Euclidean distances between two sets of points, and its `prange` loop.

    ntb advise examples/pairwise.py:pairwise --inputs examples/pairwise.py:make_inputs \
        --prange examples/pairwise.py:pairwise_prange --chunk 0

Nothing here is from the tutorial notebook. `pairwise` is the NumPy broadcasting idiom;
`pairwise_prange` the loop a Numba user writes for it, parallel over the rows of `a`; the
chunked modes split the rows of `a` and stack the parts. A problem of size n has about n
distances (sqrt(n) points a side, in 3-D). `KERNEL` puts it in the asv suite and on every
page: ``NTB_USER_KERNELS=examples/pairwise.py bash .ci/bench``.
"""

import numba
import numpy as np

from kernels.user import from_function


def pairwise(a, b):
    """Distance from every point of `a` to every point of `b` (rows are points)."""
    difference = a.reshape(a.shape[0], 1, a.shape[1]) - b.reshape(1, b.shape[0], b.shape[1])
    return np.sqrt((difference * difference).sum(axis=2))


def pairwise_prange(a, b):
    """`pairwise` as a loop over the rows of `a` with `numba.prange`."""
    out = np.empty((a.shape[0], b.shape[0]))
    for i in numba.prange(a.shape[0]):
        for j in range(b.shape[0]):
            total = 0.0
            for k in range(a.shape[1]):
                step = a[i, k] - b[j, k]
                total += step * step
            out[i, j] = np.sqrt(total)
    return out


def make_inputs(size):
    """Two sets of round(sqrt(size)) points in the unit cube."""
    rng = np.random.default_rng(0)
    side = max(1, round(size**0.5))
    return rng.random((side, 3)), rng.random((side, 3))


KERNEL = from_function(pairwise, make_inputs, prange=pairwise_prange, chunk=(0,), rtol=1e-12)
