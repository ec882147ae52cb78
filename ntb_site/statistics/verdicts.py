"""Verdicts on a change of timing that hold on a noisy shared host.

On a shared machine the same call differs by up to 2x between processes and drifts over
minutes, while the samples inside one process agree closely. asv's own test
(`asv._stats.is_different`, a Mann-Whitney U test on all samples) treats samples of one
process as independent, so it calls any between-process shift significant: an A/A run
flags a third of the suite. Here the unit of evidence is the *round* (one asv process,
`rounds` attribute): its samples collapse to their median, and only per-round values are
tested. asv has no per-round statistics, so this module derives them: asv appends the
samples of each round in order and a benchmark with an integer `repeat` takes exactly
that many per round (a `timeraw_` sample is itself a fresh interpreter, hence a round).

A change is judged in two looks, each on rounds measured interleaved in time (asv run
--interleave-rounds):

1. First look, on the benchmark's own rounds: the change is *beyond the factor with
   confidence*. asv's exact Mann-Whitney U test (`asv._stats.mann_whitney_u`) compares
   the old rounds with the new ones divided by `factor` (for a slowdown; multiplied, for
   a speedup) and must give p < `alpha`, and the Hodges-Lehmann ratio (median of all
   new/old round ratios) must lie beyond `factor`. Testing against the factor rather than
   against "no change" is what keeps an A/A run quiet: a between-process spread of 15 %
   flags under 0.3 % of A/A timings this way, against 3 % for a plain test of equality
   (simulated in tests/test_verdicts.py).
2. Confirmation, on rounds re-measured afterwards in new processes (asv run
   --append-samples, see `ntb_site.results.confirm`): their ratio lies beyond `factor` in the
   same direction.

Only a confirmed change is a regression or an improvement; one that passed the first look
alone is "unconfirmed". The evidence (ratio over all rounds with a distribution-free
confidence interval, rounds per side) travels with every verdict.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from asv._stats import mann_whitney_u, mann_whitney_u_cdf

ALPHA = 0.05
DEFAULT_FACTOR = 1.10
Verdict = Literal["regression", "improvement", "unconfirmed", "none"]


def split_rounds(samples: Sequence[float], per_round: int) -> list[float]:
    """Per-round medians of `samples`, consecutive groups of `per_round`; one round when
    the count does not divide (e.g. `asv run --quick`, one sample)."""
    if per_round < 1 or len(samples) % per_round:
        return [statistics.median(samples)] if samples else []
    return [statistics.median(samples[i : i + per_round]) for i in range(0, len(samples), per_round)]


def hodges_lehmann(old: Sequence[float], new: Sequence[float]) -> float:
    """Median of the pairwise ratios new/old: the shift estimate of the U test, in ratio."""
    return math.exp(statistics.median(math.log(b / a) for a in old for b in new))


def ratio_interval(old: Sequence[float], new: Sequence[float], alpha: float = ALPHA) -> tuple[float, float, float]:
    """`(low, high, confidence)`: the distribution-free interval of the ratio new/old that
    inverts the exact U test (order statistics of the pairwise log ratios). Few rounds
    allow only a few confidence levels: the one achieved is returned, not 1 - alpha."""
    m, n = len(old), len(new)
    diffs = sorted(math.log(b / a) for a in old for b in new)
    k = 1
    while k < m * n // 2 and mann_whitney_u_cdf(m, n, k) <= alpha / 2:
        k += 1
    confidence = 1.0 - 2.0 * mann_whitney_u_cdf(m, n, k - 1)
    return math.exp(diffs[k - 1]), math.exp(diffs[-k]), confidence


def _beyond(old: Sequence[float], new: Sequence[float], factor: float, alpha: float) -> tuple[int, float | None]:
    """`(direction, p)`: +1 when `new` is slower than `old` by more than `factor` with
    confidence, -1 when faster by more than it, else 0; p of the test in that direction
    (the smaller one when neither holds; None with fewer than two rounds a side)."""
    if len(old) < 2 or len(new) < 2:
        return 0, None
    ratio = hodges_lehmann(old, new)
    slower = mann_whitney_u(list(old), [x / factor for x in new])[1]
    faster = mann_whitney_u(list(old), [x * factor for x in new])[1]
    if slower < alpha and ratio > factor:
        return 1, slower
    if faster < alpha and ratio < 1.0 / factor:
        return -1, faster
    return 0, min(slower, faster)


def _direction(ratio: float, factor: float) -> int:
    """+1 slower beyond `factor`, -1 faster beyond it, 0 within."""
    return 1 if ratio > factor else -1 if ratio < 1.0 / factor else 0


@dataclass(frozen=True)
class Judgement:
    """The verdict on one timing between an old and a new side, with its evidence."""

    verdict: Verdict
    ratio: float
    low: float
    high: float
    confidence: float
    first_ratio: float
    first_p: float | None
    confirm_ratio: float | None
    rounds: tuple[int, int]
    confirm_rounds: tuple[int, int]

    @property
    def flagged(self) -> bool:
        """Whether the first look found a change (confirmed or not)."""
        return self.verdict != "none"

    def as_json(self) -> dict:
        """The evidence as written beside each comparison in the site's JSON."""
        return {
            "verdict": self.verdict,
            "ratio": self.ratio,
            "ci": [self.low, self.high],
            "confidence": self.confidence,
            "first_ratio": self.first_ratio,
            "p": self.first_p,
            "confirm_ratio": self.confirm_ratio,
            "rounds": list(self.rounds),
            "confirm_rounds": list(self.confirm_rounds),
        }


def judge(
    old: Sequence[float],
    new: Sequence[float],
    *,
    first: tuple[int, int] | None = None,
    factor: float = DEFAULT_FACTOR,
    alpha: float = ALPHA,
) -> Judgement:
    """Judge per-round values `old` → `new` (lower is better). `first` is how many rounds
    of each side belong to the first look (default: all, i.e. nothing confirmed yet)."""
    if not old or not new:
        raise ValueError("old, new: expected at least one round on each side")
    first_old, first_new = first or (len(old), len(new))
    look_old, look_new = old[:first_old], new[:first_new]
    again_old, again_new = old[first_old:], new[first_new:]
    first_ratio = hodges_lehmann(look_old, look_new)
    direction, p = _beyond(look_old, look_new, factor, alpha)
    confirm_ratio = hodges_lehmann(again_old, again_new) if again_old and again_new else None
    if not direction:
        verdict: Verdict = "none"
    elif confirm_ratio is not None and _direction(confirm_ratio, factor) == direction:
        verdict = "regression" if direction > 0 else "improvement"
    else:
        verdict = "unconfirmed"
    low, high, confidence = ratio_interval(old, new, alpha)
    return Judgement(
        verdict=verdict,
        ratio=hodges_lehmann(old, new),
        low=low,
        high=high,
        confidence=confidence,
        first_ratio=first_ratio,
        first_p=p,
        confirm_ratio=confirm_ratio,
        rounds=(len(old), len(new)),
        confirm_rounds=(len(again_old), len(again_new)),
    )
