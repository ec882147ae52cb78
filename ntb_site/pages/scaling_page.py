"""The scaling page (``scaling.html``, data in ``scaling.json``) from ``ntb_site.answers.scaling``.

Per environment of the newest commit (heading: Numba, NumPy, layer and every recorded
version) and per kernel: strong scaling (speedup and efficiency against the same mode at one
thread, ideal line dashed) and the speedup over the fastest single-threaded implementation,
charted against threads at the largest size and tabulated at every size, with intervals
(``ntb_site.statistics.estimate``). Every efficiency above 105 % is marked and explained beside the table.
Each machine has its own section (``ntb_site.pages.machines``); scaling.json is keyed by machine
(``ntb_site.answers.scaling.site_json``).
"""

from __future__ import annotations

import html
import itertools
import json
from pathlib import Path
from typing import Any

from asv.publishing import OutputPublisher

from ntb_site.answers import scaling
from ntb_site.answers.scaling import Point, Scaling
from ntb_site.pages import machines
from ntb_site.pages.chart_spec import Axis, Chart, Series
from ntb_site.pages.layout import chart_slot, table, write_page
from ntb_site.results.machines import Section
from ntb_site.statistics.estimate import Estimate

PAGE = "scaling.html"
DATA = "scaling.json"
THREADS_AXIS = Axis("threads", "", log=2)


def charts(kernel: str, points: list[Point]) -> dict[str, Chart]:
    """Both charts of a kernel at its largest size, keyed by their ids' suffix."""
    size = max(p.size for p in points)
    at_size = [p for p in points if p.size == size]
    threads = sorted({p.threads for p in at_size})
    modes = sorted({p.mode for p in at_size})

    def series(metric: str) -> list[Series]:
        found = []
        for mode in modes:
            estimates = [(p.threads, getattr(p, metric)) for p in at_size if p.mode == mode and getattr(p, metric)]
            found.append(Series(mode, [(t, e.value, e.low, e.high) for t, e in sorted(estimates)]))
        return found

    return {
        "speedup": Chart(
            f"{kernel} at {size:,}: speedup over the same mode on 1 thread",
            THREADS_AXIS,
            Axis("speedup", "x"),
            [*series("speedup"), Series("ideal", [(t, float(t)) for t in threads], dash=True)],
        ),
        "over-best-single": Chart(
            f"{kernel} at {size:,}: speedup over the fastest single-threaded (numpy or serial)",
            THREADS_AXIS,
            Axis("speedup", "x"),
            [*series("over_best_single"), Series("break-even", [(t, 1.0) for t in threads], dash=True)],
        ),
    }


def _ratio(estimate: Estimate | None, percent: bool = False) -> str:
    if estimate is None:
        return "–"
    fmt = "{:.0%}" if percent else "{:.2f}×"
    bracket = f"[{fmt.format(estimate.low)}, {fmt.format(estimate.high)}]"
    return f"{fmt.format(estimate.value)} <span class=ntb-note>{bracket}</span>"


def points_table(points: list[Point], notes: dict[Point, int]) -> str:
    """Every size × mode × thread count above one thread."""
    rows = []
    for p in points:
        mark = f" <span class=ntb-flag>[{notes[p]}]</span>" if p in notes else ""
        rows.append(
            [
                f"{p.size:,}",
                f"<code>{html.escape(p.mode)}</code>",
                str(p.threads),
                _ratio(p.speedup),
                _ratio(p.efficiency, percent=True) + mark,
                _ratio(p.over_best_single)
                + (f" <span class=ntb-note>vs {p.best_single}</span>" if p.best_single else ""),
            ]
        )
    header = ["size", "mode", "threads", "speedup", "efficiency", "× fastest single-threaded"]
    return table(header, rows, numeric=(0, 2, 3, 4, 5))


