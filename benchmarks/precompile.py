"""Fill Numba's on-disk cache of the installed kernels, as ``--compile-bytecode`` fills Python's.

asv's install command runs this script in each environment right after installing a
commit (``asv.conf.json``), with the interpreter of that environment::

    python <the commit's tree>/benchmarks/precompile.py

It runs this suite's preamble (``benchmarks/__init__.py``: the same shared libraries, the same
cache folder as every benchmark process), then builds and calls every kernel's compiled
modes once on small inputs. The first round's processes then load the machine code instead
of compiling it (10-18 s per environment on the 2-vCPU Intel Xeon VM). Numba compiles on one
thread, so the kernels are shared out between `WORKERS` processes forked once the preamble has
run (no thread pool started yet): 11.1 s alone, 7.8 s in two on that VM (Numba 0.68.1). asv installs the
environment it discovers the suite in alone, the others two at a time where ``--parallel 2``
is given. No timing changes: a benchmark's `setup` has always loaded or compiled its
variant, untimed. What cannot be built (an older registry, a failing mode) is named on
stderr and skipped.
"""

import os
import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SIZE = 1_000
SAME_FUNCTION = ("dask", "distributed")
"""Modes that run the `threads` mode's nogil function (and would start a Dask scheduler)."""
WORKERS = min(2, os.cpu_count() or 1)


def share(names: list[str], workers: int) -> list[list[str]]:
    """`names` dealt out to `workers` lists in turn (kernels in registry order, about equal
    compile work per list)."""
    return [names[index::workers] for index in range(workers)]


def build_all(names: list[str]) -> None:
    """Build and call every compiled mode of the kernels `names` once."""
    import kernels

    for kernel in names:
        args = kernels.REGISTRY[kernel].inputs(SIZE)
        for mode in kernels.MODES[kernel]:
            if mode in SAME_FUNCTION:
                continue
            try:
                kernels.build(kernel, mode)(*args)
            except Exception as error:  # noqa: BLE001 (a timing then compiles, as before)
                print(f"precompile: {kernel} {mode}: {error}", file=sys.stderr)


def main() -> int:
    """Build and call every compiled mode once, in `WORKERS` processes (module docstring);
    exit status 0."""
    os.environ["NTB_PRELOAD_DASK"] = "0"
    runpy.run_path(str(HERE / "__init__.py"))
    import kernels

    mine, *theirs = share(list(kernels.MODES), WORKERS)
    children = []
    for names in theirs:
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            try:
                build_all(names)
            except BaseException as error:  # noqa: BLE001 (named, then the child ends as a mode's failure does)
                print(f"precompile: {', '.join(names)}: {error!r}", file=sys.stderr)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(0)
        children.append(pid)
    build_all(mine)
    for pid in children:
        os.waitpid(pid, 0)
    return 0


if __name__ == "__main__":
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]  # no suite module shadows an installed one
    sys.exit(main())
