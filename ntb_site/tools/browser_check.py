"""Load a published asv site in headless Chromium and report what is broken.

Needs Debian's ``chromium`` and ``chromium-driver`` packages and ``selenium``
from PyPI.  The site is served on 127.0.0.1 and Chromium cannot resolve any
other host name, so a page that needs the network fails the check.

In a test::

    report = check_site(html_dir)
    assert not report["problems"], report

From a shell: ``python -m ntb_site.tools.browser_check path/to/html``.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import os
import re
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    # Every host name but the local server fails to resolve: no outside network.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
)


def browser_available() -> bool:
    """Return True if Chromium, chromedriver and selenium are all installed."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        return False
    return os.access(CHROMIUM, os.X_OK) and os.access(CHROMEDRIVER, os.X_OK)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        """Keep the test output clean."""


@contextlib.contextmanager
def serve(directory: str | Path) -> Iterator[str]:
    """Serve ``directory`` on a free 127.0.0.1 port; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextlib.contextmanager
def chromium() -> Iterator[Any]:
    """Start headless Chromium via chromedriver with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def _wait(driver: Any, script: str, timeout: float) -> Any:
    """Poll a JS expression until it is truthy; return its last value."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    with contextlib.suppress(TimeoutException):
        WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))
    return driver.execute_script(script)


def _requested_urls(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


# Report key -> (page and fragment, CSS selector that must match at least once): every page of
# the site. "{benchmark}" is a benchmark with a published graph.
VIEWS = {
    "advisor_charts": ("index.html", ".ntb-chart[data-drawn]"),
    "scaling_charts": ("scaling.html", ".ntb-chart[data-drawn]"),
    "numba_versions_charts": ("numba-versions.html", ".ntb-chart[data-drawn]"),
    "layers_charts": ("layers.html", ".ntb-chart[data-drawn]"),
    "history_cards": ("history.html", ".card"),
    "history_graph": ("history.html#view=explore&bench={benchmark}", ".uplot canvas"),
    "legacy_grid_tiles": ("index.legacy.html#/", "#summarygrid-display .benchmark-container"),
    "legacy_list_rows": ("index.legacy.html#/summarylist", "#summarylist-body tbody tr"),
    "legacy_regressions_blocks": ("index.legacy.html#/regressions", "#regressions-body > *"),
    "legacy_graph_canvases": ("index.legacy.html#{benchmark}", "#main-graph canvas.flot-base"),
    "docs_index": ("docs/index.html", ".ntb-main h1 + *, .ntb-main h2"),
}
# The rendered docs (ntb_site.pages.docs_page), reached from the navigation bar's "Docs": a page
# has drawn when its navigation bar, its title and some text are there and the site's
# stylesheet is applied (the bar laid out as flex).
DOCS_NAV = "return [...document.querySelectorAll('.ntb-links a')].find(a => a.textContent === 'Docs')?.href || ''"
DOCS_LINKS = """
const here = new URL('.', location.href).href;
return [...new Set([...document.querySelectorAll('.ntb-main a[href]')]
  .map(a => a.href.split('#')[0]).filter(h => h.startsWith(here) && h.endsWith('.html')))];
"""
DOC_DRAWN = """
const nav = document.querySelector('.ntb-nav');
const title = document.querySelector('.ntb-main h1');
return !!(nav && getComputedStyle(nav).display === 'flex' && title && title.textContent.trim()
  && document.querySelector('.ntb-main').textContent.length > title.textContent.length
  && nav.querySelector('a.active')?.textContent === 'Docs');
