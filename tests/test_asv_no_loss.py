"""asv never loses results: real asv runs of a tiny benchmark suite on a tiny git project.

The suite (written below) runs in this interpreter via `-E existing`, with the
repo's config and publisher plugin; env variables switch on a failure and a
slow benchmark that an interrupt can hit.
"""

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import asv_run
import pytest

BENCH = """
import os


class Params:
    params = [[1, 2, 3]]
    param_names = ["n"]

    def setup(self, n):
        if n == 2 and os.environ.get("TINY_FAIL"):
            raise RuntimeError("tiny failure in setup")
        if n == 3:
            raise NotImplementedError("n/a")

    def track_n(self, n):
        return 10 * n


def track_answer():
    return 42


def track_fails():
    if os.environ.get("TINY_FAIL"):
        raise ValueError("tiny failure")
    return 1


def time_sum():
    sum(range(100))
"""

# Sorted after `bench`, so asv runs it last.
SLOW = """
import os
import time
from pathlib import Path


def track_zz_slow():
    mark = os.environ.get("TINY_SLOW_MARK")
    if mark:
        Path(mark).touch()
        time.sleep(120)
    return 1
"""

ALL = {"bench.Params.track_n", "bench.track_answer", "bench.track_fails", "bench.time_sum", "zz_slow.track_zz_slow"}


