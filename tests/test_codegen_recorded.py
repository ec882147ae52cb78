"""Diagnoses from real recorded machine-code facts (tests/data/codegen_results: Numba 0.60.0,
0.61.2, 0.65.1, 0.66.0, 0.67.0 and 0.68.1): each known cause is named from the facts alone."""

from pathlib import Path

import pytest

from ntb_site.answers import codegen, writeups

RESULTS = Path(__file__).parent / "data" / "codegen_results"


def env(numba: str) -> str:
    return f"virtualenv-py3.11-intel-cmplr-lib-rt-numba{numba}-tbb-NUMBA_THREADING_LAYERomp"


@pytest.fixture(scope="module")
def facts():
    runs = codegen.runs_with_facts(RESULTS)
    return {run.environment.requirements["numba"]: codegen.recorded(run) for run in runs.values()}


def why(facts, old, new, kernel, mode):
    return codegen.diagnosis(kernel, mode, facts[old], facts[new])


def test_every_release_recorded_every_variant(facts):
    assert sorted(facts) == ["0.60.0", "0.61.2", "0.65.1", "0.66.0", "0.67.0", "0.68.1"]
    assert all(len(variants) == 14 for variants in facts.values())


def test_llvm15_serial_array_expressions_lose_svml(facts):
    for kernel in ("gaussians", "kde"):
        found = why(facts, "0.60.0", "0.61.2", kernel, "serial")
        assert found["code"] == "changed"
        assert found["changes"][0].startswith("exp: `__svml_exp4` (4 lanes) → `exp` called per element")
        assert why(facts, "0.60.0", "0.61.2", kernel, "prange")["code"] == "same"  # explicit loops kept SVML
    (link,) = writeups.explaining("gaussians.serial", "0.60.0", "0.61.2")
    assert link["href"] == "docs/serial-llvm15-slowdown.html"


def test_svml_loss_and_out_of_line_random_draw_since_0_61(facts):
    assert why(facts, "0.61.2", "0.68.1", "gaussians", "prange")["changes"][0].startswith(
        "exp: `__svml_exp4` (4 lanes) → `exp` called per element"
    )
    assert why(facts, "0.61.2", "0.68.1", "monte_carlo_pi", "serial")["changes"][0] == (
        "random draw: inlined → called out of line, 2 calls per hot-loop pass (cost 260 > threshold 250)"
    )
    assert why(facts, "0.61.2", "0.68.1", "monte_carlo_pi", "dask")["variant"] == "monte_carlo_pi.chunk"


def test_066_notebook_prange_loses_its_inlined_parfor_body(facts):
    assert why(facts, "0.65.1", "0.66.0", "monte_carlo_pi", "prange")["changes"][:2] == [
        "random draw: inlined → called out of line, 2 calls per hot-loop pass (cost 260 > threshold 250)",
        "parfor body: inlined into its `__gufunc__` wrapper → called out of line (cost 255 > threshold 250)",
    ]
    assert why(facts, "0.65.1", "0.66.0", "monte_carlo_pi", "serial")["code"] != "unrecorded"


def test_068_blocked_prange_same_code_rebuilt_helper(facts):
    found = why(facts, "0.67.0", "0.68.1", "monte_carlo_pi_blocked", "prange")
    assert found["changes"] == ["Numba's C runtime helpers called from the hot loop: 430 → 669 bytes of machine code"]
    assert why(facts, "0.67.0", "0.68.1", "monte_carlo_pi", "serial")["changes"] == [codegen.SAME]
    assert any(
        link["href"] == "docs/blocked-prange-068-slowdown.html"
        for link in writeups.explaining("monte_carlo_pi_blocked.prange", "0.67.0", "0.68.1")
    )


def test_terminal_diff_and_list(capsys):
    assert codegen.main(["--list", "--results", str(RESULTS)]) == 0
    assert capsys.readouterr().out.count("numba 0.") == 6
    assert codegen.main(["--diff", env("0.60.0"), env("0.61.2"), "kde", "serial", "--results", str(RESULTS)]) == 0
    out = capsys.readouterr().out
    assert "kde.serial:" in out and "gaussians" not in out
    assert codegen.main(["--diff", env("0.60.0"), "nope", "--results", str(RESULTS)]) == 2
    assert "environment: 'nope' has no machine-code facts" in capsys.readouterr().err


def test_every_writeup_exists():
    assert all((writeups.DOCS / w.doc).is_file() for w in writeups.WRITEUPS)
