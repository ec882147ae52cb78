"""The verdict method on per-process rounds (ntb_site.statistics.verdicts): its rules, and its error
rates on simulated rounds with this host's between-process noise."""

import math
import random

import pytest

from ntb_site.statistics.verdicts import can_decide, detectable, hodges_lehmann, judge, ratio_interval, split_rounds

BASE = [1.00, 1.03, 0.98, 1.01]
SLOWER = [1.31, 1.29, 1.33, 1.30]


def test_split_rounds_takes_the_median_of_each_round():
    assert split_rounds([1, 2, 9, 4, 5, 6], 3) == [2, 5]


def test_split_rounds_keeps_one_round_when_the_count_does_not_divide():
    assert split_rounds([1, 2, 9, 4], 3) == [3]
    assert split_rounds([], 3) == []


def test_a_clear_change_seen_once_is_unconfirmed():
    j = judge(BASE, SLOWER)
    assert j.verdict == "unconfirmed"
    assert j.first_p < 0.05 and j.first_ratio == pytest.approx(1.30, rel=0.03)
    assert j.confirm_rounds == (0, 0)


def test_a_confirmed_slowdown_is_a_regression():
    j = judge([*BASE, 1.0, 1.02], [*SLOWER, 1.28, 1.32], first=(4, 4))
    assert j.verdict == "regression"
    assert j.rounds == (6, 6) and j.confirm_rounds == (2, 2)
    assert j.low > 1.0 and j.low <= j.ratio <= j.high


def test_a_confirmed_speedup_is_an_improvement():
    assert judge([*SLOWER, 1.3, 1.3], [*BASE, 1.0, 1.0], first=(4, 4)).verdict == "improvement"


def test_a_confirmation_that_disagrees_leaves_the_change_unconfirmed():
    assert judge([*BASE, 1.0, 1.02], [*SLOWER, 1.01, 1.0], first=(4, 4)).verdict == "unconfirmed"


def test_a_confirmation_beyond_the_factor_whose_rounds_together_include_no_change_is_unconfirmed():
    # the A/A case: a first look beyond the factor, a confirmation just beyond it, but its
    # old rounds as slow as the new: the interval over all rounds holds 1
    j = judge([*BASE, 1.80, 1.90], [*SLOWER, 2.10, 2.15], first=(4, 4))
    assert j.confirm_ratio > 1.10 and j.low < 1.0 < j.high
    assert j.verdict == "unconfirmed"


def test_a_confirmation_whose_rounds_together_are_not_beyond_the_factor_is_unconfirmed():
    # the rounds (ms) of concurrency.CpuTime kde 1e6, 2 callers x 2 threads, 0.61.2 -> 0.62.1, in
    # one run of the whole matrix: first look 0.74x, confirmation 0.81x, 0.74x [0.55, 0.97]
    # over all rounds, which excludes no change but not the factor; the other run measured 1.02x
    j = judge([16.81, 15.33, 17.06, 15.69, 16.98, 12.61], [12.71, 9.29, 12.26, 12.45, 15.62, 9.04], first=(4, 4))
    assert j.first_ratio < 1 / 1.10 and j.confirm_ratio < 1 / 1.10
    assert 1 / 1.10 < j.high < 1.0
    assert j.verdict == "unconfirmed"


def test_runs_measured_apart_in_time_are_decided_by_the_confirmation_alone():
    # the first look of two stored runs an hour apart: the slower side is the VM's drift
    drift = judge([*BASE, 1.0, 1.02, 0.99, 1.01], [*SLOWER, 1.2, 1.22, 1.18, 0.98], first=(4, 4), separate=True)
    assert drift.confirm_ratio > 1.10 and drift.verdict == "unconfirmed"
    # sides measured interleaved: 2 confirmation rounds beyond the factor are enough
    assert judge([*BASE, 1.0, 1.02], [*SLOWER, 1.2, 1.22], first=(4, 4)).verdict == "regression"
    real = judge([*BASE, 1.0, 1.02, 0.99, 1.01], [*SLOWER, 1.28, 1.32, 1.30, 1.29], first=(4, 4), separate=True)
    assert real.verdict == "regression"
    assert judge([*BASE, 1.0, 1.02], [*SLOWER, 1.28, 1.32], first=(4, 4), separate=True).verdict == "unconfirmed"


def test_a_shift_within_the_factor_is_no_change_even_if_it_is_real():
    assert judge(BASE, [1.06, 1.07, 1.08, 1.065]).verdict == "none"


