"""Pull-request gate: is the head commit slower than the base commit?

Both commits are benchmarked by asv in one environment, their rounds interleaved in time
(`asv run --interleave-rounds`, each round a fresh process per benchmark), then judged
by `ntb_site.statistics.verdicts`; every timing the first look flags is re-measured on both commits
(`ntb_site.results.confirm`) before it can fail the gate. The workflow
`.github/workflows/pr-gate.yml` runs::

    ntb gate BASE HEAD [--factor 1.1] [--rounds 6] [-E ENV] [-b REGEX ...]
             [--instructions-factor 1.05] [--threaded-instructions-factor 1.1] [--wall-only] [--json OUT]

Without ``-b`` it times every mode at the compared thread count at 1e5 and 1e6 elements
(`ntb_site.suite.plan` ``top`` rows: the advisor's points, no n/a point spawned).

Beside the wall-time rounds, which fail a confirmed slowdown beyond `--factor`, the
deterministic instrument (`ntb_site.checks.instructions`) counts the instructions per call
of every mode but the Dask ones at the same sizes on both commits under Valgrind's
callgrind: it fails a single-threaded mode whose instructions rose beyond
`--instructions-factor` and a threaded mode's (all threads counted) beyond
`--threaded-instructions-factor`. It sees the 1.10× single-threaded and 1.25× threaded
slowdowns that ten wall-time rounds on 2 shared cores cannot (docs/workflows.md).
``--wall-only`` skips it (no Valgrind).

Exit status: 0 no confirmed slowdown, 1 a confirmed slowdown (either instrument), 2 bad
usage, asv failed or the instruments could not run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from asv.config import Config

from ntb_site.checks import instructions
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
DEFAULT_ROUNDS = 6
DEFAULT_SIZES = (100_000, 1_000_000)


def count_instructions(commits: Sequence[str], python: str, factors: tuple[float, float]) -> list[instructions.Row]:
    """Both commits' instructions per call (`ntb_site.checks.instructions`), counted side
    by side (one valgrind process per commit), compared."""
    with tempfile.TemporaryDirectory(prefix="ntb-gate-") as work:
        folder = Path(work)
        library = instructions.shim(folder)
        cpu = instructions.valgrind_cpu(python)
        wanted = instructions.points(DEFAULT_SIZES)
        base_tree = instructions.extract(commits[0], folder / "base")
        head_tree = instructions.extract(commits[1], folder / "head")

        def counted(tree: Path) -> dict:
            return instructions.count(tree, python, wanted, library, cpu, folder / f"{tree.name}-counts")

        with ThreadPoolExecutor(2) as pool:
            base, head = pool.map(counted, (base_tree, head_tree))
    return instructions.compare(base, head, *factors)


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
    instruction_factors: tuple[float, float] | None = (instructions.FACTOR, instructions.THREADED_FACTOR),
    json_out: str | None = None,
) -> int:
    """Benchmark (`rounds` rounds a side, interleaved), compare, confirm; with
    `instruction_factors` (single-threaded, threaded) count instructions too (None: wall
    time only); print the tables, write them to `json_out`; the exit status."""
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
    counted: list[instructions.Row] = []
    if instruction_factors is not None:
        single, threaded = instruction_factors
        print(f"\ninstructions per call (callgrind): one thread fails at {single}×, threaded at {threaded}×\n")
        counted = count_instructions(commits, matrix.python_of(env, config), instruction_factors)
        print(instructions.table(counted))
    if json_out:
        record = {
            "base": commits[0],
            "head": commits[1],
            "environment": env,
            "wall_time": [c.as_json() for c in found],
            "instructions": [r.as_json() for r in counted],
        }
        Path(json_out).write_text(json.dumps(record, indent=1) + "\n")
    slower = [c.label for c in found if c.verdict == "regression"]
    slower += [r.label for r in counted if r.verdict == "regression"]
    print(f"\ngate: {'fails: ' + str(len(slower)) + ' slower' if slower else 'passes'}")
    return EXIT_SLOWER if slower else 0


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="ntb gate", description=__doc__.split("\n")[0])
    parser.add_argument("base", help="base commit (e.g. the target branch tip)")
    parser.add_argument("head", help="head commit (e.g. the pull request's test merge)")
    parser.add_argument(
        "--factor", type=float, default=DEFAULT_FACTOR, help=f"slower beyond this fails (default {DEFAULT_FACTOR})"
    )
    parser.add_argument(
        "--instructions-factor",
        type=float,
        default=instructions.FACTOR,
        help=f"a single-threaded mode's instructions rising beyond this fail (default {instructions.FACTOR})",
    )
    parser.add_argument(
        "--threaded-instructions-factor",
        type=float,
        default=instructions.THREADED_FACTOR,
        help=f"a threaded mode's instructions rising beyond this fail (default {instructions.THREADED_FACTOR})",
    )
    parser.add_argument("--wall-only", action="store_true", help="wall-time rounds only: no instruction counts")
    parser.add_argument("--json", metavar="OUT", help="write both tables as JSON to OUT")
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
    for name in ("factor", "instructions_factor", "threaded_instructions_factor"):
        if not getattr(args, name) > 1:
            parser.error(f"--{name.replace('_', '-')} must be above 1, got {getattr(args, name)}")
    if args.rounds < 4:
        parser.error(f"--rounds must be at least 4 (fewer can never decide), got {args.rounds}")
    env = args.environment or matrix.newest_env(args.config)
    machine = args.machine or confirm.default_machine()
    try:
        if not args.wall_only:
            instructions.compiler()
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
            instruction_factors=None
            if args.wall_only
            else (args.instructions_factor, args.threaded_instructions_factor),
            json_out=args.json,
        )
    except (ValueError, LookupError, instructions.Unavailable) as error:
        print(f"gate: {error}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
