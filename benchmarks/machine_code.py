"""Facts about the machine code Numba compiles for one kernel variant, from Numba's and
LLVM's own reports, never from timing.

A *variant* is ``kernel.mode``: a Numba-compiled mode of a registry kernel (``serial``,
``parallel``, ``prange``) or ``chunk``, the nogil function that the threads, dask and
distributed modes all run. Each variant is compiled in a process of its own, forked from a
fresh interpreter that has imported Numba and nothing of `kernels`, with an empty Numba cache
(`reports_of`), so its facts are what a user's first compilation under that Numba gives,
whatever ran or was cached before; LLVM's optimisation remarks (inlining, loop
vectorisation) are switched on there only. That interpreter loads this package by path, as
asv does, so it compiles the `kernels` installed in the environment (the benchmarked
commit's), never a checkout's folder.

Sources, per variant:

- the assembly (``inspect_asm``; x86-64 only): calls by callee, resolved through the
  ``movabsq $symbol, %reg`` that loads each call target, and the *hot loop* — the innermost
  loop with the most floating-point arithmetic and calls — with its size in instructions,
  the elements one pass handles, its calls and the widest vector register its packed
  arithmetic uses;
- the optimised LLVM IR (``inspect_llvm``): whether a parfor's body is still called from
  its ``__gufunc__`` wrapper or was inlined into it;
- LLVM's remarks: inlining decisions (cost against threshold) for the Numba-compiled
  callees left out of line, vectorised loops (width × interleave) and the reasons given
  for loops not vectorised;
- Numba's parfor diagnostics (``parallel=True``): parallel loops, fusions, hoisted
  allocations;
- the symbol tables of Numba's C extension modules: the size of the runtime helpers the hot
  loop calls (a helper rebuilt by another compiler changes speed with the same compiled code).

Only the standard library, Numba, llvmlite and the public API of `kernels` are used, as in
the rest of the suite.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import platform
import re
import struct
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

CHUNK = "chunk"
"""The variant of the chunked modes: the kernel's `ChunkPlan.function`."""

REMARKS = (
    "-pass-remarks=inline|loop-vectorize",
    "-pass-remarks-missed=inline|loop-vectorize",
    "-pass-remarks-analysis=loop-vectorize",
)
TIMEOUT = 300
"""Seconds one variant may take to compile before its facts fail (bounded, never a hang)."""
STARTUP = 60
"""Seconds the interpreter that forks the compiles may take to start, beyond their `TIMEOUT`s."""

LIBM = re.compile(r"(exp|exp2|expm1|log|log2|log10|log1p|pow|sqrt|cbrt|hypot|sin|cos|tan|atan2?|sinh|cosh|tanh)f?")
"""Scalar libm functions, as LLVM names them once it lowers its math intrinsics."""

VECTORIZE_REASONS = (
    "",
    "call instruction cannot be vectorized",
    "value that could not be identified as reduction is used outside the loop",
    "cannot identify array bounds",
    "could not determine number of loop iterations",
    "loop control flow is not understood by vectorizer",
    "instruction cannot be vectorized",
    "cannot prove it is safe to reorder floating-point operations",
    "the cost-model indicates that vectorization is not beneficial",
    "unsafe dependent memory operations in loop",
    "Cannot vectorize uncountable loop",
    "Cannot vectorize early exit loop with reductions or recurrences",
    "Loop contains an unsupported switch",
    "loop induction variable could not be identified",
    "other",
)
"""The reasons LLVM gives for a loop it did not vectorise, coded by their index (0: none)."""

