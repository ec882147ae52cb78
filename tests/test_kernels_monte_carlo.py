"""Monte-Carlo pi. The notebook's form (`monte_carlo_pi`): the notebook's own loops, right
statistically and fresh on every call, in every mode. The blocked form
(`monte_carlo_pi_blocked`): statistically right unseeded, bit-reproducible seeded."""

import math
from functools import cache

import pytest

import kernels
from kernels import notebook

NOTEBOOK_MODES = kernels.MODES["monte_carlo_pi"]
BLOCKED_MODES = kernels.MODES["monte_carlo_pi_blocked"]
REFERENCE = kernels.REGISTRY["monte_carlo_pi_blocked"].reference
N = 2_000_000
P = math.pi / 4
SIGMA = 4 * math.sqrt(P * (1 - P) / N)


def thread_counts(mode):
    """1 and max_threads() for threaded modes; the default (one thread) otherwise."""
    return sorted({1, kernels.max_threads()}) if kernels.MODE_INFO[mode].threaded else [None]


def cases(modes):
    return [pytest.param(m, t, id=f"{m}-{t or 1}t") for m in modes for t in thread_counts(m)]


built = cache(kernels.build)


def test_both_forms_run_in_the_same_modes():
    """The two forms are benchmarked side by side: the same modes, none of them `parallel`."""
    assert NOTEBOOK_MODES == BLOCKED_MODES == ("numpy", "serial", "prange", "threads", "dask", "distributed")


def test_notebook_form_compiles_the_notebooks_functions():
    """serial, prange and the chunk function are the notebook's own Python functions, compiled."""
    info = kernels.REGISTRY["monte_carlo_pi"]
    assert info.variants["serial"].function.py_func is notebook.monte_carlo_pi_serial.py_func
    assert info.variants["prange"].function.py_func is notebook.monte_carlo_pi_parallel.py_func
    assert info.plan.function.py_func is notebook.monte_carlo_pi.py_func
    assert info.plan.function.targetoptions["nogil"]


@pytest.mark.parametrize(("mode", "threads"), cases(NOTEBOOK_MODES))
def test_notebook_form_is_within_five_sigma(mode, threads):
    """An estimate from 2e6 samples lies within 5 sigma of pi and is 4 × (whole hits) / nsamples."""
    estimate = built("monte_carlo_pi", mode, threads=threads)(N)
    assert abs(estimate - math.pi) < 5 * SIGMA
    hits = round(estimate * N / 4)
    assert 4.0 * hits / N == estimate


@pytest.mark.parametrize(("mode", "threads"), cases(NOTEBOOK_MODES))
def test_notebook_form_mean_of_many_calls_is_pi(mode, threads):
    """The mean of 20 estimates from 1e5 samples each lies within 5 of its own sigma of pi
    (so no mode is biased, e.g. by a chunk weighted wrongly)."""
    n, calls = 100_000, 20
    func = built("monte_carlo_pi", mode, threads=threads)
    mean = sum(func(n) for _ in range(calls)) / calls
    assert abs(mean - math.pi) < 5 * 4 * math.sqrt(P * (1 - P) / (n * calls))


@pytest.mark.parametrize(("mode", "threads"), cases(NOTEBOOK_MODES))
def test_notebook_form_calls_differ(mode, threads):
    """Four calls give at least three distinct estimates (P(fail) ~ 2e-6 for 2e6 samples)."""
    func = built("monte_carlo_pi", mode, threads=threads)
    assert len({func(N) for _ in range(4)}) >= 3


def test_notebook_form_takes_no_seed():
    """The notebook's signature is `(nsamples)`: a seed is a TypeError."""
    with pytest.raises(TypeError):
        built("monte_carlo_pi", "serial")(1000, 1)


@pytest.mark.parametrize(("nsamples", "estimates", "expected"), [(3, [4.0, 2.0], 8 / 3), (10, [4.0, 0.0], 2.0)])
def test_chunk_estimates_are_weighted_by_chunk_size(nsamples, estimates, expected):
    """Chunks of sizes (1, 2) and (5, 5): their estimates combine weighted by size, exactly."""
    assert kernels.REGISTRY["monte_carlo_pi"].plan.combine((nsamples,), estimates) == expected


