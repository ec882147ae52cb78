"""The notebook's kernels as plain NumPy: the reference every other mode must match.

`gaussians_expr` and `kde_expr` are the notebook's array expressions verbatim; Numba
compiles the same source for the `serial` and `parallel` modes. Monte-Carlo draws its
samples in fixed blocks of `BLOCK` samples, each block seeded with `seed + block` when a
seed is given, so a seeded estimate depends only on (nsamples, seed), never on how the
blocks are shared out among threads.
"""

import math

import numpy as np

SQRT_2PI = math.sqrt(2 * math.pi)
BLOCK = 1 << 14
SEED_MODULUS = 1 << 32
UNSEEDED = -1


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


def monte_carlo_pi_numpy(nsamples: int, seed: int = UNSEEDED) -> float:
    """Vectorised hit-or-miss estimate of pi, block by block (bounded memory).

    With a seed, block `b` uses NumPy's legacy Mersenne-Twister seeded with
    `(seed + b) % 2**32`, the very stream Numba's `np.random.seed` gives in jitted code.
    """
    state = np.random.RandomState()
    hits = 0
    for b in range(block_count(nsamples)):
        if seed != UNSEEDED:
            state.seed((seed + b) % SEED_MODULUS)
        count = min(BLOCK, nsamples - b * BLOCK)
        xy = state.random_sample(2 * count)
        hits += int(np.count_nonzero(xy[0::2] ** 2 + xy[1::2] ** 2 < 1.0))
    return 4.0 * hits / nsamples
