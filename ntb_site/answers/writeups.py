"""The project's written-up causes of release regressions (``docs/``), and which verdicts
they explain: a write-up names the variants it covers and the Numba release where the
cause appeared, so it is linked from every verdict on those variants whose release step
crosses that release. The page publishes the documents beside itself: each rendered as a
page of the site (``docs/<name>.html``, ``ntb_site.pages.docs_page.publish_writeups``),
which the verdicts link, with its Markdown source beside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from packaging.version import Version

DOCS = Path(__file__).resolve().parents[2] / "docs"


@dataclass(frozen=True)
class Writeup:
    """A document of `DOCS` explaining a slowdown of `variants` that appeared in `release`."""

    doc: str
    title: str
    release: str
    variants: tuple[str, ...]

    def explains(self, variant: str | None, old: str, new: str) -> bool:
        """Whether this write-up covers `variant` on the release step `old` → `new`."""
        return variant in self.variants and Version(old) < Version(self.release) <= Version(new)

    @property
    def page(self) -> str:
        """The rendered page in the site, relative to its root: ``docs/<name>.html``."""
        return f"docs/{self.doc.removesuffix('.md')}.html"

    def as_json(self) -> dict[str, str]:
        """The link the page shows: ``{"title", "href"}`` (the rendered page, relative to the site's root)."""
        return {"title": self.title, "href": self.page}


WRITEUPS = (
    Writeup(
        "serial-llvm15-slowdown.md",
        "LLVM 15 no longer unswitches the broadcasting index: array expressions stop vectorising (Numba 0.61)",
        "0.61.0",
        ("gaussians.serial", "kde.serial"),
    ),
    Writeup(
        "monte-carlo-slowdown.md",
        "random() no longer inlined since Numba 0.62",
        "0.62.0",
        (
            "monte_carlo_pi.serial",
            "monte_carlo_pi.chunk",
            "monte_carlo_pi_blocked.serial",
            "monte_carlo_pi_blocked.chunk",
        ),
    ),
    Writeup(
        "monte-carlo-slowdown.md",
        "the parfor body of the notebook's prange no longer inlined since Numba 0.66",
        "0.66.0",
        ("monte_carlo_pi.prange",),
    ),
    Writeup(
        "blocked-prange-068-slowdown.md",
        "numba_rnd_shuffle rebuilt by GCC 14 in the 0.68 wheels: a slower Mersenne-Twister refill",
        "0.68.0",
        ("monte_carlo_pi_blocked.prange",),
    ),
)


def explaining(variant: str | None, old: str, new: str) -> list[dict[str, str]]:
    """Links to every write-up that explains `variant` on the step `old` → `new`."""
    return [w.as_json() for w in WRITEUPS if w.explains(variant, old, new)]
