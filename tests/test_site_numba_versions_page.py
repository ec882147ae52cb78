"""The Numba-versions page rendered from the release report JSON: the report of the real
0.61.2 / 0.62.1 results (tests/data/numba_versions_results), and partial or older reports."""

import json
from pathlib import Path

import pytest

from ntb_site.answers import numba_versions
from ntb_site.pages import numba_versions_page

DATA = Path(__file__).resolve().parent / "data" / "numba_versions_results"


def specs_of(page: str) -> dict:
    return json.loads(page.split('<script type="application/json" id="ntb-charts">')[1].split("</script>")[0])


@pytest.fixture(scope="module")
def report():
    return numba_versions.build_report(DATA).as_json()


def test_every_comparison_with_its_evidence_and_the_environment_changes(report):
    body, _ = numba_versions_page.render_machine(report)
    assert body.count("<tr class=") == len(report["comparisons"])
    assert "ratio [CI]" in body and "rounds old/new" in body and "confirm" in body
    assert "Numba.using_svml: 1 → 0" in body  # SVML dropped by 0.62
    assert "0.61.2 → 0.62.1" in body.split("What changed in the environment")[1]


def test_a_verdict_shows_ratio_interval_rounds_and_confirmation(report):
    regression = {
        **report["comparisons"][0],
        "verdict": "regression",
        "ratio": 1.53,
        "ci": [1.4, 1.7],
        "rounds": [8, 8],
        "confirm_rounds": [4, 4],
    }
    before = sum(c["verdict"] == "regression" for c in report["comparisons"][1:])
    body, _ = numba_versions_page.render_machine({**report, "comparisons": [regression, *report["comparisons"][1:]]})
    verdicts = body.split("<h2>Verdicts</h2>")[1].split("<details>")[0]
    assert verdicts.count("<tr class=regression>") == before + 1
    assert "1.53 <span class=ntb-note>[1.40, 1.70]</span>" in verdicts
    assert '<td class="num">8/8</td><td class="num">4/4</td>' in verdicts
    assert "Numba.using_svml" not in verdicts  # the environment's changes are listed once per step, not per row
    assert "no machine-code facts recorded" in verdicts  # this fixture predates them


def test_versions_recorded_twice_are_shown_once():
    changes = {"Versions.llvm": [15, 22], "llvm": [15, 22], "Versions.numba": ["0.6", "0.7"], "Versions.x": [1, 2]}
    step = {"from": "a", "to": "b", "environment": "e", "changes": changes}
    steps = numba_versions_page.step_changes({"steps": [step]})
    assert steps == {("a", "b", "e"): ["Versions.x: 1 → 2", "llvm: 15 → 22"]}


def test_timeline_per_kernel_and_mode_relative_to_the_first_release(report):
    charts = numba_versions_page.timeline_charts(report)
    modes = {(c["benchmark"].split(".")[0], c["params"]["mode"]) for c in report["comparisons"]}
    assert sorted(charts) == sorted(f"{kernel}-{mode}" for kernel, mode in modes)
    for chart in charts.values():
        assert chart.x.categories == ["0.61.2", "0.62.1"]
        for series in chart.series:
            assert series.points[0][:2] == ("0.61.2", 1.0)
    line = next(t for t in report["timeline"] if t["benchmark"].startswith("gaussians.") and "mode" in t["params"])
    old, new = (p["value"] for p in line["points"])
    name = ", ".join(f"{k}={v}" for k, v in line["params"].items() if k != "mode")
    series = {s.label: s.points for s in charts[f"gaussians-{line['params']['mode']}"].series}
    assert series[name][1][1] == pytest.approx(new / old)


def test_older_or_partial_reports_render():
    old_style = {
        "machine": "vm",
        "commit": "abc",
        "versions": ["0.60.0", "0.61.2"],
        "comparisons": [
            {
                "benchmark": "kde.Modes.time_kernel",
                "params": {"size": 10, "mode": "prange", "threads": 2},
                "from": "0.60.0",
                "to": "0.61.2",
                "unit": "seconds",
                "old": 1.0,
                "new": 2.0,
                "ratio": 2.0,
                "regression": True,
                "improvement": False,
            },
        ],
    }
    body, specs = numba_versions_page.render_machine(old_style)
    assert "<b>regression</b>" in body and "not recorded" in body and "records no release steps" in body
    assert [list(p) for p in specs["kde-prange"]["series"][0]["points"]] == [["0.60.0", 1.0], ["0.61.2", 2.0]]
    body, specs = numba_versions_page.render_machine({"message": "no commit has results under two releases"})
    assert numba_versions_page.NO_DATA in body and "two releases" in body and specs == {}


def test_publish_writes_the_report_json_and_the_page(tmp_path, report):
    numba_versions_page.publish(tmp_path, DATA)
    written = json.loads((tmp_path / numba_versions_page.DATA).read_text())["machines"]["vm"]
    del written["machine_facts"], written["status"]
    assert written == json.loads(json.dumps(report))
    page = (tmp_path / numba_versions_page.PAGE).read_text()
    assert sorted(specs_of(page)) == sorted(numba_versions_page.timeline_charts(report))


def test_a_no_change_says_what_could_have_been_detected(report):
    none = next(c for c in report["comparisons"] if c["verdict"] == "none")
    assert numba_versions_page.verdict_cell({**none, "detectable": 1.123}) == "<b>no change</b> beyond 1.12×"
    blind = {**none, "detectable": None, "rounds": [5, 3], "confirm_rounds": [2, 0]}
    assert "cannot detect any change with 3/3 rounds" in numba_versions_page.verdict_cell(blind)
    older = {k: v for k, v in none.items() if k != "detectable"}
    assert numba_versions_page.verdict_cell(older) == "<b>none</b>"
    body, _ = numba_versions_page.render_machine(report)
    assert "comparisons without a change; each could detect a change beyond " in body
    assert body.count("<b>no change</b> beyond ") == sum(c["verdict"] == "none" for c in report["comparisons"])


def test_a_diagnosis_names_its_variant_shows_symbols_as_code_and_links_its_writeup():
    diagnosis = {
        "variant": "gaussians.serial",
        "code": "changed",
        "changes": ["exp: `__svml_exp4` (4 lanes) → `exp` called per element"],
        "writeups": [{"title": "LLVM 15", "href": "docs/serial-llvm15-slowdown.md"}],
    }
    cell = numba_versions_page.diagnosis_cell({"diagnosis": diagnosis})
    assert "<code>gaussians.serial</code>" in cell and "<code>__svml_exp4</code>" in cell and "`" not in cell
    assert "<a href='docs/serial-llvm15-slowdown.md'>LLVM 15</a>" in cell
    assert "not recorded" in numba_versions_page.diagnosis_cell({})


def test_a_pre_release_is_labelled_as_such():
    assert "pre-release" in numba_versions_page.release("0.69.0rc1")
    assert numba_versions_page.release("0.68.1") == "0.68.1"
    assert numba_versions_page.release("not-a-version") == "not-a-version"