def git(repo, *args):
    identity = ["-c", "user.name=ntb", "-c", "user.email=ntb@example.invalid", "-c", "commit.gpgsign=false"]
    return subprocess.run(["git", *identity, *args], cwd=repo, capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    """A git project with three commits and the tiny benchmark suite; returns (repo, benchmarks, commits)."""
    root = tmp_path_factory.mktemp("tiny")
    repo, benchmarks = root / "project", root / "benchmarks"
    repo.mkdir()
    git(repo, "init", "-q")
    for i in range(3):
        (repo / "version.txt").write_text(f"{i}\n")
        git(repo, "add", "version.txt")
        git(repo, "commit", "-q", "-m", f"commit {i}", "--date", f"2024-01-0{i + 1}T00:00:00")
    commits = git(repo, "rev-list", "--reverse", "HEAD").split()
    benchmarks.mkdir()
    (benchmarks / "__init__.py").write_text("")
    (benchmarks / "bench.py").write_text(BENCH)
    (benchmarks / "zz_slow.py").write_text(SLOW)
    return repo, benchmarks, commits


@pytest.fixture
def config(tiny, tmp_path):
    """A temporary asv config for the tiny project (results and html under tmp_path)."""
    repo, benchmarks, _ = tiny
    path = asv_run.write_config(tmp_path, repo=repo, benchmark_dir=benchmarks, project="tiny")
    asv_run.add_machine(path)
    return path


def results_dir(config):
    return asv_run.conf_value(config, "results_dir")


def states(config, commit, python=asv_run.PYTHON):
    """{(benchmark, n or None): state} of the results file for `commit` in `python`'s environment."""
    (result,) = [
        r for r in asv_run.load_results(results_dir(config)) if r.commit_hash == commit and r.params["python"] == python
    ]
    found = asv_run.outcomes(result, asv_run.load_benchmarks(results_dir(config)))
    return {(o.benchmark, o.params.get("n")): (o.state, o.value) for o in found}


def test_failed_benchmark_is_recorded_and_the_rest_kept(tiny, config):
    _, _, commits = tiny
    proc = asv_run.run(config, commits[0], env={"TINY_FAIL": "1"})
    assert proc.returncode == 2, proc.stdout
    assert "tiny failure" in proc.stdout
    assert states(config, commits[0]) == {
        ("bench.Params.track_n", 1): ("ok", 10),
        ("bench.Params.track_n", 2): ("failed", None),
        ("bench.Params.track_n", 3): ("skipped", pytest.approx(float("nan"), nan_ok=True)),
        ("bench.track_answer", None): ("ok", 42),
        ("bench.track_fails", None): ("failed", None),
        ("bench.time_sum", None): ("ok", pytest.approx(0.0, abs=1e-3)),
        ("zz_slow.track_zz_slow", None): ("ok", 1),
    }

    # Re-running only the failing benchmark (now passing) keeps the others' results in the same file.
    asv_run.run(config, commits[0], bench="track_fails")
    after = states(config, commits[0])
    assert after[("bench.track_fails", None)] == ("ok", 1)
    assert after[("bench.track_answer", None)] == ("ok", 42)
    assert after[("bench.Params.track_n", 1)] == ("ok", 10)


def test_interrupted_run_keeps_earlier_results(tiny, config, tmp_path):
    _, _, commits = tiny
    asv_run.run(config, commits[0])
    machine_dir = results_dir(config) / asv_run.MACHINE
    before = asv_run.tree(machine_dir)

    mark, log = tmp_path / "slow-started", tmp_path / "interrupted-run.log"
    # Re-run the same commit (same results file) and a new one; interrupt in the slow benchmark.
    for commit in (commits[0], commits[1]):
        mark.unlink(missing_ok=True)
        args = [asv_run.PYTHON, "-m", "asv", *asv_run.run_args(commit), "--config", str(config)]
        env = {**os.environ, "TINY_SLOW_MARK": str(mark)}
        with log.open("w") as out:
            proc = subprocess.Popen(args, cwd=asv_run.ROOT, env=env, start_new_session=True, stdout=out, stderr=out)
        try:
            deadline = time.monotonic() + 60
            while not mark.exists():
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
            leftover = interrupt(proc)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        assert proc.returncode != 0, log.read_text()
        assert not leftover, "processes of the interrupted asv run outlived it"

    assert asv_run.tree(machine_dir) == before
    assert states(config, commits[0])[("bench.track_answer", None)] == ("ok", 42)
    asv_run.publish(config)
    (graph,) = asv_run.graph_files(asv_run.conf_value(config, "html_dir"), "bench.track_answer")
    assert asv_run.graph_commits(asv_run.conf_value(config, "html_dir"), graph) == {commits[0]}


def interrupt(proc):
    """Ctrl-C the process group (SIGTERM after 15 s); return whether any of it is still alive 10 s later."""
    os.killpg(proc.pid, signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=15)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            return False
        time.sleep(0.1)
    return True


def test_publishing_twice_gives_the_same_site_with_all_history(tiny, config):
    _, _, commits = tiny
    for commit in commits:
        asv_run.run(config, commit)
    html = asv_run.conf_value(config, "html_dir")
    asv_run.publish(config)
    first = site_without_timestamps(html)
    asv_run.publish(config)
    assert site_without_timestamps(html) == first
    for name in ALL:
        (graph,) = asv_run.graph_files(html, name)
        assert asv_run.graph_commits(html, graph) == set(commits), name


def site_without_timestamps(html):
    """Every published file, less the publish time asv writes into info.json and regressions.xml."""
    site = asv_run.tree(html)
    info = json.loads(site.pop("info.json"))
    assert info.pop("timestamp") and info == {"asv-version": "0.6.6"}, info
    site["regressions.xml"] = re.sub(rb"<updated>[^<]*</updated>", b"", site["regressions.xml"])
    return site


def test_publishing_with_a_second_environment_keeps_all_history(tiny, config):
    _, _, commits = tiny
    other = other_python()
    html = asv_run.conf_value(config, "html_dir")
    for commit in commits[:2]:
        asv_run.run(config, commit)
    asv_run.publish(config)
    (graph,) = asv_run.graph_files(html, "bench.track_answer")
    graph_before = graph.read_bytes()

    for commit in commits[1:]:
        asv_run.run(config, commit, python=other)
    asv_run.publish(config)

    envs = {r.env_name for r in asv_run.load_results(results_dir(config))}
    assert len(envs) == 2, envs
    assert states(config, commits[2], python=other)[("bench.track_answer", None)] == ("ok", 42)
    for name in ALL:
        graphs = asv_run.graph_files(html, name)
        assert len(graphs) == 2, graphs
        histories = {frozenset(asv_run.graph_commits(html, g)) for g in graphs}
        assert histories == {frozenset(commits[:2]), frozenset(commits[1:])}, name
    assert graph.read_bytes() == graph_before  # the first environment's history is untouched


def other_python():
    """Another path to this venv's interpreter: asv names the `existing` environment after it."""
    here = Path(asv_run.PYTHON)
    for name in ("python3", "python", f"python3.{sys.version_info.minor}"):
        candidate = here.with_name(name)
        if candidate != here and candidate.exists():
            return str(candidate)
    pytest.fail(f"no second name for {here} in {here.parent}")
