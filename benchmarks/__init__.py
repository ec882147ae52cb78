"""asv benchmarks over the `kernels` registry: size × threading mode × threads.

Before anything imports Numba, load the shared libraries that pip installs into the
environment's `lib/` (TBB for the `tbb` threading layer, Intel's SVML runtime for
vectorised math in Numba <= 0.61): the loader does not search there, and Numba then
silently runs without them. Preloading does what `LD_LIBRARY_PATH=<venv>/lib` would.
"""

import ctypes
import os
import sys

for _library in ("libtbb.so.12", "libintlc.so.5", "libsvml.so"):
    _path = os.path.join(sys.prefix, "lib", _library)
    if os.path.exists(_path):
        ctypes.CDLL(_path, mode=ctypes.RTLD_GLOBAL)
