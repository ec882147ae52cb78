"""The real asv suite: `asv check`, and the session's quick run (`quick_site`) of every benchmark.

Benchmark names and parameters come from asv's own benchmarks.json and results
file, and the allowed skips from `kernels.MODE_INFO`, never a retyped list.
"""

import os

import asv_run

from kernels import MODE_INFO, REGISTRY

# Compiling a kernel takes ~0.5-2 s; with NTB_SIZES=small a warmed-up call is far below this.
COMPILE_FREE_LIMIT_S = 0.2
# The quick run takes ~75 s of one core alone; in the test session it shares the 2 cores with the
# other tests (conftest's `_quick_run`), so the default only catches runaway runs. Tighten via the env.
QUICK_RUN_BUDGET_S = float(os.environ.get("NTB_QUICK_RUN_BUDGET_S", "600"))


def quick_outcomes(site):
    result = asv_run.results_for(site.results_dir, site.commit)
    return asv_run.outcomes(result, asv_run.load_benchmarks(site.results_dir))


def describe(found):
    return "\n".join(f"{o.state}: {o.benchmark} {o.params}" for o in found)


def test_asv_check_passes(tmp_path):
    proc = asv_run.asv(asv_run.write_config(tmp_path), "check", "-E", f"existing:{asv_run.PYTHON}", check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_suite_covers_every_kernel(quick_site):
    benchmarks = asv_run.load_benchmarks(quick_site.results_dir)
    assert {name.split(".")[0] for name in benchmarks if name.endswith(".Modes.time_kernel")} == set(REGISTRY)


def test_every_benchmark_has_a_result(quick_site):
    bad = asv_run.failures(quick_outcomes(quick_site))
    assert not bad, f"{describe(bad)}\n--- asv run output ---\n{quick_site.run.stdout[-20000:]}"
    assert quick_site.run.returncode == 0, quick_site.run.stdout[-20000:]


def test_only_single_threaded_modes_above_one_thread_are_skipped(quick_site):
    found = quick_outcomes(quick_site)

    def single_threaded_above_one(o):
        mode, threads = o.params.get("mode"), o.params.get("threads")
        return threads is not None and threads > 1 and mode in MODE_INFO and not MODE_INFO[mode].threaded

    def fact_not_applicable(o):
        # a parfor fact of a loop without parfors; the elements per pass of a hot loop whose
        # induction register is not found (the notebook's Monte-Carlo prange under Numba 0.68)
        variant, fact = o.params.get("variant", ""), o.params.get("fact", "")
        return o.benchmark == "codegen.MachineCode.track_fact" and (
            (fact.startswith("parfor.") and variant.rpartition(".")[2] not in ("parallel", "prange"))
            or fact == "hot_loop.elements"
        )

    wrongly_skipped = [
        o for o in found if o.state == "skipped" and not single_threaded_above_one(o) and not fact_not_applicable(o)
    ]
    not_skipped = [o for o in found if single_threaded_above_one(o) and o.state != "skipped"]
    assert not wrongly_skipped, describe(wrongly_skipped)
    assert not not_skipped, describe(not_skipped)
    assert any(o.state == "skipped" for o in found), "expected n/a for single-threaded modes at threads > 1"


def test_no_timing_contains_compilation(quick_site):
    benchmarks = asv_run.load_benchmarks(quick_site.results_dir)
    timings = [
        o
        for o in quick_outcomes(quick_site)
        if benchmarks[o.benchmark]["type"] == "time" and ".timeraw_" not in o.benchmark and o.state == "ok"
    ]
    assert timings
    slow = [f"{o.value:.3f} s {o.benchmark} {o.params}" for o in timings if o.value >= COMPILE_FREE_LIMIT_S]
    assert not slow, "\n".join(slow)


def test_quick_run_duration(quick_site, capsys):
    result = asv_run.results_for(quick_site.results_dir, quick_site.commit)
    table = asv_run.duration_table(result, asv_run.load_benchmarks(quick_site.results_dir))
    report = f"quick run of the whole suite: {quick_site.run_seconds:.0f} s wall, beside the other tests\n{table}"
    with capsys.disabled():
        print(f"\n{report}")
    assert asv_run.durations(result), "asv recorded no per-benchmark durations"
    assert quick_site.run_seconds <= QUICK_RUN_BUDGET_S, report


def _peak(found, kernel, mode):
    (outcome,) = [o for o in found if o.benchmark == f"{kernel}.Memory.peakmem_kernel" and o.params["mode"] == mode]
    assert outcome.state == "ok", outcome
    return outcome.value


def test_peak_memory_is_the_call_not_the_setup(quick_site):
    """At 1e7 elements NumPy's array expression allocates 80 MB temporaries that a fused
    prange loop does not (measured: kde +139 MB, gaussians +79 MB beyond its 80 MB output):
    the peaks must show it, so setup must not compute a full-size reference."""
    found = quick_outcomes(quick_site)
    assert _peak(found, "kde", "numpy") - _peak(found, "kde", "prange") > 100e6
    assert _peak(found, "gaussians", "numpy") - _peak(found, "gaussians", "prange") > 60e6
