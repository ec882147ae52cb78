"""Shared parameters, cached inputs and the benchmark bases the kernel modules subclass.

Parameters come from the `kernels` registry, never a retyped list. Every `setup` builds
the kernel, calls it once (compiling or loading Numba's cache, starting thread pools) and
checks the result against the NumPy reference, so a timing never includes compilation
and a fast-but-wrong build fails instead of publishing a number.

`NTB_SIZES=small` shrinks the sizes for a quick smoke run of the whole suite.
"""

import abc
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from functools import cache

import numba

import kernels
from kernels import MODE_INFO, MODES, REGISTRY, jitted
from kernels.numba_threads import on_threads, requested_layer_loaded
from kernels.timing import interleaved_medians

SMALL = os.environ.get("NTB_SIZES", "") == "small"
SIZES = [1_000, 10_000] if SMALL else [10_000, 100_000, 1_000_000, 10_000_000]
SCALING_SIZES = SIZES[-1:] if SMALL else [1_000_000, 10_000_000]
MEMORY_SIZES = SIZES[-1:] if SMALL else [1_000_000, 10_000_000]


def thread_counts() -> list[int]:
    """1, 2, 4, ... up to and including every thread Numba may use here."""
    top = kernels.max_threads()
    return sorted({2**i for i in range(top.bit_length()) if 2**i <= top} | {top})


THREADS = thread_counts()


@cache
def inputs(kernel: str, size: int) -> tuple:
    """The kernel's sample arguments at `size`, made once per process."""
    return REGISTRY[kernel].inputs(size)


def ready(kernel: str, mode: str, size: int, threads: int | None = None) -> tuple[Callable, tuple]:
    """A warmed-up, validated `(func, args)`; NotImplementedError (asv: n/a) where
    `threads` does not apply to `mode`."""
    if threads is not None and threads > 1 and not MODE_INFO[mode].threaded:
        raise NotImplementedError(f"mode {mode!r} runs on one thread")
    requested_layer_loaded()
    func = kernels.build(kernel, mode, threads=threads)
    args = inputs(kernel, size)
    info = REGISTRY[kernel]
    if not info.agrees(func(*args), info.check(*args)):
        raise AssertionError(f"{kernel}/{mode} (threads={threads}, size={size}) disagrees with the NumPy reference")
    return func, args


