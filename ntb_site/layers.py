"""Which threading layer, and how many Numba threads per caller, when the program is already
parallel? From the ``concurrency.*`` asv results of the newest commit, one results file per
threading layer of the newest Numba release.

Per kernel, size and launcher (Python threads or Dask's threaded scheduler), for each
number of concurrent callers ``outer``:

- the best (layer, inner Numba threads per caller) of ``concurrency.Callers.time_batch``,
  clear only where it leads the runner-up as the advisor's answers must: per-process rounds
  beyond a 10 % margin with confidence (``ntb_site.statistics.lead``; intervals shown:
  ``ntb_site.statistics.estimate``);
- the naive choice, every caller on all cores in the best layer, and its cost against the
  best (a ratio with its interval; "not clear" where the interval contains 1);
- the best in each layer, and the best nogil chunked pool (``concurrency.Chunked``);
- a rule a user can copy (:class:`Rule`): the layer(s) within noise of the best (not
  clearly behind it, by the same test) at every ``outer``, and the thread rules within
  noise of the best there at every ``outer``.

Per layer, the facts the suite recorded: loaded (``environment.ThreadingLayer``), concurrent
launches serialised or run together (``concurrency.Launches``), where TBB's runtime was
(``concurrency.Loading``), and CPU time beside wall time per batch (``concurrency.CpuTime``).

``asv publish`` writes it as ``layers.html`` (``ntb_site.pages.layers_page``); in the terminal::

    python -m ntb_site.layers [--results .asv/results] [--machine NAME] [--json]
    python -m ntb_site.layers --list-machines    # the machines with results, their facts

Every machine is answered on its own (:func:`per_machine`, ``ntb_site.machines``); without
``--machine``, the one with the newest concurrency results. Exit status 2 when there are no
``concurrency`` results (or no such machine).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asv.util import human_time
from tabulate import tabulate

from ntb_site import machines
from ntb_site.machines import Section
from ntb_site.results import asv_results
from ntb_site.results.asv_results import Run
from ntb_site.statistics.estimate import Estimate
from ntb_site.statistics.lead import Lead, lead
from ntb_site.statistics.rounds import round_values

PATTERN = r"^concurrency\."
CALLERS = "concurrency.Callers.time_batch"
CHUNKED = "concurrency.Chunked.time_batch"
CPU = "concurrency.CpuTime.time_batch"
FACTS = "concurrency."
LAYERS = ("tbb", "omp", "workqueue")  # the order of benchmarks/common.py
NUMBA_MODE = "prange"
NO_DATA = "No concurrency results yet: run the concurrency benchmarks under every threading layer (bash .ci/bench)."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass(frozen=True)
class Option:
    """One way to run a batch: `mode` (``prange`` or a chunked mode) under `layer`, `inner`
    threads per caller, and its time per batch."""

    layer: str
    mode: str
    inner: int
    time: Estimate
    rounds: tuple[float, ...] = ()
    """One value per process (`ntb_site.statistics.rounds.round_values`): what `ahead` tests."""

    @property
    def label(self) -> str:
        """``tbb, 2 threads each`` or, for a chunked mode (no layer involved), ``threads pool, 2 threads each``."""
        each = f"{_plural(self.inner, 'thread')} each"
        return f"{self.layer}, {each}" if self.mode == NUMBA_MODE else f"{self.mode} pool, {each}"

    def as_json(self) -> dict[str, Any]:
        """``{"layer", "mode", "inner", "time"}``."""
        return {"layer": self.layer, "mode": self.mode, "inner": self.inner, "time": self.time.as_json()}


def fastest(options: Sequence[Option]) -> Option | None:
    """The option with the lowest time (None: no options)."""
    return min(options, key=lambda o: o.time.value, default=None)


@dataclass(frozen=True)
class Choice:
    """The options for `outer` concurrent callers of one kernel at one size."""

    outer: int
    cores: int
    numba: list[Option]
    chunked: list[Option]

    @property
    def best(self) -> Option:
        """The fastest (layer, inner) of the Numba kernel."""
        return min(self.numba, key=lambda o: o.time.value)

    @property
    def runner_up(self) -> Option | None:
        """The fastest other (layer, inner)."""
        return fastest([o for o in self.numba if o is not self.best])

    @property
    def clear(self) -> bool:
        """Whether the best clearly leads the runner-up (`ahead`)."""
        return self.runner_up is None or ahead(self.best, self.runner_up).clear

    def option(self, layer: str, inner: int) -> Option | None:
        """The Numba kernel under `layer` with `inner` threads per caller, where measured."""
        return next((o for o in self.numba if (o.layer, o.inner) == (layer, inner)), None)

    def best_in(self, layer: str) -> Option | None:
        """The fastest inner thread count under `layer`."""
        return fastest([o for o in self.numba if o.layer == layer])

    @property
    def best_chunked(self) -> Option | None:
        """The fastest nogil chunked pool."""
        return fastest(self.chunked)

    @property
    def naive(self) -> Option | None:
        """Every caller on all cores, in the best layer."""
        return self.option(self.best.layer, self.cores)

    @staticmethod
    def cost(option: Option | None, best: Option | None) -> Estimate | None:
        """Time of `option` / time of `best` (1: it is the best)."""
        if option is None or best is None:
            return None
        return Estimate(1.0, 1.0, 1.0) if option is best else option.time / best.time

    def within_noise(self, option: Option, of: Option) -> bool:
        """Whether `of` does not clearly lead `option` (`ahead`)."""
        return option is of or not ahead(of, option).clear

    def as_json(self) -> dict[str, Any]:
        """One row of layers.json."""
        per_layer = {}
        for layer in sorted({o.layer for o in self.numba}, key=layer_rank):
            best, naive = self.best_in(layer), self.option(layer, self.cores)
            per_layer[layer] = {
                "best": best.as_json() if best else None,
                "naive": naive.as_json() if naive else None,
                "naive_cost": _json(self.cost(naive, best)),
            }
        chunked = self.best_chunked
        return {
            "outer": self.outer,
            "best": self.best.as_json(),
            "runner_up": self.runner_up.as_json() if self.runner_up else None,
            "clear": self.clear,
            "naive": self.naive.as_json() if self.naive else None,
            "naive_cost": _json(self.cost(self.naive, self.best)),
            "per_layer": per_layer,
            "best_chunked": chunked.as_json() if chunked else None,
            "chunked_over_best": _json(self.cost(chunked, self.best)),
            "options": [o.as_json() for o in self.numba + self.chunked],
        }


def ahead(best: Option, other: Option) -> Lead:
    """The lead of `best` over `other` as the advisor judges it (`ntb_site.statistics.lead`:
    per-process rounds beyond a 10 % margin with confidence; never with 2 rounds a side)."""
    return lead(best.rounds or (best.time.value,), other.rounds or (other.time.value,))


def _json(estimate: Estimate | None) -> dict[str, float] | None:
    return estimate.as_json() if estimate else None


def layer_rank(layer: str) -> int:
    """Sort key: the order of `LAYERS`, unknown layers last."""
    return LAYERS.index(layer) if layer in LAYERS else len(LAYERS)


ThreadRule = tuple[str, Callable[[int, int], int]]
THREAD_RULES: tuple[ThreadRule, ...] = (
    ("⌈cores/k⌉ Numba threads", lambda k, cores: max(1, math.ceil(cores / k))),
    ("1 Numba thread", lambda k, cores: 1),
    ("all cores (the naive choice)", lambda k, cores: cores),
)


@dataclass(frozen=True)
class Rule:
    """What the data supports for one kernel, size and launcher: the `layers` within noise of
    the best at every concurrency, and the thread `rules` (names of `THREAD_RULES`) within
    noise of the best in each of those layers at every concurrency."""

    launcher: str
    cores: int
    outers: list[int]
    layers: list[str]
    rules: list[str]

    def inner_for(self, rule: str) -> list[int]:
        """The thread count `rule` gives each caller at each measured concurrency."""
        func = dict(THREAD_RULES)[rule]
        return [func(k, self.cores) for k in self.outers]

    def describe(self) -> str:
        """The rule as a sentence a user can copy, or "Not clear: ..."."""
        callers = "Python threads" if self.launcher == "futures" else f"{self.launcher} tasks"
        if not self.layers:
            return f"Not clear: no one threading layer is within noise of the best at every concurrency ({callers})."
        if len(self.layers) == 1:
            where = f"under {self.layers[0]}"
        else:
            where = f"under any of {', '.join(self.layers)} (not clear which: within noise of each other)"
        if not self.rules:
            return (
                f"With k concurrent callers ({callers}), run {where}; how many threads per caller is not clear: "
                "no simple rule is within noise of the best at every k."
            )
        if len(self.rules) > 1:
            return (
                f"With k concurrent callers ({callers}), run {where}; how many threads per caller is not clear: "
                f"{', '.join(self.rules)} per caller are all within noise of the best at every k."
            )
        here = ", ".join(f"k={k} → {n}" for k, n in zip(self.outers, self.inner_for(self.rules[0]), strict=True))
        return f"With k concurrent callers ({callers}), give each caller {self.rules[0]} (here {here}) {where}."

    def as_json(self) -> dict[str, Any]:
        """The rule's record of layers.json."""
        return {
            "layers": self.layers,
            "rules": [{"rule": r, "inner": self.inner_for(r)} for r in self.rules],
            "outers": self.outers,
            "text": self.describe(),
        }


