"""What the timings ran on, as tracked numbers the site can show beside them.

Versions (unit "version") are one integer, ``major * 10000 + minor * 100 + patch``, so they
sort and plot in release order; decode with ``(v // 10000, v // 100 % 100, v % 100)``:
20406 is 2.4.6, 5000 is 0.50.0, 20220300 is 2022.3.0, 0 means absent. Flags (units
"in use", "loaded", "has") are 1 or 0.

Every benchmark here fails when `NUMBA_THREADING_LAYER` names a layer Numba did not load,
so no result is labelled with a layer that silently fell back (`common.requested_layer_loaded`).
Besides that check, only the standard library, Numba, NumPy and llvmlite are used, so the
module also measures old project commits.
"""

import ctypes
import os
import re

import llvmlite
import llvmlite.binding
import numba
import numpy

from .common import LAYERS, requested_layer_loaded

RUNTIMES = ("libgomp", "libiomp5", "libomp", "libtbb")


def encode_version(version: str) -> int:
    """``"2.4.6"`` -> 20406 (see the module docstring)."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None:
        raise ValueError(f"not a version: {version!r}")
    major, minor, patch = (int(part or 0) for part in match.groups())
    return major * 10000 + minor * 100 + patch


def mapped_runtimes() -> dict[str, str]:
    """{runtime in RUNTIMES: path} of the threading runtimes mapped into this process,
    auditwheel's renamed copies (``libgomp-1a2b3c4d.so.1``) included."""
    with open("/proc/self/maps") as maps:
        paths = {line.split(maxsplit=5)[-1].strip() for line in maps}
    return {
        runtime: path
        for path in sorted(paths)
        for runtime in RUNTIMES
        if re.match(rf"{runtime}[-.]", os.path.basename(path))
    }


def setup(*params):
    """Start Numba's pool and check its layer before every benchmark of this module."""
    requested_layer_loaded()


class Numba:
    """Numba's configuration in the benchmark process."""

    unit = "count"

    def track_max_threads(self):
        return numba.config.NUMBA_NUM_THREADS

    def track_cpu_count(self):
        return os.cpu_count()

    def track_using_svml(self):
        return int(numba.config.USING_SVML)


class ThreadingLayer:
    """1 for the threading layer Numba loaded, 0 for the others."""

    params = [list(LAYERS)]
    param_names = ["layer"]
    unit = "in use"

    def track_in_use(self, layer):
        return int(requested_layer_loaded() == layer)


class Runtime:
    """1 for each threading runtime library mapped into the process once Numba's pool runs
    (OpenMP: GNU, Intel or LLVM's), else 0. libtbb is preloaded wherever the `tbb` package is
    installed: `ThreadingLayer` says whether Numba uses it."""

    params = [list(RUNTIMES)]
    param_names = ["library"]
    unit = "loaded"

    def track_loaded(self, library):
        return int(library in mapped_runtimes())


class Versions:
    """Versions of what compiles and runs the kernels (encoded: see the module docstring)."""

    unit = "version"

    def track_numba(self):
        return encode_version(numba.__version__)

    def track_llvmlite(self):
        return encode_version(llvmlite.__version__)

    def track_llvm(self):
        return encode_version(".".join(map(str, llvmlite.binding.llvm_version_info)))

    def track_numpy(self):
        return encode_version(numpy.__version__)

    def track_tbb(self):
        """The loaded libtbb's own `TBB_runtime_version()`; 0 when none is loaded."""
        path = mapped_runtimes().get("libtbb")
        if path is None:
            return 0
        runtime_version = ctypes.CDLL(path).TBB_runtime_version
        runtime_version.restype = ctypes.c_char_p
        return encode_version(runtime_version().decode())


class Cpu:
    """1 for each SIMD extension the CPU reports (/proc/cpuinfo flags), else 0."""

    params = [["avx2", "avx512f"]]
    param_names = ["flag"]
    unit = "has"

    def track_flag(self, flag):
        with open("/proc/cpuinfo") as cpuinfo:
            flags = next(line for line in cpuinfo if line.startswith("flags")).split(":")[1].split()
        return int(flag in flags)
