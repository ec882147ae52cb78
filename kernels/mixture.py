"""What `gaussians` and `kde` share: both evaluate the notebook's Gaussian mixture
`(x, means, widths)`, so they share its sample inputs, its chunks and the launch of a
loop that counts valid pairs as it goes."""

from collections.abc import Callable

import numpy as np

from . import numba_threads, validation
from .chunked import bounds
from .kernel import Variant

SAMPLE = (0.0, np.ones(1), np.ones(1))
"""The smallest valid arguments."""


def inputs(size: int, seed: int = 0) -> tuple[float, np.ndarray, np.ndarray]:
    """The notebook's arguments with `size` kernels: x = 0.4, means in [-1, 1), widths in [0.1, 0.3)."""
    rng = np.random.default_rng(seed)
    return 0.4, rng.uniform(-1, 1, size), rng.uniform(0.1, 0.3, size)


def split(args: tuple, parts: int) -> list[tuple]:
    """`(x, means, widths)` as up to `parts` tuples over contiguous slices of the arrays."""
    x, means, widths = args
    return [(x, means[lo:hi], widths[lo:hi]) for lo, hi in bounds(means.shape[0], parts)]


def _launch_counted(dispatcher: Callable, threads: int) -> Callable:
    launch = numba_threads.on_threads(dispatcher, threads)

    def run(x, means, widths):
        result, count = launch(x, means, widths)
        if count != means.shape[0]:
            validation.raise_invalid(means, widths)
        return result

    return run


def counted(dispatcher: Callable) -> Variant:
    """A parallel `dispatcher` returning `(result, number of valid pairs)`: the check in
    its loop replaces the separate pass over the values, so validation costs no extra
    trip through memory."""
    return Variant(dispatcher, _launch_counted, validation.check_mixture_structure)


def close_to(reference: Callable, rtol: float = 1e-9) -> Callable[[object, tuple], bool]:
    """Whether a result matches `reference(*validated_args)` in shape and within `rtol`."""

    def agrees(result: object, args: tuple) -> bool:
        expected = reference(*args)
        return np.shape(result) == np.shape(expected) and bool(np.allclose(result, expected, rtol=rtol, atol=0.0))

    return agrees
