"""The registry the benchmarks, tests and docs read: kernel name -> `Kernel`, and the
kernel -> modes view of it; `build()` looks a kernel up by name.

The catalog's kernels come first, then the users' (`loading`: ``NTB_USER_KERNELS``), whose
names `USER` lists."""

from collections.abc import Callable, Mapping
from types import MappingProxyType

from .catalog import KERNELS
from .kernel import Kernel
from .loading import user_kernels

_USER_KERNELS = user_kernels({kernel.name for kernel in KERNELS})
REGISTRY: Mapping[str, Kernel] = MappingProxyType({kernel.name: kernel for kernel in (*KERNELS, *_USER_KERNELS)})
USER: tuple[str, ...] = tuple(kernel.name for kernel in _USER_KERNELS)

MODES: Mapping[str, tuple[str, ...]] = MappingProxyType({name: kernel.modes for name, kernel in REGISTRY.items()})


def kernel_info(kernel: object) -> Kernel:
    """The registry entry for `kernel`, or a ValueError naming the choices."""
    if not isinstance(kernel, str) or kernel not in REGISTRY:
        raise ValueError(f"kernel: expected one of {', '.join(REGISTRY)}, got {kernel!r}")
    return REGISTRY[kernel]


def build(kernel: str, mode: str, *, threads: int | None = None) -> Callable:
    """`kernel` run in `mode` on `threads` threads (None: all Numba may use), with the
    notebook's signature; arguments are validated on every call."""
    return kernel_info(kernel).build(mode, threads=threads)
