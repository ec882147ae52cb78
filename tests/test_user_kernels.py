"""A user's own function as a kernel (`kernels.user`), users' kernel files (`kernels.loading`,
``NTB_USER_KERNELS``) and their benchmarks in the asv suite (`benchmarks.user_kernels`)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import kernels
from kernels.loading import LoadError, load_object
from kernels.user import argument_indexes, from_function, mismatch, split_first_axis

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = [ROOT / "examples" / "black_scholes.py", ROOT / "examples" / "pairwise.py"]


def scaled(x, factor):
    """Elementwise."""
    return x * factor + 1.0


def inputs(size):
    return np.arange(size, dtype=np.float64), 2.0


def test_mismatch_names_shape_dtype_and_the_largest_difference():
    a = np.zeros(4)
    assert mismatch(a, a.copy()) is None
    assert "shape (3,)" in mismatch(np.zeros(3), a)
    assert "dtype float32" in mismatch(a.astype(np.float32), a)
    found = mismatch(np.array([0.0, 0.0, 0.5, 0.0]), a)
    assert "largest difference 0.5 at index (2,)" in found
    assert mismatch((a, a), (a, a + 1)).startswith("item 1: ")


def test_chunk_arguments_by_name_or_position_and_errors_naming_chunk():
    assert argument_indexes(scaled, ["x"]) == argument_indexes(scaled, ["0"]) == (0,)
    with pytest.raises(ValueError, match="chunk: 'y' is not a parameter of scaled"):
        argument_indexes(scaled, ["y"])
    with pytest.raises(ValueError, match="chunk: argument 5 out of range"):
        argument_indexes(scaled, [5])
    parts = split_first_axis((0,), (np.arange(10), 2.0), 3)
    assert [len(p[0]) for p in parts] == [3, 3, 4] and all(p[1] == 2.0 for p in parts)


def test_from_function_derives_the_modes_and_each_agrees():
    plain = from_function(scaled, inputs)
    assert plain.modes == ("numpy", "serial", "parallel")
    chunked = from_function(scaled, inputs, chunk=("x",), name="scaled_chunked")
    assert chunked.modes == ("numpy", "serial", "parallel", "threads", "dask")
    args = chunked.inputs(1000)
    for mode in chunked.modes:
        threads = 2 if chunked.mode_info(mode).threaded else None
        assert mismatch(chunked.build(mode, threads=threads)(*args), scaled(*args)) is None, mode


def test_from_function_refuses_a_bad_combine_and_inputs_that_are_not_a_tuple():
    with pytest.raises(ValueError, match="combine: expected one of concat, sum"):
        from_function(scaled, inputs, chunk=(0,), combine="max")
    with pytest.raises(TypeError, match="must return a tuple"):
        from_function(scaled, lambda size: np.zeros(size), chunk=(0,))


def test_load_object_errors_name_the_argument(tmp_path):
    with pytest.raises(LoadError, match="FUNCTION: no Python file 'missing.py'"):
        load_object("missing.py:f", "FUNCTION")
    (tmp_path / "mod.py").write_text("def f():\n    return 1\n")
    with pytest.raises(LoadError, match="--inputs: .* defines no 'g'"):
        load_object(f"{tmp_path / 'mod.py'}:g", "--inputs")
    with pytest.raises(LoadError, match="expected FILE.py:NAME"):
        load_object("mod.py", "FUNCTION")
    assert load_object(f"{tmp_path / 'mod.py'}:f", "FUNCTION")() == 1


def test_the_catalog_alone_without_user_kernels():
    assert kernels.USER == ()
    assert set(kernels.REGISTRY) == {"gaussians", "kde", "monte_carlo_pi", "monte_carlo_pi_blocked"}


def _with_user_kernels(code: str) -> dict:
    env = {**os.environ, "NTB_USER_KERNELS": os.pathsep.join(os.path.relpath(p, ROOT) for p in EXAMPLES)}
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout)


def test_user_kernel_files_join_the_registry_after_the_catalog():
    found = _with_user_kernels(
        "import json, kernels, os; print(json.dumps({'user': kernels.USER, 'names': list(kernels.REGISTRY),"
        " 'modes': kernels.MODES['pairwise'], 'env': os.environ['NTB_USER_KERNELS']}))"
    )
    assert found["user"] == ["black_scholes", "pairwise"]
    assert found["names"][-2:] == ["black_scholes", "pairwise"] and len(found["names"]) == 6
    assert found["modes"] == ["numpy", "serial", "parallel", "prange", "threads", "dask"]
    assert all(os.path.isabs(path) for path in found["env"].split(os.pathsep))


def test_user_kernels_are_discovered_by_asv_under_their_own_names():
    found = _with_user_kernels(
        "import json; from asv_runner.discovery import disc_benchmarks; from benchmarks import codegen;"
        " names = sorted({b.name for b in disc_benchmarks('benchmarks')});"
        " print(json.dumps({'names': names, 'variants': codegen.VARIANTS}))"
    )
    for kernel in ("black_scholes", "pairwise"):
        assert {f"{kernel}.Modes.time_kernel", f"{kernel}.FirstCall.timeraw_first_call"} <= set(found["names"])
    assert "gaussians.Modes.time_kernel" in found["names"]
    assert {"pairwise.prange", "pairwise.chunk", "black_scholes.parallel"} <= set(found["variants"])


def test_a_cached_user_variant_is_compiled_again_for_its_machine_code_facts(tmp_path):
    """A user kernel's own cache folder (filled by a first run) must not feed the
    machine-code facts, which need a compilation's remarks and parfor diagnostics."""
    kernel_file = tmp_path / "scaled_user.py"
    kernel_file.write_text(
        "import numpy as np\n"
        "from kernels.user import from_function\n"
        "def scaled_user(x, factor):\n    return np.exp(x) * factor + 1.0\n"
        "def inputs(size):\n    return np.linspace(0.0, 1.0, size), 2.0\n"
        f"KERNEL = from_function(scaled_user, inputs, cache={str(tmp_path / 'cache')!r})\n"
    )
    env = {**os.environ, "NTB_USER_KERNELS": str(kernel_file)}
    fill = "import kernels; k = kernels.REGISTRY['scaled_user']; k.build('parallel', threads=2)(*k.inputs(64))"
    subprocess.run([sys.executable, "-c", fill], cwd=ROOT, env=env, check=True)
    assert list((tmp_path / "cache").rglob("*.nbi")), "the first run filled the user's cache"
    code = (
        "import json; from benchmarks import machine_code;"
        " r = machine_code.reports('scaled_user.parallel');"
        " print(json.dumps({'diagnostics': r['diagnostics'], 'remarks': len(r['remarks'])}))"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout)
    assert "Parallel Accelerator Optimizing" in found["diagnostics"] and found["remarks"] > 0
