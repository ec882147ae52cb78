"""``ntb advise FILE.py:FUNCTION --inputs FILE.py:MAKE_INPUTS``: which mode for the user's
own function, on this machine, measured now.

The modes Numba makes of the function with no rewrite (`kernels.user.from_function`) are
built and validated against the NumPy function at the smallest size (build + first call
timed there), then timed with the advisor's method: `--rounds` fresh processes per
allocator condition (``fresh``: a plain script's; ``steady``: a long-running session's, as
the asv suite pins it; `ntb_site.answers.condition_worker`), the two conditions alternating, every mode
interleaved inside each process. The fastest mode per size is *clear* where the lead test
(`ntb_site.statistics.lead`) calls it clear in both conditions and both name the same mode;
where the conditions name different modes the answer says so with both figures.

Without FILE.py:FUNCTION, ``ntb advise`` prints the stored answers for the notebook's
kernels (`ntb_site.answers.advisor`). Exit status 0, or 2 with one line per problem for bad
input (a file or name that does not exist, a function Numba cannot compile, inputs that
raise, a mode that disagrees with NumPy, a size that is not a positive integer), or 1 when
a measuring process fails.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ntb_site.answers import condition_worker, conditions
from ntb_site.answers.condition_worker import CONDITIONS
from ntb_site.user.spec import (
    DEFAULT_SIZES,
    FunctionSpec,
    UserError,
    Validated,
    add_function_arguments,
    command_main,
    parse_sizes,
    spec_of,
    validate,
)

ROUNDS = 4
"""Fresh processes per condition: the least with which the lead test can call a lead clear."""
SAMPLES = 5
PROG = "ntb advise"
STORED = """without FILE.py:FUNCTION: the stored answers for the notebook's kernels, from asv's results
  ntb advise [--results DIR] [--machine NAME] [--json] [--list-machines]
             [--recheck KERNEL SIZE] [--recheck-clear]   (ntb advise --stored --help)"""


def machine_name() -> str:
    """asv's default machine name: the host's."""
    return platform.node() or "this machine"


class Progress:
    """One step per round: a bar on a terminal, else a line with the time left."""

    def __init__(self, total: int, stream=sys.stderr):
        self.total, self.done, self.start, self.stream = total, 0, time.perf_counter(), stream
        self.bar = None
        if stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, desc=PROG, unit="round", file=stream, leave=False)

    def step(self, label: str) -> None:
        """Mark one round done."""
        self.done += 1
        if self.bar is not None:
            self.bar.set_postfix_str(label)
            self.bar.update()
            return
        elapsed = time.perf_counter() - self.start
        left = elapsed / self.done * (self.total - self.done)
        print(
            f"[{PROG}] round {self.done}/{self.total} ({label}) {elapsed:.0f} s, about {left:.0f} s left",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        """Remove the bar."""
        if self.bar is not None:
            self.bar.close()


def run_round(
    kernel_file: Path, name: str, condition: str, threads: int, samples: int, sizes: Sequence[int]
) -> dict[str, dict[str, list[float]]]:
    """One fresh process's samples (`ntb_site.answers.condition_worker`); RoundFailed with its last line."""
    env = {**os.environ, "NTB_USER_KERNELS": str(kernel_file)}
    return condition_worker.run(name, condition, threads, samples, sizes, faults=(), env=env)["times"]


def measure(
    kernel_file: Path, name: str, sizes: Sequence[int], threads: int, rounds: int, samples: int
) -> dict[str, list[dict]]:
    """Per condition, one record per round; the conditions alternate (which goes first too)."""
    found: dict[str, list[dict]] = {condition: [] for condition in CONDITIONS}
    progress = Progress(rounds * len(CONDITIONS))
    try:
        for index in range(rounds):
            for condition in CONDITIONS if index % 2 == 0 else reversed(CONDITIONS):
                found[condition].append(run_round(kernel_file, name, condition, threads, samples, sizes))
                progress.step(condition)
    finally:
        progress.close()
    return found


def advice_of(name: str, threads: int, rounds: list[dict], validated: Validated, single: set[str]):
    """The advisor's `KernelAdvice` of one condition's rounds: per mode and size the median
    over rounds of each round's median, its interval the range of the rounds."""
    from ntb_site.answers.advisor import KernelAdvice, ModeCurve, crossovers
    from ntb_site.statistics.estimate import Estimate

    curves = {}
    for mode in validated.modes:
        per_size = {int(size): [statistics.median(r[mode][size]) for r in rounds] for size in rounds[0][mode]}
        times = {size: Estimate(statistics.median(v), min(v), max(v)) for size, v in per_size.items()}
        first = validated.first_call[mode]
        curves[mode] = ModeCurve(mode, 1 if mode in single else threads, times, Estimate(first, first, first), per_size)
    return KernelAdvice(name, threads, curves, crossovers(curves))


