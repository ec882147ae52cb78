"""Thread counts are applied and restored; the workqueue layer is guarded against concurrent launches."""

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import numba
import numpy as np
import pytest
from layer_process import run_under

import kernels

MAX = kernels.max_threads()
KERNEL_MODES = [(k, m) for k, modes in kernels.MODES.items() for m in modes]
NUMBA_PARALLEL = [(k, m) for k, m in KERNEL_MODES if m in ("parallel", "prange")]
CHUNKED = [m for m in kernels.MODES["gaussians"] if m in ("threads", "dask")]


@pytest.fixture(autouse=True)
def keep_num_threads():
    """Leave Numba's thread count in the main thread as it was found."""
    before = numba.get_num_threads()
    yield
    numba.set_num_threads(before)


def test_parallel_mode_lists_are_not_empty():
    """The parametrisations below test something."""
    assert {m for _, m in NUMBA_PARALLEL} == {"parallel", "prange"}
    assert set(CHUNKED) == {"threads", "dask"}


@pytest.mark.parametrize(("kernel", "mode"), NUMBA_PARALLEL)
@pytest.mark.parametrize(("before", "threads"), [(MAX, 1), (1, MAX), (1, 1), (MAX, MAX)])
def test_num_threads_restored_after_call(kernel, mode, before, threads):
    """A call on `threads` threads leaves the caller's `numba.get_num_threads()` as it was."""
    func = kernels.build(kernel, mode, threads=threads)
    info = kernels.REGISTRY[kernel]
    args = info.inputs(1000)
    numba.set_num_threads(before)
    assert info.agrees(func(*args), info.check(*args))
    assert numba.get_num_threads() == before


@pytest.mark.parametrize(("kernel", "mode"), NUMBA_PARALLEL)
def test_num_threads_restored_after_error(kernel, mode):
    """A failing call (bad argument) leaves the thread count alone too."""
    func = kernels.build(kernel, mode, threads=1)
    numba.set_num_threads(MAX)
    with pytest.raises((TypeError, ValueError)):
        func(*(("x",) * len(kernels.REGISTRY[kernel].inputs(10))))
    assert numba.get_num_threads() == MAX


def test_on_threads_restores_when_the_kernel_raises():
    """The wrapper restores the count even if the wrapped kernel raises."""

    def boom():
        assert numba.get_num_threads() == 1
        raise RuntimeError("boom")

    numba.set_num_threads(MAX)
    with pytest.raises(RuntimeError, match="boom"):
        kernels.numba_threads.on_threads(boom, 1)()
    assert numba.get_num_threads() == MAX


@numba.njit(parallel=True)
def _thread_ids(*args):
    """Which Numba thread ran each of 1000 prange iterations (arguments ignored)."""
    ids = np.empty(1000, dtype=np.int64)
    for i in numba.prange(1000):
        ids[i] = numba.get_thread_id()
    return ids


@numba.njit
def _thread_ids_counted(x, means, widths):
    """`_thread_ids` shaped like a variant that counts valid pairs: `(ids, count)`."""
    return _thread_ids(), means.shape[0]


def probed(kernel, mode, probe):
    """`kernel` with `probe` in place of `mode`'s function (the variant's or the chunk plan's)."""
    info = kernels.REGISTRY[kernel]
    if mode in info.variants:
        return replace(info, variants={**info.variants, mode: replace(info.variants[mode], function=probe)})
    return replace(info, plan=replace(info.plan, function=probe))


@pytest.mark.parametrize(("kernel", "mode"), NUMBA_PARALLEL)
@pytest.mark.parametrize("threads", sorted({1, MAX}))
def test_parallel_kernel_runs_on_requested_threads(kernel, mode, threads):
    """`build(..., threads=t)` runs the parallel region on Numba threads 0 ... t-1 only."""
    counted = kernels.REGISTRY[kernel].variants[mode].check is not None
    func = probed(kernel, mode, _thread_ids_counted if counted else _thread_ids).build(mode, threads=threads)
    numba.set_num_threads(MAX)
    used = set(func(*kernels.REGISTRY[kernel].inputs(10)).tolist())
    assert used <= set(range(threads))
    if threads == 1 or kernels.threading_layer() != "tbb":  # tbb may leave a thread idle
        assert used == set(range(threads))
    assert numba.get_num_threads() == MAX


