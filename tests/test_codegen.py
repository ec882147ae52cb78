"""Machine-code facts extracted from real code compiled by the installed Numba (a loop
calling exp, a loop drawing random numbers, a parfor), and the words the diagnosis uses."""

import subprocess
import sys

import numba
import pytest

import kernels
from benchmarks import codegen as codegen_suite
from benchmarks import machine_code
from ntb_site.answers import codegen


@pytest.fixture(scope="module")
def exp_loop():
    """kde's chunk function: a serial loop summing exp(...) terms."""
    return machine_code.facts("kde.chunk")


@pytest.fixture(scope="module")
def random_loop():
    """The notebook's Monte-Carlo loop: two random.random() draws per sample."""
    return machine_code.facts("monte_carlo_pi.serial")


@pytest.fixture(scope="module")
def parfor():
    return machine_code.facts("gaussians.parallel")


def test_the_suite_lists_every_compiled_variant():
    expected = {
        f"{name}.{mode}"
        for name, kernel in kernels.REGISTRY.items()
        for mode, variant in kernel.variants.items()
        if hasattr(variant.function, "inspect_asm")
    } | {f"{name}.chunk" for name, kernel in kernels.REGISTRY.items() if kernel.plan is not None}
    assert set(codegen_suite.VARIANTS) == expected


def test_the_exp_loop_calls_exp_in_its_hot_loop(exp_loop):
    numbers = exp_loop.as_numbers()
    kind = "svml" if numba.config.USING_SVML else "libm"
    assert numbers[f"hot_loop.calls.{kind}"] >= 1
    assert numbers["hot_loop.calls.rng"] == 0
    assert any(machine_code.classify(callee) == kind for callee in exp_loop.hot_loop["calls"])
    assert numbers["math.exp.hot_loop_calls"] >= 1 and numbers["math.log.lanes"] == 0
    assert numbers["math.exp.lanes"] == (1 if kind == "libm" else numbers["svml.lanes"])
    assert 0 < numbers["hot_loop.instructions"] < 500
    assert numbers["parfor.loops"] is None and numbers["parfor.body_inlined"] is None  # not a parfor


def test_the_random_loop_matches_llvm_inlining_decision(random_loop):
    numbers = random_loop.as_numbers()
    out_of_line = numbers["inline.rng.out_of_line"]
    assert (numbers["hot_loop.calls.rng"] > 0) == (out_of_line > 0)
    if out_of_line:  # Numba >= 0.62: LLVM's remark gives the cost above the threshold
        assert numbers["inline.rng.cost"] > numbers["inline.rng.threshold"] > 0
        assert all("random" in machine_code.demangle(c) for c in random_loop.out_of_line())
    assert numbers["hot_loop.calls.libm"] == 0


def test_parfor_facts_come_from_numba_diagnostics(parfor):
    numbers = parfor.as_numbers()
    assert numbers["parfor.loops"] == 1  # the expression and the validity count, fused in one loop
    assert numbers["parfor.fused"] >= 1
    assert numbers["parfor.body_inlined"] in (0, 1)
    if numbers["parfor.body_inlined"] == 0:
        assert numbers["inline.jitted.out_of_line"] >= 1


def test_every_fact_is_a_number_or_not_applicable(exp_loop, random_loop, parfor):
    for found in (exp_loop, random_loop, parfor):
        numbers = found.as_numbers()
        assert set(numbers) == set(machine_code.FACTS)
        assert all(v is None or isinstance(v, int) for v in numbers.values())


def test_facts_are_deterministic(random_loop):
    assert machine_code.facts("monte_carlo_pi.serial").as_numbers() == random_loop.as_numbers()


FRESH = """
import json, sys
import llvmlite.binding as llvm
from benchmarks import machine_code
for option in machine_code.REMARKS:
    llvm.set_option("", option)
json.dump(machine_code.compile_variant(sys.argv[1]), sys.stdout)
"""


def test_a_forked_compile_gives_a_fresh_interpreters_facts(tmp_path, parfor):
    """The children `reports_of` forks report what a plain fresh interpreter compiling the
    variant alone, with an empty cache, reports."""
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", FRESH, "gaussians.parallel"], capture_output=True, text=True, env=env, check=True
    )
    fresh = machine_code.Facts("gaussians.parallel", {**json.loads(done.stdout), "remarks": done.stderr})
    assert fresh.as_numbers() == parfor.as_numbers()


def test_reports_of_tells_each_variants_outcome():
    found = machine_code.reports_of(["kde.chunk", "kde.numpy", "nope.serial"], workers=2)
    assert isinstance(found["kde.chunk"], dict) and found["kde.chunk"]["asm"] and found["kde.chunk"]["remarks"]
    assert isinstance(found["kde.numpy"], ValueError) and "not Numba-compiled" in str(found["kde.numpy"])
    assert isinstance(found["nope.serial"], ValueError) and "unknown kernel" in str(found["nope.serial"])


