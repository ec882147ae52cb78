"""The `distributed.Client` behind the `distributed` mode: one per scheduler address and process,
and the bounded wait that turns a lost worker or scheduler into an error instead of a hang.

Without Dask's `scheduler-address` config (`DASK_SCHEDULER_ADDRESS`) the client runs an
in-process `LocalCluster(processes=False)`: one worker whose `max_threads()` threads run the
nogil chunk functions in this process, so arrays are not copied between processes and the
cluster starts in ~0.1 s (a process-based one took ~4 s to start and several times as long
per call at 1e6 elements on a 2-core machine). With the address set, the client connects
to that scheduler, so the same benchmark runs on a real cluster. Clients are cached and
closed at interpreter exit; one whose scheduler went away is replaced on next use.

Faults: Dask reruns the tasks of a dead worker on the others (the tasks carry their data
and have unique keys). A call fails with TimeoutError once its scheduler has had no worker,
or has not answered, for `no_workers_timeout()` seconds, and with ConnectionError as soon as
the connection to the scheduler is lost; its tasks are cancelled either way.
"""

import asyncio
import atexit
import contextlib
import threading
import time
import weakref
from collections.abc import Callable

import dask
from dask.utils import parse_timedelta
from distributed import Client, Future, LocalCluster
from distributed.client import FutureCancelledError

from .numba_threads import max_threads

CONNECT_TIMEOUT = 5.0
"""Seconds to reach a configured scheduler and for it to have a worker."""

NO_WORKERS_TIMEOUT = "kernels.no-workers-timeout"
"""Dask config key (environment: DASK_KERNELS__NO_WORKERS_TIMEOUT) of how long a call waits
while its scheduler has no worker or does not answer. Dask's own
`distributed.scheduler.no-workers-timeout` is the scheduler's setting (never, by default)."""

NO_WORKERS_TIMEOUT_DEFAULT = "60s"

_clients: dict[str | None, Client] = {}
_addresses: "weakref.WeakKeyDictionary[Client, str | None]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_submit = threading.Lock()


def scheduler_address() -> str | None:
    """The configured scheduler (`DASK_SCHEDULER_ADDRESS`), or None for the in-process cluster."""
    return dask.config.get("scheduler-address", None)


def no_workers_timeout() -> float:
    """Seconds a call waits for a worker, or for the scheduler to answer, before failing."""
    return float(parse_timedelta(dask.config.get(NO_WORKERS_TIMEOUT, NO_WORKERS_TIMEOUT_DEFAULT), default="s"))


def _connect(address: str | None) -> Client:
    if address is None:
        cluster = LocalCluster(processes=False, n_workers=1, threads_per_worker=max_threads(), dashboard_address=None)
        return Client(cluster, set_as_default=False)
    where = f"DASK_SCHEDULER_ADDRESS (Dask config 'scheduler-address') {address!r}"
    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, asyncio.TimeoutError) as err:  # distinct types before Python 3.11
        raise ConnectionError(f"{where}: no scheduler answered within {CONNECT_TIMEOUT:g} s ({err})") from err
    try:
        client.wait_for_workers(1, timeout=CONNECT_TIMEOUT)
    except asyncio.TimeoutError as err:
        client.close()
        raise TimeoutError(f"{where}: the scheduler has no worker after {CONNECT_TIMEOUT:g} s") from err
    return client


def _running(address: str | None) -> Client:
    with _lock:
        current = _clients.get(address)
        if current is None or current.status != "running":
            if current is not None:
                _close(current)
            current = _clients[address] = _connect(address)
            _addresses[current] = address
        return current


def client() -> Client:
    """The shared client for the configured scheduler, started or connected on first use
    (again if its scheduler went away); ConnectionError/TimeoutError naming the address
    within a few seconds where that scheduler or its workers cannot be reached."""
    return _running(scheduler_address())


def _renewed(current: Client) -> Client:
    """`current`, or the client replacing it if its connection closed (a restarted scheduler)."""
    if current.status == "running" or current not in _addresses:
        return current
    return _running(_addresses[current])


def run_tasks(client: Client, func: Callable, tasks: list[tuple]) -> list:
    """`[func(*task) for task in tasks]`, run as one graph on `client`'s cluster, with the
    bounded wait of `gather`. Each task's arguments travel in the graph once (zero-copy in
    process), so Dask's large-graph warning is lifted while submitting; the lock keeps
    concurrent calls from restoring that setting out of order."""
    client = _renewed(client)
    with _submit, dask.config.set({"distributed.admin.large-graph-warning-threshold": "1 PiB"}):
        futures = client.map(func, *zip(*tasks, strict=True), pure=False)
    return gather(client, futures)


def gather(client: Client, futures: list[Future]) -> list:
    """The results of `futures`. TimeoutError naming the scheduler once it has had no worker,
    or not answered, for `no_workers_timeout()` seconds; ConnectionError naming it when the
    connection to it is lost. The futures are cancelled on either error."""
    address = client.scheduler.address
    try:
        return client.sync(_gather, client, futures, address, no_workers_timeout())
    except FutureCancelledError as err:
        if err.reason != "scheduler-connection-lost":
            raise
        raise ConnectionError(f"lost the connection to the Dask scheduler at {address} during the call") from err


async def _workers(client: Client, timeout: float) -> int | None:
    """How many workers the scheduler has, or None if it does not answer within `timeout`."""
    try:
        identity = await asyncio.wait_for(client.scheduler.identity(n_workers=0), timeout)
    except (OSError, asyncio.TimeoutError):
        return None
    return identity["n_workers"]


async def _gather(client: Client, futures: list[Future], address: str, bound: float) -> list:
    results = asyncio.ensure_future(client.gather(futures, asynchronous=True))
    interval = min(1.0, bound / 4)
    seen = time.monotonic()
    while True:
        done, _ = await asyncio.wait({results}, timeout=interval)
        if done:
            return results.result()
        workers = await _workers(client, interval)
        if workers:
            seen = time.monotonic()
        elif time.monotonic() - seen > bound:
            await client.cancel(futures, asynchronous=True)
            with contextlib.suppress(FutureCancelledError):
                await results
            state = "has had no worker" if workers == 0 else "has not answered"
            raise TimeoutError(
                f"no worker left: the Dask scheduler at {address} {state} for {bound:g} s "
                f"(Dask config {NO_WORKERS_TIMEOUT!r}); the call's tasks were cancelled"
            )


def warm_up(client: Client, func: Callable, *args) -> None:
    """Call `func(*args)` once on every current worker of `client`, so that each compiles
    (or finds) the pickled Numba function before anything is timed; a task whose worker
    left meanwhile runs on another one."""
    workers = client.sync(client.scheduler.ncores, callback_timeout=CONNECT_TIMEOUT)
    gather(
        client,
        [client.submit(func, *args, workers=[worker], allow_other_workers=True, pure=False) for worker in workers],
    )


def _close(client: Client) -> None:
    """Close `client` (and its in-process cluster). A client whose scheduler died can fail
    to close, its own reconnect finding the connection pool closed (RuntimeError,
    CommClosedError): it is being replaced or the interpreter exits, so that is no fault of
    the caller's."""
    with contextlib.suppress(OSError, RuntimeError):
        client.close()
    if client.cluster is not None:
        client.cluster.close()


@atexit.register
def close() -> None:
    """Close every cached client and the in-process cluster; runs at interpreter exit."""
    with _lock:
        for current in _clients.values():
            _close(current)
        _clients.clear()
        _addresses.clear()
