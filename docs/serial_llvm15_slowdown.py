"""Reproducer: the notebook's serial `gaussians` and `kde` are ~1.8x slower from Numba 0.61 (LLVM 15).

Runs in any environment with Numba >= 0.57 (no project code needed). Like the benchmarks
(`benchmarks/__init__.py`), it first loads Intel's SVML runtime (`intel-cmplr-lib-rt`) from
the environment's `lib/`. For each variant it prints ns per element, which `exp` the compiled
code calls (`__svml_exp4_ha` = 4 doubles per call, `exp` = libm, one double per call) and the
loop vectorizer's verdicts. See docs/serial-llvm15-slowdown.md.

    python docs/serial_llvm15_slowdown.py                            # all variants, table
    python docs/serial_llvm15_slowdown.py --json results.jsonl       # also append JSON lines
    python docs/serial_llvm15_slowdown.py --summarise results.jsonl  # medians over processes
    python docs/serial_llvm15_slowdown.py --llvm-option=-enable-simple-loop-unswitch  # LLVM 14 -> 15
    python docs/serial_llvm15_slowdown.py --remarks --variants scale  # every vectorizer remark
    python docs/serial_llvm15_slowdown.py --dump /tmp/g --variants gaussians   # .ll and .s files
"""

import argparse
import ctypes
import json
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict

# Load Intel's SVML runtime (and TBB) the way benchmarks/__init__.py does, before Numba is imported:
# pip puts them in <env>/lib, which the loader does not search, and Numba then runs without SVML.
for _library in ("libtbb.so.12", "libintlc.so.5", "libsvml.so"):
    _path = os.path.join(sys.prefix, "lib", _library)
    if os.path.exists(_path):
        ctypes.CDLL(_path, mode=ctypes.RTLD_GLOBAL)

import llvmlite  # noqa: E402
import llvmlite.binding as llvm  # noqa: E402
import numba  # noqa: E402
import numpy as np  # noqa: E402

SQRT_2PI = np.sqrt(2 * np.pi)
X = 0.4


# -- the notebook's two functions, verbatim (kernels/notebook.py), compiled as its serial mode ---
def gaussians(x, means, widths):
    n = means.shape[0]
    result = np.exp(-0.5 * ((x - means) / widths) ** 2) / widths
    return result / SQRT_2PI / n


def kde(x, means, widths):
    n = means.shape[0]  # noqa: F841 (verbatim)
    result = np.exp(-0.5 * ((x - means) / widths) ** 2) / widths
    return result.mean() / SQRT_2PI


# -- the smallest array expressions that show it --------------------------------------------
def exp_only(x, means, widths):
    return np.exp(means)


def scale(x, means, widths):
    return means * 2.0


# -- workaround: the same arithmetic as an explicit loop (no broadcasting index in the loop) --
def gaussians_loop(x, means, widths):
    n = means.shape[0]
    result = np.empty(n)
    for i in range(n):
        result[i] = np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i] / SQRT_2PI / n
    return result


def kde_loop(x, means, widths):
    n = means.shape[0]
    result = np.empty(n)
    for i in range(n):
        result[i] = np.exp(-0.5 * ((x - means[i]) / widths[i]) ** 2) / widths[i]
    return result.mean() / SQRT_2PI


# name -> (python function, numba options, threads: None = serial, 1 = prange/parfor on 1 thread)
VARIANTS = {
    "gaussians": (gaussians, {}, None),  # the benchmark's `serial` mode: plain njit()
    "kde": (kde, {}, None),
    "exp_only": (exp_only, {}, None),
    "scale": (scale, {}, None),
    "gaussians_numpy_em": (gaussians, {"error_model": "numpy"}, None),  # kernels/flags.py's options
    "gaussians_fastmath": (gaussians, {"fastmath": True}, None),
    "gaussians_loop": (gaussians_loop, {"error_model": "numpy"}, None),
    "kde_loop": (kde_loop, {"error_model": "numpy"}, None),
    "gaussians_loop_pyem": (gaussians_loop, {}, None),  # error_model="python": a zero check per division
    "gaussians_parallel": (gaussians, {"parallel": True}, 1),  # the benchmark's `parallel` mode, 1 thread
    "kde_parallel": (kde, {"parallel": True}, 1),
}

EXP_SYMBOL = re.compile(r"movabsq\s+\$(__svml_exp\w*|exp)\b")
REMARK = re.compile(r"remark: [^:]*:\d+:\d+: (.*)")


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


def code_facts(disp):
    """The `exp` symbols the compiled module loads (each is followed by `callq *%reg`), the
    vector registers it uses, for the dispatcher's first signature."""
    asm = disp.inspect_asm(disp.signatures[0])
    exps = Counter(EXP_SYMBOL.findall(asm))
    return {
        "exp_symbols": dict(sorted(exps.items())),
        "ymm": len(re.findall(r"%ymm\d+", asm)),
        "zmm": len(re.findall(r"%zmm\d+", asm)),
    }


def vectorizer_verdicts(text):
    """'vectorized loop (...)' / 'loop not vectorized: ...' remarks -> count."""
    out = Counter()
    for line in text.splitlines():
        m = REMARK.search(line)
        if m and ("vectoriz" in m.group(1) or "array bounds" in m.group(1) or "reduction" in m.group(1)):
            out[m.group(1).strip()] += 1
    return out


