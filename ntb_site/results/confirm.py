"""The confirmation step: re-measure the timings a first look flagged, and remember which
rounds were the first look.

asv does the measuring: `asv run --interleave-rounds --append-samples -a rounds=N -b ...`
runs only the flagged benchmark × parameter sets, on both sides, interleaved in time, in
new processes, and appends their samples to the stored ones (nothing is lost or
overwritten). What asv lacks is a record of where the first look ended inside those
samples; `ntb-confirmations.jsonl` in the machine's results folder keeps it, one JSON line
per confirmed timing (asv reads only `*.json` files there, so it ignores this one). An
entry counts only while the results file still holds the number of rounds it recorded
(`after`): a later plain `asv run` replaces the samples and so retires the entry.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from asv.machine import Machine

from ntb_site.results import asv_results
from ntb_site.results.asv_results import Run
from ntb_site.statistics.rounds import round_values, selector

MANIFEST = "ntb-confirmations.jsonl"
CONFIRM_ROUNDS = 2
"""Rounds per side of a confirmation: two fresh processes each, interleaved."""


def manifest_path(results_dir: str | Path, machine: str) -> Path:
    """Where the confirmations of `machine` are recorded."""
    return Path(results_dir) / machine / MANIFEST


def _entries(path: Path) -> list[dict]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def round_counts(run: Run, benchmarks: Iterable[str] | None = None) -> dict[str, int]:
    """selector → rounds recorded, for the timings of `benchmarks` (None: all) in `run`."""
    names = sorted(run.result.get_all_result_keys()) if benchmarks is None else sorted(set(benchmarks))
    return {
        selector(m.benchmark, m.params): len(round_values(m, run.benchmarks.get(m.benchmark, {})))
        for name in names
        for m in run.measurements(name)
        if m.state == "ok"
    }


def first_look_rounds(results_dir: str | Path, run: Run) -> dict[str, int]:
    """selector → number of first-look rounds, for the timings of `run` that a still
    valid confirmation extended (see the module docstring)."""
    entries = [
        e
        for e in _entries(manifest_path(results_dir, run.machine))
        if (e["commit"], e["env"]) == (run.commit, run.env_name)
    ]
    current = round_counts(run, {e["benchmark"] for e in entries})
    return {e["selector"]: e["first"] for e in entries if current.get(e["selector"]) == e["after"]}


def record(results_dir: str | Path, before: Sequence[Run], after: Sequence[Run], selectors: set[str]) -> int:
    """Append one manifest line per selected timing that `after` holds more rounds of than
    `before` (the same runs, read before and after the confirmation); how many lines."""
    lines: list[tuple[str, str]] = []
    for old, new in zip(before, after, strict=True):
        earlier, first = first_look_rounds(results_dir, old), round_counts(old)
        for m in new.measurements():
            key = selector(m.benchmark, m.params)
            then = len(round_values(m, new.benchmarks.get(m.benchmark, {})))
            if key in selectors and m.state == "ok" and then > first.get(key, 0):
                entry = {"commit": new.commit, "env": new.env_name, "benchmark": m.benchmark, "selector": key}
                fields = {**entry, "first": earlier.get(key, first.get(key, 0)), "after": then}
                lines.append((new.machine, json.dumps(fields)))
    for machine in {line[0] for line in lines}:
        with manifest_path(results_dir, machine).open("a", encoding="utf-8") as handle:
            handle.write("".join(f"{text}\n" for name, text in lines if name == machine))
    return len(lines)


def asv_run(
    config: str | Path,
    commits: Sequence[str],
    envs: Sequence[str],
    bench: Iterable[str],
    machine: str,
    *,
    again: bool = True,
    rounds: int | None = None,
) -> int:
    """`asv run` over `commits` × `envs`, rounds interleaved in time and samples recorded:
    a first look (of `rounds` rounds, default: each benchmark's own), or with `again` a
    confirmation of `CONFIRM_ROUNDS` rounds appended to the stored samples. Output passes
    through; asv's exit status."""
    handle, hashfile = tempfile.mkstemp(prefix="ntb-commits-", suffix=".txt")
    with os.fdopen(handle, "w") as out:
        out.write("\n".join(commits) + "\n")
    args = ["run", f"HASHFILE:{hashfile}", "--interleave-rounds", "--record-samples", "--machine", machine]
    if again:
        args += ["--append-samples", "-a", f"rounds={CONFIRM_ROUNDS}"]
    elif rounds is not None:
        args += ["-a", f"rounds={rounds}"]
    args += [arg for env in envs for arg in ("-E", env)]
    args += [arg for regex in sorted(bench) for arg in ("-b", regex)]
    try:
        return run_asv(args, config)
    finally:
        os.unlink(hashfile)


def re_measure(
    results_dir: str | Path, flagged: set[str], runs: Callable[[], list[Run]], measure: Callable[[set[str]], object]
) -> None:
    """Confirm `flagged` (selectors): `measure` them again on the sides that `runs` reads
    back, and record where the first look ended."""
    before = runs()
    measure(flagged)
    record(results_dir, before, runs(), flagged)


def default_machine() -> str:
    """The machine name `asv machine --yes` gives this host."""
    return Machine.get_unique_machine_name()


def run_asv(args: Sequence[str], config: str | Path) -> int:
    """`python -m asv <args> --config <config>`, output passed through; its exit status."""
    return subprocess.call([sys.executable, "-m", "asv", *args, "--config", str(config)])


def find_runs(results_dir: str | Path, machine: str, sides: Sequence[tuple[str, str]]) -> list[Run]:
    """The stored runs of `sides` ((commit, environment) pairs) on `machine`, in order."""
    return [find_run(results_dir, machine, commit, env_name) for commit, env_name in sides]


def find_run(results_dir: str | Path, machine: str, commit: str, env_name: str) -> Run:
    """The stored run of `commit` in `env_name` on `machine`; LookupError naming them."""
    for run in asv_results.runs(results_dir, machine):
        if run.commit == commit and run.env_name == env_name:
            return run
    raise LookupError(f"no asv result for commit {commit[:8]} in environment {env_name} on machine {machine}")
