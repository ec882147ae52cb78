"""The site's landing page, "Which mode?": the advisor's answers (``ntb_site.answers.advisor``) as
``index.html``, with its data as ``advisor.json`` beside it.

Per kernel: time per call against size for every mode (log-log, intervals as error bars), the
fastest mode at each size with whether it is clearly ahead of its runner-up
(``ntb_site.statistics.lead``), speedups and the calls it needs to pay back its first call,
and per mode its crossovers with numpy and serial and its first-call cost. Each machine has its
own section (``ntb_site.pages.machines``: switcher, facts, old or partial results); advisor.json
is keyed by machine (``ntb_site.answers.advisor.site_json``).

``asv publish`` runs :class:`AdvisorPage` (asv.conf.json ``"plugins"``, after
``.ntb_site.pages.history``, which moves the history UI out of ``index.html``).
"""

from __future__ import annotations

import html
import itertools
import json
from pathlib import Path
from typing import Any

from asv.publishing import OutputPublisher
from asv.util import human_time

from ntb_site.answers import advisor
from ntb_site.answers.advisor import Advice, KernelAdvice
from ntb_site.answers.condition_worker import FIX
from ntb_site.pages import machines
from ntb_site.pages.chart_spec import Axis, Chart, Series
from ntb_site.pages.layout import chart_slot, table, write_page
from ntb_site.results.machines import Section
from ntb_site.statistics.estimate import Estimate
from ntb_site.statistics.lead import MARGIN, Lead

PAGE = "index.html"
DATA = "advisor.json"
TITLE = "Which threading mode?"


def chart(kernel: KernelAdvice) -> Chart:
    """Time per call against size, one line per mode, log-log."""
    series = [
        Series(
            f"{mode} ({curve.threads} thread{'s' if curve.threads > 1 else ''})",
            [(size, t.value, t.low, t.high) for size, t in sorted(curve.times.items())],
        )
        for mode, curve in kernel.curves.items()
    ]
    return Chart(
        f"{kernel.kernel}: time per call",
        Axis("elements (samples for Monte-Carlo)", "elements", log=10),
        Axis("time per call", "seconds", log=10),
        series,
    )


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _speedup(estimate: Estimate | None) -> str:
    if estimate is None:
        return "–"
    return f"{estimate.value:.2f}× <span class=ntb-note>[{estimate.low:.2f}, {estimate.high:.2f}]</span>"


def _calls(mode: str, calls: int | None) -> str:
    if mode == advisor.REFERENCE:
        return "– (the reference)"
    return "never" if calls is None else f"{calls:,}"


def _lead(lead: Lead | None) -> str:
    """`` <span>clear: 1.26× ahead, 4/4 rounds</span>``, flagged where not clear."""
    if lead is None:
        return ""
    return f" <span class={'ntb-note' if lead.clear else 'ntb-flag'}>{html.escape(lead.reason())}</span>"


def _fresh(best: advisor.Best) -> str:
    """The answer in a fresh script: its outcome, flagged where it differs, with the evidence."""
    if best.runner_up is None:
        return "–"
    if best.fresh is None:
        return "<span class=ntb-note>not measured</span>"
    words = advisor.FRESH_WORDS[best.fresh.outcome]
    if best.fresh.outcome == "reversed":
        words = f"{_code(best.fresh.runner_up)} ahead"
    style = "ntb-note" if best.fresh.outcome == "holds" else "ntb-flag"
    return f"<span class={style} title='{html.escape(best.fresh.describe(), quote=True)}'>{words}</span>"


def summary(kernel: KernelAdvice) -> str:
    """One sentence: the fastest mode over ranges of sizes, and where that is not clear."""
    parts = []
    for mode, group in itertools.groupby(map(kernel.best, kernel.sizes), key=lambda b: b.mode):
        bests = list(group)
        sizes = [b.size for b in bests]
        span = f"{sizes[0]:,}" if len(sizes) == 1 else f"{sizes[0]:,} to {sizes[-1]:,}"
        unclear = [f"{b.size:,}" for b in bests if not b.clear]
        caveat = f" (not clear at {', '.join(unclear)})" if unclear else ""
        flipped = [b for b in bests if b.fresh and b.fresh.outcome == "reversed"]
        if flipped:
            caveat += "; in a fresh script " + ", ".join(f"{_code(b.runner_up)} at {b.size:,}" for b in flipped)
        parts.append(f"{_code(mode)} at {span} elements{caveat}")
    return "Fastest: " + "; ".join(parts) + "."


def best_table(kernel: KernelAdvice) -> str:
    """The fastest mode at each size."""
    rows = []
    for b in map(kernel.best, kernel.sizes):
        runner_up = "–" if b.runner_up is None else _code(b.runner_up)
        rows.append(
            [
                f"{b.size:,}",
                _code(b.mode),
                human_time(b.time.value),
                runner_up + _lead(b.lead),
                _speedup(kernel.speedup(b.mode, b.size, "numpy")),
                _speedup(kernel.speedup(b.mode, b.size, "serial")),
                _calls(b.mode, kernel.pays_back_after(b.mode, b.size)),
                _fresh(b),
            ]
        )
    header = [
        "size",
        "fastest",
        "time per call",
        "runner-up",
        "× numpy",
        "× serial",
        "pays back after (calls)",
        "in a fresh script",
    ]
    return table(header, rows, numeric=(0, 2, 4, 5, 6))


