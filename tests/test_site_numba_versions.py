"""The Numba-release report on real asv results of Numba 0.61.2 and 0.62.1 (tests/data/numba_versions_results)."""

import itertools
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import asv_run
import pytest
from asv import _stats
from asv.commands.compare import Compare
from asv.results import Results

from ntb_site import numba_versions as nv

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "numba_versions_results"
COMMIT = "ecc1c41683f2cb2a126faebd38c54942e1a7dee3"
OLD = DATA / "vm" / "ecc1c416-virtualenv-py3.11-intel-cmplr-lib-rt-numba0.61.2-NUMBA_THREADING_LAYERomp.json"
NEW = DATA / "vm" / "ecc1c416-virtualenv-py3.11-intel-cmplr-lib-rt-numba0.62.1-NUMBA_THREADING_LAYERomp.json"
TIME_KERNEL = "gaussians.Modes.time_kernel"
SVML_LOOP = {"size": 10000, "mode": "prange", "threads": 1}


@pytest.fixture(scope="module")
def report():
    return nv.build_report(DATA)


def raw(path, benchmark, params, column="result"):
    """A column of the results file for one parameter set, read without asv."""
    data = json.loads(path.read_text())
    row = dict(zip(data["result_columns"], data["results"][benchmark], strict=False))
    combos = [tuple(c) for c in itertools.product(*row["params"])]
    return row[column][combos.index(tuple(repr(v) if isinstance(v, str) else str(v) for v in params.values()))]


def find(report, benchmark, params):
    (match,) = [c for c in report.comparisons if c.benchmark == benchmark and c.params == params]
    return match


def relabel(results_dir, source, numba=None, commit=None, date=None, **env_vars):
    """Copy a real results file as if run under another numba, commit or env vars."""
    data = json.loads(source.read_text())
    if numba:
        data["params"]["numba"] = data["requirements"]["numba"] = numba
    data["env_vars"].update(env_vars)
    data["commit_hash"], data["date"] = commit or data["commit_hash"], date or data["date"]
    data["env_name"] = f"{data['env_name']}-{numba}-{'-'.join(env_vars.values())}"
    (results_dir / "vm" / f"{data['commit_hash'][:8]}-{data['env_name']}.json").write_text(json.dumps(data))


@pytest.fixture
def results(tmp_path):
    """A writable copy of the real results."""
    return Path(shutil.copytree(DATA, tmp_path / "results"))


def test_the_real_svml_slowdown_is_a_significant_regression(report):
    assert (report.machine, report.commit, report.versions) == ("vm", COMMIT, ["0.61.2", "0.62.1"])
    for mode in ("prange", "parallel"):
        slowdown = find(report, TIME_KERNEL, {"size": 10000, "mode": mode, "threads": 1})
        assert (slowdown.old_version, slowdown.new_version) == ("0.61.2", "0.62.1")
        assert slowdown.significant and slowdown.regression and not slowdown.improvement
        assert slowdown.ratio > 1.4
        assert slowdown in report.regressions
    serial = find(report, TIME_KERNEL, {"size": 10000, "mode": "serial", "threads": 1})
    assert serial.improvement and serial.ratio < 1 / 1.1


def test_ratio_is_new_over_old_as_recorded(report):
    for c in report.comparisons:
        if c.benchmark == TIME_KERNEL:
            assert (c.old, c.new) == (raw(OLD, TIME_KERNEL, c.params), raw(NEW, TIME_KERNEL, c.params))
            assert c.ratio == pytest.approx(c.new / c.old)
    assert find(report, TIME_KERNEL, SVML_LOOP).ratio == pytest.approx(87.3e-6 / 56.9e-6, rel=0.01)


