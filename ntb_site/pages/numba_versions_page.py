"""The Numba-versions page (``numba-versions.html``), rendered from the release report JSON
(``numba_versions.json``, written beside it) of ``ntb_site.answers.numba_versions``.

- **Timelines**: per kernel × mode, every benchmark of that mode across the releases,
  relative to its first release (log scale, with error bars where the report has intervals).
- **Verdicts** with their evidence: ratio new / old with its confidence interval, rounds
  (processes) per side, confirmation rounds, and the verdict — regression, improvement,
  unconfirmed (beyond the factor at first look, not confirmed) or none.
- **Why**: beside each verdict, what changed in that variant's compiled code (calls, inlining,
  vectorisation, hot loop: ``ntb_site.answers.codegen``) or that nothing recorded did, and links to
  the write-ups of ``docs/`` that explain it.
- **What changed in the environment** between consecutive releases, once per step (versions, SVML, layer,
  runtimes: the ``environment.*`` facts the suite records).

The report's keys (each optional, so older or partial reports render too): ``machine``,
``commit``, ``factor``, ``versions``; per comparison ``benchmark``, ``params``,
``environment`` (the chain: e.g. ``NUMBA_THREADING_LAYER=omp``), ``from``, ``to``, ``unit``,
``old``, ``new``, ``ratio``, ``ci`` [low, high], ``rounds`` [old, new], ``confirm_rounds``
[old, new], ``verdict`` (else derived from ``regression`` / ``improvement``); ``steps``
[{from, to, environment, changes: {fact: [old, new]}}]; ``timeline`` [{benchmark, params,
environment, points: [{version, value, low?, high?}]}] (else derived from the comparisons).
The file holds one such report per machine (``ntb_site.answers.numba_versions.publish_data``), and the
page one section per machine (``ntb_site.pages.machines``).
"""

from __future__ import annotations

import html
import json
import re
import statistics
from pathlib import Path
from typing import Any

from asv.publishing import OutputPublisher
from asv.util import human_value

from ntb_site.answers import numba_versions
from ntb_site.answers.numba_versions import Report
from ntb_site.pages import docs_page, machines
from ntb_site.pages.chart_spec import Axis, Chart, Series
from ntb_site.pages.layout import chart_slot, table, write_page
from ntb_site.results.machines import Section
from ntb_site.suite import matrix

PAGE = "numba-versions.html"
DATA = numba_versions.DATA
NO_DATA = (
    "No results under several Numba releases yet: run another release of the matrix, e.g. "
    "<code>asv run HEAD^! -E &lt;environment&gt;</code> with an environment from "
    "<code>python -m ntb_site.suite.matrix list</code>."
)
FLAGGED = ("regression", "improvement", "unconfirmed")
VERSION_FACT = "Versions."


def verdict(comparison: dict[str, Any]) -> str:
    """The comparison's verdict (derived from the regression/improvement flags of older reports)."""
    if "verdict" in comparison:
        return comparison["verdict"]
    if comparison.get("regression"):
        return "regression"
    return "improvement" if comparison.get("improvement") else "none"


def release(version: object) -> str:
    """A Numba version as shown, a pre-release (``0.69.0rc1``) labelled as such."""
    text = html.escape(str(version))
    try:
        return f"{text} <span class=ntb-flag>pre-release</span>" if matrix.is_prerelease(str(version)) else text
    except ValueError:
        return text


def label(comparison: dict[str, Any]) -> str:
    """``gaussians.Modes.time_kernel(size=10000, mode=prange, threads=2)``."""
    params = ", ".join(f"{k}={v}" for k, v in comparison.get("params", {}).items())
    return f"{comparison['benchmark']}({params})" if params else comparison["benchmark"]


