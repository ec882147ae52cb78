"""Chart specs: what a page asks the site's one charting layer (``static/site/charts.js``,
over the vendored uPlot) to draw, written as JSON into the page.

    Chart("kde: time per call", Axis("elements", "elements", log=10), Axis("time per call", "seconds", log=10),
          [Series("numpy", [(1e4, 2.1e-5, 2.0e-5, 2.2e-5), ...])])

A point is ``(x, y)`` or ``(x, y, low, high)``; a series with low/high gets error bars.
Units the layer formats: ``seconds``, ``elements``, ``x`` (a ratio), ``fraction`` (as %).
On a category axis (``categories``: e.g. Numba releases) a point's x is its category.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

Point = tuple[Any, ...]


@dataclass(frozen=True)
class Axis:
    """An axis: label, unit, logarithmic base (0: linear) or categories."""

    label: str
    unit: str = ""
    log: int = 0
    categories: list[str] | None = None


@dataclass(frozen=True)
class Series:
    """One line: its label and points; ``dash`` for reference lines (ideal, 1×)."""

    label: str
    points: list[Point]
    dash: bool = False


@dataclass(frozen=True)
class Chart:
    """A chart spec as ``charts.js`` reads it."""

    title: str
    x: Axis
    y: Axis
    series: list[Series] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The spec as a JSON-ready dict."""
        return asdict(self)
