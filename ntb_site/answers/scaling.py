"""Strong scaling, derived at publish time from ``<kernel>.Modes.time_kernel(size, mode, threads)``.

For every threaded mode at T threads and every size:

- ``speedup`` = time of the *same mode* at 1 thread / time at T threads, ``efficiency`` =
  speedup / T: how well the mode uses more threads, never measured against another mode;
- ``over_best_single`` = time of the fastest single-threaded implementation at that size
  (``numpy`` or ``serial``, whichever is faster) / time at T threads: what the threads buy
  over the best you could do on one.

Intervals: asv's 99 % interval widened to span every round's median
(``ntb_site.statistics.estimate``). An efficiency above :data:`SUPERLINEAR` (105 %) is never shown bare:
:func:`explain` says why it can happen.
One :class:`Scaling` per environment of the newest commit with Modes results, per machine
(:func:`per_machine`; machines are never compared).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ntb_site.results import asv_results, machines
from ntb_site.results.asv_results import MODES_PATTERN, MODES_TIMING, Environment, Run
from ntb_site.results.machines import Section
from ntb_site.statistics.estimate import Estimate

SINGLE_THREADED = ("numpy", "serial")
SUPERLINEAR = 1.05
NO_DATA = "No Modes results yet: run the Modes benchmarks (bash .ci/bench)."


@dataclass(frozen=True)
class Point:
    """One threaded mode at one size and thread count."""

    kernel: str
    size: int
    mode: str
    threads: int
    time: Estimate
    speedup: Estimate
    efficiency: Estimate
    best_single: str | None
    over_best_single: Estimate | None

    def as_json(self) -> dict[str, Any]:
        """JSON record of scaling.json."""
        return {
            "kernel": self.kernel,
            "size": self.size,
            "mode": self.mode,
            "threads": self.threads,
            "time": self.time.as_json(),
            "speedup": self.speedup.as_json(),
            "efficiency": self.efficiency.as_json(),
            "best_single": self.best_single,
            "over_best_single": self.over_best_single.as_json() if self.over_best_single else None,
            "explanation": explain(self),
        }


@dataclass(frozen=True)
class Scaling:
    """The scaling points of one results file."""

    machine: str
    commit: str
    environment: Environment
    points: list[Point]

    def as_json(self) -> dict[str, Any]:
        """JSON record of scaling.json."""
        return {
            "machine": self.machine,
            "commit": self.commit,
            "environment": self.environment.label,
            "versions": self.environment.versions,
            "points": [p.as_json() for p in self.points],
        }


def explain(point: Point) -> str | None:
    """Why an efficiency above 105 % can be real or is not significant; None at or below."""
    eff = point.efficiency
    if eff.value <= SUPERLINEAR:
        return None
    if eff.low <= SUPERLINEAR:
        return (
            "Within noise: the interval of this efficiency (asv's 99 % and every round), "
            f"[{eff.low:.0%}, {eff.high:.0%}], reaches "
            f"{SUPERLINEAR:.0%}; the 1-thread and {point.threads}-thread timings overlap too much to call it "
            "superlinear."
        )
    return (
        f"Superlinear beyond noise ([{eff.low:.0%}, {eff.high:.0%}]): {point.threads} threads share the work of one, "
        f"so each touches 1/{point.threads} of the {point.size:,}-element arrays; when that share fits in a cache "
        "level the whole does not, every thread runs faster than the single thread did. A busy or frequency-scaled "
        "core during the 1-thread timing has the same effect."
    )


def _by_params(run: Run, benchmark: str) -> dict[tuple[int, str, int], Estimate]:
    return {
        (m.params["size"], m.params["mode"], m.params["threads"]): Estimate.of(m, run.benchmarks.get(m.benchmark, {}))
        for m in run.measurements(benchmark)
        if m.state == "ok"
    }


def derive(run: Run, singles: Run | None = None) -> list[Point]:
    """The scaling points of every kernel in `run`; where `run` did not time ``numpy`` or
    ``serial`` at a size, `singles` (the same release under its default threading layer)
    gives them: neither mode starts Numba's threading layer (``kernels.Mode.on_layer``)."""
    points = []
    for key in run.keys(MODES_PATTERN):
        times = _by_params(run, key)
        stand_ins = _by_params(singles, key) if singles is not None else {}
        for (size, mode, threads), time in sorted(times.items()):
            one = times.get((size, mode, 1))
            if mode in SINGLE_THREADED or one is None:
                continue
            found = [(times.get((size, m, 1)) or stand_ins.get((size, m, 1)), m) for m in SINGLE_THREADED]
            found = [(t, m) for t, m in found if t is not None]
            best_time, best = min(found, key=lambda item: item[0].value) if found else (None, None)
            speedup = one / time
            points.append(
                Point(
                    kernel=key.removesuffix(MODES_TIMING),
                    size=size,
                    mode=mode,
                    threads=threads,
                    time=time,
                    speedup=speedup,
                    efficiency=speedup.scaled(1 / threads),
                    best_single=best,
                    over_best_single=best_time / time if best_time else None,
                )
            )
    return points


def load(results_dir: str | Path, machine: str | None = None) -> list[Scaling]:
    """One Scaling per environment of the newest commit with Modes results: newest Numba
    first and, within a release, the environment with the most benchmarks (the default
    threading layer, which also runs FirstCall/Memory/Validation) before the others."""
    runs = sorted(
        asv_results.newest_commit(asv_results.runs(results_dir, machine), MODES_PATTERN),
        key=lambda run: run.environment.label,
    )
    runs.sort(
        key=lambda run: (not run.environment.numba.is_prerelease, run.environment.numba, len(run.keys())), reverse=True
    )
    found, default_layer = [], {}
    for run in runs:
        default_layer.setdefault(run.environment.numba, run)  # the release's run with the most benchmarks
        singles = default_layer[run.environment.numba]
        points = derive(run, singles if singles is not run else None)
        if points:
            found.append(Scaling(run.machine, run.commit, run.environment, points))
    return found


def per_machine(results_dir: str | Path) -> list[Section[list[Scaling]]]:
    """The scaling of every machine, each with its facts and whether it is old or partial
    (lacks a kernel another machine has)."""
    return machines.sections(
        results_dir,
        lambda results, machine: load(results, machine) or None,
        lambda found: found[0].commit,
        lambda found: {f"kernel {p.kernel}" for s in found for p in s.points},
        NO_DATA,
    )


def site_json(found: list[Section[list[Scaling]]]) -> dict[str, Any]:
    """scaling.json: ``{"newest_commit", "machines": {name: {"environments": [...], machine_facts, status}}}``."""
    return machines.as_json(found, lambda envs: {"environments": [s.as_json() for s in envs]}, {"message": NO_DATA})
