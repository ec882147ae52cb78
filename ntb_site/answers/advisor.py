"""Which threading mode? Per kernel, on this machine and Numba release, from asv results.

Reads ``<kernel>.Modes.time_kernel(size, mode, threads)`` and
``<kernel>.FirstCall.timeraw_first_call(mode)`` of the newest commit (in its environment with
the newest Numba) and derives, per kernel at the machine's thread count (single-threaded
modes at one thread):

- the fastest mode at each size, and whether it is *clearly* ahead of the runner-up: its
  per-process rounds beat the runner-up's by more than 10 % with confidence
  (``ntb_site.statistics.lead``; two rounds a side can never show that);
- speedups over ``numpy`` and ``serial`` (with intervals);
- crossovers: the size above (or below) which a mode beats ``numpy`` / ``serial`` beyond
  noise (the ratio's interval below 1), interpolated log-log between the measured sizes;
- the first call (build + compile + first run in a fresh interpreter) and the number of calls
  after which a mode's extra first-call cost over ``numpy`` is paid back by its faster calls;
- whether each answer holds in a fresh script too (``ntb_site.answers.conditions``: asv times
  from a long-running session's allocator state): clear means clear in both conditions.

``asv publish`` writes it as the site's landing page (``ntb_site.pages.advisor_page``); in the
terminal::

    python -m ntb_site.answers.advisor [--results .asv/results] [--machine NAME] [--json]
    python -m ntb_site.answers.advisor --list-machines          # the machines with results, their facts
    python -m ntb_site.answers.advisor --recheck KERNEL SIZE    # re-measure one answer independently
    python -m ntb_site.answers.advisor --recheck-clear          # ... every answer called clear

Every machine is advised on its own (:func:`per_machine`, ``ntb_site.results.machines``); without
``--machine``, the one with the newest Modes results. ``--recheck`` times the best mode and its
runner-up interleaved in fresh processes (``ntb_site.answers.recheck``) and says whether the answer
holds. Exit status 2 when there are no ``Modes`` results (or no such answer or machine), 1 when
an answer called clear does not hold.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asv.util import human_time
from tabulate import tabulate

from ntb_site.answers import conditions, recheck
from ntb_site.answers.conditions import FreshCheck
from ntb_site.results import asv_results, machines
from ntb_site.results.asv_results import FIRST_CALL, MODES_PATTERN, MODES_TIMING, Run
from ntb_site.results.machines import Section
from ntb_site.statistics.estimate import Estimate
from ntb_site.statistics.lead import Lead, lead
from ntb_site.statistics.rounds import round_values

BASELINES = ("numpy", "serial")
REFERENCE = "numpy"  # compiles nothing: first-call costs and crossovers are measured against it
NO_DATA = "No Modes results yet: run the Modes benchmarks (bash .ci/bench)."


@dataclass(frozen=True)
class Crossover:
    """Where `mode` beats `baseline`: at each measured size, the ratio of their times
    (mode / baseline) with its interval. `mode` beats `baseline` at a size only where the
    whole interval lies below 1; where it contains 1 the two are within noise."""

    mode: str
    baseline: str
    ratios: dict[int, Estimate]

    @property
    def faster(self) -> list[int]:
        """The sizes where `mode` is faster beyond noise."""
        return [size for size, ratio in sorted(self.ratios.items()) if ratio.high < 1]

    def threshold(self, below: int, above: int) -> float:
        """The size between two measured ones where the ratio crosses 1, interpolated
        log-log (the geometric mean where it does not cross)."""
        (s1, r1), (s2, r2) = ((s, math.log(self.ratios[s].value)) for s in (below, above))
        fraction = r1 / (r1 - r2) if (r1 < 0) != (r2 < 0) else 0.5
        return math.exp(math.log(s1) + fraction * (math.log(s2) - math.log(s1)))

    def where(self) -> str:
        """``above ≈ 42,000 elements``, ``at every measured size``, ``at no measured size``..."""
        sizes, faster = sorted(self.ratios), self.faster
        if faster == sizes:
            return "at every measured size"
        if not faster:
            return "at no measured size"
        k = len(sizes) - len(faster)
        if faster == sizes[k:]:
            return f"above ≈ {self.threshold(sizes[k - 1], sizes[k]):,.0f} elements"
        if faster == sizes[: len(faster)]:
            return f"below ≈ {self.threshold(faster[-1], sizes[len(faster)]):,.0f} elements"
        return "at " + ", ".join(f"{size:,}" for size in faster) + " elements"

    def describe(self) -> str:
        """``parallel beats numpy above ≈ 42,000 elements`` and the like."""
        return f"{self.mode} beats {self.baseline} {self.where()}"

    def as_json(self) -> dict[str, Any]:
        """JSON record: the sentence, the sizes where it is faster and the ratios."""
        return {
            "baseline": self.baseline,
            "faster_at": self.faster,
            "ratios": {str(size): ratio.as_json() for size, ratio in sorted(self.ratios.items())},
            "text": self.describe(),
        }


@dataclass(frozen=True)
class Best:
    """The fastest mode at one size, and its lead over the runner-up (None without one)."""

    size: int
    mode: str
    time: Estimate
    runner_up: str | None
    lead: Lead | None
    fresh: FreshCheck | None = None
    """The same answer re-measured in fresh scripts (None: not measured)."""

    @property
    def clear_in_session(self) -> bool:
        """Whether it is clearly the fastest in asv's long-running-session condition."""
        return self.lead is None or self.lead.clear

    @property
    def clear(self) -> bool:
        """Whether it is clearly the fastest (`ntb_site.statistics.lead`) in both allocator
        conditions: a long-running session's (asv) and, where measured, a fresh script's."""
        return self.clear_in_session and (self.fresh is None or self.fresh.outcome == "holds")

    def condition(self) -> str:
        """The answer in a fresh script, in words ("" without a runner-up)."""
        if self.runner_up is None:
            return ""
        if self.fresh is None:
            return "a fresh script: not measured"
        return self.fresh.describe()