@pytest.mark.parametrize("mode", CHUNKED)
@pytest.mark.parametrize("threads", sorted({1, MAX}))
def test_chunked_modes_run_threads_tasks_concurrently(mode, threads):
    """threads/dask split the work into `threads` chunks that run at the same time on distinct threads."""
    barrier = threading.Barrier(threads, timeout=30)  # deadlock guard, not a timing assertion

    def chunk(x, means, widths, n):
        barrier.wait()
        return np.full(means.shape[0], threading.get_ident())

    func = probed("gaussians", mode, chunk).build(mode, threads=threads)
    assert func.threads == threads
    idents = func(*kernels.REGISTRY["gaussians"].inputs(1001))
    assert idents.shape == (1001,)
    assert len(set(idents.tolist())) == threads


@pytest.mark.parametrize(("kernel", "mode"), NUMBA_PARALLEL)
def test_concurrent_calls_from_python_threads(kernel, mode):
    """Parallel kernels on 1 and max threads, called from 4 Python threads at once, stay correct."""
    info = kernels.REGISTRY[kernel]
    args = info.inputs(20_000)
    expected = info.check(*args)
    funcs = [kernels.build(kernel, mode, threads=t) for t in (1, MAX)]
    barrier = threading.Barrier(4, timeout=30)

    def work(i):
        barrier.wait()
        before = numba.get_num_threads()
        results = [info.agrees(funcs[i % 2](*args), expected) for _ in range(10)]
        return all(results) and numba.get_num_threads() == before

    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(work, range(4))) == [True] * 4


CONCURRENT = """
    import threading
    from concurrent.futures import ThreadPoolExecutor

    import kernels

    print("layer", kernels.threading_layer(), flush=True)
    CALLS, SIZE = {calls}, {size}
    gaussians = kernels.REGISTRY["gaussians"]
    args = gaussians.inputs(SIZE)
    barrier = threading.Barrier(4)
    {setup}

    def work(i):
        barrier.wait()
        return all([{check} for _ in range(CALLS)])

    with ThreadPoolExecutor(4) as pool:
        print("correct", sum(pool.map(work, range(4))), "of 4", flush=True)
"""


def test_workqueue_guard_serialises_concurrent_calls():
    """Under workqueue, built parallel/prange kernels called from 4 threads run correctly, no abort."""
    setup = """
    expected_pi = kernels.REGISTRY["monte_carlo_pi_blocked"].reference(100_000, 7)
    near_pi = kernels.REGISTRY["monte_carlo_pi"].agrees
    funcs = [
        (
            kernels.build("gaussians", "parallel", threads=t),
            kernels.build("monte_carlo_pi_blocked", "prange", threads=t),
            kernels.build("monte_carlo_pi", "prange", threads=t),
        )
        for t in (1, kernels.max_threads())
    ]
    """
    check = (
        "gaussians.agrees(funcs[i % 2][0](*args), args) and funcs[i % 2][1](100_000, 7) == expected_pi"
        " and near_pi(funcs[i % 2][2](100_000), (100_000,))"
    )
    done = run_under(
        "workqueue", CONCURRENT.format(calls=20, size=100_000, setup=setup.strip(), check=check), timeout=180
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "layer workqueue" in done.stdout
    assert "correct 4 of 4" in done.stdout, done.stdout


def test_workqueue_aborts_without_the_guard():
    """Control: the raw dispatcher called from 4 threads under workqueue kills the process."""
    setup = "from kernels.catalog.gaussians import gaussians_parallel as raw; raw(*args)"
    done = run_under(
        "workqueue",
        CONCURRENT.format(calls=200, size=100_000, setup=setup, check="raw(*args) is not None"),
        timeout=180,
    )
    assert "layer workqueue" in done.stdout
    assert done.returncode != 0, done.stdout
    assert "Concurrent access" in done.stderr
    assert "correct" not in done.stdout