def answer(by_condition: dict, size: int) -> dict[str, Any]:
    """The answer at `size` over both conditions: clear only where clear in both, same mode."""
    best = {condition: advice.best(size) for condition, advice in by_condition.items()}
    fresh, steady = best["fresh"], best["steady"]
    clear = fresh.clear and steady.clear and fresh.mode == steady.mode
    if fresh.mode == steady.mode:
        text = f"{steady.mode}, " + (
            "clear in both conditions"
            if clear
            else "but within noise in "
            + " and ".join(
                f"a {'fresh script' if c == 'fresh' else 'long-running session'}"
                for c, b in best.items()
                if not b.clear
            )
        )
    else:
        text = _different(by_condition, fresh, steady)
    return {"size": size, "mode": {c: b.mode for c, b in best.items()}, "clear": clear, "text": text}


def _different(by_condition: dict, fresh, steady) -> str:
    """The answer where the conditions' fastest modes differ: one mode for both where the
    other condition's fastest is not clearly ahead of it there, else each condition's."""
    size = fresh.size
    tie_in_steady = not by_condition["steady"].ahead(steady.mode, fresh.mode, size)
    tie_in_fresh = not by_condition["fresh"].ahead(fresh.mode, steady.mode, size)
    if tie_in_steady and tie_in_fresh:
        return f"{steady.mode} or {fresh.mode}: neither is clearly ahead of the other in either condition"
    if tie_in_steady or tie_in_fresh:
        mode, other, where, tied = (
            (fresh.mode, steady.mode, "a fresh script", "a long-running session")
            if tie_in_steady
            else (steady.mode, fresh.mode, "a long-running session", "a fresh script")
        )
        winner = fresh if tie_in_steady else steady
        text = conditions.in_both(mode, other, where, tied)
        return text if winner.clear else f"{text}; within noise of {winner.runner_up} in {where}"
    return conditions.in_each(steady.mode, fresh.mode)


def _estimate(estimate) -> str:
    if estimate is None:
        return "–"
    return f"{estimate.value:.2f}× ({estimate.low:.2f}–{estimate.high:.2f})"


def format_text(record: dict, by_condition: dict, heading: str) -> str:
    """The answer in the advisor's words: per size and condition the fastest mode, its lead,
    speedups with intervals and the calls that pay its first call back; then the modes."""
    from asv.util import human_time
    from tabulate import tabulate

    rows = []
    for item in record["answers"]:
        size = item["size"]
        for condition in ("steady", "fresh"):
            advice = by_condition[condition]
            b = advice.best(size)
            calls = advice.pays_back_after(b.mode, size)
            rows.append(
                [
                    f"{size:,}" if condition == "steady" else "",
                    "long-running" if condition == "steady" else "fresh script",
                    b.mode,
                    human_time(b.time.value),
                    "–" if b.lead is None else f"{b.runner_up} ({b.lead.reason()})",
                    _estimate(advice.speedup(b.mode, size, "numpy")),
                    _estimate(advice.speedup(b.mode, size, "serial")),
                    "(reference)" if b.mode == "numpy" else "never" if calls is None else f"{calls:,} calls",
                ]
            )
    table = tabulate(
        rows, ["size", "condition", "fastest", "time", "runner-up", "× numpy", "× serial", "pays back after"]
    )
    answers = "\n".join(f"  {item['size']:>12,}: {item['text']}" for item in record["answers"])
    steady = by_condition["steady"]
    where = {(c.mode, c.baseline): c.where() for c in steady.crossovers}
    modes = tabulate(
        [
            [
                mode,
                curve.threads,
                f"{curve.first_call.value:.2f} s",
                where.get((mode, "numpy"), "–"),
                where.get((mode, "serial"), "–"),
            ]
            for mode, curve in steady.curves.items()
        ],
        ["mode", "threads", "first call", "beats numpy (long-running)", "beats serial (long-running)"],
    )
    return f"{heading}\n\n{table}\n\nAnswer:\n{answers}\n\n{modes}"


