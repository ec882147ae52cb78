"""asv publisher plugin that makes asv's stock page work without a network.

Stock ``asv publish`` writes an ``index.html`` that loads jQuery, flot,
Bootstrap and friends from CDNs.  :class:`OfflineSite` copies pinned copies of
those libraries (vendored from npm, see ``static/VENDORED.txt``) into
``html/vendor/`` and points ``index.html`` at them, and adds the site's pages
(``ntb_site.pages.layout.NAV``) to its navigation bar.  ``ntb_site.pages.history`` then
moves that page to ``index.legacy.html`` (the "Classic asv UI").

Enable it in ``asv.conf.json`` (the leading dot makes asv import it from the
current directory, i.e. the repository root)::

    "plugins": [".ntb_site.pages.offline"]
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path
from typing import Any

from asv.publishing import OutputPublisher

from ntb_site.pages import layout

VENDOR_DIR = Path(__file__).with_name("static") / "vendor"

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
    _JSDELIVR + "bootstrap@3.1.1/dist/css/bootstrap.min.css": "vendor/bootstrap/css/bootstrap.min.css",
}

_EXTERNAL_SCRIPT = re.compile(r'<script\b[^>]*\bsrc="(https?://[^"]+)"[^>]*>\s*</script>')
_EXTERNAL_STYLESHEET = re.compile(r'<link\b[^>]*\bhref="(https?://[^"]+)"[^>]*>')
# Extra links go just before the stock item that shows the benchmark title.
_NAV_ANCHOR = '<li id="nav-li-graphdisplay">'


def _nav_item(href: str, label: str) -> str:
    return f'<li><a href="{html.escape(href)}">{html.escape(label)}</a></li>'


def localize_index(text: str) -> str:
    """Return index.html text with CDN assets replaced by vendored copies.

    Also adds the site's navigation links.  Raises ``ValueError`` on an
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
        _nav_item(href, label) for href, label in layout.NAV.items() if f'href="{html.escape(href)}"' not in text
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


def make_offline(html_dir: str | Path) -> None:
    """Copy vendored assets into html_dir and rewrite its index.html (idempotent)."""
    html_dir = Path(html_dir)
    shutil.copytree(VENDOR_DIR, html_dir / "vendor", dirs_exist_ok=True)
    index = html_dir / "index.html"
    index.write_text(localize_index(index.read_text(encoding="utf-8")), encoding="utf-8")


class OfflineSite(OutputPublisher):
    """Run by ``asv publish``: make html_dir self-contained."""

    order = 10

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Vendor the assets into ``conf.html_dir`` and rewrite its index.html."""
        make_offline(conf.html_dir)