@dataclass(frozen=True)
class ModeCurve:
    """One mode of a kernel: time per call by size at its thread count, and first call."""

    mode: str
    threads: int
    times: dict[int, Estimate]
    first_call: Estimate | None
    rounds: dict[int, list[float]] = field(default_factory=dict)
    """Per size, one value per process (`ntb_site.statistics.rounds.round_values`)."""


@dataclass(frozen=True)
class KernelAdvice:
    """The derived answers for one kernel."""

    kernel: str
    threads: int
    curves: dict[str, ModeCurve]
    crossovers: list[Crossover] = field(default_factory=list)
    fresh: dict[int, FreshCheck] = field(default_factory=dict)
    """Per size, the answer re-measured in fresh scripts (`ntb_site.answers.conditions`)."""

    @property
    def sizes(self) -> list[int]:
        """Every size any mode was measured at."""
        return sorted({size for curve in self.curves.values() for size in curve.times})

    def best(self, size: int) -> Best:
        """The fastest mode measured at `size` (lowest median) and its runner-up: the fastest
        other mode it is not clearly ahead of, else the second fastest. Clear means clearly
        ahead of every other mode."""
        timed = [mode for mode, curve in self.curves.items() if size in curve.times]
        winner, *rest = sorted(timed, key=lambda mode: self.curves[mode].times[size].value)
        time = self.curves[winner].times[size]
        leads = {mode: lead(self._rounds(winner, size), self._rounds(mode, size)) for mode in rest}
        runner_up = next((mode for mode in rest if not leads[mode].clear), rest[0] if rest else None)
        found = leads.get(runner_up) if runner_up else None
        fresh = self.fresh.get(size)
        if fresh is not None and (fresh.best, fresh.runner_up) != (winner, runner_up):
            fresh = None  # measured for another answer
        elif fresh is not None:  # what these rounds say, should more have come since
            fresh = dataclasses.replace(fresh, clear_in_session=found is None or found.clear)
        return Best(size, winner, time, runner_up, found, fresh)

    def ahead(self, mode: str, other: str, size: int) -> bool:
        """Whether `mode` is clearly ahead of `other` at `size` (`ntb_site.statistics.lead`)."""
        return lead(self._rounds(mode, size), self._rounds(other, size)).clear

    def _rounds(self, mode: str, size: int) -> list[float]:
        curve = self.curves[mode]
        return curve.rounds.get(size) or [curve.times[size].value]

    def speedup(self, mode: str, size: int, baseline: str) -> Estimate | None:
        """Time of `baseline` / time of `mode` at `size`, where both were measured."""
        base = self.curves.get(baseline)
        if base is None or size not in base.times or size not in self.curves[mode].times:
            return None
        return base.times[size] / self.curves[mode].times[size]

    def pays_back_after(self, mode: str, size: int) -> int | None:
        """Calls after which `mode`'s extra first-call cost over numpy is recovered at
        `size` (1: no extra cost); None where it never is or was not measured."""
        numpy, curve = self.curves.get(REFERENCE), self.curves[mode]
        if numpy is None or numpy.first_call is None or curve.first_call is None:
            return None
        if size not in numpy.times or size not in curve.times:
            return None
        extra = curve.first_call.value - numpy.first_call.value
        gain = numpy.times[size].value - curve.times[size].value
        if extra <= 0:
            return 1
        return math.ceil(extra / gain) if gain > 0 else None

    def as_json(self) -> dict[str, Any]:
        """The kernel's record of advisor.json: best mode per size, then every mode."""
        best = [
            {
                "size": b.size,
                "mode": b.mode,
                "time": b.time.as_json(),
                "runner_up": b.runner_up,
                "clear": b.clear,
                "clear_in_session": b.clear_in_session,
                "lead": b.lead.as_json() if b.lead else None,
                "fresh_script": b.fresh.as_json() if b.fresh else None,
                **self._per_size(b.mode, b.size),
            }
            for b in map(self.best, self.sizes)
        ]
        modes = {
            mode: {
                "threads": curve.threads,
                "first_call": curve.first_call.as_json() if curve.first_call else None,
                "times": [
                    {"size": size, "time": time.as_json(), **self._per_size(mode, size)}
                    for size, time in sorted(curve.times.items())
                ],
                "crossovers": [c.as_json() for c in self.crossovers if c.mode == mode],
            }
            for mode, curve in self.curves.items()
        }
        return {"threads": self.threads, "sizes": self.sizes, "best": best, "modes": modes}

    def _per_size(self, mode: str, size: int) -> dict[str, Any]:
        speedups = {f"speedup_over_{b}": self.speedup(mode, size, b) for b in BASELINES}
        return {
            **{key: s.as_json() if s else None for key, s in speedups.items()},
            "pays_back_after_calls": self.pays_back_after(mode, size),
        }


