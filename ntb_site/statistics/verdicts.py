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
   same direction, and the interval of the ratio over all rounds (`ratio_interval`) lies
   beyond `factor` too, so the published claim, "slower (faster) by more than the factor",
   holds with the interval's confidence over every round measured. Two rounds a side alone
   are weak evidence: in an A/A of the whole matrix one run confirmed a 1.59x first look
   whose confirmation read 1.17x, leaving 1.46x [0.96, 2.08] over all rounds, where the
   other run had measured 0.83x; in the next, one run confirmed a 0.74x speed-up of
   `concurrency.CpuTime` (4 threads on 2 vCPUs) at 0.74x [0.55, 0.97], an interval that
   excluded no change but not the factor, which the other run measured 1.02x.

Where the two sides of the first look were not measured interleaved in time (two stored
runs of the whole matrix, an hour apart: `separate`), the VM's drift over that hour lands
between the sides and the first look only screens: the confirmation's rounds, alternated
in time, then decide alone, by the first look's test (so they need 4 a side). An A/A of
the whole matrix whose sides ran at different paces (one 1.2-1.3x slower throughout) had 13
of its 69 first-look flags confirmed by 2 rounds a side.

Only a confirmed change is a regression or an improvement; one that passed the first look
alone is "unconfirmed". The evidence (ratio over all rounds with a distribution-free
confidence interval, rounds per side) travels with every verdict.

So does the first look's power, as the *detectable ratio* (`detectable`): the smallest
true ratio r such that, had the new rounds been the observed ones rescaled to a
Hodges-Lehmann ratio of r (the same per-round spread on each side, the same number of
rounds), the first look would have called a slowdown; likewise for a speedup of 1/r; the
larger of the two. It is computed exactly on the observed rounds: the U statistic changes
only where a rescaled new round crosses an old one times the factor, so the answer is
one of those crossings, found by bisection with the same test. A "no change" thus reads
"no change beyond r×". r is never below the factor; with too few rounds (2 and 2, 3 and
3) the exact two-sided test cannot reach p < alpha whatever the change, and the first
look could detect nothing (None).
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


def beyond(old: Sequence[float], new: Sequence[float], factor: float, alpha: float) -> tuple[int, float | None]:
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


def can_decide(m: int, n: int, alpha: float = ALPHA) -> bool:
    """Whether the exact U test on `m` and `n` rounds can give p < `alpha` at all (all of
    one side beyond all of the other): 4 and 4 can, 3 and 3 cannot."""
    return m >= 1 and n >= 1 and mann_whitney_u(list(range(m)), [m + j for j in range(n)])[1] < alpha


def _smallest_slowdown(old: Sequence[float], new: Sequence[float], factor: float, alpha: float) -> float:
    """The smallest ratio r at which `new` rescaled to a Hodges-Lehmann ratio r over `old`
    is a slowdown beyond `factor` by `beyond` (the rounds must allow a decision)."""
    shift = hodges_lehmann(old, new)
    crossings = sorted({factor * shift * a / b for a in old for b in new} | {factor})
    crossings = [r for r in crossings if r >= factor]

    def passes(r: float) -> bool:
        rescaled = [x * r * (1 + 1e-9) / shift for x in new]
        return beyond(old, rescaled, factor, alpha)[0] == 1

    low, high = 0, len(crossings) - 1  # passes(crossings[-1]): every rescaled round beyond every old one
    while low < high:
        mid = (low + high) // 2
        low, high = (low, mid) if passes(crossings[mid]) else (mid + 1, high)
    return crossings[low]


def detectable(
    old: Sequence[float], new: Sequence[float], factor: float = DEFAULT_FACTOR, alpha: float = ALPHA
) -> float | None:
    """The first look's detectable ratio (see the module docstring): the smallest change,
    slower or faster, that these rounds could have shown beyond `factor`; None where the
    number of rounds allows no decision at all."""
    if not can_decide(len(old), len(new), alpha):
        return None
    return max(_smallest_slowdown(old, new, factor, alpha), _smallest_slowdown(new, old, factor, alpha))


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
    detectable: float | None = None

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
            "detectable": self.detectable,
        }


def judge(
    old: Sequence[float],
    new: Sequence[float],
    *,
    first: tuple[int, int] | None = None,
    factor: float = DEFAULT_FACTOR,
    alpha: float = ALPHA,
    separate: bool = False,
) -> Judgement:
    """Judge per-round values `old` → `new` (lower is better). `first` is how many rounds
    of each side belong to the first look (default: all, i.e. nothing confirmed yet);
    `separate`: the first look's sides were measured apart in time, the confirmation's
    rounds alone decide (see the module docstring)."""
    if not old or not new:
        raise ValueError("old, new: expected at least one round on each side")
    first_old, first_new = first or (len(old), len(new))
    look_old, look_new = old[:first_old], new[:first_new]
    again_old, again_new = old[first_old:], new[first_new:]
    first_ratio = hodges_lehmann(look_old, look_new)
    direction, p = beyond(look_old, look_new, factor, alpha)
    confirm_ratio = hodges_lehmann(again_old, again_new) if again_old and again_new else None
    low, high, confidence = ratio_interval(old, new, alpha)
    interval_beyond = low > factor if direction > 0 else high < 1.0 / factor
    if separate:
        confirmed = bool(again_old and again_new) and beyond(again_old, again_new, factor, alpha)[0] == direction
    else:
        confirmed = confirm_ratio is not None and _direction(confirm_ratio, factor) == direction and interval_beyond
    if not direction:
        verdict: Verdict = "none"
    elif confirmed:
        verdict = "regression" if direction > 0 else "improvement"
    else:
        verdict = "unconfirmed"
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
        detectable=detectable(look_old, look_new, factor, alpha),
    )
