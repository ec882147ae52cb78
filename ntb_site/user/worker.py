"""One round of ``ntb advise``: every mode of one user kernel at every size, timed
interleaved in this fresh process, under one allocator condition; JSON on stdout.

    NTB_USER_KERNELS=KERNEL_FILE python -m ntb_site.user.worker KERNEL CONDITION THREADS SAMPLES SIZE...

Conditions: ``fresh``, a plain script's (glibc's allocator as it starts; the sizes run
ascending, so each starts from what the smaller ones freed, as a script that grows its
problem does), and ``steady``, a long-running session's (one 32 MB block freed first, as
the asv suite does: `benchmarks.common.steady_allocator`). Prints
``{"mode": {"size": [seconds per call, ...]}}``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

CONDITIONS = ("fresh", "steady")
STEADY_BLOCK = 4_000_000
"""Float64 elements of the block freed for ``steady``: 32 MB, glibc's ceiling of its mmap threshold."""
TARGET = 0.02
"""Seconds of calls per sample, as asv's `sample_time` of the Modes benchmarks."""


def main(argv: Sequence[str] | None = None) -> int:
    """Time the round (module docstring)."""
    kernel, condition, threads, samples, *sizes = argv if argv is not None else sys.argv[1:]
    if condition not in CONDITIONS:
        raise SystemExit(f"worker: condition must be one of {', '.join(CONDITIONS)}")
    import numpy as np

    if condition == "steady":
        block = np.empty(STEADY_BLOCK)
        del block
    from kernels.compare import sample

    found: dict[str, dict[str, list[float]]] = {}
    for size in sorted(map(int, sizes)):
        for mode, times in sample(kernel, size, int(samples), int(threads), target=TARGET).items():
            found.setdefault(mode, {})[str(size)] = times
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    sys.exit(main())
