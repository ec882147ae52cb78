"""Timings of two asv runs side by side, each judged by `ntb_site.statistics.verdicts`.

Shared by the Numba-release report (two environments, one commit), the pull-request gate
(two commits, one environment) and the A/A check (two runs of the same code). Only
benchmarks with per-process statistics are judged (`time_`, `timeraw_`); a benchmark
that fails only on the new side is a regression, one that fails only on the old side an
improvement, both without further evidence.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asv.util import human_value
from tabulate import tabulate

from ntb_site.results import confirm
from ntb_site.results.asv_results import Run
from ntb_site.statistics.rounds import round_values, selector
from ntb_site.statistics.verdicts import DEFAULT_FACTOR, Judgement, judge

JUDGED = re.compile(r"\.(time|timeraw)_\w+$")


@dataclass(frozen=True)
class Comparison:
    """One benchmark × parameter set between an old and a new run."""

    benchmark: str
    params: dict[str, Any]
    unit: str
    old_label: str
    new_label: str
    old: float | None
    new: float | None
    judgement: Judgement | None
    old_spread: tuple[float, float] | None = None
    new_spread: tuple[float, float] | None = None

    @property
    def verdict(self) -> str:
        """regression, improvement, unconfirmed or none (see `ntb_site.statistics.verdicts`)."""
        if self.judgement is not None:
            return self.judgement.verdict
        if self.old is not None and self.new is None:
            return "regression"
        return "improvement" if self.old is None and self.new is not None else "none"

    @property
    def label(self) -> str:
        """`benchmark(param, ...)` as asv prints it."""
        values = ", ".join(repr(v) for v in self.params.values())
        return f"{self.benchmark}({values})" if values else self.benchmark

    def as_json(self) -> dict[str, Any]:
        """The record written to the site's JSON, evidence included."""
        evidence = self.judgement.as_json() if self.judgement else {"verdict": self.verdict, "ratio": None}
        return {
            "benchmark": self.benchmark,
            "params": self.params,
            "unit": self.unit,
            "from": self.old_label,
            "to": self.new_label,
            "old": self.old,
            "new": self.new,
            **evidence,
        }


def _value(rounds: list[float]) -> float | None:
    return statistics.median(rounds) if rounds else None


def _spread(rounds: list[float]) -> tuple[float, float] | None:
    """Lowest and highest per-process value."""
    return (min(rounds), max(rounds)) if rounds else None


def compare_runs(
    old: Run,
    new: Run,
    labels: tuple[str, str],
    results_dir: str | Path,
    *,
    factor: float = DEFAULT_FACTOR,
    separate: bool = False,
) -> Iterator[Comparison]:
    """Every judged timing both runs recorded with the same parameters (n/a on either side
    skipped), old → new; `separate`: the runs were not measured interleaved in time (see
    `judge`)."""
    old_first = confirm.first_look_rounds(results_dir, old)
    new_first = confirm.first_look_rounds(results_dir, new)
    shared = sorted(set(old.result.get_all_result_keys()) & set(new.result.get_all_result_keys()))
    for name in filter(JUDGED.search, shared):
        info = new.benchmarks.get(name, {})
        before = {selector(name, m.params): m for m in old.measurements(name)}
        for b in new.measurements(name):
            key = selector(name, b.params)
            a = before.get(key)
            if a is None or "n/a" in (a.state, b.state) or a.state == b.state == "failed":
                continue
            old_rounds, new_rounds = round_values(a, info), round_values(b, info)
            judgement = None
            if old_rounds and new_rounds and min(old_rounds + new_rounds) > 0:
                first = (old_first.get(key, len(old_rounds)), new_first.get(key, len(new_rounds)))
                judgement = judge(old_rounds, new_rounds, first=first, factor=factor, separate=separate)
            yield Comparison(
                benchmark=name,
                params=a.params,
                unit=a.unit or info.get("unit", ""),
                old_label=labels[0],
                new_label=labels[1],
                old=_value(old_rounds) if a.state == "ok" else None,
                new=_value(new_rounds) if b.state == "ok" else None,
                judgement=judgement,
                old_spread=_spread(old_rounds) if a.state == "ok" else None,
                new_spread=_spread(new_rounds) if b.state == "ok" else None,
            )


def format_detectable(judgement: Judgement | None) -> str:
    """`1.12x` (the first look's detectable ratio), `nothing (3/3 rounds)` or n/a."""
    if judgement is None:
        return "n/a"
    if judgement.detectable is None:
        return f"nothing ({'/'.join(map(str, first_rounds(judgement)))} rounds)"
    return f"{judgement.detectable:.2f}x"


def first_rounds(judgement: Judgement) -> tuple[int, int]:
    """Rounds per side of the first look."""
    (old, new), (again_old, again_new) = judgement.rounds, judgement.confirm_rounds
    return old - again_old, new - again_new


def power_summary(comparisons: Iterable[Comparison]) -> str:
    """What the comparisons without a change could have detected: `beyond 1.12x to 1.60x
    (median 1.20x); 3 could detect nothing`, or an empty string."""
    judged = [c.judgement for c in comparisons if c.verdict == "none" and c.judgement is not None]
    ratios = sorted(j.detectable for j in judged if j.detectable is not None)
    blind = len(judged) - len(ratios)
    median = statistics.median(ratios) if ratios else None
    parts = [f"beyond {ratios[0]:.2f}x to {ratios[-1]:.2f}x (median {median:.2f}x)"] if ratios else []
    parts += [f"{blind} could detect nothing (too few rounds)"] if blind else []
    return "; ".join(parts)


def format_ratio(comparison: Comparison) -> str:
    """`1.31 [1.25, 1.40] 97%` or n/a."""
    j = comparison.judgement
    if j is None or not math.isfinite(j.ratio):
        return "n/a"
    return f"{j.ratio:.2f} [{j.low:.2f}, {j.high:.2f}] {j.confidence:.0%}"


VERDICT_ORDER = {"regression": 0, "improvement": 1, "unconfirmed": 2, "none": 3}


def table(rows: Iterable[tuple[Comparison, str]], context: str = "") -> str:
    """Terminal table of `(comparison, context value)` rows, verdicts first; the context
    column (e.g. the environment) is shown when `context` names it."""
    ordered = sorted(rows, key=lambda row: VERDICT_ORDER[row[0].verdict])
    header = ["verdict", "benchmark", *([context] if context else []), "from -> to", "old", "new"]
    header += ["ratio [interval] confidence", "rounds", "detects beyond"]
    body = [
        [
            "" if c.verdict == "none" else c.verdict,
            c.label,
            *([extra] if context else []),
            f"{c.old_label} -> {c.new_label}",
            human_value(c.old, c.unit),
            human_value(c.new, c.unit),
            format_ratio(c),
            "n/a" if c.judgement is None else "/".join(map(str, c.judgement.rounds)),
            format_detectable(c.judgement),
        ]
        for c, extra in ordered
    ]
    counts = {v: sum(c.verdict == v for c, _ in ordered) for v in VERDICT_ORDER}
    summary = ", ".join(f"{counts[v]} {v}" for v in ("regression", "improvement", "unconfirmed"))
    power = power_summary(c for c, _ in ordered)
    power = f" (a change could be detected {power})" if power else ""
    return f"{tabulate(body, header, tablefmt='simple')}\n\n{summary}; {counts['none']} without a change{power}."
