"""Monte-Carlo pi: statistically right unseeded, bit-reproducible seeded, in every mode."""

import math
from functools import cache

import pytest

import kernels

MODES = kernels.MODES["monte_carlo_pi"]
REPRODUCIBLE = kernels.REGISTRY["monte_carlo_pi"].reproducible
REFERENCE = kernels.REGISTRY["monte_carlo_pi"].reference
N = 2_000_000
P = math.pi / 4
SIGMA = 4 * math.sqrt(P * (1 - P) / N)


def thread_counts(mode):
    """1 and max_threads() for threaded modes; the default (one thread) otherwise."""
    return sorted({1, kernels.max_threads()}) if kernels.MODE_INFO[mode].threaded else [None]


CASES = [pytest.param(m, t, id=f"{m}-{t or 1}t") for m in MODES for t in thread_counts(m)]
built = cache(kernels.build)


def test_every_mode_is_reproducible():
    """All monte_carlo_pi modes promise seeded reproducibility."""
    assert set(REPRODUCIBLE) == set(MODES)


@pytest.mark.parametrize(("mode", "threads"), CASES)
def test_unseeded_estimate_is_within_five_sigma(mode, threads):
    """An unseeded estimate from 2e6 samples lies within 5 sigma of pi."""
    estimate = built("monte_carlo_pi", mode, threads=threads)(N)
    assert abs(estimate - math.pi) < 5 * SIGMA
    hits = round(estimate * N / 4)
    assert 4.0 * hits / N == estimate  # 4 × (a whole number of hits) / nsamples


@pytest.mark.parametrize(("mode", "threads"), CASES)
def test_unseeded_calls_differ(mode, threads):
    """Four unseeded calls give at least three distinct estimates (P(fail) ~ 2e-6 for 2e6 samples)."""
    func = built("monte_carlo_pi", mode, threads=threads)
    assert len({func(N) for _ in range(4)}) >= 3
    assert len({func(N, None) for _ in range(4)}) >= 3


@pytest.mark.parametrize("mode", MODES)
def test_unseeded_calls_do_not_depend_on_earlier_seeded_calls(mode):
    """An unseeded estimate is fresh even when a seeded call ran just before on the same thread."""
    func = built("monte_carlo_pi", mode, threads=1)
    estimates = set()
    for _ in range(3):
        func(100_000, 12345)
        estimates.add(func(N))
    assert len(estimates) > 1  # three equal draws: P ~ 3e-7 for an honest generator


@pytest.mark.parametrize("seed", [0, 1, 2**31, 2**32 - 1])
@pytest.mark.parametrize("nsamples", [1, 16383, 16384, 16385, 300_001])
def test_seeded_modes_equal_the_reference_exactly(nsamples, seed):
    """For fixed (nsamples, seed) every reproducible mode on every thread count returns the reference bit for bit."""
    expected = REFERENCE(nsamples, seed)
    for mode in REPRODUCIBLE:
        for threads in thread_counts(mode):
            func = built("monte_carlo_pi", mode, threads=threads)
            assert func(nsamples, seed) == expected, (mode, threads)
            assert func(nsamples, seed=seed) == expected, (mode, threads)


@pytest.mark.parametrize(("mode", "threads"), [c for c in CASES if c.values[0] in REPRODUCIBLE])
def test_same_seed_twice_is_identical(mode, threads):
    """The same seed gives the same estimate twice, and one independent of the thread count."""
    func = built("monte_carlo_pi", mode, threads=threads)
    first = func(N, 2024)
    assert func(N, 2024) == first
    assert first == built("monte_carlo_pi", mode, threads=1 if threads else None)(N, 2024)
    assert abs(first - math.pi) < 5 * SIGMA


@pytest.mark.parametrize("mode", REPRODUCIBLE)
def test_different_seeds_differ(mode):
    """Different seeds give different estimates."""
    func = built("monte_carlo_pi", mode)
    estimates = [func(N, seed) for seed in (1, 2, 3)]
    assert len(set(estimates)) == 3


def test_adjacent_seeds_give_independent_estimates():
    """Estimates for seeds s and s + 1 are independent draws, not near copies.

    For 20 disjoint pairs, T = sum (e(s+1) - e(s))**2 / (2 sigma**2) is chi-squared with 20
    degrees of freedom when seeds are independent: P(T < 1) ~ 2e-10.
    """
    func = built("monte_carlo_pi", "serial")  # bit-identical to the reference and every mode (tested above)
    t = sum((func(N, s + 1) - func(N, s)) ** 2 for s in range(0, 400, 20)) / (2 * SIGMA**2)
    assert t > 1.0
