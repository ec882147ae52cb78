"""`kde`: the kernel density estimate at `x`, the notebook's reduction.

numpy, serial and parallel run the notebook's own function (`notebook.kde`); prange and
the chunked modes write its loop with the shared `elementwise.gaussian` term.
"""

import numba
import numpy as np

from .. import mixture, notebook, validation
from ..chunked import ChunkPlan
from ..elementwise import gaussian, valid
from ..flags import compiled, configured_cache, njit
from ..kernel import Kernel, single

expression = njit(inline="always")(notebook.kde.py_func)


@njit(parallel=True, cache=True)
def kde_parallel(x, means, widths):
    """The notebook's reduction and the validity count, fused in one parallel loop."""
    return expression(x, means, widths), np.sum(valid(means, widths))


@njit(parallel=True, cache=True)
def kde_prange(x, means, widths):
    """The reduction as a `prange` loop, counting valid pairs as it goes."""
    n = means.shape[0]
    acc = 0.0
    ok = 0
    for i in numba.prange(n):
        acc += gaussian(x, means[i], widths[i])
        ok += valid(means[i], widths[i])
    return acc / n / notebook.SQRT_2PI, ok


@njit(nogil=True, cache=True)
def kde_chunk(x, means, widths):
    """Unnormalised sum of the kernels `means`/`widths` at `x`, without the GIL."""
    acc = 0.0
    for i in range(means.shape[0]):
        acc += gaussian(x, means[i], widths[i])
    return acc


def _combine(args: tuple, sums: list[float]) -> float:
    return sum(sums) / args[1].shape[0] / notebook.SQRT_2PI


KERNEL = Kernel(
    name="kde",
    summary="kernel density estimate at x (reduction)",
    check=validation.check_mixture,
    reference=notebook.kde.py_func,
    agrees=mixture.close_to(notebook.kde.py_func),
    variants={
        "numpy": single(notebook.kde.py_func),
        # Cached as `gaussians`'s
        "serial": single(compiled(notebook.kde.py_func, configured_cache(), "kde.serial")),
        "parallel": mixture.counted(kde_parallel),
        "prange": mixture.counted(kde_prange),
    },
    plan=ChunkPlan(kde_chunk, mixture.split, _combine, mixture.SAMPLE),
    inputs=mixture.inputs,
    default_size=1_000_000,
    notebook={"numpy": notebook.kde.py_func, "serial": notebook.kde_nothread, "parallel": notebook.kde},
)
