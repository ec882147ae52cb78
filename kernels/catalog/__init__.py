"""Every kernel, one module each: a module here defines its `KERNEL` (a `kernel.Kernel`)
and nothing else needs to list it, so adding a kernel touches its module here and its
benchmark module only. `KERNELS` holds them in module-name order."""

import importlib
import pkgutil

from ..kernel import Kernel

KERNELS: tuple[Kernel, ...] = tuple(
    importlib.import_module(f"{__name__}.{module.name}").KERNEL
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda module: module.name)
)