def derive_rule(launcher: str, cores: int, choices: list[Choice]) -> Rule:
    """The layers within noise of the best at every concurrency, and the thread rules within
    noise of the best in every one of those layers at every concurrency."""
    layers = [
        layer
        for layer in sorted({o.layer for c in choices for o in c.numba}, key=layer_rank)
        if all(c.best_in(layer) and c.within_noise(c.best_in(layer), c.best) for c in choices)
    ]

    def fits(name: str, func: Callable[[int, int], int]) -> bool:
        for c in choices:
            for layer in layers:
                option, best = c.option(layer, func(c.outer, cores)), c.best_in(layer)
                if option is None or not c.within_noise(option, best):
                    return False
        return True

    rules = [name for name, func in THREAD_RULES if layers and fits(name, func)]
    return Rule(launcher, cores, [c.outer for c in choices], layers, rules)


@dataclass(frozen=True)
class Answer:
    """Every concurrency of one kernel at one size under one launcher, and its rule."""

    kernel: str
    size: int
    launcher: str
    choices: list[Choice]
    rule: Rule

    def as_json(self) -> dict[str, Any]:
        """One answer of layers.json."""
        return {
            "kernel": self.kernel,
            "size": self.size,
            "launcher": self.launcher,
            "rule": self.rule.as_json(),
            "choices": [c.as_json() for c in self.choices],
        }


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
            "wall": _json(self.wall),
            "cpu_over_wall": _json(self.busy),
        }


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
            "cpu_time": [p.as_json() for p in self.cpu],
        }