"""
# On the project's pages every chart must be drawn, with at least one point.
UNDRAWN_CHARTS = "return [...document.querySelectorAll('.ntb-chart')].filter(e => !(+e.dataset.drawn > 0)).length"
# The machines of a page's switcher (ntb_site.pages.machines), and picking one: the number of
# drawn charts in view, or -1 where its section is not the only one shown.
MACHINES = "return [...document.querySelectorAll('.ntb-switcher input')].map(i => i.value)"
PICK_MACHINE = """
const input = [...document.querySelectorAll('.ntb-switcher input')].find(i => i.value === arguments[0]);
input.click();
const shown = [...document.querySelectorAll('section.ntb-machine')].filter(s => s.offsetParent !== null);
if (shown.length !== 1 || shown[0].dataset.machine !== arguments[0]) return -1;
return [...shown[0].querySelectorAll('.ntb-chart[data-drawn]')].filter(e => e.offsetWidth > 0).length;
"""


def machine_charts(driver: Any) -> dict[str, int]:
    """Per machine of the page's switcher (none: empty), the charts drawn and in view once it
    is picked; -1 where picking it does not show its section alone."""
    return {name: driver.execute_script(PICK_MACHINE, name) for name in driver.execute_script(MACHINES)}


def drawn_benchmark(html_dir: Path) -> str:
    """The first benchmark of index.json with a graph file that has a number to draw."""
    index = json.loads((html_dir / "index.json").read_text())
    for name in index["benchmarks"]:
        for graph in html_dir.glob(f"graphs/**/{name}.json"):
            values = [value for _, value in json.loads(graph.read_text())]
            if any(v is not None for value in values for v in (value if isinstance(value, list) else [value])):
                return name
    return ""


def _unmeasured_graph(message: str) -> bool:
    """A 404 of a graph file: both UIs ask for the graph of every combination of the
    environments and benchmarks they show, also those never measured together."""
    return bool(re.search(r"/graphs/\S*\.json\S* - Failed to load resource: .* 404", message))


def docs_pages(driver: Any, base: str, html_dir: Path, timeout: float) -> dict[str, Any]:
    """Follow the navigation bar's "Docs" from the landing page, then every docs page the
    docs' index links, and every page under ``docs/`` besides: ``{"entry": the Docs href,
    "drawn": [pages], "undrawn": [pages], "unlinked": [pages under docs/ the index does not
    link]}`` (pages as paths from the site's root)."""
    driver.get("about:blank")
    driver.get(base + "index.html")
    entry = _wait(driver, DOCS_NAV, timeout)
    found: dict[str, Any] = {"entry": entry.removeprefix(base), "drawn": [], "undrawn": [], "unlinked": []}
    if not entry:
        return found
    driver.get(entry)
    linked = {entry, *_wait(driver, DOCS_LINKS, timeout)}
    on_disk = {base + p.relative_to(html_dir).as_posix() for p in sorted((html_dir / "docs").glob("*.html"))}
    found["unlinked"] = sorted(url.removeprefix(base) for url in on_disk - linked)
    for url in sorted(linked | on_disk):
        driver.get("about:blank")
        driver.get(url)
        found["drawn" if _wait(driver, DOC_DRAWN, timeout) else "undrawn"].append(url.removeprefix(base))
    return found


def check_site(
    html_dir: str | Path, optional: Sequence[str] = (), timeout: float = 15.0, only: Sequence[str] = ()
) -> dict[str, Any]:
    """Load every page of the site in headless Chromium and check it works offline.

    Visits each of :data:`VIEWS` (those named in `only`, when given; graph views for
    :func:`drawn_benchmark`), counts what the selector matches and, on the project's pages,
    the charts left undrawn; on a page with a machine switcher, picks each machine in turn
    (:func:`machine_charts`, reported as ``"<view>_by_machine"``). Then (unless `only` leaves
    out ``"docs_pages"``) every page of the docs, from the navigation bar's "Docs"
    (:func:`docs_pages`). Returns a report whose ``"problems"`` list (console errors, requests
    off the local server, empty views except those named in `optional`, undrawn charts, a
    machine not shown alone once picked, a docs page that did not draw or that the docs'
    index does not link) is empty when the site is fine.
    404s of graph files are no problem (:func:`_unmeasured_graph`).
    """
    html_dir = Path(html_dir)
    benchmark = drawn_benchmark(html_dir)
    report: dict[str, Any] = {"benchmark": benchmark}
    problems = []
    with serve(html_dir) as base, chromium() as driver:
        for key, (page, selector) in VIEWS.items():
            if only and key not in only:
                continue
            url = base + page.format(benchmark=quote(benchmark))
            driver.get("about:blank")  # a new fragment alone would not reload the page
            driver.get(url)
            count = _wait(driver, f"return document.querySelectorAll({selector!r}).length", timeout)
            report[key] = count
            if not count and key not in optional:
                problems.append(f"nothing matches {selector!r} at {url}")
            undrawn = driver.execute_script(UNDRAWN_CHARTS)
            if undrawn:
                problems.append(f"{undrawn} chart(s) without data drawn at {url}")
            if picked := machine_charts(driver):
                report[f"{key}_by_machine"] = picked
                hidden = [name for name, count in picked.items() if count < 0]
                problems += [f"picking machine {name!r} does not show it alone at {url}" for name in hidden]
        if not only or "docs_pages" in only:
            docs = report["docs_pages"] = docs_pages(driver, base, html_dir, timeout)
            if not docs["entry"]:
                problems.append("no Docs entry in the navigation bar of index.html")
            elif not docs["drawn"] and "docs_pages" not in optional:
                problems.append(f"no docs page drew from {docs['entry']}")
            problems += [f"docs page did not draw: {page}" for page in docs["undrawn"]]
            problems += [f"docs page not linked from {docs['entry']}: {page}" for page in docs["unlinked"]]
        report["console_errors"] = [
            entry["message"]
            for entry in driver.get_log("browser")
            if entry["level"] == "SEVERE" and not _unmeasured_graph(entry["message"])
        ]
        report["external_requests"] = sorted(
            url
            for url in set(_requested_urls(driver))
            if url.startswith(("http:", "https:", "ws:", "wss:")) and not url.startswith(base)
        )
    problems += [f"console error: {message}" for message in report["console_errors"]]
    problems += [f"request off the site: {url}" for url in report["external_requests"]]
    report["problems"] = problems
    return report


if __name__ == "__main__":
    result = check_site(sys.argv[1])
    print(json.dumps(result, indent=2))
    sys.exit(1 if result["problems"] else 0)
