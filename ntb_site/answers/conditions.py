"""Do the advisor's answers hold in a fresh script too?

The asv suite times every mode from a long-running session's allocator state (glibc's mmap
and trim thresholds raised: `benchmarks.common.steady_allocator`), where NumPy's
temporaries cost no page faults. A user's plain script starts from glibc's defaults, where
they can cost a fault per page on every call (docs/method.md, "The allocator's state"). So
after the asv runs the main job re-measures each answer of the advisor in that other
condition: per kernel, `PROCESSES` fresh processes (`ntb_site.answers.condition_worker
KERNEL fresh`), each timing only every size's fastest mode and its runner-up, interleaved,
as a user's script calls them, and counting the page faults per call of those timed calls. Both modes run in
the same process, so each process gives one paired ratio, runner-up / best, and the test
is the advisor's margin with a sign test on those pairs (5 processes: all beyond the margin
has p = 1/32 by chance; the advisor's unpaired test on the per-process medians would also
count how much the processes differ, which pairing cancels):

- *holds*: the fastest mode is ahead by more than `MARGIN` in every process: clear stays clear;
- *reversed*: the runner-up is ahead by more than `MARGIN` in every process: "in a
  long-running session A; in a fresh script B", with both figures and the environment that
  gives the first;
- otherwise *within noise* in a fresh script: the answer is not clear.

One more fresh process per kernel, timing nothing, counts the page faults per call of every
mode but the Dask ones, size after size as the timed ones run, mode after mode (before the
timed processes, two such processes at a time: `FAULT_WORKERS`); a mode's
fact (`FaultFacts`) is the most any process counted, since what ran before a mode in the
process moves its count. A mode with no fault per call allocates nothing glibc gives back
between calls, so the condition cannot move its time: the layer and Numba-versions pages,
measured in a long-running session's state only, state it per mode from these facts; and a
confirmed verdict between releases whose mode does fault is re-timed in fresh scripts of
both releases (`fresh_verdicts`). Checks and facts are stored beside asv's results, one
JSON line per run (``<results>/<machine>/ntb-conditions.jsonl``; asv reads only
``.json``), and `ntb_site.answers.advisor` attaches the newest one of its commit and
environment.

    python -m ntb_site.answers.conditions [--results DIR] [--machine NAME] [--processes 5] [--python PY]

The processes run the Python of the answers' asv environment where it exists (the same Numba
and NumPy), else this one. They share one Numba cache per interpreter for the run
(`condition_worker.SHARED_CACHE`): the counting processes compile every mode, the timed ones
load it, as a script whose functions use ``cache=True`` does. Compiling is not timed, and a
mode's page faults per call were the same either way (docs/method.md).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import statistics
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ntb_site.answers import condition_worker
from ntb_site.answers.condition_worker import FIX
from ntb_site.statistics.lead import MARGIN

PROCESSES = 5
"""Fresh processes per kernel: the fewest in which a sign test can show a lead (p < 0.05)."""
SAMPLES = 5
FAULT_WORKERS = 2
"""Fault-counting processes run at once: they time nothing, and the page faults a process
counts do not depend on what runs beside it (kde `numpy` at 1e6 counted 808 or 1,319 per
call, process by process, in 8 processes alone and in 8 run two at a time)."""
STORE = "ntb-conditions.jsonl"
FAULTLESS = 1.0
"""Fewer page faults per call than this: the mode allocates nothing that is given back."""


def per_call(count: float) -> str:
    """A count of page faults per call as printed: one decimal under 10 (0.6 is not 1, which
    would read as one page per call), whole numbers above."""
    return f"{count:.1f}".removesuffix(".0") if count < 10 else f"{count:,.0f}"


def in_both(mode: str, other: str, clear_in: str, tied_in: str) -> str:
    """The answer where the two conditions' fastest modes differ but only one lead is clear:
    `mode` in both, clearly ahead of `other` in one condition, within noise of it in the other."""
    return f"{mode} in both conditions: clearly ahead of {other} in {clear_in}, within noise of it in {tied_in}"


def in_each(session: str, script: str, evidence: str = "") -> str:
    """The answer where each condition's fastest mode is clearly ahead there: both, and the
    environment that puts a script in a long-running session's state."""
    return f"in a long-running session {session}; in a fresh script {script}{evidence}; set {FIX} to get the first"


