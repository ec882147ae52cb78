"""Numba-release report: one commit's timings under consecutive Numba releases.

For the newest commit with results under two or more Numba releases, every timing is
compared between consecutive releases (by ``packaging.version``), only between
environments that differ in the ``numba`` requirement alone, and judged by
:mod:`ntb_site.statistics.verdicts` on per-process rounds: a change is a regression or an
improvement only once a confirmation (:mod:`ntb_site.results.confirm`) agrees with the first
look; before that it is "unconfirmed". Beside each release step the report lists what
else changed in the environment, as the suite recorded it (llvmlite/LLVM, SVML, NumPy,
the threading layer's library), once per step; beside each timing, the *diagnosis*: what
changed in its own variant's compiled code (:mod:`ntb_site.answers.codegen`), or that nothing
recorded did, with links to the write-ups in ``docs/`` that explain it (:mod:`ntb_site.answers.writeups`).

``asv publish`` writes ``numba_versions.json`` and its page through
:mod:`ntb_site.pages.numba_versions_page`. From the repository root::

    python -m ntb_site.answers.numba_versions [--results .asv/results] [--machine NAME] [--factor 1.10]
    python -m ntb_site.answers.numba_versions --confirm [--config asv.conf.json]  # re-measure the first look's flags
    python -m ntb_site.answers.numba_versions --list-machines  # the machines with results, their facts

Every machine has its own report (:func:`per_machine`, ``ntb_site.results.machines``; releases are
compared on one machine only). Exit status: 0 no confirmed regression, 1 a confirmed
regression, 2 bad input (no results, no commit with two or more releases, unknown machine) or
bad usage.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from packaging.version import InvalidVersion, Version

from ntb_site.answers import codegen, conditions, writeups
from ntb_site.answers.conditions import FaultFacts
from ntb_site.results import asv_results, confirm, machines
from ntb_site.results.asv_results import Run
from ntb_site.results.machines import Section
from ntb_site.statistics import comparison
from ntb_site.statistics.comparison import Comparison, compare_runs
from ntb_site.statistics.rounds import selector
from ntb_site.statistics.verdicts import DEFAULT_FACTOR

DATA = "numba_versions.json"
EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2
NO_DATA = (
    "No results under several Numba releases yet: run another release of the matrix, e.g. "
    "`asv run HEAD^! -E ENVIRONMENT` with an environment from `python -m ntb_site.suite.matrix list`."
)
NO_REPORT = {"commit": None, "versions": [], "steps": [], "timeline": [], "comparisons": [], "message": NO_DATA}


class ReportError(Exception):
    """The results cannot give a report; the message says why."""


@dataclass(frozen=True)
class Step:
    """Two consecutive releases of one environment and their comparisons."""

    old: Run
    new: Run
    comparisons: list[Comparison]

    @property
    def releases(self) -> tuple[str, str]:
        """The two Numba versions."""
        return self.old.result.params["numba"], self.new.result.params["numba"]

    def changes(self) -> dict[str, list[Any]]:
        """What else differs between the two environments: version or fact → [old, new]."""
        before, after = _environment_facts(self.old), _environment_facts(self.new)
        return {
            key: [before.get(key), after.get(key)]
            for key in sorted(set(before) | set(after))
            if key != "numba" and before.get(key) != after.get(key)
        }

    def diagnoses(self) -> list[dict[str, Any] | None]:
        """Per comparison, what changed in the compiled code of its variant between the two
        releases (`codegen.diagnosis`) and the write-ups that explain it; None for a timing
        that names no mode."""
        old, new = codegen.recorded(self.old), codegen.recorded(self.new)
        numpy = self.changes().get("numpy")
        found = []
        for c in self.comparisons:
            mode = c.params.get("mode")
            if mode is None:
                found.append(None)
                continue
            kernel = c.benchmark.split(".")[0]
            diagnosis = codegen.diagnosis(kernel, mode, old, new, _direction(c))
            if diagnosis["code"] == "numpy" and numpy:
                diagnosis["changes"] = [f"{codegen.NOT_NUMBA}, NumPy {numpy[0]} → {numpy[1]}"]
            found.append({**diagnosis, "writeups": writeups.explaining(diagnosis["variant"], *self.releases)})
        return found


def _direction(c: Comparison) -> int:
    """+1 where `c` is slower (a regression, or a first look that found it slower), -1
    faster, 0 no change."""
    if c.verdict == "none":
        return 0
    if c.judgement is not None:
        return 1 if c.judgement.first_ratio > 1 else -1
    return 1 if c.verdict == "regression" else -1


def chain_label(run: Run) -> str:
    """What an environment chain shares besides the machine and Numba: its variables
    (e.g. ``NUMBA_THREADING_LAYER=omp``), else ``default``."""
    return ", ".join(f"{k}={v}" for k, v in sorted((run.result.env_vars or {}).items())) or "default"


def _environment_facts(run: Run) -> dict[str, Any]:
    """The recorded facts with every version once (`Versions.x` facts appear as `x`)."""
    env = run.environment
    return {**{k: v for k, v in env.facts.items() if not k.startswith("Versions.")}, **env.versions}


@dataclass(frozen=True)
class Report:
    """The release steps of one commit on one machine."""

    machine: str
    commit: str
    factor: float
    versions: list[str]
    steps: list[Step] = field(default_factory=list)
    allocator: FaultFacts = field(default_factory=lambda: FaultFacts({}))
    """Page faults per call in a fresh script at this commit (`ntb_site.answers.conditions`):
    whether the allocator's state, which asv pins to a long-running session's, could move a
    verdict's mode."""

    def allocator_of(self, c: Comparison, releases: tuple[str, str]) -> str | None:
        """The fault fact of a `Modes` comparison's kernel and mode, with its verdict
        between `releases` re-timed in fresh scripts where it was; None for other benchmarks."""
        if "mode" not in c.params or ".Modes." not in c.benchmark:
            return None
        key = conditions.verdict_key(c.label, releases)
        return self.allocator.describe_verdict(c.benchmark.split(".")[0], c.params["mode"], key)

    @property
    def comparisons(self) -> list[Comparison]:
        """Every comparison, confirmed verdicts first."""
        found = [c for step in self.steps for c in step.comparisons]
        return sorted(found, key=lambda c: comparison.VERDICT_ORDER[c.verdict])

    def count(self, verdict: str) -> int:
        """How many comparisons have `verdict`."""
        return sum(c.verdict == verdict for c in self.comparisons)

    def as_json(self) -> dict[str, Any]:
        """The report as written to ``numba_versions.json``."""
        runs = {step.old.env_name: step.old for step in self.steps} | {s.new.env_name: s.new for s in self.steps}
        return {
            "machine": self.machine,
            "commit": self.commit,
            "factor": self.factor,
            "versions": self.versions,
            "environments": {
                name: {"numba": run.result.params["numba"], "label": run.environment.label, **_environment_facts(run)}
                for name, run in sorted(runs.items())
            },
            "steps": [
                {
                    "from": step.releases[0],
                    "to": step.releases[1],
                    "environment": chain_label(step.new),
                    "changes": step.changes(),
                }
                for step in self.steps
            ],
            "timeline": _timeline(self.steps),
            "comparisons": [
                {
                    **c.as_json(),
                    "environment": chain_label(step.new),
                    "diagnosis": diagnosis,
                    "allocator": self.allocator_of(c, step.releases),
                }
                for step in self.steps
                for c, diagnosis in zip(step.comparisons, step.diagnoses(), strict=True)
            ],
        }