def timeline(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The report's timeline, or one derived from its comparisons (no intervals)."""
    if "timeline" in report:
        return report["timeline"]
    lines: dict[str, dict[str, Any]] = {}
    for c in report.get("comparisons", []):
        key = json.dumps([c["benchmark"], c.get("params"), c.get("environment")], sort_keys=True)
        line = lines.setdefault(key, {**{k: c.get(k) for k in ("benchmark", "params", "environment")}, "points": {}})
        for version, value in ((c.get("from"), c.get("old")), (c.get("to"), c.get("new"))):
            if value is not None:
                line["points"][version] = {"version": version, "value": value}
    return [{**line, "points": list(line["points"].values())} for line in lines.values()]


def _series_name(line: dict[str, Any]) -> str:
    """``size=10000, threads=2`` for a Modes timing, ``FirstCall.timeraw_first_call`` for a
    benchmark without other parameters: the kernel and mode are the chart's."""
    params = ", ".join(f"{k}={v}" for k, v in line.get("params", {}).items() if k != "mode")
    return params or line["benchmark"].split(".", 1)[-1]


def timeline_charts(report: dict[str, Any]) -> dict[str, Chart]:
    """Per kernel × mode (id ``kernel-mode``): its timings across releases, relative to
    their first release."""
    x, y = Axis("Numba", categories=report.get("versions", [])), Axis("× first release", "x", log=2)
    groups: dict[tuple[str, str], list[Series]] = {}
    lines = timeline(report)
    several = len({line.get("environment") for line in lines}) > 1
    for line in lines:
        mode = line.get("params", {}).get("mode")
        points = [p for p in line["points"] if p.get("value")]
        if mode is None or not points:
            continue
        first = points[0]["value"]
        relative = [
            (p["version"], *(p[k] / first for k in ("value", "low", "high") if p.get(k) is not None)) for p in points
        ]
        environment = f" · {line['environment']}" if several else ""
        kernel = line["benchmark"].split(".")[0]
        groups.setdefault((kernel, mode), []).append(Series(_series_name(line) + environment, relative))
    return {
        f"{kernel}-{mode}": Chart(f"{kernel} · {mode}: relative to its first release", x, y, series)
        for (kernel, mode), series in sorted(groups.items())
    }


def _value(value: float | None, unit: str) -> str:
    return "failed" if value is None else html.escape(human_value(value, unit))


def verdict_cell(c: dict[str, Any]) -> str:
    """The verdict; a "none" says what the first look could have detected (``detectable``,
    absent from older reports): ``no change beyond 1.12×``, or that with its rounds it could
    detect nothing."""
    found = verdict(c)
    if found != "none" or "detectable" not in c:
        return f"<b>{html.escape(found)}</b>"
    if c["detectable"] is not None:
        return f"<b>no change</b> beyond {c['detectable']:.2f}×"
    old, new = (c["rounds"][i] - (c.get("confirm_rounds") or [0, 0])[i] for i in (0, 1))
    return f"<b>none</b> <span class=ntb-note>(cannot detect any change with {old}/{new} rounds)</span>"


def power(comparisons: list[dict[str, Any]]) -> str:
    """``; each could detect a change beyond 1.11× to 1.60× (median 1.20×)``, from the
    comparisons' ``detectable`` (empty where none is recorded)."""
    ratios = sorted(c["detectable"] for c in comparisons if c.get("detectable") is not None)
    blind = sum(c.get("detectable", 0) is None for c in comparisons)
    text = f"; each could detect a change beyond {ratios[0]:.2f}× to {ratios[-1]:.2f}×" if ratios else ""
    text += f" (median {statistics.median(ratios):.2f}×)" if ratios else ""
    return text + (f"; {blind} could detect none (too few rounds)" if blind else "")


def _evidence(c: dict[str, Any]) -> list[str]:
    ratio = "n/a" if c.get("ratio") is None else f"{c['ratio']:.2f}"
    if c.get("ci"):
        ratio += f" <span class=ntb-note>[{c['ci'][0]:.2f}, {c['ci'][1]:.2f}]</span>"
    rounds = "/".join(map(str, c["rounds"])) if c.get("rounds") else "–"
    confirm = "/".join(map(str, c["confirm_rounds"])) if c.get("confirm_rounds") else "–"
    return [ratio, rounds, confirm]


def step_changes(report: dict[str, Any]) -> dict[tuple[str, str, str], list[str]]:
    """(from, to, environment) → ``fact: old → new`` lines, from the report's steps. A
    version recorded both as a fact (``Versions.llvm``) and by name (``llvm``) is shown once,
    and Numba's own version not at all (the step names it)."""
    found = {}
    for step in report.get("steps", []):
        changes = step.get("changes", {})
        shown = {
            fact: pair
            for fact, pair in changes.items()
            if not (fact.startswith(VERSION_FACT) and fact.removeprefix(VERSION_FACT) in {*changes, "numba"})
        }
        found[step.get("from"), step.get("to"), step.get("environment")] = [
            f"{fact}: {_fact(old)} → {_fact(new)}" for fact, (old, new) in sorted(shown.items())
        ]
    return found


def _fact(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "none"
    return "–" if value is None else str(value)


def diagnosis_cell(c: dict[str, Any]) -> str:
    """What changed in the comparison's compiled variant (older reports: not recorded), with
    links to the write-ups that explain it."""
    found = c.get("diagnosis")
    if not found:
        return "<span class=ntb-note>not recorded</span>"
    variant = f"<code>{html.escape(found['variant'])}</code>: " if found.get("variant") else ""
    changes = "<br>".join(
        re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(line)) for line in found.get("changes", [])
    )
    links = "".join(
        f"<br>→ <a href='{html.escape(w['href'])}'>{html.escape(w['title'])}</a>" for w in found.get("writeups", [])
    )
    return f"<span class='ntb-diagnosis ntb-{html.escape(found.get('code', ''))}'>{variant}{changes}{links}</span>"


def _allocator(c: dict[str, Any]) -> str:
    """Under a confirmed verdict: whether the allocator's state could move its mode."""
    if not c.get("allocator") or verdict(c) not in ("regression", "improvement"):
        return ""
    return f"<br><span class=ntb-note>{html.escape(c['allocator'])}</span>"


def verdicts_table(report: dict[str, Any], comparisons: list[dict[str, Any]]) -> str:
    """Comparisons with their evidence and the diagnosis of their compiled code (the
    environment changes of each release step are listed once, below)."""
    rows, classes = [], []
    for c in comparisons:
        rows.append(
            [
                verdict_cell(c),
                f"<code>{html.escape(label(c))}</code>{_allocator(c)}",
                f"{release(c.get('from'))} → {release(c.get('to'))}",
                _value(c.get("old"), c.get("unit", "")),
                _value(c.get("new"), c.get("unit", "")),
                *_evidence(c),
                diagnosis_cell(c),
            ]
        )
        classes.append(verdict(c))
    header = ["verdict", "benchmark", "releases", "old", "new", "ratio [CI]", "rounds old/new", "confirm"]
    header.append("why: the compiled code")
    return table(header, rows, classes, numeric=(3, 4, 5, 6, 7))


def environment_table(report: dict[str, Any]) -> str:
    """What changed in the environment at each release step."""
    steps = step_changes(report)
    if not steps:
        return "<p class=ntb-note>This report records no release steps.</p>"
    rows = [
        [f"{old} → {new}", html.escape(str(env)), "<br>".join(map(html.escape, lines)) or "nothing recorded"]
        for (old, new, env), lines in steps.items()
    ]
    return table(["releases", "environment", "what changed besides Numba"], rows)


def render_machine(report: dict[str, Any] | None, prefix: str = "") -> tuple[str, dict[str, Any]]:
    """One machine's report and its chart specs; chart ids start with `prefix`."""
    if not report or not report.get("comparisons"):
        reason = (
            f" <span class=ntb-note>({html.escape(report['message'])})</span>"
            if report and report.get("message")
            else ""
        )
        return f"<p>{NO_DATA}{reason}</p>", {}
    comparisons = report["comparisons"]
    flagged = [c for c in comparisons if verdict(c) in FLAGGED]
    flagged.sort(key=lambda c: FLAGGED.index(verdict(c)))
    counts = ", ".join(f"{v} {sum(verdict(c) == v for c in comparisons)}" for v in FLAGGED)
    rest = [c for c in comparisons if verdict(c) not in FLAGGED]
    specs = {prefix + key: chart.as_json() for key, chart in timeline_charts(report).items()}
    return (
        f"<p>Commit <code>{html.escape(str(report.get('commit', ''))[:8])}</code> on machine "
        f"<code>{html.escape(str(report.get('machine', '')))}</code>, Numba "
        f"{' → '.join(map(release, report.get('versions', [])))}, factor {report.get('factor', '–')}: {counts}. "
        f"Data: <a href='{DATA}'>{DATA}</a>.</p>"
        f"<h2>Verdicts</h2>{verdicts_table(report, flagged) if flagged else '<p>No change beyond the factor.</p>'}"
        f"<details><summary>{len(rest)} comparisons without a change{power(rest)}</summary>"
        f"{verdicts_table(report, rest)}</details>"
        f"<h2>What changed in the environment</h2>{environment_table(report)}"
        f"<h2>Timelines</h2><div class=ntb-grid>{''.join(map(chart_slot, specs))}</div>",
        specs,
    )


def render(found: list[Section[Report]], data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The page body (every machine in its section, ``ntb_site.pages.machines``, each rendered
    from its record of `data`, the JSON written) and its chart specs."""
    if not found:
        return f"<p>{NO_DATA}</p>", {}
    parts, specs = [], {}
    for s in found:
        record = data["machines"][s.name]
        body, charts = render_machine(record, machines.prefix(found, s)) if s.data else ("", {})
        parts.append((s, body))
        specs.update(charts)
    return machines.render(parts), specs


def publish(html_dir: str | Path, results_dir: str | Path) -> dict[str, Any]:
    """Write numba_versions.json (``ntb_site.answers.numba_versions``) and numba-versions.html from it."""
    found = numba_versions.per_machine(results_dir)
    data = numba_versions.publish_data(html_dir, found)
    docs_page.publish_writeups(html_dir)
    body, specs = render(found, data)
    write_page(html_dir, PAGE, "Numba versions", body, specs)
    return data


class NumbaVersionsPage(OutputPublisher):
    """Run by ``asv publish``: the Numba-release report's JSON and its page."""

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Write the page from ``conf.results_dir`` into ``conf.html_dir``."""
        publish(conf.html_dir, conf.results_dir)
