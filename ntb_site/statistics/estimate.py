"""A measured value with its uncertainty, and ratios of such values (speedups, efficiencies).

The interval is asv's 99 % confidence interval of the median, widened to span every
process's own value (`ntb_site.statistics.rounds.round_values`: each round's median, each fresh
interpreter of a `timeraw_`). asv's interval treats all pooled samples as independent, so
alone it understates the spread between processes on a noisy host, which is the larger one.
The interval of a ratio is the conservative one: the lowest numerator over the highest
denominator, and the reverse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ntb_site.results.asv_results import Measurement
from ntb_site.statistics.rounds import round_values


@dataclass(frozen=True)
class Estimate:
    """`value` with its interval [`low`, `high`]."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, measurement: Measurement, info: dict[str, Any] | None = None) -> Estimate:
        """The measurement's value and 99 % interval, widened to every round's value where
        `info` (the benchmark's benchmarks.json entry) tells how to split the samples. asv's
        interval counts only where usable (not infinite or non-positive, as from one sample)."""
        value = measurement.value
        low, high = measurement.ci or (value, value)
        if not (0 < low <= value <= high < math.inf):
            low = high = value
        rounds = round_values(measurement, info) if info is not None else []
        if len(rounds) > 1 and min(rounds) > 0:
            low, high = min(low, *rounds), max(high, *rounds)
        return cls(value, low, high)

    def __truediv__(self, other: Estimate) -> Estimate:
        return Estimate(self.value / other.value, self.low / other.high, self.high / other.low)

    def scaled(self, factor: float) -> Estimate:
        """The estimate times a constant (e.g. speedup / threads)."""
        return Estimate(self.value * factor, self.low * factor, self.high * factor)

    def below(self, other: Estimate) -> bool:
        """Whether the whole interval lies below `other`'s."""
        return self.high < other.low

    def as_json(self) -> dict[str, float]:
        """``{"value", "low", "high"}``."""
        return {"value": self.value, "low": self.low, "high": self.high}
