"""How much glibc's allocator state moves a timing: one kernel call timed in fresh processes,
started as they are and after `benchmarks.common.steady_allocator` (README, "The asv suite").

    python -m ntb_site.tools.allocator_state [--kernel gaussians] [--mode numpy]
                                             [--size 100000] [--processes 3]

Prints, per state, the best time per call of 5 × 10 calls in each fresh process. The two
states alternate, one process at a time, so drift hits both.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence

STATES = ("at start", "steady")

CHILD = """
import timeit
from benchmarks import common
if not {steady}:
    common.steady_allocator = lambda: None  # validated() would otherwise call it
func, args = common.validated({kernel!r}, {mode!r}, {size}, 1)
print(min(timeit.repeat(lambda: func(*args), number=10, repeat=5)) / 10)
"""


def time_once(kernel: str, mode: str, size: int, steady: bool) -> float:
    """Seconds per call in one fresh interpreter (RuntimeError with its stderr on failure)."""
    code = CHILD.format(steady=steady, kernel=kernel, mode=mode, size=size)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    if proc.returncode:
        raise RuntimeError(f"{kernel}/{mode} at {size}: {proc.stderr.strip().splitlines()[-1]}")
    return float(proc.stdout)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m ntb_site.tools.allocator_state", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--kernel", default="gaussians")
    parser.add_argument("--mode", default="numpy", help="a single-threaded mode (default numpy)")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--processes", type=int, default=3, help="fresh processes per state (default 3)")
    args = parser.parse_args(argv)
    if args.size < 1 or args.processes < 1:
        parser.error("--size and --processes must be positive")
    times: dict[str, list[float]] = {state: [] for state in STATES}
    try:
        for _ in range(args.processes):
            for state in STATES:
                times[state].append(time_once(args.kernel, args.mode, args.size, state == "steady"))
    except RuntimeError as error:
        parser.exit(2, f"allocator_state: {error}\n")
    for state, found in times.items():
        print(f"{state:>9}: " + ", ".join(f"{t * 1e6:,.0f} us" for t in found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
