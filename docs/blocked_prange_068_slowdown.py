"""Reproducer: `monte_carlo_pi_blocked` (prange) is ~1.15x slower under Numba 0.68.1 than 0.67.0.

Runs in any environment with Numba >= 0.60 (no project code needed). The JIT-compiled code is
the same in both releases; what changed is Numba's C helper `numba_rnd_shuffle` (the
Mersenne-Twister refill, called once per 624 draws), which 0.68 wheels build with GCC 14
instead of GCC 10. For each variant the script prints ns per sample; it also times the C
helpers themselves, fingerprints the compiled gufunc, and can disassemble the helper.
See docs/blocked-prange-068-slowdown.md.

    python docs/blocked_prange_068_slowdown.py                          # table
    python docs/blocked_prange_068_slowdown.py --json results.jsonl     # also append JSON lines
    python docs/blocked_prange_068_slowdown.py --summarise results.jsonl    # medians over processes
    python docs/blocked_prange_068_slowdown.py --jit-shuffle            # the workaround
    python docs/blocked_prange_068_slowdown.py --disasm                 # numba_rnd_shuffle's machine code
    python docs/blocked_prange_068_slowdown.py --remarks --dump /tmp/b  # inliner verdicts, .ll and .s
"""

import argparse
import ctypes
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

# as benchmarks/__init__.py: load TBB (and SVML) from <env>/lib before Numba is imported
for _library in ("libtbb.so.12", "libintlc.so.5", "libsvml.so"):
    _path = os.path.join(sys.prefix, "lib", _library)
    if os.path.exists(_path):
        ctypes.CDLL(_path, mode=ctypes.RTLD_GLOBAL)

import llvmlite  # noqa: E402
import llvmlite.binding as llvm  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402
from numba import _helperlib, types  # noqa: E402

FLAGS = {"error_model": "numpy", "fastmath": False}  # kernels/flags.py
BLOCK = 1 << 14
SEED_MODULUS = 1 << 32
GOLDEN = 0x9E3779B9


# -- kernels/catalog/monte_carlo_pi_blocked.py, verbatim apart from cache=True -----------------
def block_seed(seed, block):
    h = (seed + (block + 1) * GOLDEN) % SEED_MODULUS
    h ^= h >> 16
    h = (h * 0x85EBCA6B) % SEED_MODULUS
    h ^= h >> 13
    h = (h * 0xC2B2AE35) % SEED_MODULUS
    h ^= h >> 16
    return h


block_seed_jit = numba.njit(nogil=True, **FLAGS)(block_seed)


@numba.njit(nogil=True, **FLAGS)
def block_hits(block, nsamples, seed):
    np.random.seed(block_seed_jit(seed, block))
    acc = 0
    for _ in range(block * BLOCK, min((block + 1) * BLOCK, nsamples)):
        x = np.random.random()
        y = np.random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return acc


@numba.njit(nogil=True, **FLAGS)
def blocks_hits(first, last, nsamples, seed):
    acc = 0
    for b in range(first, last):
        acc += block_hits(b, nsamples, seed)
    return acc