FACTS = (
    "hot_loop.instructions",
    "hot_loop.elements",
    "hot_loop.vector_bits",
    "hot_loop.calls",
    "hot_loop.helper_bytes",
    "hot_loop.calls.svml",
    "hot_loop.calls.libm",
    "hot_loop.calls.rng",
    "hot_loop.calls.jitted",
    "hot_loop.calls.runtime",
    "calls.svml",
    "calls.libm",
    "calls.rng",
    "calls.jitted",
    "calls.runtime",
    "svml.lanes",
    "math.exp.lanes",
    "math.exp.hot_loop_calls",
    "math.log.lanes",
    "math.log.hot_loop_calls",
    "inline.rng.out_of_line",
    "inline.rng.cost",
    "inline.rng.threshold",
    "inline.jitted.out_of_line",
    "inline.jitted.cost",
    "inline.jitted.threshold",
    "vectorize.loops",
    "vectorize.width",
    "vectorize.interleave",
    "vectorize.missed",
    "vectorize.reason",
    "parfor.body_inlined",
    "parfor.loops",
    "parfor.fused",
    "parfor.hoisted",
)
"""Every numeric fact of a variant, as `asv` records it (see `Facts.as_numbers`).
``math.F.lanes``: how function F is computed where it is called: the lanes of its SVML
vector call (``__svml_exp8``: 8), 1 for a scalar libm call, 0 when nothing calls it."""

MATH = ("exp", "log")

INSTRUCTION = re.compile(r"^\s+([a-z][a-z0-9.]*)\b\s*(.*)$")
LABEL = re.compile(r"^([.\w$@]+):")
FP_ARITHMETIC = re.compile(
    r"v?(f?n?m?(add|sub|mul|div)\w*|sqrt|max|min|rcp\w*|rsqrt\w*|scalef|getexp|getmant|rndscale|round)(ps|pd|ss|sd)"
)
PACKED = re.compile(r".*(ps|pd)$")
REGISTER_BITS = (("%zmm", 512), ("%ymm", 256), ("%xmm", 128))
SVML = re.compile(r"__svml_([a-z0-9]+?)(\d+)(_\w+)?$")
WRAPPERS = ("_ZN7cpython", "cfunc.")
WORK = ("svml", "libm", "rng", "jitted")
"""Kinds of callee that do a kernel's per-element work (see `classify`)."""
REMARK = re.compile(r"remark: [^ ]* (.*)$")
INLINE = re.compile(
    r"'(?P<callee>[^']+)' (?P<not>not )?inlined into '(?P<caller>[^']+)'"
    r"(?:.*?\(cost=(?P<cost>-?\d+|always|never)(?:, threshold=(?P<threshold>-?\d+))?\))?"
)
VECTORIZED = re.compile(r"vectorized loop \(vectorization width: (\d+), interleaved count: (\d+)\)")
NOT_VECTORIZED = re.compile(r"loop not vectorized(?:: (.*))?$")


def classify(symbol: str) -> str:
    """The kind of a call target: ``svml``, ``libm``, ``rng`` (Numba's compiled random
    draw), ``jitted`` (another Numba-compiled function), ``runtime`` or ``indirect``."""
    if symbol.startswith("__svml_"):
        return "svml"
    if LIBM.fullmatch(symbol):
        return "libm"
    if symbol.startswith(("_ZN", "cfunc._ZN", "__gufunc__")):
        return "rng" if "random" in symbol else "jitted"
    if symbol == "indirect":
        return "indirect"
    return "runtime"


def _math_name(symbol: str) -> str | None:
    """``exp`` for ``exp`` and ``__svml_exp8``; None for anything else."""
    if match := SVML.match(symbol):
        return match.group(1)
    return symbol if LIBM.fullmatch(symbol) else None


def demangle(symbol: str) -> str:
    """A readable name for a Numba-mangled symbol (``numba.cpython.randomimpl.random_impl.<locals>.<lambda>``);
    other symbols unchanged."""
    wrapper = symbol.startswith("__gufunc__.")
    match = re.match(r"(?:cfunc\.|__gufunc__\.)?_ZN((?:\d+\w+?)+)(?:B\d|E)", symbol)
    if not match:
        return symbol
    parts, rest = [], match.group(1)
    while rest and rest[0].isdigit():
        length = int(re.match(r"\d+", rest).group())
        digits = len(str(length))
        parts.append(rest[digits : digits + length])
        rest = rest[digits + length :]
    name = ".".join(parts).replace("_3c", "<").replace("_3e", ">")
    return f"__gufunc__ wrapper of {name}" if wrapper else name


