r"""The one reader of asv's results directory: result files, decoded parameters, environments.

Every page and command of the site reads asv results through this module::

    from ntb_site.results import asv_results

    for run in asv_results.runs(".asv/results"):          # every results file, oldest first
        run.machine, run.commit, run.date                  # "vm", full sha, ms since the epoch
        run.environment.label                              # "numba 0.68.1, numpy 2.3.4, layer omp"
        for m in run.measurements("gaussians.Modes.time_kernel"):
            m.params                                       # {"size": 10000, "mode": "prange", "threads": 1}
            m.value, m.unit, m.state                       # seconds (None: failed, NaN: n/a), "seconds", "ok"
            m.stats, m.samples                             # asv's statistics dict and raw samples, or None

    newest = asv_results.newest_commit(asv_results.runs(results_dir), r"\.Modes\.")   # runs of the newest commit

``Run.environment`` (:class:`Environment`) is what the result ran on: the machine (``cpu``,
``num_cpu``, ...), the matrix requirements, the environment variables and the *facts* the
suite records about itself in ``environment.*`` ``track_`` benchmarks, decoded by
:func:`facts` into ``"Class.name"`` (``track_`` dropped) → value:

- unit ``"version"`` (``major * 10000 + minor * 100 + patch``, 0: absent) → ``"2.4.6"``;
- parameterised 0/1 flags (``ThreadingLayer.track_in_use(layer)``, ``Cpu.track_flag(flag)``)
  → the parameter values marked 1, e.g. ``"Cpu.flag": ["avx2", "avx512f"]``;
- anything else → the number, parameterised ones as ``"Class.name(p1, p2)"``.
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
from packaging.version import InvalidVersion, Version

ENVIRONMENT_SUITE = "environment."
# The suite's timings the pages derive from: `<kernel>` + suffix.
MODES_TIMING = ".Modes.time_kernel"
MODES_PATTERN = re.escape(MODES_TIMING) + "$"
FIRST_CALL = ".FirstCall.timeraw_first_call"
_MACHINE_FIELDS = {name for name, _ in Machine.fields}
_VERSIONS = "Versions."
_LABEL_PACKAGES = ("numba", "numpy")


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
        """package → version: the matrix's pins, overridden by the versions the suite recorded."""
        pinned = {name: version for name, version in self.requirements.items() if version}
        recorded = {
            name.removeprefix(_VERSIONS): value for name, value in self.facts.items() if name.startswith(_VERSIONS)
        }
        return {**pinned, **recorded}

    @property
    def numba(self) -> Version:
        """The Numba version (0 where unknown), for ordering environments by release."""
        try:
            return Version(self.versions.get("numba", "0"))
        except InvalidVersion:
            return Version("0")

    @property
    def release_order(self) -> tuple[bool, Version]:
        """Sort key of the Numba release: final releases above pre-releases, then by version
        (the pages lead with the newest release, never with an rc that only has a release step)."""
        return not self.numba.is_prerelease, self.numba

    @property
    def layer(self) -> str | None:
        """The threading layer Numba loaded (``ThreadingLayer.in_use``), else the one requested."""
        loaded = self.facts.get("ThreadingLayer.in_use") or []
        return loaded[0] if len(loaded) == 1 else self.env_vars.get("NUMBA_THREADING_LAYER")

    @property
    def label(self) -> str:
        """``numba 0.68.1, numpy 2.3.4, layer omp``: what tells environments apart at a glance
        (Numba, NumPy, threading layer, other environment variables)."""
        versions = self.versions
        parts = [f"{name} {versions[name]}" for name in _LABEL_PACKAGES if name in versions]
        parts += [f"layer {self.layer}"] if self.layer else []
        parts += [f"{k}={v}" for k, v in sorted(self.env_vars.items()) if k != "NUMBA_THREADING_LAYER"]
        return ", ".join(parts)

    @property
    def details(self) -> str:
        """Every known version, numba and numpy first: ``numba 0.68.1, numpy 2.4.6, llvm 22.1.0, ...``."""
        versions = self.versions
        first = {name: rank for rank, name in enumerate(_LABEL_PACKAGES)}
        order = sorted(versions, key=lambda name: (first.get(name, len(first)), name))
        return ", ".join(f"{name} {versions[name]}" for name in order)

    @property
    def key(self) -> tuple:
        """Hashable identity of the environment (python, requirements, variables)."""
        return self.python, tuple(sorted(self.requirements.items())), tuple(sorted(self.env_vars.items()))


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

    def keys(self, pattern: str = "") -> list[str]:
        """The recorded benchmarks whose names match the regular expression `pattern`, sorted."""
        return sorted(key for key in self.result.get_all_result_keys() if re.search(pattern, key))

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
        if ok and ok[0].params and all(m.value in (0, 1) for m in ok):
            found[name] = [_param_text(m) for m in ok if m.value == 1]
            continue
        for m in ok:
            label = f"{name}({_param_text(m)})" if m.params else name
            if m.unit == "version":
                if m.value:
                    found[label] = unpack_version(m.value)
            else:
                found[label] = int(m.value) if float(m.value).is_integer() else m.value
    return found


def _param_text(m: Measurement) -> str:
    return ", ".join(map(str, m.params.values()))


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


def newest_commit(found: Iterable[Run], pattern: str = "") -> list[Run]:
    """The runs of the newest commit (by date, on the machine that has it) that recorded a
    benchmark whose name matches the regular expression `pattern` (``re.search``); empty
    when none did."""
    having = [run for run in found if run.keys(pattern)]
    if not having:
        return []
    newest = max(having, key=lambda run: (run.date, run.commit, run.machine))
    return [run for run in having if (run.commit, run.machine) == (newest.commit, newest.machine)]
