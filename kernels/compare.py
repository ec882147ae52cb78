"""The notebook's `%timeit` experiment as one command: every kernel × mode, timed
interleaved in one process, printed as a table of medians and speedups.

    python -m kernels.compare --rounds 7 --threads 2

Interleaving (mode A, B, C, A, B, C, ...) lets every mode see the same machine, so the
speedup columns stay meaningful on a noisy host even when absolute times drift.
"""

import argparse
from collections.abc import Sequence

from .numba_threads import max_threads
from .registry import MODE_INFO, MODES, REGISTRY, build
from .timing import interleaved_medians


def measure(kernel: str, size: int, rounds: int, threads: int | None) -> dict[str, float]:
    """Median seconds per call of every mode of `kernel` at `size`, interleaved over `rounds`."""
    info = REGISTRY[kernel]
    args = info.inputs(size)
    funcs = {}
    for mode in MODES[kernel]:
        func = build(kernel, mode, threads=threads if MODE_INFO[mode].threaded else None)
        if not info.agrees(func(*args), info.check(*args)):
            raise AssertionError(f"{kernel}/{mode} disagrees with the NumPy reference")
        funcs[mode] = func
    return dict(zip(funcs, interleaved_medians(list(funcs.values()), args, rounds), strict=True))


def _ratio(value: float) -> str:
    """`1.23x`, with significant digits kept below 0.01x."""
    return f"{value:.2f}x" if value >= 0.01 else f"{value:.2g}x"


def table(results: dict[str, dict[str, float]], sizes: dict[str, int]) -> str:
    """Markdown table: median time and speedup over serial and NumPy per kernel × mode."""
    lines = ["| kernel | size | mode | median | vs serial | vs numpy |", "|---|---:|---|---:|---:|---:|"]
    for kernel, times in results.items():
        for mode, seconds in times.items():
            lines.append(
                f"| {kernel} | {sizes[kernel]:.0e} | {mode} | {seconds * 1e3:.3f} ms "
                f"| {_ratio(times['serial'] / seconds)} | {_ratio(times['numpy'] / seconds)} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, help="elements (samples for monte_carlo_pi); default: each kernel's")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median is reported)")
    parser.add_argument("--threads", type=int, default=None, help="threads for threaded modes (default: all)")
    parser.add_argument("--kernel", choices=list(REGISTRY), action="append", help="kernel(s) to run (default: all)")
    options = parser.parse_args(argv)
    if (options.size is not None and options.size < 1) or options.rounds < 1:
        parser.error("--size and --rounds must be positive integers")
    if options.threads is not None and not 1 <= options.threads <= max_threads():
        parser.error(f"--threads must be in 1 ... {max_threads()}")
    kernels = options.kernel or list(REGISTRY)
    sizes = {k: options.size or REGISTRY[k].default_size for k in kernels}
    results = {k: measure(k, sizes[k], options.rounds, options.threads) for k in kernels}
    print(table(results, sizes))


if __name__ == "__main__":
    main()
