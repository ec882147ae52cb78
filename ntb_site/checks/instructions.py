"""Instructions per call, counted by Valgrind's callgrind: the gate's deterministic instrument.

On a shared 2-vCPU VM ten wall-time rounds a side detected a change only beyond 1.2–2.3×
(docs/figures.md). The instructions a call executes do not depend on what else the machine
runs: counted on two commits with the same code, every point's count moved by at most
0.06 %, so a 1.10× rise is seen every time. Instructions are not seconds: a change that
only moves memory traffic or parallelism shows in the wall-time rounds the gate keeps
beside this instrument, not here.

How (`count`): the commit's tree is extracted (``git archive``) and `count_worker.py` runs
on it twice with the asv environment's Python: natively, which compiles every cached Numba
function for the CPU that valgrind presents (``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES``:
valgrind 3.19 decodes no AVX-512, so Numba and NumPy run their AVX2 code under it), then
under ``valgrind --tool=callgrind --instr-atstart=no``, where only the calls themselves are
instrumented (callgrind's client requests, through a small C library compiled against
``valgrind/callgrind.h``). Threaded modes count every thread; their pool is OpenMP with
passive waiting (``NUMBA_THREADING_LAYER=omp``, ``OMP_WAIT_POLICY=PASSIVE``), so a waiting
thread sleeps instead of spinning instructions into the count.

`compare` judges each point: slower where head/base ≥ the point's factor and every head
count exceeds every base count; each row states the spread of its own counts, the smallest
change it could have seen. The factors sit below the wall-time targets (1.10× one thread,
1.25× threaded) because instructions and seconds differ by the kind of work: on the 2-vCPU
Xeon VM an extra ``np.exp`` over 3/10 of the input made the `gaussians` `numpy` mode 1.10×
slower and 1.25× more instructions (NumPy's exp is AVX-512 natively, AVX2 under valgrind),
four extra divisions per element made the `kde` `prange` loop 1.30× slower and only 1.20×
more instructions. An A/A of every point moves by at most 0.25 %.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import statistics
import subprocess
import tarfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import kernels
from ntb_site.suite.plan import DASK_MODES

WORKER = Path(__file__).with_name("count_worker.py")
CALLS = 2
FACTOR = 1.05
"""A single-threaded mode fails where its instructions per call rise beyond this."""
THREADED_FACTOR = 1.1
"""A threaded mode (every thread counted) fails where its instructions rise beyond this."""
"""Counted calls per point and commit: their spread is the row's noise."""
SHIM = r"""
#include <valgrind/callgrind.h>
void ntb_start(void) { CALLGRIND_START_INSTRUMENTATION; CALLGRIND_ZERO_STATS; }
void ntb_dump(const char *label) { CALLGRIND_DUMP_STATS_AT(label); CALLGRIND_STOP_INSTRUMENTATION; }
"""
ENVIRONMENT = {"PYTHONHASHSEED": "0", "NUMBA_THREADING_LAYER": "omp", "OMP_WAIT_POLICY": "PASSIVE"}
TIMEOUT = 1800
DUMP = re.compile(r"^desc: Trigger: Client Request: (.+)$|^totals: (\d+)", re.M)

Point = tuple[str, str, int, int]
"""kernel, mode, size, threads."""


class Unavailable(RuntimeError):
    """Valgrind, its headers or a C compiler is missing, or a counting process failed."""


def points(sizes: Iterable[int]) -> list[Point]:
    """Every mode Numba or NumPy runs alone (no Dask scheduler, too slow to count) of every
    kernel at `sizes`: single-threaded modes on 1 thread, threaded ones on all."""
    top = kernels.max_threads()
    return [
        (kernel, mode, size, top if kernels.MODE_INFO[mode].threaded else 1)
        for kernel, modes in kernels.MODES.items()
        for size in sizes
        for mode in modes
        if mode not in DASK_MODES
    ]


def compiler() -> str:
    """The C compiler for the client requests; Unavailable naming what is missing (checked
    before anything is measured)."""
    if shutil.which("valgrind") is None:
        raise Unavailable("valgrind: not installed (the Debian package valgrind; --wall-only skips the counts)")
    found = shutil.which("cc") or shutil.which("gcc")
    if found is None:
        raise Unavailable("cc: no C compiler to build the callgrind client requests")
    return found


def shim(folder: Path) -> Path:
    """The client-request library, compiled into `folder`; Unavailable naming what is missing."""
    source, library = folder / "ntb_callgrind.c", folder / "ntb_callgrind.so"
    source.write_text(SHIM)
    proc = subprocess.run(
        [compiler(), "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], capture_output=True, text=True
    )
    if proc.returncode:
        raise Unavailable(f"valgrind/callgrind.h: the client requests do not compile: {proc.stderr.strip()}")
    return library


def extract(commit: str, folder: Path) -> Path:
    """`commit`'s tree, extracted into `folder` by ``git archive``."""
    folder.mkdir(parents=True)
    archive = folder.with_suffix(".tar")
    subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), commit], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    archive.unlink()
    return folder