def _timeline(steps: list[Step]) -> list[dict[str, Any]]:
    """Per timing × environment, its value at every release of the chain: the median of
    its rounds, with the lowest and highest round (`low`, `high`)."""
    lines: dict[tuple[str, str, str], dict[str, Any]] = {}
    for step in steps:
        env = chain_label(step.new)
        for c in step.comparisons:
            key = (c.label, env, c.benchmark)
            line = lines.setdefault(
                key, {"benchmark": c.benchmark, "params": c.params, "environment": env, "points": {}}
            )
            for version, value, spread in ((c.old_label, c.old, c.old_spread), (c.new_label, c.new, c.new_spread)):
                if value is not None:
                    low, high = spread
                    line["points"][version] = {"version": version, "value": value, "low": low, "high": high}
    return [{**line, "points": list(line["points"].values())} for line in lines.values()]


def _release(run: Run) -> Version | None:
    try:
        return Version(run.result.params.get("numba", ""))
    except InvalidVersion:
        return None


def _chains(runs: list[Run]) -> list[list[Run]]:
    """Runs of one commit grouped by everything but the Numba release, each ordered by
    release; groups with a single release are dropped."""
    groups: dict[str, dict[Version, Run]] = {}
    for run in runs:
        version = _release(run)
        if version is not None:
            rest = {k: v for k, v in run.result.params.items() if k != "numba"}
            key = json.dumps([rest, run.result.env_vars or {}], sort_keys=True, default=str)
            groups.setdefault(key, {})[version] = run
    return [[group[v] for v in sorted(group)] for _, group in sorted(groups.items()) if len(group) >= 2]


