"""Every kernel × mode × thread count agrees with the NumPy reference."""

import math
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import kernels

SIZES = [1, 2, 3, 7, 1000, 10**5, 10**6]
ARRAY_KERNELS = ["gaussians", "kde"]


def thread_counts(mode):
    """1 and max_threads() for threaded modes; the default (one thread) otherwise."""
    return sorted({1, kernels.max_threads()}) if kernels.MODE_INFO[mode].threaded else [None]


CASES = [
    pytest.param(kernel, mode, threads, id=f"{kernel}-{mode}-{threads or 1}t")
    for kernel, modes in kernels.MODES.items()
    for mode in modes
    for threads in thread_counts(mode)
]
KERNEL_MODES = [(kernel, mode) for kernel, modes in kernels.MODES.items() for mode in modes]

built = cache(kernels.build)


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("kernel", "mode", "threads"), CASES)
def test_agrees_with_reference(kernel, mode, threads, size):
    """`inputs(size)` through every mode matches the reference within rtol."""
    info = kernels.REGISTRY[kernel]
    args = info.inputs(size)
    result = built(kernel, mode, threads=threads)(*args)
    expected = info.reference(*info.check(*args))
    assert info.agrees(result, info.check(*args))
    assert np.shape(result) == ((size,) if kernel == "gaussians" else ())
    assert np.all(np.isfinite(result))
    if kernel == "monte_carlo_pi_blocked":
        assert result == expected  # seeded: bit-identical, not merely close


def test_agrees_is_not_vacuous():
    """`agrees` rejects a wrong shape and a relative error above rtol."""
    for kernel in ARRAY_KERNELS:
        info = kernels.REGISTRY[kernel]
        args = info.check(*info.inputs(100))
        good = info.reference(*args)
        assert info.agrees(good, args)
        assert not info.agrees(good * (1 + 1e-7), args)
        assert not info.agrees(np.append(good, 0.0), args)
    blocked = kernels.REGISTRY["monte_carlo_pi_blocked"]
    assert not blocked.agrees(blocked.reference(1000, 1) + 1e-12, (1000, 1))
    assert not blocked.agrees(blocked.reference(1000, 2), (1000, 1))
    mc = kernels.REGISTRY["monte_carlo_pi"]
    sigma = 4 * math.sqrt(math.pi / 4 * (1 - math.pi / 4) / 10**6)
    assert mc.agrees(math.pi + 4.9 * sigma, (10**6,)) and mc.agrees(math.pi - 4.9 * sigma, (10**6,))
    assert not mc.agrees(math.pi + 5.1 * sigma, (10**6,)) and not mc.agrees(math.pi - 5.1 * sigma, (10**6,))


def test_reference_matches_textbook_formulas():
    """The reference is the notebook's maths: a normal density, its mean, and a pi estimate."""
    x, means, widths = 0.4, np.array([0.4, -1.0, 2.5]), np.array([1.0, 0.5, 3.0])
    density = [
        math.exp(-0.5 * ((x - m) / w) ** 2) / (w * math.sqrt(2 * math.pi)) for m, w in zip(means, widths, strict=True)
    ]
    gaussians = kernels.REGISTRY["gaussians"].reference(x, means, widths)
    np.testing.assert_allclose(gaussians, np.array(density) / 3, rtol=1e-14)
    assert kernels.REGISTRY["kde"].reference(x, means, widths) == pytest.approx(sum(density) / 3, rel=1e-14)
    grid = np.linspace(-10, 10, 20001)
    kde = [kernels.REGISTRY["kde"].reference(g, means, widths) for g in grid[::10]]
    assert np.trapezoid(kde, grid[::10]) == pytest.approx(1.0, abs=1e-2)
    assert kernels.REGISTRY["monte_carlo_pi_blocked"].reference(200_000, 1) == pytest.approx(math.pi, abs=0.02)
    assert kernels.REGISTRY["monte_carlo_pi"].reference(200_000) == pytest.approx(math.pi, abs=0.02)


@st.composite
def kernel_args(draw):
    """x, means in [-1e3, 1e3] and widths in (1e-3, 1e3], of a random common length."""
    n = draw(st.integers(1, 300))
    x = draw(st.floats(-1e3, 1e3))
    means = draw(hnp.arrays(np.float64, n, elements=st.floats(-1e3, 1e3)))
    widths = draw(hnp.arrays(np.float64, n, elements=st.floats(1e-3, 1e3, exclude_min=True)))
    return x, means, widths


@pytest.mark.parametrize(("kernel", "mode"), [(k, m) for k, m in KERNEL_MODES if k in ARRAY_KERNELS])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(args=kernel_args(), one_thread=st.booleans())
def test_random_arrays_agree(kernel, mode, args, one_thread):
    """Random sizes and values agree with the reference in every mode."""
    info = kernels.REGISTRY[kernel]
    threads = 1 if one_thread or not kernels.MODE_INFO[mode].threaded else None
    result = built(kernel, mode, threads=threads)(*args)
    assert info.agrees(result, info.check(*args))


@pytest.mark.parametrize("mode", kernels.MODES["monte_carlo_pi_blocked"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nsamples=st.integers(1, 60_000), seed=st.integers(0, 2**32 - 1), one_thread=st.booleans())
def test_random_seeded_monte_carlo_matches_reference(mode, nsamples, seed, one_thread):
    """Random sample counts and seeds (wrap-around included) give the blocked reference estimate exactly."""
    info = kernels.REGISTRY["monte_carlo_pi_blocked"]
    threads = 1 if one_thread or not kernels.MODE_INFO[mode].threaded else None
    assert built("monte_carlo_pi_blocked", mode, threads=threads)(nsamples, seed) == info.reference(nsamples, seed)


@pytest.mark.parametrize("mode", kernels.MODES["monte_carlo_pi"])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nsamples=st.integers(1, 60_000), one_thread=st.booleans())
def test_random_sample_counts_give_whole_hit_counts(mode, nsamples, one_thread):
    """The notebook form at random sample counts: 4 × (a whole number of hits, 0 ... n) / n, accepted."""
    info = kernels.REGISTRY["monte_carlo_pi"]
    threads = 1 if one_thread or not kernels.MODE_INFO[mode].threaded else None
    estimate = built("monte_carlo_pi", mode, threads=threads)(nsamples)
    hits = round(estimate * nsamples / 4)
    assert 0 <= hits <= nsamples
    assert 4.0 * hits / nsamples == estimate
    assert info.agrees(estimate, (nsamples,))