def modes_table(kernel: KernelAdvice) -> str:
    """Every mode: threads, first call, speedups at the largest size, crossovers."""
    largest = kernel.sizes[-1]
    rows = []
    for mode, curve in kernel.curves.items():
        crossovers = {c.baseline: c.where() for c in kernel.crossovers if c.mode == mode}
        rows.append(
            [
                _code(mode),
                str(curve.threads),
                human_time(curve.first_call.value) if curve.first_call else "–",
                _speedup(kernel.speedup(mode, largest, "numpy")),
                _speedup(kernel.speedup(mode, largest, "serial")),
                _calls(mode, kernel.pays_back_after(mode, largest)),
                html.escape(crossovers.get("numpy", "–")),
                html.escape(crossovers.get("serial", "–")),
            ]
        )
    header = [
        "mode",
        "threads",
        "first call",
        f"× numpy at {largest:,}",
        f"× serial at {largest:,}",
        f"pays back at {largest:,} after (calls)",
        "beats numpy",
        "beats serial",
    ]
    return table(header, rows, numeric=(1, 2, 3, 4, 5))


def environment_chips(advice: Advice) -> str:
    """Versions, layer, threads and commit as chips (the machine's facts are above them)."""
    env = advice.environment
    facts = [
        ("Numba", env.versions.get("numba", "?")),
        ("NumPy", env.versions.get("numpy", "not recorded")),
        ("threading layer", env.layer or "default"),
        ("threads", str(advice.threads)),
        ("commit", advice.commit[:8]),
    ]
    chips = "".join(f"<span class=ntb-chip>{name} <b>{html.escape(value)}</b></span>" for name, value in facts)
    return f"<div class=ntb-chips>{chips}</div>"


NOTES = (
    "Times are asv medians of every recorded sample (several rounds, each in a fresh process); error bars and "
    "[brackets] span asv's 99 % interval and every round's median (the spread between processes), and a ratio's "
    "interval is the conservative one. The fastest mode is <em>clear</em> only where its rounds beat every other "
    f"mode's by more than {MARGIN:.2f}× with 95 % confidence (exact U test on the per-process medians, which needs "
    "4 rounds a side: 2 can never show it), in both allocator conditions: asv times every mode from a "
    "long-running session's state (glibc's mmap and trim thresholds raised), and the main job re-measures each "
    "answer in 5 fresh scripts, glibc's defaults, each pairing the two modes (<em>in a fresh script</em>: "
    f"<em>holds</em>, more than {MARGIN:.2f}× ahead in every one; the runner-up <em>ahead</em>; or "
    "<em>within noise</em>; hover for the figures and page faults per call; <code>"
    f"{FIX}</code> gives a script the long-running state). Otherwise it is <em>not clear</em>. "
    "Check an answer independently: "
    "<code>ntb advise --recheck KERNEL SIZE</code>. Threaded modes run on every "
    "thread of the machine, numpy and serial on one. <em>First call</em>: build, compile and one call on 1,000 "
    "elements in a fresh interpreter with an empty Numba cache. <em>Pays back after</em>: the number of calls at "
    "that size after which the mode's faster calls have recovered its extra first-call cost over numpy "
    "(<em>never</em>: it is not faster than numpy there). A mode <em>beats</em> another at a size only where the "
    "whole interval of their time ratio lies below 1; the size where that starts is interpolated log-log between "
    "the measured sizes around it."
)


INTRO = (
    "<p>For each kernel of the notebook: which threading mode is fastest at your size on each machine "
    f"and Numba release. Data: <a href='{DATA}'>{DATA}</a>; the same in a terminal: "
    "<code>python -m ntb_site.answers.advisor [--machine NAME]</code>. Your program already calls kernels from several "
    "threads? See <a href='layers.html'>Which layer? How many threads per caller?</a></p>"
)


def render_machine(advice: Advice, prefix: str = "") -> tuple[str, dict[str, Any]]:
    """One machine's answers and their chart specs; chart ids and anchors start with `prefix`."""
    sections = [environment_chips(advice)]
    charts = {}
    for name, kernel in advice.kernels.items():
        charts[prefix + name] = chart(kernel).as_json()
        sections.append(
            f"<section class=ntb-card><h2 id='{html.escape(prefix + name)}'>{html.escape(name)}</h2>"
            f"<p class=ntb-answer>{summary(kernel)}</p>{chart_slot(prefix + name)}"
            f"<h3>Fastest mode at each size</h3>{best_table(kernel)}"
            f"<h3>Every mode</h3>{modes_table(kernel)}</section>"
        )
    return "\n".join(sections), charts


def render(found: list[Section[Advice]]) -> tuple[str, dict[str, Any]]:
    """The page body (every machine in its section, ``ntb_site.pages.machines``) and its chart specs."""
    if not found:
        return f"<p>{advisor.NO_DATA}</p>", {}
    sections, charts = machines.render_each(found, render_machine)
    return f"{INTRO}\n{sections}\n<p class=ntb-note>{NOTES}</p>", charts


def publish(html_dir: str | Path, results_dir: str | Path) -> list[Section[Advice]]:
    """Write index.html and advisor.json (``advisor.site_json``) from the results in `results_dir`."""
    found = advisor.per_machine(results_dir)
    Path(html_dir, DATA).write_text(json.dumps(advisor.site_json(found), indent=1, allow_nan=False), encoding="utf-8")
    body, charts = render(found)
    write_page(html_dir, PAGE, TITLE, body, charts)
    return found


class AdvisorPage(OutputPublisher):
    """Run by ``asv publish``: the landing page and advisor.json."""

    order = 12

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Write the advisor from ``conf.results_dir`` into ``conf.html_dir``."""
        publish(conf.html_dir, conf.results_dir)
