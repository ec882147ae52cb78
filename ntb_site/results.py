"""Shared reading of asv's results directory for the project's own site pages."""

from pathlib import Path

from asv.machine import Machine
from asv.results import Results

_MACHINE_FIELDS = {name for name, _ in Machine.fields}


def machines(results_dir: str | Path) -> list[str]:
    """Names of the machines with results in `results_dir`, sorted."""
    return sorted(path.parent.name for path in Path(results_dir).glob("*/machine.json"))


def environment(result: Results, *, without: tuple[str, ...] = ()) -> dict[str, str]:
    """What defines the result's environment besides the machine: matrix requirements
    (less those in `without`) and environment variables."""
    params = {k: v for k, v in result.params.items() if k not in _MACHINE_FIELDS and k not in without}
    return {**params, **result.env_vars}


def env_label(env: dict[str, str]) -> str:
    """`numba=0.68.1, NUMBA_THREADING_LAYER=omp`-style label of an environment."""
    return ", ".join(f"{k}={v}" if v else k for k, v in sorted(env.items()))
