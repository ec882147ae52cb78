"""Scaling page: speedup and parallel efficiency against threads, per kernel × mode.

Reads the ``<kernel>.Scaling.track_speedup`` / ``track_efficiency`` results (speedup over
the kernel's serial baseline, both timed interleaved in one process; efficiency = speedup /
threads) at the newest commit that has them, one section per environment, and draws them as
inline SVG beside the ideal line (speedup = threads, efficiency = 1).

``asv publish`` writes ``scaling.html`` through :class:`ScalingPage` (asv.conf.json
``"plugins": [".ntb_site.scaling"]``); without results the page says so.
"""

from __future__ import annotations

import html
import itertools
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, NamedTuple

from asv.benchmarks import Benchmarks
from asv.publishing import OutputPublisher
from asv.results import Results, iter_results_for_machine
from asv.util import UserError, load_json

from ntb_site.offline import register_nav_link, write_page
from ntb_site.results import env_label, environment, machines

PAGE = "scaling.html"
NO_DATA = "No Scaling results yet (run the <code>Scaling</code> benchmarks)."
METRICS = {"speedup": "speedup over serial", "efficiency": "parallel efficiency"}
_NAME = re.compile(r"^(?P<kernel>.+)\.Scaling\.track_(?P<metric>speedup|efficiency)$")

register_nav_link(PAGE, "Scaling")


class Point(NamedTuple):
    """One Scaling result value."""

    environment: str
    kernel: str
    size: int
    metric: str
    mode: str
    threads: int
    value: float


class ScalingData(NamedTuple):
    """The Scaling results of one commit on one machine."""

    machine: str
    commit: str
    points: list[Point]


def _points(result: Results, param_names: dict[str, list[str]]) -> Iterable[Point]:
    for key in result.get_all_result_keys():
        match = _NAME.match(key)
        if not match or param_names.get(key) != ["size", "mode", "threads"]:
            continue
        params = result.get_result_params(key)
        env = env_label(environment(result))
        for (size, mode, threads), value in zip(
            itertools.product(*params), result.get_result_value(key, params), strict=True
        ):
            if value is not None and not math.isnan(value):
                yield Point(env, match["kernel"], int(size), match["metric"], mode.strip("'\""), int(threads), value)


def load(results_dir: str | Path) -> ScalingData | None:
    """The Scaling results of the newest commit (on the machine that has the newest); None
    when there are none."""
    results_dir = Path(results_dir)
    try:
        benchmarks = load_json(str(results_dir / "benchmarks.json"), api_version=Benchmarks.api_version)
    except (OSError, UserError):
        return None
    param_names = {name: info.get("param_names") for name, info in benchmarks.items()}
    found: dict[tuple[int, str, str], list[Point]] = {}
    for name in machines(results_dir):
        for result in iter_results_for_machine(str(results_dir), name):
            points = list(_points(result, param_names))
            if points:
                found.setdefault((result.date or 0, result.commit_hash, name), []).extend(points)
    if not found:
        return None
    (_, commit, name), points = max(found.items())
    return ScalingData(name, commit, sorted(points))


_W, _H, _LEFT, _RIGHT, _TOP, _BOTTOM = 300, 230, 40, 10, 24, 34
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _step(top: float) -> float:
    """A round tick spacing giving at most 6 ticks up to `top`."""
    base = 10 ** math.floor(math.log10(top))
    return next(base * m for m in (0.1, 0.2, 0.5, 1, 2, 5) if top / (base * m) <= 6)