@numba.njit(nogil=True, **FLAGS)
def monte_carlo_pi_serial(nsamples, seed):
    return 4.0 * blocks_hits(0, (nsamples + BLOCK - 1) // BLOCK, nsamples, seed) / nsamples


@numba.njit(parallel=True, **FLAGS)
def monte_carlo_pi_prange(nsamples, seed):
    acc = 0
    for b in numba.prange((nsamples + BLOCK - 1) // BLOCK):
        acc += block_hits(b, nsamples, seed)
    return 4.0 * acc / nsamples


def reference(nsamples, seed):
    """NumPy's legacy MT19937 with the same per-block seeds: the expected result, bit for bit."""
    state = np.random.RandomState()
    hits = 0
    for b in range((nsamples + BLOCK - 1) // BLOCK):
        state.seed(block_seed(seed, b))
        count = min(BLOCK, nsamples - b * BLOCK)
        xy = state.random_sample(2 * count)
        hits += int(np.count_nonzero(xy[0::2] ** 2 + xy[1::2] ** 2 < 1.0))
    return 4.0 * hits / nsamples


# -- workaround: the MT refill compiled by Numba/LLVM, registered under the C helper's name ----
def jit_shuffle():
    """A `@cfunc` with numba_rnd_shuffle's exact arithmetic (`rnd_state_t` is `int index;
    unsigned int mt[624]; ...`), made the JIT's definition of `numba_rnd_shuffle`. Must run
    after Numba has registered its own helpers (its first compilation) and before the kernels
    are compiled."""

    @numba.cfunc(types.void(types.CPointer(types.uint32)), **FLAGS)
    def shuffle(state):
        s = numba.carray(state, 625)  # s[0] is `index`, s[1 + k] is mt[k]
        for i in range(227):
            y = (s[1 + i] & 0x80000000) | (s[2 + i] & 0x7FFFFFFF)
            s[1 + i] = s[398 + i] ^ (y >> 1) ^ (-(y & 1) & 0x9908B0DF)
        for i in range(227, 623):
            y = (s[1 + i] & 0x80000000) | (s[2 + i] & 0x7FFFFFFF)
            s[1 + i] = s[i - 226] ^ (y >> 1) ^ (-(y & 1) & 0x9908B0DF)
        y = (s[624] & 0x80000000) | (s[1] & 0x7FFFFFFF)
        s[624] = s[397] ^ (y >> 1) ^ (-(y & 1) & 0x9908B0DF)

    llvm.add_symbol("numba_rnd_shuffle", shuffle.address)
    return shuffle


VARIANTS = {
    "prange": (monte_carlo_pi_prange, True),
    "serial": (monte_carlo_pi_serial, False),
}


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


def gufunc_fingerprint(disp):
    """sha1 of the `__gufunc__` wrapper's assembly (where the blocks run) with addresses, hashes
    and the RNG helper's module path (numba.cpython.randomimpl in 0.67, numba.np.random.legacy
    in 0.68) normalised away, and the external symbols that wrapper calls."""
    asm = disp.inspect_asm(disp.signatures[0])
    start = asm.find("\n__gufunc__.")
    if start < 0:
        return None, []
    body = asm[start : asm.find("\n.Lfunc_end", start)]
    calls = sorted(set(re.findall(r"movabsq\s+\$([A-Za-z_]\w*), %r\w+\n\s+callq", body)))
    norm = re.sub(r"0x[0-9a-f]{6,}|\d{9,}|B\d+v\d+B\d+\w+", "", body)
    norm = norm.replace("5numba7cpython10randomimpl", "RNG").replace("5numba2np6random6legacy", "RNG")
    return hashlib.sha1(norm.encode()).hexdigest()[:12], calls


def helper_times():
    """ns per call of the C helpers numba_rnd_shuffle and numba_rnd_init, called from a jitted
    loop through their addresses (the ones the JIT links against, or the override)."""
    shuffle_addr = llvm.address_of_symbol("numba_rnd_shuffle") or _helperlib.c_helpers["rnd_shuffle"]
    shuffle = ctypes.CFUNCTYPE(None, ctypes.c_void_p)(shuffle_addr)
    init = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_uint)(_helperlib.c_helpers["rnd_init"])

    @numba.njit
    def shuffles(addr, n):
        for _ in range(n):
            shuffle(addr)

    @numba.njit
    def inits(addr, n):
        for i in range(n):
            init(addr, i)

    state = np.zeros(1024, np.uint32)
    addr = state.ctypes.data
    out = {}
    for name, fn in (("rnd_shuffle", shuffles), ("rnd_init", inits)):
        fn(addr, 10)
        best = min((lambda t0: (fn(addr, 20000), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(5))
        out[name] = best / 20000 * 1e9
    return out


def disasm():
    """numba_rnd_shuffle's machine code in Numba's _helperlib, with the compiler that built it."""
    path = _helperlib.__file__
    comment = subprocess.run(["readelf", "-p", ".comment", path], capture_output=True, text=True).stdout
    print(path)
    print("built by:", "; ".join(re.findall(r"\]\s+(.*)", comment)))
    text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", path], capture_output=True, text=True).stdout
    body = re.search(r"<numba_rnd_shuffle>:\n(.*?)\n\n", text, re.S).group(1)
    ops = Counter(line.split("\t")[1].split()[0] for line in body.splitlines() if "\t" in line)
    print(f"numba_rnd_shuffle: {sum(ops.values())} instructions;", ", ".join(f"{k} {v}" for k, v in ops.most_common()))
    print(body)


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
    env = environment()
    env["config"] = args.label or env["numba"] + (" jit-shuffle" if args.jit_shuffle else "")
    if args.jit_shuffle:
        jit_shuffle()
    env.update(helper_times())
    if args.remarks:  # from here on, so that only the kernels' verdicts are printed
        llvm.set_option("", "-pass-remarks=inline")
        llvm.set_option("", "-pass-remarks-missed=inline")
    print(
        f"numba {env['numba']}  llvmlite {env['llvmlite']}  LLVM {env['llvm']}  numpy {env['numpy']}  "
        f"[{env['config']}]  load {env['loadavg_1min']:.2f}"
    )
    print(f"numba_rnd_shuffle {env['rnd_shuffle']:.0f} ns/call, numba_rnd_init {env['rnd_init']:.0f} ns/call")
    compiled = {}
    for name in args.variants:
        func, parallel = VARIANTS[name]
        with Stderr() as err:
            got = func(3 * BLOCK + 5, 12345)  # compile and warm up
        if got != reference(3 * BLOCK + 5, 12345):
            sys.exit(f"{name}: {got} is not the NumPy reference {reference(3 * BLOCK + 5, 12345)}")
        for line in sorted(set(err.text.splitlines())) if args.remarks else ():
            m = re.search(r"remark: .*?'([^']+)' (.*?) into '([^']+)'(.*)", line)
            if "noinline call site" in line or "cfunc." in line:
                continue
            if m and ("random" in m.group(1) or "block_hits" in m.group(1)):
                print(f"    {m.group(1)[:60]} {m.group(2)} into {m.group(3)[:40]}{m.group(4)}")
        if parallel:
            fingerprint, calls = gufunc_fingerprint(func)
            print(f"{name}: __gufunc__ asm sha1 {fingerprint}; calls {', '.join(calls)}")
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            stem = os.path.join(args.dump, f"{name}-{env['numba']}")
            with open(stem + ".ll", "w") as f:
                f.write(func.inspect_llvm(func.signatures[0]))
            with open(stem + ".s", "w") as f:
                f.write(func.inspect_asm(func.signatures[0]))
        for threads in args.threads if parallel else [1]:
            compiled[name, threads] = func
    if any(parallel for _, parallel in (VARIANTS[v] for v in args.variants)):
        env["threading_layer"] = numba.threading_layer()
        print(f"threading layer {env['threading_layer']}, NUMBA_NUM_THREADS {numba.config.NUMBA_NUM_THREADS}")
    times = defaultdict(list)
    for _ in range(args.rounds):  # every variant, thread count and size once per round
        for (name, threads), func in compiled.items():
            numba.set_num_threads(threads)
            for n in args.n:
                func(n, 1)
                for r in range(args.repeat):
                    t0 = time.perf_counter()
                    func(n, r)
                    times[name, threads, n].append((time.perf_counter() - t0) / n * 1e9)
    numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    print(f"{'variant':<8} {'thr':>3} {'n':>11} {'ns/sample median':>16}  (min-max)")
    rows = []
    for (name, threads, n), ts in times.items():
        med = statistics.median(ts)
        print(f"{name:<8} {threads:>3} {n:>11,} {med:>16.2f}  ({min(ts):.2f}-{max(ts):.2f})")
        rows.append(dict(env, variant=name, threads=threads, n=n, ns=ts, median=med))
    if args.json:
        with open(args.json, "a") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


def summarise(paths):
    """Per (config, variant, threads, n), over processes: median [range] of per-process medians."""
    groups = defaultdict(list)
    helpers = defaultdict(list)
    configs = []
    for path in paths:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                if r["config"] not in configs:
                    configs.append(r["config"])
                groups[r["config"], r["variant"], r["threads"], r["n"]].append(r["median"])
                helpers[r["config"]].append(r["rnd_shuffle"])
    keys = sorted({k[1:] for k in groups}, key=lambda k: (list(VARIANTS).index(k[0]), k[1], k[2]))
    print("\nns/sample, median of per-process medians [range over processes], processes")
    print("| variant | threads | n | " + " | ".join(configs) + " |")
    print("|---|---|---|" + "---|" * len(configs))
    for v, t, n in keys:
        cells = []
        for cfg in configs:
            m = groups.get((cfg, v, t, n), [])
            cells.append(f"{statistics.median(m):.2f} [{min(m):.2f}-{max(m):.2f}] n={len(m)}" if m else "")
        print(f"| {v} | {t} | {n:.0e} | " + " | ".join(cells) + " |")
    print("| numba_rnd_shuffle ns/call | | | " + " | ".join(f"{statistics.median(helpers[c]):.0f}" for c in configs))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000], help="samples per call")
    p.add_argument("--repeat", type=int, default=3, help="timed calls per variant, thread count, size and round")
    p.add_argument("--rounds", type=int, default=3, help="rounds over all variants")
    p.add_argument("--threads", type=int, nargs="+", default=[2, 1], help="thread counts for prange")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--jit-shuffle", action="store_true", help="replace numba_rnd_shuffle by a Numba-compiled one")
    p.add_argument("--label", help="configuration name in the JSON lines (default: Numba version)")
    p.add_argument("--remarks", action="store_true", help="print LLVM's inlining verdicts for the RNG and blocks")
    p.add_argument("--dump", metavar="DIR", help="write the LLVM IR (.ll) and assembly (.s) of each variant")
    p.add_argument("--disasm", action="store_true", help="disassemble numba_rnd_shuffle (objdump) and exit")
    p.add_argument("--json", metavar="FILE", help="append one JSON line per measurement")
    p.add_argument("--summarise", metavar="FILE", nargs="+", help="summarise JSON lines instead of measuring")
    args = p.parse_args(argv)
    if args.summarise:
        summarise(args.summarise)
    elif args.disasm:
        disasm()
    else:
        measure(args)


if __name__ == "__main__":
    main()
