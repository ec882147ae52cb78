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

if TYPE_CHECKING:  # distributed is imported only when the mode is used
    from distributed import Client

MODES = ("threads", "dask", "distributed")
"""The modes that run a kernel's `ChunkPlan`."""


def bounds(n: int, parts: int) -> list[tuple[int, int]]:
    """`parts` (or fewer, never empty) contiguous ranges covering `0 ... n`."""
    parts = max(1, min(parts, n))
    edges = [n * i // parts for i in range(parts + 1)]
    return list(pairwise(edges))


@dataclass(frozen=True)
class ChunkPlan:
    """How a kernel runs as independent calls of the nogil `function`: `split` turns the
    validated arguments into at most `parts` argument tuples, `combine` the results into
    the kernel's; `sample` is the smallest valid task, for warming workers up."""

    function: Callable
    split: Callable[[tuple, int], list[tuple]]
    combine: Callable[[tuple, Sequence[Any]], Any]
    sample: tuple


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


def on_cluster(plan: ChunkPlan, threads: int) -> Callable:
    """`plan` as `threads` tasks on the shared client (`cluster.client()`), after its
    function ran once on every worker so that no timed call compiles."""
    from . import cluster

    client = cluster.client()
    cluster.warm_up(client, plan.function, *plan.sample)
    return chunked(plan, distributed(client), threads)


def chunked(plan: ChunkPlan, backend: Backend, threads: int) -> Callable:
    """The kernel's implementation on `backend`, with one task per thread."""

    def run(*args):
        return plan.combine(args, backend(plan.function, plan.split(args, threads)))

    return run


def build(plan: ChunkPlan, mode: str, threads: int) -> Callable:
    """The implementation of `plan` in `mode` (one of `MODES`) on `threads` threads."""
    if mode == "distributed":
        return on_cluster(plan, threads)
    backend = {"threads": thread_pool, "dask": dask_threads}[mode]
    return chunked(plan, backend(threads), threads)
