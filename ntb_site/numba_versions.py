"""Numba-release regression report: one commit's results under consecutive Numba releases.

For the newest commit with results under at least two Numba releases, every benchmark ×
parameter set is compared between consecutive releases (ordered by ``packaging.version``),
only between environments that differ in the ``numba`` requirement alone.  ``ratio`` is
new / old.  A change is flagged (regression: slower, improvement: faster) only when it is
larger than ``factor`` (``asv compare --factor``) *and* significant by asv's own test,
``asv._stats.is_different`` (Mann-Whitney U on samples recorded by ``asv run
--record-samples``, else the 99 % confidence intervals).  Results without statistics
(``track_*``, ``peakmem_*``, a single repeat) get ``significant: null`` and are never
flagged; a benchmark that fails only under the newer release is a regression.

``asv publish`` writes ``numba-versions.html`` and ``numba_versions.json`` through
:class:`NumbaVersionsPage` (asv.conf.json ``"plugins": [".ntb_site.numba_versions"]``).
From the repository root, the same table in the terminal::

    python -m ntb_site.numba_versions [--results .asv/results] [--machine NAME] [--factor 1.10]

Exit status: 0 no regression, 1 regression found, 2 bad input (no results, no commit with
two or more releases, unknown machine) or bad usage.
"""

from __future__ import annotations

import argparse
import ast
import html
import itertools
import json
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asv import _stats
from asv.benchmarks import Benchmarks
from asv.commands.compare import _is_result_better
from asv.publishing import OutputPublisher
from asv.results import Results, iter_results_for_machine
from asv.util import UserError, human_value, load_json
from asv_runner.statistics import get_err
from packaging.version import InvalidVersion, Version
from tabulate import tabulate

from ntb_site import results
from ntb_site.offline import register_nav_link, write_page
from ntb_site.results import env_label

PAGE = "numba-versions.html"
DATA = "numba_versions.json"
DEFAULT_FACTOR = 1.10
EXIT_REGRESSION = 1
EXIT_BAD_INPUT = 2
NO_DATA = "No results with several Numba releases yet."

register_nav_link(PAGE, "Numba versions")


class ReportError(Exception):
    """The results cannot give a report; the message says why."""


@dataclass(frozen=True)
class Comparison:
    """One benchmark × parameter set between two consecutive Numba releases."""

    benchmark: str
    params: dict[str, Any]
    environment: dict[str, str]
    old_version: str
    new_version: str
    unit: str
    old: float | None
    new: float | None
    old_err: float | None
    new_err: float | None
    ratio: float | None
    beyond_factor: bool
    significant: bool | None
    regression: bool
    improvement: bool

    @property
    def mark(self) -> str:
        """asv compare's mark: + regression, - improvement, ~ beyond factor but not significant."""
        if self.regression:
            return "+"
        if self.improvement:
            return "-"
        return "~" if self.beyond_factor else " "

    def as_json(self) -> dict[str, Any]:
        """The JSON record of the report's ``comparisons`` list."""
        return {
            "benchmark": self.benchmark,
            "params": self.params,
            "environment": self.environment,
            "from": self.old_version,
            "to": self.new_version,
            "unit": self.unit,
            "old": self.old,
            "new": self.new,
            "ratio": self.ratio,
            "significant": self.significant,
            "regression": self.regression,
            "improvement": self.improvement,
        }


@dataclass(frozen=True)
class Report:
    """The comparisons of one commit's results on one machine."""

    machine: str
    commit: str
    factor: float
    versions: list[str]
    comparisons: list[Comparison]

    @property
    def regressions(self) -> list[Comparison]:
        """The comparisons flagged as regressions."""
        return [c for c in self.comparisons if c.regression]

    def as_json(self) -> dict[str, Any]:
        """The report as written to ``numba_versions.json``."""
        return {
            "machine": self.machine,
            "commit": self.commit,
            "factor": self.factor,
            "versions": self.versions,
            "comparisons": [c.as_json() for c in self.comparisons],
        }


def _version(result: Results) -> Version | None:
    try:
        return Version(result.params.get("numba", ""))
    except InvalidVersion:
        return None


def environment(result: Results) -> dict[str, str]:
    """What, besides the machine and Numba, defines the result's environment."""
    return results.environment(result, without=("numba",))


