"""The layer page (ntb_site.answers.layers, "Which layer? How many threads per caller?") on real asv
results of the concurrency benchmarks under all three layers
(tests/data/layers_concurrency_results), checked against the results files read without asv,
and its rule on made-up estimates."""

import dataclasses
import itertools
import json
import math
import shutil
from pathlib import Path

import asv_run
import pytest

from ntb_site.answers import layers
from ntb_site.answers.layers import Choice, Option
from ntb_site.pages import layers_page, layout
from ntb_site.statistics.estimate import Estimate
from ntb_site.tools.browser_check import browser_available, check_site

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data" / "layers_concurrency_results"


def raw(layer, benchmark):
    """params tuple -> value of one benchmark in the results file of `layer`."""
    (path,) = (DATA / "vm").glob(f"*-NUMBA_THREADING_LAYER{layer}.json")
    data = json.loads(path.read_text())
    row = dict(zip(data["result_columns"], data["results"][benchmark], strict=False))
    decoded = [[json.loads(p.replace("'", '"')) for p in axis] for axis in row["params"]]
    return dict(zip(itertools.product(*decoded), row["result"], strict=True))


@pytest.fixture(scope="module")
def found():
    return layers.load(DATA)


def test_one_results_file_per_layer_and_their_facts(found):
    assert list(found.layers) == ["tbb", "omp", "workqueue"]
    assert (found.machine, found.numba, found.cores) == ("vm", "0.68.1", 2)
    assert all(facts.loaded for facts in found.layers.values())
    # the project's guard serialises launches under workqueue; tbb and omp run them together
    assert {name: facts.serialised for name, facts in found.layers.items()} == {
        "tbb": False,
        "omp": False,
        "workqueue": True,
    }
    assert found.layers["workqueue"].end_gap > 0.25 > found.layers["omp"].end_gap
    tbb = found.layers["tbb"]
    assert (tbb.tbb_on_loader_path, tbb.tbb_in_environment_lib) == (False, True)
    assert "preloads it" in tbb.describe()


def test_best_per_concurrency_is_the_recorded_minimum_over_layers_and_threads(found):
    times = {layer: raw(layer, layers.CALLERS) for layer in layers.LAYERS}
    assert len(found.answers) == 4  # gaussians, kde x futures, dask
    for answer in found.answers:
        for choice in answer.choices:
            recorded = {
                (layer, inner): value
                for layer, per_layer in times.items()
                for (kernel, size, outer, launcher, inner), value in per_layer.items()
                if (kernel, size, outer, launcher) == (answer.kernel, answer.size, choice.outer, answer.launcher)
                and value is not None
                and not math.isnan(value)
            }
            assert len(recorded) == 6  # 3 layers x inner 1, 2
            best = min(recorded, key=recorded.get)
            assert (choice.best.layer, choice.best.inner) == best
            assert choice.best.time.value == recorded[best]
            naive = recorded[best[0], found.cores]
            assert choice.cost(choice.naive, choice.best).value == pytest.approx(naive / recorded[best])
            assert choice.best.time.low <= choice.best.time.value <= choice.best.time.high


def test_chunked_and_cpu_time_come_from_their_benchmarks(found):
    kde = next(a for a in found.answers if (a.kernel, a.launcher) == ("kde", "futures"))
    chunked = raw("omp", layers.CHUNKED)
    assert {(o.layer, o.mode, o.inner) for o in kde.choices[0].chunked} >= {("omp", "threads", 1), ("omp", "dask", 2)}
    pool = next(o for o in kde.choices[-1].chunked if (o.layer, o.mode, o.inner) == ("omp", "threads", 1))
    assert pool.time.value == chunked["kde", 1_000_000, 8, "threads", 1]
    cpu = raw("tbb", layers.CPU)
    point = next(p for p in found.cpu if (p.layer, p.outer, p.inner) == ("tbb", 2, 2))
    assert point.cpu.value == cpu["kde", 1_000_000, 2, 2]
    assert point.busy.value == pytest.approx(
        point.cpu.value / raw("tbb", layers.CALLERS)["kde", 1_000_000, 2, "futures", 2]
    )


def option(layer, inner, value, spread=0.05):
    """Four rounds spread ±`spread` around `value`."""
    rounds = tuple(value * (1 + spread * f) for f in (-1, -0.5, 0.5, 1))
    return Option(layer, "prange", inner, Estimate(value, value * (1 - spread), value * (1 + spread)), rounds)


def choice(outer, **times):
    """A Choice on 2 cores from `tbb1=1.0, omp2=1.5, ...` (layer + inner = time)."""
    return Choice(outer, 2, [option(key[:-1], int(key[-1]), value) for key, value in times.items()], [])


def test_a_clear_layer_and_thread_rule_is_stated():
    choices = [
        choice(1, tbb1=2.0, tbb2=1.0, omp1=2.0, omp2=1.5),
        choice(2, tbb1=1.0, tbb2=1.5, omp1=1.6, omp2=2.0),
        choice(4, tbb1=1.0, tbb2=1.5, omp1=1.6, omp2=3.0),
    ]
    rule = layers.derive_rule("futures", 2, choices)
    assert rule.layers == ["tbb"]
    assert rule.rules == ["⌈cores/k⌉ Numba threads"]
    assert rule.describe() == (
        "With k concurrent callers (Python threads), give each caller ⌈cores/k⌉ Numba threads "
        "(here k=1 → 2, k=2 → 1, k=4 → 1) under tbb."
    )
    assert all(c.clear for c in choices)
    assert choices[2].cost(choices[2].naive, choices[2].best).value == pytest.approx(1.5)


