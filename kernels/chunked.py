"""External multithreading: a `nogil` kernel run on chunks by a pool of Python threads
(or by the workers of a `dask.distributed` cluster).

A `ChunkPlan` says how one kernel splits its (validated) arguments into tasks and how the
partial results combine; a backend (a `concurrent.futures` pool, Dask's threaded
scheduler, a `distributed.Client`) runs the tasks. One task per thread keeps per-task
overhead (~0.2-1 ms threaded, several ms distributed) small against the work.
"""

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import dask
import numpy as np

from . import jitted
from .formulas import SQRT_2PI, block_count

if TYPE_CHECKING:  # distributed is imported only when the mode is used
    from distributed import Client


def bounds(n: int, parts: int) -> list[tuple[int, int]]:
    """`parts` (or fewer, never empty) contiguous ranges covering `0 ... n`."""
    parts = max(1, min(parts, n))
    edges = [n * i // parts for i in range(parts + 1)]
    return list(pairwise(edges))


@dataclass(frozen=True)
class ChunkPlan:
    """How a kernel runs as independent tasks of the nogil function `variant`; `sample` is
    the smallest valid (validated) argument tuple, for warming workers up."""

    variant: str
    split: Callable[[tuple, int], list[tuple]]
    combine: Callable[[tuple, Sequence[Any]], Any]
    sample: tuple


def _split_arrays(args: tuple, parts: int) -> list[tuple]:
    x, means, widths = args
    return [(x, means[lo:hi], widths[lo:hi]) for lo, hi in bounds(means.shape[0], parts)]


_ONE_KERNEL = (0.0, np.ones(1), np.ones(1))


PLANS: dict[str, ChunkPlan] = {
    "gaussians": ChunkPlan(
        "gaussians.chunk",
        lambda args, parts: [task + (args[1].shape[0],) for task in _split_arrays(args, parts)],
        lambda args, results: np.concatenate(results),
        _ONE_KERNEL,
    ),
    "kde": ChunkPlan(
        "kde.chunk",
        _split_arrays,
        lambda args, results: sum(results) / args[1].shape[0] / SQRT_2PI,
        _ONE_KERNEL,
    ),
    "monte_carlo_pi": ChunkPlan(
        "monte_carlo_pi.chunk",
        lambda args, parts: [(lo, hi, *args) for lo, hi in bounds(block_count(args[0]), parts)],
        lambda args, results: 4.0 * sum(results) / args[0],
        (1, 0),
    ),
}

Backend = Callable[[Callable, list[tuple]], Sequence[Any]]


def thread_pool(threads: int) -> Backend:
    """Run tasks on a `ThreadPoolExecutor` of `threads` workers, kept for reuse."""
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="kernels")

    def run(func: Callable, tasks: list[tuple]) -> list:
        futures = [pool.submit(func, *task) for task in tasks]
        return [future.result() for future in futures]

    return run


def dask_threads(threads: int) -> Backend:
    """Run tasks as `dask.delayed` calls on Dask's threaded scheduler with `threads` workers."""

    def run(func: Callable, tasks: list[tuple]) -> tuple:
        delayed = dask.delayed(func, pure=False)
        return dask.compute(*(delayed(*task) for task in tasks), scheduler="threads", num_workers=threads)

    return run


def distributed(client: "Client") -> Backend:
    """Run tasks as futures on `client`, one graph per call, with `cluster.run_tasks`'s
    bounded wait: a lost worker or scheduler is an error, never a hang."""
    from . import cluster

    def run(func: Callable, tasks: list[tuple]) -> list:
        return cluster.run_tasks(client, func, tasks)

    return run


def on_cluster(kernel: str, threads: int) -> Callable:
    """`kernel` as `threads` tasks on the shared client (`cluster.client()`), after its chunk
    function ran once on every worker so that no timed call compiles."""
    plan = PLANS[kernel]
    from . import cluster

    client = cluster.client()
    cluster.warm_up(client, jitted.compiled(plan.variant), *plan.split(plan.sample, 1)[0])
    return chunked(kernel, distributed(client), threads)


def chunked(kernel: str, backend: Backend, threads: int) -> Callable:
    """The kernel's implementation on `backend`, with one task per thread."""
    plan = PLANS[kernel]
    func = jitted.compiled(plan.variant)

    def run(*args):
        return plan.combine(args, backend(func, plan.split(args, threads)))

    return run
