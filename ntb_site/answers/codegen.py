"""Machine-code facts of the compiled variants: read from asv results, told in words,
compared between two environments.

The suite records them per environment (``codegen.MachineCode.track_fact``, see
``benchmarks/machine_code.py``); this module turns a pair of them into the diagnosis a
verdict carries on the Numba-versions page: what the compiler did differently for *that*
variant between two releases, or that its recorded code did not change. From the
repository root::

    python -m ntb_site.answers.codegen gaussians parallel            # compile now, installed Numba
    python -m ntb_site.answers.codegen --diff ENV_A ENV_B [KERNEL [MODE]] [--results .asv/results] [--machine NAME]
    python -m ntb_site.answers.codegen --list [--results ...]        # environments with recorded facts

Exit status: 0, or 2 on bad input (unknown kernel, mode or environment, no recorded facts).
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ntb_site.results import asv_results
from ntb_site.results.asv_results import Run

BENCHMARK = "codegen.MachineCode.track_fact"
CHUNKED = ("threads", "dask", "distributed")
SAME = (
    "same machine-code facts (calls, inlining, vectorisation, hot-loop size):"
    " look at the runtime, NumPy or the threading library"
)
NOT_NUMBA = "not compiled by Numba: NumPy's own code"
UNRECORDED = "no machine-code facts recorded for this variant in both environments"


def against(direction: int, per_element: bool) -> str:
    """The line a diagnosis adds where every change it lists points against the timing's
    `direction` (+1 slower, -1 faster); `per_element`: both releases recorded how many
    elements a hot-loop pass handles, so the counts compare per element."""
    unit = " per element" if per_element else " per hot-loop pass"
    if not per_element:
        unit += " (how many elements a pass handles is not recorded for both releases)"
    if direction > 0:
        return f"each change above means less work{unit}, yet the time is slower: they do not explain it"
    return f"each change above means more work{unit}, yet the time is faster: they do not explain it"


Facts = dict[str, float]
Change = tuple[str, int]
"""A sentence and its sign: +1 more work (per hot-loop pass, or per element where two
releases' passes handle different numbers of elements), -1 less, 0 not judged."""


def variant_of(kernel: str, mode: str) -> str | None:
    """``kernel.mode`` of the compiled variant a timing of `mode` runs (the chunked modes
    share ``kernel.chunk``); None for NumPy."""
    if mode == "numpy":
        return None
    return f"{kernel}.chunk" if mode in CHUNKED else f"{kernel}.{mode}"


def recorded(run: Run) -> dict[str, Facts]:
    """Variant → {fact: value} recorded in `run` (facts n/a or failed left out)."""
    found: dict[str, Facts] = {}
    for m in run.measurements(BENCHMARK):
        if m.state == "ok" and m.value is not None and not math.isnan(m.value):
            found.setdefault(m.params["variant"], {})[m.params["fact"]] = m.value
    return found


def _int(facts: Facts, name: str) -> int:
    return int(facts.get(name) or 0)


def _calls(facts: Facts, kind: str) -> int:
    return _int(facts, f"hot_loop.calls.{kind}")


def _recorded_elements(old: Facts, new: Facts) -> tuple[int, int] | None:
    """Elements one hot-loop pass handles on each side, where both are recorded."""
    pair = (_int(old, "hot_loop.elements"), _int(new, "hot_loop.elements"))
    return pair if all(pair) else None


def _elements(old: Facts, new: Facts) -> tuple[int, int] | None:
    """`_recorded_elements` where they differ (a loop unrolled further): counts per pass are
    then compared per element."""
    pair = _recorded_elements(old, new)
    return pair if pair is not None and pair[0] != pair[1] else None


def _hot(old: Facts, new: Facts, name: str) -> tuple[tuple[float, float], str]:
    """Hot-loop count `name` of both sides, per element where the passes differ in elements
    (then the second item is " per element"), else per pass ("")."""
    pair, per = (_int(old, name), _int(new, name)), _elements(old, new)
    return (pair, "") if per is None else ((pair[0] / per[0], pair[1] / per[1]), " per element")


def _vectors(bits: int) -> str:
    return f"{bits}-bit vectors ({bits // 64} × f64)" if bits else "scalar"


def _inline_text(facts: Facts, kind: str) -> str:
    cost, threshold = _int(facts, f"inline.{kind}.cost"), _int(facts, f"inline.{kind}.threshold")
    return f" (cost {cost} > threshold {threshold})" if cost else ""


def _function_text(name: str, lanes: int) -> str:
    if lanes > 1:
        return f"`__svml_{name}{lanes}` ({lanes} lanes)"
    return f"`{name}` called per element" if lanes == 1 else "no call"


def _more(pair: tuple[float, float]) -> int:
    """+1 where the second of `pair` is larger, -1 smaller, 0 equal."""
    return (pair[1] > pair[0]) - (pair[1] < pair[0])


def _math(old: Facts, new: Facts) -> list[Change]:
    found = []
    for name in sorted({fact.split(".")[1] for fact in {*old, *new} if fact.startswith("math.")}):
        lanes = (_int(old, f"math.{name}.lanes"), _int(new, f"math.{name}.lanes"))
        if lanes[0] != lanes[1]:
            calls = _int(new, f"math.{name}.hot_loop_calls")
            where = f", {calls} per hot-loop pass" if lanes[1] and calls else ""
            text = f"{name}: {_function_text(name, lanes[0])} → {_function_text(name, lanes[1])}{where}"
            found.append((text, -_more(lanes) if all(lanes) else 0))  # fewer lanes: more calls per element
    for kind, label in (("svml", "SVML"), ("libm", "libm")):
        pair, per = _hot(old, new, f"hot_loop.calls.{kind}")
        if not found and pair[0] != pair[1]:
            found.append((f"{label} calls in the hot loop{per}: {pair[0]:g} → {pair[1]:g}", _more(pair)))
    return found


def _random(old: Facts, new: Facts) -> list[Change]:
    before, after = _calls(old, "rng"), _calls(new, "rng")
    if after and not before:
        text = f"random draw: inlined → called out of line, {after} calls per hot-loop pass{_inline_text(new, 'rng')}"
        return [(text, 1)]
    if before and not after:
        text = f"random draw: called out of line ({before} per hot-loop pass{_inline_text(old, 'rng')}) → inlined"
        return [(text, -1)]
    pair, per = _hot(old, new, "hot_loop.calls.rng")
    if pair[0] == pair[1]:
        return []
    return [(f"random draw calls in the hot loop{per}: {pair[0]:g} → {pair[1]:g}", _more(pair))]


def _inlining(old: Facts, new: Facts) -> list[Change]:
    found = []
    if "parfor.body_inlined" in old and "parfor.body_inlined" in new:
        body = (_int(old, "parfor.body_inlined"), _int(new, "parfor.body_inlined"))
        if body == (1, 0):
            wrapper = "parfor body: inlined into its `__gufunc__` wrapper"
            found.append((f"{wrapper} → called out of line{_inline_text(new, 'jitted')}", 1))
        elif body == (0, 1):
            found.append(("parfor body: called out of line → inlined into its `__gufunc__` wrapper", -1))
    jitted = (_int(old, "inline.jitted.out_of_line"), _int(new, "inline.jitted.out_of_line"))
    if jitted != (0, 0) and jitted[0] != jitted[1] and not found:
        text = (
            f"Numba-compiled callees left out of line: {jitted[0]}{_inline_text(old, 'jitted')}"
            f" → {jitted[1]}{_inline_text(new, 'jitted')}"
        )
        found.append((text, _more(jitted)))
    loop, per = _hot(old, new, "hot_loop.calls.jitted")
    if loop[0] != loop[1]:
        text = f"calls to Numba-compiled functions in the hot loop{per}: {loop[0]:g} → {loop[1]:g}"
        found.append((text, _more(loop)))
    return found


def _loop(old: Facts, new: Facts) -> list[Change]:
    found = []
    bits = (_int(old, "hot_loop.vector_bits"), _int(new, "hot_loop.vector_bits"))
    if bits[0] != bits[1]:
        found.append((f"hot-loop arithmetic: {_vectors(bits[0])} → {_vectors(bits[1])}", -_more(bits)))
    size, _ = _hot(old, new, "hot_loop.instructions")
    elements = _elements(old, new)
    if elements is not None:
        text = (
            f"hot loop: {elements[0]} → {elements[1]} elements per pass,"
            f" {size[0]:.3g} → {size[1]:.3g} instructions per element"
        )
        found.append((text, _more(size)))
    elif size[0] != size[1]:
        found.append((f"hot loop: {size[0]:g} → {size[1]:g} instructions", _more(size)))
    widest = [(_int(f, "vectorize.width"), _int(f, "vectorize.interleave")) for f in (old, new)]
    if widest[0] != widest[1]:
        found.append((f"widest vectorised loop: {_vf(widest[0])} → {_vf(widest[1])}", 0))
    return found


def _vf(pair: tuple[int, int]) -> str:
    return f"width {pair[0]} × interleave {pair[1]}" if pair[0] else "none"


def _helpers(old: Facts, new: Facts) -> list[Change]:
    sizes = (old.get("hot_loop.helper_bytes"), new.get("hot_loop.helper_bytes"))
    if not all(sizes) or sizes[0] == sizes[1]:  # 0: the hot loop calls no helper (e.g. it calls the draw instead)
        return []
    text = f"Numba's C runtime helpers called from the hot loop: {sizes[0]:g} → {sizes[1]:g} bytes of machine code"
    return [(text, 0)]


def _parfors(old: Facts, new: Facts) -> list[Change]:
    return [
        (f"parfor {name}: {_int(old, f'parfor.{name}')} → {_int(new, f'parfor.{name}')}", 0)
        for name in ("loops", "fused", "hoisted")
        if f"parfor.{name}" in old and f"parfor.{name}" in new and old[f"parfor.{name}"] != new[f"parfor.{name}"]
    ]


def _other(old: Facts, new: Facts, told: list[Change]) -> list[Change]:
    """Any other recorded fact that changed, when nothing above explains the change."""
    if told:
        return []
    return [
        (f"{name}: {_number(old.get(name))} → {_number(new.get(name))}", 0)
        for name in sorted(set(old) | set(new))
        if old.get(name) != new.get(name)
    ]


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _changes(old: Facts, new: Facts) -> list[Change]:
    told = [*_math(old, new), *_random(old, new), *_inlining(old, new), *_loop(old, new), *_helpers(old, new)]
    told += _parfors(old, new)
    return told + _other(old, new, told)


def differences(old: Facts, new: Facts) -> list[str]:
    """What changed in one variant's compiled code, most telling first; empty when every
    recorded fact is the same."""
    return [text for text, _ in _changes(old, new)]


def diagnosis(
    kernel: str, mode: str, old: dict[str, Facts], new: dict[str, Facts], direction: int = 0
) -> dict[str, Any]:
    """The diagnosis of one timing of `kernel` in `mode` between two environments' facts:
    ``variant``, ``changes`` (sentences) and ``code`` (``changed``, ``same``, ``numpy`` or
    ``unrecorded``). `direction` is the timing's (+1 slower, -1 faster, 0 unknown): where
    every change whose sign is judged points the other way, a last sentence says that they
    do not explain it (`against`)."""
    variant = variant_of(kernel, mode)
    if variant is None:
        return {"variant": None, "code": "numpy", "changes": [NOT_NUMBA]}
    if variant not in old or variant not in new:
        return {"variant": variant, "code": "unrecorded", "changes": [UNRECORDED]}
    found = _changes(old[variant], new[variant])
    changes = [text for text, _ in found] or [SAME]
    signs = {sign for _, sign in found if sign}
    if direction and signs == {-direction}:
        changes.append(against(direction, _recorded_elements(old[variant], new[variant]) is not None))
    return {"variant": variant, "code": "changed" if found else "same", "changes": changes}


def describe(facts: Facts) -> list[str]:
    """One variant's recorded facts as lines for a terminal."""
    elements = _int(facts, "hot_loop.elements")
    lines = [
        f"hot loop: {_int(facts, 'hot_loop.instructions')} instructions"
        f"{f' for {elements} element(s) per pass' if elements else ''}, "
        f"{_vectors(_int(facts, 'hot_loop.vector_bits'))}, {_int(facts, 'hot_loop.calls')} calls "
        f"(svml {_calls(facts, 'svml')}, libm {_calls(facts, 'libm')}, random draw {_calls(facts, 'rng')}, "
        f"Numba-compiled {_calls(facts, 'jitted')}, runtime {_calls(facts, 'runtime')}"
        f" ({_int(facts, 'hot_loop.helper_bytes')} bytes of C helpers))",
        f"calls in all the code: svml {_int(facts, 'calls.svml')} (widest {_int(facts, 'svml.lanes')} lanes), "
        f"libm {_int(facts, 'calls.libm')}, random draw {_int(facts, 'calls.rng')}, "
        f"Numba-compiled {_int(facts, 'calls.jitted')}, runtime {_int(facts, 'calls.runtime')}",
        f"left out of line by LLVM: random draw {_int(facts, 'inline.rng.out_of_line')}{_inline_text(facts, 'rng')}, "
        f"other Numba-compiled {_int(facts, 'inline.jitted.out_of_line')}{_inline_text(facts, 'jitted')}",
        f"vectorised loops: {_int(facts, 'vectorize.loops')}, widest "
        f"{_vf((_int(facts, 'vectorize.width'), _int(facts, 'vectorize.interleave')))}; "
        f"not vectorised: {_int(facts, 'vectorize.missed')}",
    ]
    if "parfor.loops" in facts:
        lines.append(
            f"parfors: {_int(facts, 'parfor.loops')} parallel loop(s), {_int(facts, 'parfor.fused')} fused, "
            f"{_int(facts, 'parfor.hoisted')} allocation(s) hoisted; body "
            + ("inlined into its __gufunc__ wrapper" if _int(facts, "parfor.body_inlined") else "called out of line")
        )
    return lines


# --- terminal ---------------------------------------------------------------------------------


def _compile_now(kernel: str, mode: str) -> str:
    """The facts of `kernel` in `mode` under the installed Numba, with the callees by name."""
    import kernels
    from ntb_site.cli import ROOT

    if (ROOT / "benchmarks" / "machine_code.py").is_file() and str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))  # the suite sits beside the package in the clone, not installed
    from benchmarks import machine_code

    kernels.registry.kernel_info(kernel).mode_info(mode)  # ValueError naming the choices
    variant = variant_of(kernel, mode)
    if variant is None:
        raise ValueError(f"mode: {mode!r} is {NOT_NUMBA}")
    found = machine_code.facts(variant)
    numbers = {k: v for k, v in found.as_numbers().items() if v is not None}
    lines = [f"{variant} (compiled now, empty cache)", *(f"  {line}" for line in describe(numbers))]
    if found.hot_loop is not None:
        callees = sorted(found.hot_loop["calls"].items())
        named = ", ".join(f"{machine_code.demangle(callee)} ×{count}" for callee, count in callees)
        lines.append(f"  hot-loop callees: {named or 'none'}")
    for callee, decision in found.out_of_line().items():
        lines.append(
            f"  LLVM: '{machine_code.demangle(callee)}' not inlined into '{machine_code.demangle(decision['caller'])}'"
            f" (cost {decision['cost']}, threshold {decision['threshold']})"
        )
    for reason, count in sorted(_count(found.remarks["not_vectorized"]).items(), key=lambda kv: -kv[1]):
        lines.append(f"  LLVM: loop not vectorized ×{count}: {reason}")
    return "\n".join(lines)


