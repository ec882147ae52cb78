"""The Numba-release report on real asv results of Numba 0.61.2 and 0.62.1, first look and
confirmation included (tests/data/numba_versions_results; its README says how it was made)."""

import dataclasses
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import asv_run
import pytest

from ntb_site.answers import numba_versions as nv
from ntb_site.results import asv_results, confirm
from ntb_site.statistics.rounds import round_values, selector

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "numba_versions_results"
MANIFEST = DATA / "vm" / confirm.MANIFEST
TIME_KERNEL = "monte_carlo_pi.Modes.time_kernel"
NOTEBOOK_LOOP = {"size": 100_000, "mode": "serial", "threads": 1}


@pytest.fixture(scope="module")
def report():
    return nv.build_report(DATA)


@pytest.fixture
def results(tmp_path):
    """A writable copy of the real results."""
    return Path(shutil.copytree(DATA, tmp_path / "results"))


def find(report, benchmark, params):
    (match,) = [c for c in report.comparisons if c.benchmark == benchmark and c.params == params]
    return match


def relabel(results_dir, source, numba):
    """Copy a real results file as if run under another Numba release."""
    data = json.loads(source.read_text())
    data["params"]["numba"] = data["requirements"]["numba"] = numba
    data["env_name"] = data["env_name"].replace(f"numba{json.loads(source.read_text())['params']['numba']}", numba)
    (results_dir / "vm" / f"{data['commit_hash'][:8]}-{data['env_name']}.json").write_text(json.dumps(data))


def test_the_notebooks_monte_carlo_slowdown_is_a_confirmed_regression(report):
    assert report.versions == ["0.61.2", "0.62.1"]
    loop = find(report, TIME_KERNEL, NOTEBOOK_LOOP)
    assert (loop.old_label, loop.new_label, loop.verdict) == ("0.61.2", "0.62.1", "regression")
    j = loop.judgement
    assert j.ratio > 2 and j.low > 1.1 and j.first_p < 0.05 and j.confirm_ratio > 1.1
    assert j.confirm_rounds == (2, 2) and j.rounds == (6, 6)


def test_every_verdict_carries_its_evidence(report):
    judged = [c for c in report.comparisons if c.judgement]
    assert len(judged) > 50
    for c in judged:
        j = c.judgement
        assert j.low <= j.ratio <= j.high and 0 < j.confidence < 1
        assert min(j.rounds) >= 4, c.label
        if c.verdict in ("regression", "improvement"):
            assert j.confirm_rounds >= (2, 2) and j.confirm_ratio is not None


def test_rounds_are_per_process_medians_of_the_recorded_samples(report):
    (old_run, new_run) = sorted(asv_results.runs(DATA), key=lambda run: run.env_name)
    for run, side in ((old_run, 0), (new_run, 1)):
        (m,) = [m for m in run.measurements(TIME_KERNEL) if m.params == NOTEBOOK_LOOP]
        rounds = round_values(m, run.benchmarks[TIME_KERNEL])
        assert len(m.samples) == 3 * len(rounds) == 3 * find(report, TIME_KERNEL, NOTEBOOK_LOOP).judgement.rounds[side]


def test_without_the_confirmation_record_nothing_is_a_verdict(results):
    (results / "vm" / confirm.MANIFEST).unlink()
    report = nv.build_report(results)
    assert report.count("regression") == report.count("improvement") == 0
    assert find(report, TIME_KERNEL, NOTEBOOK_LOOP).verdict == "unconfirmed"


def test_a_stale_confirmation_record_is_ignored(results):
    """A later plain asv run replaces the samples: the record no longer matches and the
    change falls back to its first look."""
    path = next((results / "vm").glob("*numba0.62.1*.json"))
    data = json.loads(path.read_text())
    row = dict(zip(data["result_columns"], data["results"][TIME_KERNEL], strict=False))
    data["results"][TIME_KERNEL][data["result_columns"].index("samples")] = [
        None if samples is None else samples[: 4 * 3] for samples in row["samples"]
    ]
    path.write_text(json.dumps(data))
    assert find(nv.build_report(results), TIME_KERNEL, NOTEBOOK_LOOP).verdict == "unconfirmed"


def test_the_same_results_under_two_labels_give_no_verdict(results):
    old = next((results / "vm").glob("*numba0.61.2*.json"))
    relabel(results, old, "0.60.0")
    report = nv.build_report(results)
    step = next(s for s in report.steps if s.releases == ("0.60.0", "0.61.2"))
    assert step.comparisons and all(c.verdict == "none" for c in step.comparisons)
    assert all(c.judgement.ratio == pytest.approx(1.0) for c in step.comparisons if c.judgement)


def test_each_step_says_what_else_changed_in_the_environment(report):
    (step,) = report.steps
    changes = step.changes()
    assert changes["Numba.using_svml"] == [1, 0]
    assert changes["llvm"][0].startswith("15.") and changes["llvm"][1].startswith("20.")
    assert "llvmlite" in changes and "numba" not in changes