def test_overlapping_intervals_are_not_clear():
    within_noise = [
        choice(1, tbb1=1.0, tbb2=1.02, omp1=1.01, omp2=1.03),
        choice(2, tbb1=1.0, tbb2=1.01, omp1=1.02, omp2=1.03),
    ]
    rule = layers.derive_rule("dask", 2, within_noise)
    assert rule.layers == ["tbb", "omp"]
    assert rule.rules == ["⌈cores/k⌉ Numba threads", "1 Numba thread", "all cores (the naive choice)"]
    assert "under any of tbb, omp (not clear which" in rule.describe()
    assert "how many threads per caller is not clear" in rule.describe()
    assert not within_noise[0].clear
    cost = within_noise[0].cost(within_noise[0].naive, within_noise[0].best)
    assert cost.low < 1 < cost.high
    changing = [choice(1, tbb2=1.0, omp2=2.0), choice(2, tbb1=2.0, omp1=1.0)]
    assert layers.derive_rule("futures", 2, changing).describe().startswith("Not clear: no one threading layer")


def test_layers_json_and_page(tmp_path, found):
    layers_page.publish(tmp_path, DATA)
    data = json.loads((tmp_path / layers_page.DATA).read_text())["machines"]["vm"]
    assert data["cores"] == 2 and sorted(data["layers"]) == ["omp", "tbb", "workqueue"]
    assert [(a["kernel"], a["launcher"]) for a in data["answers"]] == [
        ("gaussians", "futures"),
        ("gaussians", "dask"),
        ("kde", "futures"),
        ("kde", "dask"),
    ]
    assert all([c["outer"] for c in a["choices"]] == [1, 2, 4, 8] for a in data["answers"])
    assert all(a["rule"]["text"] == b.rule.describe() for a, b in zip(data["answers"], found.answers, strict=True))
    page = (tmp_path / layers_page.PAGE).read_text()
    specs = json.loads(page.split('<script type="application/json" id="ntb-charts">')[1].split("</script>")[0])
    assert sorted(specs) == [
        "cpu",
        "gaussians-1000000-dask",
        "gaussians-1000000-futures",
        "kde-1000000-dask",
        "kde-1000000-futures",
    ]
    labels = {s["label"] for s in specs["kde-1000000-futures"]["series"]}
    assert {"tbb, 1 thread each", "workqueue, 2 threads each", "nogil pool (fastest)"} <= labels
    assert all(f'data-chart="{chart_id}"' in page for chart_id in specs)
    assert 'href="layers.html" class=active' in page and "layers.html" in layout.NAV
    assert "https://" not in page and "http://" not in page


def test_cli(capsys, tmp_path):
    assert layers.main(["--results", str(DATA)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Which layer? How many threads per caller? machine vm") and "kde at 1,000,000" in out
    assert layers.main(["--results", str(DATA), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["numba"] == "0.68.1"
    assert layers.main(["--results", str(tmp_path)]) == 2
    assert layers.NO_DATA in capsys.readouterr().err


def test_asv_publish_runs_the_page():
    conf = json.loads((ROOT / "asv.conf.json").read_text())
    assert ".ntb_site.pages.layers_page" in conf["plugins"]
    assert issubclass(layers_page.LayersPage, layers_page.OutputPublisher)


@pytest.mark.skipif(not browser_available(), reason="needs /usr/bin/chromium, /usr/bin/chromedriver and selenium")
def test_the_published_layer_page_draws_every_chart_offline(tmp_path):
    results = tmp_path / "results"
    shutil.copytree(DATA, results)
    asv_run.publish(asv_run.write_config(tmp_path))
    report = check_site(tmp_path / "html", only=["layers_charts"])
    assert not report["problems"], json.dumps(report, indent=2)
    assert report["layers_charts"] >= 4  # one chart per kernel and launcher, and CPU time


@pytest.mark.parametrize(
    ("share", "text"),
    [
        (1.0, "serialises concurrent launches"),
        (0.0, "runs concurrent launches together"),
        (2 / 3, "varies: serialised concurrent launches in 67% of its processes"),
    ],
)
def test_launches_say_varies_where_the_probe_processes_disagree(share, text):
    facts = layers.LayerFacts("tbb", "tbb env", True, share, 0.3, False, True)
    assert facts.describe().startswith(f"loaded; {text} (end gap 0.30)")
    assert facts.as_json()["serialised"] == share


def test_facts_table_shows_each_launch_answer(found):
    shares = {"tbb": None, "omp": 1 / 3, "workqueue": 1.0}
    facts = {name: dataclasses.replace(f, serialised=shares[name]) for name, f in found.layers.items()}
    text = layers_page.facts_table(dataclasses.replace(found, layers=facts))
    assert "varies: serialised in 33% of processes" in text
    assert "serialised" in text and "–" in text
