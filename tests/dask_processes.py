"""Real `dask scheduler` and `dask worker` processes on 127.0.0.1 for the tests, logging to files."""

import json
import socket
import subprocess
import sys
import time
from pathlib import Path


def free_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(tmp: Path, name: str, *args: str) -> subprocess.Popen:
    """`python -m distributed.cli.dask_<name> *args` in `tmp`, appending to `tmp/<name>.log`."""
    with (tmp / f"{name}.log").open("a") as log:
        return subprocess.Popen(
            [sys.executable, "-m", f"distributed.cli.dask_{name}", *args], cwd=tmp, stdout=log, stderr=log
        )


def start_scheduler(tmp: Path, procs: list, port: int = 0) -> str:
    """Start a `dask scheduler` on `port` (0: a free one) of 127.0.0.1, appended to `procs`; its address."""
    scheduler_file = tmp / "scheduler.json"
    scheduler_file.unlink(missing_ok=True)
    args = ["--host", "127.0.0.1", "--port", str(port), "--no-dashboard", "--scheduler-file", str(scheduler_file)]
    procs.append(start(tmp, "scheduler", *args))
    deadline = time.monotonic() + 60
    while not scheduler_file.exists() and procs[-1].poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    return json.loads(scheduler_file.read_text())["address"]


def start_worker(tmp: Path, procs: list, address: str, nthreads: int) -> subprocess.Popen:
    """Start a `dask worker` without a nanny (its pid is the worker's), appended to `procs`."""
    procs.append(start(tmp, "worker", address, "--no-nanny", "--nthreads", str(nthreads), "--no-dashboard"))
    return procs[-1]


def stop(procs: list) -> None:
    """Terminate `procs`, last first, killing any that linger."""
    for proc in reversed(procs):
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
