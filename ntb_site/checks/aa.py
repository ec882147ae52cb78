"""A/A check: measure the same code twice and compare with the project's own method.

A method that flags a change between two runs of the same commit in the same environment
is measuring noise. This runs `asv run` for one commit under two machine names (the two
sides), one round per invocation, alternating A B, B A, ... so that drift hits both, then
compares the sides with `ntb_site.statistics.comparison`, confirms whatever the first look flags
with `CONFIRM_ROUNDS` more alternated rounds, and prints the table, with what each timing
could have detected (a quiet A/A run proves little where that is large)::

    python -m ntb_site.checks.aa [--rounds 4] [-E ENV] [-b REGEX ...] [--factor 1.10]

`-E existing:/path/to/python` measures an existing environment (results recorded under
the current commit).

The whole matrix's A/A compares two complete runs: run the matrix twice at one commit under
two machine names, then compare every environment both hold, and confirm what the first look
flags there with `STORED_CONFIRM_ROUNDS` more alternated rounds a side in that environment.
The two runs are an hour apart, so the VM's drift lies between the sides: those confirmation
rounds alone decide, by the first look's test (`judge`'s ``separate``)::

    ASV_MACHINE=vm-aa-a bash .ci/bench --all-releases
    ASV_MACHINE=vm-aa-b bash .ci/bench --all-releases     # reuses the environments
    ntb aa --runs vm-aa-a vm-aa-b [--commit HEAD] [--no-confirm] [-E existing:PYTHON]

Each side's own release verdicts are listed too (read before the confirmation, which
appends rounds to both sides): the same code measured twice must find the same ones. Exit
status: 0 no verdict, 1 a verdict (every one is false), 2 asv failed or no such runs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from asv.config import Config
from asv.environment import get_env_name

from ntb_site.checks.gate import resolve
from ntb_site.results import asv_results, confirm
from ntb_site.statistics import comparison
from ntb_site.statistics.comparison import Comparison
from ntb_site.statistics.rounds import selector
from ntb_site.statistics.verdicts import DEFAULT_FACTOR, can_decide
from ntb_site.suite import matrix

EXIT_VERDICT = 1
EXIT_ERROR = 2
STORED_CONFIRM_ROUNDS = 4
"""Confirmation rounds a side for two stored runs: the fewest the exact test decides on."""


def _round(config: str, commit: str, env: str, machine: str, bench: Sequence[str], append: bool) -> int:
    """One round of the selected benchmarks on one side; asv's exit status."""
    existing = env.startswith("existing:")
    args = ["run", *(["--set-commit-hash", commit] if existing else [f"{commit}^!"]), "-E", env]
    args += ["-a", "rounds=1", "--record-samples", "--machine", machine, "--show-stderr"]
    args += ["--append-samples"] if append else []
    for regex in bench:
        args += ["-b", regex]
    return confirm.run_asv(args, config)


def _rounds(config: str, commit: str, env: str, sides: Sequence[str], bench: Sequence[str], count: int, append: bool):
    for r in range(count):
        for machine in sides if r % 2 == 0 else sides[::-1]:
            if _round(config, commit, env, machine, bench, append or r > 0) not in (0, 2):
                raise RuntimeError(f"asv run failed for side {machine} in round {r + 1}")


def check(config: str, commit: str, env: str, sides: Sequence[str], bench: Sequence[str], rounds: int, factor: float):
    """Run the A/A check; `(first-look flags, comparisons after confirmation)`."""
    results_dir = Path(Config.load(config).results_dir)
    for machine in sides:
        confirm.run_asv(["machine", "--machine", machine, "--yes"], config)
    _rounds(config, commit, env, sides, bench, rounds, append=False)

    def runs():
        return [confirm.find_run(results_dir, machine, commit, env_name(env)) for machine in sides]

    def compare():
        a, b = runs()
        return list(comparison.compare_runs(a, b, tuple(sides), results_dir, factor=factor))

    found = compare()
    flagged = {selector(c.benchmark, c.params) for c in found if c.verdict != "none"}
    if flagged:
        confirm.re_measure(
            results_dir,
            flagged,
            runs,
            lambda keys: _rounds(config, commit, env, sides, sorted(keys), confirm.CONFIRM_ROUNDS, append=True),
        )
        found = compare()
    return len(flagged), found


def stored(
    results_dir: Path, commit: str, sides: Sequence[str], factor: float
) -> list[tuple[str, comparison.Comparison]]:
    """Every environment both machines `sides` hold results for at `commit`, compared
    (`sides[0]` old, `sides[1]` new): `(environment, comparison)` pairs; LookupError where
    they share none."""
    envs = [{run.env_name for run in asv_results.runs(results_dir, m) if run.commit == commit} for m in sides]
    shared = sorted(envs[0] & envs[1])
    if not shared:
        raise LookupError(f"runs: no environment with results at {commit[:8]} on both {' and '.join(sides)}")
    found = []
    for env in shared:
        a, b = (confirm.find_run(results_dir, machine, commit, env) for machine in sides)
        compared = comparison.compare_runs(a, b, tuple(sides), results_dir, factor=factor, separate=True)
        found += [(env, c) for c in compared]
    return found


def _release_verdicts(results_dir: Path, machine: str) -> list[str]:
    from ntb_site.answers import numba_versions

    report = numba_versions.load(results_dir, machine)
    if report is None:
        return []
    return sorted(
        f"{c.label} {c.old_label}->{c.new_label}: {c.verdict}"
        for c in report.comparisons
        if c.verdict in ("regression", "improvement")
    )


