"""Noise of recorded timings: interquartile range relative to the median, from asv results.

    python -m ntb_site.noise .asv/results/MACHINE/RESULT.json [--min-seconds 0.001]

Prints, over every `time_` result of at least `--min-seconds`, how many have an IQR within
5 % of their median, the median and the worst IQR/median, and the worst benchmarks.
"""

import argparse
import itertools
import statistics
from collections.abc import Sequence

from asv.results import Results


def iqr_ratios(path: str, min_seconds: float = 1e-3) -> dict[str, float]:
    """`benchmark(params) -> (q75 - q25) / median` for recorded timings ≥ `min_seconds`."""
    results = Results.load(path)
    ratios = {}
    for key in results.get_all_result_keys():
        if key.split(".")[-1].startswith("time_"):
            params = results.get_result_params(key)
            values = results.get_result_value(key, params)
            stats = results.get_result_stats(key, params)
            for combo, value, stat in zip(itertools.product(*params), values, stats, strict=True):
                if value is not None and stat and value >= min_seconds:
                    ratios[f"{key}({', '.join(combo)})"] = (stat["q_75"] - stat["q_25"]) / value
    return ratios


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("result_file")
    parser.add_argument("--min-seconds", type=float, default=1e-3)
    options = parser.parse_args(argv)
    ratios = iqr_ratios(options.result_file, options.min_seconds)
    if not ratios:
        raise SystemExit(f"{options.result_file}: no timings of at least {options.min_seconds} s")
    within = sum(r <= 0.05 for r in ratios.values())
    print(f"{within}/{len(ratios)} timings >= {options.min_seconds} s have IQR <= 5% of the median")
    print(f"IQR/median: median {statistics.median(ratios.values()):.1%}, max {max(ratios.values()):.1%}")
    for name, ratio in sorted(ratios.items(), key=lambda item: -item[1])[:10]:
        print(f"  {ratio:6.1%}  {name}")


if __name__ == "__main__":
    main()
