"""The README's pictures of a published site, taken in headless Chromium (offline, as
``ntb_site.tools.browser_check`` loads it)::

    python -m ntb_site.tools.screenshots html .github/screenshots [--benchmark gaussians.Modes.time_kernel]

Writes advisor.png (the first kernel of the landing page), scaling.png (the first kernel's
scaling), layers.png (the layer page's first answer), numba-versions.png (the
gaussians prange timeline) and numba-verdicts.png (the verdicts table, with the diagnosis of
each verdict from the compiled code), and the same benchmark's history in both UIs: history-tachyon.png
(asv-tachyon, the site's) and history-classic.png (asv's stock page), for a side-by-side
comparison.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections.abc import Sequence
from pathlib import Path

from ntb_site.tools.browser_check import chromium, serve

# file -> (page, CSS selector of the element to picture; None: the window)
SHOTS = {
    "advisor.png": ("index.html", "section.ntb-card"),
    "scaling.png": ("scaling.html", "section.ntb-card"),
    "layers.png": ("layers.html", "section.ntb-card:has(.ntb-chart)"),
    "numba-versions.png": ("numba-versions.html", '.ntb-chart[data-chart="gaussians-prange"]'),
    "numba-verdicts.png": ("numba-versions.html", "table.ntb-table"),  # the first: the verdicts
    "history-tachyon.png": ("history.html#view=explore&bench={benchmark}{tachyon_state}", None),
    "history-classic.png": ("index.legacy.html#{benchmark}", None),
}
SIZE = "1000000"  # the series of the history shots: every mode and thread count at this size
WINDOW = (1280, 1500)
SETTLE_SECONDS = 3.0


def tachyon_state(html_dir: str | Path, benchmark: str) -> str:
    """asv-tachyon's URL state that shows `benchmark` in the newest Numba release's
    environment with its series at :data:`SIZE` elements (tachyon's default is the first
    release and the first series, which the release matrix may not have measured)."""
    from packaging.version import Version

    index = json.loads((Path(html_dir) / "index.json").read_text())
    state = ""
    releases = index.get("params", {}).get("numba") or []
    if releases:
        state += f"&f-numba={max(releases, key=Version)}"
    info = index["benchmarks"].get(benchmark, {})
    names, params = info.get("param_names", []), info.get("params", [])
    if "size" in names:
        where = names.index("size")
        chosen = [i for i, combo in enumerate(itertools.product(*params)) if combo[where] == SIZE]
        state += "&params=" + ",".join(map(str, chosen)) if chosen else ""
    return state


def take(html_dir: str | Path, out_dir: str | Path, benchmark: str) -> list[Path]:
    """Write every picture of :data:`SHOTS` into `out_dir`; their paths."""
    from selenium.webdriver.common.by import By

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    state = tachyon_state(html_dir, benchmark)
    with serve(html_dir) as base, chromium() as driver:
        for name, (page, selector) in SHOTS.items():
            driver.set_window_size(*WINDOW)
            driver.get("about:blank")
            driver.get(base + page.format(benchmark=benchmark, tachyon_state=state))
            time.sleep(SETTLE_SECONDS)
            path = out_dir / name
            if selector is None:
                driver.save_screenshot(str(path))
            else:
                height = driver.execute_script("return document.documentElement.scrollHeight")
                driver.set_window_size(WINDOW[0], height)
                driver.find_element(By.CSS_SELECTOR, selector).screenshot(str(path))
            written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ntb_site.tools.screenshots", description=__doc__.split("\n")[0])
    parser.add_argument("html_dir")
    parser.add_argument("out_dir")
    parser.add_argument("--benchmark", default="gaussians.Modes.time_kernel", help="benchmark of the history shots")
    args = parser.parse_args(argv)
    for path in take(args.html_dir, args.out_dir, args.benchmark):
        print(path)


if __name__ == "__main__":
    main()
