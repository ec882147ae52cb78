"""What the suite recorded per threading layer (:class:`LayerFacts`) and CPU beside wall time
per batch (:class:`CpuPoint`), and the readers of one results file's ``concurrency.*``
timings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ntb_site.results.asv_results import Run
from ntb_site.statistics.estimate import Estimate
from ntb_site.statistics.rounds import round_values

CALLERS = "concurrency.Callers.time_batch"
CHUNKED = "concurrency.Chunked.time_batch"
CPU = "concurrency.CpuTime.time_batch"
FACTS = "concurrency."


@dataclass(frozen=True)
class LayerFacts:
    """What the suite recorded about one layer's environment."""

    layer: str
    label: str
    loaded: bool
    serialised: float | None
    """Share of the probe processes in which concurrent launches took turns (older
    results: one process, so 0 or 1)."""
    end_gap: float | None
    tbb_on_loader_path: bool | None
    tbb_in_environment_lib: bool | None

    def describe(self) -> str:
        """``loaded; runs concurrent launches together (end gap 0.01)`` and the like."""
        parts = ["loaded" if self.loaded else "NOT loaded"]
        if self.serialised is not None:
            gap = f"end gap {self.end_gap:.2f}" if self.end_gap is not None else ""
            parts.append(f"{self.launches()}{f' ({gap})' if gap else ''}")
        if self.layer == "tbb" and self.tbb_on_loader_path is not None:
            if self.tbb_on_loader_path:
                parts.append("TBB on the loader's path")
            elif self.tbb_in_environment_lib:
                parts.append("TBB only in the environment's lib/: loads because the suite preloads it from there")
            else:
                parts.append("no TBB runtime found")
        return "; ".join(parts)

    def launches(self, short: bool = False) -> str:
        """What concurrent launches did: serialised, together, or varied between processes
        (`short`: the facts table's cell)."""
        if self.serialised is None:
            return "–" if short else "not recorded"
        if self.serialised >= 1:
            return "serialised" if short else "serialises concurrent launches"
        if self.serialised <= 0:
            return "run together" if short else "runs concurrent launches together"
        if short:
            return f"varies: serialised in {self.serialised:.0%} of processes"
        return f"varies: serialised concurrent launches in {self.serialised:.0%} of its processes"

    def as_json(self) -> dict[str, Any]:
        """The layer's record of layers.json."""
        return {
            "environment": self.label,
            "loaded": self.loaded,
            "serialised": self.serialised,
            "end_gap": self.end_gap,
            "tbb_on_loader_path": self.tbb_on_loader_path,
            "tbb_in_environment_lib": self.tbb_in_environment_lib,
            "text": self.describe(),
        }


@dataclass(frozen=True)
class CpuPoint:
    """CPU time (every thread) and wall time of one batch of `outer` callers, `inner` threads each."""

    layer: str
    kernel: str
    outer: int
    inner: int
    cpu: Estimate
    wall: Estimate | None

    @property
    def busy(self) -> Estimate | None:
        """CPU / wall: the cores kept busy during a batch, spin-waiting included."""
        return self.cpu / self.wall if self.wall else None

    def as_json(self) -> dict[str, Any]:
        """One point of layers.json's ``cpu``."""
        return {
            "layer": self.layer,
            "kernel": self.kernel,
            "outer": self.outer,
            "inner": self.inner,
            "cpu": self.cpu.as_json(),
            "wall": self.wall.as_json() if self.wall else None,
            "cpu_over_wall": self.busy.as_json() if self.busy else None,
        }


def estimates(run: Run, benchmark: str) -> list[tuple[dict[str, Any], Estimate, tuple[float, ...]]]:
    """Every timed point of `benchmark` in `run`: its parameters, its estimate and its per-process rounds."""
    info = run.benchmarks.get(benchmark, {})
    return [
        (m.params, Estimate.of(m, info), tuple(round_values(m, info)))
        for m in run.measurements(benchmark)
        if m.state == "ok"
    ]


def _fact(run: Run, name: str) -> float | None:
    found = [m.value for m in run.measurements(FACTS + name) if m.state == "ok"]
    return found[0] if found else None


def _flag(run: Run, name: str) -> bool | None:
    value = _fact(run, name)
    return None if value is None else bool(value)


def layer_facts(layer: str, run: Run) -> LayerFacts:
    """The recorded facts of `run`, the environment of `layer`."""
    env = run.environment
    return LayerFacts(
        layer=layer,
        label=env.label,
        loaded=env.facts.get("ThreadingLayer.in_use") == [layer],
        serialised=_fact(run, "Launches.track_serialised"),
        end_gap=_fact(run, "Launches.track_end_gap"),
        tbb_on_loader_path=_flag(run, "Loading.track_tbb_on_loader_path"),
        tbb_in_environment_lib=_flag(run, "Loading.track_tbb_in_environment_lib"),
    )
