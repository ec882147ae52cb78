"""Bad arguments are refused, naming the argument, in every mode; odd but valid layouts are accepted."""

import re
from functools import cache

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kernels

ARRAY_MODES = [(k, m) for k in ("gaussians", "kde") for m in kernels.MODES[k]]
MC_CASES = [(k, m) for k in ("monte_carlo_pi", "monte_carlo_pi_blocked") for m in kernels.MODES[k]]
BLOCKED_MODES = kernels.MODES["monte_carlo_pi_blocked"]
ONES = np.ones(4)

built = cache(kernels.build)


def refused(func, name, *args, **kwargs):
    """Assert `func(*args)` raises TypeError/ValueError whose message names `name`."""
    with pytest.raises((TypeError, ValueError)) as err:
        func(*args, **kwargs)
    assert re.search(rf"\b{name}\b", str(err.value)), f"{name!r} not named in {err.value!r}"
    return err.value


BAD_X = [
    pytest.param("0.4", id="str"),
    pytest.param(None, id="None"),
    pytest.param(0.4 + 1j, id="complex"),
    pytest.param(np.complex128(1), id="np-complex"),
    pytest.param(True, id="bool"),
    pytest.param(np.bool_(False), id="np-bool"),
    pytest.param([0.4], id="list"),
    pytest.param(np.array([0.4]), id="array"),
    pytest.param(np.array(0.4), id="0-d-array"),
    pytest.param(float("nan"), id="nan"),
    pytest.param(float("inf"), id="inf"),
    pytest.param(-np.inf, id="-inf"),
    pytest.param(np.float32("nan"), id="np-nan"),
    pytest.param(10**400, id="int-beyond-float"),
]


@pytest.mark.parametrize("x", BAD_X)
@pytest.mark.parametrize(("kernel", "mode"), ARRAY_MODES)
def test_bad_x(kernel, mode, x):
    """x must be a finite real number."""
    refused(built(kernel, mode), "x", x, ONES, ONES)


BAD_ARRAYS = [
    pytest.param([], id="empty-list"),
    pytest.param(np.empty(0), id="empty"),
    pytest.param(np.ones((2, 2)), id="2-D"),
    pytest.param(np.ones((1, 4)), id="row"),
    pytest.param(np.ones((4, 1)), id="column"),
    pytest.param(np.array(1.0), id="0-d"),
    pytest.param(1.0, id="scalar"),
    pytest.param(None, id="None"),
    pytest.param("1234", id="str"),
    pytest.param(["1", "2", "3", "4"], id="strings"),
    pytest.param(np.array([1, 2, 3, 4], dtype=object), id="objects"),
    pytest.param([object()] * 4, id="object-list"),
    pytest.param(np.ones(4, dtype=complex), id="complex"),
    pytest.param([1, 2, 3, 4j], id="complex-list"),
    pytest.param(np.ones(4, dtype=bool), id="bool"),
    pytest.param([True] * 4, id="bool-list"),
    pytest.param([[1.0], [1.0, 2.0], [1.0], [1.0]], id="ragged"),
    pytest.param(np.array(["2020-01-01"] * 4, dtype="datetime64[D]"), id="datetime"),
]


@pytest.mark.parametrize("bad", BAD_ARRAYS)
@pytest.mark.parametrize("name", ["means", "widths"])
@pytest.mark.parametrize(("kernel", "mode"), ARRAY_MODES)
def test_bad_arrays(kernel, mode, name, bad):
    """means and widths must be non-empty 1-D arrays of real numbers."""
    args = {"x": 0.4, "means": ONES, "widths": ONES, name: bad}
    refused(built(kernel, mode), name, **args)


@pytest.mark.parametrize(("kernel", "mode"), ARRAY_MODES)
def test_mismatched_lengths(kernel, mode):
    """means and widths must have equal lengths; both are named."""
    func = built(kernel, mode)
    for means, widths in [(np.ones(3), np.ones(4)), (np.ones(4), np.ones(1)), ([0.0], [1.0, 1.0])]:
        error = refused(func, "means", 0.4, means, widths)
        assert "widths" in str(error)


BAD_VALUES = [
    ("means", np.nan),
    ("means", np.inf),
    ("means", -np.inf),
    ("widths", np.nan),
    ("widths", np.inf),
    ("widths", -np.inf),
    ("widths", 0.0),
    ("widths", -0.0),
    ("widths", -1.0),
    ("widths", -5e-324),
]


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
@pytest.mark.parametrize(("kernel", "mode"), ARRAY_MODES)
def test_bad_values(kernel, mode, name, value):
    """Non-finite means and non-finite or non-positive widths are refused."""
    args = {"means": np.ones(5), "widths": np.ones(5)}
    args[name][3] = value
    error = refused(built(kernel, mode), name, 0.4, **args)
    assert "index 3" in str(error)


NON_FINITE = st.sampled_from([np.nan, np.inf, -np.inf])
NON_POSITIVE = st.floats(max_value=0.0, allow_nan=False)


@pytest.mark.parametrize(("kernel", "mode"), ARRAY_MODES)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(1, 500), name=st.sampled_from(["means", "widths"]), data=st.data())
def test_bad_value_at_random_index(kernel, mode, n, name, data):
    """One NaN/inf mean, or NaN/inf/non-positive width, anywhere in the arrays is caught and named."""
    index = data.draw(st.integers(0, n - 1), label="index")
    bad = data.draw(NON_FINITE if name == "means" else st.one_of(NON_FINITE, NON_POSITIVE), label="bad")
    means, widths = np.linspace(-1, 1, n), np.full(n, 0.2)
    (means if name == "means" else widths)[index] = bad
    error = refused(built(kernel, mode), name, 0.4, means, widths)
    assert f"index {index}" in str(error)