@dataclass(frozen=True)
class Advice:
    """The advisor's answers for one commit in one environment on one machine."""

    machine: str
    commit: str
    environment: asv_results.Environment
    threads: int
    kernels: dict[str, KernelAdvice]
    env_name: str = ""
    """asv's name of the environment."""

    @property
    def simd(self) -> list[str]:
        """SIMD extensions the CPU reports (``environment.Cpu`` facts), where recorded."""
        return list(self.environment.facts.get("Cpu.flag", []))

    def heading(self) -> str:
        """Machine, CPU, SIMD flags, versions, layer and thread count in one line."""
        cpu = self.environment.machine.get("cpu", "unknown CPU")
        simd = f" ({', '.join(self.simd)})" if self.simd else ""
        return f"machine {self.machine}, {cpu}{simd}, {self.environment.label}, {self.threads} threads"

    def as_json(self) -> dict[str, Any]:
        """advisor.json."""
        env = self.environment
        return {
            "machine": self.machine,
            "commit": self.commit,
            "environment": {
                "label": env.label,
                "cpu": env.machine.get("cpu"),
                "num_cpu": env.machine.get("num_cpu"),
                "simd": self.simd,
                "versions": env.versions,
                "layer": env.layer,
                "threads": self.threads,
            },
            "kernels": {name: kernel.as_json() for name, kernel in self.kernels.items()},
        }


def _curves(run: Run, kernel: str, threads: int) -> dict[str, ModeCurve]:
    """Per mode: times at `threads` (at 1 where the mode is single-threaded: n/a above 1)."""
    by_mode: dict[str, dict[int, dict[int, asv_results.Measurement]]] = {}
    for m in run.measurements(kernel + MODES_TIMING):
        by_mode.setdefault(m.params["mode"], {}).setdefault(m.params["threads"], {})[m.params["size"]] = m
    first_calls = {
        m.params["mode"]: Estimate.of(m, run.benchmarks.get(m.benchmark, {}))
        for m in run.measurements(kernel + FIRST_CALL)
        if m.state == "ok"
    }
    curves = {}
    for mode, by_threads in by_mode.items():
        single = all(m.state == "n/a" for t, per_size in by_threads.items() if t > 1 for m in per_size.values())
        used = 1 if single else threads
        timed = {size: m for size, m in by_threads.get(used, {}).items() if m.state == "ok"}
        times = {size: Estimate.of(m, run.benchmarks.get(m.benchmark, {})) for size, m in timed.items()}
        rounds = {size: round_values(m, run.benchmarks.get(m.benchmark, {})) for size, m in timed.items()}
        if times:
            curves[mode] = ModeCurve(mode, used, times, first_calls.get(mode), rounds)
    return curves


def _timed(run: Run) -> list[asv_results.Measurement]:
    """Every Modes timing of `run` that has a value."""
    return [m for key in run.keys(MODES_PATTERN) for m in run.measurements(key) if m.state == "ok"]