# --- assembly -------------------------------------------------------------------------------


def _functions(asm: str, compiled_only: bool = False) -> dict[str, list[str]]:
    """Global symbol -> its lines (labels and instructions) in `asm`; with `compiled_only`,
    without the wrappers Numba adds for calls from Python (``_ZN7cpython...``, ``cfunc...``)."""
    functions: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in asm.splitlines():
        label = LABEL.match(line)
        if label and not label.group(1).startswith("."):
            current = functions.setdefault(label.group(1), [])
        elif current is not None and (label or INSTRUCTION.match(line)):
            current.append(line)
    if compiled_only:
        return {name: lines for name, lines in functions.items() if not name.startswith(WRAPPERS)}
    return functions


def _call_targets(lines: list[str]) -> list[tuple[int, str]]:
    """`(line index, callee)` of every call in one function's lines: direct calls by name,
    register calls through the last ``movabsq $symbol, %reg`` (or copy of it) before them in
    the text. A register call that this cannot follow (its register set on a path through a
    loop's back edge) is the one function symbol the function loads and never calls
    otherwise, when there is exactly one; else ``indirect``."""
    loaded: dict[str, str] = {}
    symbols, calls = set(), []
    for index, line in enumerate(lines):
        match = INSTRUCTION.match(line)
        if not match:
            continue
        mnemonic, operands = match.groups()
        if mnemonic == "movabsq" and operands.startswith("$"):
            symbol, _, register = operands[1:].partition(",")
            loaded[register.strip()] = symbol.strip()
            if re.match(r"[A-Za-z_]", symbol):  # a function, not a constant pool label or a number
                symbols.add(symbol.strip())
        elif mnemonic == "movq" and operands.count("%") == 2 and "(" not in operands:
            source, _, target = (part.strip() for part in operands.partition(","))
            if source in loaded:
                loaded[target] = loaded[source]  # a call target copied to another register
            else:
                loaded.pop(target, None)
        elif not mnemonic.startswith(("call", "j", "cmp", "test", "push")):
            loaded.pop(operands.rpartition(",")[2].strip(), None)  # AT&T: the last operand is written
        if mnemonic.startswith("call"):
            target = operands.strip()
            if target.startswith("*%"):
                calls.append((index, loaded.get(target[1:], "")))
            elif target.startswith("*"):
                calls.append((index, "indirect"))
            else:
                calls.append((index, target.split("@")[0]))
    leftover = symbols - {callee for _, callee in calls}
    unresolved = leftover.pop() if len(leftover) == 1 else "indirect"
    return [(index, callee or unresolved) for index, callee in calls]


def _loops(lines: list[str]) -> list[tuple[int, int]]:
    """`(first, last)` line spans of the innermost loops: a jump back to an earlier label."""
    labels = {m.group(1): i for i, line in enumerate(lines) if (m := LABEL.match(line))}
    spans = set()
    for index, line in enumerate(lines):
        match = INSTRUCTION.match(line)
        if match and match.group(1).startswith("j"):
            start = labels.get(match.group(2).strip())
            if start is not None and start < index:
                spans.add((start, index))
    return [s for s in spans if not any(o != s and s[0] <= o[0] and o[1] <= s[1] for o in spans)]


def _vector_bits(line: str) -> int:
    return next((bits for name, bits in REGISTER_BITS if name in line), 0)


STEP = re.compile(r"\$(-?\d+),\s*(%\w+)$")
LEA_STEP = re.compile(r"(-?\d+)\((%\w+)\),\s*(%\w+)$")
FLAGS = re.compile(r"(cmp|test|add|sub|inc|dec)[bwlq]?$")
COMPARES = re.compile(r"(cmp|test)[bwlq]?$")


def _steps(body: list[tuple[str, str]], registers: set[str]) -> set[tuple[int, str]]:
    """(step, register it steps) of every constant step of `registers` in `body`: add or sub
    of a constant, inc or dec, or ``leaq N(%src), %reg`` (then `src` is the one stepped)."""
    found = set()
    for op, args in body:
        args = args.strip()
        if op in ("addq", "subq") and (m := STEP.match(args)) and m.group(2) in registers:
            found.add((abs(int(m.group(1))), m.group(2)))
        elif op in ("incq", "decq") and args in registers:
            found.add((1, args))
        elif op == "leaq" and (m := LEA_STEP.match(args)) and m.group(3) in registers:
            found.add((abs(int(m.group(1))), m.group(2)))
    return found


