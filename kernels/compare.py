"""The notebook's `%timeit` experiment as one command: every kernel × mode, timed
interleaved in one process, printed as a table of medians and speedups.

    python -m kernels.compare --rounds 7 --threads 2
    python -m kernels.compare --rounds 7 --threads 2 --against-notebook
    python -m kernels.compare --kernel gaussians --size 10000 --modes numpy prange --target 0.02 --json

Interleaving (mode A, B, C, A, B, C, ...) lets every mode see the same machine, so the
speedup columns stay meaningful on a noisy host even when absolute times drift.
`--against-notebook` times every mode that has a counterpart in the notebook
(`Kernel.notebook`) beside that verbatim function, called as the notebook calls it (no
validation; the chunked modes run it on the same chunks through the same scheduler), and
prints time(mode) / time(notebook): the median and range of the ratios within a round.
`--modes` times only those modes, `--target` sets the seconds of calls per sample, and
`--json` prints every sample instead of the table (`ntb_site.answers.recheck` runs it that way in
fresh processes to re-measure an advisor answer).

Like the asv suite, it times from the allocator state of a long-running session: one 32 MB
block is freed first, which raises glibc's mmap and trim thresholds to their ceiling, so
NumPy's temporaries do not page-fault on every call (README, "The asv suite").
"""

import argparse
import dataclasses
import json
import statistics
import time
from collections.abc import Callable, Sequence

import numba
import numpy as np

from . import chunked
from .modes import MODE_INFO
from .numba_threads import max_threads
from .registry import MODES, REGISTRY, build


def mean_time(func: Callable, args: tuple, number: int) -> float:
    """Mean seconds per call over `number` consecutive calls."""
    start = time.perf_counter()
    for _ in range(number):
        func(*args)
    return (time.perf_counter() - start) / number


def interleaved_samples(
    funcs: Sequence[Callable],
    args: tuple,
    rounds: int,
    target: float = 0.05,
    faults: list[list[float]] | None = None,
) -> list[list[float]]:
    """Seconds per call of each function, one sample per round, the functions sampled in
    turn (in reverse order every other round). A sample averages enough calls to last
    `target` seconds, after one untimed call that wakes thread pools and refills caches.
    Where `faults` is given (Unix), it receives per function the minor page faults per call
    of each sample's timed calls (every thread of the process), read outside the timed span."""
    numbers = [max(1, int(target / max(mean_time(func, args, 1), 1e-7))) for func in funcs]
    samples: list[list[float]] = [[] for _ in funcs]
    counts: list[list[float]] = [[] for _ in funcs]
    order = list(zip(funcs, numbers, samples, counts, strict=True))
    faults_so_far = minor_faults if faults is not None else lambda: 0
    for round_ in range(rounds):
        for func, number, times, faulted in order if round_ % 2 == 0 else reversed(order):
            func(*args)
            before = faults_so_far()
            times.append(mean_time(func, args, number))
            faulted.append((faults_so_far() - before) / number)
    if faults is not None:
        faults.extend(counts)
    return samples


def minor_faults() -> int:
    """Minor page faults of every thread of the process so far (Unix only: imported where asked for)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _threads_for(mode: str, threads: int | None) -> int | None:
    return threads if MODE_INFO[mode].threaded else None


def _validated(kernel: str, label: str, func: Callable, args: tuple) -> Callable:
    info = REGISTRY[kernel]
    if not info.agrees(func(*args), info.check(*args)):
        raise AssertionError(f"{kernel}/{label} disagrees with the reference")
    return func


def sample(
    kernel: str,
    size: int,
    rounds: int,
    threads: int | None,
    modes: Sequence[str] | None = None,
    target: float = 0.05,
    faults: dict[str, list[float]] | None = None,
) -> dict[str, list[float]]:
    """Seconds per call of `modes` (default: every mode) of `kernel` at `size`, validated,
    one sample per round, interleaved (`interleaved_samples`); where `faults` is given, it
    receives each mode's page faults per call, one per sample."""
    args = REGISTRY[kernel].inputs(size)
    funcs = {
        mode: _validated(kernel, mode, build(kernel, mode, threads=_threads_for(mode, threads)), args)
        for mode in modes or MODES[kernel]
    }
    counts: list[list[float]] = []
    samples = interleaved_samples(list(funcs.values()), args, rounds, target, None if faults is None else counts)
    if faults is not None:
        faults.update(zip(funcs, counts, strict=True))
    return dict(zip(funcs, samples, strict=True))


def measure(
    kernel: str, size: int, rounds: int, threads: int | None, modes: Sequence[str] | None = None, target: float = 0.05
) -> dict[str, float]:
    """Median seconds per call of `modes` (default: every mode) of `kernel` at `size`,
    interleaved over `rounds`."""
    samples = sample(kernel, size, rounds, threads, modes, target)
    return {mode: statistics.median(times) for mode, times in samples.items()}


def notebook_program(kernel: str, mode: str, threads: int) -> Callable:
    """The notebook's function for `mode`, as the notebook runs it: called directly (Numba's
    thread count is the caller's), or, for chunked modes, on the same chunks through the
    same scheduler as the mode."""
    info = REGISTRY[kernel]
    function = info.notebook[mode]
    if mode in chunked.MODES:
        return chunked.build(dataclasses.replace(info.plan, function=function), mode, threads)
    return function