@pytest.mark.parametrize("threads", sorted({1, kernels.max_threads()}))
def test_chunks_split_the_samples_one_per_thread(threads):
    """nsamples splits into one chunk per thread (fewer for tiny counts), summing to nsamples."""
    plan = kernels.REGISTRY["monte_carlo_pi"].plan
    for nsamples in (1, 2, 7, 10**6 + 1):
        sizes = [task[0] for task in plan.split((nsamples,), threads)]
        assert len(sizes) == min(threads, nsamples)
        assert sum(sizes) == nsamples and min(sizes) >= 1
        assert max(sizes) - min(sizes) <= 1


@pytest.mark.parametrize(("mode", "threads"), cases(BLOCKED_MODES))
def test_blocked_unseeded_estimate_is_within_five_sigma(mode, threads):
    """An unseeded estimate from 2e6 samples lies within 5 sigma of pi."""
    estimate = built("monte_carlo_pi_blocked", mode, threads=threads)(N)
    assert abs(estimate - math.pi) < 5 * SIGMA
    hits = round(estimate * N / 4)
    assert 4.0 * hits / N == estimate  # 4 × (a whole number of hits) / nsamples


@pytest.mark.parametrize(("mode", "threads"), cases(BLOCKED_MODES))
def test_blocked_unseeded_calls_differ(mode, threads):
    """Four unseeded calls give at least three distinct estimates (P(fail) ~ 2e-6 for 2e6 samples)."""
    func = built("monte_carlo_pi_blocked", mode, threads=threads)
    assert len({func(N) for _ in range(4)}) >= 3
    assert len({func(N, None) for _ in range(4)}) >= 3


@pytest.mark.parametrize("mode", BLOCKED_MODES)
def test_blocked_unseeded_calls_do_not_depend_on_earlier_seeded_calls(mode):
    """An unseeded estimate is fresh even when a seeded call ran just before on the same thread."""
    func = built("monte_carlo_pi_blocked", mode, threads=1)
    estimates = set()
    for _ in range(3):
        func(100_000, 12345)
        estimates.add(func(N))
    assert len(estimates) > 1  # three equal draws: P ~ 3e-7 for an honest generator


@pytest.mark.parametrize("seed", [0, 1, 2**31, 2**32 - 1])
@pytest.mark.parametrize("nsamples", [1, 16383, 16384, 16385, 300_001])
def test_blocked_seeded_modes_equal_the_reference_exactly(nsamples, seed):
    """For fixed (nsamples, seed) every mode on every thread count returns the reference bit for bit."""
    expected = REFERENCE(nsamples, seed)
    for mode in BLOCKED_MODES:
        for threads in thread_counts(mode):
            func = built("monte_carlo_pi_blocked", mode, threads=threads)
            assert func(nsamples, seed) == expected, (mode, threads)
            assert func(nsamples, seed=seed) == expected, (mode, threads)


@pytest.mark.parametrize(("mode", "threads"), cases(BLOCKED_MODES))
def test_blocked_same_seed_twice_is_identical(mode, threads):
    """The same seed gives the same estimate twice, and one independent of the thread count."""
    func = built("monte_carlo_pi_blocked", mode, threads=threads)
    first = func(N, 2024)
    assert func(N, 2024) == first
    assert first == built("monte_carlo_pi_blocked", mode, threads=1 if threads else None)(N, 2024)
    assert abs(first - math.pi) < 5 * SIGMA


@pytest.mark.parametrize("mode", BLOCKED_MODES)
def test_blocked_different_seeds_differ(mode):
    """Different seeds give different estimates."""
    func = built("monte_carlo_pi_blocked", mode)
    estimates = [func(N, seed) for seed in (1, 2, 3)]
    assert len(set(estimates)) == 3


def test_blocked_adjacent_seeds_give_independent_estimates():
    """Estimates for seeds s and s + 1 are independent draws, not near copies.

    For 20 disjoint pairs, T = sum (e(s+1) - e(s))**2 / (2 sigma**2) is chi-squared with 20
    degrees of freedom when seeds are independent: P(T < 1) ~ 2e-10.
    """
    func = built("monte_carlo_pi_blocked", "serial")  # bit-identical to the reference and every mode (tested above)
    t = sum((func(N, s + 1) - func(N, s)) ** 2 for s in range(0, 400, 20)) / (2 * SIGMA**2)
    assert t > 1.0