@dataclass(frozen=True)
class FreshCheck:
    """One answer (`best` ahead of `runner_up` at `size`) re-measured in fresh scripts:
    per mode, one median per process, and the page faults per call."""

    kernel: str
    size: int
    best: str
    runner_up: str
    times: dict[str, list[float]]
    faults: dict[str, float]
    clear_in_session: bool = True
    """Whether asv's long-running-session rounds found `best` clearly ahead."""

    @property
    def ratios(self) -> list[float]:
        """runner-up / best, one per process."""
        return [r / b for r, b in zip(self.times[self.runner_up], self.times[self.best], strict=True)]

    @property
    def outcome(self) -> str:
        """``holds``, ``reversed`` or ``noise`` (module docstring)."""
        ratios = self.ratios
        if len(ratios) < PROCESSES:
            return "noise"
        if all(r > MARGIN for r in ratios):
            return "holds"
        return "reversed" if all(r < 1 / MARGIN for r in ratios) else "noise"

    @property
    def allocates(self) -> bool:
        """Whether either mode faults on every call in a fresh script (at least one page)."""
        return any(self.faults.get(mode, 0) >= FAULTLESS for mode in (self.best, self.runner_up))

    def describe(self) -> str:
        """The answer in a fresh script, in the advisor's words."""
        ratios = ", ".join(f"{r:.2f}" for r in self.ratios)
        faults = ", ".join(
            f"{mode} {per_call(self.faults[mode])}" if mode in self.faults else f"{mode} not counted"
            for mode in (self.best, self.runner_up)
        )
        evidence = f"{self.runner_up} / {self.best} per process: {ratios}; page faults per call: {faults}"
        if self.outcome == "holds":
            return f"holds in a fresh script ({evidence})"
        if self.outcome == "reversed" and not self.clear_in_session:  # no disagreement: asv saw no clear lead
            return in_both(self.runner_up, self.best, f"a fresh script ({evidence})", "a long-running session")
        if self.outcome == "reversed" and self.allocates:
            return in_each(self.best, self.runner_up, f" ({evidence})")
        if self.outcome == "reversed":
            return (
                f"{self.runner_up} ahead in fresh scripts, against asv's rounds ({evidence}): neither mode "
                "faults per call, so the allocator's state does not explain it; the two measurements disagree"
            )
        return f"within noise in a fresh script ({evidence})"

    def as_json(self) -> dict[str, Any]:
        return {
            "kernel": self.kernel,
            "size": self.size,
            "best": self.best,
            "runner_up": self.runner_up,
            "times": self.times,
            "faults": self.faults,
            "clear_in_session": self.clear_in_session,
            "ratios": self.ratios,
            "outcome": self.outcome,
            "text": self.describe(),
        }

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> FreshCheck:
        keys = ("kernel", "size", "best", "runner_up", "times", "faults")
        return cls(**{key: record[key] for key in keys}, clear_in_session=record.get("clear_in_session", True))


