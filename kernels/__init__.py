"""The notebook's Numba multithreading kernels, in every threading mode, behind one registry.

>>> import kernels
>>> kernels.MODES["kde"]
('numpy', 'serial', 'parallel', 'prange', 'threads', 'dask', 'distributed')
>>> kde = kernels.build("kde", "parallel", threads=2)
"""

from .numba_threads import max_threads, threading_layer
from .registry import MODE_INFO, MODES, REGISTRY, Kernel, Mode, build

__all__ = ["MODES", "MODE_INFO", "REGISTRY", "Kernel", "Mode", "build", "max_threads", "threading_layer"]
