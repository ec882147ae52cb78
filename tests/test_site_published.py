"""`asv publish` with the project's plugins over the committed real results (Modes and
FirstCall of one release in tests/data/modes_results, two releases in
tests/data/numba_versions_results): every page is there, in one navigation, offline, and
every page draws its data in headless Chromium."""

import json
import re
import shutil
from pathlib import Path

import asv_run
import pytest

from ntb_site.pages import history, layout
from ntb_site.tools.browser_check import browser_available, check_site

DATA = Path(__file__).resolve().parent / "data"
PAGES = ("index.html", "layers.html", "scaling.html", "numba-versions.html", history.PAGE)
EXTERNAL_LOAD = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The published html_dir."""
    directory = tmp_path_factory.mktemp("fixture-site")
    results = directory / "results"
    for source in ("numba_versions_results", "modes_results"):  # modes_results' benchmarks.json wins
        shutil.copytree(DATA / source, results, dirs_exist_ok=True)
    asv_run.publish(asv_run.write_config(directory))
    return directory / "html"


def test_every_page_is_published_in_one_navigation(site):
    for page in PAGES:
        text = (site / page).read_text(encoding="utf-8")
        assert layout.nav_bar(page) in text, page
        assert not EXTERNAL_LOAD.findall(text), page
    assert "asv · tachyon" in (site / history.PAGE).read_text()
    legacy = (site / history.LEGACY).read_text()
    assert "vendor/jquery/jquery.min.js" in legacy and all(f'href="{href}"' in legacy for href in layout.NAV)
    for name in ("advisor.json", "layers.json", "scaling.json", "numba_versions.json", *history.EMPTY_FILES):
        json.loads((site / name).read_text())
    assert (site / "docs" / "serial-llvm15-slowdown.md").is_file()  # the write-ups the verdicts link to


def test_history_shows_commit_subjects(site):
    subjects = json.loads((site / "commits.json").read_text())
    assert subjects["87fc7ba5e97f8b4bbf2efd63479bb5aa80a11436"].startswith("ntb_site.asv_results: one reader")


def test_with_nav_adds_the_bar_to_tachyons_shell():
    shell = (history.tachyon_static() / "index.html").read_text()
    page = history.with_nav(shell)
    assert page.index('href="site/site.css"') < page.index("</head>") < page.index(layout.nav_bar(history.PAGE))
    with pytest.raises(ValueError):
        history.with_nav("<html></html>")


@pytest.mark.skipif(not browser_available(), reason="needs /usr/bin/chromium, /usr/bin/chromedriver and selenium")
def test_every_page_draws_its_data_offline_in_headless_chromium(site):
    report = check_site(site, optional=("layers_charts",))  # no concurrency results here: test_site_layers
    assert not report["problems"], json.dumps(report, indent=2)
    advisor = json.loads((site / "advisor.json").read_text())
    assert report["advisor_charts"] == len(advisor["machines"]["vm"]["kernels"])
    assert report["numba_versions_charts"] >= 2 and report["scaling_charts"] >= 2
