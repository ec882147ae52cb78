"""Both allocator conditions: the fresh-script checks of the advisor's answers
(ntb_site.answers.conditions), the worker's page-fault facts on real processes, and the
answers and page that read them."""

import dataclasses
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ntb_site.answers import advisor, condition_worker, conditions
from ntb_site.answers.conditions import FreshCheck
from ntb_site.pages import advisor_page

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "modes_results"


def check(best_times, runner_times, faults=None):
    return FreshCheck("kde", 100_000, "numpy", "prange", {"numpy": best_times, "prange": runner_times}, faults or {})


def test_outcomes_follow_a_sign_test_on_the_paired_processes():
    # each process pairs the two modes: a slow process slows both, and the pairs still agree
    assert check([1.0, 2.0, 1.1, 1.0, 3.0], [1.5, 2.5, 1.5, 1.7, 3.4]).outcome == "holds"
    flipped = check([1.5, 2.5, 1.5, 1.7, 3.4], [1.0, 2.0, 1.1, 1.0, 3.0], {"numpy": 358.0, "prange": 0.0})
    assert flipped.outcome == "reversed" and flipped.allocates
    text = flipped.describe()
    assert text.startswith("in a long-running session numpy; in a fresh script prange")
    assert "MALLOC_MMAP_THRESHOLD_=" in text and "numpy 358" in text
    # numpy was not clearly ahead in the long-running session: prange is the answer in both
    tied = dataclasses.replace(flipped, clear_in_session=False).describe()
    assert tied.startswith("prange in both conditions: clearly ahead of numpy in a fresh script (prange / numpy")
    assert tied.endswith("within noise of it in a long-running session") and "MALLOC" not in tied
    unexplained = check([1.5, 2.5, 1.5, 1.7, 3.4], [1.0, 2.0, 1.1, 1.0, 3.0], {"numpy": 0.0, "prange": 0.0})
    assert unexplained.outcome == "reversed" and "does not explain it" in unexplained.describe()
    # asv's rounds saw no clear lead either: nothing disagrees, the fresh scripts decide
    assert dataclasses.replace(unexplained, clear_in_session=False).describe().startswith("prange in both conditions")
    assert check([1.0, 1.2, 1.0, 1.2, 1.0], [1.1, 1.1, 1.1, 1.1, 1.2]).outcome == "noise"
    assert check([1.0] * 5, [1.05] * 5).outcome == "noise"  # ahead, but not by the margin
    assert check([1.0] * 4, [2.0] * 4).outcome == "noise"  # 4 processes can never be clear


@pytest.fixture
def results(tmp_path):
    shutil.copytree(DATA, tmp_path / "results")
    return tmp_path / "results"


def test_stored_checks_decide_clear_and_reach_the_page(results):
    before = advisor.load(results)
    kernel = before.kernels["kde"]
    clear = next(b for b in map(kernel.best, kernel.sizes) if b.runner_up and b.clear)
    assert clear.fresh is None and clear.condition() == "a fresh script: not measured"
    slow, fast = [2.0] * 5, [1.0] * 5
    times, faults = {clear.mode: slow, clear.runner_up: fast}, {clear.mode: 359.0, clear.runner_up: 0.0}
    flipped = FreshCheck("kde", clear.size, clear.mode, clear.runner_up, times, faults)
    store = conditions.store(results, before, [flipped], conditions.FaultFacts({}))
    with store.open("a") as out:
        out.write('{"commit": "interrupted')  # a damaged last line is skipped
    after = advisor.load(results)
    best = after.kernels["kde"].best(clear.size)
    assert best.fresh == flipped and best.clear_in_session and not best.clear
    record = after.kernels["kde"].as_json()["best"]
    entry = next(e for e in record if e["size"] == clear.size)
    assert entry["clear"] is False and entry["fresh_script"]["outcome"] == "reversed"
    assert f"in a fresh script {clear.runner_up}" in advisor.format_text(after)
    page = advisor_page.best_table(after.kernels["kde"])
    assert f"<code>{clear.runner_up}</code> ahead" in page
    assert f"in a fresh script <code>{clear.runner_up}</code>" in advisor_page.summary(after.kernels["kde"])


def test_a_reversed_answer_not_clear_in_the_session_names_the_fresh_scripts_mode_for_both(results):
    before = advisor.load(results)
    kernel = before.kernels["gaussians"]
    unclear = next(b for b in map(kernel.best, kernel.sizes) if b.runner_up and not b.clear_in_session)
    times = {unclear.mode: [2.0] * 5, unclear.runner_up: [1.0] * 5}
    faults = {unclear.mode: 359.0, unclear.runner_up: 0.0}
    reversed_ = FreshCheck("gaussians", unclear.size, unclear.mode, unclear.runner_up, times, faults)
    conditions.store(results, before, [reversed_], conditions.FaultFacts({}))
    best = advisor.load(results).kernels["gaussians"].best(unclear.size)
    assert best.fresh.clear_in_session is False  # the rounds' verdict, whatever the stored record said
    assert best.condition().startswith(f"{unclear.runner_up} in both conditions: clearly ahead of {unclear.mode}")