class KernelBenchmark(abc.ABC):
    """Base for one kernel's benchmarks; a subclass names the kernel and gets its params.
    Abstract until then, so asv does not collect the bases themselves."""

    # Each sample averages calls over >= 100 ms, so scheduler jitter on a shared 2-core
    # host averages out; 5-10 samples after a warm-up, one round, keep the default run
    # within ~10 minutes (see README for the measured IQR).
    sample_time = 0.1
    repeat = (5, 10, 10.0)
    rounds = 1
    warmup_time = 0.2
    timeout = 300

    @property
    @abc.abstractmethod
    def kernel(self) -> str:
        """Name of the kernel in the `kernels` registry."""

    @classmethod
    @abc.abstractmethod
    def parameters(cls, kernel: str) -> tuple[list, list[str]]:
        """`(params, param_names)` for `kernel`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "kernel" in cls.__dict__:
            cls.params, cls.param_names = cls.parameters(cls.kernel)


class Modes(KernelBenchmark):
    """Time per call over size × mode × threads (n/a where a mode is single-threaded)."""

    @classmethod
    def parameters(cls, kernel):
        return [SIZES, list(MODES[kernel]), THREADS], ["size", "mode", "threads"]

    def setup(self, size, mode, threads):
        self.func, self.args = ready(self.kernel, mode, size, threads)

    def time_kernel(self, size, mode, threads):
        self.func(*self.args)


class Scaling(KernelBenchmark):
    """Speedup over the serial baseline and parallel efficiency (speedup / threads).

    `setup_cache` measures every parameter set once, in one process, each mode timed
    interleaved with the baseline so both sides see the same machine; the two `track_`
    benchmarks read those measurements. asv keys that cache by the function's source
    line, which every kernel's subclass shares, so it measures all kernels at once.
    """

    unit = "x"
    rounds = 1
    repeat = 1
    number = 1

    @classmethod
    def parameters(cls, kernel):
        threaded = [mode for mode in MODES[kernel] if MODE_INFO[mode].threaded]
        return [SCALING_SIZES, threaded, THREADS], ["size", "mode", "threads"]

    def setup_cache(self):
        speedups = {}
        for kernel in REGISTRY:
            sizes, modes, counts = Scaling.parameters(kernel)[0]
            for size in sizes:
                baseline, args = ready(kernel, REGISTRY[kernel].baseline, size)
                for mode in modes:
                    for threads in counts:
                        func, _ = ready(kernel, mode, size, threads)
                        base_time, mode_time = interleaved_medians([baseline, func], args)
                        speedups[kernel, size, mode, threads] = base_time / mode_time
        return speedups

    setup_cache.timeout = 1800

    def track_speedup(self, speedups, size, mode, threads):
        return speedups[self.kernel, size, mode, threads]

    def track_efficiency(self, speedups, size, mode, threads):
        return speedups[self.kernel, size, mode, threads] / threads


class Memory(KernelBenchmark):
    """Peak resident memory of a call: NumPy temporaries against fused Numba loops."""

    @classmethod
    def parameters(cls, kernel):
        return [MEMORY_SIZES, list(MODES[kernel])], ["size", "mode"]

    def setup(self, size, mode):
        self.func, self.args = ready(self.kernel, mode, size)

    def peakmem_kernel(self, size, mode):
        self.func(*self.args)


FIRST_CALL = """
import sys, time, kernels
kernel, mode = sys.argv[1:3]
args = kernels.REGISTRY[kernel].inputs(1000)
start = time.perf_counter()
kernels.build(kernel, mode)(*args)
print(time.perf_counter() - start)
"""


class FirstCall(KernelBenchmark):
    """Latency of build + first call (compilation, pool or cluster start) in a fresh
    interpreter with an empty Numba cache: what a user waits for before the first result."""

    unit = "seconds"
    rounds = 1
    repeat = 1
    number = 1

    @classmethod
    def parameters(cls, kernel):
        return [list(MODES[kernel])], ["mode"]

    def track_first_call(self, mode):
        with tempfile.TemporaryDirectory() as cache_dir:
            out = subprocess.run(
                [sys.executable, "-c", FIRST_CALL, self.kernel, mode],
                env={**os.environ, "NUMBA_CACHE_DIR": cache_dir},
                capture_output=True,
                text=True,
                check=True,
                timeout=300,
            )
        return float(out.stdout)


class Validation(KernelBenchmark):
    """Cost of argument validation: the full check alone (what the modes without a fused
    check run before the kernel), and the `parallel` mode's whole overhead (checks, fused
    validity count, thread-count wrapper) as a share of the notebook's own unchecked
    parallel function, timed interleaved (target: under 10 % at 1e6 elements)."""

    @classmethod
    def parameters(cls, kernel):
        return [[SIZES[-2]]], ["size"]

    def setup(self, size):
        info = REGISTRY[self.kernel]
        self.check = info.check
        self.func, self.args = ready(self.kernel, "parallel", size)
        notebook = numba.njit(parallel=True, **jitted.FLAGS)(info.reference)
        self.notebook = on_threads(notebook, kernels.max_threads())
        self.notebook(*self.args)

    def time_check(self, size):
        self.check(*self.args)

    def track_overhead_of_parallel(self, size):
        checked, notebook = interleaved_medians([self.func, self.notebook], self.args, rounds=21)
        return checked / notebook - 1.0

    track_overhead_of_parallel.unit = "fraction"