@dataclass(frozen=True)
class FreshVerdict:
    """A verdict between two releases (asv's, a long-running session's) re-timed in fresh
    scripts: per release one median per process, the releases' processes alternating
    (old, new, new, old, ...), so each pair of processes gives one ratio, new / old."""

    label: str
    releases: tuple[str, str]
    verdict: str
    old: list[float]
    new: list[float]
    factor: float

    @property
    def key(self) -> str:
        """``label old -> new``: how `FaultFacts.verdicts` finds it."""
        return verdict_key(self.label, self.releases)

    @property
    def ratios(self) -> list[float]:
        """new / old, one per pair of processes."""
        return [n / o for o, n in zip(self.old, self.new, strict=True)]

    @property
    def outcome(self) -> str:
        """``regression`` or ``improvement`` where every pair is beyond the factor (a sign
        test, as `FreshCheck`), else ``none``."""
        ratios = self.ratios
        if len(ratios) >= PROCESSES and all(r > self.factor for r in ratios):
            return "regression"
        if len(ratios) >= PROCESSES and all(r < 1 / self.factor for r in ratios):
            return "improvement"
        return "none"

    def describe(self) -> str:
        """The verdict in a fresh script, in the Numba-versions page's words."""
        evidence = f"new / old per pair of processes: {', '.join(f'{r:.2f}' for r in self.ratios)}"
        where = f"re-timed in {len(self.ratios)} fresh scripts per release"
        if self.outcome == self.verdict:
            return f"{where}: the {self.verdict} holds there too ({evidence})"
        if self.outcome == "none":
            return (
                f"{where}: not confirmed there ({evidence}: not every pair beyond {self.factor:.2f}x); "
                f"confirmed in a long-running session only"
            )
        return (
            f"{where}: a fresh script shows the other direction, {'an' if self.outcome[0] == 'i' else 'a'} "
            f"{self.outcome} ({evidence}); the "
            f"{self.verdict} is a long-running session's, which {FIX} gives a script"
        )

    def as_json(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ratios": self.ratios, "outcome": self.outcome, "text": self.describe()}

    @classmethod
    def from_json(cls, record: dict[str, Any]) -> FreshVerdict:
        keys = ("label", "verdict", "old", "new", "factor")
        return cls(releases=tuple(record["releases"]), **{key: record[key] for key in keys})


def verdict_key(label: str, releases: Sequence[str]) -> str:
    """How a comparison's re-timing is stored: ``label old -> new``."""
    return f"{label} {releases[0]} -> {releases[1]}"


@dataclass(frozen=True)
class FaultFacts:
    """Minor page faults per call in a fresh script: kernel -> mode -> size -> the most
    any process counted; and the verdicts between releases whose mode faults, re-timed in
    fresh scripts (`verdict_key` -> `FreshVerdict`)."""

    faults: dict[str, dict[str, dict[int, float]]]
    verdicts: dict[str, FreshVerdict] = field(default_factory=dict)

    def of(self, kernel: str, mode: str) -> dict[int, float] | None:
        """Per size, the faults of `mode` of `kernel`; None where not counted."""
        return self.faults.get(kernel, {}).get(mode)

    def needs_both(self, kernel: str, mode: str) -> bool | None:
        """Whether the allocator condition can move `mode`'s time (it faults at some size);
        None where not counted."""
        found = self.of(kernel, mode)
        return None if found is None else any(count >= FAULTLESS for count in found.values())

    def describe(self, kernel: str, mode: str) -> str:
        """``no page fault per call in a fresh script: the allocator's state cannot move it``,
        or the faults by size."""
        found = self.of(kernel, mode)
        if found is None:
            return "page faults per call in a fresh script: not counted"
        if not self.needs_both(kernel, mode):
            return "no page fault per call in a fresh script: the allocator's state cannot move it"
        sizes = ", ".join(f"{per_call(count)} at {size:,}" for size, count in sorted(found.items()))
        return f"page faults per call in a fresh script: {sizes} (none in a long-running session's state)"

    def describe_verdict(self, kernel: str, mode: str, key: str) -> str:
        """`describe`, then the verdict `key` (`verdict_key`) re-timed in fresh scripts where it was."""
        found = self.verdicts.get(key)
        return self.describe(kernel, mode) + ("" if found is None else f"; {found.describe()}")


def retime(
    kernel: str, mode: str, size: int, threads: int, pythons: Sequence[str], env: dict[str, str], processes: int
) -> tuple[list[float], list[float]]:
    """`mode` of `kernel` at `size` in `processes` fresh scripts under each of the two
    `pythons` (old, new), alternating old-new, new-old, ...: per release, each process's
    median of `SAMPLES` samples."""
    found: tuple[list[float], list[float]] = ([], [])
    for index in range(processes):
        for side in (0, 1) if index % 2 == 0 else (1, 0):
            done = condition_worker.run(
                kernel, "fresh", threads, SAMPLES, [size], modes=[mode], faults=(), python=pythons[side], env=env
            )
            found[side].append(statistics.median(done["times"][mode][str(size)]))
    return found


def fresh_verdicts(
    report, facts: FaultFacts, python_of: Callable[[str], str], env: dict[str, str], processes: int = PROCESSES
) -> FaultFacts:
    """`facts` with every confirmed verdict of `report` (a
    `ntb_site.answers.numba_versions.Report`) on a mode that faults in a fresh script at
    its size re-timed there (`retime`): the only verdicts the allocator's state can move.
    `python_of` maps an asv environment to its interpreter."""
    verdicts = dict(facts.verdicts)
    for step in report.steps:
        for c in step.comparisons:
            if c.verdict not in ("regression", "improvement") or ".Modes." not in c.benchmark:
                continue
            kernel, mode, size = c.benchmark.split(".")[0], c.params["mode"], int(c.params["size"])
            if (facts.of(kernel, mode) or {}).get(size, 0.0) < FAULTLESS:
                continue
            pythons = [python_of(step.old.env_name), python_of(step.new.env_name)]
            old, new = retime(kernel, mode, size, int(c.params["threads"]), pythons, env, processes)
            found = FreshVerdict(c.label, step.releases, c.verdict, old, new, report.factor)
            verdicts[found.key] = found
    return FaultFacts(facts.faults, verdicts)


def measure(
    advice, processes: int = PROCESSES, python: str = sys.executable, env: dict[str, str] | None = None
) -> tuple[list[FreshCheck], FaultFacts]:
    """Every answer of `advice` (a `ntb_site.answers.advisor.Advice`) with a runner-up,
    re-measured in `processes` fresh scripts, one process per kernel and round, after the
    page faults of every mode of its kernels are counted in one more process per kernel;
    the processes' environment `env` (default: this one's)."""
    from ntb_site.suite.plan import DASK_MODES  # imports kernels (Numba): only when measuring

    planned = []
    for name, kernel in advice.kernels.items():
        answers = [b for b in map(kernel.best, kernel.sizes) if b.runner_up]
        if not answers:
            continue
        pairs = {b.size: (b.mode, b.runner_up) for b in answers}
        # Not the Dask modes: they run the `threads` mode's kernel under Dask, whose start frees
        # blocks large enough to raise glibc's thresholds for the rest of the process (after
        # `dask` at 1e4, `kde` `numpy` faulted 0 times per call at 1e5 instead of 359)
        counted = [m for m in kernel.curves if m not in DASK_MODES]
        planned.append((name, answers, pairs, sorted(pairs), counted))
    # Counted first: with `env`'s shared cache these processes compile what the timed ones load.
    # A mode's faults depend on what ran before it in the process (after `prange`,
    # monte_carlo_pi_blocked `numpy` faulted 160 times per call at 1e5; alone, never):
    # the most counted during the timed pair's calls or in the kernel's order of modes
    alone = count_faults_of(
        [(name, sizes, counted, python) for name, _, _, sizes, counted in planned], advice.threads, env
    )
    timed = []
    for name, answers, pairs, sizes, counted in planned:
        timed_counted = [m for m in counted if any(m in pair for pair in pairs.values())]
        rounds = [
            condition_worker.run(
                name, "fresh", advice.threads, SAMPLES, sizes, at=pairs, faults=timed_counted, python=python, env=env
            )
            for _ in range(processes)
        ]
        timed.append((name, answers, rounds))
    checks = []
    faults: dict[str, dict[str, dict[int, float]]] = {}
    for name, answers, rounds in timed:
        found = alone.faults[name]
        for r in rounds:
            _keep_most(found, r["faults"])
        faults[name] = found
        for b in answers:
            pair = (b.mode, b.runner_up)
            times = {m: [statistics.median(r["times"][m][str(b.size)]) for r in rounds] for m in pair}
            counts = {m: faults[name][m][b.size] for m in pair if m in faults[name]}
            checks.append(FreshCheck(name, b.size, b.mode, b.runner_up, times, counts, b.clear_in_session))
    return checks, FaultFacts(faults)


def count_faults(
    kernel: str, sizes: Sequence[int], modes: Sequence[str], threads: int, pythons: Sequence[str], env: dict[str, str]
) -> FaultFacts:
    """The page faults per call of `modes` of `kernel` at `sizes` in a fresh script under
    each of `pythons` (one process each, nothing timed), the most any counted."""
    return count_faults_of([(kernel, sizes, modes, python) for python in pythons], threads, env)


def count_faults_of(
    requests: Sequence[tuple[str, Sequence[int], Sequence[str], str]], threads: int, env: dict[str, str] | None = None
) -> FaultFacts:
    """`count_faults` for each ``(kernel, sizes, modes, python)`` of `requests`, one
    process each, `FAULT_WORKERS` at a time; per kernel, mode and size the most any counted."""

    def counted(request: tuple[str, Sequence[int], Sequence[str], str]) -> dict:
        kernel, sizes, modes, python = request
        return condition_worker.run(kernel, "fresh", threads, 0, sizes, faults=modes, python=python, env=env)["faults"]

    found: dict[str, dict[str, dict[int, float]]] = {}
    with ThreadPoolExecutor(FAULT_WORKERS) as pool:
        for (kernel, *_), faults in zip(requests, pool.map(counted, requests), strict=True):
            _keep_most(found.setdefault(kernel, {}), faults)
    return FaultFacts(found)


def _keep_most(into: dict[str, dict[int, float]], faults: dict[str, dict[Any, float]]) -> None:
    """Per mode and size (int or str), the most of `into` and `faults`, kept in `into`."""
    for mode, by_size in faults.items():
        mine = into.setdefault(mode, {})
        for size, count in by_size.items():
            mine[int(size)] = max(count, mine.get(int(size), 0.0))


def store(results_dir: str | Path, advice, checks: Sequence[FreshCheck], facts: FaultFacts) -> Path:
    """Append the checks and fault facts of `advice`'s commit and environment to the
    machine's store."""
    path = Path(results_dir) / advice.machine / STORE
    record = {
        "commit": advice.commit,
        "environment": advice.env_name,
        "checks": [c.as_json() for c in checks],
        "faults": facts.faults,
        "verdicts": [v.as_json() for v in facts.verdicts.values()],
    }
    with path.open("a", encoding="utf-8") as out:
        out.write(json.dumps(record) + "\n")
    return path


def stored(
    results_dir: str | Path, machine: str, commit: str, environment: str | None = None
) -> tuple[dict[tuple[str, int], FreshCheck], FaultFacts]:
    """The newest stored record of `commit` (in `environment`, or any): (kernel, size) ->
    its check, and its fault facts; empty where none. Lines that do not parse (an
    interrupted write) are skipped."""
    path = Path(results_dir) / machine / STORE
    found: tuple[dict[tuple[str, int], FreshCheck], FaultFacts] = ({}, FaultFacts({}))
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            if record["commit"] != commit or environment not in (None, record["environment"]):
                continue
            checks = [FreshCheck.from_json(c) for c in record["checks"]]
            faults = {
                kernel: {mode: {int(size): float(n) for size, n in by_size.items()} for mode, by_size in modes.items()}
                for kernel, modes in record.get("faults", {}).items()
            }
            verdicts = {v.key: v for v in map(FreshVerdict.from_json, record.get("verdicts", []))}
        except (ValueError, KeyError, TypeError, AttributeError):
            continue
        found = ({(c.kernel, c.size): c for c in checks}, FaultFacts(faults, verdicts))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (module docstring): measure, store and print; exit 2 without Modes results."""
    from ntb_site.answers import advisor
    from ntb_site.suite import matrix

    parser = argparse.ArgumentParser(prog="python -m ntb_site.answers.conditions", description=__doc__.split("\n")[0])
    parser.add_argument("--results", default=".asv/results", help="asv results_dir (default: .asv/results)")
    parser.add_argument("--machine", help="machine name (default: the one with the newest results)")
    parser.add_argument("--processes", type=int, default=PROCESSES, help=f"fresh processes (default {PROCESSES})")
    parser.add_argument("--python", help="interpreter of the processes (default: the answers' asv environment's)")
    parser.add_argument("--config", default="asv.conf.json", help="asv config (default: asv.conf.json)")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error(f"--processes: expected a positive integer, got {args.processes}")
    advice = advisor.load(args.results, args.machine)
    if advice is None:
        print(f"conditions: {advisor.NO_DATA} ({args.results})", file=sys.stderr)
        return 2
    python = args.python
    if python is None:
        try:
            python = matrix.python_of(advice.env_name, args.config)
        except LookupError:
            python = sys.executable
    with tempfile.TemporaryDirectory(prefix="ntb-conditions-") as cache:
        env = {**os.environ, condition_worker.SHARED_CACHE: cache}
        checks, facts = measure(advice, args.processes, python, env)
        facts = release_verdicts(args.results, advice, facts, args.config, args.processes, env)
    path = store(args.results, advice, checks, facts)
    for check in checks:
        print(f"{check.kernel} at {check.size:,}: {check.describe()}")
    for verdict in facts.verdicts.values():
        print(f"{verdict.label} {verdict.releases[0]} -> {verdict.releases[1]}: {verdict.describe()}")
    print(f"written to {path}")
    return 0


def release_verdicts(
    results_dir: str, advice, facts: FaultFacts, config: str, processes: int, env: dict[str, str]
) -> FaultFacts:
    """`facts` with the page faults under the older release of every confirmed verdict of
    the Numba-versions report at `advice`'s commit (the answers counted them under the
    newest only) and the verdicts whose mode faults re-timed in fresh scripts
    (`fresh_verdicts`), the processes' environment `env`; `facts` as they are without such a report."""
    from ntb_site.answers import numba_versions
    from ntb_site.suite import matrix
    from ntb_site.suite.plan import DASK_MODES

    try:
        report = numba_versions.build_report(results_dir, advice.machine)
    except numba_versions.ReportError:
        return facts
    if report.commit != advice.commit:
        return facts
    python_of = partial(matrix.python_of, config=config)
    faults = {
        kernel: {mode: dict(by_size) for mode, by_size in modes.items()} for kernel, modes in facts.faults.items()
    }
    requests = []
    for step in report.steps:
        confirmed: dict[str, set[tuple[str, int]]] = {}
        for c in step.comparisons:
            if c.verdict in ("regression", "improvement") and ".Modes." in c.benchmark:
                if c.params["mode"] in DASK_MODES:  # not counted: see `measure`
                    continue
                confirmed.setdefault(c.benchmark.split(".")[0], set()).add((c.params["mode"], int(c.params["size"])))
        for kernel, points in sorted(confirmed.items()):
            modes, sizes = sorted({m for m, _ in points}), sorted({s for _, s in points})
            requests.append((kernel, sizes, modes, python_of(step.old.env_name)))
    for kernel, modes in count_faults_of(requests, advice.threads, env).faults.items():
        _keep_most(faults.setdefault(kernel, {}), modes)
    return fresh_verdicts(report, FaultFacts(faults, facts.verdicts), python_of, env, processes)


if __name__ == "__main__":
    sys.exit(main())
