"""benchmarks/precompile.py, which asv's install command runs: it fills the Numba cache that
the suite's benchmark processes then load instead of compiling."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROBE = (
    "from benchmarks import common; "
    "common.validated('kde', 'prange', 1000, 1); common.validated('gaussians', 'serial', 1000)"
)


def test_a_benchmark_process_loads_what_precompile_compiled(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache"), "NUMBA_DEBUG_CACHE": "1"}
    env.pop("PYTHONPATH", None)
    filled = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "precompile.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert filled.returncode == 0, filled.stderr
    assert "precompile:" not in filled.stderr, filled.stderr
    assert "data saved" in filled.stdout
    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert probe.returncode == 0, probe.stderr
    assert "data loaded" in probe.stdout and "data saved" not in probe.stdout, probe.stdout


def test_the_kernels_are_shared_out_once_each():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import precompile
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    names = ["gaussians", "kde", "monte_carlo_pi", "monte_carlo_pi_blocked", "extra"]
    shared = precompile.share(names, 2)
    assert shared == [["gaussians", "monte_carlo_pi", "extra"], ["kde", "monte_carlo_pi_blocked"]]
    assert precompile.share(names, 1) == [names]
