"""Run the real asv (the venv's, 0.6.6) against a project without touching the user's results.

Every helper works on a temporary config written by `write_config`: the repo's
asv.conf.json with absolute paths, results/html/env dirs in a temporary dir and
`branches: ["HEAD"]`, so a detached CI checkout still publishes graphs. asv
always runs with cwd = repository root, because the `.ntb_site.pages.offline`
plugin is imported from the current directory.

How asv 0.6.6 records outcomes in a results file (`asv.results.Results`):
a number is a result; NaN is "n/a", a benchmark whose setup raised
NotImplementedError (skipped); None is a failure (exception, timeout, crash;
the error text is only in asv's stderr, `errcode` is not saved to the file).
`asv run` exits with 2 when any benchmark failed.
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import os
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from asv.results import Results, iter_results_for_machine

ROOT = Path(__file__).resolve().parents[1]
MACHINE = "ntb-test"
PYTHON = sys.executable


def write_config(directory: Path, repo: Path = ROOT, benchmark_dir: Path | None = None, **overrides) -> Path:
    """Write `directory/asv.conf.json` from the repo's config with absolute, temporary paths."""
    conf = json.loads((ROOT / "asv.conf.json").read_text(encoding="utf-8"))
    conf.update(
        repo=str(repo),
        benchmark_dir=str(benchmark_dir or ROOT / conf["benchmark_dir"]),
        results_dir=str(directory / "results"),
        html_dir=str(directory / "html"),
        env_dir=str(directory / "env"),
        branches=["HEAD"],
    )
    conf.update(overrides)
    path = directory / "asv.conf.json"
    path.write_text(json.dumps(conf, indent=2), encoding="utf-8")
    return path


def conf_value(config: Path, key: str) -> Path:
    """A path-valued entry (results_dir, html_dir, ...) of a config from `write_config`."""
    return Path(json.loads(config.read_text(encoding="utf-8"))[key])


def _invocation(config: Path, args: Iterable[str], env: Mapping[str, str] | None) -> dict:
    """subprocess arguments of `python -m asv <args> --config <config>` from the repo root."""
    return {
        "args": [PYTHON, "-m", "asv", *args, "--config", str(config)],
        "cwd": ROOT,
        "env": {**os.environ, **(env or {})},
    }


