"""Pull-request gate: is the head commit slower than the base commit?

Both commits are benchmarked by asv in one environment, their rounds interleaved in time
(`asv run --interleave-rounds`, each round a fresh process per benchmark), then judged
by `ntb_site.statistics.verdicts`; every timing the first look flags is re-measured on both commits
(`ntb_site.results.confirm`) before it can fail the gate. The workflow
`.github/workflows/pr-gate.yml` runs::

    python -m ntb_site.checks.gate BASE HEAD [--factor 1.1] [--rounds 10] [-E ENV] [-b REGEX ...]

Without ``-b`` it times every mode at the compared thread count at 1e5 and 1e6 elements
(`ntb_site.suite.plan` ``top`` rows: the advisor's points, no n/a point spawned).

Exit status: 0 no confirmed slowdown, 1 a confirmed slowdown, 2 bad usage or asv failed.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from asv.config import Config

from ntb_site.results import confirm
from ntb_site.statistics import comparison
from ntb_site.statistics.rounds import selector
from ntb_site.suite import matrix, plan

EXIT_SLOWER = 1
EXIT_ERROR = 2


def resolve(commit: str) -> str:
    """Full sha of `commit`; ValueError naming it when git does not know it."""
    proc = subprocess.run(["git", "rev-parse", "--verify", f"{commit}^{{commit}}"], capture_output=True, text=True)
    if proc.returncode:
        raise ValueError(f"commit: git does not know {commit!r}")
    return proc.stdout.strip()


def _compare(results_dir: Path, machine: str, commits: list[str], env: str, factor: float) -> list:
    base, head = confirm.find_runs(results_dir, machine, [(c, env) for c in commits])
    return list(comparison.compare_runs(base, head, ("base", "head"), results_dir, factor=factor))


DEFAULT_FACTOR = 1.1
DEFAULT_ROUNDS = 10
DEFAULT_SIZES = (100_000, 1_000_000)


def gate(
    base: str,
    head: str,
    *,
    env: str,
    machine: str,
    config: str,
    factor: float,
    bench: Sequence[str],
    rounds: int = DEFAULT_ROUNDS,
) -> int:
    """Benchmark (`rounds` rounds a side, interleaved), compare, confirm; print the table;
    the exit status."""
    commits = [resolve(base), resolve(head)]
    results_dir = Path(Config.load(config).results_dir)
    if confirm.asv_run(config, commits, [env], bench, machine, again=False, rounds=rounds) not in (0, 2):
        return EXIT_ERROR
    found = _compare(results_dir, machine, commits, env, factor)
    flagged = {selector(c.benchmark, c.params) for c in found if c.verdict == "unconfirmed"}
    if flagged:
        confirm.re_measure(
            results_dir,
            flagged,
            partial(confirm.find_runs, results_dir, machine, [(c, env) for c in commits]),
            partial(confirm.asv_run, config, commits, [env], machine=machine),
        )
        found = _compare(results_dir, machine, commits, env, factor)
    print(f"\nbase {commits[0][:8]} -> head {commits[1][:8]} in {env} (factor {factor})\n")
    print(comparison.table((c, "") for c in found))
    return EXIT_SLOWER if any(c.verdict == "regression" for c in found) else 0


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="ntb gate", description=__doc__.split("\n")[0])
    parser.add_argument("base", help="base commit (e.g. the target branch tip)")
    parser.add_argument("head", help="head commit (e.g. the pull request's test merge)")
    parser.add_argument(
        "--factor", type=float, default=DEFAULT_FACTOR, help=f"slower beyond this fails (default {DEFAULT_FACTOR})"
    )
    parser.add_argument(
        "--rounds", type=int, default=DEFAULT_ROUNDS, help=f"first-look rounds per side (default {DEFAULT_ROUNDS})"
    )
    parser.add_argument("-E", "--environment", help="asv environment (default: the newest Numba of the matrix)")
    parser.add_argument(
        "-b", "--bench", action="append", default=[], help="asv --bench regex (repeatable; default: see above)"
    )
    parser.add_argument("--machine", default=None, help="asv machine name (default: asv's for this host)")
    parser.add_argument("--config", default="asv.conf.json", help="asv config (default: asv.conf.json)")
    args = parser.parse_args(argv)
    if not args.factor > 1:
        parser.error(f"--factor must be above 1, got {args.factor}")
    if args.rounds < 4:
        parser.error(f"--rounds must be at least 4 (fewer can never decide), got {args.rounds}")
    env = args.environment or matrix.newest_env(args.config)
    machine = args.machine or confirm.default_machine()
    try:
        bench = args.bench or plan.selectors("top", DEFAULT_SIZES)
        return gate(
            args.base,
            args.head,
            env=env,
            machine=machine,
            config=args.config,
            factor=args.factor,
            bench=bench,
            rounds=args.rounds,
        )
    except (ValueError, LookupError) as error:
        print(f"gate: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
