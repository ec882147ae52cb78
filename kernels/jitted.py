"""Numba compilations of the kernels.

The `parallel` and `prange` variants of `gaussians` and `kde` return `(result, count,
total)`, checked in the same parallel loop so that validation costs no extra pass over
memory: all inputs are valid when `count` equals the number of kernels and `total` is
finite. `gaussians` counts fully valid pairs (`valid`; `total` is 0). `kde`, whose loop
already carries a float reduction, counts positive widths and sums means + widths (a
NaN or inf anywhere makes the sum non-finite): measured cheaper there, dearer for
`gaussians`.

All variants share `FLAGS`: the same `error_model` (parfors always use "numpy") and no
fastmath, so serial and parallel timings compare like with like. Everything but the
serial array expressions is cached on disk (`cache=True`) so benchmark processes load
machine code instead of recompiling. The serial array expressions are the notebook's
functions themselves, and Numba's cache key ignores compile options: a cached entry of
the same function compiled otherwise (an earlier commit's parallel variant, a user's own
`njit(parallel=True, cache=True)`) could be loaded in their place, so they compile afresh.
"""

from collections.abc import Callable

import numba
import numpy as np

from .formulas import BLOCK, SQRT_2PI, block_seed, gaussians_expr, kde_expr

FLAGS = {"error_model": "numpy", "fastmath": False}


def _njit(**options) -> Callable:
    return numba.njit(**FLAGS, **options)


@_njit(inline="always")
def valid(mean, width):
    """1 where `mean` is finite and `width` finite and > 0, else 0; elementwise on arrays.
    Branch-free, so the loops it sits in stay vectorisable."""
    return (mean - mean == 0.0) & (width > 0.0) & (width - width == 0.0)


@_njit(nogil=True, cache=True)
def count_valid(means, widths):
    """How many (mean, width) pairs pass `valid`: the check of the modes without a fused one."""
    ok = 0
    for i in range(means.shape[0]):
        ok += valid(means[i], widths[i])
    return ok


@_njit(parallel=True, cache=True)
def gaussians_parallel(x, means, widths):
    """The notebook's array expression, plus the fused validity check."""
    n = means.shape[0]
    result = np.exp(-0.5 * ((x - means) / widths) ** 2) / widths
    return result / SQRT_2PI / n, np.sum(valid(means, widths)), 0.0


@_njit(parallel=True, cache=True)
def gaussians_prange(x, means, widths):
    n = means.shape[0]
    out = np.empty(n)
    ok = 0
    for i in numba.prange(n):
        out[i] = np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i] / SQRT_2PI / n
        ok += valid(means[i], widths[i])
    return out, ok, 0.0


@_njit(nogil=True, cache=True)
def gaussians_chunk(x, means, widths, n):
    """Kernels `means`/`widths` (a slice of `n` in all) at `x`, without the GIL."""
    out = np.empty(means.shape[0])
    for i in range(means.shape[0]):
        out[i] = np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i] / SQRT_2PI / n
    return out


@_njit(parallel=True, cache=True)
def kde_parallel(x, means, widths):
    """The notebook's reduction, plus the fused validity check."""
    result = np.exp(-0.5 * ((x - means) / widths) ** 2) / widths
    return result.mean() / SQRT_2PI, np.sum(widths > 0.0), np.sum(means + widths)


@_njit(parallel=True, cache=True)
def kde_prange(x, means, widths):
    n = means.shape[0]
    acc = 0.0
    positive = 0
    total = 0.0
    for i in numba.prange(n):
        acc += np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i]
        positive += widths[i] > 0.0
        total += means[i] + widths[i]
    return acc / n / SQRT_2PI, positive, total


@_njit(nogil=True, cache=True)
def kde_chunk(x, means, widths):
    """Unnormalised sum of the kernels `means`/`widths` at `x`, without the GIL."""
    acc = 0.0
    for i in range(means.shape[0]):
        acc += np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i]
    return acc


block_seed_jit = _njit(nogil=True, cache=True)(block_seed)


@_njit(nogil=True, cache=True)
def block_hits(block, nsamples, seed):
    """Hits inside the quarter circle among the samples of RNG block `block`."""
    np.random.seed(block_seed_jit(seed, block))
    acc = 0
    for _ in range(block * BLOCK, min((block + 1) * BLOCK, nsamples)):
        x = np.random.random()
        y = np.random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return acc


@_njit(nogil=True, cache=True)
def monte_carlo_pi_chunk(first, last, nsamples, seed):
    """Hits in RNG blocks `first ... last - 1`, without the GIL."""
    acc = 0
    for b in range(first, last):
        acc += block_hits(b, nsamples, seed)
    return acc


@_njit(nogil=True, cache=True)
def monte_carlo_pi_serial(nsamples, seed):
    return 4.0 * monte_carlo_pi_chunk(0, (nsamples + BLOCK - 1) // BLOCK, nsamples, seed) / nsamples


@_njit(parallel=True, cache=True)
def monte_carlo_pi_prange(nsamples, seed):
    acc = 0
    for b in numba.prange((nsamples + BLOCK - 1) // BLOCK):
        acc += block_hits(b, nsamples, seed)
    return 4.0 * acc / nsamples


gaussians_serial = _njit()(gaussians_expr)
kde_serial = _njit()(kde_expr)

VARIANTS: dict[str, Callable] = {
    "gaussians.serial": gaussians_serial,
    "gaussians.parallel": gaussians_parallel,
    "gaussians.prange": gaussians_prange,
    "gaussians.chunk": gaussians_chunk,
    "kde.serial": kde_serial,
    "kde.parallel": kde_parallel,
    "kde.prange": kde_prange,
    "kde.chunk": kde_chunk,
    "monte_carlo_pi.serial": monte_carlo_pi_serial,
    "monte_carlo_pi.prange": monte_carlo_pi_prange,
    "monte_carlo_pi.chunk": monte_carlo_pi_chunk,
}


def compiled(variant: str) -> Callable:
    """The dispatcher for `variant` (a key of `VARIANTS`), compiled on its first call."""
    return VARIANTS[variant]
