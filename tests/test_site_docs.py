"""The docs (docs/*.md) rendered as pages of the site (ntb_site.pages.docs_page): every page is
there with the site's navigation, every relative link resolves, nothing loads from another host."""

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from ntb_site.answers import writeups
from ntb_site.pages import docs_page, history, layout

ROOT = Path(__file__).resolve().parents[1]
URL = docs_page.project_url()
# A script, stylesheet or image that the browser would fetch from another host.
EXTERNAL_LOAD = re.compile(r"<(?:script|link|img)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)
LINK = re.compile(r"""\b(href|src)=["']([^"']*)["']""")
# Pages of the site that other publishers write (asv itself: swallow.ico).
OTHER_PUBLISHERS = {href for href in layout.NAV if not href.startswith("docs/")} | {"swallow.ico"}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """An html_dir with every page of docs/ rendered into it."""
    html_dir = tmp_path_factory.mktemp("docs-site") / "html"
    docs_page.publish(html_dir)
    return html_dir


def links(page: Path) -> list[tuple[str, str]]:
    """(attribute, address) of every href and src of a page."""
    return [(attr, html.unescape(value)) for attr, value in LINK.findall(page.read_text(encoding="utf-8"))]


def ids(page: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page.read_text(encoding="utf-8")))


def broken_links(html_dir: Path, page: Path, allowed: set[str] = frozenset()) -> list[str]:
    """The relative links of `page` that name no file under `html_dir` (or a missing #id of a
    page), except the site paths in `allowed`."""
    broken = []
    for _, address in links(page):
        parts = urlsplit(address)
        if parts.scheme or parts.netloc:
            continue
        target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
        root = html_dir.resolve()
        if target.is_relative_to(root) and target.relative_to(root).as_posix() in allowed:
            continue
        if not target.is_file():
            broken.append(address)
        elif parts.fragment and target.suffix == ".html" and parts.fragment not in ids(target):
            broken.append(address)
    return broken


def test_every_docs_page_is_rendered_with_the_sites_navigation(site):
    sources = docs_page.pages()
    assert {p.stem for p in sources} >= {
        "index", "method", "suite", "releases", "layers", "why", "dask", "workflows", "figures",
    }  # fmt: skip
    for source in sources:
        page = site / "docs" / f"{source.stem}.html"
        text = page.read_text(encoding="utf-8")
        assert layout.nav_bar(docs_page.INDEX, "../") in text, page
        assert 'href="../site/site.css"' in text and '<script src="../site/charts.js">' in text, page
        title = docs_page.split_title(source.read_text(encoding="utf-8"), source.stem)[0]
        assert f"<h1>{html.escape(title)}</h1>" in text, page


def test_the_navigation_bar_of_a_page_in_a_folder_points_back_to_the_root():
    bar = layout.nav_bar("docs/index.html", layout.root_of("docs/method.html"))
    assert 'href="../index.html"' in bar and 'href="../docs/index.html" class=active' in bar
    assert layout.nav_bar("index.html") == layout.nav_bar("index.html", layout.root_of("index.html"))
    assert 'href="docs/index.html"' in layout.nav_bar("index.html") and layout.NAV["docs/index.html"] == "Docs"
    # the history UI (at the site's root) gets the same bar, so its "Docs" resolves too
    shell = (history.tachyon_static() / "index.html").read_text(encoding="utf-8")
    assert layout.nav_bar(history.PAGE) in history.with_nav(shell) and "<base" not in shell


def test_every_relative_link_resolves(site):
    pages = sorted((site / "docs").glob("*.html"))
    assert pages
    broken = {page.name: found for page in pages if (found := broken_links(site, page, OTHER_PUBLISHERS))}
    assert not broken


