"""The users' kernels (``NTB_USER_KERNELS``, `kernels.USER`) in the suite.

Each user kernel gets the classes a catalog kernel's module defines (`Modes`, `FirstCall`,
`Memory`, `Validation` less the notebook's), named as that module would name them
(``black_scholes.Modes.time_kernel``), so every page reads them beside the notebook's
kernels. asv takes a benchmark's name from its function's ``benchmark_name``, so each class
carries its own copies of the base's benchmark methods. A commit whose package has no user
kernels (older than `kernels.USER`) defines none.
"""

import types

import kernels

from . import common

CLASSES = (common.Modes, common.FirstCall, common.Memory)
PREFIXES = ("time_", "timeraw_", "peakmem_", "track_")


def _renamed(function: types.FunctionType, name: str) -> types.FunctionType:
    """A copy of `function` that asv lists as `name`."""
    copy = types.FunctionType(function.__code__, function.__globals__, function.__name__, function.__defaults__)
    copy.__dict__.update(function.__dict__)
    copy.benchmark_name = name
    return copy


def benchmark_class(base: type, kernel: str) -> type:
    """`base` for `kernel`, its benchmarks named ``kernel.Base.method``."""
    namespace = {"kernel": kernel, "modes": kernels.MODES[kernel], "__module__": __name__}
    for attr in dir(base):
        if attr.startswith(PREFIXES):
            namespace[attr] = _renamed(getattr(base, attr), f"{kernel}.{base.__name__}.{attr}")
    return type(f"{base.__name__}_{kernel}", (base,), namespace)


for _kernel in getattr(kernels, "USER", ()):
    for _base in CLASSES:
        _made = benchmark_class(_base, _kernel)
        globals()[_made.__name__] = _made