def record_of(
    spec: FunctionSpec, by_condition: dict, validated: Validated, options: argparse.Namespace, machine: str
) -> dict[str, Any]:
    """One kernel of advisor.json (the long-running condition, as the site's), its answers
    over both conditions and each condition's own record."""
    import numba
    import numpy

    answers = [answer(by_condition, size) for size in by_condition["steady"].sizes]
    record = by_condition["steady"].as_json()
    for best, item in zip(record["best"], answers, strict=True):
        best["clear"] = item["clear"]
    return {
        "kernel": spec.kernel_name,
        "function": spec.function,
        "machine": machine,
        "versions": {"numba": numba.__version__, "numpy": numpy.__version__, "python": platform.python_version()},
        "rounds": options.rounds,
        "samples": options.samples,
        "first_call_start_up": validated.start_up,
        **record,
        "answers": answers,
        "conditions": {condition: advice.as_json() for condition, advice in by_condition.items()},
    }


def parser() -> argparse.ArgumentParser:
    """``ntb advise``'s arguments for the user's function."""
    made = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0].replace("``", ""),
        epilog=STORED,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_function_arguments(made)
    made.add_argument(
        "--sizes", nargs="+", default=[f"{s:.0e}" for s in DEFAULT_SIZES], help="problem sizes (default 1e4 1e5 1e6)"
    )
    made.add_argument("--threads", type=int, help="threads of the threaded modes (default: all Numba may use)")
    made.add_argument("--rounds", type=int, default=ROUNDS, help=f"fresh processes per condition (default {ROUNDS})")
    made.add_argument("--samples", type=int, default=SAMPLES, help=f"samples per mode and process (default {SAMPLES})")
    made.add_argument("--machine", help="the machine's name in the answer (default: the host's, as asv's)")
    made.add_argument(
        "--json", nargs="?", const="-", metavar="OUT", help="write the answer as JSON to OUT (- : stdout)"
    )
    return made


def advise(options: argparse.Namespace) -> int:
    """Validate, measure and print (module docstring); UserError for bad input."""
    import kernels

    log = (lambda line: print(line, file=sys.stderr)) if options.json == "-" else print
    spec = spec_of(options)
    sizes = parse_sizes(options.sizes)
    top = kernels.max_threads()
    threads = top if options.threads is None else options.threads
    if not 1 <= threads <= top:
        raise UserError(f"--threads: expected 1 ... {top} (the threads Numba may use here), got {threads}")
    if options.rounds < 1 or options.samples < 1:
        raise UserError("--rounds, --samples: expected positive integers")
    with tempfile.TemporaryDirectory(prefix="ntb-advise-") as folder:
        cache = Path(folder) / "numba-cache"  # the parent's compiles are the workers' cache
        kernel = spec.kernel(cache)
        log(f"{spec.kernel_name}: validating {', '.join(kernel.modes)} against NumPy at {sizes[0]:,}")
        validated = validate(kernel, sizes[0], threads, spec, log)
        kernel_file = Path(folder) / f"ntb_advise_{spec.kernel_name}.py"
        kernel_file.write_text(spec.module_source(cache))
        log(
            f"timing {len(validated.modes)} modes at {', '.join(f'{s:,}' for s in sizes)}: "
            f"{options.rounds} rounds × {len(CONDITIONS)} conditions, each a fresh process"
        )
        found = measure(kernel_file, spec.kernel_name, sizes, threads, options.rounds, options.samples)
    single = {mode for mode in validated.modes if not kernel.mode_info(mode).threaded}
    by_condition = {c: advice_of(spec.kernel_name, threads, found[c], validated, single) for c in CONDITIONS}
    machine = options.machine or machine_name()
    record = record_of(spec, by_condition, validated, options, machine)
    versions = record["versions"]
    heading = (
        f"Which mode for {spec.kernel_name}? machine {machine}, Numba {versions['numba']}, NumPy "
        f"{versions['numpy']}, {threads} threads; {options.rounds} fresh processes per condition"
    )
    if options.json == "-":
        print(json.dumps(record, indent=1))
        return 0
    print(format_text(record, by_condition, heading))
    if options.json:
        Path(options.json).write_text(json.dumps(record, indent=1) + "\n")
        print(f"\nwritten to {options.json}")
    return 0


def _stored_advisor() -> Callable[[list[str]], int]:
    from ntb_site.answers import advisor

    return advisor.main


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (module docstring)."""
    return command_main(argv, PROG, parser, advise, _stored_advisor)


if __name__ == "__main__":
    sys.exit(main())
