"""The benchmark modules state their modes as tables (so asv's parameter indices stay
fixed across commits); they must equal the registry of this commit."""

import importlib
import re
from pathlib import Path

import pytest

import kernels


@pytest.mark.parametrize("kernel", list(kernels.REGISTRY))
def test_every_kernel_has_a_benchmark_module_with_its_modes(kernel):
    module = importlib.import_module(f"benchmarks.{kernel}")
    assert module.KERNEL == kernel
    assert module.MODES == kernels.MODES[kernel]
    assert module.Modes.params[1] == list(kernels.MODES[kernel])


def test_benchmarks_touch_only_the_public_api():
    """Every `kernels.<name>` the suite uses is exported by `kernels.__all__`, and no module
    imports from inside the package."""
    root = Path(kernels.__file__).parents[1] / "benchmarks"
    text = "\n".join(path.read_text(encoding="utf-8") for path in root.glob("*.py"))
    assert not re.search(r"^\s*(from|import) kernels\.", text, re.MULTILINE)
    used = set(re.findall(r"\bkernels\.(\w+)", text))
    assert used and used <= set(kernels.__all__), used - set(kernels.__all__)


def test_the_suites_layer_tables_equal_the_registry_and_the_matrix():
    """`common.ON_LAYER` is the registry's `on_layer` modes; `common.DEFAULT_LAYER` is the
    first layer of asv.conf.json's matrix, the one `.ci/bench` and the pages call the default."""
    import json

    from benchmarks import common

    assert common.ON_LAYER == tuple(name for name, mode in kernels.MODE_INFO.items() if mode.on_layer)
    config = json.loads((Path(kernels.__file__).parents[1] / "asv.conf.json").read_text(encoding="utf-8"))
    assert config["matrix"]["env_nobuild"]["NUMBA_THREADING_LAYER"][0] == common.DEFAULT_LAYER


@pytest.mark.parametrize("layer", ["tbb", "workqueue"])
def test_a_mode_off_the_layer_is_na_under_another_layer(monkeypatch, layer):
    """Under a non-default layer a mode that never starts Numba's threading layer is n/a
    (its time is the default environment's), a mode on the layer is timed; under the
    default layer, or none asked for, every mode is timed."""
    from benchmarks import common, kde

    bench = kde.Modes()
    monkeypatch.setenv("NUMBA_THREADING_LAYER", layer)
    for mode in ("numpy", "serial", "threads", "dask"):
        with pytest.raises(NotImplementedError, match=f"timed under omp only, not {layer}"):
            bench.setup(1_000, mode, 1)
    assert common.other_layer() == layer
    common.on_this_layer("prange")
    monkeypatch.setenv("NUMBA_THREADING_LAYER", "omp")
    assert common.other_layer() is None
    common.on_this_layer("numpy")
    monkeypatch.delenv("NUMBA_THREADING_LAYER")
    assert common.other_layer() is None
    bench.setup(1_000, "numpy", 1)