def test_a_change_not_surely_beyond_the_factor_is_no_change():
    j = judge(BASE, [1.12, 1.16, 1.11, 1.15])
    assert j.first_ratio > 1.10 and j.verdict == "none"


def test_overlapping_rounds_are_no_change_whatever_the_ratio():
    j = judge([1.0, 2.0, 1.1, 1.9], [1.5, 2.6, 1.4, 2.5])
    assert j.ratio > 1.1 and j.verdict == "none"


def test_a_single_round_per_side_never_gives_a_verdict():
    j = judge([1.0], [3.0])
    assert j.verdict == "none" and j.first_p is None


def test_judge_names_the_missing_side():
    with pytest.raises(ValueError, match="old, new"):
        judge([], [1.0])


def test_interval_inverts_the_u_test():
    old, new = [1.0, 1.1, 1.2, 1.3], [1.4, 1.5, 1.6, 1.7]
    low, high, confidence = ratio_interval(old, new)
    assert low == pytest.approx(1.4 / 1.3) and high == pytest.approx(1.7 / 1.0)
    assert confidence == pytest.approx(1 - 2 / 70)
    assert low <= hodges_lehmann(old, new) <= high


def test_interval_narrows_with_more_rounds():
    rng = random.Random(1)
    few = [rng.lognormvariate(0, 0.1) for _ in range(8)]
    many = [rng.lognormvariate(0, 0.1) for _ in range(24)]
    low4, high4, _ = ratio_interval(few[:4], few[4:])
    low12, high12, _ = ratio_interval(many[:12], many[12:])
    assert math.log(high12 / low12) < math.log(high4 / low4)


def _rounds(rng, scale, n=6, spread=0.15):
    """Per-process values: each process lands at its own level (lognormal, `spread`)."""
    return [scale * rng.lognormvariate(0, spread) for _ in range(n)]


def test_simulated_a_a_gives_almost_no_false_verdict():
    rng = random.Random(2026)
    trials = 2000
    verdicts = [judge(_rounds(rng, 1.0), _rounds(rng, 1.0), first=(4, 4)).verdict for _ in range(trials)]
    flagged = sum(v != "none" for v in verdicts)
    confirmed = sum(v in ("regression", "improvement") for v in verdicts)
    assert flagged / trials < 0.005
    assert confirmed / trials < 0.002


def test_simulated_real_slowdown_is_found():
    rng = random.Random(7)
    trials = 500
    found = sum(
        judge(_rounds(rng, 1.0, spread=0.05), _rounds(rng, 1.4, spread=0.05), first=(4, 4)).verdict == "regression"
        for _ in range(trials)
    )
    assert found / trials > 0.9


def test_rounds_too_few_for_the_exact_test_can_decide_nothing():
    assert [can_decide(m, n) for m, n in ((2, 2), (3, 3), (3, 4), (4, 4), (3, 5), (2, 8))] == [
        False,
        False,
        False,
        True,
        True,
        True,
    ]
    j = judge([1.0, 1.01, 1.02], [5.0, 5.1, 5.2])
    assert j.verdict == "none" and j.detectable is None and j.as_json()["detectable"] is None


def test_detectable_is_exact_on_the_observed_rounds():
    """Rescaled just beyond the detectable ratio the first look flags the change, just short
    of it it does not (same rounds both sides, so slower and faster are symmetric)."""
    d = detectable(BASE, BASE)
    assert d > 1.10
    for r, flagged in ((d * 1.0001, True), (d * 0.9999, False)):
        assert (judge(BASE, [x * r for x in BASE]).verdict == "unconfirmed") is flagged
        assert (judge(BASE, [x / r for x in BASE]).verdict == "unconfirmed") is flagged


def test_detectable_grows_with_spread_and_shrinks_with_rounds():
    rng = random.Random(3)
    tight, wide = _rounds(rng, 1.0, n=8, spread=0.02), _rounds(rng, 1.0, n=8, spread=0.2)
    assert 1.10 <= detectable(tight[:4], tight[4:]) < detectable(wide[:4], wide[4:])
    many = _rounds(rng, 1.0, n=24, spread=0.2)
    assert detectable(many[:12], many[12:]) < detectable(wide[:4], wide[4:])


def test_no_change_lies_within_what_could_be_detected():
    rng = random.Random(4)
    for _ in range(200):
        old, new = _rounds(rng, 1.0, n=4), _rounds(rng, 1.0, n=4)
        j = judge(old, new)
        if j.verdict == "none":
            assert 1 / j.detectable <= j.first_ratio <= j.detectable
