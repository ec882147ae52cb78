"""The site `asv publish` built from the session's quick run (`quick_site`) works offline:
every page, the history UI (asv-tachyon), the classic asv UI (vendored, index.legacy.html) and
the rendered docs (docs/*.html, reached from the navigation bar's "Docs").

The browser test needs Debian's chromium + chromium-driver and selenium; .ci/run
installs them, so CI runs it. The other checks need no browser.
"""

import html
import json
import re
import urllib.request
from urllib.parse import urlsplit

import pytest

from ntb_site.answers import writeups
from ntb_site.answers.numba_versions import NO_DATA
from ntb_site.pages import docs_page, history
from ntb_site.pages.offline import CDN_TO_LOCAL, VENDOR_DIR
from ntb_site.tools.browser_check import browser_available, check_site, serve

CDN_HOSTS = sorted({urlsplit(url).netloc for url in CDN_TO_LOCAL})
# A script, stylesheet or image that the browser would fetch from another host.
EXTERNAL_LOAD = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)


@pytest.mark.skipif(not browser_available(), reason="needs /usr/bin/chromium, /usr/bin/chromedriver and selenium")
def test_site_works_in_headless_chromium(quick_site):
    # one Numba release only: the Numba-versions page says so instead of drawing
    report = check_site(quick_site.html_dir, optional=["numba_versions_charts"])
    assert not report["problems"], json.dumps(report, indent=2)
    assert html.escape(NO_DATA) in (quick_site.html_dir / "numba-versions.html").read_text(encoding="utf-8")
    index = json.loads((quick_site.html_dir / "index.json").read_text(encoding="utf-8"))
    assert report["legacy_grid_tiles"] == len(index["benchmarks"]), report
    assert report["legacy_list_rows"] >= len(index["benchmarks"]), report
    assert report["legacy_graph_canvases"] >= 1 and report["history_graph"] >= 1, report
    assert report["advisor_charts"] >= 3 and report["scaling_charts"] >= 3, report
    # the navigation bar's "Docs" leads to every rendered page of docs/, each drawn offline
    docs = report["docs_pages"]
    assert docs["entry"] == docs_page.INDEX and not docs["undrawn"] and not docs["unlinked"], docs
    assert set(docs["drawn"]) == {f"{docs_page.OUT}/{p.stem}.html" for p in docs_page.pages()} | {
        w.page for w in writeups.WRITEUPS
    }, docs


def test_classic_page_loads_nothing_from_a_cdn(quick_site):
    text = (quick_site.html_dir / history.LEGACY).read_text(encoding="utf-8")
    assert not EXTERNAL_LOAD.findall(text)
    assert not [host for host in CDN_HOSTS if host in text]


def test_vendored_files_are_served(quick_site):
    text = (quick_site.html_dir / history.LEGACY).read_text(encoding="utf-8")
    with serve(quick_site.html_dir) as base:
        for local in sorted(set(CDN_TO_LOCAL.values())):
            assert f'"{local}"' in text, f"{history.LEGACY} does not load {local}"
            with urllib.request.urlopen(base + local, timeout=10) as response:
                assert response.status == 200
                assert response.read() == (VENDOR_DIR / local.removeprefix("vendor/")).read_bytes(), local