def section(index: int, data: Scaling, prefix: str = "") -> tuple[str, dict[str, Any]]:
    """One environment: its heading, and per kernel both charts, the table and the notes; chart
    ids start with `prefix`."""
    specs: dict[str, Any] = {}
    parts = [
        f"<h2>{html.escape(data.environment.label)}</h2>"
        f"<p class=ntb-note>{html.escape(data.environment.details)}; machine {html.escape(data.machine)}, "
        f"commit <code>{data.commit[:8]}</code></p>"
    ]
    for kernel, group in itertools.groupby(data.points, key=lambda p: p.kernel):
        points = list(group)
        slots = []
        for suffix, spec in charts(kernel, points).items():
            chart_id = f"{prefix}{index}-{kernel}-{suffix}"
            specs[chart_id] = spec.as_json()
            slots.append(chart_slot(chart_id))
        above_one = [p for p in points if p.threads > 1]
        flagged = [p for p in above_one if scaling.explain(p)]
        notes = {p: i + 1 for i, p in enumerate(flagged)}
        explained = "".join(
            f"<li><b>[{notes[p]}]</b> {html.escape(p.mode)} at {p.size:,}, {p.threads} threads: "
            f"{html.escape(scaling.explain(p) or '')}</li>"
            for p in flagged
        )
        parts.append(
            f"<section class=ntb-card><h3>{html.escape(kernel)}</h3><div class=ntb-grid>{''.join(slots)}</div>"
            f"{points_table(above_one, notes)}{f'<ol class=ntb-note>{explained}</ol>' if explained else ''}</section>"
        )
    body = "\n".join(parts)
    return (
        body if index == 0 else f"<details><summary>{html.escape(data.environment.label)}</summary>{body}</details>"
    ), specs


INTRO = (
    "<p>Strong scaling of every threaded mode, derived from the <code>&lt;kernel&gt;.Modes.time_kernel</code> "
    "timings: <em>speedup</em> = time of the same mode on 1 thread / time on T threads, <em>efficiency</em> = "
    "speedup / T. Separately, <em>× fastest single-threaded</em> = time of the faster of numpy and serial at that "
    "size / time on T threads: what the threads buy over the best one-thread code. Brackets and error bars span "
    "asv's 99 % interval and every round's median (the spread between processes), combined "
    "conservatively. An efficiency above 105 % is marked and explained. Under a release's other threading "
    "layers the whole matrix gives only <code>parallel</code> and <code>prange</code> their 1-thread runs: the "
    "other modes never start Numba's threading layer, so it cannot change their time (see the default layer's "
    "section), and where only the default layer timed numpy and serial, its time is the fastest single-threaded. "
    f"Data: <a href='{DATA}'>{DATA}</a>.</p>"
)


def render_machine(found: list[Scaling], prefix: str = "") -> tuple[str, dict[str, Any]]:
    """One machine's environments and their chart specs: the first open, the others folded;
    chart ids start with `prefix`."""
    bodies, specs = [], {}
    for index, data in enumerate(found):
        body, charts_of = section(index, data, prefix)
        bodies.append(body)
        specs.update(charts_of)
    return "\n".join(bodies), specs


def render(found: list[Section[list[Scaling]]]) -> tuple[str, dict[str, Any]]:
    """The page body (every machine in its section, ``ntb_site.pages.machines``) and its chart specs."""
    if not found:
        return f"<p>{scaling.NO_DATA}</p>", {}
    sections, specs = machines.render_each(found, render_machine)
    return f"{INTRO}\n{sections}", specs


def publish(html_dir: str | Path, results_dir: str | Path) -> list[Section[list[Scaling]]]:
    """Write scaling.html and scaling.json (``scaling.site_json``) from the results in `results_dir`."""
    found = scaling.per_machine(results_dir)
    Path(html_dir, DATA).write_text(json.dumps(scaling.site_json(found), indent=1, allow_nan=False), encoding="utf-8")
    body, specs = render(found)
    write_page(html_dir, PAGE, "Scaling", body, specs)
    return found


class ScalingPage(OutputPublisher):
    """Run by ``asv publish``: the scaling page."""

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Write scaling.html from ``conf.results_dir`` into ``conf.html_dir``."""
        publish(conf.html_dir, conf.results_dir)
