"""The single table of kernels × threading modes that benchmarks, tests and docs read.

Each `Kernel` names its argument check, NumPy reference, serial baseline, tolerance,
sample inputs and, per mode, a builder `threads -> implementation`. `build()` joins them
into the public callable; `MODES` is the kernel → modes view of the same table.
"""

import math
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial, wraps
from types import MappingProxyType

import numpy as np

from . import chunked, formulas, jitted, numba_threads, validation


@dataclass(frozen=True)
class Mode:
    """A way of running a kernel; `threaded` modes take a thread count."""

    name: str
    summary: str
    threaded: bool


MODE_INFO: Mapping[str, Mode] = MappingProxyType(
    {
        mode.name: mode
        for mode in (
            Mode("numpy", "plain NumPy, no Numba", False),
            Mode("serial", "@njit, one thread", False),
            Mode("parallel", "@njit(parallel=True) on the array expression (ParallelAccelerator)", True),
            Mode("prange", "explicit numba.prange loop", True),
            Mode("threads", "nogil kernel on chunks, concurrent.futures.ThreadPoolExecutor", True),
            Mode("dask", "nogil kernel on chunks, dask.delayed + threaded scheduler", True),
            Mode("distributed", "nogil kernel on chunks, dask.distributed: in-process or DASK_SCHEDULER_ADDRESS", True),
        )
    }
)

Builder = Callable[[int], Callable]


def _jitted(variant: str) -> Builder:
    return lambda threads: jitted.compiled(variant)


def _numba_parallel(variant: str) -> Builder:
    return lambda threads: numba_threads.on_threads(jitted.compiled(variant), threads)


def _numba_parallel_checked(variant: str) -> Builder:
    """A parallel variant returning `(result, count, total)`: its fused check replaces the
    separate pass over the values (see `jitted` and `Kernel.fused_checks`)."""

    def build(threads: int) -> Callable:
        launch = numba_threads.on_threads(jitted.compiled(variant), threads)

        def run(x, means, widths):
            result, count, total = launch(x, means, widths)
            if count != means.shape[0] or not math.isfinite(total):
                validation.raise_invalid(means, widths)
            return result

        return run

    return build


def _chunked(kernel: str, backend: Callable[[int], chunked.Backend]) -> Builder:
    return lambda threads: chunked.chunked(kernel, backend(threads), threads)


def _array_inputs(size: int, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    return 0.4, rng.uniform(-1, 1, size), rng.uniform(0.1, 0.3, size)


def check_monte_carlo_args(nsamples: object, seed: object = None) -> tuple[int, int]:
    """Validated `(nsamples, seed)`; an absent seed is drawn from the OS, so unseeded calls
    never depend on earlier seeded ones."""
    seed = validation.check_seed(seed)
    return validation.check_nsamples(nsamples), secrets.randbits(32) if seed is None else seed


@dataclass(frozen=True)
class Kernel:
    """One notebook kernel and every mode it runs in."""

    name: str
    summary: str
    check: Callable[..., tuple]
    reference: Callable
    builders: Mapping[str, Builder]
    inputs: Callable[[int], tuple]
    default_size: int
    baseline: str = "serial"
    rtol: float = 1e-9
    reproducible: tuple[str, ...] = field(default=())
    check_structure: Callable[..., tuple] | None = None
    fused_checks: tuple[str, ...] = field(default=())

    def checker(self, mode: str) -> Callable[..., tuple]:
        """The argument check `mode` runs before its implementation: the structural part
        only where the implementation checks the values in its own loop."""
        return self.check_structure if mode in self.fused_checks and self.check_structure else self.check

    def agrees(self, result: object, args: tuple) -> bool:
        """Whether `result` (for validated `args`) matches the NumPy reference within `rtol`."""
        expected = self.reference(*args)
        return np.shape(result) == np.shape(expected) and bool(np.allclose(result, expected, rtol=self.rtol, atol=0.0))


def _array_kernel(name: str, summary: str, expr: Callable) -> Kernel:
    return Kernel(
        name=name,
        summary=summary,
        check=validation.check_kernel_args,
        check_structure=validation.check_kernel_structure,
        fused_checks=("parallel", "prange"),
        reference=expr,
        builders={
            "numpy": lambda threads: expr,
            "serial": _jitted(f"{name}.serial"),
            "parallel": _numba_parallel_checked(f"{name}.parallel"),
            "prange": _numba_parallel_checked(f"{name}.prange"),
            "threads": _chunked(name, chunked.thread_pool),
            "dask": _chunked(name, chunked.dask_threads),
            "distributed": partial(chunked.on_cluster, name),
        },
        inputs=_array_inputs,
        default_size=1_000_000,
    )


REGISTRY: Mapping[str, Kernel] = MappingProxyType(
    {
        "gaussians": _array_kernel("gaussians", "Gaussian kernels at x (array expression)", formulas.gaussians_expr),
        "kde": _array_kernel("kde", "kernel density estimate at x (reduction)", formulas.kde_expr),
        "monte_carlo_pi": Kernel(
            name="monte_carlo_pi",
            summary="hit-or-miss Monte-Carlo estimate of pi",
            check=check_monte_carlo_args,
            reference=formulas.monte_carlo_pi_numpy,
            builders={
                "numpy": lambda threads: formulas.monte_carlo_pi_numpy,
                "serial": _jitted("monte_carlo_pi.serial"),
                "prange": _numba_parallel("monte_carlo_pi.prange"),
                "threads": _chunked("monte_carlo_pi", chunked.thread_pool),
                "dask": _chunked("monte_carlo_pi", chunked.dask_threads),
                "distributed": partial(chunked.on_cluster, "monte_carlo_pi"),
            },
            inputs=lambda size, seed=0: (size, seed),
            default_size=10_000_000,
            reproducible=("numpy", "serial", "prange", "threads", "dask", "distributed"),
        ),
    }
)

MODES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {name: tuple(kernel.builders) for name, kernel in REGISTRY.items()}
)


def kernel_info(kernel: object) -> Kernel:
    """The registry entry for `kernel`, or a ValueError naming the choices."""
    if not isinstance(kernel, str) or kernel not in REGISTRY:
        raise ValueError(f"kernel: expected one of {', '.join(REGISTRY)}, got {kernel!r}")
    return REGISTRY[kernel]


def mode_info(kernel: object, mode: object) -> Mode:
    """The `Mode` for `mode` if `kernel` supports it, or a ValueError naming the choices."""
    supported = MODES[kernel_info(kernel).name]
    if not isinstance(mode, str) or mode not in supported:
        known = "" if isinstance(mode, str) and mode in MODE_INFO else f" (modes: {', '.join(MODE_INFO)})"
        raise ValueError(f"mode: kernel {kernel!r} supports {', '.join(supported)}; got {mode!r}{known}")
    return MODE_INFO[mode]


def build(kernel: str, mode: str, *, threads: int | None = None) -> Callable:
    """`kernel` run in `mode` on `threads` threads (None: all Numba may use), with the
    notebook's signature; arguments are validated on every call."""
    info = kernel_info(kernel)
    count = validation.check_threads(threads, mode, mode_info(kernel, mode).threaded, numba_threads.max_threads())
    implementation = info.builders[mode](count)
    check = info.checker(mode)

    @wraps(info.check)
    def run(*args, **kwargs):
        return implementation(*check(*args, **kwargs))

    run.__name__ = run.__qualname__ = kernel
    run.__doc__ = f"{info.summary}; mode {mode!r} on {count} thread(s)."
    run.kernel, run.mode, run.threads = kernel, mode, count
    return run