def test_json_has_steps_timeline_and_evidence(tmp_path, report):
    written = nv.publish_data(tmp_path, nv.per_machine(DATA))
    assert written == json.loads((tmp_path / nv.DATA).read_text())
    data = written["machines"]["vm"]
    assert data["versions"] == ["0.61.2", "0.62.1"]
    assert data["steps"][0]["changes"]["Numba.using_svml"] == [1, 0]
    loop = next(c for c in data["comparisons"] if c["benchmark"] == TIME_KERNEL and c["params"] == NOTEBOOK_LOOP)
    assert loop["verdict"] == "regression" and loop["rounds"] == [6, 6] and loop["confirm_rounds"] == [2, 2]
    assert loop["ci"][0] <= loop["ratio"] <= loop["ci"][1] and 0 < loop["confidence"] < 1
    line = next(t for t in data["timeline"] if t["benchmark"] == TIME_KERNEL and t["params"] == NOTEBOOK_LOOP)
    assert [p["version"] for p in line["points"]] == ["0.61.2", "0.62.1"]
    assert all(p["low"] <= p["value"] <= p["high"] for p in line["points"])


def test_publish_without_multi_release_results_says_so(tmp_path):
    data = nv.publish_data(tmp_path, nv.per_machine(tmp_path / "no-results"))
    assert data == {"newest_commit": None, "machines": {}, "message": nv.NO_DATA}


def test_cli_exit_codes(results, capsys):
    assert nv.main(["--results", str(DATA)]) == nv.EXIT_REGRESSION
    out = capsys.readouterr().out
    assert "regression   monte_carlo_pi.Modes.time_kernel(100000, 'serial', 1)" in out
    assert nv.main(["--results", str(DATA), "--factor", "1000"]) == 0
    for bad in (["--results", str(results / "missing")], ["--results", str(DATA), "--machine", "nope"]):
        assert nv.main(bad) == nv.EXIT_BAD_INPUT
    next((results / "vm").glob("*numba0.62.1*.json")).unlink()
    assert nv.main(["--results", str(results)]) == nv.EXIT_BAD_INPUT
    assert "two or more Numba releases" in capsys.readouterr().err


def test_cli_as_a_process(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "ntb_site.answers.numba_versions", *args], cwd=ROOT, capture_output=True, text=True
        )

    found = run("--results", str(DATA))
    assert found.returncode == nv.EXIT_REGRESSION and "0.61.2 -> 0.62.1" in found.stdout
    missing = run("--results", str(tmp_path))
    assert missing.returncode == nv.EXIT_BAD_INPUT
    assert "Traceback" not in missing.stderr and "numba_versions: no commit" in missing.stderr
    bad = run("--factor", "0.9")
    assert bad.returncode == 2 and "--factor" in bad.stderr


def test_selectors_select_exactly_one_parameter_set():
    key = selector(TIME_KERNEL, {"size": 100_000, "mode": "serial", "threads": 1})
    assert re.search(key, "monte_carlo_pi.Modes.time_kernel(100000, 'serial', 1)")
    assert not re.search(key, "monte_carlo_pi.Modes.time_kernel(1000000, 'serial', 1)")
    assert not re.search(key, "monte_carlo_pi_blocked.Modes.time_kernel(100000, 'serial', 1)")


def test_asv_publish_writes_the_data(tmp_path):
    shutil.copytree(DATA, tmp_path / "results")
    config = asv_run.write_config(tmp_path, plugins=[".ntb_site.pages.numba_versions_page"])
    asv_run.publish(config)
    written = json.loads((tmp_path / "html" / nv.DATA).read_text())["machines"]["vm"]
    assert (written.pop("machine_facts")["name"], written.pop("status")["notes"]) == ("vm", [])
    assert written == json.loads(json.dumps(nv.build_report(DATA).as_json()))


def test_every_comparison_states_what_it_could_have_detected(report, tmp_path):
    """A "no change" lies within the smallest change its first look could have shown."""
    judged = [c for c in report.comparisons if c.judgement]
    for c in judged:
        j = c.judgement
        assert j.detectable is not None and j.detectable > report.factor, c.label  # 4/4 first-look rounds
        if c.verdict == "none":
            assert 1 / j.detectable <= j.first_ratio <= j.detectable, c.label
    data = nv.publish_data(tmp_path, nv.per_machine(DATA))["machines"]["vm"]
    assert all("detectable" in c for c in data["comparisons"] if c["ratio"] is not None)
    table = nv.format_table(report)
    assert "detects beyond" in table and "without a change (a change could be detected beyond " in table


def test_the_terminal_table_states_each_verdicts_fault_fact(report):
    """Under a confirmed verdict the terminal report says whether the allocator's state can
    move its mode, as the page does."""
    from ntb_site.answers.conditions import FaultFacts

    verdicts = [c for c in report.comparisons if c.verdict in ("regression", "improvement")]
    assert verdicts
    modes = {c.params["mode"] for c in verdicts}
    facts = FaultFacts({"monte_carlo_pi": {mode: {100_000: 0.0} for mode in modes}})
    table = nv.format_table(dataclasses.replace(report, allocator=facts))
    fresh = table.split(nv.FRESH_HEADING)[1]
    assert fresh.count("the allocator's state cannot move it") == sum(
        c.benchmark.startswith("monte_carlo_pi.Modes.") for c in verdicts
    )
    assert nv.FRESH_HEADING not in nv.format_table(report)  # nothing counted: nothing said