def environment():
    return {
        "numba": numba.__version__,
        "numpy": np.__version__,
        "llvmlite": llvmlite.__version__,
        "llvm": ".".join(map(str, llvm.llvm_version_info)),
        "python": sys.version.split()[0],
        "using_svml": bool(numba.config.USING_SVML),
        "loadavg_1min": os.getloadavg()[0],
    }


def measure(args):
    for option in args.llvm_option:
        llvm.set_option("", option)
    for kind in ("-pass-remarks", "-pass-remarks-missed", "-pass-remarks-analysis"):
        llvm.set_option("", f"{kind}=loop-vectorize")
    env = environment()
    env["llvm_options"] = args.llvm_option
    print(
        f"numba {env['numba']}  llvmlite {env['llvmlite']}  LLVM {env['llvm']}  numpy {env['numpy']}  "
        f"USING_SVML {env['using_svml']}  options {' '.join(args.llvm_option) or '-'}  load {env['loadavg_1min']:.2f}"
    )
    # the benchmarks' inputs (kernels/mixture.py): x = 0.4, means in [-1, 1), widths in [0.1, 0.3)
    rng = np.random.default_rng(0)
    inputs = {n: (rng.uniform(-1.0, 1.0, n), rng.uniform(0.1, 0.3, n)) for n in args.n}
    compiled = {}
    for name in args.variants:
        func, options, threads = VARIANTS[name]
        disp = numba.njit(**options)(func)
        with Stderr() as err:
            disp(X, np.ones(64), np.ones(64))  # compile and warm up
        verdicts = vectorizer_verdicts(err.text)
        facts = code_facts(disp)
        facts["vectorized"] = sum(v for k, v in verdicts.items() if k.startswith("vectorized loop"))
        compiled[name] = disp, threads, facts
        exps = ", ".join(f"{v}x {k}" for k, v in facts["exp_symbols"].items()) or "none"
        print(f"{name}: exp {exps}; {facts['vectorized']} loop(s) vectorized; ymm {facts['ymm']} zmm {facts['zmm']}")
        if args.remarks:
            for text, count in sorted(verdicts.items()):
                print(f"    remark x{count}: {text}")
        if args.dump:
            os.makedirs(args.dump, exist_ok=True)
            stem = os.path.join(args.dump, f"{name}-{env['numba']}")
            with open(stem + ".ll", "w") as f:
                f.write(disp.inspect_llvm(disp.signatures[0]))
            with open(stem + ".s", "w") as f:
                f.write(disp.inspect_asm(disp.signatures[0]))
    # time in rounds, every variant once per round, so drifts of this shared machine hit all alike
    times = defaultdict(list)
    for _ in range(args.rounds):
        for name, (disp, threads, _facts) in compiled.items():
            if threads:
                numba.set_num_threads(threads)
            for n, (means, widths) in inputs.items():
                disp(X, means, widths)
                for _ in range(args.repeat):
                    t0 = time.perf_counter()
                    disp(X, means, widths)
                    times[name, n].append((time.perf_counter() - t0) / n * 1e9)
            if threads:
                numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    print(f"{'variant':<20} {'n':>9} {'ns/elem median':>14}  (min-max)")
    rows = []
    for name, (_disp, _threads, facts) in compiled.items():
        for n in args.n:
            ts = times[name, n]
            med = statistics.median(ts)
            print(f"{name:<20} {n:>9,} {med:>14.2f}  ({min(ts):.2f}-{max(ts):.2f})")
            rows.append(dict(env, variant=name, n=n, ns=ts, median=med, **facts))
    if args.json:
        with open(args.json, "a") as f:
            for row in rows:
                f.write(json.dumps(row) + "\n")


def summarise(paths):
    """Per (config, variant, n), over processes: median [range] of the per-process medians."""
    groups = defaultdict(list)
    configs = []
    for path in paths:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                cfg = r["numba"] + "".join(f" {o}" for o in r.get("llvm_options") or [])
                if cfg not in configs:
                    configs.append(cfg)
                groups[cfg, r["variant"], r["n"]].append(r["median"])
    keys = sorted({(v, n) for _, v, n in groups}, key=lambda k: (list(VARIANTS).index(k[0]), k[1]))
    configs.sort(key=lambda c: (tuple(int(x) for x in c.split()[0].split(".")), c))
    print("\nns/element, median of per-process medians [range over processes], processes")
    print("| variant | n | " + " | ".join(configs) + " |")
    print("|---|---|" + "---|" * len(configs))
    for v, n in keys:
        cells = []
        for cfg in configs:
            m = groups.get((cfg, v, n), [])
            cells.append(f"{statistics.median(m):.2f} [{min(m):.2f}-{max(m):.2f}] n={len(m)}" if m else "")
        print(f"| {v} | {n:.0e} | " + " | ".join(cells) + " |")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, nargs="+", default=[100_000, 1_000_000], help="elements per timed call")
    p.add_argument("--repeat", type=int, default=5, help="timed calls per variant, size and round")
    p.add_argument("--rounds", type=int, default=3, help="rounds over all variants")
    p.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument("--llvm-option", action="append", default=[], help="llvmlite.binding.set_option before compiling")
    p.add_argument("--remarks", action="store_true", help="print the loop vectorizer's remarks per variant")
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
