"""The one reader of asv's results directory: result files, decoded parameters, environments.

Every page and command of the site reads asv results through this module::

    from ntb_site import asv_results

    for run in asv_results.runs(".asv/results"):          # every results file, oldest first
        run.machine, run.commit, run.date                  # "vm", full sha, ms since the epoch
        run.environment.label                              # "numba 0.68.1, numpy 2.3.4, layer omp"
        for m in run.measurements("gaussians.Modes.time_kernel"):
            m.params                                       # {"size": 10000, "mode": "prange", "threads": 1}
            m.value, m.unit, m.state                       # seconds (None: failed, NaN: n/a), "seconds", "ok"
            m.stats, m.samples                             # asv's statistics dict and raw samples, or None

    newest = asv_results.newest_commit(asv_results.runs(results_dir))   # the runs of the newest commit

``Run.environment`` (:class:`Environment`) is what the result ran on: the machine (``cpu``,
``num_cpu``, ...), the matrix requirements, the environment variables and the *facts* the
suite records about itself in ``environment.*`` ``track_`` benchmarks, decoded by
:func:`facts`: a benchmark without parameters gives ``"Class.name"`` (``track_`` dropped) →
value; a benchmark with one parameter whose values are 0/1 with a single 1 (like
``ThreadingLayer.track_in_use(layer)``) gives ``parameter name`` → the value marked 1; any
other gives ``"Class.name(p1, p2)"`` → value. A fact named ``Versions.<package>`` (or
``<package>_version``) is a version packed as ``major * 10_000 + minor * 100 + patch``;
:attr:`Environment.versions` unpacks them beside the requirements the matrix pins.
"""

from __future__ import annotations

import ast
import itertools
import math
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from asv.benchmarks import Benchmarks
from asv.machine import Machine
from asv.results import Results, iter_results_for_machine
from asv.util import UserError, load_json

ENVIRONMENT_SUITE = "environment."
_MACHINE_FIELDS = {name for name, _ in Machine.fields}
_VERSION_FACT = re.compile(r"^(?:Versions\.(?P<a>\w+)|(?:\w+\.)?(?P<b>\w+)_version)$")
# Packages listed first in labels; the rest follow alphabetically.
_LEADING_PACKAGES = ("numba", "numpy", "llvmlite")


def decode_param(text: str) -> Any:
    """A parameter value as asv stores it (``"'numpy'"``, ``"10000"``) → the Python value."""
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def unpack_version(value: float) -> str:
    """``major * 10_000 + minor * 100 + patch`` → ``"major.minor.patch"``."""
    number = round(value)
    return f"{number // 10_000}.{number // 100 % 100}.{number % 100}"


@dataclass(frozen=True)
class Measurement:
    """One benchmark × parameter set of one results file."""

    benchmark: str
    params: dict[str, Any]
    value: float | None
    unit: str
    stats: dict[str, Any] | None
    samples: list[float] | None

    @property
    def state(self) -> str:
        """``"ok"`` (a number), ``"n/a"`` (NaN: skipped) or ``"failed"`` (None)."""
        if self.value is None:
            return "failed"
        return "n/a" if math.isnan(self.value) else "ok"

    @property
    def ci(self) -> tuple[float, float] | None:
        """asv's 99 % confidence interval of the value, where it recorded one."""
        if not self.stats or self.stats.get("ci_99_a") is None:
            return None
        return self.stats["ci_99_a"], self.stats["ci_99_b"]


@dataclass(frozen=True)
class Environment:
    """What a result ran on: machine, matrix requirements, environment variables, facts."""

    machine: dict[str, str]
    python: str
    requirements: dict[str, str]
    env_vars: dict[str, str]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def versions(self) -> dict[str, str]:
        """package → version: the matrix's pins, completed by the recorded version facts."""
        versions = {name: version for name, version in self.requirements.items() if version}
        for name, value in self.facts.items():
            match = _VERSION_FACT.match(name)
            if match and isinstance(value, int | float) and not math.isnan(value):
                versions.setdefault((match["a"] or match["b"]).lower(), unpack_version(value))
        return versions

    @property
    def layer(self) -> str | None:
        """The threading layer Numba loaded (fact ``layer``), else the one requested."""
        return self.facts.get("layer") or self.env_vars.get("NUMBA_THREADING_LAYER")

    @property
    def label(self) -> str:
        """``numba 0.68.1, numpy 2.3.4, layer omp``: versions, layer, other variables."""
        versions = self.versions
        order = sorted(versions, key=lambda name: (_rank(name), name))
        parts = [f"{name} {versions[name]}" for name in order]
        parts += [f"layer {self.layer}"] if self.layer else []
        parts += [f"{k}={v}" for k, v in sorted(self.env_vars.items()) if k != "NUMBA_THREADING_LAYER"]
        return ", ".join(parts)

    @property
    def key(self) -> tuple:
        """Hashable identity of the environment (python, requirements, variables)."""
        return self.python, tuple(sorted(self.requirements.items())), tuple(sorted(self.env_vars.items()))