def asv(config: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 300, check: bool = True):
    """Run `python -m asv <args> --config <config>` from the repo root; return the CompletedProcess."""
    proc = subprocess.run(
        **_invocation(config, args, env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"asv {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def add_machine(config: Path, machine: str = MACHINE) -> None:
    """`asv machine --yes`: (re)writes `machine` in ~/.asv-machine.json with the detected defaults."""
    asv(config, "machine", "--yes", "--machine", machine)


def run_args(commit: str, python: str = PYTHON, machine: str = MACHINE, bench: str | None = None) -> list[str]:
    """Arguments of a quick `asv run` in an existing environment, recorded under `commit`."""
    args = ["run", "--quick", "--show-stderr", "-E", f"existing:{python}", "--set-commit-hash", commit]
    args += ["--machine", machine]
    return args + (["--bench", bench] if bench else [])


def run(config: Path, commit: str, *, env=None, timeout: float = 300, bench: str | None = None, **kwargs):
    """A quick `asv run`; rc 0 or 2 (some benchmarks failed) are accepted, anything else raises."""
    proc = asv(config, *run_args(commit, bench=bench, **kwargs), env=env, timeout=timeout, check=False)
    if proc.returncode not in (0, 2):
        raise AssertionError(f"asv run exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def start_run(config: Path, commit: str, log: Path, *, env=None) -> subprocess.Popen:
    """Start a quick `asv run` (as `run`) in the background, its stdout and stderr going to `log`."""
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen(
            **_invocation(config, run_args(commit), env),
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )


def publish(config: Path, timeout: float = 300):
    """`asv publish` into the config's html_dir."""
    return asv(config, "publish", timeout=timeout)


def git_head(repo: Path = ROOT) -> str:
    """Full sha of the checked-out commit of `repo`."""
    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True
    ).stdout.strip()


def load_benchmarks(results_dir: Path) -> dict[str, dict]:
    """asv's benchmarks.json: every benchmark it discovered, by name."""
    data = json.loads((results_dir / "benchmarks.json").read_text(encoding="utf-8"))
    data.pop("version", None)
    return data


def load_results(results_dir: Path, machine: str = MACHINE) -> list[Results]:
    """Every results file of `machine`, loaded by asv itself."""
    return list(iter_results_for_machine(str(results_dir), machine))


def results_for(results_dir: Path, commit: str, machine: str = MACHINE) -> Results:
    """The one results file for `commit` on `machine`."""
    (found,) = [r for r in load_results(results_dir, machine) if r.commit_hash == commit]
    return found


def _param(text: str) -> object:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


@dataclass(frozen=True)
class Outcome:
    """One benchmark × parameter combination of a results file."""

    benchmark: str
    params: dict[str, object]
    value: float | None
    recorded: bool = True

    @property
    def state(self) -> str:
        """'ok' (a number), 'skipped' (NaN: n/a), 'failed' (None) or 'missing' (no entry)."""
        if not self.recorded:
            return "missing"
        if self.value is None:
            return "failed"
        return "skipped" if math.isnan(self.value) else "ok"


def outcomes(result: Results, benchmarks: Mapping[str, dict]) -> list[Outcome]:
    """Every parameter combination of every benchmark in `benchmarks`, with its recorded value."""
    found = []
    keys = set(result.get_all_result_keys())
    for name, bench in sorted(benchmarks.items()):
        params, names = bench["params"], bench["param_names"]
        combos = [dict(zip(names, map(_param, combo), strict=True)) for combo in itertools.product(*params)]
        if name not in keys:
            found += [Outcome(name, combo, None, recorded=False) for combo in combos]
            continue
        values = result.get_result_value(name, params)
        found += [Outcome(name, combo, value) for combo, value in zip(combos, values, strict=True)]
    return found


def durations(result: Results) -> dict[str, float]:
    """Seconds asv spent on each benchmark (all its parameter combinations), slowest first."""
    per_benchmark = {key: value for key, value in result.duration.items() if not key.startswith("<")}
    return dict(sorted(per_benchmark.items(), key=lambda item: -item[1]))


def duration_table(result: Results, benchmarks: Mapping[str, dict], top: int = 10) -> str:
    """The `top` slowest benchmarks: seconds, combinations, seconds per combination."""
    lines = []
    for name, seconds in itertools.islice(durations(result).items(), top):
        combos = math.prod(len(p) for p in benchmarks[name]["params"]) if name in benchmarks else 1
        lines.append(f"{seconds:7.1f} s  {combos:3d} combos  {seconds / combos:5.2f} s/combo  {name}")
    return "\n".join(lines)


def graph_files(html_dir: Path, benchmark: str) -> list[Path]:
    """The published graph JSON files of `benchmark` (one per machine/environment/branch)."""
    return sorted(p for p in (html_dir / "graphs").rglob(f"{benchmark}.json") if "summary" not in p.parts)


def graph_commits(html_dir: Path, graph: Path) -> set[str]:
    """Commit hashes with a data point in a published graph file."""
    index = json.loads((html_dir / "index.json").read_text(encoding="utf-8"))
    revision_to_hash = {int(rev): sha for rev, sha in index["revision_to_hash"].items()}
    return {revision_to_hash[point[0]] for point in json.loads(graph.read_text(encoding="utf-8"))}


def tree(directory: Path) -> dict[str, bytes]:
    """Every file under `directory` by relative path, with its bytes."""
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


def failures(found: Iterable[Outcome]) -> list[Outcome]:
    """The outcomes that are neither a number nor a deliberate skip."""
    return [o for o in found if o.state in ("failed", "missing")]
