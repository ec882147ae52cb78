"""Reproducer: the notebook's Monte-Carlo pi loop is ~2.5x slower since Numba 0.62.

Runs in any environment with Numba >= 0.57 (no project code needed). For each variant it
prints ns per sample (one sample = one (x, y) pair), whether the RNG call was inlined into
the compiled loop, and how many calls to the RNG helper and to the thread-local state
lookup are left in the compiled code. See docs/monte-carlo-slowdown.md.

    python docs/monte_carlo_slowdown.py                         # all variants, table
    python docs/monte_carlo_slowdown.py --json results.jsonl    # also append JSON lines
    python docs/monte_carlo_slowdown.py --summarise results.jsonl   # medians over processes
    python docs/monte_carlo_slowdown.py --inline-threshold 275  # the workaround
    python docs/monte_carlo_slowdown.py --remarks --variants py_serial   # LLVM inliner verdicts
    python docs/monte_carlo_slowdown.py --dump /tmp/mc --variants py_serial  # .ll and .s files
"""

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict

import llvmlite
import llvmlite.binding as llvm
import numba
import numpy as np
from numba import types
from numba.core.typing import signature
from numba.cpython.randomimpl import get_next_double, get_state_ptr
from numba.extending import intrinsic

BLOCK = 1 << 14  # samples per RNG block, as in kernels/formulas.py


# -- the notebook's two functions, verbatim ------------------------------------------------
@numba.jit(nopython=True)
def py_serial(nsamples):
    acc = 0
    for i in range(nsamples):  # noqa: B007
        x = random.random()
        y = random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


@numba.jit(nopython=True, parallel=True)
def py_prange(nsamples):
    acc = 0
    for i in numba.prange(nsamples):  # noqa: B007
        x = random.random()
        y = random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


# -- the same loop with np.random, and with an explicit seed inside the jitted function -----
@numba.njit
def np_serial(nsamples):
    acc = 0
    for _ in range(nsamples):
        x = np.random.random()
        y = np.random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


@numba.njit(parallel=True)
def np_prange(nsamples):
    acc = 0
    for _ in numba.prange(nsamples):
        x = np.random.random()
        y = np.random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


@numba.njit
def py_seeded(nsamples, seed):
    random.seed(seed)
    acc = 0
    for _ in range(nsamples):
        x = random.random()
        y = random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


@numba.njit
def np_seeded(nsamples, seed):
    np.random.seed(seed)
    acc = 0
    for _ in range(nsamples):
        x = np.random.random()
        y = np.random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


# -- the "blocked" form (kernels/jitted.py): seed per block of BLOCK samples, prange over blocks
@numba.njit(nogil=True)
def np_block_hits(block, nsamples, seed):
    np.random.seed(seed + block)
    acc = 0
    for _ in range(block * BLOCK, min((block + 1) * BLOCK, nsamples)):
        x = np.random.random()
        y = np.random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return acc