def against_notebook(kernel: str, size: int, rounds: int, threads: int) -> dict[str, list[float]]:
    """Per mode with a notebook counterpart: time(mode) / time(notebook), one ratio per
    round, both timed interleaved with every other such mode of `kernel` at `size`."""
    args = REGISTRY[kernel].inputs(size)
    funcs = []
    for mode in REGISTRY[kernel].notebook:
        count = _threads_for(mode, threads)
        funcs.append(_validated(kernel, mode, build(kernel, mode, threads=count), args))
        funcs.append(_validated(kernel, f"{mode} (notebook)", notebook_program(kernel, mode, threads), args))
    previous = numba.get_num_threads()
    numba.set_num_threads(threads)  # the notebook's parallel functions run on the caller's count
    try:
        samples = interleaved_samples(funcs, args, rounds)
    finally:
        numba.set_num_threads(previous)
    return {
        mode: [ours / theirs for ours, theirs in zip(samples[2 * i], samples[2 * i + 1], strict=True)]
        for i, mode in enumerate(REGISTRY[kernel].notebook)
    }


def _ratio(value: float) -> str:
    """`1.23x`, with significant digits kept below 0.01x."""
    return f"{value:.2f}x" if value >= 0.01 else f"{value:.2g}x"


def _speedup(times: dict[str, float], baseline: str, seconds: float) -> str:
    return _ratio(times[baseline] / seconds) if baseline in times else "-"


def table(results: dict[str, dict[str, float]], sizes: dict[str, int]) -> str:
    """Markdown table: median time and speedup over serial and NumPy (where timed) per kernel × mode."""
    lines = ["| kernel | size | mode | median | vs serial | vs numpy |", "|---|---:|---|---:|---:|---:|"]
    for kernel, times in results.items():
        for mode, seconds in times.items():
            lines.append(
                f"| {kernel} | {sizes[kernel]:.0e} | {mode} | {seconds * 1e3:.3f} ms "
                f"| {_speedup(times, 'serial', seconds)} | {_speedup(times, 'numpy', seconds)} |"
            )
    return "\n".join(lines)


def ratio_table(results: dict[str, dict[str, list[float]]], sizes: dict[str, int], threads: int) -> str:
    """Markdown table: per kernel × mode, the median and range of time(mode) / time(notebook)."""
    lines = ["| kernel | size | mode | threads | vs notebook | range |", "|---|---:|---|---:|---:|---:|"]
    for kernel, ratios in results.items():
        for mode, values in ratios.items():
            lines.append(
                f"| {kernel} | {sizes[kernel]:.0e} | {mode} | {threads if MODE_INFO[mode].threaded else 1} "
                f"| {statistics.median(values):.2f} | {min(values):.2f}-{max(values):.2f} |"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, help="elements (samples for monte_carlo_pi); default: each kernel's")
    parser.add_argument("--rounds", type=int, default=7, help="interleaved rounds (median is reported)")
    parser.add_argument("--threads", type=int, default=None, help="threads for threaded modes (default: all)")
    parser.add_argument("--kernel", choices=list(REGISTRY), action="append", help="kernel(s) to run (default: all)")
    parser.add_argument("--modes", nargs="+", help="modes to time (default: all of each kernel)")
    parser.add_argument("--target", type=float, default=0.05, help="seconds of calls per sample (default 0.05)")
    parser.add_argument("--json", action="store_true", help="print {kernel: {mode: [seconds per call, ...]}}")
    parser.add_argument(
        "--against-notebook",
        action="store_true",
        help="time each mode against the notebook's verbatim function instead (ratio of times)",
    )
    options = parser.parse_args(argv)
    np.empty(4_000_000)  # allocated and freed at once: the steady allocator state (module docstring)
    if (options.size is not None and options.size < 1) or options.rounds < 1:
        parser.error("--size and --rounds must be positive integers")
    if options.threads is not None and not 1 <= options.threads <= max_threads():
        parser.error(f"--threads must be in 1 ... {max_threads()}")
    kernels = options.kernel or list(REGISTRY)
    sizes = {k: options.size or REGISTRY[k].default_size for k in kernels}
    unknown = sorted({m for m in options.modes or () for k in kernels if m not in MODES[k]})
    if unknown:
        parser.error(f"--modes: {', '.join(unknown)} not a mode of every kernel asked for")
    if options.json:
        found = {
            k: sample(k, sizes[k], options.rounds, options.threads, options.modes, options.target) for k in kernels
        }
        print(json.dumps(found))
    elif options.against_notebook:
        threads = options.threads or max_threads()
        ratios = {k: against_notebook(k, sizes[k], options.rounds, threads) for k in kernels if REGISTRY[k].notebook}
        print(ratio_table(ratios, sizes, threads))
    else:
        results = {
            k: measure(k, sizes[k], options.rounds, options.threads, options.modes, options.target) for k in kernels
        }
        print(table(results, sizes))


if __name__ == "__main__":
    main()
