"""Run under callgrind by `ntb_site.checks.instructions`: count the instructions of kernel calls.

Run by path, never imported: ``python count_worker.py TREE SHIM POINTS_JSON``. `TREE` is a
commit's source tree, put first on ``sys.path`` so that its `kernels` (public API only:
`build`, `REGISTRY`) is the code counted. For each point ``[kernel, mode, size, threads,
calls]`` it builds the mode, calls it once uncounted (compilation, first-touch of the
inputs, thread-pool start), then counts each of `calls` calls alone between callgrind's
client requests (`SHIM`: start instrumentation, zero, call, dump with the label
``kernel|mode|size|threads|call``, stop); a point the tree lacks is skipped. Outside
valgrind the requests do nothing, so the same command run natively only compiles (and
fills Numba's cache).
"""

import ctypes
import json
import sys


def main(tree: str, shim: str, points: str) -> None:
    sys.path.insert(0, tree)
    import kernels

    requests = ctypes.CDLL(shim)
    requests.ntb_dump.argtypes = [ctypes.c_char_p]
    inputs = {}
    for kernel, mode, size, threads, calls in json.loads(points):
        if mode not in kernels.MODES.get(kernel, ()):
            continue  # not in this commit: the comparison shows the point as new or gone
        args = inputs.setdefault((kernel, size), kernels.REGISTRY[kernel].inputs(size))
        func = kernels.build(kernel, mode, threads=threads)
        func(*args)
        for call in range(calls):
            requests.ntb_start()
            func(*args)
            requests.ntb_dump(f"{kernel}|{mode}|{size}|{threads}|{call}".encode())


if __name__ == "__main__":
    main(*sys.argv[1:])
