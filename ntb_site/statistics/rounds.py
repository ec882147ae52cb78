"""Per-process statistics of asv measurements, and how to select one for `asv run -b`.

asv has no per-round statistics: it appends each round's samples in order, and a
benchmark with an integer `repeat` takes exactly that many per round, so the rounds are
recovered by splitting (`ntb_site.statistics.verdicts.split_rounds`). A `timeraw_` sample runs in a
fresh interpreter of its own, so each sample is a round.
"""

from __future__ import annotations

import re
from typing import Any

from ntb_site.results.asv_results import Measurement
from ntb_site.statistics.verdicts import split_rounds


def round_values(measurement: Measurement, info: dict[str, Any]) -> list[float]:
    """One value per process: each `timeraw_` sample, else the median of each round's
    `repeat` samples (`info` is the benchmark's entry of benchmarks.json)."""
    samples = measurement.samples or ([measurement.value] if measurement.state == "ok" else [])
    if ".timeraw_" in measurement.benchmark:
        return list(samples)
    repeat = info.get("repeat")
    return split_rounds(samples, repeat if isinstance(repeat, int) else len(samples))


def selector(benchmark: str, params: dict[str, Any]) -> str:
    """`asv run -b` regex selecting exactly this benchmark × parameter set."""
    text = f"{benchmark}({', '.join(repr(v) for v in params.values())})" if params else benchmark
    return f"^{re.escape(text)}$"
