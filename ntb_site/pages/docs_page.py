"""The project's documentation, ``docs/*.md``, as pages of the site: ``docs/<name>.html``.

Each Markdown page is rendered with Python-Markdown (extensions ``tables``, ``fenced_code``
and ``toc``, which gives every heading an ``id`` to link to) into the site's page shell
(``ntb_site.pages.layout.write_page``: the navigation bar, with "Docs" highlighted, and the
site's stylesheet). The page's first ``# heading`` is its title; a page with three or more
``##`` sections gets their contents at the top. Tables get the site's table style.

Links are rewritten so that they work in the site, which is checked offline:

- to another page of ``docs/`` (``method.md#rounds``): its rendered page (``method.html#rounds``);
- to any other file or folder of the repository (``../README.md``, ``monte_carlo_slowdown.py``):
  that path in the project's repository (``<project_url>/blob/main/<path>``, ``project_url``
  from ``asv.conf.json``);
- to a path outside the repository: dropped, its text kept;
- an image of the repository is copied beside the pages (``docs/files/``), since nothing may
  load from another host; any other image is dropped, its alternative text kept.

Absolute URLs and ``#fragments`` stay as written. Raw HTML in a page is left alone, so write
links and images as Markdown.

    python -m ntb_site.pages.docs_page HTML_DIR     # render every page of docs/ into HTML_DIR/docs
"""

from __future__ import annotations

import html
import json
import posixpath
import shutil
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import markdown
from asv.publishing import OutputPublisher
from markdown.treeprocessors import Treeprocessor

from ntb_site.answers import writeups
from ntb_site.pages.layout import write_page

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
OUT = "docs"  # the folder of the site the pages go to
FILES = "files"  # the folder beside them that copied images go to
INDEX = f"{OUT}/index.html"  # the navigation bar's "Docs"
EXTENSIONS = ("tables", "fenced_code", "toc")
TOC_SECTIONS = 3  # a page with at least this many ## sections lists them at the top


def project_url(config: str | Path = ROOT / "asv.conf.json") -> str:
    """The project's repository address (``project_url`` of asv.conf.json), no trailing ``/``."""
    return str(json.loads(Path(config).read_text(encoding="utf-8"))["project_url"]).rstrip("/")


def pages(docs: str | Path = DOCS) -> list[Path]:
    """Every Markdown page of `docs`, by name."""
    return sorted(Path(docs).glob("*.md"))


def html_name(md_name: str) -> str:
    """``method.md`` → ``method.html``."""
    return md_name.removesuffix(".md") + ".html"


def split_title(text: str, fallback: str) -> tuple[str, str]:
    """(title, the rest): the first line when it is a ``# heading`` (as plain text: no code
    marks), else `fallback` and all of `text`."""
    first, _, rest = text.lstrip("\n").partition("\n")
    if first.startswith("# "):
        return first[2:].strip().replace("`", ""), rest
    return fallback, text


