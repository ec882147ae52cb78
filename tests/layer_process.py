"""Run test code in a fresh interpreter under one Numba threading layer: the layer is fixed
at Numba's first parallel launch, so a test of another layer needs its own process."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_under(layer: str, code: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`code` (dedented) run from the repository root with NUMBA_THREADING_LAYER=`layer`."""
    env = {
        **os.environ,
        "NUMBA_THREADING_LAYER": layer,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