@numba.njit(parallel=True)
def blocked_np(nsamples, seed):
    acc = 0
    for b in numba.prange((nsamples + BLOCK - 1) // BLOCK):
        acc += np_block_hits(b, nsamples, seed)
    return 4.0 * acc / nsamples


@numba.njit(nogil=True)
def py_block_hits(block, nsamples, seed):
    random.seed(seed + block)
    acc = 0
    for _ in range(block * BLOCK, min((block + 1) * BLOCK, nsamples)):
        x = random.random()
        y = random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return acc


@numba.njit(parallel=True)
def blocked_py(nsamples, seed):
    acc = 0
    for b in numba.prange((nsamples + BLOCK - 1) // BLOCK):
        acc += py_block_hits(b, nsamples, seed)
    return 4.0 * acc / nsamples


@numba.njit
def blocked_np_serial(nsamples, seed):
    """The blocked form without prange: the serial mode of kernels/jitted.py."""
    acc = 0
    for b in range((nsamples + BLOCK - 1) // BLOCK):
        acc += np_block_hits(b, nsamples, seed)
    return 4.0 * acc / nsamples


# -- workaround 1: emit random.random()'s code straight into the caller (same state, same stream)
@intrinsic
def py_random_inline(typingctx):
    """random.random() as an intrinsic: its LLVM IR is generated inside the calling function,
    so no LLVM inlining decision is involved (the overload's `lambda: _impl()` is one)."""

    def codegen(context, builder, sig, args):
        return get_next_double(context, builder, get_state_ptr(context, builder, "py"))

    return signature(types.float64), codegen


@numba.njit
def py_intrinsic(nsamples):
    acc = 0
    for _ in range(nsamples):
        x = py_random_inline()
        y = py_random_inline()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


@numba.njit(parallel=True)
def py_intrinsic_prange(nsamples):
    acc = 0
    for _ in numba.prange(nsamples):
        x = py_random_inline()
        y = py_random_inline()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


# -- workaround 2: a NumPy Generator (PCG64) passed in; not thread-safe, so one thread only ---
@numba.njit
def gen_serial(nsamples, rng):
    acc = 0
    for _ in range(nsamples):
        x = rng.random()
        y = rng.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


# name -> (dispatcher, extra-argument factory, parallel?)
VARIANTS = {
    "py_serial": (py_serial, lambda: (), False),
    "np_serial": (np_serial, lambda: (), False),
    "py_seeded": (py_seeded, lambda: (12345,), False),
    "np_seeded": (np_seeded, lambda: (12345,), False),
    "py_prange": (py_prange, lambda: (), True),
    "np_prange": (np_prange, lambda: (), True),
    "blocked_np": (blocked_np, lambda: (12345,), True),
    "blocked_py": (blocked_py, lambda: (12345,), True),
    "blocked_np_serial": (blocked_np_serial, lambda: (12345,), False),
    "py_intrinsic": (py_intrinsic, lambda: (), False),
    "py_intrinsic_prange": (py_intrinsic_prange, lambda: (), True),
    "gen_serial": (gen_serial, lambda: (np.random.default_rng(12345),), False),
}

# the out-of-line RNG helper: the overload's `lambda: _impl()` of random.random / np.random.random
RNG_HELPER = re.compile(r"call i32 @(_ZN5numba\S*random_impl0?12_3clocals_3e12_3clambda_3e\S*)\(")
STATE_LOOKUP = re.compile(r"call [^@\n]*@(numba_get_(?:py|np)_random_state)\(")


def code_facts(disp):
    """Calls to the out-of-line RNG helper, and direct state lookups, in the compiled module of
    `disp` (it also holds the prange kernel and the linked callees left un-inlined); the bodies
    of the helper itself and of the cfunc wrapper are not counted."""
    helper_calls = lookups = 0
    for sig in disp.signatures:
        for body in disp.inspect_llvm(sig).split("\ndefine ")[1:]:
            name = re.match(r"[^@]*@\"?([^\"(]+)", body).group(1)
            if re.search(r"random_impl0?12_3clocals_3e12_3clambda", name) or name.startswith("cfunc."):
                continue
            helper_calls += len(RNG_HELPER.findall(body))
            lookups += len(STATE_LOOKUP.findall(body))
    return helper_calls, lookups


class Stderr:
    """Capture fd 2 (where LLVM prints optimisation remarks) into a string."""

    def __enter__(self):
        sys.stderr.flush()
        self._file = tempfile.TemporaryFile(mode="w+b")
        self._saved = os.dup(2)
        os.dup2(self._file.fileno(), 2)
        return self

    def __exit__(self, *exc):
        sys.stderr.flush()
        os.dup2(self._saved, 2)
        os.close(self._saved)
        self._file.seek(0)
        self.text = self._file.read().decode(errors="replace")
        self._file.close()


def _short(symbol):
    """A readable name for a mangled Numba symbol: its last name component."""
    if re.search(r"random_impl0?12_3clocals_3e12_3clambda", symbol):
        return "RNG helper"
    wrapper = "__gufunc__ wrapper of " if symbol.startswith("__gufunc__.") else ""
    if "numba_parfor_gufunc" in symbol:
        return wrapper + "parfor kernel"
    mangled, parts, i = symbol.removeprefix("__gufunc__."), [], 3
    while mangled.startswith("_ZN") and i < len(mangled) and mangled[i].isdigit():
        j = i
        while mangled[j].isdigit():
            j += 1
        parts.append(mangled[j : j + int(mangled[i:j])])
        i = j + int(mangled[i:j])
    return wrapper + (parts[-1] if parts else symbol[:40])


def inline_verdicts(text):
    """Condense LLVM's 'inline' remarks about the RNG helper, the parfor kernel and the block
    functions: 'callee verdict into caller (cost=.., threshold=..)' -> count."""
    out = defaultdict(int)
    for line in text.splitlines():
        m = re.search(r"remark: .*?'([^']+)' (.*?) into '([^']+)'(.*)", line)
        if not m or m.group(3).startswith("cfunc.") or m.group(1).startswith(".kernel."):
            continue
        if "noinline call site" in m.group(4):
            continue
        callee = _short(m.group(1))
        if callee != "RNG helper" and "parfor kernel" not in callee and "block_hits" not in callee:
            continue
        cost = re.search(r"\(cost=[^)]*\)", m.group(4))
        out[f"{callee} {m.group(2)} into {_short(m.group(3))} {cost.group(0) if cost else m.group(4).strip()}"] += 1
    return out


def environment():
    return {
        "numba": numba.__version__,
        "numpy": np.__version__,
        "llvmlite": llvmlite.__version__,
        "llvm": ".".join(map(str, llvm.llvm_version_info)),
        "python": sys.version.split()[0],
        "loadavg_1min": os.getloadavg()[0],
    }


def measure(args):
    if args.inline_threshold is not None:
        llvm.set_option("", f"-inline-threshold={args.inline_threshold}")
    if args.remarks:
        llvm.set_option("", "-pass-remarks=inline")
        llvm.set_option("", "-pass-remarks-missed=inline")
    env = environment()
    env["inline_threshold"] = args.inline_threshold
    print(
        f"numba {env['numba']}  llvmlite {env['llvmlite']}  LLVM {env['llvm']}  numpy {env['numpy']}  "
        f"inline-threshold {args.inline_threshold or 'default'}  load {env['loadavg_1min']:.2f}  n={args.n:,}"
    )
    print(f"{'variant':<11} {'thr':>3} {'ns/sample median':>16}  {'(min-max)':<13} {'inlined':<7} helper lookups")
    rows = []
    for name in args.variants:
        func, extra, parallel = VARIANTS[name]
        with Stderr() as err:
            func(1 << 15, *extra())  # compile and warm up
        for line in inline_verdicts(err.text).items() if args.remarks else ():
            print(f"    remark x{line[1]}: {line[0]}")
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            for sig in func.signatures:
                stem = os.path.join(args.dump, f"{name}-{env['numba']}")
                with open(stem + ".ll", "w") as f:
                    f.write(func.inspect_llvm(sig))
                with open(stem + ".s", "w") as f:
                    f.write(func.inspect_asm(sig))
        helper_calls, lookups = code_facts(func)
        for threads in args.threads if parallel else [1]:
            if parallel:
                numba.set_num_threads(threads)
            times = []
            for _ in range(args.repeat):
                a = extra()
                t0 = time.perf_counter()
                func(args.n, *a)
                times.append((time.perf_counter() - t0) / args.n * 1e9)
            med = statistics.median(times)
            print(
                f"{name:<11} {threads:>3} {med:>16.2f}  ({min(times):.2f}-{max(times):.2f}){'':<2} "
                f"{'yes' if helper_calls == 0 else 'NO':<7} {helper_calls:>6} {lookups:>7}"
            )
            facts = {"helper_calls": helper_calls, "lookups": lookups}
            rows.append(dict(env, variant=name, threads=threads, ns=times, median=med, **facts))
        if parallel:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    if args.json:
        with open(args.json, "a") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


def summarise(paths):
    """Per (config, variant, threads), over processes: the median and range of the per-process
    medians, then the same of the per-process minima (the least disturbed call of each process)."""
    groups = defaultdict(list)
    loads = defaultdict(list)
    configs = []
    for path in paths:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                cfg = r["numba"] + (f" thr={r['inline_threshold']}" if r.get("inline_threshold") else "")
                if cfg not in configs:
                    configs.append(cfg)
                groups[cfg, r["variant"], r["threads"]].append((r["median"], min(r["ns"])))
                loads[cfg].append(r["loadavg_1min"])
    keys = sorted({(v, t) for _, v, t in groups}, key=lambda k: (list(VARIANTS).index(k[0]), k[1]))
    configs.sort(key=lambda c: (tuple(int(x) for x in c.split()[0].split(".")), c))
    for stat, title in ((0, "median of per-process medians"), (1, "median of per-process minima")):
        print(f"\nns/sample, {title} [range over processes], processes")
        print("| variant | threads | " + " | ".join(configs) + " |")
        print("|---|---|" + "---|" * len(configs))
        for v, t in keys:
            cells = []
            for cfg in configs:
                m = [x[stat] for x in groups.get((cfg, v, t), [])]
                cells.append(f"{statistics.median(m):.1f} [{min(m):.1f}-{max(m):.1f}] n={len(m)}" if m else "")
            print(f"| {v} | {t} | " + " | ".join(cells) + " |")
    print()
    for cfg in configs:
        print(f"load average (1 min) at the start of the {cfg} processes: {min(loads[cfg]):.2f}-{max(loads[cfg]):.2f}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=10_000_000, help="samples per timed call")
    p.add_argument("--repeat", type=int, default=5, help="timed calls per variant and thread count")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2], help="thread counts for prange variants")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--inline-threshold", type=int, help="set LLVM's -inline-threshold before compiling")
    p.add_argument("--remarks", action="store_true", help="print LLVM's inlining verdicts for the RNG helper")
    p.add_argument("--dump", metavar="DIR", help="write the LLVM IR (.ll) and assembly (.s) of each variant")
    p.add_argument("--json", metavar="FILE", help="append one JSON line per measurement")
    p.add_argument("--summarise", metavar="FILE", nargs="+", help="summarise JSON lines instead of measuring")
    args = p.parse_args(argv)
    if args.summarise:
        summarise(args.summarise)
    else:
        measure(args)


if __name__ == "__main__":
    main()