def confirm_stored(
    config: str,
    commit: str,
    sides: Sequence[str],
    flagged: Sequence[tuple[str, Comparison]],
    environments: Mapping[str, str],
) -> None:
    """Re-measure the `flagged` timings of two stored runs, environment by environment, with
    `STORED_CONFIRM_ROUNDS` alternated rounds a side appended to each run (asv's ``-E`` of
    an environment name: `environments`, else the name itself)."""
    results_dir = Path(Config.load(config).results_dir)
    by_env: dict[str, set[str]] = {}
    for env, c in flagged:
        by_env.setdefault(env, set()).add(selector(c.benchmark, c.params))
    for env, keys in sorted(by_env.items()):
        confirm.re_measure(
            results_dir,
            keys,
            lambda env=env: [confirm.find_run(results_dir, machine, commit, env) for machine in sides],
            lambda keys, env=env: _rounds(
                config, commit, environments.get(env, env), sides, sorted(keys), STORED_CONFIRM_ROUNDS, True
            ),
        )


def compare_stored(
    config: str,
    commit: str,
    sides: Sequence[str],
    factor: float,
    confirmed: bool = True,
    environments: Mapping[str, str] | None = None,
) -> int:
    """``--runs``: print the A/A of two stored runs (its first-look flags confirmed where
    `confirmed`, in `environments` as `confirm_stored`) and both sides' release verdicts;
    the exit status."""
    results_dir = Path(Config.load(config).results_dir)
    verdicts = {side: _release_verdicts(results_dir, side) for side in sides}
    found = stored(results_dir, commit, sides, factor)
    flagged = [(env, c) for env, c in found if c.verdict != "none"]
    print(f"\nA/A of stored runs {sides[0]} and {sides[1]} at {commit[:8]}: {len(found)} timings, ", end="")
    print(f"{len(flagged)} flagged at the first look (factor {factor}); a no change could have seen ", end="")
    print(f"{comparison.power_summary([c for _, c in found])}\n")
    if flagged and confirmed:
        confirm_stored(config, commit, sides, flagged, environments or {})
        found = stored(results_dir, commit, sides, factor)
        flagged = [(env, c) for env, c in found if c.verdict != "none"]
        print(f"\nafter the confirmation: {len(flagged)} flagged\n")
    print(comparison.table(((c, env) for env, c in flagged), "environment") if flagged else "nothing flagged")
    for side, lines in verdicts.items():
        print(f"\nrelease verdicts of {side} ({len(lines)}):")
        print("\n".join(f"  {line}" for line in lines) or "  none")
    only = set(verdicts[sides[0]]) ^ set(verdicts[sides[1]])
    print(f"\nrelease verdicts found by one side only: {len(only)}")
    print("\n".join(f"  {line}" for line in sorted(only)))
    return EXIT_VERDICT if any(c.verdict in ("regression", "improvement") for _, c in found) else 0


def env_name(env: str) -> str:
    """asv's environment name for `-E env` (an existing interpreter has its own)."""
    if env.startswith("existing:"):
        return get_env_name("existing", env.removeprefix("existing:"), {}, {})
    return env


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="ntb aa", description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=4, help="first-look rounds per side (default 4)")
    parser.add_argument("-E", "--environment", help="asv environment (default: the newest Numba of the matrix)")
    parser.add_argument("-b", "--bench", action="append", default=[], help="asv --bench regex (repeatable)")
    parser.add_argument("--factor", type=float, default=DEFAULT_FACTOR, help="as asv compare --factor (default 1.10)")
    parser.add_argument("--machine", default=None, help="asv machine name; sides are NAME-aa-a, NAME-aa-b")
    parser.add_argument("--commit", default="HEAD", help="commit to measure (default HEAD)")
    parser.add_argument("--config", default="asv.conf.json", help="asv config (default: asv.conf.json)")
    parser.add_argument(
        "--runs", nargs=2, metavar=("MACHINE_A", "MACHINE_B"), help="compare two stored runs, confirming their flags"
    )
    parser.add_argument("--no-confirm", action="store_true", help="with --runs: read only, measure nothing")
    args = parser.parse_args(argv)
    if not can_decide(args.rounds, args.rounds):
        parser.error(f"--rounds {args.rounds}: with so few rounds a side the exact test can show no change (4 can)")
    if not args.factor > 1:
        parser.error(f"--factor must be above 1, got {args.factor}")
    if args.runs:
        try:
            given = {env_name(args.environment): args.environment} if args.environment else {}
            return compare_stored(args.config, resolve(args.commit), args.runs, args.factor, not args.no_confirm, given)
        except (ValueError, LookupError, RuntimeError) as error:
            print(f"aa: {error}", file=sys.stderr)
            return EXIT_ERROR
    base = args.machine or confirm.default_machine()
    sides = [f"{base}-aa-a", f"{base}-aa-b"]
    env = args.environment or matrix.newest_env(args.config)
    try:
        flags, found = check(args.config, resolve(args.commit), env, sides, args.bench, args.rounds, args.factor)
    except (ValueError, LookupError, RuntimeError) as error:
        print(f"aa: {error}", file=sys.stderr)
        return EXIT_ERROR
    print(f"\nA/A: {len(found)} timings, {flags} flagged at the first look (factor {args.factor})\n")
    print(comparison.table((c, "") for c in found))
    return EXIT_VERDICT if any(c.verdict in ("regression", "improvement") for c in found) else 0


if __name__ == "__main__":
    sys.exit(main())
