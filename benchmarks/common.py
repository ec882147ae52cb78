"""Shared parameters, cached inputs and the benchmark bases the kernel modules subclass.

The suite touches only the public API of `kernels` (`build`, `REGISTRY`, `MODE_INFO`,
`max_threads`), because asv installs the package of every benchmarked commit and runs
today's benchmarks against it. For the same reason each kernel module states its modes as
a table instead of reading them from the installed registry (asv discovers parameters
once and reuses the indices for every commit); a test keeps the tables equal to
`kernels.MODES`. A kernel or mode the installed package lacks is skipped (n/a).

Every `setup` builds the kernel and calls it once (compiling or loading Numba's cache,
starting pools), so no timing includes compilation. `Modes` also checks that result
against the NumPy reference, so a fast-but-wrong build fails instead of publishing a
number; `Memory` skips that check, because asv's peak memory counts `setup` too.

Sampling, chosen for verdicts that hold on a noisy shared host: the same call differs by
up to 2x between processes while samples inside one process agree, so `Modes` runs
`ROUNDS` rounds, each in a fresh process, of exactly `REPEAT` samples. asv appends the
rounds' samples in order, and `ntb_site.statistics.verdicts` splits them back into per-process
statistics. `NTB_SIZES=small` shrinks the timed sizes for a quick smoke run.
"""

import abc
import os
from functools import cache

import numpy as np

import kernels

SMALL = os.environ.get("NTB_SIZES", "") == "small"
SIZES = [1_000, 10_000] if SMALL else [10_000, 100_000, 1_000_000, 10_000_000]
MEMORY_SIZES = [10_000_000]  # even in a smoke run: NumPy's temporaries must stand out of the baseline
VALIDATION_SIZE = SIZES[-2]
WARM_UP_SIZE = 1_000
ROUNDS = 4
LAYERS = ("tbb", "omp", "workqueue")
DEFAULT_LAYER = "omp"
"""The layer of every release's default environment (the first of asv.conf.json's
``NUMBA_THREADING_LAYER`` values): under the other layers only `ON_LAYER` modes are timed."""
ON_LAYER = ("parallel", "prange")
"""The modes that run on Numba's threading layer (``kernels.Mode.on_layer``); the others
never start it, so a layer cannot change their time."""
REPEAT = 3


def thread_counts() -> list[int]:
    """1, 2, 4, ... up to and including every thread Numba may use here."""
    top = kernels.max_threads()
    return sorted({2**i for i in range(top.bit_length()) if 2**i <= top} | {top})


THREADS = thread_counts()


def kernel_info(kernel: str):
    """The installed package's registry entry; NotImplementedError (asv: n/a) where the
    benchmarked commit does not have `kernel`."""
    if kernel not in kernels.REGISTRY:
        raise NotImplementedError(f"kernel {kernel!r} is not in this commit's registry")
    return kernels.REGISTRY[kernel]


@cache
def inputs(kernel: str, size: int) -> tuple:
    """The kernel's sample arguments at `size`, made once per process."""
    return kernel_info(kernel).inputs(size)


def supported(kernel: str, mode: str, threads: int | None = None):
    """The registry entry, or NotImplementedError (asv: n/a) where `threads` does not apply
    to `mode` or the benchmarked commit lacks the kernel or the mode."""
    info = kernel_info(kernel)
    if mode not in kernels.MODES[kernel]:
        raise NotImplementedError(f"mode {mode!r} of {kernel!r} is not in this commit")
    if threads is not None and threads > 1 and not kernels.MODE_INFO[mode].threaded:
        raise NotImplementedError(f"mode {mode!r} runs on one thread")
    return info


def build(kernel: str, mode: str, threads: int | None = None):
    """`(registry entry, kernels.build(...))` where `supported`."""
    return supported(kernel, mode, threads), kernels.build(kernel, mode, threads=threads)


def agrees(info, result: object, args: tuple) -> bool:
    """Whether `result` matches the kernel's reference for `args` (older commits have no
    `Kernel.agrees`: compare with their `reference` and `rtol`)."""
    if hasattr(info, "agrees"):
        return info.agrees(result, info.check(*args))
    expected = info.reference(*info.check(*args))
    return bool(np.allclose(result, expected, rtol=info.rtol, atol=0.0))


def other_layer() -> str | None:
    """The threading layer this environment asks for where it is not `DEFAULT_LAYER`, else None."""
    requested = os.environ.get("NUMBA_THREADING_LAYER", DEFAULT_LAYER)
    return requested if requested in LAYERS and requested != DEFAULT_LAYER else None


def on_this_layer(mode: str) -> None:
    """NotImplementedError (asv: n/a) for a mode off Numba's threading layer in an environment
    of another layer than `DEFAULT_LAYER`: its time is the default environment's."""
    layer = other_layer()
    if layer is not None and mode not in ON_LAYER:
        raise NotImplementedError(
            f"mode {mode!r} never starts Numba's threading layer: timed under {DEFAULT_LAYER} only, not {layer}"
        )


def requested_layer_loaded() -> str:
    """The threading layer Numba loaded; RuntimeError if `NUMBA_THREADING_LAYER` names a
    different one, so a result is never labelled with a layer that silently fell back."""
    requested = os.environ.get("NUMBA_THREADING_LAYER", "default")
    loaded = kernels.threading_layer()
    if requested in LAYERS and loaded != requested:
        raise RuntimeError(f"NUMBA_THREADING_LAYER={requested} requested but Numba loaded {loaded!r}")
    return loaded


STEADY_ALLOCATION = 4_000_000
"""float64 elements of the block `steady_allocator` frees: 32 MB, just under glibc's 32 MiB
ceiling for its dynamic mmap threshold."""