def test_nothing_is_loaded_from_another_host(site):
    for page in sorted((site / "docs").glob("*.html")):
        text = page.read_text(encoding="utf-8")
        assert not EXTERNAL_LOAD.findall(text), page
        for attr, address in links(page):
            if urlsplit(address).scheme:  # an address elsewhere: only a link to follow, to the project's repository
                assert attr == "href" and f'<a href="{html.escape(address)}"' in text, (page, address)
        assert not re.search(r'href="[^":]*\.md(#[^"]*)?"', text), page  # every .md link rewritten


def test_links_are_rewritten_for_the_site():
    links = docs_page.Links("figures.md", URL)
    assert links.href("method.md#rounds") == "method.html#rounds"
    assert links.href("./why.md") == "why.html"
    assert links.href("#the-main-job") == "#the-main-job"
    assert links.href("https://asv.readthedocs.io") == "https://asv.readthedocs.io"
    assert links.href("../README.md") == f"{URL}/blob/main/README.md"
    assert links.href("monte_carlo_slowdown.py#L3") == f"{URL}/blob/main/docs/monte_carlo_slowdown.py#L3"
    assert links.href("../benchmarks") == f"{URL}/tree/main/benchmarks"
    assert links.href("..") == URL + "/tree/main"
    assert links.href("../../elsewhere.md") is None
    assert links.src("../.github/screenshots/layers.png") == "files/github-screenshots-layers.png"
    assert links.src("https://example.org/a.png") is None and links.src("../missing.png") is None
    assert links.images == {"github-screenshots-layers.png": ROOT / ".github/screenshots/layers.png"}


def test_rendering_drops_what_cannot_work_offline(tmp_path):
    docs = tmp_path / "repo" / "docs"
    docs.mkdir(parents=True)
    (tmp_path / "repo" / "picture.png").write_bytes(b"\x89PNG")
    (docs / "page.md").write_text(
        "# A `code` title\n\n[out](../../outside.md) ![far](https://example.org/x.png) ![near](../picture.png)\n\n"
        "| a | b |\n|---|--:|\n| x | 1 |\n",
        encoding="utf-8",
    )
    (written,) = docs_page.publish(tmp_path / "html", URL, docs=docs)
    text = written.read_text(encoding="utf-8")
    assert "<title>A code title · numba-threading-bench</title>" in text
    assert "<span>out</span>" in text and "<span>far</span>" in text and "example.org" not in text
    assert '<img alt="near" src="files/picture.png"' in text
    assert (tmp_path / "html" / "docs" / "files" / "picture.png").read_bytes() == b"\x89PNG"
    assert '<table class="ntb-table">' in text and '<td class="num">1</td>' in text


def test_the_index_lists_every_page():
    index = (docs_page.DOCS / "index.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(([\w.-]+\.md)(?:#[^)]*)?\)", index))
    assert {p.name for p in docs_page.pages()} - {"index.md"} <= linked


def test_writeups_link_their_rendered_pages(tmp_path):
    docs_page.publish_writeups(tmp_path)
    for writeup in writeups.WRITEUPS:
        href = writeup.as_json()["href"]
        assert href == writeup.page and href.endswith(".html")
        text = (tmp_path / href).read_text(encoding="utf-8")
        assert layout.nav_bar(docs_page.INDEX, "../") in text
        assert (tmp_path / "docs" / writeup.doc).is_file()  # the Markdown source beside it


def test_published_site_has_the_docs_and_every_link_resolves(quick_site):
    """In the site `asv publish` wrote with the project's plugins, no exception: every page the
    docs link is there, and so is every write-up a verdict can link."""
    html_dir = quick_site.html_dir
    pages = sorted((html_dir / "docs").glob("*.html"))
    assert {p.stem for p in pages} >= {p.stem for p in docs_page.pages()}
    broken = {page.name: found for page in pages if (found := broken_links(html_dir, page))}
    assert not broken
    assert all((html_dir / w.page).is_file() for w in writeups.WRITEUPS)
    for page in layout.NAV:
        assert f'href="{page}"' in (html_dir / "index.html").read_text(encoding="utf-8")
