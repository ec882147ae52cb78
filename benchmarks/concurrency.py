"""Concurrent callers of one parallel kernel: which threading layer, and how many Numba
threads per caller, when the program is already parallel (a web service, a Dask graph, a
thread pool).

`outer` callers run the same kernel at the same time, each on its 1/outer share of the
work (a contiguous slice of the mixture, like the requests of a server), each with `inner`
threads; a batch ends when every caller has its result. `inner` below, at and above
cores / outer covers under-, exact and over-subscription of the machine.

- `Callers`: the `prange` kernel with `inner` Numba threads per caller (the count is
  thread-local; `kernels.build(..., threads=inner)` sets it around each call), the callers
  Python threads (`concurrent.futures`) or tasks of Dask's threaded scheduler.
- `Chunked`: the same batches through the nogil chunked modes, each caller with its own
  pool of `inner` threads: the alternative to Numba's threading layer.
- `CpuTime`: the CPU time of every thread of the process per `Callers` batch, timed with
  `time.process_time`; CPU / wall (derived at publish time) shows spin-waiting.
- `Launches` and `Loading`: facts about the layer (numbers: asv results hold numbers).

A caller that raises fails its batch at once (the exception propagates); a batch that does
not finish within `BATCH_TIMEOUT` raises TimeoutError. Sampling as for `common.Modes`.
"""

import ctypes.util
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from itertools import pairwise

import dask
import numpy as np

import kernels

from . import common

# A smoke run (NTB_SIZES=small) keeps one kernel and two concurrencies: the whole suite's quick run stays short.
KERNELS = ("kde",) if common.SMALL else ("gaussians", "kde")
SIZE = 10_000 if common.SMALL else 1_000_000
OUTER = [1, 4] if common.SMALL else [1, 2, 4, 8]
INNER = common.THREADS
NUMBA_MODE = "prange"
LAUNCHERS = ("futures", "dask")
CHUNKED = ("threads", "dask")
CPU_KERNEL = "kde"
BATCH_TIMEOUT = 120.0  # seconds; far above any batch here, so reaching it means a hang
PROBE_SIZE = 2_000_000  # a ~15 ms call on one thread: long against scheduling noise
PROBES = 5
PROBE_PROCESSES = 3
SERIALISED_GAP = 0.25  # end gap / span: ~0 when two launches run together, ~0.5 one after the other


