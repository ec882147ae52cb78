"""`gaussians`: the value of every Gaussian kernel at `x`, the notebook's array expression.

numpy, serial and parallel run the notebook's own function (`notebook.gaussians`); prange
and the chunked modes write its loop with the shared `elementwise.gaussian` term.
"""

import numba
import numpy as np

from .. import mixture, notebook, validation
from ..chunked import ChunkPlan
from ..elementwise import gaussian, valid
from ..flags import compiled, configured_cache, njit
from ..kernel import Kernel, single

expression = njit(inline="always")(notebook.gaussians.py_func)


@njit(parallel=True, cache=True)
def gaussians_parallel(x, means, widths):
    """The notebook's array expression and the validity count, fused in one parallel loop."""
    return expression(x, means, widths), np.sum(valid(means, widths))


@njit(parallel=True, cache=True)
def gaussians_prange(x, means, widths):
    """The expression as a `prange` loop, counting valid pairs as it goes."""
    n = means.shape[0]
    out = np.empty(n)
    ok = 0
    for i in numba.prange(n):
        out[i] = gaussian(x, means[i], widths[i]) / notebook.SQRT_2PI / n
        ok += valid(means[i], widths[i])
    return out, ok


@njit(nogil=True, cache=True)
def gaussians_chunk(x, means, widths, n):
    """The kernels `means`/`widths` (a slice of `n` in all) at `x`, without the GIL."""
    out = np.empty(means.shape[0])
    for i in range(means.shape[0]):
        out[i] = gaussian(x, means[i], widths[i]) / notebook.SQRT_2PI / n
    return out


def _split(args: tuple, parts: int) -> list[tuple]:
    return [task + (args[1].shape[0],) for task in mixture.split(args, parts)]


KERNEL = Kernel(
    name="gaussians",
    summary="Gaussian kernels at x (array expression)",
    check=validation.check_mixture,
    reference=notebook.gaussians.py_func,
    agrees=mixture.close_to(notebook.gaussians.py_func),
    variants={
        "numpy": single(notebook.gaussians.py_func),
        # The notebook's function as is, cached only where the process names a cache folder
        # (the suite does), in one of its own (`flags.compiled`)
        "serial": single(compiled(notebook.gaussians.py_func, configured_cache(), "gaussians.serial")),
        "parallel": mixture.counted(gaussians_parallel),
        "prange": mixture.counted(gaussians_prange),
    },
    plan=ChunkPlan(gaussians_chunk, _split, lambda args, results: np.concatenate(results), mixture.SAMPLE + (1,)),
    inputs=mixture.inputs,
    default_size=1_000_000,
    notebook={
        "numpy": notebook.gaussians.py_func,
        "serial": notebook.gaussians_nothread,
        "parallel": notebook.gaussians,
    },
)