def build_report(results_dir: str | Path, machine: str | None = None, factor: float = DEFAULT_FACTOR) -> Report:
    """Compare consecutive Numba releases at the newest commit that has several; ReportError
    when there is nothing to compare."""
    if not Path(results_dir).is_dir():
        raise ReportError(f"no asv results directory at {results_dir}")
    known = asv_results.machines(results_dir)
    if machine is not None and machine not in known:
        raise ReportError(f"no results for machine {machine!r} in {results_dir} (machines: {', '.join(known)})")
    by_commit: dict[tuple[int, str, str], list[Run]] = {}
    for run in asv_results.runs(results_dir, machine):
        by_commit.setdefault((run.date, run.commit, run.machine), []).append(run)
    candidates = [(key, chains) for key, runs in sorted(by_commit.items()) if (chains := _chains(runs))]
    if not candidates:
        raise ReportError(f"no commit has results under two or more Numba releases in {results_dir}")
    (_, commit, name), chains = candidates[-1]
    steps = [
        Step(
            old, new, list(compare_runs(old, new, (str(_release(old)), str(_release(new))), results_dir, factor=factor))
        )
        for chain in chains
        for old, new in itertools.pairwise(chain)
    ]
    versions = sorted({_release(run) for chain in chains for run in chain})
    return Report(name, commit, factor, [str(v) for v in versions], steps)


def load(results_dir: str | Path, machine: str, factor: float = DEFAULT_FACTOR) -> Report | None:
    """The report of `machine`, with the fault facts of its commit; None where it has nothing
    to compare."""
    try:
        report = build_report(results_dir, machine, factor)
    except ReportError:
        return None
    _, facts = conditions.stored(results_dir, report.machine, report.commit)
    return dataclasses.replace(report, allocator=facts)


def per_machine(results_dir: str | Path, factor: float = DEFAULT_FACTOR) -> list[Section[Report]]:
    """The report of every machine, each with its facts and whether it is old or partial
    (lacks a Numba release another machine has)."""
    return machines.sections(
        results_dir,
        lambda results, machine: load(results, machine, factor),
        lambda report: report.commit,
        lambda report: [f"Numba {version}" for version in report.versions],
        NO_DATA,
    )


FRESH_HEADING = "In a fresh script (asv times a long-running session's allocator state):"