def test_a_compile_past_its_time_is_stopped_with_a_clear_error():
    with pytest.raises(RuntimeError, match=r"compiling gaussians.parallel took over 0.01 s"):
        machine_code.reports("gaussians.parallel", timeout=0.01)


def test_diagnosis_in_words(exp_loop, random_loop):
    loop, draw = exp_loop.as_numbers(), random_loop.as_numbers()
    loop = {k: v for k, v in loop.items() if v is not None}
    assert codegen.differences(loop, loop) == []
    same = codegen.diagnosis("kde", "threads", {"kde.chunk": loop}, {"kde.chunk": loop})
    assert same["code"] == "same" and same["changes"] == [codegen.SAME]
    inlined = {**loop, "hot_loop.calls.rng": 0, "inline.rng.out_of_line": 0, "inline.rng.cost": 0}
    after = {**loop, "hot_loop.calls.rng": 2, "inline.rng.out_of_line": 1, "inline.rng.cost": 260}
    after["inline.rng.threshold"] = 250
    assert codegen.differences(inlined, after)[0] == (
        "random draw: inlined → called out of line, 2 calls per hot-loop pass (cost 260 > threshold 250)"
    )
    svml = {**loop, "math.exp.lanes": 8, "math.exp.hot_loop_calls": 1}
    scalar = {**loop, "math.exp.lanes": 1, "math.exp.hot_loop_calls": 4}
    expected = "exp: `__svml_exp8` (8 lanes) → `exp` called per element, 4 per hot-loop pass"
    assert codegen.differences(svml, scalar)[0] == expected
    assert codegen.diagnosis("kde", "numpy", {}, {})["code"] == "numpy"
    assert codegen.diagnosis("kde", "serial", {}, {"kde.serial": loop})["code"] == "unrecorded"
    assert draw["hot_loop.calls.rng"] is not None


def test_terminal_view_names_bad_input(capsys):
    assert codegen.main(["nokernel", "serial"]) == 2
    assert "kernel: expected one of" in capsys.readouterr().err
    assert codegen.main(["kde", "numpy"]) == 2
    assert codegen.main(["--diff", "a", "b", "--results", "/nonexistent"]) == 2
    assert "--results" in capsys.readouterr().err


def test_ntb_why_compiles_a_variant_from_any_folder(tmp_path):
    # as the console script runs it: neither the clone nor the working folder on sys.path
    code = "import sys; from ntb_site.cli import main; sys.exit(main(['why', 'kde', 'threads']))"
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "kde.chunk (compiled now, empty cache)" in done.stdout
    assert "element(s) per pass" in done.stdout


def test_demangle_numba_symbols(random_loop):
    names = [machine_code.demangle(callee) for callee in random_loop.calls]
    assert "kernels.notebook.monte_carlo_pi_serial" in names
    assert machine_code.classify("__svml_exp8") == "svml" and machine_code.classify("exp") == "libm"
    assert machine_code.classify("NRT_decref") == "runtime"


def test_helper_sizes_read_numbas_own_libraries():
    sizes = machine_code.helper_sizes()
    assert sizes["numba_rnd_shuffle"] > 100  # the Mersenne-Twister refill, a C function of _helperlib
    assert machine_code.elf_function_sizes(__file__) == {}  # not an ELF file


def test_a_diagnosis_says_when_its_changes_point_against_the_timing():
    # gaussians serial, 0.61.2 -> 0.68.1 on the 2-vCPU VM (b71c570's main job): 0.74x faster,
    # while the facts, recorded before they had elements per pass, counted 2 -> 4 exp calls
    # and 37 -> 44 instructions per hot-loop pass
    old = {"hot_loop.calls.libm": 2, "hot_loop.instructions": 37, "math.exp.lanes": 1}
    new = {"hot_loop.calls.libm": 4, "hot_loop.instructions": 44, "math.exp.lanes": 1}
    facts = ({"gaussians.serial": old}, {"gaussians.serial": new})
    told = ["libm calls in the hot loop: 2 → 4", "hot loop: 37 → 44 instructions"]
    faster = codegen.diagnosis("gaussians", "serial", *facts, direction=-1)
    assert faster["changes"] == [*told, codegen.against(-1, False)]
    assert codegen.diagnosis("gaussians", "serial", *facts, direction=1)["changes"] == told
    assert codegen.diagnosis("gaussians", "serial", *facts)["changes"] == told
    # the same changes read backwards: less work, yet slower
    backwards = codegen.diagnosis("gaussians", "serial", facts[1], facts[0], direction=1)["changes"]
    assert backwards[-1] == codegen.against(1, False)
    # one change that could explain a speed-up is enough: no such line
    wider = {**new, "hot_loop.vector_bits": 256}
    mixed = codegen.diagnosis("gaussians", "serial", facts[0], {"gaussians.serial": wider}, direction=-1)
    assert "hot-loop arithmetic: scalar → 256-bit vectors (4 × f64)" in mixed["changes"]
    assert codegen.against(-1, False) not in mixed["changes"]


