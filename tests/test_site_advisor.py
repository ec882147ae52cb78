"""The advisor (ntb_site.answers.advisor, the landing page's answers) on real asv results
(tests/data/modes_results), checked against the results file read without asv."""

import dataclasses
import itertools
import json
import math
from pathlib import Path

import pytest

from ntb_site.answers import advisor, recheck
from ntb_site.pages import advisor_page
from ntb_site.statistics.estimate import Estimate

DATA = Path(__file__).resolve().parent / "data" / "modes_results"
RESULTS = next((DATA / "vm").glob("87fc7ba5-*.json"))
KERNELS = ("gaussians", "kde", "monte_carlo_pi")


def raw(benchmark):
    """params tuple -> value of one benchmark, straight from the results file."""
    data = json.loads(RESULTS.read_text())
    row = dict(zip(data["result_columns"], data["results"][benchmark], strict=False))
    decoded = [[json.loads(p.replace("'", '"')) for p in axis] for axis in row["params"]]
    return dict(zip(itertools.product(*decoded), row["result"], strict=True))


@pytest.fixture(scope="module")
def advice():
    return advisor.load(DATA)


def test_the_fastest_mode_at_each_size_is_the_recorded_minimum(advice):
    assert (advice.machine, advice.commit[:8], advice.threads) == ("vm", "87fc7ba5", 2)
    assert sorted(advice.kernels) == list(KERNELS)  # monte_carlo_pi_blocked: n/a at that commit
    for name in KERNELS:
        times = raw(f"{name}.Modes.time_kernel")
        kernel = advice.kernels[name]
        for size in kernel.sizes:
            # every mode at the machine's 2 threads, the single-threaded ones (n/a there) at 1
            at_size = {
                mode: value
                for (s, mode, threads), value in times.items()
                if s == size
                and value is not None
                and not math.isnan(value)
                and threads == (2 if not math.isnan(times[size, mode, 2]) else 1)
            }
            best = kernel.best(size)
            assert best.mode == min(at_size, key=at_size.get)
            assert best.time.value == at_size[best.mode]
            assert best.time.low <= best.time.value <= best.time.high


def test_speedups_and_payback_follow_from_the_recorded_times(advice):
    kernel = advice.kernels["gaussians"]
    times, first = raw("gaussians.Modes.time_kernel"), raw("gaussians.FirstCall.timeraw_first_call")
    for size in kernel.sizes:
        serial, numpy = times[size, "serial", 1], times[size, "numpy", 1]
        assert kernel.speedup("serial", size, "numpy").value == pytest.approx(numpy / serial)
        extra, gain = first[("serial",)] - first[("numpy",)], numpy - serial
        expected = math.ceil(extra / gain) if gain > 0 else None
        assert kernel.pays_back_after("serial", size) == expected
        prange = kernel.speedup("prange", size, "serial")
        assert prange.value == pytest.approx(serial / times[size, "prange", 2])
        assert prange.low <= prange.value <= prange.high


def crossover(*ratios):
    """A Crossover of sizes 10**3, 10**4, ... with the given (value, low, high) ratios."""
    return advisor.Crossover("parallel", "numpy", {10 ** (3 + i): Estimate(*r) for i, r in enumerate(ratios)})


def test_crossover_counts_only_wins_beyond_noise_and_interpolates_log_log():
    above = crossover((2.0, 1.8, 2.2), (0.5, 0.4, 0.6))
    assert above.faster == [10_000]
    assert above.threshold(1_000, 10_000) == pytest.approx(math.sqrt(1_000 * 10_000))
    assert above.describe() == "parallel beats numpy above ≈ 3,162 elements"
    assert crossover((0.5, 0.4, 0.6), (2.0, 1.8, 2.2)).where() == "below ≈ 3,162 elements"
    assert crossover((0.5, 0.4, 0.6), (0.9, 0.8, 0.95)).where() == "at every measured size"
    assert crossover((0.8, 0.6, 1.1), (0.9, 0.7, 1.05)).where() == "at no measured size"  # within noise
    within_noise_between = crossover((1.5, 1.4, 1.6), (0.95, 0.8, 1.1), (0.5, 0.4, 0.6))
    assert within_noise_between.where() == f"above ≈ {within_noise_between.threshold(10_000, 100_000):,.0f} elements"
    assert crossover((0.5, 0.4, 0.6), (2.0, 1.8, 2.2), (0.5, 0.4, 0.6)).where() == "at 1,000, 100,000 elements"


def test_recorded_crossover_of_serial_and_numpy(advice):
    times = raw("gaussians.Modes.time_kernel")
    (found,) = [c for c in advice.kernels["gaussians"].crossovers if (c.mode, c.baseline) == ("serial", "numpy")]
    for size, ratio in found.ratios.items():
        assert ratio.value == pytest.approx(times[size, "serial", 1] / times[size, "numpy", 1])
        assert ratio.low <= ratio.value <= ratio.high
    assert not [c for c in advice.kernels["gaussians"].crossovers if c.mode == "numpy"]


def test_heading_names_machine_versions_layer_and_threads(advice):
    assert advice.heading() == "machine vm, AMD EPYC, numba 0.68.1, numpy 2.4.6, layer omp, 2 threads"