def _rank(name: str) -> int:
    return _LEADING_PACKAGES.index(name) if name in _LEADING_PACKAGES else len(_LEADING_PACKAGES)


@dataclass(frozen=True)
class Run:
    """One asv results file: one commit in one environment on one machine."""

    machine: str
    result: Results
    benchmarks: dict[str, dict]

    @property
    def commit(self) -> str:
        """Full sha of the benchmarked commit."""
        return self.result.commit_hash

    @property
    def date(self) -> int:
        """Commit date, milliseconds since the epoch (0 where asv recorded none)."""
        return self.result.date or 0

    @property
    def env_name(self) -> str:
        """asv's name of the environment."""
        return self.result.env_name

    @cached_property
    def environment(self) -> Environment:
        """Machine, requirements, variables and recorded ``environment.*`` facts."""
        params = self.result.params
        return Environment(
            machine={k: str(v) for k, v in params.items() if k in _MACHINE_FIELDS},
            python=str(params.get("python", "")),
            requirements={k: str(v) for k, v in params.items() if k not in _MACHINE_FIELDS and k != "python"},
            env_vars=dict(self.result.env_vars or {}),
            facts=facts(self.measurements(prefix=ENVIRONMENT_SUITE)),
        )

    def measurements(self, benchmark: str | None = None, *, prefix: str = "") -> Iterator[Measurement]:
        """Every recorded parameter set of `benchmark` (None: of every benchmark whose name
        starts with `prefix`), in asv's parameter order."""
        keys = [benchmark] if benchmark else sorted(self.result.get_all_result_keys())
        for key in keys:
            if key.startswith(prefix) and key in self.result.get_all_result_keys():
                yield from self._measurements(key)

    def _measurements(self, key: str) -> Iterator[Measurement]:
        params = self.result.get_result_params(key)
        info = self.benchmarks.get(key, {})
        names = info.get("param_names") or [f"param{i + 1}" for i in range(len(params))]
        columns = zip(
            itertools.product(*params),
            self.result.get_result_value(key, params),
            self.result.get_result_stats(key, params),
            self.result.get_result_samples(key, params),
            strict=True,
        )
        for combo, value, stats, samples in columns:
            decoded = {name: decode_param(text) for name, text in zip(names, combo, strict=True)}
            yield Measurement(key, decoded, value, info.get("unit", ""), stats, samples)


def facts(measurements: Iterable[Measurement]) -> dict[str, Any]:
    """Decode ``environment.*`` track results into named facts (see the module docstring)."""
    found: dict[str, Any] = {}
    for key, group in itertools.groupby(measurements, key=lambda m: m.benchmark):
        cls, _, method = key.removeprefix(ENVIRONMENT_SUITE).rpartition(".")
        if not method.startswith("track_"):
            continue
        name = f"{cls}.{method.removeprefix('track_')}"
        ok = [m for m in group if m.state == "ok"]
        flags = [m for m in ok if len(m.params) == 1 and m.value in (0, 1)]
        marked = [m for m in flags if m.value == 1]
        if ok and len(flags) == len(ok) and len(marked) == 1:
            ((param, value),) = marked[0].params.items()
            found[param] = value
            continue
        for m in ok:
            suffix = f"({', '.join(map(str, m.params.values()))})" if m.params else ""
            found[name + suffix] = int(m.value) if float(m.value).is_integer() else m.value
    return found


def machines(results_dir: str | Path) -> list[str]:
    """Names of the machines with results in `results_dir`, sorted."""
    return sorted(path.parent.name for path in Path(results_dir).glob("*/machine.json"))


def load_benchmarks(results_dir: str | Path) -> dict[str, dict]:
    """asv's benchmarks.json (name → description); empty when there is none."""
    try:
        data = load_json(str(Path(results_dir) / "benchmarks.json"), api_version=Benchmarks.api_version)
    except (OSError, UserError):
        return {}
    return {name: info for name, info in data.items() if isinstance(info, dict)}


def runs(results_dir: str | Path, machine: str | None = None) -> list[Run]:
    """Every results file of `machine` (None: of every machine), ordered by commit date,
    commit and environment name."""
    benchmarks = load_benchmarks(results_dir)
    found = [
        Run(name, result, benchmarks)
        for name in ([machine] if machine else machines(results_dir))
        for result in iter_results_for_machine(str(results_dir), name)
    ]
    return sorted(found, key=lambda run: (run.date, run.commit, run.machine, run.env_name))


def newest_commit(found: Iterable[Run], benchmark_prefix: str = "") -> list[Run]:
    """The runs of the newest commit (by date, on the machine that has it) that recorded a
    benchmark starting with `benchmark_prefix`; empty when none did."""
    having = [run for run in found if any(key.startswith(benchmark_prefix) for key in run.result.get_all_result_keys())]
    if not having:
        return []
    newest = max(having, key=lambda run: (run.date, run.commit, run.machine))
    return [run for run in having if (run.commit, run.machine) == (newest.commit, newest.machine)]