def _multi_release(results_dir: Path, machine: str) -> dict[tuple[int, str], list[dict[Version, Results]]]:
    """(date, commit) -> its groups of results (release -> results) that differ in the numba
    version alone, for the commits with such a group of two or more releases."""
    groups: dict[tuple[int, str, str], dict[Version, Results]] = {}
    for result in iter_results_for_machine(str(results_dir), machine):
        version = _version(result)
        if version is not None:
            key = (result.date or 0, result.commit_hash, json.dumps(environment(result), sort_keys=True))
            groups.setdefault(key, {})[version] = result
    commits: dict[tuple[int, str], list[dict[Version, Results]]] = {}
    for (date, commit, _), group in sorted(groups.items()):
        if len(group) >= 2:
            commits.setdefault((date, commit), []).append(dict(sorted(group.items())))
    return commits


def _pick(results_dir: Path, machine: str | None) -> tuple[str, str, list[dict[Version, Results]]]:
    """(machine, commit, groups): the newest commit with several releases on `machine`
    (None: on whichever machine has the newest such commit)."""
    if not results_dir.is_dir():
        raise ReportError(f"no asv results directory at {results_dir}")
    machines = results.machines(results_dir)
    if machine is not None and machine not in machines:
        raise ReportError(f"no results for machine {machine!r} in {results_dir} (machines: {', '.join(machines)})")
    candidates = [
        (date, commit, name, groups)
        for name in ([machine] if machine else machines)
        for (date, commit), groups in _multi_release(results_dir, name).items()
    ]
    if not candidates:
        raise ReportError(f"no commit has results under two or more Numba releases in {results_dir}")
    _, commit, name, groups = max(candidates, key=lambda candidate: candidate[:3])
    return name, commit, groups