def elements_per_pass(body: list[tuple[str, str]]) -> int | None:
    """How many iterations of the source loop one pass of the loop `body` ((mnemonic,
    operands) pairs, ending in its back-edge jump) runs, from its induction register: the one
    register stepped by a constant that the last compare before the jump reads (else any
    compare of the loop). Used as a scaled index, ``(%base,%reg,8)``, it steps by elements;
    used as a pointer, ``(%reg)``, by bytes of float64 (8 per element); read by nothing else,
    it counts iterations. None where no single such register is found (the loop's size is
    then only comparable per pass)."""
    ignored = {"%rsp", "%rbp", "%rip"}
    deciding = next((args for op, args in reversed(body[:-1]) if FLAGS.match(op)), "")
    steps = _steps(body, set(re.findall(r"%\w+", deciding)) - ignored)
    if len(steps) != 1:
        compared = {r for op, args in body if COMPARES.match(op) for r in re.findall(r"%\w+", args)}
        steps = _steps(body, compared - ignored)
    if len(steps) != 1:
        return None
    ((step, register),) = steps
    addressing = " ".join(args for _, args in body)
    if re.search(rf",\s*{re.escape(register)}\s*,\s*[248]\)", addressing):
        return step
    if re.search(rf"\({re.escape(register)}[,)]", addressing):
        return step // 8 if step % 8 == 0 else None
    return step


def hot_loop(asm: str) -> dict:
    """The hot loop of `asm`: among the innermost loops of the compiled functions (not
    Numba's wrappers) — a loop calling a compiled function of `asm` (not a random draw) that
    has loops of its own is an outer loop — one that calls math, a random draw or another compiled function if any
    does, else any; of those, the one with the most floating-point arithmetic instructions
    and calls. ``instructions``, ``elements`` (`elements_per_pass`, 0 when not found),
    ``vector_bits`` (widest register of packed arithmetic; 0 when it is all scalar) and
    ``calls`` (callee -> count); an empty loop when the code has none."""
    functions = _functions(asm, compiled_only=True)
    looping = {name for name, lines in _functions(asm).items() if classify(name) == "jitted" and _loops(lines)}
    best: tuple = ((False, -1),)
    for lines in functions.values():
        calls = _call_targets(lines)
        for first, last in _loops(lines):
            inside = Counter(callee for index, callee in calls if first <= index <= last)
            if looping & set(inside):
                continue
            body = [m.groups() for line in lines[first : last + 1] if (m := INSTRUCTION.match(line))]
            arithmetic = [(op, args) for op, args in body if FP_ARITHMETIC.fullmatch(op)]
            work = any(classify(callee) in WORK for callee in inside)
            score = (work, len(arithmetic) + sum(inside.values()))
            if score > best[0]:
                bits = max((_vector_bits(args) for op, args in arithmetic if PACKED.match(op)), default=0)
                elements = elements_per_pass(body) or 0
                best = (
                    score,
                    {"instructions": len(body), "elements": elements, "vector_bits": bits, "calls": dict(inside)},
                )
    return best[1] if len(best) > 1 else {"instructions": 0, "elements": 0, "vector_bits": 0, "calls": {}}


def calls(asm: str) -> dict[str, int]:
    """Callee -> number of call sites in all of `asm`."""
    return dict(Counter(callee for lines in _functions(asm).values() for _, callee in _call_targets(lines)))


# --- LLVM IR and remarks --------------------------------------------------------------------