def valgrind_cpu(python: str) -> dict[str, str]:
    """``NUMBA_CPU_NAME``/``NUMBA_CPU_FEATURES`` of the CPU valgrind presents to `python`."""
    code = (
        "import llvmlite.binding as ll; ll.initialize_native_target(); "
        "print(ll.get_host_cpu_name()); print(ll.get_host_cpu_features().flatten())"
    )
    proc = subprocess.run(["valgrind", "--tool=none", "-q", python, "-c", code], capture_output=True, text=True)
    if proc.returncode:
        raise Unavailable(f"valgrind could not run {python}: {proc.stderr.strip()[-300:]}")
    name, features = proc.stdout.split()
    return {"NUMBA_CPU_NAME": name, "NUMBA_CPU_FEATURES": features}


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=env, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise Unavailable(f"{what}: stopped after {TIMEOUT} s") from None
    if proc.returncode:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise Unavailable(f"{what} failed (exit {proc.returncode}): {last}")


def read_dumps(folder: Path) -> dict[Point, list[int]]:
    """Point -> its counted calls' instructions, from callgrind's dump files in `folder`."""
    found: dict[Point, list[int]] = {}
    for path in sorted(folder.glob("callgrind.out*")):
        label = None
        for match in DUMP.finditer(path.read_text(errors="replace")):
            if match.group(1):
                label = match.group(1)
            elif label is not None:
                kernel, mode, size, threads, _ = label.split("|")
                found.setdefault((kernel, mode, int(size), int(threads)), []).append(int(match.group(2)))
                label = None
    return found


def count(tree: Path, python: str, wanted: Sequence[Point], library: Path, cpu: dict[str, str], out: Path):
    """Instructions of `CALLS` calls of each point of `wanted` with `tree`'s kernels, run
    by `python`; points `tree` lacks are absent. Unavailable when a process fails."""
    out.mkdir(parents=True)
    env = {**os.environ, **ENVIRONMENT, **cpu}
    env.pop("PYTHONPATH", None)
    work = [str(WORKER), str(tree), str(library), json.dumps([[*p, CALLS] for p in wanted])]
    _run([python, *work], env, f"compiling {tree.name}'s kernels")
    valgrind = ["valgrind", "--tool=callgrind", "--instr-atstart=no", "--smc-check=all-non-file"]
    valgrind += [f"--callgrind-out-file={out}/callgrind.out", "-q"]
    _run([*valgrind, python, *work], env, f"counting {tree.name}'s instructions")
    return read_dumps(out)


@dataclass(frozen=True)
class Row:
    """One point's instructions per call on both commits, and the verdict."""

    point: Point
    base: list[int]
    head: list[int]
    factor: float

    @property
    def label(self) -> str:
        """``kernel(size, 'mode', threads)``, as the wall-time table names a point."""
        kernel, mode, size, threads = self.point
        return f"{kernel}({size}, {mode!r}, {threads})"

    @property
    def ratio(self) -> float | None:
        if not self.base or not self.head:
            return None
        return statistics.median(self.head) / statistics.median(self.base)

    @property
    def detectable(self) -> float | None:
        """The smallest ratio this row could tell from noise: its counts' largest spread."""
        spreads = [max(c) / min(c) for c in (self.base, self.head) if c]
        return max(spreads) if spreads else None

    @property
    def verdict(self) -> str:
        """regression, improvement, none; ``new``/``gone`` where one commit lacks the point."""
        if not self.base or not self.head:
            return "new" if self.head else "gone"
        if self.ratio >= self.factor and min(self.head) > max(self.base):
            return "regression"
        if self.ratio <= 1 / self.factor and max(self.head) < min(self.base):
            return "improvement"
        return "none"

    def as_json(self) -> dict:
        kernel, mode, size, threads = self.point
        return {
            "kernel": kernel,
            "mode": mode,
            "size": size,
            "threads": threads,
            "base": self.base,
            "head": self.head,
            "ratio": self.ratio,
            "factor": self.factor,
            "detectable": self.detectable,
            "verdict": self.verdict,
        }


def compare(
    base: dict[Point, list[int]], head: dict[Point, list[int]], factor: float, threaded_factor: float
) -> list[Row]:
    """A `Row` per point of either commit; threaded modes judged at `threaded_factor`."""
    rows = []
    for point in sorted(set(base) | set(head)):
        threaded = kernels.MODE_INFO[point[1]].threaded if point[1] in kernels.MODE_INFO else False
        rows.append(Row(point, base.get(point, []), head.get(point, []), threaded_factor if threaded else factor))
    return rows


def table(rows: Sequence[Row]) -> str:
    """The instrument's table: instructions per call, ratio, factor, what it could see."""
    from tabulate import tabulate

    def cell(counts: list[int]) -> str:
        return f"{statistics.median(counts) / 1e6:,.2f} M" if counts else "–"

    return tabulate(
        [
            [
                r.label,
                cell(r.base),
                cell(r.head),
                "–" if r.ratio is None else f"{r.ratio:.4f}×",
                f"{r.factor:g}×",
                "–" if r.detectable is None else f"beyond {r.detectable:.4f}×",
                r.verdict,
            ]
            for r in rows
        ],
        ["instructions per call", "base", "head", "head/base", "fails at", "could detect", "verdict"],
        disable_numparse=True,
    )
