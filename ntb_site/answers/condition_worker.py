"""One fresh process of timings under one allocator condition: the given modes of one
kernel at every size, interleaved, then each mode's page faults per call; JSON on stdout.

    python -m ntb_site.answers.condition_worker KERNEL CONDITION THREADS SAMPLES SIZE[=MODE,MODE...]...
        [--modes MODE...] [--faults MODE...]

Run by ``ntb advise`` on a user's function (with ``NTB_USER_KERNELS``) and by
`ntb_site.answers.conditions` on the advisor's answers. Conditions: ``fresh``, a plain
script's (glibc's allocator as it starts; the sizes run ascending, so each starts from what
the smaller ones freed, as a script that grows its problem does), and ``steady``, a
long-running session's (one 32 MB block freed first, as the asv suite does:
`benchmarks.common.steady_allocator`). `--modes` are timed at every size written
without its own modes (default: every mode of the kernel; none where SAMPLES is 0),
`--faults` have their page faults counted (default: the timed modes; ``--faults`` alone:
none; where SAMPLES is not 0, only the modes timed at that size): a timed mode's over its own
timed calls, interleaved as they ran, after the first sample; without timing, over calls of
its own after as many untimed ones. Prints
``{"times": {mode: {size: [seconds per call, ...]}}, "faults": {mode: {size: minor page
faults per call}}}``: a mode with no fault per call in a fresh script allocates nothing
glibc returns to the system between calls, so the condition cannot move its time.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

CONDITIONS = ("fresh", "steady")
STEADY_BLOCK = 4_000_000
"""Float64 elements of the block freed for ``steady``: 32 MB, glibc's ceiling of its mmap threshold."""
FIX = "MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=67108864"
"""The environment that puts a fresh script's allocator in a long-running session's state."""
TARGET = 0.02
"""Seconds of calls per sample, as asv's `sample_time` of the Modes benchmarks."""
FAULT_CALLS = 5
TIMEOUT = 600
"""Seconds a measuring process may run before it is stopped."""
SHARED_CACHE = "NTB_WORKER_CACHE"
"""Where set in `run`'s environment: a folder under which each interpreter gets a Numba cache
folder of its own (``NUMBA_CACHE_DIR``), shared by the processes of one run. The first
process to build a mode compiles it and the others load it, as a script whose functions use
``cache=True`` does; one folder per interpreter, because Numba keeps one index per function
and discards one written by another release."""


class RoundFailed(RuntimeError):
    """A measuring process failed or ran past `TIMEOUT` (a fault, not bad input)."""


def run(
    kernel: str,
    condition: str,
    threads: int,
    samples: int,
    sizes: Sequence[int],
    *,
    modes: Sequence[str] = (),
    faults: Sequence[str] | None = None,
    at: Mapping[int, Sequence[str]] | None = None,
    python: str = sys.executable,
    env: dict[str, str] | None = None,
) -> dict:
    """This worker in a fresh `python` process (the module docstring's arguments; `at`: per
    size, the modes timed there instead of `modes`); its JSON. RoundFailed naming the
    condition with the process's last line, or its timeout.

    With `SHARED_CACHE` in the environment, the process uses that run's Numba cache. The
    interpreter's environment's ``lib/`` goes on the loader's path, where pip puts TBB
    and Intel's SVML runtime (as ``benchmarks/__init__.py`` preloads them for asv): without
    it the worker crashed (SIGSEGV) under Numba 0.61.2, which compiles SVML calls."""
    command = [python, "-m", "ntb_site.answers.condition_worker", kernel, condition, str(threads), str(samples)]
    at = at or {}
    command += [f"{s}={','.join(at[s])}" if s in at else str(s) for s in sizes]
    command += ["--modes", *modes] if modes else []
    command += [] if faults is None else ["--faults", *faults]
    environ = dict(env or os.environ)
    shared = environ.pop(SHARED_CACHE, None)
    if shared:
        environ["NUMBA_CACHE_DIR"] = str(Path(shared) / hashlib.sha256(python.encode()).hexdigest()[:16])
    lib = str(Path(python).parent.parent / "lib")
    environ["LD_LIBRARY_PATH"] = os.pathsep.join(filter(None, [lib, environ.get("LD_LIBRARY_PATH", "")]))
    try:
        proc = subprocess.run(command, capture_output=True, text=True, env=environ, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        raise RoundFailed(f"a {condition} round took over {TIMEOUT} s and was stopped") from None
    if proc.returncode:
        last = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        raise RoundFailed(f"a {condition} round failed (exit {proc.returncode}): {last}")
    return json.loads(proc.stdout)


def faults_per_call(kernel: str, size: int, modes: Sequence[str], threads: int) -> dict[str, float]:
    """Minor page faults per call of each mode (every thread of the process) over
    `FAULT_CALLS` calls, after as many untimed ones: a thread pool's first launches fault
    on pages it touches once, which a mode's steady calls do not."""
    import kernels
    from kernels.compare import minor_faults

    args = kernels.REGISTRY[kernel].inputs(size)
    found = {}
    for mode in modes:
        func = kernels.build(kernel, mode, threads=threads if kernels.MODE_INFO[mode].threaded else None)
        for _ in range(FAULT_CALLS):
            func(*args)
        before = minor_faults()
        for _ in range(FAULT_CALLS):
            func(*args)
        found[mode] = (minor_faults() - before) / FAULT_CALLS
    return found


def _size_and_modes(token: str) -> tuple[int, list[str] | None]:
    """``SIZE`` or ``SIZE=MODE,MODE``: the size and the modes it lists (None: not any)."""
    size, _, listed = token.partition("=")
    return int(size), listed.split(",") if listed else None


def _after_first(per_sample: Sequence[float]) -> float:
    """Faults per call over every sample but the first (each sample has as many calls)."""
    return sum(per_sample[1:]) / (len(per_sample) - 1)


def main(argv: Sequence[str] | None = None) -> int:
    """Time the round (module docstring)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    lists: dict[str, list[str] | None] = {"--faults": None, "--modes": None}
    for flag in lists:  # --faults last on the line, then --modes
        if flag in argv:
            at = argv.index(flag)
            argv, lists[flag] = argv[:at], argv[at + 1 :]
    modes, fault_modes = lists["--modes"], lists["--faults"]
    kernel, condition, threads, samples, *sizes = argv
    if condition not in CONDITIONS:
        raise SystemExit(f"worker: condition must be one of {', '.join(CONDITIONS)}")
    import numpy as np

    if condition == "steady":
        block = np.empty(STEADY_BLOCK)
        del block
    from kernels.compare import sample

    times: dict[str, dict[str, list[float]]] = {}
    faults: dict[str, dict[str, float]] = {}
    for size, listed in sorted(_size_and_modes(token) for token in sizes):
        timed = listed or modes
        sampled: dict[str, list[float]] = {}
        found = sample(kernel, size, int(samples), int(threads), timed, TARGET, sampled) if int(samples) else {}
        for mode, values in found.items():
            times.setdefault(mode, {})[str(size)] = values
        counted = list(found) if fault_modes is None else [m for m in fault_modes if not found or m in found]
        # A timed mode's count comes from its own timed calls (every sample but the first,
        # in place of `faults_per_call`'s untimed calls); the other modes' are counted after them
        counts = {mode: _after_first(sampled[mode]) for mode in counted if len(sampled.get(mode, ())) > 1}
        counts |= faults_per_call(kernel, size, [mode for mode in counted if mode not in counts], int(threads))
        for mode, count in counts.items():
            faults.setdefault(mode, {})[str(size)] = count
    print(json.dumps({"times": times, "faults": faults}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
