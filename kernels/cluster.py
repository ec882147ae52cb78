"""The `distributed.Client` behind the `distributed` mode: one per scheduler address and process.

Without Dask's `scheduler-address` config (`DASK_SCHEDULER_ADDRESS`) the client runs an
in-process `LocalCluster(processes=False)`: one worker whose `max_threads()` threads run the
nogil chunk functions in this process, so arrays are not copied between processes and the
cluster starts in ~0.1 s (a process-based one took ~4 s to start and several times as long
per call at 1e6 elements on a 2-core machine). With the address set, the client connects
to that scheduler, so the same benchmark runs on a real cluster. Clients are cached and
closed at interpreter exit.
"""

import asyncio
import atexit
import threading
from collections.abc import Callable

import dask
from distributed import Client, LocalCluster

from .numba_threads import max_threads

CONNECT_TIMEOUT = 5.0
"""Seconds to reach a configured scheduler and for it to have a worker."""

_clients: dict[str | None, Client] = {}
_lock = threading.Lock()


def scheduler_address() -> str | None:
    """The configured scheduler (`DASK_SCHEDULER_ADDRESS`), or None for the in-process cluster."""
    return dask.config.get("scheduler-address", None)


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


def client() -> Client:
    """The shared client for the configured scheduler, started or connected on first use
    (again if its scheduler went away); ConnectionError/TimeoutError naming the address
    within a few seconds where that scheduler or its workers cannot be reached."""
    address = scheduler_address()
    with _lock:
        current = _clients.get(address)
        if current is None or current.status != "running":
            if current is not None:
                _close(current)
            current = _clients[address] = _connect(address)
        return current


def warm_up(client: Client, func: Callable, *args) -> None:
    """Call `func(*args)` once on every current worker of `client`, so that each compiles
    (or finds) the pickled Numba function before anything is timed."""
    workers = list(client.scheduler_info()["workers"])
    client.gather([client.submit(func, *args, workers=[worker], pure=False) for worker in workers])


def _close(client: Client) -> None:
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