def repo_path(href: str, page: str = "index.md") -> str | None:
    """The repository path a relative link of ``docs/<page>`` names (``/``-separated, no fragment),
    ``""`` for the repository itself, or None where it is no relative path (an address, a
    fragment) or leaves the repository."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path or href.startswith("/"):
        return None
    path = posixpath.normpath(posixpath.join(OUT, posixpath.dirname(page), unquote(parts.path)))
    if path == ".":
        return ""
    if path == ".." or path.startswith("../"):
        return None
    return path


class Links:
    """How the links and images of one page are rewritten (see the module's docstring)."""

    def __init__(self, page: str, url: str, root: Path = ROOT) -> None:
        self.page, self.url, self.root = page, url, root
        self.images: dict[str, Path] = {}  # name under docs/files/ -> the repository file

    def href(self, href: str) -> str | None:
        """The link's target in the site; None to drop it."""
        parts = urlsplit(href)
        if parts.scheme or parts.netloc or href.startswith("#"):
            return href
        path = repo_path(href, self.page)
        if path is None:
            return None
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        if posixpath.dirname(path) == OUT and path.endswith(".md"):
            return html_name(posixpath.basename(path)) + fragment
        kind = "tree" if not path or (self.root / path).is_dir() else "blob"
        return f"{self.url}/{kind}/main/{path}".rstrip("/") + fragment

    def src(self, src: str) -> str | None:
        """The image's address in the site (copied under ``docs/files/``); None to drop it."""
        path = repo_path(src, self.page)
        if not path or not (self.root / path).is_file():
            return None
        name = path.replace("/", "-").lstrip(".-")
        self.images[name] = self.root / path
        return f"{FILES}/{name}"


class _Rewrite(Treeprocessor):
    """Applies `Links` to the page's tree; tables get the site's style."""

    def __init__(self, md: markdown.Markdown, links: Links) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root: ET.Element) -> None:
        for element in root.iter():
            if element.tag == "a" and "href" in element.attrib:
                target = self.links.href(element.get("href", ""))
                if target is None:
                    element.tag = "span"
                    element.attrib.clear()
                else:
                    element.set("href", target)
            elif element.tag == "img":
                target = self.links.src(element.get("src", ""))
                if target is None:
                    alt = element.get("alt", "")
                    element.tag = "span"
                    element.attrib.clear()
                    element.text = alt
                else:
                    element.set("src", target)
                    element.set("style", "max-width: 100%")  # a screenshot fits the page
            elif element.tag == "table":
                element.set("class", "ntb-table")
            elif element.tag in ("td", "th") and "right" in element.get("style", ""):
                del element.attrib["style"]
                element.set("class", "num")


def render(text: str, page: str, url: str, root: Path = ROOT) -> tuple[str, str, dict[str, Path]]:
    """(title, body HTML, images to copy: name under ``docs/files/`` → file) of the Markdown
    `text` of ``docs/<page>``."""
    title, body = split_title(text, page.removesuffix(".md"))
    links = Links(page, url, root)
    md = markdown.Markdown(extensions=list(EXTENSIONS))
    md.treeprocessors.register(_Rewrite(md, links), "ntb-links", 1)
    out = md.convert(body)
    sections = [token for token in getattr(md, "toc_tokens", []) if token["level"] == 2]
    if len(sections) >= TOC_SECTIONS:
        items = "".join(f'<li><a href="#{html.escape(s["id"])}">{s["name"]}</a></li>' for s in sections)
        out = f'<nav class="ntb-toc"><ul>{items}</ul></nav>\n{out}'
    return title, out, links.images


def publish(
    html_dir: str | Path, url: str | None = None, names: Iterable[str] | None = None, docs: str | Path = DOCS
) -> list[Path]:
    """Render the pages of `docs` (those named in `names`, e.g. ``["method.md"]``, when given)
    into ``html_dir/docs``; return the paths written."""
    docs = Path(docs)
    url = (url or project_url()).rstrip("/")
    chosen = pages(docs) if names is None else [docs / name for name in names]
    written = []
    for source in chosen:
        title, body, images = render(source.read_text(encoding="utf-8"), source.name, url, docs.parent)
        written.append(write_page(html_dir, f"{OUT}/{html_name(source.name)}", title, body, active=INDEX))
        for name, image in images.items():
            target = Path(html_dir, OUT, FILES, name)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(image, target)
    return written


def publish_writeups(html_dir: str | Path) -> None:
    """Render every write-up the verdicts link (``ntb_site.answers.writeups``) into
    ``html_dir/docs`` as a page of the site, and copy its Markdown source beside it."""
    docs = sorted({w.doc for w in writeups.WRITEUPS})
    publish(html_dir, names=docs, docs=writeups.DOCS)
    for doc in docs:
        shutil.copy2(writeups.DOCS / doc, Path(html_dir, OUT, doc))


class DocsPage(OutputPublisher):
    """Run by ``asv publish``: the rendered ``docs/`` (after the history UI, whose stylesheet
    the pages link)."""

    order = 20

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Render every page of ``docs/`` into ``conf.html_dir/docs``."""
        url = getattr(conf, "project_url", "") or ""
        publish(conf.html_dir, url if url.startswith(("http:", "https:")) else None)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print("usage: python -m ntb_site.pages.docs_page HTML_DIR", file=sys.stderr)
        sys.exit(2)
    for written in publish(sys.argv[1]):
        print(written)
