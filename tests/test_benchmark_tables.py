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