def _param_value(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _significance(old_ss: tuple, new_ss: tuple) -> bool | None:
    """asv's test (as asv compare applies it); None where asv recorded no statistics to test."""
    (old_stats, old_samples), (new_stats, new_samples) = old_ss, new_ss
    if not old_stats or not new_stats or 1 in (old_stats.get("repeat"), new_stats.get("repeat")):
        return None
    return _stats.is_different(old_samples, new_samples, old_stats, new_stats)


def _compare_pair(
    old: Results, new: Results, versions: tuple[str, str], benchmarks: dict[str, dict], factor: float
) -> Iterator[Comparison]:
    env = environment(new)
    for key in sorted(set(old.get_all_result_keys()) & set(new.get_all_result_keys())):
        params = old.get_result_params(key)
        info = benchmarks.get(key, {})
        names = info.get("param_names") or [f"param{i + 1}" for i in range(len(params))]
        columns = [
            zip(
                r.get_result_value(key, params),
                r.get_result_stats(key, params),
                r.get_result_samples(key, params),
                strict=True,
            )
            for r in (old, new)
        ]
        for combo, (a, a_stats, a_samples), (b, b_stats, b_samples) in zip(
            itertools.product(*params), *columns, strict=True
        ):
            if (a is None and b is None) or (a is not None and math.isnan(a)) or (b is not None and math.isnan(b)):
                continue  # both failed, or skipped (n/a) on either side
            old_ss, new_ss = (a_stats, a_samples), (b_stats, b_samples)
            ratio = b / a if a is not None and b is not None and a != 0 else None
            significant = _significance(old_ss, new_ss) if ratio is not None else None
            yield Comparison(
                benchmark=key,
                params={name: _param_value(value) for name, value in zip(names, combo, strict=True)},
                environment=env,
                old_version=versions[0],
                new_version=versions[1],
                unit=info.get("unit", ""),
                old=a,
                new=b,
                old_err=get_err(a, a_stats) if a_stats else None,
                new_err=get_err(b, b_stats) if b_stats else None,
                ratio=ratio,
                beyond_factor=ratio is not None
                and (_is_result_better(a, b, None, None, factor) or _is_result_better(b, a, None, None, factor)),
                significant=significant,
                regression=b is None or (bool(significant) and _is_result_better(a, b, old_ss, new_ss, factor)),
                improvement=a is None or (bool(significant) and _is_result_better(b, a, new_ss, old_ss, factor)),
            )


def build_report(results_dir: str | Path, machine: str | None = None, factor: float = DEFAULT_FACTOR) -> Report:
    """Compare consecutive Numba releases at the newest commit that has several.

    Raises ReportError when there is nothing to compare.
    """
    results_dir = Path(results_dir)
    machine, commit, groups = _pick(results_dir, machine)
    try:
        benchmarks = load_json(str(results_dir / "benchmarks.json"), api_version=Benchmarks.api_version)
    except (OSError, UserError):
        benchmarks = {}
    comparisons = [
        comparison
        for group in groups
        for (v_old, old), (v_new, new) in itertools.pairwise(group.items())
        for comparison in _compare_pair(old, new, (str(v_old), str(v_new)), benchmarks, factor)
    ]
    comparisons.sort(key=lambda c: (not c.regression, not c.improvement, c.benchmark))  # stable: params in order
    versions = sorted({v for group in groups for v in group})
    return Report(machine, commit, factor, [str(v) for v in versions], comparisons)


def _label(comparison: Comparison) -> str:
    values = ", ".join(repr(v) for v in comparison.params.values())
    return f"{comparison.benchmark}({values})" if values else comparison.benchmark


def _rows(report: Report) -> tuple[list[str], list[list[str]]]:
    """Column headers and formatted rows shared by the terminal and the html table."""
    several_envs = len({env_label(c.environment) for c in report.comparisons}) > 1
    header = ["", "benchmark", *(["environment"] if several_envs else []), "from", "to", "old", "new", "ratio"]
    rows = [
        [
            c.mark,
            _label(c),
            *([env_label(c.environment)] if several_envs else []),
            c.old_version,
            c.new_version,
            human_value(c.old, c.unit, err=c.old_err),
            human_value(c.new, c.unit, err=c.new_err),
            "n/a" if c.ratio is None else f"{'~' if c.mark == '~' else ''}{c.ratio:.2f}",
        ]
        for c in report.comparisons
    ]
    return header, rows


def format_table(report: Report) -> str:
    """The report as a terminal table, flagged rows first, with a one-line summary."""
    header, rows = _rows(report)
    improvements = sum(c.improvement for c in report.comparisons)
    return (
        f"Numba releases {' -> '.join(report.versions)} at commit {report.commit[:8]} on machine {report.machine}"
        f" (factor {report.factor}; + regression, - improvement, ~ beyond factor but not significant)\n\n"
        + tabulate(rows, header, tablefmt="simple")
        + f"\n\n{len(report.regressions)} regression(s), {improvements} improvement(s)."
    )


_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 640, 220, 56, 16, 12, 24
_COLORS = {"+": "#d9534f", "-": "#5cb85c"}
PLOT_NOTE = (
    "Plots: each parameter set's value relative to the oldest release (log scale); grey band: within the factor; "
    "red: regression, green: improvement; hover a line for its parameters."
)


def _ticks(low: float, high: float) -> list[float]:
    """Round values (1-2-5 steps; finer near 1 on a narrow range) whose logs lie in [low, high]."""
    ticks = {m * 10.0**e for e in range(-3, 4) for m in (1, 2, 5)}
    if high - low < math.log(4):
        ticks |= {0.8, 0.9, 1.1, 1.25}
    return sorted(t for t in ticks if low <= math.log(t) <= high)


def _chart(versions: list[str], series: dict[str, tuple[str, dict[str, float]]], factor: float) -> str:
    """Inline SVG of `series` (label -> (mark, release -> value relative to the first)), log scale."""
    values = [r for _, points in series.values() for r in points.values()]
    low, high = math.log(min([*values, 1 / factor]) / 1.05), math.log(max([*values, factor]) * 1.05)

    def x(version: str) -> float:
        return _LEFT + (_W - _LEFT - _RIGHT) * (versions.index(version) + 0.5) / len(versions)

    def y(value: float) -> float:
        return _TOP + (_H - _TOP - _BOTTOM) * (high - math.log(value)) / (high - low)

    parts = [
        f'<rect x="{_LEFT}" y="{y(factor):.1f}" width="{_W - _LEFT - _RIGHT}" '
        f'height="{y(1 / factor) - y(factor):.1f}" fill="#eee"/>'
    ]
    parts += [
        f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
        f'stroke="{"#888" if t == 1 else "#ddd"}"/>'
        f'<text x="{_LEFT - 4}" y="{y(t) + 4:.1f}" text-anchor="end" font-size="11">{t:g}</text>'
        for t in _ticks(low, high)
    ]
    parts += [
        f'<text x="{x(v):.1f}" y="{_H - 6}" text-anchor="middle" font-size="12">{html.escape(v)}</text>'
        for v in versions
    ]
    for label, (mark, points) in sorted(series.items(), key=lambda item: item[1][0] in _COLORS):
        coords = " ".join(f"{x(v):.1f},{y(r):.1f}" for v, r in points.items())
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{_COLORS.get(mark, "#aaa")}" stroke-width="1.5">'
            f"<title>{html.escape(label)}</title></polyline>"
        )
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img">{"".join(parts)}</svg>'