def _estimates(run: Run, benchmark: str) -> list[tuple[dict[str, Any], Estimate, tuple[float, ...]]]:
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


def answers(by_layer: dict[str, Run], cores: int) -> list[Answer]:
    """One answer per kernel, size and launcher measured in any layer."""
    numba: dict[tuple, list[Option]] = {}
    chunked: dict[tuple, list[Option]] = {}
    for layer, run in by_layer.items():
        for p, time, rounds in _estimates(run, CALLERS):
            key = (p["kernel"], p["size"], p["launcher"], p["outer"])
            numba.setdefault(key, []).append(Option(layer, NUMBA_MODE, p["inner"], time, rounds))
        for p, time, rounds in _estimates(run, CHUNKED):
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
            for p, t, _ in _estimates(run, CALLERS)
            if p["launcher"] == "futures"
        }
        for p, cpu, _ in _estimates(run, CPU):
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
    """The answers from `results_dir`; None without concurrency results."""
    by_layer = pick(results_dir, machine)
    return analyse(by_layer) if by_layer else None


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


def _ratio(estimate: Estimate | None) -> str:
    if estimate is None:
        return "–"
    noise = " (not clear)" if estimate.low <= 1 <= estimate.high and estimate.value != 1 else ""
    return f"{estimate.value:.2f}× [{estimate.low:.2f}, {estimate.high:.2f}]{noise}"


