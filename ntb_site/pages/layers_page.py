"""The page "Which layer? How many threads per caller?" (``layers.html``, data in ``layers.json``)
from ``ntb_site.answers.layers``.

The layers' recorded facts (loaded, concurrent launches serialised or together, where TBB's
runtime was), then per kernel, size and launcher: the rule the data supports, time per batch
against the number of concurrent callers (one line per layer and thread count, intervals as
error bars), and per concurrency the best layer and thread count, the cost of every caller on
all cores, the best per layer and the nogil chunked pool; last, CPU time beside wall time.
Each machine has its own section (``ntb_site.pages.machines``); layers.json is keyed by machine
(``ntb_site.answers.layers.site_json``).
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from asv.publishing import OutputPublisher
from asv.util import human_time

from ntb_site.answers import layers
from ntb_site.answers.layers import NUMBA_MODE, Answer, Choice, CpuPoint, Layers
from ntb_site.pages import machines
from ntb_site.pages.chart_spec import Axis, Chart, Series
from ntb_site.pages.layout import chart_slot, table, write_page
from ntb_site.results.machines import Section
from ntb_site.statistics.estimate import Estimate

PAGE = "layers.html"
DATA = "layers.json"
TITLE = "Which layer? How many threads per caller?"
CALLERS_AXIS = Axis("concurrent callers", "", log=2)


def _code(text: str) -> str:
    return f"<code>{html.escape(text)}</code>"


def _ratio(estimate: Estimate | None, unit: str = "×") -> str:
    if estimate is None:
        return "–"
    flag = ""
    if estimate.low <= 1 <= estimate.high and estimate.value != 1 and unit == "×":
        flag = " <span class=ntb-flag>not clear</span>"
    bracket = f"<span class=ntb-note>[{estimate.low:.2f}, {estimate.high:.2f}]</span>"
    return f"{estimate.value:.2f}{unit} {bracket}{flag}"


def _time(option: layers.Option | None) -> str:
    if option is None:
        return "–"
    return f"{option.inner} → {human_time(option.time.value)}"


def _points(options: list[tuple[int, Estimate]]) -> list[tuple]:
    return [(k, t.value, t.low, t.high) for k, t in sorted(options)]


def _by_layer(key: tuple[str, int]) -> tuple[int, int]:
    return layers.layer_rank(key[0]), key[1]


def chart(answer: Answer) -> Chart:
    """Time per batch against concurrent callers: a line per layer and thread count, and the
    fastest nogil pool."""
    keys = sorted(
        {(o.layer, o.inner) for c in answer.choices for o in c.numba}, key=lambda k: (layers.layer_rank(k[0]), k[1])
    )
    series = [
        Series(
            f"{layer}, {inner} thread{'s' if inner > 1 else ''} each",
            _points([(c.outer, o.time) for c in answer.choices if (o := c.option(layer, inner))]),
        )
        for layer, inner in keys
    ]
    pool = [(c.outer, best.time) for c in answer.choices if (best := c.best_chunked)]
    if pool:
        series.append(Series("nogil pool (fastest)", _points(pool), dash=True))
    return Chart(
        f"{answer.kernel} at {answer.size:,}, callers: {answer.launcher}: time per batch",
        CALLERS_AXIS,
        Axis("time per batch (all callers)", "seconds", log=10),
        series,
    )


def choices_table(answer: Answer, names: list[str]) -> str:
    """Per concurrency: best, runner-up, cost of all cores each, best per layer, nogil pool."""
    rows = []
    for c in answer.choices:
        runner_up = "–" if c.runner_up is None else html.escape(c.runner_up.label)
        if not c.clear:
            runner_up += " <span class=ntb-flag>≈ within noise</span>"
        pool = c.best_chunked
        rows.append(
            [
                str(c.outer),
                f"<b>{html.escape(c.best.label)}</b>",
                human_time(c.best.time.value),
                runner_up,
                _ratio(Choice.cost(c.naive, c.best)),
                *(_time(c.best_in(name)) for name in names),
                "–" if pool is None else f"{html.escape(pool.label)}: {_ratio(Choice.cost(pool, c.best))}",
            ]
        )
    header = [
        "callers",
        "best",
        "time per batch",
        "runner-up",
        "all cores each ÷ best",
        *(f"best {name} (threads → time)" for name in names),
        "nogil pool ÷ best",
    ]
    return table(header, rows, numeric=(0, 2, 4))


def facts_table(found: Layers) -> str:
    """One row per layer: what the suite recorded about it."""
    rows = []
    for name, facts in found.layers.items():
        gap = "–" if facts.end_gap is None else f"{facts.end_gap:.2f}"
        rows.append(
            [
                _code(name),
                "yes" if facts.loaded else "<span class=ntb-flag>no</span>",
                facts.launches(short=True),
                gap,
                html.escape(facts.describe()),
                html.escape(facts.label),
            ]
        )
    return table(["layer", "loaded", "concurrent launches", "end gap", "facts", "environment"], rows, numeric=(3,))


def cpu_section(points: list[CpuPoint], prefix: str = "") -> tuple[str, dict[str, Any]]:
    """CPU / wall against callers per layer and thread count, and the table; the chart id and
    anchor start with `prefix`."""
    keys = sorted({(p.layer, p.inner) for p in points}, key=_by_layer)
    series = [
        Series(
            f"{layer}, {inner} thread{'s' if inner > 1 else ''} each",
            _points([(p.outer, p.busy) for p in points if (p.layer, p.inner) == (layer, inner) and p.busy]),
        )
        for layer, inner in keys
    ]
    spec = Chart(f"{points[0].kernel}: CPU time / wall time per batch", CALLERS_AXIS, Axis("cores busy", "x"), series)
    rows = [
        [
            _code(p.layer),
            str(p.outer),
            str(p.inner),
            human_time(p.cpu.value),
            human_time(p.wall.value) if p.wall else "–",
            _ratio(p.busy, unit=" cores"),
        ]
        for p in points
    ]
    body = (
        f"<section class=ntb-card><h2 id='{html.escape(prefix)}cpu'>CPU time beside wall time</h2>"
        "<p>CPU time of every thread of the process per batch (<code>concurrency.CpuTime</code>, timed with "
        "<code>time.process_time</code>) over the wall time of the same batch (<code>concurrency.Callers</code>): "
        "the cores a batch keeps busy. Threads that spin while they wait for work burn CPU without shortening "
        f"the batch.</p>{chart_slot(prefix + 'cpu')}"
        + table(
            ["layer", "callers", "threads each", "CPU time", "wall time", "CPU / wall"], rows, numeric=(1, 2, 3, 4, 5)
        )
        + "</section>"
    )
    return body, {prefix + "cpu": spec.as_json()}


def environment_chips(found: Layers) -> str:
    """Numba, cores and commit as chips (the machine's facts are above them)."""
    facts = [
        ("Numba", found.numba),
        ("cores", str(found.cores)),
        ("commit", found.commit[:8]),
    ]
    chips = "".join(f"<span class=ntb-chip>{name} <b>{html.escape(value)}</b></span>" for name, value in facts)
    return f"<div class=ntb-chips>{chips}</div>"


INTRO = (
    "<p>When your program already runs in parallel (a thread pool, a Dask graph, a web server), several callers "
    "launch the same <code>parallel=True</code> function at once. Here <em>k</em> callers each run the "
    "<code>prange</code> kernel on 1/<em>k</em> of the same total work, each with a given number of Numba threads "
    "(<code>numba.set_num_threads</code> in the calling thread), under each threading layer "
    "(<code>NUMBA_THREADING_LAYER</code>); a batch ends when every caller has its result. For comparison, the "
    "same batches through a nogil chunked pool per caller (modes <code>threads</code>, <code>dask</code>). "
    f"Data: <a href='{DATA}'>{DATA}</a>; the same in a terminal: "
    "<code>python -m ntb_site.answers.layers [--machine NAME]</code>.</p>"
)

NOTES = (
    "Times are asv medians of every recorded sample (several rounds, each in a fresh process); error bars and "
    "[brackets] span asv's 99 % interval and every round's median, and a ratio's interval is the conservative one, "
    "as on the advisor. <em>Best</em> is clear only where its interval lies below the runner-up's. <em>All cores "
    "each</em>: every caller with all of Numba's threads, the default, in the best layer. A rule names a layer "
    "only where it is within noise of the best at every number of callers, and a thread rule only where it is "
    "within noise of the best there; otherwise the page says <em>not clear</em>. <em>End gap</em>: two threads "
    "launch the kernel at once on one Numba thread each; the gap between their ends over the whole span is ~0 "
    "when the launches run together and ~0.5 when one waits for the other. Under <code>workqueue</code> the "
    "project's kernels serialise their launches, because the layer aborts the process otherwise (numba#9288)."
)


def render_machine(found: Layers, prefix: str = "") -> tuple[str, dict[str, Any]]:
    """One machine's layers, answers and CPU time, and their chart specs; chart ids and anchors
    start with `prefix`."""
    names = list(found.layers)
    sections = [
        environment_chips(found),
        f"<section class=ntb-card><h2 id='{html.escape(prefix)}layers'>The layers</h2>{facts_table(found)}</section>",
    ]
    charts: dict[str, Any] = {}
    for answer in found.answers:
        chart_id = f"{prefix}{answer.kernel}-{answer.size}-{answer.launcher}"
        charts[chart_id] = chart(answer).as_json()
        sections.append(
            f"<section class=ntb-card><h2 id='{html.escape(chart_id)}'>{html.escape(answer.kernel)} at "
            f"{answer.size:,}, callers: {html.escape(answer.launcher)}</h2>"
            f"<p class=ntb-answer>{html.escape(answer.rule.describe())}</p>"
            f"<p class=ntb-note>Allocator: timed from a long-running session's state; the {NUMBA_MODE} kernel: "
            f"{html.escape(found.allocator.get(answer.kernel, 'page faults per call in a fresh script: not counted'))}"
            f".</p>{chart_slot(chart_id)}"
            f"{choices_table(answer, names)}</section>"
        )
    if found.cpu:
        body, specs = cpu_section(found.cpu, prefix)
        sections.append(body)
        charts.update(specs)
    return "\n".join(sections), charts


def render(found: list[Section[Layers]]) -> tuple[str, dict[str, Any]]:
    """The page body (every machine in its section, ``ntb_site.pages.machines``) and its chart specs."""
    if not found:
        return f"<p>{layers.NO_DATA}</p>", {}
    sections, charts = machines.render_each(found, render_machine)
    return f"{INTRO}\n{sections}\n<p class=ntb-note>{NOTES}</p>", charts


def publish(html_dir: str | Path, results_dir: str | Path) -> list[Section[Layers]]:
    """Write layers.html and layers.json (``layers.site_json``) from the results in `results_dir`."""
    found = layers.per_machine(results_dir)
    Path(html_dir, DATA).write_text(json.dumps(layers.site_json(found), indent=1, allow_nan=False), encoding="utf-8")
    body, charts = render(found)
    write_page(html_dir, PAGE, TITLE, body, charts)
    return found


class LayersPage(OutputPublisher):
    """Run by ``asv publish``: the layer page and layers.json."""

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Write layers.html from ``conf.results_dir`` into ``conf.html_dir``."""
        publish(conf.html_dir, conf.results_dir)