def _kernels(run: Run) -> list[str]:
    """The kernels with Modes timings in `run`."""
    return sorted({m.benchmark.removesuffix(MODES_TIMING) for m in _timed(run)})


def crossovers(curves: dict[str, ModeCurve]) -> list[Crossover]:
    """Each mode against each baseline of `BASELINES` it is not (nor `REFERENCE`), where
    both were timed at a size: the time ratios by size, in the order of `curves`."""
    found = []
    for mode, curve in curves.items():
        for baseline in BASELINES:
            base = curves.get(baseline)
            if mode in (baseline, REFERENCE) or base is None:
                continue
            ratios = {s: t / base.times[s] for s, t in curve.times.items() if s in base.times}
            if ratios:
                found.append(Crossover(mode, baseline, ratios))
    return found


def advise(run: Run) -> Advice:
    """The advisor's answers from one results file."""
    measured = [m.params["threads"] for m in _timed(run)]
    threads = int(run.environment.facts.get("Numba.max_threads") or max(measured, default=1))
    advice = {}
    for kernel in _kernels(run):
        curves = _curves(run, kernel, threads)
        if curves:
            advice[kernel] = KernelAdvice(kernel, threads, curves, crossovers(curves))
    return Advice(run.machine, run.commit, run.environment, threads, advice, run.env_name)


def pick(results_dir: str | Path, machine: str | None = None) -> Run | None:
    """The results file to advise from: the newest commit with Modes results, in its
    environment with the newest Numba release (a pre-release only without one); among those
    (one per threading layer) the one with the most Modes results, then the most benchmarks
    (FirstCall runs under the default layer only), then the first by name."""
    runs = asv_results.newest_commit(asv_results.runs(results_dir, machine), MODES_PATTERN)
    runs = [run for run in runs if _kernels(run)]
    if not runs:
        return None
    return max(
        runs,
        key=lambda run: (
            not run.environment.numba.is_prerelease,
            run.environment.numba,
            len(_timed(run)),
            len(run.keys()),
        ),
    )


def load(results_dir: str | Path, machine: str | None = None) -> Advice | None:
    """The advice from `results_dir`, with the fresh-script checks stored for its commit and
    environment (`ntb_site.answers.conditions`); None without Modes results."""
    run = pick(results_dir, machine)
    if run is None:
        return None
    advice = advise(run)
    checks, _ = conditions.stored(results_dir, run.machine, run.commit, run.env_name)
    for name, kernel in advice.kernels.items():
        fresh = {size: check for (k, size), check in checks.items() if k == name}
        advice.kernels[name] = dataclasses.replace(kernel, fresh=fresh)
    return advice


def per_machine(results_dir: str | Path) -> list[Section[Advice]]:
    """The advice of every machine, each with its facts and whether it is old or partial
    (lacks a kernel another machine has)."""
    return machines.sections(
        results_dir, load, lambda a: a.commit, lambda a: [f"kernel {k}" for k in a.kernels], NO_DATA
    )


def site_json(found: list[Section[Advice]]) -> dict[str, Any]:
    """advisor.json: ``{"newest_commit", "machines": {name: Advice.as_json() + machine_facts, status}}``."""
    return machines.as_json(found, Advice.as_json, {"message": NO_DATA, "kernels": {}})


def _calls(mode: str, calls: int | None) -> str:
    if mode == REFERENCE:
        return "(reference)"
    return "never" if calls is None else f"{calls:,} call{'s' if calls > 1 else ''}"


def _speedup(estimate: Estimate | None) -> str:
    return "–" if estimate is None else f"{estimate.value:.2f}×"


FRESH_WORDS = {"holds": "holds", "reversed": "reversed", "noise": "within noise"}
"""The fresh-script outcome of an answer (`ntb_site.answers.conditions`) in the tables."""


