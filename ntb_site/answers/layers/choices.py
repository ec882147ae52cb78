"""The choices for concurrent callers: each (layer, threads per caller) as an :class:`Option`,
the options at one concurrency (:class:`Choice`), whether one clearly leads another
(:func:`ahead`), the rule a user can copy (:class:`Rule`, :func:`derive_rule`) and one
kernel's :class:`Answer`."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ntb_site.statistics.estimate import Estimate
from ntb_site.statistics.lead import Lead, lead

LAYERS = ("tbb", "omp", "workqueue")  # the order of benchmarks/common.py
NUMBA_MODE = "prange"


def plural(n: int, word: str) -> str:
    """``1 thread``, ``2 threads``."""
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
        each = f"{plural(self.inner, 'thread')} each"
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
