"""Whether one mode is *clearly* faster than another, from per-process rounds.

The advisor used to call the fastest mode clearly ahead when its interval (asv's 99 %
interval widened to every round's median) lay below the runner-up's. With the main job's
2 rounds per timing that interval is the range of two processes, far narrower than the
spread between processes on this host (up to 2x): two answers called clear that way did
not hold when re-measured (`ntb_site.answers.recheck`). And a lead of a few per cent is within what
the context of a measurement alone moves (burst length, the other mode's thread pool in the
same process, what ran before): the same 40 us call measured 36 us or 80 us.

So a lead is clear only when the rounds show it as the verdict method shows a change
(`ntb_site.statistics.verdicts.beyond`): the exact U test of the best mode's rounds against
the runner-up's divided by `MARGIN` gives p < alpha, and their Hodges-Lehmann ratio exceeds
`MARGIN`. That needs at least 4 and 4 rounds (or 3 and 5): with fewer the answer is "not
clear", said as too few rounds rather than as a tie.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ntb_site.statistics.verdicts import ALPHA, beyond, can_decide, hodges_lehmann

MARGIN = 1.10
"""The least lead (runner-up / best) worth calling clear: below it the context of a
measurement, not the mode, may decide which is faster."""


@dataclass(frozen=True)
class Lead:
    """The best mode's lead over the runner-up at one size."""

    ratio: float
    """Hodges-Lehmann ratio runner-up / best over their rounds."""
    rounds: tuple[int, int]
    p: float | None
    clear: bool

    @property
    def decidable(self) -> bool:
        """Whether the rounds are enough for the test to show a lead at all."""
        return can_decide(*self.rounds)

    def reason(self) -> str:
        """``clear: 1.26× ahead, 4/4 rounds``, or why not clear, in a few words."""
        rounds = f"{self.rounds[0]}/{self.rounds[1]}"
        if self.clear:
            return f"clear: {self.ratio:.2f}× ahead, {rounds} rounds"
        if not self.decidable:
            return f"not clear: too few rounds ({rounds})"
        return f"not clear: {self.ratio:.2f}×, not surely beyond {MARGIN:.2f}× ({rounds} rounds)"

    def as_json(self) -> dict[str, Any]:
        """``{"ratio", "rounds", "p", "clear", "reason"}``."""
        return {
            "ratio": self.ratio,
            "rounds": list(self.rounds),
            "p": self.p,
            "clear": self.clear,
            "reason": self.reason(),
        }


def lead(best: Sequence[float], runner_up: Sequence[float], alpha: float = ALPHA) -> Lead:
    """The lead of per-round times `best` over `runner_up` (see the module docstring)."""
    if not best or not runner_up:
        raise ValueError("best, runner_up: expected at least one round each")
    direction, p = beyond(best, runner_up, MARGIN, alpha)
    return Lead(hodges_lehmann(best, runner_up), (len(best), len(runner_up)), p, direction == 1)