def _cores(estimate: Estimate | None) -> str:
    return "–" if estimate is None else f"{estimate.value:.2f} cores [{estimate.low:.2f}, {estimate.high:.2f}]"


def format_text(found: Layers, notes: Sequence[str] = ()) -> str:
    """The answers as terminal tables, after the heading and the `notes` (old or partial
    results: ``ntb_site.machines``)."""
    heading = f"Which layer? How many threads per caller? {found.heading()}; commit {found.commit[:8]}"
    blocks = ["\n".join([heading, *notes])]
    blocks.append("\n".join(f"{name}: {facts.describe()}" for name, facts in found.layers.items()))
    for answer in found.answers:
        rows = []
        for c in answer.choices:
            chunked = c.best_chunked
            rows.append(
                [
                    c.outer,
                    c.best.label + ("" if c.clear else " (≈ runner-up)"),
                    human_time(c.best.time.value),
                    _ratio(c.cost(c.naive, c.best)),
                    *(
                        f"{_plural(b.inner, 'thread')}: {human_time(b.time.value)}" if (b := c.best_in(layer)) else "–"
                        for layer in found.layers
                    ),
                    f"{chunked.label}: {_ratio(c.cost(chunked, c.best))}" if chunked else "–",
                ]
            )
        header = ["callers", "best", "time", "all cores each ÷ best", *(f"best {layer}" for layer in found.layers)]
        table = tabulate(rows, [*header, "nogil pool ÷ best"])
        title = f"{answer.kernel} at {answer.size:,}, callers: {answer.launcher}"
        blocks.append(f"{title}\n{answer.rule.describe()}\n{table}")
    if found.cpu:
        rows = [[p.layer, p.kernel, p.outer, p.inner, human_time(p.cpu.value), _cores(p.busy)] for p in found.cpu]
        blocks.append(
            "CPU time per batch (every thread) and CPU / wall\n"
            + tabulate(rows, ["layer", "kernel", "callers", "threads each", "CPU time", "CPU / wall"])
        )
    return "\n\n".join(blocks)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the answers (or layers.json with --json); return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m ntb_site.layers", description=__doc__.split("\n")[0])
    parser.add_argument("--results", default=".asv/results", help="asv results_dir (default: .asv/results)")
    parser.add_argument("--machine", help="machine name (default: the one with the newest results)")
    parser.add_argument("--list-machines", action="store_true", help="list the machines with results and exit")
    parser.add_argument("--json", action="store_true", help="print the machine's record of layers.json")
    args = parser.parse_args(argv)
    done = machines.machine_options(
        "layers", args.results, args.machine, args.list_machines, lambda: per_machine(args.results)
    )
    if done is not None:
        return done
    found = load(args.results, args.machine)
    if found is None:
        print(f"layers: {NO_DATA} ({args.results})", file=sys.stderr)
        return 2
    section = machines.find(per_machine(args.results), found.machine)
    record = machines.record(section, Layers.as_json, {})
    print(json.dumps(record, indent=1) if args.json else format_text(found, section.status.notes()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
