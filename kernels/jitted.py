"""Numba compilations of the kernels, one factory per variant.

Every factory builds *new* dispatchers (so first-call latency can be measured afresh);
`compiled()` memoises them for ordinary use. All variants share `FLAGS`: the same
`error_model` (parfors always use "numpy") and no fastmath, so serial and parallel
timings compare like with like.
"""

from collections.abc import Callable
from functools import cache

import numba
import numpy as np

from .formulas import BLOCK, SEED_MODULUS, SQRT_2PI, UNSEEDED, gaussians_expr, kde_expr

FLAGS = {"error_model": "numpy", "fastmath": False}


def _njit(**extra):
    return numba.njit(**FLAGS, **extra)


def _gaussians_prange():
    @_njit(parallel=True)
    def gaussians(x, means, widths):
        n = means.shape[0]
        out = np.empty(n)
        for i in numba.prange(n):
            out[i] = np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i] / SQRT_2PI / n
        return out

    return gaussians


def _gaussians_chunk():
    @_njit(nogil=True)
    def gaussians_chunk(x, means, widths, n):
        out = np.empty(means.shape[0])
        for i in range(means.shape[0]):
            out[i] = np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i] / SQRT_2PI / n
        return out

    return gaussians_chunk


def _kde_prange():
    @_njit(parallel=True)
    def kde(x, means, widths):
        n = means.shape[0]
        acc = 0.0
        for i in numba.prange(n):
            acc += np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i]
        return acc / n / SQRT_2PI

    return kde


def _kde_chunk():
    @_njit(nogil=True)
    def kde_chunk(x, means, widths):
        acc = 0.0
        for i in range(means.shape[0]):
            acc += np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i]
        return acc

    return kde_chunk


def _block_hits():
    @_njit(nogil=True)
    def block_hits(block, nsamples, seed):
        if seed != UNSEEDED:
            np.random.seed((seed + block) % SEED_MODULUS)
        acc = 0
        for _ in range(block * BLOCK, min((block + 1) * BLOCK, nsamples)):
            x = np.random.random()
            y = np.random.random()
            if (x**2 + y**2) < 1.0:
                acc += 1
        return acc

    return block_hits


def _mc_chunk():
    block_hits = _block_hits()

    @_njit(nogil=True)
    def mc_chunk(first, last, nsamples, seed):
        acc = 0
        for b in range(first, last):
            acc += block_hits(b, nsamples, seed)
        return acc

    return mc_chunk


def _mc_serial():
    mc_chunk = _mc_chunk()

    @_njit(nogil=True)
    def monte_carlo_pi(nsamples, seed):
        return 4.0 * mc_chunk(0, (nsamples + BLOCK - 1) // BLOCK, nsamples, seed) / nsamples

    return monte_carlo_pi


def _mc_prange():
    block_hits = _block_hits()

    @_njit(parallel=True)
    def monte_carlo_pi(nsamples, seed):
        acc = 0
        for b in numba.prange((nsamples + BLOCK - 1) // BLOCK):
            acc += block_hits(b, nsamples, seed)
        return 4.0 * acc / nsamples

    return monte_carlo_pi


FACTORIES: dict[str, Callable[[], Callable]] = {
    "gaussians.serial": lambda: _njit()(gaussians_expr),
    "gaussians.parallel": lambda: _njit(parallel=True)(gaussians_expr),
    "gaussians.prange": _gaussians_prange,
    "gaussians.chunk": _gaussians_chunk,
    "kde.serial": lambda: _njit()(kde_expr),
    "kde.parallel": lambda: _njit(parallel=True)(kde_expr),
    "kde.prange": _kde_prange,
    "kde.chunk": _kde_chunk,
    "monte_carlo_pi.serial": _mc_serial,
    "monte_carlo_pi.prange": _mc_prange,
    "monte_carlo_pi.chunk": _mc_chunk,
}


def fresh(variant: str) -> Callable:
    """New, not yet compiled dispatcher(s) for `variant` (a key of `FACTORIES`)."""
    return FACTORIES[variant]()


@cache
def compiled(variant: str) -> Callable:
    """The process-wide dispatcher for `variant`, compiled on its first call."""
    return fresh(variant)
