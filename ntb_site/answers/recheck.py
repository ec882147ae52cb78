"""Re-measure an advisor answer independently of asv, to see whether it holds.

The advisor's times come from asv processes that each time one mode alone. The re-measurement
calls the answer's best mode and its runner-up *interleaved* through ``kernels.build``
(``python -m kernels.compare --json``: validated builds, about 20 ms of calls per sample,
one untimed call before each, the order reversed every other sample), in several fresh
processes; per process it takes the ratio of the medians, runner-up / best. An answer holds
where the best mode is the faster one in every process. ``python -m ntb_site.answers.advisor
--recheck KERNEL SIZE`` runs it on the answer of the stored results.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass

PROCESSES = 3
SAMPLES = 7
TARGET = 0.02
"""Seconds of calls per sample, as asv's `sample_time` of the Modes benchmarks."""


@dataclass(frozen=True)
class Recheck:
    """The re-measured ratios runner-up / best of one answer, one per fresh process."""

    kernel: str
    size: int
    best: str
    runner_up: str
    ratios: list[float]

    @property
    def holds(self) -> bool:
        """Whether the best mode was faster in every process."""
        return all(r > 1 for r in self.ratios)

    def describe(self) -> str:
        """``prange / numpy per process: 0.82, 0.85, 0.78: numpy faster in 0 of 3``."""
        faster = sum(r > 1 for r in self.ratios)
        values = ", ".join(f"{r:.2f}" for r in self.ratios)
        ahead = f"{self.best} faster in {faster} of {len(self.ratios)}"
        return f"{self.runner_up} / {self.best} per process: {values}: {ahead}"


def samples(
    kernel: str,
    size: int,
    modes: Sequence[str],
    threads: int,
    *,
    count: int = SAMPLES,
    target: float = TARGET,
    python: str = sys.executable,
) -> dict[str, list[float]]:
    """Seconds per call of `modes` in one fresh `python` process, interleaved (threaded
    modes on `threads` threads); RuntimeError with its stderr when the process fails."""
    command = [python, "-m", "kernels.compare", "--kernel", kernel, "--size", str(size), "--modes", *modes]
    command += ["--threads", str(threads), "--rounds", str(count), "--target", str(target), "--json"]
    proc = subprocess.run(command, capture_output=True, text=True)
    if proc.returncode:
        raise RuntimeError(f"{' '.join(command)} failed:\n{proc.stderr.strip()}")
    return json.loads(proc.stdout)[kernel]


def recheck(
    kernel: str,
    size: int,
    best: str,
    runner_up: str,
    threads: int,
    *,
    processes: int = PROCESSES,
    count: int = SAMPLES,
    target: float = TARGET,
    python: str = sys.executable,
) -> Recheck:
    """Re-measure `best` against `runner_up` in `processes` fresh processes."""
    ratios = []
    for _ in range(processes):
        found = samples(kernel, size, [best, runner_up], threads, count=count, target=target, python=python)
        ratios.append(statistics.median(found[runner_up]) / statistics.median(found[best]))
    return Recheck(kernel, size, best, runner_up, ratios)
