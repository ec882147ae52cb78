"""The `distributed` mode: in-process LocalCluster by default, a real `dask scheduler` and
`dask worker` through DASK_SCHEDULER_ADDRESS, and a clear, prompt error for a dead address."""

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import dask
import numpy as np
import psutil
import pytest
from dask_processes import free_port, start_scheduler, start_worker, stop
from distributed import Client, get_task_stream

import kernels
from kernels import cluster

ROOT = Path(__file__).resolve().parents[1]
MAX = kernels.max_threads()
SIZES = {"gaussians": 10_001, "kde": 10_001, "monte_carlo_pi": 300_001, "monte_carlo_pi_blocked": 300_001}


def check(kernel, func, threads):
    """`func` agrees with the reference; seeded monte_carlo_pi_blocked bit for bit."""
    info = kernels.REGISTRY[kernel]
    args = info.inputs(SIZES[kernel])
    assert info.agrees(func(*args), info.check(*args)), (kernel, threads)
    if kernel == "monte_carlo_pi_blocked":
        assert func(300_001, 7) == info.reference(300_001, 7)


@pytest.mark.parametrize("threads", sorted({1, MAX}))
@pytest.mark.parametrize("kernel", list(kernels.REGISTRY))
def test_local_cluster_agrees(kernel, threads):
    """Without a configured scheduler every kernel runs on the in-process cluster and agrees."""
    assert cluster.scheduler_address() is None
    func = kernels.build(kernel, "distributed", threads=threads)
    check(kernel, func, threads)
    assert cluster.client().scheduler.address.startswith("inproc://")


def test_builds_share_one_in_process_cluster():
    """Many builds reuse one client and start no process."""
    children = psutil.Process().children(recursive=True)
    first = cluster.client()
    funcs = [kernels.build(k, "distributed", threads=t) for k in kernels.REGISTRY for t in (1, MAX, None)]
    assert cluster.client() is first
    assert len(first.scheduler_info()["workers"]) == 1
    assert psutil.Process().children(recursive=True) == children
    assert all(callable(f) for f in funcs)


@pytest.mark.parametrize("kernel", list(kernels.REGISTRY))
def test_bad_input_is_refused_before_dispatch(kernel):
    """Validation runs in the caller: the usual error, and no task reaches the cluster."""
    func = kernels.build(kernel, "distributed")
    bad = ("x", np.ones(3), np.ones(3)) if kernel in ("gaussians", "kde") else (0,)
    with get_task_stream(cluster.client()) as stream, pytest.raises((TypeError, ValueError)):
        func(*bad)
    assert stream.data == []


def test_interpreter_exits_cleanly():
    """A process that builds and calls distributed kernels exits promptly and without errors."""
    code = """
        import kernels
        for kernel, info in kernels.REGISTRY.items():
            for threads in (1, None):
                func = kernels.build(kernel, "distributed", threads=threads)
                assert info.agrees(func(*info.inputs(1000)), info.check(*info.inputs(1000)))
        print("done")
    """
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "done\n"
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr[-3000:]


@pytest.fixture(scope="module")
def external(tmp_path_factory):
    """A `dask scheduler` and one `dask worker` (no nanny) as subprocesses: `(address, worker pid)`."""
    tmp = tmp_path_factory.mktemp("dask")
    procs = []
    try:
        address = start_scheduler(tmp, procs)
        start_worker(tmp, procs, address, MAX)
        with Client(address, timeout=30, set_as_default=False) as probe:
            probe.wait_for_workers(1, timeout=60)
        yield address, procs[1].pid
        with dask.config.set({"scheduler-address": address}):
            cluster.client().close()
    finally:
        stop(procs)


@pytest.fixture
def on_external(external, monkeypatch):
    """DASK_SCHEDULER_ADDRESS (environment and Dask config) naming the external scheduler."""
    address, _ = external
    monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", address)
    with dask.config.set({"scheduler-address": address}):
        yield external


@pytest.mark.parametrize("kernel", list(kernels.REGISTRY))
def test_external_cluster_runs_every_kernel(on_external, kernel):
    """Every kernel runs on the external worker process, warmed up at build, and agrees."""
    address, worker_pid = on_external
    func = kernels.build(kernel, "distributed", threads=MAX)
    client = cluster.client()
    assert client.scheduler.address == address
    (worker,) = client.scheduler_info()["workers"]
    assert client.run(os.getpid) == {worker: worker_pid}
    chunk = kernels.REGISTRY[kernel].plan.function

    def signatures(dispatcher):
        return [str(sig) for sig in dispatcher.signatures]

    warmed = client.submit(signatures, chunk, pure=False).result()
    assert len(warmed) == 1  # compiled on the worker by build(), before any call
    with get_task_stream(client) as stream:
        check(kernel, func, MAX)
    assert {task["worker"] for task in stream.data} == {worker}
    assert len(stream.data) >= MAX
    assert client.submit(signatures, chunk, pure=False).result() == warmed  # no recompilation


def test_unreachable_scheduler_is_a_clear_prompt_error():
    """DASK_SCHEDULER_ADDRESS naming a closed port: ConnectionError naming it, within seconds."""
    address = f"tcp://127.0.0.1:{free_port()}"
    code = """
        import time, kernels
        start = time.monotonic()
        try:
            kernels.build("kde", "distributed")
        except ConnectionError as err:
            print(f"{time.monotonic() - start:.1f}", err)
    """
    env = {**os.environ, "DASK_SCHEDULER_ADDRESS": address}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seconds, message = done.stdout.split(" ", 1)
    assert float(seconds) < 15
    assert "DASK_SCHEDULER_ADDRESS" in message and address in message


def test_scheduler_without_workers_is_a_clear_prompt_error(tmp_path):
    """A scheduler with no worker: TimeoutError naming the address within seconds, not a hang."""
    procs = []
    try:
        address = start_scheduler(tmp_path, procs)
        with dask.config.set({"scheduler-address": address}):
            start = time.monotonic()
            with pytest.raises(TimeoutError, match="DASK_SCHEDULER_ADDRESS.*no worker") as err:
                kernels.build("gaussians", "distributed")
            assert time.monotonic() - start < 15
        assert address in str(err.value)
    finally:
        stop(procs)
