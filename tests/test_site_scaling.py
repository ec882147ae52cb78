"""The scaling page on real asv Scaling results (tests/data/scaling_results)."""

import itertools
import json
import re
import shutil
from pathlib import Path

import asv_run

from ntb_site import scaling

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "scaling_results"
RESULTS = DATA / "vm" / "ecc1c416-existing-py_work_main_.venv_bin_python.json"
KERNELS = ("gaussians", "kde", "monte_carlo_pi")


def recorded():
    """(kernel, metric, size, mode, threads) -> value, read from the results file without asv."""
    data = json.loads(RESULTS.read_text())
    values = {}
    for name, (result, params, *_) in data["results"].items():
        kernel, _, metric = name.split(".")
        for (size, mode, threads), value in zip(itertools.product(*params), result, strict=True):
            values[kernel, metric.removeprefix("track_"), int(size), mode.strip("'"), int(threads)] = value
    return values


def test_load_reads_every_recorded_value():
    data = scaling.load(DATA)
    assert (data.machine, data.commit[:8]) == ("vm", "ecc1c416")
    assert {p.kernel for p in data.points} == set(KERNELS)
    assert {(p.kernel, p.metric, p.size, p.mode, p.threads): p.value for p in data.points} == recorded()


def test_page_has_both_charts_per_kernel_with_the_ideal_line():
    body = scaling.render_body(scaling.load(DATA))
    for kernel in KERNELS:
        assert f"<h3>{kernel}, size 10,000</h3>" in body
    assert body.count("<svg") == 2 * len(KERNELS)
    assert body.count("<title>ideal</title>") == 2 * len(KERNELS)
    assert "speedup over serial" in body and "parallel efficiency" in body
    assert "https://" not in body


def test_ideal_curve_lies_on_the_ideal_line():
    threads = [1, 2, 4, 8]
    for metric, ideal in (("speedup", {t: float(t) for t in threads}), ("efficiency", dict.fromkeys(threads, 1.0))):
        svg = scaling.chart(metric, threads, {"perfect": ideal}, {"perfect": "#000"})
        lines = dict(re.findall(r"<title>(\w+)</title><polyline points=\"([^\"]+)\"", svg))
        assert lines["perfect"] == lines["ideal"]


def test_missing_results_give_a_page_that_says_so(tmp_path):
    assert scaling.load(tmp_path / "none") is None
    assert scaling.load(ROOT / "tests" / "data" / "numba_versions_results") is None  # no Scaling results there
    scaling.publish(tmp_path, tmp_path / "none")
    assert scaling.NO_DATA in (tmp_path / scaling.PAGE).read_text()


def test_asv_publish_writes_the_page_linked_from_the_nav(tmp_path):
    shutil.copytree(DATA, tmp_path / "results")
    config = asv_run.write_config(tmp_path, plugins=[".ntb_site.offline", ".ntb_site.scaling"])
    pages = []
    for _ in range(2):  # publishing again gives the same page
        asv_run.publish(config)
        pages.append((tmp_path / "html" / scaling.PAGE).read_text())
    assert pages[0] == pages[1]
    assert '<a href="scaling.html">Scaling</a>' in (tmp_path / "html" / "index.html").read_text()
    assert pages[0].count("<svg") == 2 * len(KERNELS)
