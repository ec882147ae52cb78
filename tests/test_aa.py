"""A real A/A check: the same code measured twice by real asv, in real processes, must get
no verdict from the project's comparison method (python -m ntb_site.checks.aa), with rounds enough
that it could have seen one (3 a side could not: the exact test cannot reach p < 0.05)."""

import json
import math
import os
import subprocess
import sys

import asv_run

from ntb_site.results import asv_results
from ntb_site.results.confirm import MANIFEST

BENCH = r"^(gaussians|monte_carlo_pi)\.Modes\.time_kernel\(1000, '(numpy|serial|prange)', 1\)$"


def test_a_a_gets_no_verdict(tmp_path):
    config = asv_run.write_config(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "ntb_site.checks.aa", "--config", str(config), "-E", f"existing:{asv_run.PYTHON}"]
        + ["--machine", "ntb-test", "--rounds", "4", "-b", BENCH],
        cwd=asv_run.ROOT,
        env={**os.environ, "NTB_SIZES": "small"},
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    assert "0 regression, 0 improvement" in proc.stdout
    assert "a change could be detected beyond" in proc.stdout and "could detect nothing" not in proc.stdout
    results_dir = asv_run.conf_value(config, "results_dir")
    sides = [asv_results.runs(results_dir, f"ntb-test-aa-{side}") for side in "ab"]
    for (run,) in sides:
        timings = [m for m in run.measurements() if m.state == "ok"]
        assert len(timings) == 6
        assert all(len(m.samples) >= 4 * 3 for m in timings), "four rounds of three samples on each side"
    for side in "ab":
        manifest = results_dir / f"ntb-test-aa-{side}" / MANIFEST
        for line in manifest.read_text().splitlines() if manifest.exists() else []:
            assert json.loads(line)["after"] > json.loads(line)["first"]
    # the whole matrix's A/A compares stored runs the same way (here measuring nothing more)
    stored = subprocess.run(
        [sys.executable, "-m", "ntb_site.checks.aa", "--config", str(config), "--runs", "ntb-test-aa-a"]
        + ["ntb-test-aa-b", "--no-confirm"],
        cwd=asv_run.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert stored.returncode == 0, stored.stdout[-3000:] + stored.stderr[-3000:]
    assert "6 timings" in stored.stdout and "release verdicts found by one side only: 0" in stored.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "ntb_site.checks.aa", "--config", str(config), "--runs", "ntb-test-aa-a", "nobody"],
        cwd=asv_run.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and "runs: no environment with results" in missing.stderr

    # a side whose gaussians timings read 10x slower at the first look is flagged, and the
    # confirmation measures those timings again, 4 rounds a side alternated, which alone
    # decide (whether they reproduce a flag is the method's to say, not this test's)
    before = {side: rounds_of(results_dir / f"ntb-test-aa-{side}", "gaussians.Modes.time_kernel") for side in "ab"}
    slowed = scale(results_dir / "ntb-test-aa-b", "gaussians.Modes.time_kernel", 10.0)
    confirmed = subprocess.run(
        [sys.executable, "-m", "ntb_site.checks.aa", "--config", str(config), "--runs", "ntb-test-aa-a"]
        + ["ntb-test-aa-b", "-E", f"existing:{asv_run.PYTHON}"],
        cwd=asv_run.ROOT,
        env={**os.environ, "NTB_SIZES": "small"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert confirmed.returncode in (0, 1), confirmed.stdout[-3000:] + confirmed.stderr[-3000:]
    assert f"{slowed} flagged at the first look" in confirmed.stdout
    assert "after the confirmation:" in confirmed.stdout
    for side in "ab":
        after = rounds_of(results_dir / f"ntb-test-aa-{side}", "gaussians.Modes.time_kernel")
        assert all(after[i] == before[side][i] + 4 * 3 for i in after), "4 more rounds of 3 samples a timing"


def rounds_of(machine_dir, benchmark: str) -> dict[int, int]:
    """Samples recorded per timing (grid index) of `benchmark` in the machine's result file."""
    (path,) = [p for p in machine_dir.glob("*.json") if p.name != "machine.json"]
    data = json.loads(path.read_text())
    row = data["results"][benchmark]
    samples = row[data["result_columns"].index("samples")]
    return {i: len(s) for i, s in enumerate(samples) if s}


def scale(machine_dir, benchmark: str, factor: float, first_look: int = 4 * 3) -> int:
    """Multiply the first-look samples (4 rounds of 3) of `benchmark` in the machine's one
    result file by `factor`, not the rounds an earlier confirmation appended; how many
    timings were scaled."""
    (path,) = [p for p in machine_dir.glob("*.json") if p.name != "machine.json"]
    data = json.loads(path.read_text())
    row = data["results"][benchmark]
    results, samples = (data["result_columns"].index(column) for column in ("result", "samples"))
    row[results] = [None if v is None else v * factor for v in row[results]]
    row[samples] = [None if s is None else [v * factor for v in s[:first_look]] + s[first_look:] for s in row[samples]]
    path.write_text(json.dumps(data))
    return sum(v is not None and math.isfinite(v) for v in row[results])  # n/a is stored as NaN
