"""Strong scaling derived from real Modes timings (tests/data/modes_results) and its page."""

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from ntb_site.answers import scaling
from ntb_site.pages import scaling_page
from ntb_site.statistics.estimate import Estimate

DATA = Path(__file__).resolve().parent / "data" / "modes_results"
RESULTS = next((DATA / "vm").glob("87fc7ba5-*.json"))


def recorded(kernel):
    """(size, mode, threads) -> value of `kernel`'s Modes timings, read without asv."""
    data = json.loads(RESULTS.read_text())
    row = dict(zip(data["result_columns"], data["results"][f"{kernel}.Modes.time_kernel"], strict=False))
    sizes, modes, threads = ([json.loads(p.replace("'", '"')) for p in axis] for axis in row["params"])
    combos = [(s, m, t) for s in sizes for m in modes for t in threads]
    return dict(zip(combos, row["result"], strict=True))


@pytest.fixture(scope="module")
def found():
    return scaling.load(DATA)


def test_speedup_is_against_the_same_mode_on_one_thread(found):
    (data,) = found
    assert data.environment.label == "numba 0.68.1, numpy 2.4.6, layer omp"
    assert {p.kernel for p in data.points} == {"gaussians", "kde", "monte_carlo_pi"}
    for p in data.points:
        times = recorded(p.kernel)
        assert p.mode not in ("numpy", "serial")
        assert p.speedup.value == pytest.approx(times[p.size, p.mode, 1] / times[p.size, p.mode, p.threads])
        assert p.efficiency.value == pytest.approx(p.speedup.value / p.threads)
        assert p.speedup.low <= p.speedup.value <= p.speedup.high
        best = min(("numpy", "serial"), key=lambda m: times[p.size, m, 1])
        assert p.best_single == best
        assert p.over_best_single.value == pytest.approx(times[p.size, best, 1] / times[p.size, p.mode, p.threads])
        if p.threads == 1:
            assert p.speedup.value == 1


def point(efficiency: Estimate, threads: int = 2) -> scaling.Point:
    one = Estimate(1.0, 1.0, 1.0)
    return scaling.Point("kde", 1_000_000, "prange", threads, one, efficiency.scaled(threads), efficiency, "numpy", one)


def test_efficiency_above_105_percent_is_explained():
    assert scaling.explain(point(Estimate(1.04, 0.9, 1.2))) is None
    assert scaling.explain(point(Estimate(1.2, 1.0, 1.4))).startswith("Within noise")
    assert scaling.explain(point(Estimate(1.3, 1.2, 1.4))).startswith("Superlinear beyond noise")


def test_page_marks_and_explains_every_efficiency_above_105_percent(found, tmp_path):
    (data,) = found
    superlinear = point(Estimate(1.3, 1.2, 1.4))
    data = dataclasses.replace(data, points=[*data.points, superlinear])
    body, specs = scaling_page.render_machine([data])
    assert body.count("<span class=ntb-flag>[") == sum(1 for p in data.points if p.threads > 1 and scaling.explain(p))
    assert scaling.explain(superlinear) in body
    for kernel in ("gaussians", "kde", "monte_carlo_pi"):
        speedup = specs[f"0-{kernel}-speedup"]
        assert speedup["x"]["log"] == 2 and speedup["series"][-1]["label"] == "ideal"
        assert specs[f"0-{kernel}-over-best-single"]["series"][-1]["label"] == "break-even"


def test_publish_writes_page_and_json(tmp_path):
    scaling_page.publish(tmp_path, DATA)
    data = json.loads((tmp_path / scaling_page.DATA).read_text())
    (env,) = data["machines"]["vm"]["environments"]
    assert env["versions"]["llvm"] == "22.1.0" and env["points"]
    page = (tmp_path / scaling_page.PAGE).read_text()
    assert "<h2>numba 0.68.1, numpy 2.4.6, layer omp</h2>" in page and "llvmlite 0.50.0" in page
    scaling_page.publish(tmp_path, tmp_path / "none")
    assert scaling.NO_DATA in (tmp_path / scaling_page.PAGE).read_text()


def test_the_default_layer_comes_first_within_a_release():
    """tests/data/layers_results: Modes under omp, tbb and workqueue of one release; the
    default layer (the one that also ran FirstCall) leads the page."""
    layers = scaling.load(Path(__file__).resolve().parent / "data" / "layers_results")
    assert [s.environment.layer for s in layers] == ["omp", "tbb", "workqueue"]


def test_a_layer_without_numpy_and_serial_takes_them_from_the_default_layer(tmp_path):
    """The whole matrix times numpy and serial under the default layer only at some sizes
    (neither starts Numba's threading layer): the other layers' × fastest single-threaded
    uses the default layer's times there."""
    copy = tmp_path / "results"
    shutil.copytree(Path(__file__).resolve().parent / "data" / "layers_results", copy)
    (tbb_file,) = copy.glob("*/*LAYERtbb.json")
    data = json.loads(tbb_file.read_text())
    row = dict(zip(data["result_columns"], data["results"]["kde.Modes.time_kernel"], strict=False))
    sizes, modes, threads = ([json.loads(p.replace("'", '"')) for p in axis] for axis in row["params"])
    combos = [(s, m, t) for s in sizes for m in modes for t in threads]
    for i, (_, mode, _) in enumerate(combos):
        if mode in scaling.SINGLE_THREADED:
            row["result"][i] = None
    data["results"]["kde.Modes.time_kernel"] = [row.get(c) for c in data["result_columns"]]
    tbb_file.write_text(json.dumps(data))
    omp, tbb, _ = scaling.load(copy)
    assert tbb.environment.layer == "tbb"
    singles = {(p.size, p.mode): p for p in omp.points if p.kernel == "kde"}
    kde = [p for p in tbb.points if p.kernel == "kde"]
    assert kde
    for p in kde:
        default = singles[p.size, p.mode]
        assert p.best_single == default.best_single
        best_time = default.over_best_single.value * default.time.value
        assert p.over_best_single.value == pytest.approx(best_time / p.time.value)
