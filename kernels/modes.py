"""The threading modes a kernel can run in, in the order tables list them."""

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class Mode:
    """A way of running a kernel; `threaded` modes take a thread count; `on_layer` modes run
    on Numba's threading layer (`NUMBA_THREADING_LAYER` picks their pool), the others never
    start it."""

    name: str
    summary: str
    threaded: bool
    on_layer: bool = False


MODE_INFO: Mapping[str, Mode] = MappingProxyType(
    {
        mode.name: mode
        for mode in (
            Mode("numpy", "plain NumPy, no Numba", False),
            Mode("serial", "@njit, one thread", False),
            Mode("parallel", "@njit(parallel=True) on the array expression (ParallelAccelerator)", True, on_layer=True),
            Mode("prange", "explicit numba.prange loop", True, on_layer=True),
            Mode("threads", "nogil kernel on chunks, concurrent.futures.ThreadPoolExecutor", True),
            Mode("dask", "nogil kernel on chunks, dask.delayed + threaded scheduler", True),
            Mode("distributed", "nogil kernel on chunks, dask.distributed: in-process or DASK_SCHEDULER_ADDRESS", True),
        )
    }
)