def parfor_body_inlined(llvm_ir: str) -> int | None:
    """1 when no ``__gufunc__`` wrapper of `llvm_ir` still calls a parfor body, 0 when one
    does; None without parfors."""
    wrappers = re.findall(r"^define [^@]*@\"?(__gufunc__[^\"(]+)\"?\(.*?^}", llvm_ir, re.M | re.S)
    bodies = re.findall(r"^define [^@]*@\"?__gufunc__.*?^}", llvm_ir, re.M | re.S)
    if not wrappers:
        return None
    return int(not any(re.search(r"call [^@]*@\"?_ZN[^\"(]*__numba_parfor_gufunc", body) for body in bodies))


def remarks(text: str) -> dict:
    """LLVM's remarks in `text` (stderr of a compilation): ``inline`` {callee: {"inlined",
    "cost", "threshold"}} (the last decision on a callee that was not inlined somewhere wins),
    ``vectorized`` [(width, interleave)], ``not_vectorized`` [reason]. Of the decisions on a
    callee, one with a cost against a threshold (not a wrapper's ``noinline``) is kept."""
    inline: dict[str, dict] = {}
    vectorized, missed = [], []
    for line in text.splitlines():
        match = REMARK.search(line)
        if not match:
            continue
        body = match.group(1)
        if found := INLINE.search(body):
            callee = found.group("callee")
            decision = {
                "inlined": found.group("not") is None,
                "caller": found.group("caller"),
                "cost": found.group("cost"),
                "threshold": found.group("threshold"),
            }
            known = inline.get(callee)
            if known is None or (known["inlined"] or known["threshold"] is None) and decision["threshold"]:
                inline[callee] = decision
        elif found := VECTORIZED.search(body):
            vectorized.append((int(found.group(1)), int(found.group(2))))
        elif found := NOT_VECTORIZED.search(body):
            if found.group(1):
                missed.append(found.group(1).strip())
    return {"inline": inline, "vectorized": vectorized, "not_vectorized": missed}


def parfor_diagnostics(text: str) -> dict[str, int]:
    """Counts from Numba's parallel diagnostics (level 4): parallel ``loops`` left after
    optimisation (outermost, every region; when Numba finds the structure already optimal,
    the loops it listed), loops ``fused`` into them and ``hoisted`` allocations."""
    listing, _, rest = text.partition("Before Optimisation")
    before, _, after = rest.partition("After Optimisation")
    top = re.compile(r"^\+--\d+", re.M)
    loops = len(top.findall(after)) or len(top.findall(before)) or len(set(re.findall(r"#(\d+)", listing)))
    return {
        "loops": loops,
        "fused": sum(int(n) for n in re.findall(r"had (\d+) loop\(s\) fused", after)),
        "hoisted": len(re.findall(r"is hoisted out of the parallel loop", text)),
    }


# --- Numba's C helpers -----------------------------------------------------------------------


def elf_function_sizes(path: str | Path) -> dict[str, int]:
    """Function name -> size in bytes of its machine code, from the symbol tables of a
    64-bit little-endian ELF shared library (empty for any other file)."""
    data = Path(path).read_bytes()
    if data[:4] != b"\x7fELF" or data[4:6] != b"\x02\x01":
        return {}
    (table,) = struct.unpack_from("<Q", data, 0x28)
    entry, count = struct.unpack_from("<HH", data, 0x3A)
    sections = [struct.unpack_from("<IIQQQQIIQQ", data, table + i * entry) for i in range(count)]
    sizes = {}
    for _, kind, _, _, offset, size, link, _, _, entsize in sections:
        if kind not in (2, 11) or not entsize:  # SHT_SYMTAB, SHT_DYNSYM
            continue
        names = sections[link][4]
        for at in range(offset, offset + size, entsize):
            name, info, _, section, _, length = struct.unpack_from("<IBBHQQ", data, at)
            if info & 0xF == 2 and section and length:  # STT_FUNC, defined
                sizes[data[names + name : data.index(b"\0", names + name)].decode()] = length
    return sizes


def helper_sizes() -> dict[str, int]:
    """Size of every function of Numba's own C extension modules (its runtime helpers, such
    as ``numba_rnd_shuffle``): a rebuilt helper library shows here even when the code Numba
    compiles is the same."""
    import numba

    sizes: dict[str, int] = {}
    for library in sorted(Path(numba.__file__).parent.rglob("*.so")):
        sizes.update(elf_function_sizes(library))
    return sizes


