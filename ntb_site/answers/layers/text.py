"""Which threading layer, and how many Numba threads per caller? The answers as terminal tables
(:func:`format_text`) and the command (:func:`main`)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from asv.util import human_time
from tabulate import tabulate

from ntb_site.answers.layers.analysis import NO_DATA, Layers, load, per_machine
from ntb_site.answers.layers.choices import plural
from ntb_site.results import machines
from ntb_site.statistics.estimate import Estimate


def _ratio(estimate: Estimate | None) -> str:
    if estimate is None:
        return "–"
    noise = " (not clear)" if estimate.low <= 1 <= estimate.high and estimate.value != 1 else ""
    return f"{estimate.value:.2f}× [{estimate.low:.2f}, {estimate.high:.2f}]{noise}"


def _cores(estimate: Estimate | None) -> str:
    return "–" if estimate is None else f"{estimate.value:.2f} cores [{estimate.low:.2f}, {estimate.high:.2f}]"


def format_text(found: Layers, notes: Sequence[str] = ()) -> str:
    """The answers as terminal tables, after the heading and the `notes` (old or partial
    results: ``ntb_site.results.machines``)."""
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
                        f"{plural(b.inner, 'thread')}: {human_time(b.time.value)}" if (b := c.best_in(layer)) else "–"
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
    parser = argparse.ArgumentParser(prog="ntb layers", description=__doc__.split("?")[0] + "?")
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
