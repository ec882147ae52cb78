"""The page shell of the project's pages: one navigation bar, one style, one charting layer.

    write_page(html_dir, "scaling.html", "Scaling", body_html, charts={"kde": chart.as_json()})

writes a complete offline page: the navigation bar (:data:`NAV`, also injected into the history
UI by ``ntb_site.pages.history``), the site's stylesheet, and the chart specs as JSON for
``site/charts.js``, which draws each ``<div class="ntb-chart" data-chart="ID">`` (see
:func:`chart_slot`) with the vendored uPlot, and ``site/machines.js`` runs the machine switcher
(``ntb_site.pages.machines``). Where asv-tachyon's stylesheet is installed
(``assets/index-*.css``) the page links it too, for its fonts and theme. Nothing is loaded
from another host.
"""

from __future__ import annotations

import html
import json
import shutil
from collections.abc import Collection
from pathlib import Path
from typing import Any

STATIC = Path(__file__).with_name("static")
# href -> label, in the order of the navigation bar.
NAV = {
    "index.html": "Which mode?",
    "layers.html": "Which layer?",
    "history.html": "History",
    "scaling.html": "Scaling",
    "numba-versions.html": "Numba versions",
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


def nav_bar(active: str | None = None) -> str:
    """The navigation bar of every page; `active` is the href of the current page."""
    links = "".join(
        f'<a href="{href}"{" class=active" if href == active else ""}>{html.escape(label)}</a>'
        for href, label in NAV.items()
    )
    return (
        '<nav class="ntb-nav"><a class="ntb-brand" href="index.html">numba-threading-bench</a>'
        f'<span class="ntb-links">{links}</span></nav>'
    )


def chart_slot(chart_id: str) -> str:
    """Where the chart with spec `chart_id` is drawn."""
    return f'<div class="ntb-chart" data-chart="{html.escape(chart_id)}"></div>'


def stylesheet_links(html_dir: str | Path) -> str:
    """``<link>`` tags of tachyon's stylesheet (where installed) and the site's own."""
    tachyon = sorted(p.relative_to(html_dir).as_posix() for p in Path(html_dir).glob(TACHYON_STYLESHEET))
    return "".join(f'<link rel="stylesheet" href="{href}">' for href in [*tachyon[:1], *STYLESHEETS])


def render_page(title: str, body: str, *, active: str, stylesheets: str, charts: dict[str, Any] | None = None) -> str:
    """A complete page: `body` is trusted HTML, `charts` maps chart ids to specs."""
    specs = json.dumps(charts or {}, allow_nan=False).replace("</", "<\\/")
    scripts = "".join(f'<script src="{src}"></script>' for src in SCRIPTS)
    return f"""<!doctype html>
<html lang="en" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} · numba-threading-bench</title>
<link rel="icon" href="swallow.ico">
{stylesheets}
{scripts}
</head>
<body class="ntb-page">
{nav_bar(active)}
<main class="ntb-main">
<h1>{html.escape(title)}</h1>
{body}
</main>
<script type="application/json" id="ntb-charts">{specs}</script>
</body>
</html>
"""


def write_page(
    html_dir: str | Path, filename: str, title: str, body: str, charts: dict[str, Any] | None = None
) -> Path:
    """Write the page to ``html_dir/filename`` with the assets it needs; return its path."""
    copy_assets(html_dir)
    path = Path(html_dir) / filename
    path.write_text(
        render_page(title, body, active=filename, stylesheets=stylesheet_links(html_dir), charts=charts),
        encoding="utf-8",
    )
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