def steady_allocator() -> None:
    """Put the allocator in the state a long-running program is in, whatever ran before.

    glibc serves a block above its mmap threshold (128 KiB at start) with a fresh mmap and
    raises the threshold to the size of each such block freed, up to 32 MiB. So whether a
    NumPy temporary of 1e5-1e6 elements costs page faults on every call depends on what the
    process freed before (`python -m ntb_site.tools.allocator_state`: `numpy` gaussians at
    1e5 took 1,019-1,029 us in fresh processes, 289-301 us after this). Freeing one 32 MB
    block sets the threshold to its ceiling, as any session that has freed a large array has
    it. Elsewhere than glibc this is an allocation and a free, nothing more.
    """
    block = np.empty(STEADY_ALLOCATION)
    del block


def validated(kernel: str, mode: str, size: int, threads: int | None = None) -> tuple:
    """A warmed-up `(func, args)` whose result at `size` agrees with the reference, run on
    the threading layer asked for, in a steady allocator state."""
    steady_allocator()
    requested_layer_loaded()
    info, func = build(kernel, mode, threads)
    args = inputs(kernel, size)
    if not agrees(info, func(*args), args):
        raise AssertionError(f"{kernel}/{mode} (threads={threads}, size={size}) disagrees with the reference")
    return func, args


class KernelBenchmark(abc.ABC):
    """Base for one kernel's benchmarks: a subclass names `kernel` and its `modes` (the
    table of its benchmark module) and gets its `params` from `parameters()`. Abstract
    until then, so asv does not collect the bases themselves."""

    modes: tuple[str, ...]
    timeout = 300

    @property
    @abc.abstractmethod
    def kernel(self) -> str:
        """Name of the kernel in the `kernels` registry."""

    @classmethod
    def parameters(cls) -> tuple[list, list[str]]:
        """`(params, param_names)` for `cls.kernel`."""
        raise NotImplementedError

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "kernel" in cls.__dict__:
            cls.params, cls.param_names = cls.parameters()


class Modes(KernelBenchmark):
    """Time per call over size × mode × threads (n/a where a mode is single-threaded, and
    under a non-default layer where the mode never starts it: `on_this_layer`)."""

    rounds = ROUNDS
    repeat = REPEAT
    sample_time = 0.02
    warmup_time = 0.05

    @classmethod
    def parameters(cls):
        return [SIZES, list(cls.modes), THREADS], ["size", "mode", "threads"]

    def setup(self, size, mode, threads):
        on_this_layer(mode)
        self.func, self.args = validated(self.kernel, mode, size, threads)

    def time_kernel(self, size, mode, threads):
        self.func(*self.args)


class Memory(KernelBenchmark):
    """Peak resident memory of one call: NumPy temporaries against fused Numba loops.

    asv's peak includes `setup`, so `setup` only allocates the inputs (the same for every
    mode) and warms the build up on tiny inputs of the same types; the result is checked
    by `Modes`, which runs the same builds.
    """

    @classmethod
    def parameters(cls):
        return [MEMORY_SIZES, list(cls.modes)], ["size", "mode"]

    def setup(self, size, mode):
        _, self.func = build(self.kernel, mode)
        self.func(*inputs(self.kernel, WARM_UP_SIZE))
        self.args = inputs(self.kernel, size)

    def peakmem_kernel(self, size, mode):
        self.func(*self.args)


FIRST_CALL_SETUP = """
import atexit, os, shutil, tempfile
cache_dir = tempfile.mkdtemp(prefix="ntb-numba-cache-")
atexit.register(shutil.rmtree, cache_dir, ignore_errors=True)
os.environ["NUMBA_CACHE_DIR"] = cache_dir
import kernels
args = kernels.REGISTRY[{kernel!r}].inputs({size})
"""

FIRST_CALL = "kernels.build({kernel!r}, {mode!r})(*args)"


class FirstCall(KernelBenchmark):
    """Latency of build + first call (compilation, pool or cluster start) in a fresh
    interpreter with an empty Numba cache: what a user waits for before the first result.
    Each sample is its own interpreter, so the samples are per-process statistics."""

    repeat = 3
    rounds = 1
    warmup_time = 0  # asv's default warms up with one more untimed interpreter per mode
    timeout = 600

    @classmethod
    def parameters(cls):
        return [list(cls.modes)], ["mode"]

    def setup(self, mode):
        supported(self.kernel, mode)

    def timeraw_first_call(self, mode):
        return (
            FIRST_CALL.format(kernel=self.kernel, mode=mode),
            FIRST_CALL_SETUP.format(kernel=self.kernel, size=WARM_UP_SIZE),
        )


class Validation(KernelBenchmark):
    """The cost of the project's argument checks, as a pair of timings at one size: the
    `parallel` mode (checks, fused validity count, thread-count wrapper) beside the
    notebook's own unchecked parallel function. The overhead is their ratio, derived
    from the recorded samples when the site is published."""

    rounds = ROUNDS
    repeat = REPEAT
    sample_time = 0.02
    warmup_time = 0.05

    @classmethod
    def parameters(cls):
        return [[VALIDATION_SIZE]], ["size"]

    def setup(self, size):
        self.checked, self.args = validated(self.kernel, "parallel", size)
        notebook = getattr(kernel_info(self.kernel), "notebook", {}).get("parallel")
        if notebook is None:
            raise NotImplementedError("this commit does not expose the notebook's parallel function")
        self.notebook = notebook
        self.notebook(*self.args)

    def time_checked(self, size):
        self.checked(*self.args)

    def time_notebook(self, size):
        self.notebook(*self.args)
