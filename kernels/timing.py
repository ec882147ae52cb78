"""Side-by-side timing in one process: every function sees the same machine.

Each sample averages enough calls to last `target` seconds, after one untimed call that
wakes thread pools and refills caches; functions are timed in turn (A B A B ...), and the
median per function is returned, so ratios stay meaningful on a noisy host.
"""

import statistics
import time
from collections.abc import Callable, Sequence


def mean_time(func: Callable, args: tuple, number: int) -> float:
    """Mean seconds per call over `number` consecutive calls."""
    start = time.perf_counter()
    for _ in range(number):
        func(*args)
    return (time.perf_counter() - start) / number


def interleaved_medians(funcs: Sequence[Callable], args: tuple, rounds: int = 7, target: float = 0.05) -> list[float]:
    """Median seconds per call of each function, sampled in turn over `rounds`."""
    numbers = [max(1, int(target / max(mean_time(func, args, 1), 1e-7))) for func in funcs]
    samples: list[list[float]] = [[] for _ in funcs]
    for _ in range(rounds):
        for func, number, times in zip(funcs, numbers, samples, strict=True):
            func(*args)
            times.append(mean_time(func, args, number))
    return [statistics.median(times) for times in samples]