def test_elements_per_pass_from_the_exp_and_random_loops(exp_loop, random_loop):
    # each element of kde's chunk sums one exp term; each Monte-Carlo sample draws twice
    numbers = exp_loop.as_numbers()
    lanes = numbers["math.exp.lanes"]
    assert numbers["math.exp.hot_loop_calls"] * lanes == numbers["hot_loop.elements"]
    draws = random_loop.as_numbers()
    if draws["hot_loop.calls.rng"]:  # out of line (Numba >= 0.62): the calls are in the loop
        assert draws["hot_loop.calls.rng"] == 2 * draws["hot_loop.elements"]


def _body(text: str) -> list[tuple[str, str]]:
    return [machine_code.INSTRUCTION.match(f"\t{line.strip()}").groups() for line in text.strip().splitlines()]


def test_elements_per_pass_reads_the_induction_register():
    # gaussians serial under Numba 0.61.2: an index scaled by 8, stepped by 2
    indexed = """
        vmovsd (%r13,%rcx,8), %xmm1
        callq *%rbp
        vmovsd %xmm0, (%rax,%rbx,8)
        vmovsd %xmm0, 8(%rax,%rbx,8)
        addq $2, %rbx
        cmpq 80(%rsp), %rbx
        jne .LBB0_13
    """
    # gaussians chunk under 0.68.1: the next index computed by leaq into a rotated register
    rotated = """
        vmovsd (%r12,%rbx,8), %xmm1
        callq *%r14
        leaq 2(%rbx), %r12
        vmovsd %xmm0, 8(%rbp,%rbx,8)
        movq %r12, %rbx
        cmpq %r12, %r13
        jne .LBB0_15
    """
    # the Monte-Carlo loop under 0.68.1: a counter the last compare does not read
    counted = """
        decq %r14
        cmpq $1, %r14
        jbe .LBB0_8
        callq *%r12
        cmpl $-2, %eax
        je .LBB0_7
    """
    # a pointer stepped by 32 bytes: 4 float64 elements
    pointer = """
        vmovupd (%rdi), %ymm0
        addq $32, %rdi
        cmpq %rdi, %rsi
        jne .LBB0_3
    """
    assert [machine_code.elements_per_pass(_body(b)) for b in (indexed, rotated, counted, pointer)] == [2, 2, 1, 4]
    assert machine_code.elements_per_pass(_body("callq *%r12\ncmpl $-2, %eax\nje .LBB0_7")) is None


def test_a_loop_unrolled_further_is_compared_per_element():
    # gaussians serial 0.61.2 -> 0.68.1 on the 2-vCPU VM (28d50a1's main job: 0.77x faster,
    # confirmed, and in 5 fresh-script pairs): 2 -> 4 elements per pass, exp once per element
    old = {"hot_loop.calls.libm": 2, "hot_loop.instructions": 37, "hot_loop.elements": 2, "math.exp.lanes": 1}
    new = {"hot_loop.calls.libm": 4, "hot_loop.instructions": 44, "hot_loop.elements": 4, "math.exp.lanes": 1}
    found = codegen.diagnosis("gaussians", "serial", {"gaussians.serial": old}, {"gaussians.serial": new}, -1)
    assert found["changes"] == ["hot loop: 2 → 4 elements per pass, 18.5 → 11 instructions per element"]
    # the same loops read the other way: more work per element, yet faster
    back = codegen.diagnosis("gaussians", "serial", {"gaussians.serial": new}, {"gaussians.serial": old}, -1)
    assert back["changes"][-1] == codegen.against(-1, True)


def test_the_facts_are_na_under_a_non_default_layer_without_compiling(monkeypatch):
    """The layer is chosen at the first launch, after compilation: under `tbb` or
    `workqueue` the facts are n/a and `setup_cache` compiles nothing."""
    monkeypatch.setenv("NUMBA_THREADING_LAYER", "workqueue")
    monkeypatch.setattr(machine_code, "reports_of", lambda *a, **k: pytest.fail("compiled under workqueue"))
    bench = codegen_suite.MachineCode()
    found = bench.setup_cache()
    assert found is not None  # asv passes no cache argument for None, and setup would fail
    with pytest.raises(NotImplementedError, match="recorded under omp only"):
        bench.setup(found, "kde.prange", "hot_loop.instructions")