def format_text(advice: Advice, notes: Sequence[str] = ()) -> str:
    """The answers as terminal tables, one block per kernel, after the heading and the `notes`
    (old or partial results: ``ntb_site.results.machines``)."""
    blocks = ["\n".join([f"Which mode? {advice.heading()}; commit {advice.commit[:8]}", *notes])]
    for kernel in advice.kernels.values():
        rows = [
            [
                f"{b.size:,}",
                b.mode,
                human_time(b.time.value),
                "–" if b.lead is None else f"{b.runner_up} ({b.lead.reason()})",
                _speedup(kernel.speedup(b.mode, b.size, "numpy")),
                _speedup(kernel.speedup(b.mode, b.size, "serial")),
                _calls(b.mode, kernel.pays_back_after(b.mode, b.size)),
                FRESH_WORDS[b.fresh.outcome] if b.fresh else "–",
            ]
            for b in map(kernel.best, kernel.sizes)
        ]
        header = ["size", "fastest", "time", "runner-up", "× numpy", "× serial", "pays back after", "fresh script"]
        table = tabulate(rows, header)
        fresh = [f"  {b.size:,}: {b.condition()}" for b in map(kernel.best, kernel.sizes) if b.runner_up]
        if fresh:
            table += "\n\nIn a fresh script (asv's times are a long-running session's):\n" + "\n".join(fresh)
        where = {(c.mode, c.baseline): c.where() for c in kernel.crossovers}
        modes = tabulate(
            [
                [
                    mode,
                    curve.threads,
                    human_time(curve.first_call.value) if curve.first_call else "–",
                    *(where.get((mode, b), "–") for b in BASELINES),
                ]
                for mode, curve in kernel.curves.items()
            ],
            ["mode", "threads", "first call", "beats numpy", "beats serial"],
        )
        blocks.append(f"{kernel.kernel} ({kernel.threads} threads)\n{table}\n\n{modes}")
    return "\n\n".join(blocks)


def recheck_answers(advice: Advice, answers: Sequence[tuple[str, int]], **options: Any) -> int:
    """Re-measure each (kernel, size) answer (`ntb_site.answers.recheck`) and print whether it holds;
    1 when an answer called clear does not hold, 2 when there is no such answer, else 0."""
    if not answers:
        print("advisor: no answer to re-measure (none is called clear)")
    status = 0
    for name, size in answers:
        kernel = advice.kernels.get(name)
        if kernel is None or size not in kernel.sizes or kernel.best(size).runner_up is None:
            print(f"advisor: no answer with a runner-up for {name} at {size:,} elements", file=sys.stderr)
            return 2
        b = kernel.best(size)
        threads = max(kernel.curves[m].threads for m in (b.mode, b.runner_up))
        again = recheck.recheck(name, size, b.mode, b.runner_up, threads, **options)
        verdict = "the claim holds" if again.holds else "the claim does NOT hold"
        print(f"{name} at {size:,}: {b.mode} ahead of {b.runner_up} ({b.lead.reason()})")
        print(f"  re-measured, interleaved in fresh processes: {again.describe()}")
        print(f"  {verdict if b.clear else 'nothing claimed (not clear)'}")
        if b.clear and not again.holds:
            status = 1
    return status


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the answers (advisor.json with --json), or re-measure some; the exit status."""
    parser = argparse.ArgumentParser(prog="ntb advise", description=__doc__.split("\n")[0])
    parser.add_argument("--results", default=".asv/results", help="asv results_dir (default: .asv/results)")
    parser.add_argument("--machine", help="machine name (default: the one with the newest results)")
    parser.add_argument("--list-machines", action="store_true", help="list the machines with results and exit")
    parser.add_argument("--json", action="store_true", help="print the machine's record of advisor.json")
    parser.add_argument("--recheck", nargs=2, metavar=("KERNEL", "SIZE"), help="re-measure one answer independently")
    parser.add_argument("--recheck-clear", action="store_true", help="re-measure every answer called clear")
    parser.add_argument("--processes", type=int, default=recheck.PROCESSES, help="fresh processes of a recheck")
    parser.add_argument("--samples", type=int, default=recheck.SAMPLES, help="samples per mode and process")
    parser.add_argument("--python", default=sys.executable, help="interpreter of a recheck (default: this one)")
    args = parser.parse_args(argv)
    if args.processes < 1 or args.samples < 1:
        parser.error("--processes and --samples must be positive")
    done = machines.machine_options(
        "advisor", args.results, args.machine, args.list_machines, lambda: per_machine(args.results)
    )
    if done is not None:
        return done
    advice = load(args.results, args.machine)
    if advice is None:
        print(f"advisor: {NO_DATA} ({args.results})", file=sys.stderr)
        return 2
    if args.recheck or args.recheck_clear:
        if args.recheck and not args.recheck[1].isdigit():
            parser.error(f"--recheck: SIZE must be a whole number, got {args.recheck[1]!r}")
        answers = [(args.recheck[0], int(args.recheck[1]))] if args.recheck else []
        answers += (
            [(k.kernel, b.size) for k in advice.kernels.values() for b in map(k.best, k.sizes) if b.lead and b.clear]
            if args.recheck_clear
            else []
        )
        options = {"processes": args.processes, "count": args.samples, "python": args.python}
        return recheck_answers(advice, answers, **options)
    section = machines.find(per_machine(args.results), advice.machine)
    record = machines.record(section, Advice.as_json, {})
    print(json.dumps(record, indent=1) if args.json else format_text(advice, section.status.notes()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
