"""The registry contract: `MODES`, `build()` choices and `threads` validation."""

import subprocess
import sys

import numpy as np
import pytest

import kernels

KERNEL_MODES = [(kernel, mode) for kernel, modes in kernels.MODES.items() for mode in modes]
THREADED = [(k, m) for k, m in KERNEL_MODES if kernels.MODE_INFO[m].threaded]
UNTHREADED = [(k, m) for k, m in KERNEL_MODES if not kernels.MODE_INFO[m].threaded]
COMMON = {"numpy", "serial", "prange", "threads", "dask"}


def test_modes_match_the_registry():
    """`MODES` is the kernel → modes view of `REGISTRY`, with the modes the issue asks for."""
    assert list(kernels.MODES) == list(kernels.REGISTRY)
    assert set(kernels.REGISTRY) == {"gaussians", "kde", "monte_carlo_pi", "monte_carlo_pi_blocked"}
    for kernel, modes in kernels.MODES.items():
        info = kernels.REGISTRY[kernel]
        assert info.name == kernel
        assert modes == info.modes
        assert modes == tuple(mode for mode in kernels.MODE_INFO if mode in modes)
        assert set(modes) <= set(kernels.MODE_INFO)
        assert COMMON <= set(modes)
        assert info.baseline in modes
    assert "parallel" in kernels.MODES["gaussians"]
    assert "parallel" in kernels.MODES["kde"]
    assert "parallel" not in kernels.MODES["monte_carlo_pi"]
    assert "parallel" not in kernels.MODES["monte_carlo_pi_blocked"]


@pytest.mark.parametrize("kernel", list(kernels.REGISTRY))
def test_kernel_owns_its_modes_inputs_and_rules(kernel):
    """One object per kernel: its inputs pass its own check and its reference passes `agrees`."""
    info = kernels.REGISTRY[kernel]
    assert info.default_size >= 10**6
    args = info.check(*info.inputs(1000))
    assert info.agrees(info.reference(*args), args)
    assert set(info.variants) | {"threads", "dask", "distributed"} == set(info.modes)


def test_modes_is_read_only():
    """Nobody can add a mode behind the registry's back."""
    with pytest.raises(TypeError):
        kernels.MODES["kde"] = ("numpy",)
    with pytest.raises(TypeError):
        kernels.REGISTRY["extra"] = kernels.REGISTRY["kde"]


def test_only_numpy_and_serial_are_single_threaded():
    """The `threaded` flag drives the `threads` default: every mode but numpy and serial takes a count."""
    single = {name for name, info in kernels.MODE_INFO.items() if not info.threaded}
    assert single == {"numpy", "serial"}


LAYER_PROBE = """
import kernels
from numba.np.ufunc import parallel
for kernel, mode in {modes!r}:
    kernels.build(kernel, mode)(*kernels.REGISTRY[kernel].inputs(1000))
print(parallel._is_initialized)
"""


