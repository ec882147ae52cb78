"""The notebook's kernels as plain NumPy: the reference every other mode must match.

`gaussians_expr` and `kde_expr` are the notebook's array expressions verbatim; Numba
compiles the same source for the `serial` and `parallel` modes. Monte-Carlo draws its
samples in fixed blocks of `BLOCK` samples, block `b` seeded with `block_seed(seed, b)`,
so an estimate depends only on (nsamples, seed), never on how the blocks are shared out
among threads. (An unseeded call draws a fresh `seed` from the OS first.)
"""

import math

import numpy as np

SQRT_2PI = math.sqrt(2 * math.pi)
BLOCK = 1 << 14
SEED_MODULUS = 1 << 32
GOLDEN = 0x9E3779B9


def gaussians_expr(x, means, widths):
    """Value of each Gaussian kernel at `x`, normalised by the number of kernels."""
    n = means.shape[0]
    result = np.exp(-0.5 * ((x - means) / widths) ** 2) / widths
    return result / SQRT_2PI / n


def kde_expr(x, means, widths):
    """Kernel density estimate at `x`: the mean of the Gaussian kernels."""
    result = np.exp(-0.5 * ((x - means) / widths) ** 2) / widths
    return result.mean() / SQRT_2PI


def block_count(nsamples: int) -> int:
    """Number of RNG blocks for `nsamples` samples."""
    return (nsamples + BLOCK - 1) // BLOCK


def block_seed(seed, block):
    """32-bit seed of RNG block `block`: murmur3's finaliser of `seed + (block + 1) * GOLDEN`,
    so the blocks of nearby seeds share no stream. Pure integer code, also compiled by Numba."""
    h = (seed + (block + 1) * GOLDEN) % SEED_MODULUS
    h ^= h >> 16
    h = (h * 0x85EBCA6B) % SEED_MODULUS
    h ^= h >> 13
    h = (h * 0xC2B2AE35) % SEED_MODULUS
    h ^= h >> 16
    return h


def monte_carlo_pi_numpy(nsamples: int, seed: int) -> float:
    """Vectorised hit-or-miss estimate of pi, block by block (bounded memory).

    Block `b` uses NumPy's legacy Mersenne-Twister seeded with `block_seed(seed, b)`, the
    very stream Numba's `np.random.seed` gives in jitted code.
    """
    state = np.random.RandomState()
    hits = 0
    for b in range(block_count(nsamples)):
        state.seed(block_seed(seed, b))
        count = min(BLOCK, nsamples - b * BLOCK)
        xy = state.random_sample(2 * count)
        hits += int(np.count_nonzero(xy[0::2] ** 2 + xy[1::2] ** 2 < 1.0))
    return 4.0 * hits / nsamples
