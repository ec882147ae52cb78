"""`kernels.notebook` holds the notebook's functions with its own decorators, and every
kernel names, per mode, the notebook function that runs the same program."""

import math

import numpy as np
import pytest

import kernels
from kernels import notebook
from kernels.flags import FLAGS

EXPECTED = {
    "gaussians": {
        "numpy": notebook.gaussians.py_func,
        "serial": notebook.gaussians_nothread,
        "parallel": notebook.gaussians,
    },
    "kde": {"numpy": notebook.kde.py_func, "serial": notebook.kde_nothread, "parallel": notebook.kde},
    "monte_carlo_pi": {
        "serial": notebook.monte_carlo_pi_serial,
        "prange": notebook.monte_carlo_pi_parallel,
        "threads": notebook.monte_carlo_pi,
        "dask": notebook.monte_carlo_pi,
        "distributed": notebook.monte_carlo_pi,
    },
    "monte_carlo_pi_blocked": {},
}


def test_notebook_mapping():
    """Each kernel maps exactly the modes the notebook shows to the notebook's own functions."""
    assert set(EXPECTED) == set(kernels.REGISTRY)
    for kernel, expected in EXPECTED.items():
        mapping = kernels.REGISTRY[kernel].notebook
        assert dict(mapping) == expected
        assert set(mapping) <= set(kernels.MODES[kernel])


def test_notebook_keeps_its_decorators():
    """The notebook's functions compile as the notebook says: parallel ones with parallel=True,
    the rest with Numba's default error model; the nogil one without the GIL."""
    assert notebook.gaussians.targetoptions["parallel"] and notebook.kde.targetoptions["parallel"]
    assert notebook.monte_carlo_pi_parallel.targetoptions["parallel"]
    assert notebook.monte_carlo_pi.targetoptions["nogil"]
    for func in (notebook.gaussians_nothread, notebook.kde_nothread, notebook.monte_carlo_pi_serial):
        assert "parallel" not in func.targetoptions and "error_model" not in func.targetoptions
    assert notebook.SQRT_2PI == math.sqrt(2 * math.pi)


@pytest.mark.parametrize("kernel", ["gaussians", "kde"])
def test_array_modes_run_the_notebooks_expression(kernel):
    """numpy is the notebook's Python function; serial the same function compiled with the
    project's flags; every Numba variant uses those flags."""
    info = kernels.REGISTRY[kernel]
    assert info.variants["numpy"].function is info.notebook["numpy"]
    assert info.reference is info.notebook["numpy"]
    serial = info.variants["serial"].function
    assert serial.py_func is info.notebook["numpy"]
    for variant in [info.variants[m].function for m in ("serial", "parallel", "prange")] + [info.plan.function]:
        assert {key: variant.targetoptions.get(key) for key in FLAGS} == FLAGS


@pytest.mark.parametrize("kernel", ["gaussians", "kde"])
@pytest.mark.parametrize("mode", ["numpy", "serial", "parallel"])
def test_modes_equal_their_notebook_function(kernel, mode):
    """The notebook's modes give the notebook function's result, to rounding."""
    info = kernels.REGISTRY[kernel]
    args = info.inputs(100_001)
    np.testing.assert_allclose(kernels.build(kernel, mode)(*args), info.notebook[mode](*args), rtol=1e-13, atol=0)


@pytest.mark.parametrize("mode", list(EXPECTED["monte_carlo_pi"]))
def test_notebook_monte_carlo_functions_estimate_pi(mode):
    """The notebook's Monte-Carlo functions themselves pass the kernel's statistical check."""
    info = kernels.REGISTRY["monte_carlo_pi"]
    assert info.agrees(info.notebook[mode](1_000_000), (1_000_000,))