def format_table(report: Report, notes: Sequence[str] = ()) -> str:
    """The report as a terminal table, verdicts first, with a one-line summary (and the `notes`:
    old or partial results, ``ntb_site.results.machines``), then the diagnosis of every flagged timing
    from its compiled code."""
    several = len({chain_label(step.new) for step in report.steps}) > 1
    rows = [(c, chain_label(step.new)) for step in report.steps for c in step.comparisons]
    why = [
        f"{c.label} {step.releases[0]} -> {step.releases[1]}:\n"
        + "".join(f"    {line}\n" for line in diagnosis["changes"])
        + "".join(f"    see {w['href'].removesuffix('.html')}.md: {w['title']}\n" for w in diagnosis["writeups"])
        for step in report.steps
        for c, diagnosis in zip(step.comparisons, step.diagnoses(), strict=True)
        if c.verdict != "none" and diagnosis
    ]
    fresh = [
        f"  {c.label} {step.releases[0]} -> {step.releases[1]}: {fact}\n"
        for step in report.steps
        for c in step.comparisons
        if report.allocator.faults
        and c.verdict in ("regression", "improvement")
        and (fact := report.allocator_of(c, step.releases))
    ]
    return (
        f"Numba releases {' -> '.join(report.versions)} at commit {report.commit[:8]} on machine {report.machine}"
        f" (factor {report.factor}; per-process rounds, confirmed before a verdict)\n"
        + "".join(f"{note}\n" for note in notes)
        + "\n"
        + comparison.table(rows, "environment" if several else "")
        + ("\n\nWhy, from the compiled code (ntb why):\n" + "".join(why) if why else "")
        + (f"\n\n{FRESH_HEADING}\n" + "".join(fresh) if fresh else "")
    )


def confirm_flagged(report: Report, results_dir: str | Path, config: str | Path) -> int:
    """Re-measure every unconfirmed timing, one asv run per release step; the number of
    timings confirmed or refuted. asv failures are reported on its output and leave the
    stored results as they were."""
    done = 0
    for step in report.steps:
        selectors = {selector(c.benchmark, c.params) for c in step.comparisons if c.verdict == "unconfirmed"}
        if not selectors:
            continue
        envs = [step.old.env_name, step.new.env_name]
        confirm.re_measure(
            results_dir,
            selectors,
            partial(confirm.find_runs, results_dir, report.machine, [(report.commit, env) for env in envs]),
            partial(confirm.asv_run, config, [report.commit], envs, machine=report.machine),
        )
        done += len(selectors)
    return done


def publish_data(html_dir: str | Path, found: list[Section[Report]]) -> dict[str, Any]:
    """Write ``numba_versions.json``: ``{"newest_commit", "machines": {name: report}}``, each
    report with ``machine_facts`` and ``status`` (`NO_REPORT` where it compares nothing); its content."""
    data = machines.as_json(found, Report.as_json, NO_REPORT)
    Path(html_dir, DATA).write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the report (after confirming, with --confirm); the exit status."""
    parser = argparse.ArgumentParser(prog="ntb versions", description=__doc__.split("\n")[0])
    parser.add_argument("--results", default=".asv/results", help="asv results_dir (default: .asv/results)")
    parser.add_argument("--machine", help="machine name (default: the one with the newest multi-release commit)")
    parser.add_argument("--factor", type=float, default=DEFAULT_FACTOR, help="as asv compare --factor (default 1.10)")
    parser.add_argument("--confirm", action="store_true", help="re-measure unconfirmed changes with asv first")
    parser.add_argument("--config", default="asv.conf.json", help="asv config for --confirm (default: asv.conf.json)")
    parser.add_argument("--list-machines", action="store_true", help="list the machines with results and exit")
    args = parser.parse_args(argv)
    if not args.factor > 1:
        parser.error(f"--factor must be above 1, got {args.factor}")
    done = machines.machine_options(
        "numba_versions", args.results, args.machine, args.list_machines, lambda: per_machine(args.results, args.factor)
    )
    if done is not None:
        return done
    try:
        report = build_report(args.results, args.machine, args.factor)
        if args.confirm and confirm_flagged(report, args.results, args.config):
            report = build_report(args.results, report.machine, args.factor)
    except ReportError as error:
        print(f"numba_versions: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    section = machines.find(per_machine(args.results, args.factor), report.machine)
    _, facts = conditions.stored(args.results, report.machine, report.commit)
    print(format_table(dataclasses.replace(report, allocator=facts), section.status.notes()))
    return EXIT_REGRESSION if report.count("regression") else 0


if __name__ == "__main__":
    sys.exit(main())
