"""Sequential rounds for the main job: the advisor's answers worth more rounds, and only those.

The main job times most sizes in 2 rounds, and 2 rounds a side can never make an answer
clear (`ntb_site.statistics.lead`). Rounds are spent where they can change the answer: at
a size where the fastest mode leads the second fastest by more than the margin (medians of
the rounds) but some mode has too few rounds beside the fastest to decide it, the modes of
that kernel at that size with the fewest rounds get more: at 1e4 and 1e5 every mode (2
rounds each), at 1e6 the Dask modes (2 rounds beside the release step's 4). Where the two
fastest are within the margin (e.g. ``parallel`` and ``prange``, the same loop), no number
of rounds makes the answer clear, so none are added.
From the repository root::

    python -m ntb_site.suite.more_rounds [--results .asv/results] [--machine NAME]

prints the asv ``--bench`` regular expressions of every kernel and size that deserves more rounds
(nothing when none does); ``.ci/bench`` appends 2 rounds to them
(``asv run --append-samples -a rounds=2``). Exit status 2 without Modes results.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections.abc import Collection, Sequence

from ntb_site.answers import advisor
from ntb_site.answers.advisor import Advice
from ntb_site.statistics.lead import MARGIN
from ntb_site.statistics.verdicts import can_decide
from ntb_site.suite import plan


def undecided(advice: Advice) -> list[tuple[str, int, list[str]]]:
    """``(kernel, size, modes)`` of every answer that more rounds could make clear: the
    fastest leads the second by more than the margin, but some mode has too few rounds
    beside it to decide; `modes` are those with the fewest rounds."""
    found = []
    for name, kernel in advice.kernels.items():
        for size in kernel.sizes:
            rounds = {mode: curve.rounds.get(size) for mode, curve in kernel.curves.items() if size in curve.times}
            if len(rounds) < 2 or any(not r for r in rounds.values()):
                continue
            medians = sorted((statistics.median(r), mode) for mode, r in rounds.items())
            (best, winner), (second, _) = medians[:2]
            if second / best <= MARGIN:
                continue
            if all(can_decide(len(rounds[winner]), len(r)) for mode, r in rounds.items() if mode != winner):
                continue
            fewest = min(map(len, rounds.values()))
            found.append((name, size, sorted(mode for mode, r in rounds.items() if len(r) == fewest)))
    return found


def selectors(kernel: str, size: int, modes: Collection[str] | None = None) -> list[str]:
    """The asv ``--bench`` regexes of the advisor's timings of `kernel` at `size` (the
    plan's ``top`` rows: no 1-thread run of a threaded mode, no n/a point), of `modes` only
    where given."""
    return plan.selectors("top", [size], kernel, modes)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the selectors (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m ntb_site.suite.more_rounds", description=__doc__.split("\n")[0])
    parser.add_argument("--results", default=".asv/results", help="asv results_dir (default: .asv/results)")
    parser.add_argument("--machine", help="asv machine name (default: the newest Modes results' machine)")
    args = parser.parse_args(argv)
    found = advisor.load(args.results, args.machine)
    if found is None:
        print(f"more_rounds: no Modes results in {args.results}", file=sys.stderr)
        return 2
    for kernel, size, modes in undecided(found):
        print("\n".join(selectors(kernel, size, modes)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
