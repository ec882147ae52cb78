"""asv benchmarks over the `kernels` registry: size × threading mode × threads.

Before anything imports Numba:

- load the shared libraries that pip installs into the environment's `lib/` (TBB for the
  `tbb` threading layer, Intel's SVML runtime for vectorised math in Numba <= 0.61): the
  loader does not search there, and Numba then silently runs without them. Preloading
  does what `LD_LIBRARY_PATH=<venv>/lib` would.
- give Numba's on-disk cache a folder per content of the installed `kernels` package.
  Numba keys a cached function by its own file only, and the kernels inline helpers from
  other files; `pip uninstall` leaves the cache files behind. Without this, the commit
  asv installs next could load machine code compiled from an earlier commit's helpers.

And once Numba is importable, load its typing and target registries
(`_load_numba_registries`) and import `distributed`: asv's forkserver imports this package
once per environment and round, then forks one process per benchmark point, so what is
loaded here is loaded once instead of in every point's `setup`. Dask's `compute` imports
`distributed` to look for a default client, so every `dask` and `distributed` point paid
that import (0.46 s on the 2-vCPU Intel Xeon VM) in its setup; the import starts no thread.
A run with no Dask point sets ``NTB_PRELOAD_DASK=0`` (`.ci/bench` does, for its release
steps and the layer page) and spares every process it starts that import; a Dask point run
there still works, paying the import in its untimed setup.
"""

import ctypes
import hashlib
import importlib.util
import os
import sys
from pathlib import Path

for _library in ("libtbb.so.12", "libintlc.so.5", "libsvml.so"):
    _path = os.path.join(sys.prefix, "lib", _library)
    if os.path.exists(_path):
        ctypes.CDLL(_path, mode=ctypes.RTLD_GLOBAL)


def _numba_cache_dir() -> str:
    """`<env>/numba-cache/<hash of the installed kernels package's sources>`."""
    root = Path(importlib.util.find_spec("kernels").origin).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return os.path.join(sys.prefix, "numba-cache", digest.hexdigest()[:16])


os.environ.setdefault("NUMBA_CACHE_DIR", _numba_cache_dir())


def _identity(x):
    return x


def _load_numba_registries() -> None:
    """Compile a trivial function, which loads every typing and lowering registry of Numba.

    Numba loads them lazily on its first compilation or cache load: ~0.2 s, measured as most
    of a `Modes` point's setup here (kde `prange` at 1e6: 0.25 s without this, 0.04 s with).
    Nothing parallel is compiled or called: a launched thread pool would not survive the
    forkserver's fork.
    """
    import numba

    numba.njit(_identity)(0.0)


_load_numba_registries()
if os.environ.get("NTB_PRELOAD_DASK", "1") != "0":
    import distributed  # noqa: F401  (see the module docstring)
