"""The page shell of the project's pages: one navigation bar, one style, one charting layer.

    write_page(html_dir, "scaling.html", "Scaling", body_html, charts={"kde": chart.as_json()})

writes a complete offline page: the navigation bar (:data:`NAV`, also injected into the history
UI by ``ntb_site.pages.history`` and into the classic UI by ``ntb_site.pages.offline``), the
site's stylesheet, and the chart specs as JSON for
``site/charts.js``, which draws each ``<div class="ntb-chart" data-chart="ID">`` (see
:func:`chart_slot`) with the vendored uPlot, and ``site/machines.js`` runs the machine switcher
(``ntb_site.pages.machines``). Where asv-tachyon's stylesheet is installed
(``assets/index-*.css``) the page links it too, for its fonts and theme. Nothing is loaded
from another host.

A page in a folder of the site (``write_page(html_dir, "docs/method.html", ...)``, the rendered
``docs/`` of ``ntb_site.pages.docs_page``) gets every link of its shell relative to its own
depth (:func:`root_of`), so the same shell works at every level.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

STATIC = Path(__file__).with_name("static")
# href (relative to the site's root) -> label, in the order of the navigation bar.
NAV = {
    "index.html": "Which mode?",
    "layers.html": "Which layer?",
    "history.html": "History",
    "scaling.html": "Scaling",
    "numba-versions.html": "Numba versions",
    "docs/index.html": "Docs",
    "index.legacy.html": "Classic asv UI",
}
ASSETS = ("site", "vendor/uplot")
STYLESHEETS = ("vendor/uplot/uPlot.min.css", "site/site.css")
SCRIPTS = ("vendor/uplot/uPlot.iife.min.js", "site/charts.js", "site/machines.js")
TACHYON_STYLESHEET = "assets/index-*.css"


def copy_assets(html_dir: str | Path) -> None:
    """Copy the site's stylesheet, charting layer and uPlot into `html_dir` (idempotent)."""
    for asset in ASSETS:
        shutil.copytree(STATIC / asset, Path(html_dir) / asset, dirs_exist_ok=True)


def root_of(filename: str) -> str:
    """The relative path from the page at `filename` (relative to the site's root, ``/``
    separated) back to the root: ``""`` for ``index.html``, ``"../"`` for ``docs/index.html``."""
    return "../" * filename.count("/")


def nav_bar(active: str | None = None, root: str = "") -> str:
    """The navigation bar of every page; `active` is the href (relative to the site's root) of
    the entry to highlight, `root` the path from the page back to the site's root
    (:func:`root_of`), put before every href."""
    links = "".join(
        f'<a href="{html.escape(root + href)}"{" class=active" if href == active else ""}>{html.escape(label)}</a>'
        for href, label in NAV.items()
    )
    return (
        f'<nav class="ntb-nav"><a class="ntb-brand" href="{html.escape(root)}index.html">numba-threading-bench</a>'
        f'<span class="ntb-links">{links}</span></nav>'
    )


def chart_slot(chart_id: str) -> str:
    """Where the chart with spec `chart_id` is drawn."""
    return f'<div class="ntb-chart" data-chart="{html.escape(chart_id)}"></div>'


def stylesheet_links(html_dir: str | Path, root: str = "") -> str:
    """``<link>`` tags of tachyon's stylesheet (where installed) and the site's own, for a page
    `root` away from the site's root (:func:`root_of`)."""
    tachyon = sorted(p.relative_to(html_dir).as_posix() for p in Path(html_dir).glob(TACHYON_STYLESHEET))
    return "".join(f'<link rel="stylesheet" href="{root}{href}">' for href in [*tachyon[:1], *STYLESHEETS])


def render_page(
    title: str,
    body: str,
    *,
    active: str,
    stylesheets: str,
    charts: dict[str, Any] | None = None,
    root: str = "",
) -> str:
    """A complete page: `body` is trusted HTML, `charts` maps chart ids to specs; `root` is the
    path from the page back to the site's root (:func:`root_of`; `stylesheets` already
    relative to the page, see :func:`stylesheet_links`)."""
    specs = json.dumps(charts or {}, allow_nan=False).replace("</", "<\\/")
    scripts = "".join(f'<script src="{root}{src}"></script>' for src in SCRIPTS)
    return f"""<!doctype html>
<html lang="en" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · numba-threading-bench</title>
<link rel="icon" href="{root}swallow.ico">
{stylesheets}
{scripts}
</head>
<body class="ntb-page">
{nav_bar(active, root)}
<main class="ntb-main">
<h1>{html.escape(title)}</h1>
{body}
</main>
<script type="application/json" id="ntb-charts">{specs}</script>
</body>
</html>
"""


def write_page(
    html_dir: str | Path,
    filename: str,
    title: str,
    body: str,
    charts: dict[str, Any] | None = None,
    *,
    active: str | None = None,
) -> Path:
    """Write the page to ``html_dir/filename`` (``/``-separated, may name a folder, e.g.
    ``docs/method.html``) with the assets it needs; return its path. The navigation bar
    highlights `active` (default: `filename`)."""
    copy_assets(html_dir)
    root = root_of(filename)
    path = Path(html_dir) / filename
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_page(
        title,
        body,
        active=filename if active is None else active,
        stylesheets=stylesheet_links(html_dir, root),
        charts=charts,
        root=root,
    )
    path.write_text(page, encoding="utf-8")
    return path


def table(
    header: list[str], rows: list[list[str]], row_classes: list[str] | None = None, numeric: Collection[int] = ()
) -> str:
    """An HTML table; cells are trusted HTML (escape text before), the columns at the
    indexes in `numeric` right-aligned."""

    def cell(column: int, text: str) -> str:
        return f'<td class="num">{text}</td>' if column in numeric else f"<td>{text}</td>"

    classes = row_classes or [""] * len(rows)
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        f"<tr{f' class={cls}' if cls else ''}>{''.join(cell(i, text) for i, text in enumerate(row))}</tr>"
        for row, cls in zip(rows, classes, strict=True)
    )
    return f'<table class="ntb-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
