"""The answers for one machine (:class:`Layers`): the results files it reads, one per threading
layer (:func:`pick`), what they say (:func:`analyse`), and every machine's (:func:`per_machine`,
:func:`site_json`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ntb_site.answers import conditions
from ntb_site.answers.layers.choices import NUMBA_MODE, Answer, Choice, Option, derive_rule, layer_rank
from ntb_site.answers.layers.facts import CALLERS, CHUNKED, CPU, CpuPoint, LayerFacts, estimates, layer_facts
from ntb_site.results import asv_results, machines
from ntb_site.results.asv_results import Run
from ntb_site.results.machines import Section

PATTERN = r"^concurrency\."
NO_DATA = "No concurrency results yet: run the concurrency benchmarks under every threading layer (bash .ci/bench)."


@dataclass(frozen=True)
class Layers:
    """The page's answers for one commit on one machine."""

    machine: str
    commit: str
    cpu_name: str
    numba: str
    cores: int
    layers: dict[str, LayerFacts]
    answers: list[Answer]
    cpu: list[CpuPoint]
    allocator: dict[str, str] = field(default_factory=dict)
    """Per kernel of the answers, whether the allocator's state can move its callers' `prange`
    calls (`ntb_site.answers.conditions.FaultFacts`): asv times a long-running session's."""

    def heading(self) -> str:
        """Machine, CPU, Numba and cores in one line."""
        return f"machine {self.machine}, {self.cpu_name}, numba {self.numba}, {self.cores} cores"

    def as_json(self) -> dict[str, Any]:
        """layers.json."""
        return {
            "machine": self.machine,
            "commit": self.commit,
            "cpu": self.cpu_name,
            "numba": self.numba,
            "cores": self.cores,
            "layers": {name: facts.as_json() for name, facts in self.layers.items()},
            "answers": [a.as_json() for a in self.answers],
            "allocator": self.allocator,
            "cpu_time": [p.as_json() for p in self.cpu],
        }


def answers(by_layer: dict[str, Run], cores: int) -> list[Answer]:
    """One answer per kernel, size and launcher measured in any layer."""
    numba: dict[tuple, list[Option]] = {}
    chunked: dict[tuple, list[Option]] = {}
    for layer, run in by_layer.items():
        for p, time, rounds in estimates(run, CALLERS):
            key = (p["kernel"], p["size"], p["launcher"], p["outer"])
            numba.setdefault(key, []).append(Option(layer, NUMBA_MODE, p["inner"], time, rounds))
        for p, time, rounds in estimates(run, CHUNKED):
            chunked.setdefault((p["kernel"], p["size"], p["outer"]), []).append(
                Option(layer, p["mode"], p["inner"], time, rounds)
            )
    found = []
    for kernel, size, launcher in sorted({key[:3] for key in numba}, key=lambda k: (k[0], k[1], k[2] != "futures")):
        outers = sorted(key[3] for key in numba if key[:3] == (kernel, size, launcher))
        choices = [
            Choice(k, cores, numba[kernel, size, launcher, k], chunked.get((kernel, size, k), [])) for k in outers
        ]
        found.append(Answer(kernel, size, launcher, choices, derive_rule(launcher, cores, choices)))
    return found


def cpu_points(by_layer: dict[str, Run]) -> list[CpuPoint]:
    """CPU and wall time per batch, where both were measured."""
    points = []
    for layer, run in by_layer.items():
        walls = {
            (p["kernel"], p["size"], p["outer"], p["inner"]): t
            for p, t, _ in estimates(run, CALLERS)
            if p["launcher"] == "futures"
        }
        for p, cpu, _ in estimates(run, CPU):
            wall = walls.get((p["kernel"], p["size"], p["outer"], p["inner"]))
            points.append(CpuPoint(layer, p["kernel"], p["outer"], p["inner"], cpu, wall))
    return points


def pick(results_dir: str | Path, machine: str | None = None) -> dict[str, Run]:
    """layer -> results file: the newest commit with concurrency results, its environments
    of the newest Numba, one per layer (the first by name where several)."""
    runs = asv_results.newest_commit(asv_results.runs(results_dir, machine), PATTERN)
    if not runs:
        return {}
    newest = max((run.environment for run in runs), key=lambda env: env.release_order).numba
    by_layer: dict[str, Run] = {}
    for run in sorted(runs, key=lambda r: r.env_name):
        layer = run.environment.layer
        if run.environment.numba == newest and layer and layer not in by_layer:
            by_layer[layer] = run
    return dict(sorted(by_layer.items(), key=lambda item: layer_rank(item[0])))


def analyse(by_layer: dict[str, Run]) -> Layers:
    """The page's answers from one results file per layer."""
    first = next(iter(by_layer.values()))
    inners = [m.params["inner"] for run in by_layer.values() for m in run.measurements(CALLERS)]
    cores = int(first.environment.facts.get("Numba.max_threads") or max(inners, default=1))
    return Layers(
        machine=first.machine,
        commit=first.commit,
        cpu_name=first.environment.machine.get("cpu", "unknown CPU"),
        numba=first.environment.versions.get("numba", "?"),
        cores=cores,
        layers={layer: layer_facts(layer, run) for layer, run in by_layer.items()},
        answers=answers(by_layer, cores),
        cpu=cpu_points(by_layer),
    )


def load(results_dir: str | Path, machine: str | None = None) -> Layers | None:
    """The answers from `results_dir`, with the fault facts of their commit; None without
    concurrency results."""
    by_layer = pick(results_dir, machine)
    if not by_layer:
        return None
    found = analyse(by_layer)
    _, facts = conditions.stored(results_dir, found.machine, found.commit)
    allocator = {a.kernel: facts.describe(a.kernel, NUMBA_MODE) for a in found.answers}
    return dataclasses.replace(found, allocator=allocator)


def per_machine(results_dir: str | Path) -> list[Section[Layers]]:
    """The answers of every machine, each with its facts and whether it is old or partial
    (lacks a kernel or a threading layer another machine has)."""
    return machines.sections(
        results_dir,
        load,
        lambda found: found.commit,
        lambda found: {*(f"kernel {a.kernel}" for a in found.answers), *(f"layer {name}" for name in found.layers)},
        NO_DATA,
    )


def site_json(found: list[Section[Layers]]) -> dict[str, Any]:
    """layers.json: ``{"newest_commit", "machines": {name: Layers.as_json() + machine_facts, status}}``."""
    return machines.as_json(found, Layers.as_json, {"message": NO_DATA, "answers": []})
