"""Every page per machine, on real asv results of two configurations of one VM
(tests/data/two_machines_results; its README says how they were made): ``vm-2cpu`` (the whole
VM, the newest commit, two Numba releases, concurrent callers) and ``vm-1cpu`` (the same VM
under ``taskset -c 0``, the commit before, gaussians only). Each page and its JSON show both
machines, each with its facts; vm-1cpu's results are old everywhere and partial everywhere
(no kde; one release; no concurrency results). Nothing is compared across machines."""

import html
import json
import shutil
from pathlib import Path

import asv_run
import pytest

from ntb_site.answers import advisor, layers, scaling
from ntb_site.answers import numba_versions as nv
from ntb_site.pages import advisor_page, layers_page, numba_versions_page, scaling_page
from ntb_site.results import machines
from ntb_site.tools.browser_check import browser_available, check_site

DATA = Path(__file__).resolve().parent / "data" / "two_machines_results"
NAMES = ["vm-1cpu", "vm-2cpu"]
PAGES = {
    advisor_page: advisor_page.PAGE,
    scaling_page: scaling_page.PAGE,
    numba_versions_page: numba_versions_page.PAGE,
    layers_page: layers_page.PAGE,
}


def commit_of(machine):
    """The one commit of `machine`'s results files, read without asv."""
    (commit,) = {json.loads(p.read_text())["commit_hash"] for p in (DATA / machine).glob("*-virtualenv-*.json")}
    return commit


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """Every project page published from the two machines' results (without asv: the pages' own publish)."""
    published = tmp_path_factory.mktemp("two-machines")
    data = {}
    for page, name in PAGES.items():
        page.publish(published, DATA)
        data[name] = json.loads((published / page.DATA).read_text())
    return published, data


def test_facts_of_each_machine_come_from_asv_and_the_suite():
    one, two = (machines.facts(DATA, name) for name in NAMES)
    assert (one.num_cpu, two.num_cpu) == ("1", "2")
    for found in (one, two):
        recorded = json.loads((DATA / found.name / "machine.json").read_text())
        assert (found.cpu, found.os, found.arch) == (recorded["cpu"], recorded["os"], recorded["arch"])
        assert found.simd is not None and set(found.simd) <= {"avx2", "avx512f"}
        assert found.line().startswith(f"{recorded['cpu']}, {found.num_cpu} CPU")


def test_every_json_is_keyed_by_machine_with_facts_and_status(site):
    _, data = site
    newest = commit_of("vm-2cpu")
    for name, written in data.items():
        assert written["newest_commit"] == newest, name
        assert list(written["machines"]) == NAMES, name
        for machine, record in written["machines"].items():
            assert record["machine_facts"]["name"] == machine
            assert record["machine_facts"]["num_cpu"] == machine.removeprefix("vm-").removesuffix("cpu")
        two = written["machines"]["vm-2cpu"]["status"]
        assert (two["old"], two["partial"], two["notes"]) == (False, False, []), name
        one = written["machines"]["vm-1cpu"]["status"]
        assert one["partial"] and one["notes"], name


def test_each_machine_is_advised_on_its_own_thread_count(site):
    _, data = site
    one, two = (data[advisor_page.PAGE]["machines"][name] for name in NAMES)
    assert (one["environment"]["threads"], two["environment"]["threads"]) == (1, 2)
    assert (one["commit"], two["commit"]) == (commit_of("vm-1cpu"), commit_of("vm-2cpu"))
    assert sorted(one["kernels"]) == ["gaussians"] and sorted(two["kernels"]) == ["gaussians", "kde"]
    assert {m["threads"] for m in one["kernels"]["gaussians"]["modes"].values()} == {1}
    assert one["status"]["old"] and one["status"]["missing"] == ["kernel kde"]
    assert one["status"]["notes"][0].startswith(f"Old results: commit {commit_of('vm-1cpu')[:8]}")
    assert one["status"]["notes"][1] == "Partial: no kernel kde on this machine (measured on another)."


def test_scaling_stays_within_each_machine(site):
    _, data = site
    one, two = (data[scaling_page.PAGE]["machines"][name] for name in NAMES)
    assert {p["threads"] for env in one["environments"] for p in env["points"]} == {1}
    assert {p["threads"] for env in two["environments"] for p in env["points"]} == {1, 2}
    assert all(env["machine"] == "vm-1cpu" for env in one["environments"])


def test_only_the_machine_with_two_releases_has_a_release_report(site):
    _, data = site
    one, two = (data[numba_versions_page.PAGE]["machines"][name] for name in NAMES)
    assert two["versions"] == ["0.61.2", "0.68.1"] and two["comparisons"]
    assert all(c["benchmark"].startswith("gaussians.") for c in two["comparisons"])
    assert one["comparisons"] == [] and one["message"] == nv.NO_DATA
    assert (one["status"]["old"], one["status"]["partial"]) == (False, True)
    assert one["status"]["notes"] == [f"Partial: nothing to show for this machine. {nv.NO_DATA}"]


