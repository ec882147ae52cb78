"""History graphs: asv-tachyon's UI over ``asv publish``'s output, in the site's navigation.

asv-tachyon (PyPI ``asv-tachyon``, pinned in the dev extras) is a single-page app that reads
the files ``asv publish`` writes (``index.json``, ``graphs/``, ``regressions.json``) and ships
its own scripts and fonts. :class:`HistoryUI` copies it into the site as ``history.html``
(its shell, with the site's navigation bar added) and ``assets/``, moves the stock asv page
(already made offline by ``ntb_site.pages.offline``) to ``index.legacy.html`` so that the advisor
can be the landing ``index.html``, and writes the optional files tachyon asks for, so that
it meets no 404: ``commits.json`` (commit subjects from git, shown beside each point),
``profiles.json`` and ``regressions-ignore.json`` (empty), and beside every graph file an
empty ``samples/`` twin (asv publishes no per-revision samples for tachyon to show).

Publishers run in ``order``: ``OfflineSite`` (10), :class:`HistoryUI` (11), then the pages.
"""

from __future__ import annotations

import importlib.resources
import json
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from asv.publishing import OutputPublisher

from ntb_site.pages.layout import copy_assets, nav_bar

PAGE = "history.html"
LEGACY = "index.legacy.html"
EMPTY_FILES = {"profiles.json": {}, "regressions-ignore.json": []}


def tachyon_static() -> Path:
    """The installed asv-tachyon's built UI (``index.html``, ``assets/``, ``favicon.svg``)."""
    return Path(str(importlib.resources.files("asv_tachyon") / "static"))


def with_nav(shell: str) -> str:
    """Tachyon's ``index.html`` with the site's stylesheet and navigation bar added."""
    if "<body>" not in shell or "</head>" not in shell:
        raise ValueError("asv-tachyon's index.html has no <head>/<body> to add the navigation to")
    shell = shell.replace("</head>", '<link rel="stylesheet" href="site/site.css">\n</head>', 1)
    return shell.replace("<body>", f"<body>\n{nav_bar(PAGE)}", 1)


def commit_subjects(repo_dir: str | Path, commits: Iterable[str]) -> dict[str, str]:
    """{full sha: subject line} from git; empty where `repo_dir` is no git checkout."""
    commits = sorted(commits)
    if not commits or not Path(repo_dir, ".git").exists():
        return {}
    out = subprocess.run(
        ["git", "-C", str(repo_dir), "log", "--no-walk", "--format=%H%x1f%s", *commits],
        capture_output=True,
        text=True,
        check=False,
    )
    return dict(line.split("\x1f", 1) for line in out.stdout.splitlines() if "\x1f" in line)


def install(html_dir: str | Path, subjects: dict[str, str]) -> None:
    """Install tachyon as history.html, the stock page as index.legacy.html, and tachyon's
    optional data files (idempotent on a freshly published html_dir)."""
    html_dir, static = Path(html_dir), tachyon_static()
    copy_assets(html_dir)
    shutil.copytree(static / "assets", html_dir / "assets", dirs_exist_ok=True)
    shutil.copy2(static / "favicon.svg", html_dir / "favicon.svg")
    (html_dir / PAGE).write_text(with_nav((static / "index.html").read_text(encoding="utf-8")), encoding="utf-8")
    stock = html_dir / "index.html"
    if stock.exists():
        stock.replace(html_dir / LEGACY)
    for name, empty in {**EMPTY_FILES, "commits.json": subjects}.items():
        (html_dir / name).write_text(json.dumps(empty), encoding="utf-8")
    for graph in (html_dir / "graphs").rglob("*.json"):
        twin = html_dir / "samples" / graph.relative_to(html_dir / "graphs")
        twin.parent.mkdir(parents=True, exist_ok=True)
        twin.write_text("{}", encoding="utf-8")


class HistoryUI(OutputPublisher):
    """Run by ``asv publish``: the history graphs UI (asv-tachyon)."""

    order = 11

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Install tachyon into ``conf.html_dir``."""
        install(conf.html_dir, commit_subjects(conf.repo, revisions))