def test_checks_of_another_commit_are_not_attached(results):
    advice = advisor.load(results)
    kernel = advice.kernels["kde"]
    b = next(b for b in map(kernel.best, kernel.sizes) if b.runner_up)
    other = FreshCheck("kde", b.size, b.mode, b.runner_up, {b.mode: [1.0] * 5, b.runner_up: [2.0] * 5}, {})
    record = {"commit": "0" * 40, "environment": advice.env_name, "checks": [other.as_json()]}
    (results / advice.machine / conditions.STORE).write_text(json.dumps(record) + "\n")
    assert advisor.load(results).kernels["kde"].best(b.size).fresh is None


def worker(condition):
    command = [sys.executable, "-m", "ntb_site.answers.condition_worker", "kde", condition, "1", "2", "100000"]
    proc = subprocess.run([*command, "--modes", "numpy", "serial"], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_numpy_temporaries_fault_on_every_call_only_in_a_fresh_script():
    fresh, steady = worker("fresh"), worker("steady")
    assert set(fresh["times"]) == {"numpy", "serial"} and len(fresh["times"]["numpy"]["100000"]) == 2
    # kde's NumPy expression makes 0.8 MB temporaries: above glibc's starting mmap threshold
    assert fresh["faults"]["numpy"]["100000"] >= 100
    assert steady["faults"]["numpy"]["100000"] < 1
    # the @njit loop allocates nothing per call, so the condition cannot move it
    assert fresh["faults"]["serial"]["100000"] < 1


def test_each_size_times_and_counts_only_its_own_modes():
    """The answers' processes time each size's fastest mode and runner-up only (`at`), and
    count the page faults of those timed calls."""
    found = condition_worker.run(
        "kde",
        "fresh",
        1,
        3,
        [10_000, 100_000],
        at={10_000: ("numpy", "serial"), 100_000: ("serial",)},
        faults=["numpy", "serial"],
    )
    assert {m: sorted(by_size) for m, by_size in found["times"].items()} == {
        "numpy": ["10000"],
        "serial": ["10000", "100000"],
    }
    assert {m: sorted(by_size) for m, by_size in found["faults"].items()} == {
        "numpy": ["10000"],
        "serial": ["10000", "100000"],
    }
    assert found["faults"]["serial"]["100000"] < 1


def test_fault_counts_alone_time_nothing():
    """`ntb versions` counts each release's faults without timing (a worker with 0 samples)."""
    facts = conditions.count_faults("kde", [100_000], ["numpy", "serial"], 1, [sys.executable], {})
    assert facts.needs_both("kde", "numpy") and facts.needs_both("kde", "serial") is False
    assert facts.needs_both("kde", "prange") is None


def test_fault_counts_two_processes_at_a_time_match_one_alone():
    kde = ("kde", [100_000], ["numpy", "serial"], sys.executable)
    alone = conditions.count_faults_of([kde], 1).faults["kde"]
    both = conditions.count_faults_of([kde, ("gaussians", [100_000], ["numpy"], sys.executable)], 1).faults
    assert set(both) == {"kde", "gaussians"} and both["gaussians"]["numpy"][100_000] >= 100
    assert abs(both["kde"]["numpy"][100_000] - alone["numpy"][100_000]) <= 2
    assert both["kde"]["serial"][100_000] == alone["serial"][100_000] == 0


def verdict(new, verdict="regression"):
    return conditions.FreshVerdict(
        "kde.Modes.time_kernel(100000, 'numpy', 1)", ("0.61.2", "0.68.1"), verdict, [1.0] * 5, new, 1.1
    )


def test_a_release_verdict_in_fresh_scripts_follows_a_sign_test_on_pairs_of_processes():
    assert (
        verdict([1.5, 1.3, 1.6, 1.2, 1.4])
        .describe()
        .endswith("the regression holds there too (new / old per pair of processes: 1.50, 1.30, 1.60, 1.20, 1.40)")
    )
    other = verdict([0.5] * 5).describe()
    assert "the other direction, an improvement" in other and "MALLOC_MMAP_THRESHOLD_=" in other
    assert "not confirmed there" in verdict([1.5, 1.5, 1.05, 1.5, 1.5]).describe()
    assert verdict([2.0] * 4 + [2.0]).outcome == "regression" and verdict([2.0] * 4 + [1.0]).outcome == "none"


def test_only_a_verdict_whose_mode_faults_is_retimed_and_the_pages_say_so(tmp_path):
    """Real fresh processes (both "releases" this interpreter, 2 pairs): the confirmed
    verdicts of the stored Numba-versions results, one of whose modes is given faults."""
    from ntb_site.answers import numba_versions as nv

    report = nv.build_report(ROOT / "tests" / "data" / "numba_versions_results")
    confirmed = [(s, c) for s in report.steps for c in s.comparisons if c.verdict in ("regression", "improvement")]
    step, chosen = confirmed[0]
    kernel, mode, size = chosen.benchmark.split(".")[0], chosen.params["mode"], chosen.params["size"]
    modes = {c.params["mode"] for _, c in confirmed if c.benchmark.startswith(f"{kernel}.")}
    faults = {kernel: {m: {c.params["size"]: 0.0 for _, c in confirmed} for m in modes}}
    faults[kernel][mode][size] = 500.0
    facts = conditions.fresh_verdicts(
        report, conditions.FaultFacts(faults), lambda env: sys.executable, {}, processes=2
    )
    (found,) = facts.verdicts.values()  # the other verdicts' modes do not fault there
    assert found.key == conditions.verdict_key(chosen.label, step.releases)
    assert len(found.old) == len(found.new) == 2 and all(t > 0 for t in found.old + found.new)
    assert found.outcome == "none"  # 2 pairs can never be clear
    text = nv.format_table(dataclasses.replace(report, allocator=facts)).split(nv.FRESH_HEADING)[1]
    assert "re-timed in 2 fresh scripts per release: not confirmed there" in text
    # stored beside the answers' checks and read back by the page's loader
    advice = type("Advice", (), {"machine": "vm", "commit": report.commit, "env_name": "env"})
    (tmp_path / "vm").mkdir()
    conditions.store(tmp_path, advice, [], facts)
    _, back = conditions.stored(tmp_path, "vm", report.commit)
    assert back.verdicts[found.key].describe() == found.describe()


def test_the_stored_numba_versions_report_prints_the_stored_facts(tmp_path, capsys):
    """``ntb versions`` without a function reads the facts the main job stored."""
    from ntb_site.answers import numba_versions as nv

    results = Path(shutil.copytree(ROOT / "tests" / "data" / "numba_versions_results", tmp_path / "results"))
    report = nv.build_report(results)
    nv.main(["--results", str(results)])
    assert nv.FRESH_HEADING not in capsys.readouterr().out  # nothing stored: nothing said
    faults: dict = {}
    for c in (c for c in report.comparisons if "mode" in c.params):
        faults.setdefault(c.benchmark.split(".")[0], {}).setdefault(c.params["mode"], {})[c.params["size"]] = 0.0
    advice = type("Advice", (), {"machine": "vm", "commit": report.commit, "env_name": "env"})
    conditions.store(results, advice, [], conditions.FaultFacts(faults))
    nv.main(["--results", str(results)])
    assert "the allocator's state cannot move it" in capsys.readouterr().out.split(nv.FRESH_HEADING)[1]


def test_the_processes_of_one_run_share_a_numba_cache_per_interpreter(tmp_path):
    """With `SHARED_CACHE` set, the first process compiles into a folder of its interpreter's
    under it and the next one loads from there (the folder does not change)."""
    import os

    env = {**os.environ, condition_worker.SHARED_CACHE: str(tmp_path)}
    env.pop("NUMBA_CACHE_DIR", None)
    first = condition_worker.run("kde", "fresh", 1, 0, [1_000], faults=["serial", "prange"], env=env)
    folders = list(tmp_path.iterdir())
    assert len(folders) == 1 and folders[0].is_dir()
    written = {p: p.stat().st_mtime_ns for p in folders[0].rglob("*.nb[ic]")}
    assert written, "the first process wrote no cache"
    second = condition_worker.run("kde", "fresh", 1, 0, [1_000], faults=["serial", "prange"], env=env)
    assert {p: p.stat().st_mtime_ns for p in folders[0].rglob("*.nb[ic]")} == written
    assert first["faults"].keys() == second["faults"].keys() == {"serial", "prange"}


def test_a_fraction_of_a_fault_per_call_is_not_printed_as_one():
    described = check([1.0] * 5, [1.5] * 5, {"numpy": 0.6, "prange": 1_319.4}).describe()
    assert "numpy 0.6, prange 1,319" in described
    assert [conditions.per_call(n) for n in (0.0, 0.004, 1.0, 9.96, 480.0)] == ["0", "0", "1", "10", "480"]
