"""asv publisher plugin that makes the published site work without a network.

Stock ``asv publish`` writes an ``index.html`` that loads jQuery, flot,
Bootstrap and friends from CDNs.  :class:`OfflineSite` copies pinned copies of
those libraries (vendored from npm, see ``static/VENDORED.txt``) into
``html/vendor/`` and points ``index.html`` at them.

Enable it in ``asv.conf.json`` (the leading dot makes asv import it from the
current directory, i.e. the repository root)::

    "plugins": [".ntb_site.offline"]

Other publishers can add pages that share the navigation bar::

    from ntb_site.offline import register_nav_link, write_page

    register_nav_link("scaling.html", "Scaling")

    class Scaling(OutputPublisher):
        @classmethod
        def publish(cls, conf, repo, benchmarks, graphs, revisions):
            write_page(conf.html_dir, "scaling.html", "Scaling", "<p>...</p>")
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

from asv.publishing import OutputPublisher

VENDOR_DIR = Path(__file__).with_name("static") / "vendor"
BOOTSTRAP_CSS = "vendor/bootstrap/css/bootstrap.min.css"

_CDNJS = "https://cdnjs.cloudflare.com/ajax/libs/"
_JSDELIVR = "https://cdn.jsdelivr.net/npm/"
# CDN URLs used by asv 0.6.6's www/index.html -> local copy under html_dir.
CDN_TO_LOCAL = {
    "https://code.jquery.com/jquery-3.3.1.min.js": "vendor/jquery/jquery.min.js",
    _CDNJS + "flot/0.8.3/jquery.flot.min.js": "vendor/flot/jquery.flot.js",
    _CDNJS + "flot/0.8.3/jquery.flot.time.min.js": "vendor/flot/jquery.flot.time.js",
    _CDNJS + "flot/0.8.3/jquery.flot.selection.min.js": "vendor/flot/jquery.flot.selection.js",
    _CDNJS + "flot/0.8.3/jquery.flot.categories.min.js": "vendor/flot/jquery.flot.categories.js",
    _JSDELIVR + "flot-orderbars@1.0.0/js/jquery.flot.orderBars.js": "vendor/flot-orderbars/jquery.flot.orderBars.js",
    _CDNJS + "stupidtable/1.0.1/stupidtable.min.js": "vendor/stupid-table-plugin/stupidtable.min.js",
    _CDNJS + "blueimp-md5/2.19.0/js/md5.min.js": "vendor/blueimp-md5/md5.min.js",
    _JSDELIVR + "bootstrap@3.1.1/dist/js/bootstrap.min.js": "vendor/bootstrap/js/bootstrap.min.js",
    _JSDELIVR + "bootstrap@3.1.1/dist/css/bootstrap.min.css": BOOTSTRAP_CSS,
}

_EXTERNAL_SCRIPT = re.compile(r'<script\b[^>]*\bsrc="(https?://[^"]+)"[^>]*>\s*</script>')
_EXTERNAL_STYLESHEET = re.compile(r'<link\b[^>]*\bhref="(https?://[^"]+)"[^>]*>')
# Extra links go just before the stock item that shows the benchmark title.
_NAV_ANCHOR = '<li id="nav-li-graphdisplay">'

_nav_links: dict[str, str] = {}


def register_nav_link(href: str, label: str) -> None:
    """Add a link (relative to html_dir) to the navigation bar of every page.

    Call at import time of the plugin module that writes the page, so the link
    is known before any publisher runs.
    """
    _nav_links[href] = label


def _nav_item(href: str, label: str, *, active: bool = False) -> str:
    cls = ' class="active"' if active else ""
    return f'<li{cls}><a href="{html.escape(href)}">{html.escape(label)}</a></li>'


def localize_index(text: str) -> str:
    """Return index.html text with CDN assets replaced by vendored copies.

    Also adds the registered navigation links.  Raises ``ValueError`` on an
    external asset it has no local copy for (e.g. after an asv upgrade).
    Applying it twice gives the same result.
    """

    def script(match: re.Match[str]) -> str:
        return f'<script src="{_local(match[1])}"></script>'

    def stylesheet(match: re.Match[str]) -> str:
        return f'<link rel="stylesheet" href="{_local(match[1])}">'

    text = _EXTERNAL_SCRIPT.sub(script, text)
    text = _EXTERNAL_STYLESHEET.sub(stylesheet, text)
    missing = [
        _nav_item(href, label) for href, label in _nav_links.items() if f'href="{html.escape(href)}"' not in text
    ]
    if missing:
        if _NAV_ANCHOR not in text:
            raise ValueError(f"no {_NAV_ANCHOR!r} in index.html to add nav links to")
        text = text.replace(_NAV_ANCHOR, "\n".join([*missing, _NAV_ANCHOR]), 1)
    return text


def _local(url: str) -> str:
    try:
        return CDN_TO_LOCAL[url]
    except KeyError:
        raise ValueError(f"no vendored copy of external asset {url}") from None


def render_page(title: str, body: str, active: str | None = None) -> str:
    """Return a complete offline HTML page with the site's navigation bar.

    ``body`` is trusted HTML; ``active`` is the href of the current page.
    The page must live directly in html_dir (links are relative to it).
    """
    extra = "\n        ".join(_nav_item(h, lbl, active=h == active) for h, lbl in _nav_links.items())
    return f"""<!doctype html>
<html>
  <head>
    <meta charset="utf-8">
    <title>{html.escape(title)}</title>
    <link rel="stylesheet" href="{BOOTSTRAP_CSS}">
    <link rel="shortcut icon" href="swallow.ico">
  </head>
  <body style="padding-top: 60px">
    <nav class="navbar navbar-default navbar-fixed-top" role="navigation">
      <ul class="nav navbar-nav navbar-left">
        <li><a href="index.html#/">Benchmark grid</a></li>
        <li><a href="index.html#/summarylist">Benchmark list</a></li>
        <li><a href="index.html#/regressions">Regressions</a></li>
        {extra}
      </ul>
    </nav>
    <div class="container-fluid">
      <h1>{html.escape(title)}</h1>
      {body}
    </div>
  </body>
</html>
"""


def write_page(html_dir: str | Path, filename: str, title: str, body: str) -> Path:
    """Write ``render_page(title, body)`` to ``html_dir/filename``; return its path."""
    path = Path(html_dir) / filename
    path.write_text(render_page(title, body, active=filename), encoding="utf-8")
    return path


def make_offline(html_dir: str | Path) -> None:
    """Copy vendored assets into html_dir and rewrite its index.html (idempotent)."""
    html_dir = Path(html_dir)
    shutil.copytree(VENDOR_DIR, html_dir / "vendor", dirs_exist_ok=True)
    index = html_dir / "index.html"
    index.write_text(localize_index(index.read_text(encoding="utf-8")), encoding="utf-8")


class OfflineSite(OutputPublisher):
    """Run by ``asv publish``: make html_dir self-contained."""

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Vendor the assets into ``conf.html_dir`` and rewrite its index.html."""
        make_offline(conf.html_dir)