def shares(args: tuple, outer: int) -> list[tuple]:
    """`args` as `outer` calls over contiguous slices of its arrays (other arguments kept)."""
    n = next(arg.shape[0] for arg in args if isinstance(arg, np.ndarray))
    edges = [n * i // outer for i in range(outer + 1)]
    return [tuple(a[lo:hi] if isinstance(a, np.ndarray) else a for a in args) for lo, hi in pairwise(edges)]


Calls = list[tuple[Callable, tuple]]


def futures_launcher(outer: int) -> Callable[[Calls], list]:
    """Run calls on a `ThreadPoolExecutor` of `outer` threads, started once; the first
    exception propagates at once, a batch past `BATCH_TIMEOUT` raises TimeoutError."""
    pool = ThreadPoolExecutor(max_workers=outer, thread_name_prefix="caller")

    def run(calls: Calls) -> list:
        futures = [pool.submit(func, *args) for func, args in calls]
        done, pending = wait(futures, timeout=BATCH_TIMEOUT, return_when=FIRST_EXCEPTION)
        for future in done:
            if future.exception() is not None:
                raise future.exception()
        if pending:
            raise TimeoutError(f"{len(pending)} of {len(futures)} callers still running after {BATCH_TIMEOUT} s")
        return [future.result() for future in futures]

    return run


def dask_launcher(outer: int) -> Callable[[Calls], list]:
    """Run calls as `dask.delayed` tasks on Dask's threaded scheduler with `outer` workers
    (the notebook's way); Dask raises the first task's exception."""

    def run(calls: Calls) -> list:
        tasks = [dask.delayed(func, pure=False)(*args) for func, args in calls]
        return list(dask.compute(*tasks, scheduler="threads", num_workers=outer))

    return run


LAUNCH = {"futures": futures_launcher, "dask": dask_launcher}


def batch(kernel: str, mode: str, outer: int, launcher: str, inner: int, size: int = SIZE) -> Callable[[], list]:
    """A checked, warmed-up batch: `outer` callers of `kernel` in `mode` on `inner` threads
    each, together over `size` elements, launched by `launcher`; returns their results.
    Chunked modes get one build (one pool) per caller."""
    if launcher not in LAUNCH:
        raise ValueError(f"launcher: expected one of {', '.join(LAUNCH)}, got {launcher!r}")
    common.steady_allocator()
    common.requested_layer_loaded()
    info = common.supported(kernel, mode, inner)
    funcs = [kernels.build(kernel, mode, threads=inner) for _ in range(outer)]
    calls = list(zip(funcs, shares(common.inputs(kernel, size), outer), strict=True))
    launch = LAUNCH[launcher](outer)

    def run() -> list:
        return launch(calls)

    for (_, args), result in zip(calls, run(), strict=True):
        if not common.agrees(info, result, args):
            raise AssertionError(f"{kernel}/{mode} (outer={outer}, inner={inner}) disagrees with the reference")
    return run


class Batches:
    """Sampling of `common.Modes`: rounds in fresh processes, exactly `REPEAT` samples."""

    rounds = common.ROUNDS
    repeat = common.REPEAT
    sample_time = 0.02
    warmup_time = 0.05
    timeout = 300


class Callers(Batches):
    """Wall time of one batch of concurrent `prange` callers, `inner` Numba threads each."""

    params = [list(KERNELS), [SIZE], OUTER, list(LAUNCHERS), INNER]
    param_names = ["kernel", "size", "outer", "launcher", "inner"]

    def setup(self, kernel, size, outer, launcher, inner):
        self.run = batch(kernel, NUMBA_MODE, outer, launcher, inner, size)

    def time_batch(self, kernel, size, outer, launcher, inner):
        self.run()


class Chunked(Batches):
    """The same batches through a nogil chunked mode: each caller splits its share over its
    own pool of `inner` threads (`futures` callers). No Numba threading layer is involved."""

    params = [list(KERNELS), [SIZE], OUTER, list(CHUNKED), INNER]
    param_names = ["kernel", "size", "outer", "mode", "inner"]

    def setup(self, kernel, size, outer, mode, inner):
        self.run = batch(kernel, mode, outer, "futures", inner, size)

    def time_batch(self, kernel, size, outer, mode, inner):
        self.run()


class CpuTime(Batches):
    """CPU time of every thread of the process per `Callers` batch (`futures` callers):
    beside `Callers`' wall time, CPU / wall is the cores kept busy, spin-waiting included."""

    params = [[CPU_KERNEL], [SIZE], OUTER, INNER]
    param_names = ["kernel", "size", "outer", "inner"]
    timer = time.process_time

    def setup(self, kernel, size, outer, inner):
        self.run = batch(kernel, NUMBA_MODE, outer, "futures", inner, size)

    def time_batch(self, kernel, size, outer, inner):
        self.run()


def end_gap(func: Callable, args: tuple, launch: Callable[[Calls], list]) -> float:
    """Two threads launch `func(*args)` at once: |end A - end B| / (last end - first start).
    Run together, time-slicing makes them end together (~0); one after the other, the
    second ends a whole call later (~0.5)."""
    barrier = threading.Barrier(2, timeout=BATCH_TIMEOUT)
    ends = [0.0, 0.0]

    def probe(i: int) -> None:
        barrier.wait()
        func(*args)
        ends[i] = time.perf_counter()

    start = time.perf_counter()
    launch([(probe, (0,)), (probe, (1,))])
    return abs(ends[0] - ends[1]) / (max(ends) - start)


def probe_gaps() -> list[float]:
    """`PROBES` end gaps of this process's layer: two Python threads launching the `prange`
    kernel at once, one Numba thread each (see `end_gap`)."""
    common.requested_layer_loaded()
    func = kernels.build(CPU_KERNEL, NUMBA_MODE, threads=1)
    args = common.inputs(CPU_KERNEL, PROBE_SIZE)
    func(*args)
    launch = futures_launcher(2)
    return [end_gap(func, args, launch) for _ in range(PROBES)]


def fresh_process_gaps() -> list[float]:
    """`probe_gaps` in a fresh interpreter of this environment (same layer request); a
    RuntimeError with its stderr if it fails, TimeoutError past `BATCH_TIMEOUT`."""
    package, _, _ = __name__.rpartition(".")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    code = f"import json\nfrom {package}.concurrency import probe_gaps\nprint(json.dumps(probe_gaps()))"
    path = os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))
    try:
        done = subprocess.run(
            [sys.executable, "-c", code],
            cwd=root,
            env={**os.environ, "PYTHONPATH": path},
            capture_output=True,
            text=True,
            timeout=BATCH_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"a launch probe process ran past {BATCH_TIMEOUT} s") from None
    if done.returncode != 0:
        raise RuntimeError(f"a launch probe process exited {done.returncode}:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.splitlines()[-1])


class Launches:
    """What the loaded layer does when two Python threads launch parallel work at once (on
    one Numba thread each), probed `PROBES` times in each of `PROBE_PROCESSES` processes
    (asv's, then fresh interpreters): `end_gap`, the median of every probe, and
    `serialised`, the share of processes whose median gap says the launches took turns
    (1: always, as the project's guard makes workqueue, which would otherwise abort; 0:
    they always ran together; in between, the layer's behaviour varies from process to
    process, as tbb's did between two runs on a 2-vCPU VM)."""

    rounds = 1  # a fact: asv keeps the last round's value only
    timeout = 3 * BATCH_TIMEOUT

    def setup_cache(self):
        """The probes, once for both facts (asv runs this once per environment and round)."""
        return [probe_gaps()] + [fresh_process_gaps() for _ in range(PROBE_PROCESSES - 1)]

    def track_end_gap(self, gaps):
        return statistics.median(gap for process in gaps for gap in process)

    track_end_gap.unit = "fraction"

    def track_serialised(self, gaps):
        return statistics.mean(float(statistics.median(process) > SERIALISED_GAP) for process in gaps)

    track_serialised.unit = "share of processes"


class Loading:
    """Where TBB's runtime is, for `tbb`: on the loader's search path, or only in the
    environment's `lib/` (where pip puts it; the suite preloads it from there,
    `benchmarks/__init__.py`). Whether the layer loaded is `environment.ThreadingLayer`."""

    unit = "has"

    def track_tbb_on_loader_path(self):
        return int(ctypes.util.find_library("tbb") is not None)

    def track_tbb_in_environment_lib(self):
        return int(os.path.exists(os.path.join(sys.prefix, "lib", "libtbb.so.12")))
