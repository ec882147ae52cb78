"""`monte_carlo_pi_blocked`: the hit-or-miss estimate of pi, reproducible in every mode.

Samples are drawn in fixed blocks of `BLOCK`; block `b` seeds Numba's `np.random` with
`block_seed(seed, b)`, so an estimate depends only on `(nsamples, seed)`, never on how
the blocks are shared out among threads: every mode on every thread count returns the
NumPy reference bit for bit (`agrees` asks for equality). An unseeded call draws a fresh
seed from the OS first. Beside `monte_carlo_pi` it shows what the notebook's loop costs
against a per-block seeded one.
"""

import secrets

import numba
import numpy as np

from .. import validation
from ..chunked import ChunkPlan, bounds
from ..flags import njit
from ..kernel import Kernel, numba_parallel, single

BLOCK = 1 << 14
SEED_MODULUS = 1 << 32
GOLDEN = 0x9E3779B9


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
    """Vectorised estimate, block by block (bounded memory). Block `b` uses NumPy's legacy
    Mersenne-Twister seeded with `block_seed(seed, b)`, the very stream Numba's
    `np.random.seed` gives in jitted code."""
    state = np.random.RandomState()
    hits = 0
    for b in range(block_count(nsamples)):
        state.seed(block_seed(seed, b))
        count = min(BLOCK, nsamples - b * BLOCK)
        xy = state.random_sample(2 * count)
        hits += int(np.count_nonzero(xy[0::2] ** 2 + xy[1::2] ** 2 < 1.0))
    return 4.0 * hits / nsamples


block_seed_jit = njit(nogil=True, cache=True)(block_seed)


@njit(nogil=True, cache=True)
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


@njit(nogil=True, cache=True)
def blocks_hits(first, last, nsamples, seed):
    """Hits in RNG blocks `first ... last - 1`, without the GIL: the chunk function."""
    acc = 0
    for b in range(first, last):
        acc += block_hits(b, nsamples, seed)
    return acc


@njit(nogil=True, cache=True)
def monte_carlo_pi_serial(nsamples, seed):
    return 4.0 * blocks_hits(0, (nsamples + BLOCK - 1) // BLOCK, nsamples, seed) / nsamples


@njit(parallel=True, cache=True)
def monte_carlo_pi_prange(nsamples, seed):
    acc = 0
    for b in numba.prange((nsamples + BLOCK - 1) // BLOCK):
        acc += block_hits(b, nsamples, seed)
    return 4.0 * acc / nsamples


def check(nsamples: object, seed: object = None) -> tuple[int, int]:
    """Validated `(nsamples, seed)`; an absent seed is drawn from the OS, so unseeded calls
    never depend on earlier seeded ones."""
    seed = validation.check_seed(seed)
    return validation.check_nsamples(nsamples), secrets.randbits(32) if seed is None else seed


def equals_reference(result: object, args: tuple) -> bool:
    """Whether `result` is the reference estimate for `args = (nsamples, seed)`, bit for bit."""
    return result == monte_carlo_pi_numpy(*args)


def _split(args: tuple, parts: int) -> list[tuple]:
    return [(lo, hi, *args) for lo, hi in bounds(block_count(args[0]), parts)]


KERNEL = Kernel(
    name="monte_carlo_pi_blocked",
    summary="Monte-Carlo estimate of pi in seeded blocks, bit-identical in every mode",
    check=check,
    reference=monte_carlo_pi_numpy,
    agrees=equals_reference,
    variants={
        "numpy": single(monte_carlo_pi_numpy),
        "serial": single(monte_carlo_pi_serial),
        "prange": numba_parallel(monte_carlo_pi_prange),
    },
    plan=ChunkPlan(blocks_hits, _split, lambda args, results: 4.0 * sum(results) / args[0], (0, 1, 1, 0)),
    inputs=lambda size, seed=0: (size, seed),
    default_size=10_000_000,
)