# --- one variant, compiled --------------------------------------------------------------------


def dispatcher_and_args(variant: str) -> tuple:
    """The Numba dispatcher of `variant` (``kernel.mode``) and small valid arguments;
    ValueError naming the choices for an unknown or non-compiled variant."""
    import kernels

    kernel_name, _, mode = variant.partition(".")
    kernel = kernels.REGISTRY.get(kernel_name)
    if kernel is None:
        raise ValueError(f"variant: unknown kernel {kernel_name!r} (kernels: {', '.join(kernels.REGISTRY)})")
    if mode == CHUNK and kernel.plan is not None:
        return kernel.plan.function, kernel.plan.sample
    found = kernel.variants.get(mode)
    if found is None or not hasattr(found.function, "inspect_asm"):
        choices = [m for m, v in kernel.variants.items() if hasattr(v.function, "inspect_asm")]
        raise ValueError(f"variant: {variant!r} is not Numba-compiled (choices: {', '.join(choices + [CHUNK])})")
    return found.function, (found.check or kernel.check)(*kernel.inputs(64))


def compile_variant(variant: str) -> dict:
    """Compile `variant` in this process and return its reports: ``asm``, ``llvm``,
    ``diagnostics`` (parfors; empty otherwise), ``helpers`` (`helper_sizes`). Call with
    remarks on and an empty cache."""
    from numba.core.caching import NullCache

    function, args = dispatcher_and_args(variant)
    # A user kernel caches in a folder of its own (the package's `flags.compiled`), which an
    # empty NUMBA_CACHE_DIR does not empty: loaded from there, a variant has no remarks and no
    # parfor diagnostics (black_scholes.parallel: "metadata None"). Never load, always compile.
    function._cache = NullCache()
    function(*args)
    signature = function.signatures[0]
    diagnostics = ""
    if function.targetoptions.get("parallel"):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            function.parallel_diagnostics(signature, level=4)
        diagnostics = out.getvalue()
    asm, llvm_ir = function.inspect_asm(signature), function.inspect_llvm(signature)
    return {"asm": asm, "llvm": llvm_ir, "diagnostics": diagnostics, "helpers": helper_sizes()}