def test_only_the_machine_with_concurrency_results_has_layer_answers(site):
    _, data = site
    one, two = (data[layers_page.PAGE]["machines"][name] for name in NAMES)
    assert [(a["kernel"], a["launcher"]) for a in two["answers"]] == [("gaussians", "futures")]
    assert two["cores"] == 2 and list(two["layers"]) == ["omp"]
    assert one["answers"] == [] and one["status"]["notes"] == [
        f"Partial: nothing to show for this machine. {layers.NO_DATA}"
    ]


def test_every_page_shows_both_machines_with_switcher_facts_and_notes(site):
    published, data = site
    for page in PAGES.values():
        text = (published / page).read_text()
        assert text.count("<input type=radio name=ntb-machine") == 2, page
        assert "value='vm-2cpu' checked" in text, page  # current and complete: the page opens on it
        sections = {
            name: text.split(f"data-machine='{name}'>")[1].split("<section class=ntb-machine")[0] for name in NAMES
        }
        for name, section in sections.items():
            record = data[page]["machines"][name]
            facts = machines.Facts(**record["machine_facts"])
            assert f"cores <b>{facts.num_cpu}</b>" in section and f"SIMD <b>{facts.simd_text}</b>" in section
            for note in record["status"]["notes"]:
                assert f"<p class='ntb-flag ntb-machine-note'>{html.escape(note)}</p>" in section, (page, name)
        specs = json.loads(text.split('<script type="application/json" id="ntb-charts">')[1].split("</script>")[0])
        assert all(key.split("/")[0] in NAMES for key in specs), page  # each chart belongs to one machine
        assert all(f'data-chart="{key}"' in sections[key.split("/")[0]] for key in specs), page


def test_terminal_views_take_a_machine_and_list_them(capsys):
    for main in (advisor.main, layers.main, nv.main):
        assert main(["--results", str(DATA), "--list-machines"]) == 0
        out = capsys.readouterr().out
        assert [line.split(":")[0] for line in out.splitlines() if not line.startswith(" ")] == NAMES
        assert main(["--results", str(DATA), "--machine", "nope"]) == 2
        assert f"--machine 'nope': no results for it in {DATA} (machines: vm-1cpu, vm-2cpu)" in capsys.readouterr().err
    assert advisor.main(["--results", str(DATA), "--machine", "vm-1cpu"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Which mode? machine vm-1cpu") and out[0].endswith(f"commit {commit_of('vm-1cpu')[:8]}")
    assert out[1].startswith("Old results") and out[2].startswith("Partial: no kernel kde")
    assert advisor.main(["--results", str(DATA), "--machine", "vm-1cpu", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["environment"]["threads"] == 1
    assert layers.main(["--results", str(DATA), "--machine", "vm-1cpu"]) == 2
    assert nv.main(["--results", str(DATA), "--machine", "vm-2cpu"]) in (0, nv.EXIT_REGRESSION)
    assert "0.61.2 -> 0.68.1" in capsys.readouterr().out


def test_scaling_per_machine_reads_each_machine_alone():
    found = scaling.per_machine(DATA)
    assert [s.name for s in found] == NAMES
    assert all(env.machine == s.name for s in found for env in s.data)


def status(commit="a", newest="a", missing=()):
    return machines.Status(commit, newest, {"a": 0, "b": 1_764_000_000_000}, list(missing), "No data.")


def test_old_and_partial():
    assert status().notes() == [] and not (status().old or status().partial)
    assert status("a", "b").old and "the site's newest commit, b of 2025-11-24," in status("a", "b").notes()[0]
    assert status(None).notes() == ["Partial: nothing to show for this machine. No data."] and not status(None).old
    assert status(missing=["kernel kde"]).partial


@pytest.mark.skipif(not browser_available(), reason="needs /usr/bin/chromium, /usr/bin/chromedriver and selenium")
def test_the_switcher_shows_each_machines_charts_drawn_in_headless_chromium(tmp_path):
    shutil.copytree(DATA, tmp_path / "results")
    asv_run.publish(asv_run.write_config(tmp_path))
    views = ["advisor_charts", "scaling_charts", "numba_versions_charts", "layers_charts"]
    report = check_site(tmp_path / "html", only=views)
    assert not report["problems"], json.dumps(report, indent=2)
    drawn = {view: report[f"{view}_by_machine"] for view in views}
    assert drawn["advisor_charts"] == {"vm-1cpu": 1, "vm-2cpu": 2}  # one chart per kernel
    assert drawn["scaling_charts"]["vm-1cpu"] >= 2 and drawn["scaling_charts"]["vm-2cpu"] >= 4
    assert drawn["numba_versions_charts"]["vm-1cpu"] == 0 < drawn["numba_versions_charts"]["vm-2cpu"]
    assert drawn["layers_charts"] == {"vm-1cpu": 0, "vm-2cpu": 1}
