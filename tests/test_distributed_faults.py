"""Faults in the `distributed` mode on a real `dask scheduler` and `dask worker`s, killed or
stopped with signals mid-call: each call ends, with the right result or a clear error within
the bound (`kernels.no-workers-timeout`), and the next call works once the cluster is back."""

import math
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import dask
import pytest
from dask_processes import free_port, start_scheduler, start_worker, stop

import kernels
from kernels import cluster

ROOT = Path(__file__).resolve().parents[1]
BOUND = 4.0
"""The no-worker timeout of these tests, in seconds (the default, 60 s, is tested apart)."""
SLACK = 15.0
"""Seconds a call may take past an expected end on a loaded 2-core machine."""
LONG = 200_000_000
"""Samples of a monte_carlo_pi call lasting seconds, long enough to be killed mid-way."""


class Cluster:
    """A scheduler on a fixed port of 127.0.0.1 and its workers, as processes in `tmp`."""

    def __init__(self, tmp: Path):
        self.tmp, self.procs, self.port = tmp, [], free_port()
        self.address = self.start_scheduler()

    def start_scheduler(self) -> str:
        return start_scheduler(self.tmp, self.procs, self.port)

    def start_workers(self, count: int, nthreads: int) -> list[subprocess.Popen]:
        """`count` new workers, once the scheduler has them all."""
        workers = [start_worker(self.tmp, self.procs, self.address, nthreads) for _ in range(count)]
        expected = sum(proc.poll() is None for proc in self.procs) - 1
        with dask.config.set({"scheduler-address": self.address}):
            cluster.client().wait_for_workers(expected, timeout=60)
        return workers

    def signal(self, proc: subprocess.Popen, signum: int) -> None:
        os.kill(proc.pid, signum)
        if signum == signal.SIGKILL:
            proc.wait(10)


@pytest.fixture
def dask_cluster(tmp_path):
    """A `Cluster` without workers, configured as DASK_SCHEDULER_ADDRESS with a short bound."""
    spawned = Cluster(tmp_path)
    try:
        with dask.config.set({"scheduler-address": spawned.address, cluster.NO_WORKERS_TIMEOUT: BOUND}):
            yield spawned
    finally:
        for proc in spawned.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGCONT)
        cluster.close()
        stop(spawned.procs)


def in_background(func, *args) -> Future:
    """`func(*args)` in a daemon thread (a hung call cannot block the test run's exit)."""
    future = Future()

    def target():
        try:
            future.set_result(func(*args))
        except BaseException as err:  # handed to the test, which checks it
            future.set_exception(err)

    threading.Thread(target=target, daemon=True).start()
    return future


def busy_workers(timeout: float = 60) -> dict[str, int]:
    """`{worker address: pid}` of the workers that have tasks of the running call."""
    client = cluster.client()
    pids = client.run(os.getpid)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        busy = {worker: pids[worker] for worker, keys in client.processing().items() if keys}
        if busy:
            return busy
        time.sleep(0.05)
    raise AssertionError(f"no worker got a task within {timeout} s")


def outcome(future: Future, timeout: float) -> tuple[object, float]:
    """`(result or exception, seconds it took)` of a background call, failing if it is still running."""
    start = time.monotonic()
    try:
        value = future.result(timeout)
    except BaseException as err:  # the call's own error, or ours if it hangs
        value = err
    assert future.done(), f"the call still runs after {timeout} s"
    return value, time.monotonic() - start


def near_pi(estimate: object, nsamples: int) -> bool:
    """Whether a monte_carlo_pi estimate lies within 6 standard deviations of pi: a task lost
    or counted twice would put it far off."""
    p = math.pi / 4
    return abs(estimate - math.pi) < 6 * 4 * math.sqrt(p * (1 - p) / nsamples)


def scheduler_tasks(timeout: float = 5.0) -> int:
    """How many tasks the scheduler holds, polled until none or `timeout` s: it forgets
    cancelled tasks after it has answered the cancel (2 were left when read at once)."""
    deadline = time.monotonic() + timeout
    while True:
        count = cluster.client().run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if count == 0 or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


def check_recovered(func) -> None:
    """The same built function, and a new build, run correctly on the cluster as it is now."""
    assert near_pi(func(2_000_000), 2_000_000)
    assert near_pi(kernels.build("monte_carlo_pi", "distributed")(2_000_000), 2_000_000)