def _compile_child(variant: str, out: Path) -> None:
    """In a forked child: an empty Numba cache of its own, remarks on and written to
    ``out/remarks`` (LLVM writes them to fd 2), compile, JSON to ``out/result``; never returns."""
    import shutil

    import llvmlite.binding as llvm
    import numba

    code = 1
    cache = tempfile.mkdtemp(prefix="ntb-codegen-")
    try:
        os.environ["NUMBA_CACHE_DIR"] = numba.config.CACHE_DIR = cache
        os.dup2(os.open(out / "remarks", os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
        for option in REMARKS:
            llvm.set_option("", option)
        try:
            result = {"reports": compile_variant(variant)}
        except ValueError as error:  # not a compiled variant of the installed package
            result = {"n/a": str(error)}
        (out / "result").write_text(json.dumps(result))
        code = 0
    except BaseException:
        import traceback

        traceback.print_exc()
    finally:
        sys.stderr.flush()
        shutil.rmtree(cache, ignore_errors=True)
        os._exit(code)


def _main_compile(root: str, workers: int, timeout: float, variants: list[str]) -> None:
    """Subprocess entry: with Numba imported and nothing of `kernels`, fork one child per
    variant (`workers` at a time) into ``root/<index>``; a child past `timeout` s is killed."""
    import signal
    import time

    import llvmlite.binding  # noqa: F401  (loaded once, before the forks)

    if "kernels" in sys.modules:  # its cached functions would share one cache folder
        raise RuntimeError("kernels was imported before the forks")
    sys.stdout.flush()
    sys.stderr.flush()
    pending = list(enumerate(variants))
    running: dict[int, tuple[int, float]] = {}
    while pending or running:
        while pending and len(running) < workers:
            index, variant = pending.pop(0)
            out = Path(root) / str(index)
            out.mkdir()
            pid = os.fork()
            if pid == 0:
                _compile_child(variant, out)
            running[pid] = (index, time.monotonic())
        pid, _ = os.waitpid(-1, os.WNOHANG)
        if pid:
            running.pop(pid)
            continue
        for pid, (index, start) in list(running.items()):
            if time.monotonic() - start > timeout:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                (Path(root) / str(index) / "timeout").touch()
                running.pop(pid)
        time.sleep(0.01)


BOOT = """
import importlib.util, json, sys
root, workers, timeout, variants = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), json.loads(sys.argv[4])
spec = importlib.util.spec_from_file_location(
    "benchmarks", f"{sys.argv[5]}/benchmarks/__init__.py", submodule_search_locations=[f"{sys.argv[5]}/benchmarks"]
)
sys.modules["benchmarks"] = package = importlib.util.module_from_spec(spec)
spec.loader.exec_module(package)
from benchmarks import machine_code
machine_code._main_compile(root, workers, timeout, variants)
"""
"""Loads this suite's package by path, as asv does, so that `kernels` is the package
installed in the environment, never a checkout's folder of the same name."""


def reports_of(variants: list[str], workers: int = 1, timeout: float = TIMEOUT) -> dict[str, dict | Exception]:
    """`compile_variant` of each of `variants`, plus its LLVM ``remarks`` text, or the
    error: ValueError where the installed package has no such compiled variant,
    RuntimeError with the compiler's message where compiling failed or took over `timeout` s.

    Each variant compiles in a child forked from one fresh interpreter that has imported
    Numba (and this suite's package, as asv's processes do) but nothing of `kernels`, with an
    empty Numba cache of its own: the state of a fresh interpreter about to compile, with
    Numba's ~1 s import paid once instead of once per variant. `workers` children run at a time.
    """
    root = Path(__file__).resolve().parent.parent
    found: dict[str, dict | Exception] = {}
    with tempfile.TemporaryDirectory(prefix="ntb-codegen-") as work:
        env = {**os.environ, "NUMBA_CACHE_DIR": work}
        env.pop("PYTHONPATH", None)
        command = [sys.executable, "-c", BOOT, work, str(workers), str(timeout), json.dumps(variants), str(root)]
        limit = timeout * len(variants) + STARTUP
        try:
            done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=limit, cwd=work)
        except subprocess.TimeoutExpired as error:
            raise RuntimeError(f"compiling {', '.join(variants)} took over {limit:g} s") from error
        if done.returncode != 0:
            raise RuntimeError(f"compiling {', '.join(variants)} failed:\n{done.stderr[-3000:]}")
        for index, variant in enumerate(variants):
            out = Path(work) / str(index)
            remarks = (out / "remarks").read_text(errors="replace") if (out / "remarks").exists() else ""
            if (out / "timeout").exists():
                found[variant] = RuntimeError(f"compiling {variant} took over {timeout:g} s")
            elif not (out / "result").exists():
                found[variant] = RuntimeError(f"compiling {variant} failed:\n{remarks[-3000:]}")
            else:
                result = json.loads((out / "result").read_text())
                if "n/a" in result:
                    found[variant] = ValueError(result["n/a"])
                else:
                    found[variant] = {**result["reports"], "remarks": remarks}
    return found


def reports(variant: str, timeout: float = TIMEOUT) -> dict:
    """`reports_of` one variant; its error raised."""
    found = reports_of([variant], timeout=timeout)[variant]
    if isinstance(found, Exception):
        raise found
    return found


class Facts:
    """The facts of one compiled variant, from its `reports`."""

    def __init__(self, variant: str, found: dict):
        self.variant = variant
        self.x86 = platform.machine() in ("x86_64", "AMD64")
        self.hot_loop = hot_loop(found["asm"]) if self.x86 else None
        self.calls = calls(found["asm"]) if self.x86 else None
        self.remarks = remarks(found["remarks"])
        self.body_inlined = parfor_body_inlined(found["llvm"])
        self.parfors = parfor_diagnostics(found["diagnostics"]) if found["diagnostics"] else None
        self.helpers = found.get("helpers", {})

    def out_of_line(self) -> dict[str, dict]:
        """LLVM's decision on each Numba-compiled callee the final code still calls."""
        called = set(self.calls or {}) | set((self.hot_loop or {}).get("calls", {}))
        return {
            callee: decision
            for callee, decision in self.remarks["inline"].items()
            if not decision["inlined"] and callee in called and str(decision["cost"]).lstrip("-").isdigit()
        }

    def as_numbers(self) -> dict[str, float | None]:
        """Every name of `FACTS` -> its number (None where it does not apply: no parfor, an
        assembly fact on a CPU other than x86-64, a hot loop whose elements per pass were not
        found)."""
        numbers: dict[str, float | None] = dict.fromkeys(FACTS)
        kinds = ("svml", "libm", "rng", "jitted", "runtime")
        if self.x86:
            loop = Counter()
            for callee, count in self.hot_loop["calls"].items():
                loop[classify(callee)] += count
            everywhere = Counter()
            for callee, count in self.calls.items():
                everywhere[classify(callee)] += count
            everywhere["runtime"] += everywhere.pop("indirect", 0)
            loop["runtime"] += loop.pop("indirect", 0)
            numbers["hot_loop.instructions"] = self.hot_loop["instructions"]
            numbers["hot_loop.elements"] = self.hot_loop["elements"] or None
            numbers["hot_loop.vector_bits"] = self.hot_loop["vector_bits"]
            numbers["hot_loop.calls"] = sum(self.hot_loop["calls"].values())
            if self.helpers:
                numbers["hot_loop.helper_bytes"] = sum(self.helpers.get(c, 0) for c in self.hot_loop["calls"])
            for kind in kinds:
                numbers[f"hot_loop.calls.{kind}"] = loop[kind]
                numbers[f"calls.{kind}"] = everywhere[kind]
            lanes = [int(m.group(2)) for callee in self.calls if (m := SVML.match(callee))]
            numbers["svml.lanes"] = max(lanes, default=0)
            for name in MATH:
                vector = [int(m.group(2)) for c in self.calls if (m := SVML.match(c)) and m.group(1) == name]
                numbers[f"math.{name}.lanes"] = max(vector, default=1 if name in self.calls else 0)
                numbers[f"math.{name}.hot_loop_calls"] = sum(
                    count for c, count in self.hot_loop["calls"].items() if _math_name(c) == name
                )
        out = self.out_of_line()
        for kind in ("rng", "jitted"):
            mine = [d for callee, d in out.items() if classify(callee) == kind]
            costliest = max(mine, key=lambda d: int(d["cost"]), default=None)
            numbers[f"inline.{kind}.out_of_line"] = len(mine)
            numbers[f"inline.{kind}.cost"] = int(costliest["cost"]) if costliest else 0
            numbers[f"inline.{kind}.threshold"] = int(costliest["threshold"] or 0) if costliest else 0
        vectorized = self.remarks["vectorized"]
        widest = max(vectorized, default=(0, 0))
        numbers["vectorize.loops"] = len(vectorized)
        numbers["vectorize.width"], numbers["vectorize.interleave"] = widest
        missed = self.remarks["not_vectorized"]
        numbers["vectorize.missed"] = len(missed)
        numbers["vectorize.reason"] = reason_code(Counter(missed).most_common(1)[0][0]) if missed else 0
        if self.body_inlined is not None:
            numbers["parfor.body_inlined"] = self.body_inlined
        if self.parfors is not None:
            for key, value in self.parfors.items():
                numbers[f"parfor.{key}"] = value
        return numbers


def reason_code(reason: str) -> int:
    """The index of `reason` in `VECTORIZE_REASONS` (``other`` when LLVM says something new)."""
    text = reason.rstrip(".")
    return VECTORIZE_REASONS.index(text) if text in VECTORIZE_REASONS else VECTORIZE_REASONS.index("other")


def facts(variant: str) -> Facts:
    """The facts of `variant` (`reports`)."""
    return Facts(variant, reports(variant))