def test_significance_is_asvs_test_on_the_recorded_samples(report):
    checked = 0
    for c in report.comparisons:
        if c.benchmark == TIME_KERNEL:
            old, new = (raw(path, TIME_KERNEL, c.params, "samples") for path in (OLD, NEW))
            stats = [
                {key: raw(path, TIME_KERNEL, c.params, f"stats_{key}") for key in ("ci_99_a", "ci_99_b")}
                for path in (OLD, NEW)
            ]
            assert len(old) >= 7 and len(new) >= 7
            assert c.significant == _stats.is_different(old, new, *stats)
            checked += 1
    assert checked == 20  # 24 parameter sets, 4 n/a (numpy and serial on 2 threads)


def test_marks_agree_with_asv_compare_wherever_asv_has_statistics(report, capsys):
    def resultset(path):  # one side of asv compare, under one environment name so the two sides pair up
        result = Results.load(str(path), machine_name="vm")
        for key in result.get_all_result_keys():
            params = result.get_result_params(key)
            values = (getter(key, params) for getter in (result.get_result_value, result.get_result_stats))
            yield key, params, *values, result.get_result_samples(key, params), None, "vm", "env"

    conf = SimpleNamespace(results_dir=str(DATA), benchmark_dir=str(ROOT / "benchmarks"))
    Compare.print_table(
        conf, "old", "new", factor=1.1, split=False, resultset_1=resultset(OLD), resultset_2=resultset(NEW)
    )
    rows = [line.split("|") for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    asv_marks = {row[5].strip(): row[1].strip() for row in rows}
    for c in report.comparisons:
        if c.benchmark == TIME_KERNEL:
            label = f"{c.benchmark}({', '.join(repr(v) for v in c.params.values())})"
            assert asv_marks[label] == c.mark.strip("~ "), label


def test_nothing_is_flagged_when_asv_finds_no_difference(monkeypatch):
    monkeypatch.setattr(_stats, "is_different", lambda *args, **kwargs: False)
    report = nv.build_report(DATA)
    assert not any(c.regression or c.improvement for c in report.comparisons)
    assert find(report, TIME_KERNEL, SVML_LOOP).mark == "~"


def test_factor_is_asv_compares(report):
    strict = nv.build_report(DATA, factor=1.6)
    assert not find(strict, TIME_KERNEL, SVML_LOOP).regression
    assert find(strict, TIME_KERNEL, {"size": 1000, "mode": "parallel", "threads": 1}).regression  # ratio 1.81
    assert len(strict.regressions) < len(report.regressions)


def test_results_without_statistics_are_listed_never_flagged(report):
    svml = find(report, "environment.Numba.track_using_svml", {})
    assert (svml.old, svml.new, svml.ratio, svml.significant) == (1, 0, 0, None)
    assert not svml.regression and not svml.improvement


def test_versions_sort_numerically(results):
    relabel(results, NEW, numba="0.9.1")
    report = nv.build_report(results)
    assert report.versions == ["0.9.1", "0.61.2", "0.62.1"]
    pairs = {(c.old_version, c.new_version) for c in report.comparisons}
    assert pairs == {("0.9.1", "0.61.2"), ("0.61.2", "0.62.1")}


def test_only_environments_differing_in_numba_alone_are_compared(results):
    relabel(results, NEW, numba="0.63.0", NUMBA_THREADING_LAYER="tbb")
    assert {c.environment["NUMBA_THREADING_LAYER"] for c in nv.build_report(results).comparisons} == {"omp"}
    relabel(results, OLD, numba="0.61.2", NUMBA_THREADING_LAYER="tbb")
    report = nv.build_report(results)
    assert report.versions == ["0.61.2", "0.62.1", "0.63.0"]
    pairs = {(c.environment["NUMBA_THREADING_LAYER"], c.old_version, c.new_version) for c in report.comparisons}
    assert pairs == {("omp", "0.61.2", "0.62.1"), ("tbb", "0.61.2", "0.63.0")}


def test_the_newest_commit_with_several_releases_is_reported(results):
    later = {"commit": "f" * 40, "date": json.loads(OLD.read_text())["date"] + 1000}
    relabel(results, OLD, **later)
    assert nv.build_report(results).commit == COMMIT  # the later commit has one release only
    relabel(results, NEW, **later)
    assert nv.build_report(results).commit == "f" * 40


def test_json_schema(tmp_path, report):
    nv.publish(tmp_path, DATA)
    data = json.loads((tmp_path / nv.DATA).read_text())
    assert data == json.loads(json.dumps(report.as_json()))
    assert (data["commit"], data["versions"]) == (COMMIT, ["0.61.2", "0.62.1"])
    assert {"benchmark", "params", "from", "to", "ratio", "significant", "regression"} <= set(data["comparisons"][0])
    slowdown = next(c for c in data["comparisons"] if c["benchmark"] == TIME_KERNEL and c["params"] == SVML_LOOP)
    assert {key: slowdown[key] for key in ("from", "to", "significant", "regression")} == {
        "from": "0.61.2",
        "to": "0.62.1",
        "significant": True,
        "regression": True,
    }


def test_page_has_table_and_inline_svg(tmp_path):
    nv.publish(tmp_path, DATA)
    page = (tmp_path / nv.PAGE).read_text()
    assert "gaussians.Modes.time_kernel(10000, &#x27;prange&#x27;, 1)" in page
    assert page.count('<tr class="danger">') == len(nv.build_report(DATA).regressions)
    assert "<svg" in page and "https://" not in page


def test_publish_without_multi_release_results_says_so_and_is_idempotent(tmp_path):
    for _ in range(2):
        nv.publish(tmp_path, tmp_path / "no-results")
        assert nv.NO_DATA in (tmp_path / nv.PAGE).read_text()
        assert json.loads((tmp_path / nv.DATA).read_text())["comparisons"] == []
    first = (tmp_path / nv.PAGE).read_bytes(), (tmp_path / nv.DATA).read_bytes()
    nv.publish(tmp_path, tmp_path / "no-results")
    assert first == ((tmp_path / nv.PAGE).read_bytes(), (tmp_path / nv.DATA).read_bytes())


def test_cli_exit_codes(results, capsys):
    assert nv.main(["--results", str(DATA)]) == nv.EXIT_REGRESSION
    out = capsys.readouterr().out
    assert "+   gaussians.Modes.time_kernel(10000, 'prange', 1)" in out
    assert "regression(s)" in out
    assert nv.main(["--results", str(DATA), "--factor", "1000"]) == 0
    for bad in (["--results", str(results / "missing")], ["--results", str(DATA), "--machine", "nope"]):
        assert nv.main(bad) == nv.EXIT_BAD_INPUT
    (results / "vm" / NEW.name).unlink()
    assert nv.main(["--results", str(results)]) == nv.EXIT_BAD_INPUT
    assert "two or more Numba releases" in capsys.readouterr().err


def test_cli_as_a_process(tmp_path):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "ntb_site.numba_versions", *args], cwd=ROOT, capture_output=True, text=True
        )

    found = run("--results", str(DATA))
    assert found.returncode == nv.EXIT_REGRESSION and "0.61.2 -> 0.62.1" in found.stdout
    missing = run("--results", str(tmp_path))
    assert missing.returncode == nv.EXIT_BAD_INPUT
    assert "Traceback" not in missing.stderr and "numba_versions: no commit" in missing.stderr


def test_asv_publish_writes_the_page_linked_from_the_nav(tmp_path):
    shutil.copytree(DATA, tmp_path / "results")
    config = asv_run.write_config(tmp_path, plugins=[".ntb_site.offline", ".ntb_site.numba_versions"])
    html = tmp_path / "html"
    outputs = []
    for _ in range(2):  # publishing again gives the same files
        asv_run.publish(config)
        outputs.append([(html / name).read_bytes() for name in (nv.PAGE, nv.DATA)])
    assert outputs[0] == outputs[1]
    assert '<a href="numba-versions.html">Numba versions</a>' in (html / "index.html").read_text()
    assert json.loads(outputs[0][1]) == json.loads(json.dumps(nv.build_report(DATA).as_json()))