def _series(report: Report) -> dict[str, dict[str, tuple[str, dict[str, float]]]]:
    """benchmark -> label -> (worst mark, release -> value / value at its first release)."""
    raw: dict[str, dict[str, tuple[str, dict[str, float]]]] = {}
    for c in report.comparisons:
        if c.old and c.new and c.old > 0 and c.new > 0:
            label = f"{_label(c)} {env_label(c.environment)}"
            mark, points = raw.setdefault(c.benchmark, {}).get(label, (" ", {}))
            mark = c.mark if c.mark in _COLORS and mark != "+" else mark
            raw[c.benchmark][label] = (mark, {**points, c.old_version: c.old, c.new_version: c.new})
    return {
        name: {
            label: (mark, {v: value / next(iter(points.values())) for v, value in points.items()})
            for label, (mark, points) in lines.items()
        }
        for name, lines in raw.items()
    }


def _plots(report: Report) -> str:
    return "\n".join(
        f"<h3>{html.escape(name)}</h3>\n{_chart(report.versions, lines, report.factor)}"
        for name, lines in sorted(_series(report).items())
    )


def render_body(report: Report | None) -> str:
    """HTML body of numba-versions.html: summary, table and one plot per benchmark."""
    if report is None or not report.comparisons:
        return f"<p>{NO_DATA}</p>"
    header, rows = _rows(report)
    css = {"+": ' class="danger"', "-": ' class="success"'}
    body_rows = "\n".join(
        f"<tr{css.get(c.mark, '')}>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>"
        for c, row in zip(report.comparisons, rows, strict=True)
    )
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return (
        f"<p>Commit <code>{html.escape(report.commit[:8])}</code> on machine <code>{html.escape(report.machine)}"
        f"</code>, Numba {html.escape(' → '.join(report.versions))}: {len(report.regressions)} regression(s), "
        f"{sum(c.improvement for c in report.comparisons)} improvement(s). A change is flagged when the ratio "
        f"(new / old) passes the factor {report.factor} <em>and</em> asv's significance test agrees; "
        f"~ marks a ratio beyond the factor that is not significant. Data: <a href='{DATA}'>{DATA}</a>.</p>\n"
        f'<table class="table table-condensed table-hover"><thead><tr>{head}</tr></thead>\n'
        f"<tbody>\n{body_rows}\n</tbody></table>\n<p class='text-muted'>{PLOT_NOTE}</p>\n{_plots(report)}"
    )


def publish(html_dir: str | Path, results_dir: str | Path, factor: float = DEFAULT_FACTOR) -> Report | None:
    """Write numba-versions.html and numba_versions.json (a no-data page when there is nothing to compare)."""
    try:
        report = build_report(results_dir, factor=factor)
    except ReportError:
        report = None
    data = report.as_json() if report else {"commit": None, "versions": [], "comparisons": [], "message": NO_DATA}
    Path(html_dir, DATA).write_text(json.dumps(data, indent=1, allow_nan=False), encoding="utf-8")
    write_page(html_dir, PAGE, "Numba versions", render_body(report))
    return report


class NumbaVersionsPage(OutputPublisher):
    """Run by ``asv publish``: the Numba-release report page and its JSON."""

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Write the report from ``conf.results_dir`` into ``conf.html_dir``."""
        publish(conf.html_dir, conf.results_dir)


def main(argv: Sequence[str] | None = None) -> int:
    """CLI: print the report; return the exit status (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m ntb_site.numba_versions", description=__doc__.split("\n")[0])
    parser.add_argument("--results", default=".asv/results", help="asv results_dir (default: .asv/results)")
    parser.add_argument("--machine", help="machine name (default: the one with the newest multi-release commit)")
    parser.add_argument("--factor", type=float, default=DEFAULT_FACTOR, help="as asv compare --factor (default 1.10)")
    args = parser.parse_args(argv)
    if not args.factor >= 1:
        parser.error(f"--factor must be at least 1, got {args.factor}")
    try:
        report = build_report(args.results, args.machine, args.factor)
    except ReportError as error:
        print(f"numba_versions: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(format_table(report))
    return EXIT_REGRESSION if report.regressions else 0


if __name__ == "__main__":
    sys.exit(main())
