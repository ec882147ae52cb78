"""Values with intervals and their ratios (ntb_site.statistics.estimate)."""

import math

import pytest

from ntb_site.results.asv_results import Measurement
from ntb_site.statistics.estimate import Estimate


def measured(value, ci):
    stats = {"ci_99_a": ci[0], "ci_99_b": ci[1]} if ci else None
    return Measurement("k.Modes.time_kernel", {}, value, "seconds", stats, None)


@pytest.mark.parametrize(
    ("ci", "expected"),
    [
        ((1.0, 3.0), (1.0, 3.0)),
        (None, (2.0, 2.0)),  # no statistics
        ((-math.inf, math.inf), (2.0, 2.0)),  # asv's interval of a single sample
        ((0.0, 3.0), (2.0, 2.0)),  # a ratio could not divide by it
    ],
)
def test_of_takes_asvs_interval_where_usable(ci, expected):
    estimate = Estimate.of(measured(2.0, ci))
    assert (estimate.value, (estimate.low, estimate.high)) == (2.0, expected)


def test_ratio_interval_is_the_conservative_one():
    ratio = Estimate(4.0, 3.0, 5.0) / Estimate(2.0, 1.0, 4.0)
    assert (ratio.value, ratio.low, ratio.high) == (2.0, 0.75, 5.0)
    assert ratio.scaled(0.5) == Estimate(1.0, 0.375, 2.5)
    assert Estimate(1.0, 0.9, 1.1).below(Estimate(2.0, 1.5, 2.5))
    assert not Estimate(1.0, 0.9, 1.6).below(Estimate(2.0, 1.5, 2.5))


def test_of_widens_asvs_interval_to_every_round():
    """asv's interval pools the samples as if independent; the spread between processes
    (one median per round of `repeat` samples) widens it."""
    samples = [1.0, 1.1, 1.2, 2.0, 2.1, 2.2]  # two rounds: medians 1.1 and 2.1
    measurement = Measurement("k.Modes.time_kernel", {}, 1.6, "seconds", {"ci_99_a": 1.4, "ci_99_b": 1.8}, samples)
    assert Estimate.of(measurement, {"repeat": 3}) == Estimate(1.6, 1.1, 2.1)
    assert Estimate.of(measurement) == Estimate(1.6, 1.4, 1.8)  # no benchmark info: asv's interval


def test_of_counts_each_fresh_interpreter_of_a_timeraw_benchmark():
    measurement = Measurement("k.FirstCall.timeraw_first_call", {}, 0.5, "seconds", None, [0.4, 0.5, 0.9])
    assert Estimate.of(measurement, {"repeat": 3}) == Estimate(0.5, 0.4, 0.9)
