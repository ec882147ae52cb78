"""Facts about the machine code of every Numba-compiled variant, recorded beside the
timings of each environment (see `machine_code`), so a change of speed between Numba
releases can be read against what the compiler did differently.

Each variant is compiled once per environment, as in a fresh interpreter with an empty
Numba cache (`machine_code.reports_of`; ``setup_cache``: asv runs it once and records how
long it took); every fact is then a `track_` of its own, n/a where it does not apply
(parfor facts of a serial loop, assembly facts off x86-64). A variant the installed
package lacks is n/a; one that fails to compile fails its facts with the compiler's message.
The threading layer is picked when a parallel kernel first launches, after compilation, so
the facts are recorded in the default layer's environment only (`common.DEFAULT_LAYER`) and
are n/a in the others: under Numba 0.68.1 all 490 facts of the 14 variants were equal under
``omp``, ``tbb`` and ``workqueue``.
"""

import os

from . import common, machine_code

VARIANTS = (
    "gaussians.serial",
    "gaussians.parallel",
    "gaussians.prange",
    "gaussians.chunk",
    "kde.serial",
    "kde.parallel",
    "kde.prange",
    "kde.chunk",
    "monte_carlo_pi.serial",
    "monte_carlo_pi.prange",
    "monte_carlo_pi.chunk",
    "monte_carlo_pi_blocked.serial",
    "monte_carlo_pi_blocked.prange",
    "monte_carlo_pi_blocked.chunk",
)
"""`kernel.mode` of every Numba-compiled mode (``chunk``: the function of the chunked modes);
a test keeps it equal to the registry."""


def user_variants() -> tuple[str, ...]:
    """The compiled variants of the users' kernels (`kernels.USER`), named as `VARIANTS`."""
    import kernels

    found = []
    for name in getattr(kernels, "USER", ()):
        kernel = kernels.REGISTRY[name]
        found += [f"{name}.{mode}" for mode in ("serial", "parallel", "prange") if mode in kernel.variants]
        found += [f"{name}.{machine_code.CHUNK}"] if kernel.plan is not None else []
    return tuple(found)


VARIANTS += user_variants()


def _numbers(variant: str, found: dict | Exception) -> dict | str:
    if isinstance(found, ValueError):  # not in this commit's registry
        return f"n/a: {found}"
    if isinstance(found, Exception):
        return str(found)
    return machine_code.Facts(variant, found).as_numbers()


class MachineCode:
    """One fact (`machine_code.FACTS`) of one variant's compiled code."""

    params = [list(VARIANTS), list(machine_code.FACTS)]
    param_names = ["variant", "fact"]
    unit = "count"
    timeout = 900

    def setup_cache(self):
        if common.other_layer() is not None:
            return {}  # not None: asv then passes no cache argument at all
        found = machine_code.reports_of(list(VARIANTS), workers=os.cpu_count() or 1)
        return {variant: _numbers(variant, found[variant]) for variant in VARIANTS}

    def setup(self, found, variant, fact):
        if not found:
            raise NotImplementedError(f"recorded under {common.DEFAULT_LAYER} only: the layer does not change the code")
        numbers = found[variant]
        if isinstance(numbers, str):
            if numbers.startswith("n/a: "):
                raise NotImplementedError(numbers)
            raise RuntimeError(numbers)
        if numbers[fact] is None:
            raise NotImplementedError(f"{fact} does not apply to {variant} here")

    def track_fact(self, found, variant, fact):
        return found[variant][fact]
