"""A measured value with its uncertainty, and ratios of such values (speedups, efficiencies).

The interval is asv's 99 % confidence interval of the median, which asv computes over every
recorded sample (the `Modes` benchmarks pool several rounds, each in a fresh process, so
between-process spread is in it). The interval of a ratio is the conservative one: the
lowest numerator over the highest denominator, and the reverse.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ntb_site.asv_results import Measurement


@dataclass(frozen=True)
class Estimate:
    """`value` with its interval [`low`, `high`]."""

    value: float
    low: float
    high: float

    @classmethod
    def of(cls, measurement: Measurement) -> Estimate:
        """The measurement's value and 99 % interval; the bare value where asv recorded no
        usable interval (none, or infinite or non-positive bounds, as from a single sample)."""
        value = measurement.value
        low, high = measurement.ci or (value, value)
        if not (0 < low <= value <= high < math.inf):
            low = high = value
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
