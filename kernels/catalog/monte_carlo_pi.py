"""`monte_carlo_pi`: the notebook's hit-or-miss estimate of pi, as a user runs it.

serial is the notebook's `monte_carlo_pi_serial`, prange its `monte_carlo_pi_parallel`,
and the chunked modes its nogil `monte_carlo_pi` on one chunk of samples per thread,
combined weighted by chunk size, as its Dask section does. Numba's per-thread generators
are seeded from the OS, so an estimate is random: `agrees` accepts one within five
standard deviations of pi. `monte_carlo_pi_blocked` is the reproducible form.
"""

import math

import numpy as np

from .. import notebook, validation
from ..chunked import ChunkPlan, bounds
from ..flags import compiled, configured_cache
from ..kernel import Kernel, numba_parallel, single

BLOCK = 1 << 16
"""Samples per NumPy block: memory stays bounded (2 MB of draws) at any sample count."""

TOLERANCE = 5.0
"""Standard deviations from pi an estimate may lie (a right estimate fails once in 1.7e6)."""


def monte_carlo_pi_numpy(nsamples: int) -> float:
    """Vectorised estimate from a generator seeded by the OS, block by block."""
    rng = np.random.default_rng()
    hits = 0
    for start in range(0, nsamples, BLOCK):
        x, y = rng.random((2, min(BLOCK, nsamples - start)))
        hits += int(np.count_nonzero(x**2 + y**2 < 1.0))
    return 4.0 * hits / nsamples


def sigma(nsamples: int) -> float:
    """Standard deviation of an estimate from `nsamples` samples: 4 sqrt(p (1 - p) / n), p = pi / 4."""
    p = math.pi / 4
    return 4 * math.sqrt(p * (1 - p) / nsamples)


def near_pi(result: object, args: tuple) -> bool:
    """Whether `result` lies within `TOLERANCE` standard deviations of pi for `args = (nsamples,)`."""
    return bool(abs(result - math.pi) < TOLERANCE * sigma(args[0]))


def check(nsamples: object) -> tuple[int]:
    """Validated `(nsamples,)`."""
    return (validation.check_nsamples(nsamples),)


def _split(args: tuple, parts: int) -> list[tuple]:
    return [(hi - lo,) for lo, hi in bounds(args[0], parts)]


def _combine(args: tuple, estimates: list[float]) -> float:
    """Each chunk's estimate weighted by its size: 4 × its hits, rounded back to the whole
    number they are, so the result is 4 × (all hits) / nsamples exactly."""
    sizes = [task[0] for task in _split(args, len(estimates))]
    hits = sum(round(estimate * size / 4.0) for estimate, size in zip(estimates, sizes, strict=True))
    return 4.0 * hits / args[0]


# The notebook's functions with the project's flags, cached only where the process names a
# cache folder (the suite does), each in one of its own (`flags.compiled`)
_CACHE = configured_cache()
KERNEL = Kernel(
    name="monte_carlo_pi",
    summary="hit-or-miss Monte-Carlo estimate of pi, as the notebook writes it",
    check=check,
    reference=monte_carlo_pi_numpy,
    agrees=near_pi,
    variants={
        "numpy": single(monte_carlo_pi_numpy),
        "serial": single(compiled(notebook.monte_carlo_pi_serial.py_func, _CACHE, "monte_carlo_pi.serial")),
        "prange": numba_parallel(
            compiled(notebook.monte_carlo_pi_parallel.py_func, _CACHE, "monte_carlo_pi.prange", parallel=True)
        ),
    },
    plan=ChunkPlan(
        compiled(notebook.monte_carlo_pi.py_func, _CACHE, "monte_carlo_pi.chunk", nogil=True), _split, _combine, (1,)
    ),
    inputs=lambda size: (size,),
    default_size=10_000_000,
    notebook={
        "serial": notebook.monte_carlo_pi_serial,
        "prange": notebook.monte_carlo_pi_parallel,
        "threads": notebook.monte_carlo_pi,
        "dask": notebook.monte_carlo_pi,
        "distributed": notebook.monte_carlo_pi,
    },
)