def test_advisor_json_and_page(tmp_path, advice):
    advisor_page.publish(tmp_path, DATA)
    data = json.loads((tmp_path / advisor_page.DATA).read_text())["machines"]["vm"]
    assert data["environment"]["versions"]["numpy"] == "2.4.6" and data["environment"]["threads"] == 2
    for name in KERNELS:
        best = data["kernels"][name]["best"]
        assert [b["size"] for b in best] == [1_000, 10_000]
        assert [b["mode"] for b in best] == [advice.kernels[name].best(s).mode for s in (1_000, 10_000)]
    page = (tmp_path / advisor_page.PAGE).read_text()
    specs = json.loads(page.split('<script type="application/json" id="ntb-charts">')[1].split("</script>")[0])
    assert sorted(specs) == list(KERNELS)
    assert {s["label"] for s in specs["kde"]["series"]} >= {"numpy (1 thread)", "parallel (2 threads)"}
    assert all(f'data-chart="{name}"' in page for name in KERNELS)
    assert "https://" not in page and "http://" not in page


def test_cli(capsys, tmp_path):
    assert advisor.main(["--results", str(DATA)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Which mode? machine vm, AMD EPYC") and "gaussians (2 threads)" in out
    assert advisor.main(["--results", str(DATA), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["commit"].startswith("87fc7ba5")
    assert advisor.main(["--results", str(tmp_path)]) == 2
    assert advisor.NO_DATA in capsys.readouterr().err


def test_advises_from_the_default_layer_among_equal_modes_results():
    """The whole-matrix run times Modes under every layer of the newest release and
    FirstCall under the default one: the advice comes from that one, first calls included."""
    layers = DATA.parent / "layers_results"
    run = advisor.pick(layers)
    assert run.environment.layer == "omp"
    advice = advisor.load(layers)
    assert all(curve.first_call is not None for curve in advice.kernels["kde"].curves.values())


def test_the_two_answers_that_did_not_hold_are_not_clear():
    """gaussians at 1e4 (numpy vs prange) and 1e5 (parallel vs prange), called clear from the
    main job's 2 rounds, did not hold when re-measured; the whole-matrix run's 4 rounds put
    them 1.03× apart, within the margin."""
    kernel = advisor.load(DATA.parent / "layers_results").kernels["gaussians"]
    for size, pair in ((10_000, ("numpy", "prange")), (100_000, ("parallel", "prange"))):
        best = kernel.best(size)
        assert (best.mode, best.runner_up) == pair and not best.clear
        assert best.lead.ratio < 1.10 and best.lead.rounds == (4, 4)


def test_a_clear_answer_is_ahead_of_every_other_mode_in_every_round():
    for results in (DATA, DATA.parent / "layers_results"):
        for kernel in advisor.load(results).kernels.values():
            for best in map(kernel.best, kernel.sizes):
                if not best.clear:
                    continue
                slowest_best = max(kernel.curves[best.mode].rounds[best.size])
                for mode, curve in kernel.curves.items():
                    if mode != best.mode and best.size in curve.times:
                        assert min(curve.rounds[best.size]) > slowest_best, (kernel.kernel, best.size, mode)


def test_two_rounds_a_mode_give_no_clear_answer(advice):
    """The main job times most sizes in 2 rounds: too few to call any answer clear."""
    for kernel in advice.kernels.values():
        two = {
            mode: dataclasses.replace(curve, rounds={size: r[:2] for size, r in curve.rounds.items()})
            for mode, curve in kernel.curves.items()
        }
        cut = dataclasses.replace(kernel, curves=two)
        for best in map(cut.best, cut.sizes):
            assert not best.clear and best.lead.reason() == "not clear: too few rounds (2/2)"


def test_page_and_json_say_why_an_answer_is_clear_or_not(tmp_path, advice):
    advisor_page.publish(tmp_path, DATA)
    data = json.loads((tmp_path / advisor_page.DATA).read_text())["machines"]["vm"]
    best = {b["size"]: b for b in data["kernels"]["gaussians"]["best"]}
    assert best[10_000]["clear"] is False and best[10_000]["lead"]["rounds"] == [4, 4]
    assert best[10_000]["lead"]["reason"].startswith("not clear")
    assert data["kernels"]["kde"]["best"][1]["lead"]["reason"] == advice.kernels["kde"].best(10_000).lead.reason()
    page = (tmp_path / advisor_page.PAGE).read_text()
    assert "(not clear at 10,000)" in page and "--recheck KERNEL SIZE" in page


def test_recheck_re_measures_an_answer_in_fresh_processes(capsys):
    """The independent re-measurement on a cheap answer (kde at 1,000: serial vs numpy), in
    2 fresh processes of 3 samples; whether it holds depends on the host, what it prints not."""
    status = advisor.main(["--results", str(DATA), "--recheck", "kde", "1000", "--processes", "2", "--samples", "3"])
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "kde at 1,000: serial ahead of numpy (clear: 1.23× ahead, 4/4 rounds)"
    ratios = out[1].split("numpy / serial per process: ")[1].split(": ")[0].split(", ")
    assert len(ratios) == 2 and all(float(r) > 0 for r in ratios)
    assert (status, out[2].strip()) in ((0, "the claim holds"), (1, "the claim does NOT hold"))


def test_recheck_refuses_an_answer_that_does_not_exist(capsys):
    assert advisor.main(["--results", str(DATA), "--recheck", "kde", "12345"]) == 2
    assert "no answer with a runner-up for kde at 12,345 elements" in capsys.readouterr().err


def test_recheck_holds_only_where_the_best_is_faster_in_every_process():
    assert recheck.Recheck("k", 10, "a", "b", [1.2, 1.1, 1.05]).holds
    again = recheck.Recheck("gaussians", 10_000, "numpy", "prange", [0.82, 1.01, 0.78])
    assert not again.holds
    assert again.describe() == "prange / numpy per process: 0.82, 1.01, 0.78: numpy faster in 1 of 3"