@pytest.mark.parametrize("on_layer", [False, True])
def test_only_the_modes_on_the_layer_start_numbas_threading_layer(on_layer):
    """`on_layer` says which modes' time a threading layer can change: in a fresh process,
    calling every other mode of every kernel leaves Numba's pool unstarted, and calling any
    one `on_layer` mode starts it (the whole matrix times the others under one layer only)."""
    modes = [(k, m) for k, m in KERNEL_MODES if kernels.MODE_INFO[m].on_layer == on_layer]
    others = {"numpy", "serial", "threads", "dask", "distributed"}
    assert {m for _, m in modes} == ({"parallel", "prange"} if on_layer else others)
    probes = [[pair] for pair in modes] if on_layer else [modes]
    for probe in probes:
        out = subprocess.run(
            [sys.executable, "-c", LAYER_PROBE.format(modes=probe)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert out.stdout.split()[-1] == str(on_layer), probe


@pytest.mark.parametrize(("kernel", "mode"), KERNEL_MODES)
def test_build_returns_labelled_callable(kernel, mode):
    """`build` gives a callable that remembers its kernel, mode and thread count."""
    func = kernels.build(kernel, mode)
    assert callable(func)
    assert (func.kernel, func.mode) == (kernel, mode)
    assert func.__name__ == kernel
    assert mode in func.__doc__


@pytest.mark.parametrize("kernel", ["nope", "", "KDE", None, 3])
def test_unknown_kernel_names_the_choices(kernel):
    """An unknown kernel is a ValueError listing every kernel."""
    with pytest.raises(ValueError, match="kernel") as err:
        kernels.build(kernel, "numpy")
    for name in kernels.REGISTRY:
        assert name in str(err.value)


@pytest.mark.parametrize("kernel", list(kernels.MODES))
@pytest.mark.parametrize("mode", ["nope", "", "Serial", None, 1])
def test_unknown_mode_names_the_choices(kernel, mode):
    """An unknown mode is a ValueError listing the kernel's modes."""
    with pytest.raises(ValueError, match="mode") as err:
        kernels.build(kernel, mode)
    for name in kernels.MODES[kernel]:
        assert name in str(err.value)


@pytest.mark.parametrize(
    ("kernel", "mode"),
    [(k, m) for k in kernels.MODES for m in kernels.MODE_INFO if m not in kernels.MODES[k]],
)
def test_unsupported_mode_names_the_choices(kernel, mode):
    """A real mode the kernel lacks (monte_carlo_pi has no `parallel`) is a ValueError naming the supported ones."""
    with pytest.raises(ValueError, match="mode") as err:
        kernels.build(kernel, mode)
    message = str(err.value)
    assert repr(mode) in message
    for name in kernels.MODES[kernel]:
        assert name in message


@pytest.mark.parametrize("kernel", ["monte_carlo_pi", "monte_carlo_pi_blocked"])
def test_monte_carlo_has_no_parallel_mode(kernel):
    """The issue's own example of an unsupported mode."""
    with pytest.raises(ValueError, match="parallel"):
        kernels.build(kernel, "parallel")


@pytest.mark.parametrize(
    ("kernel", "mode", "choice"), [("kde", ["serial"], "serial"), (["kde"], "serial", "monte_carlo_pi")]
)
def test_unhashable_kernel_or_mode_names_the_choices(kernel, mode, choice):
    """A list where a name belongs is refused with the choices, not an internal hashing error."""
    with pytest.raises((TypeError, ValueError), match="kernel|mode") as err:
        kernels.build(kernel, mode)
    assert choice in str(err.value)


@pytest.mark.parametrize(("kernel", "mode"), THREADED)
def test_threads_default_to_max_threads(kernel, mode):
    """threads=None means every thread Numba may use, for threaded modes."""
    assert kernels.max_threads() >= 1
    assert kernels.build(kernel, mode).threads == kernels.max_threads()
    assert kernels.build(kernel, mode, threads=None).threads == kernels.max_threads()


@pytest.mark.parametrize(("kernel", "mode"), THREADED)
def test_threads_accepts_every_valid_count(kernel, mode):
    """Any integer 1 ... max_threads() (NumPy integers too) is taken as given."""
    for count in range(1, kernels.max_threads() + 1):
        assert kernels.build(kernel, mode, threads=count).threads == count
    func = kernels.build(kernel, mode, threads=np.int64(1))
    assert func.threads == 1
    assert type(func.threads) is int


@pytest.mark.parametrize(("kernel", "mode"), UNTHREADED)
def test_single_threaded_modes_take_one_thread(kernel, mode):
    """numpy/serial run on one thread: None or 1 accepted, 2 refused."""
    assert kernels.build(kernel, mode).threads == 1
    assert kernels.build(kernel, mode, threads=1).threads == 1
    with pytest.raises(ValueError, match="threads"):
        kernels.build(kernel, mode, threads=2)


BAD_THREADS = [
    pytest.param(0, ValueError, id="zero"),
    pytest.param(-1, ValueError, id="negative"),
    pytest.param(-(2**70), ValueError, id="huge-negative"),
    pytest.param("max+1", ValueError, id="above-max"),
    pytest.param(1.0, TypeError, id="float"),
    pytest.param(2.5, TypeError, id="fraction"),
    pytest.param(np.float64(1), TypeError, id="np-float"),
    pytest.param(True, TypeError, id="True"),
    pytest.param(False, TypeError, id="False"),
    pytest.param(np.bool_(True), TypeError, id="np-bool"),
    pytest.param("2", TypeError, id="str"),
    pytest.param([2], TypeError, id="list"),
]


@pytest.mark.parametrize(("threads", "error"), BAD_THREADS)
@pytest.mark.parametrize(("kernel", "mode"), KERNEL_MODES)
def test_bad_threads_are_refused(kernel, mode, threads, error):
    """Bad thread counts raise the right error, mentioning `threads`, in every mode."""
    if threads == "max+1":
        threads = kernels.max_threads() + 1
    with pytest.raises(error, match="threads"):
        kernels.build(kernel, mode, threads=threads)


def test_threading_layer_is_reported():
    """`threading_layer()` names one of Numba's layers and is stable."""
    layer = kernels.threading_layer()
    assert layer in {"tbb", "omp", "workqueue"}
    assert kernels.threading_layer() == layer