def test_only_worker_killed_is_a_clear_error_within_the_bound(dask_cluster):
    """The only worker SIGKILLed mid-call: TimeoutError naming the scheduler after ~BOUND s,
    the call's tasks are gone from the scheduler, and a new worker serves the next calls."""
    (worker,) = dask_cluster.start_workers(1, 2)
    func = kernels.build("monte_carlo_pi", "distributed")
    call = in_background(func, LONG)
    assert list(busy_workers().values()) == [worker.pid]
    dask_cluster.signal(worker, signal.SIGKILL)
    assert not call.done()
    error, seconds = outcome(call, BOUND + SLACK)
    assert isinstance(error, TimeoutError), error
    assert BOUND - 1 <= seconds <= BOUND + SLACK
    assert dask_cluster.address in str(error) and "no worker" in str(error)
    assert scheduler_tasks() == 0
    dask_cluster.start_workers(1, 2)
    check_recovered(func)


def test_worker_joining_within_the_default_bound_completes_the_call(dask_cluster):
    """The only worker SIGKILLed mid-call and a new one started: with the default bound
    (60 s) the call waits for it and returns the right result."""
    (worker,) = dask_cluster.start_workers(1, 2)
    with dask.config.set({cluster.NO_WORKERS_TIMEOUT: cluster.NO_WORKERS_TIMEOUT_DEFAULT}):
        assert cluster.no_workers_timeout() == 60
        func = kernels.build("monte_carlo_pi", "distributed")
        call = in_background(func, LONG)
        busy_workers()
        dask_cluster.signal(worker, signal.SIGKILL)
        assert not call.done()
        start_worker(dask_cluster.tmp, dask_cluster.procs, dask_cluster.address, 2)
        result, _ = outcome(call, 60)
    assert near_pi(result, LONG), result


def test_one_of_two_workers_killed_the_call_completes(dask_cluster):
    """One of two busy workers SIGKILLed mid-call: Dask reruns its task on the other worker
    and the call returns the right result."""
    workers = dask_cluster.start_workers(2, 1)
    func = kernels.build("monte_carlo_pi", "distributed", threads=2)
    call = in_background(func, LONG)
    deadline = time.monotonic() + 30
    while len(busy := busy_workers()) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    (victim,) = [proc for proc in workers if proc.pid == min(busy.values())]
    dask_cluster.signal(victim, signal.SIGKILL)
    assert not call.done()
    result, _ = outcome(call, 60 + SLACK)
    assert near_pi(result, LONG), result


def test_scheduler_killed_is_a_connection_error_then_a_restart_serves(dask_cluster):
    """The scheduler SIGKILLed mid-call: ConnectionError naming it within seconds; once a
    scheduler and a worker are back at that address, the same function and new builds work."""
    (worker,) = dask_cluster.start_workers(1, 2)
    func = kernels.build("monte_carlo_pi", "distributed")
    call = in_background(func, LONG)
    busy_workers()
    dask_cluster.signal(dask_cluster.procs[0], signal.SIGKILL)
    error, seconds = outcome(call, BOUND + SLACK)
    assert isinstance(error, ConnectionError), error
    assert dask_cluster.address in str(error)
    assert seconds <= BOUND
    dask_cluster.signal(worker, signal.SIGKILL)
    assert dask_cluster.start_scheduler() == dask_cluster.address
    dask_cluster.start_workers(1, 2)
    check_recovered(func)


def test_stopped_scheduler_is_a_clear_error_within_the_bound(dask_cluster):
    """The scheduler SIGSTOPped mid-call (no answer, connections open): TimeoutError naming
    it after ~BOUND s; resumed, it serves the same function again."""
    dask_cluster.start_workers(1, 2)
    func = kernels.build("monte_carlo_pi", "distributed")
    call = in_background(func, LONG)
    busy_workers()
    dask_cluster.signal(dask_cluster.procs[0], signal.SIGSTOP)
    error, seconds = outcome(call, BOUND + SLACK)
    assert isinstance(error, TimeoutError), error
    assert BOUND - 1 <= seconds <= BOUND + SLACK
    assert dask_cluster.address in str(error) and "not answered" in str(error)
    dask_cluster.signal(dask_cluster.procs[0], signal.SIGCONT)
    check_recovered(func)


def test_bound_is_read_from_the_environment():
    """DASK_KERNELS__NO_WORKERS_TIMEOUT sets the bound through Dask's configuration."""
    code = "from kernels import cluster; print(cluster.no_workers_timeout())"
    env = {**os.environ, "DASK_KERNELS__NO_WORKERS_TIMEOUT": "7s"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "7.0\n"
