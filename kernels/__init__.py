"""The notebook's Numba multithreading kernels, in every threading mode, behind one registry.

Public API (what the benchmarks use; kept stable across commits):

- `build(kernel, mode, *, threads=None)`: the kernel in that mode, a callable with the
  notebook's signature that validates its arguments on every call; `threads=None` means
  every thread Numba may use (`max_threads()`) for threaded modes, 1 otherwise.
- `MODES`: kernel name -> tuple of its modes, in `MODE_INFO` order.
- `MODE_INFO`: mode name -> `Mode` (`.threaded`: takes a thread count; `.on_layer`: runs on
  Numba's threading layer; `.summary`).
- `REGISTRY`: kernel name -> `Kernel`: `.inputs(size)` sample arguments,
  `.check(*args)` validated arguments, `.agrees(result, validated_args)`,
  `.default_size`, `.baseline` (mode), `.notebook` (mode -> the notebook's verbatim
  function, `kernels.notebook`, timing the same program), `.reference` (NumPy).
- `max_threads()`, `threading_layer()`.
- `USER`: the names of the users' kernels (`NTB_USER_KERNELS`, `kernels.loading`), which
  `REGISTRY` holds after the catalog's; `kernels.user.from_function` makes one of a plain
  NumPy function.

Kernels: `gaussians`, `kde`, `monte_carlo_pi` (the notebook's random loop, judged
statistically) and `monte_carlo_pi_blocked` (seeded blocks, bit-identical in every mode).

>>> import kernels
>>> kernels.MODES["kde"]
('numpy', 'serial', 'parallel', 'prange', 'threads', 'dask', 'distributed')
>>> kde = kernels.build("kde", "parallel", threads=2)
"""

from .kernel import Kernel
from .modes import MODE_INFO, Mode
from .numba_threads import max_threads, threading_layer
from .registry import MODES, REGISTRY, USER, build

__all__ = ["MODES", "MODE_INFO", "REGISTRY", "USER", "Kernel", "Mode", "build", "max_threads", "threading_layer"]