def chart(metric: str, threads: list[int], curves: dict[str, dict[int, float]], colors: dict[str, str]) -> str:
    """Inline SVG of `metric` (speedup or efficiency) against `threads`, one line per mode,
    with the ideal line dashed."""
    ideal = {t: float(t) if metric == "speedup" else 1.0 for t in threads}
    top = max([*ideal.values(), *(v for curve in curves.values() for v in curve.values())]) * 1.1

    def x(t: int) -> float:
        return _LEFT + (_W - _LEFT - _RIGHT) * (threads.index(t) + 0.5) / len(threads)

    def y(value: float) -> float:
        return _TOP + (_H - _TOP - _BOTTOM) * (1 - value / top)

    def line(curve: dict[int, float], color: str, title: str, extra: str = "") -> str:
        coords = " ".join(f"{x(t):.1f},{y(v):.1f}" for t, v in sorted(curve.items()))
        dots = "".join(f'<circle cx="{x(t):.1f}" cy="{y(v):.1f}" r="2.5" fill="{color}"/>' for t, v in curve.items())
        return (
            f"<g><title>{html.escape(title)}</title>"
            f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="1.5" {extra}/>{dots}</g>'
        )

    step = _step(top)
    parts = [
        f'<line x1="{_LEFT}" x2="{_W - _RIGHT}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" stroke="#ddd"/>'
        f'<text x="{_LEFT - 4}" y="{y(tick) + 4:.1f}" text-anchor="end" font-size="10">{tick:g}</text>'
        for tick in (round(i * step, 10) for i in range(int(top / step) + 1))
    ]
    parts += [f'<text x="{x(t):.1f}" y="{_H - 20}" text-anchor="middle" font-size="11">{t}</text>' for t in threads]
    parts.append(line(ideal, "#888", "ideal", 'stroke-dasharray="4 3"'))
    parts += [line(curve, colors[mode], mode) for mode, curve in curves.items()]
    parts.append(f'<text x="{_W / 2}" y="{_H - 4}" text-anchor="middle" font-size="11">threads</text>')
    parts.append(f'<text x="{_LEFT}" y="12" font-size="12" font-weight="bold">{METRICS[metric]}</text>')
    return f'<svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" role="img">{"".join(parts)}</svg>'


def _table(threads: list[int], speedup: dict[str, dict[int, float]], efficiency: dict[str, dict[int, float]]) -> str:
    """Speedup (efficiency) per mode × threads."""

    def cell(mode: str, t: int) -> str:
        text = f"{speedup[mode][t]:.2f}×" if t in speedup.get(mode, {}) else ""
        return f"{text} ({efficiency[mode][t]:.0%})" if t in efficiency.get(mode, {}) else text

    head = "".join(f"<th>{t} thread{'s' if t > 1 else ''}</th>" for t in threads)
    rows = "".join(
        f"<tr><th>{html.escape(mode)}</th>{''.join(f'<td>{cell(mode, t)}</td>' for t in threads)}</tr>"
        for mode in sorted(speedup.keys() | efficiency.keys())
    )
    return f'<table class="table table-condensed" style="width:auto"><tr><th>mode</th>{head}</tr>{rows}</table>'


def _legend(colors: dict[str, str]) -> str:
    items = [f'<span style="color:{c}">━ {html.escape(m)}</span>' for m, c in colors.items()]
    return "<p>" + " &nbsp; ".join([*items, '<span style="color:#888">╍ ideal</span>']) + "</p>"


def render_body(data: ScalingData | None) -> str:
    """HTML body of scaling.html: per environment, per kernel and size, both charts and a table."""
    if data is None:
        return f"<p>{NO_DATA}</p>"
    modes = sorted({p.mode for p in data.points})
    colors = {mode: _PALETTE[i % len(_PALETTE)] for i, mode in enumerate(modes)}
    sections = [
        f"<p>Commit <code>{html.escape(data.commit[:8])}</code> on machine <code>{html.escape(data.machine)}</code>."
        " Speedup is over the kernel's serial baseline; efficiency = speedup / threads. Dashed: ideal.</p>",
        _legend(colors),
    ]
    for env, env_points in itertools.groupby(data.points, key=lambda p: p.environment):
        sections.append(f"<h2>{html.escape(env)}</h2>")
        for (kernel, size), group in itertools.groupby(env_points, key=lambda p: (p.kernel, p.size)):
            curves: dict[str, dict[str, dict[int, float]]] = {metric: {} for metric in METRICS}
            for p in group:
                curves[p.metric].setdefault(p.mode, {})[p.threads] = p.value
            threads = sorted({t for per_mode in curves.values() for curve in per_mode.values() for t in curve})
            charts = "".join(chart(metric, threads, curves[metric], colors) for metric in METRICS if curves[metric])
            table = _table(threads, curves["speedup"], curves["efficiency"])
            sections.append(f"<h3>{html.escape(kernel)}, size {size:,}</h3><div>{charts}</div>{table}")
    return "\n".join(sections)


def publish(html_dir: str | Path, results_dir: str | Path) -> ScalingData | None:
    """Write scaling.html into `html_dir` from the results in `results_dir`."""
    data = load(results_dir)
    write_page(html_dir, PAGE, "Scaling", render_body(data))
    return data


class ScalingPage(OutputPublisher):
    """Run by ``asv publish``: the scaling page."""

    @classmethod
    def publish(cls, conf: Any, repo: Any, benchmarks: Any, graphs: Any, revisions: Any) -> None:
        """Write scaling.html from ``conf.results_dir`` into ``conf.html_dir``."""
        publish(conf.html_dir, conf.results_dir)
