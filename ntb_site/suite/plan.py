"""Which `Modes` timings a phase of `.ci/bench` measures, as asv ``--bench`` regular expressions.

A `Modes` benchmark is a grid of size × mode × threads, and asv spends one fresh process per
point per round whether the point answers a question or is n/a. The main job asks two
questions of it and measures each one's points only:

- ``top``: every mode at the thread count the advisor and the Numba-versions page compare
  (all threads Numba may use; 1 for a single-threaded mode). The n/a points, a
  single-threaded mode asked for more threads, are never spawned.
- ``one``: the threaded modes on 1 thread, the scaling page's strong-scaling baseline.

The whole matrix (``.ci/bench --all-releases``) splits ``top`` in two:

- ``numba``: the ``top`` rows whose time is Numba's compiled code and threading layer
  alone (``numpy`` as the control): what a Numba release step compares in every environment.
- ``dask``: the ``top`` rows of the modes that run the ``threads`` mode's nogil kernel under
  Dask's schedulers. A Numba release changes that kernel, which ``threads`` already times;
  the rest of their time is Dask's (~0.4 s a point against ~0.3 s: a third of a step's
  cost), so they are measured under the newest release only.

Under the newest release's other threading layers the whole matrix measures only the modes
that run on Numba's threading layer (``--layer used``: `parallel`, `prange`); the others
never start it (``kernels.Mode.on_layer``), so a layer cannot change their time, and they are
measured under the release's default layer (``--layer unused``).

From the repository root, with the project's `kernels` installed::

    python -m ntb_site.suite.plan top 10000 100000        # one regex per line
    python -m ntb_site.suite.plan one 1000000 --kernel kde
    python -m ntb_site.suite.plan numba 100000 1000000
    python -m ntb_site.suite.plan one 10000 --layer used   # parallel and prange only

Exit status 2 on bad usage (an unknown kernel, a size that is not a positive integer, a
`--layer` other than used/unused).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Collection, Iterable, Sequence

import kernels
from ntb_site.results.asv_results import MODES_TIMING

ROWS = ("top", "one", "numba", "dask")
DASK_MODES = frozenset({"dask", "distributed"})
"""The modes whose scheduler is Dask's (the ``dask`` rows)."""


LAYER_USE = {"used": True, "unused": False}
"""``--layer``: the modes that run on Numba's threading layer, or the others."""


def _modes(kernel: str, threaded: bool, rows: str, on_layer: bool | None) -> list[str]:
    wanted = {"numba": False, "dask": True}.get(rows)
    return [
        mode
        for mode in kernels.MODES[kernel]
        if kernels.MODE_INFO[mode].threaded == threaded
        and wanted in (None, mode in DASK_MODES)
        and on_layer in (None, kernels.MODE_INFO[mode].on_layer)
    ]


def selectors(
    rows: str,
    sizes: Iterable[int],
    kernel: str | None = None,
    modes: Collection[str] | None = None,
    *,
    on_layer: bool | None = None,
) -> list[str]:
    """The ``--bench`` regexes of the `rows` points (one of `ROWS`) at `sizes`, for
    `kernel` or every kernel of the registry, of `modes` only where given, of the modes that
    run on Numba's threading layer (`on_layer` True) or of the others (False) only where
    given; ValueError naming a bad argument."""
    if rows not in ROWS:
        raise ValueError(f"rows: expected one of {', '.join(ROWS)}, got {rows!r}")
    sizes = list(sizes)
    if not sizes or any(isinstance(s, bool) or not isinstance(s, int) or s < 1 for s in sizes):
        raise ValueError(f"sizes: expected positive integers, got {sizes!r}")
    if kernel is not None and kernel not in kernels.MODES:
        raise ValueError(f"kernel: expected one of {', '.join(kernels.MODES)}, got {kernel!r}")
    names = list(kernels.MODES) if kernel is None else [kernel]
    size_group = "|".join(str(s) for s in sizes)
    groups = [(True, 1)] if rows == "one" else [(False, 1), (True, kernels.max_threads())]
    found = []
    for name in names:
        for threaded, threads in groups:
            chosen = "|".join(mode for mode in _modes(name, threaded, rows, on_layer) if modes is None or mode in modes)
            if chosen:
                found.append(
                    f"^{re.escape(name)}{re.escape(MODES_TIMING)}\\(({size_group}), '({chosen})', {threads}\\)"
                )
    return found


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="ntb plan", description=__doc__.split("\n")[0])
    parser.add_argument(
        "rows",
        choices=ROWS,
        help="top: every mode at the compared thread count; one: 1 thread; numba/dask: top without/only the Dask modes",
    )
    parser.add_argument("sizes", nargs="+", type=_size, help="sizes (elements)")
    parser.add_argument("--kernel", help="one kernel (default: every kernel of the registry)")
    parser.add_argument(
        "--layer",
        choices=LAYER_USE,
        help="used: only the modes that run on Numba's threading layer; unused: only the others (default: both)",
    )
    args = parser.parse_args(argv)
    try:
        print("\n".join(selectors(args.rows, args.sizes, args.kernel, on_layer=LAYER_USE.get(args.layer))))
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
