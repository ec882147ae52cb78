"""Users' kernel files: `FILE.py:NAME` references and the `NTB_USER_KERNELS` modules.

``NTB_USER_KERNELS=path/one.py:path/two.py`` (``os.pathsep``-separated, like ``PATH``) names
modules whose top-level `Kernel` objects join `kernels.REGISTRY` beside the catalog's, and so
the asv suite and every page. The first read turns relative paths into absolute ones in the
environment, so the processes asv and the tools start from other folders find them too.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from pathlib import Path
from types import ModuleType

from .kernel import Kernel

VARIABLE = "NTB_USER_KERNELS"


class LoadError(ValueError):
    """A user's file or name that cannot be loaded; the message names the argument."""


def load_module(path: str | Path, argument: str = "file") -> ModuleType:
    """The Python file at `path`, imported under a name of its own (once per process)."""
    file = Path(path).expanduser().resolve()
    if file.suffix != ".py" or not file.is_file():
        raise LoadError(f"{argument}: no Python file {str(path)!r}")
    name = f"ntb_user_{file.stem}_{hashlib.sha256(str(file).encode()).hexdigest()[:8]}"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as error:
        del sys.modules[name]
        raise LoadError(f"{argument}: importing {path} raised {type(error).__name__}: {error}") from error
    return module


def load_object(reference: str, argument: str) -> object:
    """The object `NAME` of `FILE.py:NAME`; LoadError naming `argument` where either is missing."""
    path, colon, name = reference.rpartition(":")
    if not colon or not path or not name.isidentifier():
        raise LoadError(f"{argument}: expected FILE.py:NAME, got {reference!r}")
    module = load_module(path, argument)
    if not hasattr(module, name):
        raise LoadError(f"{argument}: {path} defines no {name!r}")
    return getattr(module, name)


def kernels_of(module: ModuleType) -> list[Kernel]:
    """The `Kernel` objects defined at the top level of `module`, in definition order."""
    return [value for value in vars(module).values() if isinstance(value, Kernel)]


def user_files(environ: dict[str, str] = os.environ) -> list[str]:
    """The files `NTB_USER_KERNELS` names, made absolute (in `environ` too)."""
    files = [str(Path(part).expanduser().resolve()) for part in environ.get(VARIABLE, "").split(os.pathsep) if part]
    if files:
        environ[VARIABLE] = os.pathsep.join(files)
    return files


def user_kernels(reserved: set[str]) -> list[Kernel]:
    """Every kernel of the `NTB_USER_KERNELS` files; LoadError for a file without one or a
    name already taken (by `reserved`, the catalog's, or an earlier file's)."""
    found: list[Kernel] = []
    taken = set(reserved)
    for file in user_files():
        kernels = kernels_of(load_module(file, VARIABLE))
        if not kernels:
            raise LoadError(f"{VARIABLE}: {file} defines no kernels.Kernel object (see kernels.user.from_function)")
        for kernel in kernels:
            if kernel.name in taken:
                raise LoadError(f"{VARIABLE}: kernel name {kernel.name!r} of {file} is already taken")
            taken.add(kernel.name)
            found.append(kernel)
    return found