BAD_NSAMPLES = [0, -1, -(2**63), 2**53 + 1, 1e6, 10.0, np.float64(100), "100", True, False, np.bool_(True), None, [10]]
BAD_SEEDS = [-1, -(2**40), 2**32, 2**64, 1.0, 1.5, np.float64(3), "1", True, [1]]


@pytest.mark.parametrize("nsamples", BAD_NSAMPLES, ids=repr)
@pytest.mark.parametrize(("kernel", "mode"), MC_CASES)
def test_bad_nsamples(kernel, mode, nsamples):
    """nsamples must be a positive integer (no floats, strings or bools)."""
    refused(built(kernel, mode), "nsamples", nsamples)
    refused(built(kernel, mode), "nsamples", nsamples=nsamples)


@pytest.mark.parametrize("nsamples", BAD_NSAMPLES, ids=repr)
@pytest.mark.parametrize("mode", BLOCKED_MODES)
def test_bad_nsamples_with_a_seed(mode, nsamples):
    """A good seed does not excuse a bad nsamples."""
    refused(built("monte_carlo_pi_blocked", mode), "nsamples", nsamples, 1)


@pytest.mark.parametrize("mode", kernels.MODES["monte_carlo_pi"])
def test_numpy_integer_nsamples_accepted(mode):
    """NumPy integers are valid sample counts (the blocked form: see the seed test below)."""
    info = kernels.REGISTRY["monte_carlo_pi"]
    for nsamples in (np.int64(2000), np.uint32(2000), np.int8(100)):
        assert info.agrees(built("monte_carlo_pi", mode)(nsamples), (int(nsamples),))


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
@pytest.mark.parametrize("mode", BLOCKED_MODES)
def test_bad_seed(mode, seed):
    """seed must be None or an integer in 0 ... 2**32 - 1."""
    refused(built("monte_carlo_pi_blocked", mode), "seed", 1000, seed)
    refused(built("monte_carlo_pi_blocked", mode), "seed", 1000, seed=seed)


@pytest.mark.parametrize("mode", BLOCKED_MODES)
def test_seed_bounds_and_numpy_integers_accepted(mode):
    """The extreme seeds and NumPy integer arguments are valid."""
    func, reference = built("monte_carlo_pi_blocked", mode), kernels.REGISTRY["monte_carlo_pi_blocked"].reference
    assert func(np.int64(2000), np.uint32(7)) == reference(2000, 7)
    assert func(2000, 0) == reference(2000, 0)
    assert func(2000, 2**32 - 1) == reference(2000, 2**32 - 1)


def layouts():
    """(label, x, means, widths) in layouts other than contiguous float64 arrays."""
    rng = np.random.default_rng(3)
    means, widths = rng.uniform(-1, 1, 2001), rng.uniform(0.1, 0.3, 2001)
    wide = np.stack([means, widths], axis=1)
    return [
        ("strided", 0.4, means[::2], widths[::2]),
        ("reversed", 0.4, means[::-1], widths[::-1]),
        ("column-view", 0.4, wide[:, 0], wide[:, 1]),
        ("float32", np.float32(0.4), means.astype(np.float32), widths.astype(np.float32)),
        ("big-endian", 0.4, means.astype(">f8"), widths.astype(">f8")),
        ("int", 1, np.arange(-5, 6), np.arange(1, 12, dtype=np.uint8)),
        ("int-x", np.int64(-2), means, widths),
        ("lists", 0.4, means.tolist(), widths.tolist()),
        ("tuples", 0.4, tuple(means[:7]), tuple(widths[:7])),
        ("read-only", 0.4, np.frombuffer(means.tobytes()), np.frombuffer(widths.tobytes())),
    ]


@pytest.mark.parametrize(("label", "x", "means", "widths"), layouts(), ids=[case[0] for case in layouts()])
@pytest.mark.parametrize(("kernel", "mode"), ARRAY_MODES)
def test_layouts_give_the_reference(kernel, mode, label, x, means, widths):
    """Strided, float32, integer, list and read-only inputs give the float64 contiguous result, untouched."""
    info = kernels.REGISTRY[kernel]
    means_copy, widths_copy = np.array(means, copy=True), np.array(widths, copy=True)
    ref_args = (float(x), np.ascontiguousarray(means, np.float64), np.ascontiguousarray(widths, np.float64))
    result = built(kernel, mode)(x, means, widths)
    assert info.agrees(result, ref_args)
    np.testing.assert_array_equal(means, means_copy)
    np.testing.assert_array_equal(widths, widths_copy)


@pytest.mark.parametrize(("kernel", "mode"), ARRAY_MODES)
def test_huge_finite_values_are_valid(kernel, mode):
    """Finite values near the float64 limit pass, even where a fused check's sum overflows."""
    means, widths = np.array([1e308, 1e308, 0.0]), np.array([1e308, 1e308, 1.0])
    expected = kernels.REGISTRY[kernel].reference(0.4, means, widths)
    np.testing.assert_allclose(kernels.build(kernel, mode)(0.4, means, widths), expected, rtol=1e-9)