def _count(items: list[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def runs_with_facts(results_dir: str | Path, machine: str | None = None) -> dict[str, Run]:
    """Environment name → its newest run that recorded machine-code facts."""
    if not Path(results_dir).is_dir():
        raise ValueError(f"--results: no asv results directory at {results_dir}")
    found: dict[str, Run] = {}
    for run in asv_results.runs(results_dir, machine):
        if run.keys(f"^{BENCHMARK}$"):
            found[run.env_name] = run
    if not found:
        raise ValueError(f"--results: no machine-code facts recorded in {results_dir}: run `asv run -b ^codegen`")
    return found


def diff_text(results_dir: str | Path, env_a: str, env_b: str, machine: str | None, only: str = "") -> str:
    """Per variant (those starting with `only`), the differences between two environments' facts."""
    runs = runs_with_facts(results_dir, machine)
    for name in (env_a, env_b):
        if name not in runs:
            raise ValueError(f"environment: {name!r} has no machine-code facts (known: {', '.join(sorted(runs))})")
    old, new = recorded(runs[env_a]), recorded(runs[env_b])
    lines = [f"{runs[env_a].environment.label} → {runs[env_b].environment.label}"]
    for variant in sorted(set(old) | set(new)):
        if not variant.startswith(only):
            continue
        if variant not in old or variant not in new:
            lines.append(f"{variant}: {UNRECORDED}")
            continue
        found = differences(old[variant], new[variant]) or [SAME]
        lines += [f"{variant}:", *(f"  {line}" for line in found)]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print facts compiled now, or the difference between two environments."""
    parser = argparse.ArgumentParser(prog="ntb why", description=__doc__.split("\n\n")[0])
    parser.add_argument("kernel", nargs="?", help="kernel name (e.g. gaussians)")
    parser.add_argument("mode", nargs="?", help="mode (serial, parallel, prange, threads, dask, distributed)")
    parser.add_argument("--diff", nargs=2, metavar=("ENV_A", "ENV_B"), help="compare two environments' recorded facts")
    parser.add_argument("--list", action="store_true", help="environments with recorded facts")
    parser.add_argument("--results", default=".asv/results", help="asv results_dir (default: .asv/results)")
    parser.add_argument("--machine", help="asv machine name (default: every machine)")
    args = parser.parse_args(argv)
    try:
        if args.list:
            runs = runs_with_facts(args.results, args.machine)
            print("\n".join(f"{name}  ({run.environment.label})" for name, run in sorted(runs.items())))
        elif args.diff:
            only = f"{args.kernel}." if args.kernel else ""
            if args.kernel and args.mode:
                only = variant_of(args.kernel, args.mode) or parser.error(f"mode: {args.mode!r} is {NOT_NUMBA}")
            print(diff_text(args.results, *args.diff, args.machine, only))
        elif args.kernel and args.mode:
            print(_compile_now(args.kernel, args.mode))
        else:
            parser.error("give KERNEL MODE, --diff ENV_A ENV_B or --list")
    except ValueError as error:
        print(f"codegen: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
