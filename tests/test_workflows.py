"""What the workflow linters cannot check about .github/workflows.

`.ci/run` lints the workflows with actionlint (syntax, expressions, action inputs) and
`zizmor --persona=pedantic` (permissions, pinned actions, dangerous triggers, credentials,
concurrency). These tests hold the project's own rules: every job has a timeout, each
workflow does its one job, and code that is benchmarked never runs next to a write token.
"""

import re
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
PROJECT_CODE = re.compile(r"\.ci/|\.venv/|\bpython3?\b|\bpip\b|\bnpm\b|\bnpx\b")
"""In a `run:` script: a command that executes the project's code or its dependencies."""


def load(path):
    """Parse a workflow; YAML 1.1 reads the key `on` as True, so rename it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow):
    on = workflow["on"]
    return {on} if isinstance(on, str) else set(on)


def runs(steps):
    return "\n".join(step.get("run", "") for step in steps)


def uses(steps):
    return [step.get("uses", "") for step in steps]


def test_workflows_exist():
    assert {"tests.yml", "benchmarks.yml", "pr-gate.yml"} <= {path.name for path in FILES}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_job_has_a_timeout(path):
    for name, job in load(path)["jobs"].items():
        assert isinstance(job.get("timeout-minutes"), int), f"{path.name}: job {name} has no timeout"


def test_tests_workflow_runs_ci_script():
    workflow = load(WORKFLOWS / "tests.yml")
    assert {"push", "pull_request"} <= triggers(workflow)
    assert "bash .ci/run" in runs(step for job in workflow["jobs"].values() for step in job["steps"])


def test_benchmarks_workflow_publishes_to_pages():
    workflow = load(WORKFLOWS / "benchmarks.yml")
    assert {"push", "schedule", "workflow_dispatch"} <= triggers(workflow)
    assert workflow["concurrency"]["cancel-in-progress"] is False
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert any(ref.startswith("actions/upload-pages-artifact@") for ref in uses(steps))
    assert any(ref.startswith("actions/deploy-pages@") for ref in uses(steps))
    script = runs(steps)
    assert "bash .ci/bench --all-releases" in script
    assert "asv publish" in runs(workflow["jobs"]["publish"]["steps"])
    assert workflow["jobs"]["deploy"]["needs"] == "publish"


def runner_kinds(workflow):
    """machine -> its benchmark job's matrix entry."""
    return {entry["machine"]: entry for entry in workflow["jobs"]["benchmark"]["strategy"]["matrix"]["include"]}


def test_one_benchmark_job_per_runner_kind_each_its_own_machine():
    workflow = load(WORKFLOWS / "benchmarks.yml")
    job = workflow["jobs"]["benchmark"]
    kinds = runner_kinds(workflow)
    assert {entry["runner"] for entry in kinds.values()} == {"ubuntu-latest", "ubuntu-24.04-arm", "macos-14"}
    assert kinds["gha-ubuntu"]["runner"] == "ubuntu-latest"  # the x64 history goes on under its old name
    assert job["strategy"]["fail-fast"] is False and job["runs-on"] == "${{ matrix.runner }}"
    assert job["env"]["ASV_MACHINE"] == "${{ matrix.machine }}"
    # only the runner kinds whose wheels lack layers may fail without failing the run
    assert job["continue-on-error"] == "${{ matrix.facts-only }}"
    assert [m for m, entry in kinds.items() if entry["facts-only"]] == ["gha-ubuntu-arm64", "gha-macos-arm64"]
    upload = next(step for step in job["steps"] if step.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["name"] == "asv-results-${{ matrix.machine }}"
    assert ".asv/results/${{ matrix.machine }}/" in upload["with"]["path"]


def test_every_machine_pushes_its_own_results_then_one_job_publishes_them_all():
    workflow = load(WORKFLOWS / "benchmarks.yml")
    persist = workflow["jobs"]["persist-results"]
    assert set(persist["strategy"]["matrix"]["machine"]) == set(runner_kinds(workflow))
    assert persist["strategy"]["fail-fast"] is False and persist["if"] == "${{ !cancelled() }}"
    assert 'bash .ci/push-results "$MACHINE"' in runs(persist["steps"])
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "persist-results" and publish["if"] == "${{ !cancelled() }}"
    assert "git archive refs/remotes/origin/results" in runs(publish["steps"])


def test_the_nightly_run_follows_pypi_before_benchmarking():
    steps = load(WORKFLOWS / "benchmarks.yml")["jobs"]["benchmark"]["steps"]
    (update,) = [i for i, step in enumerate(steps) if "ntb matrix update" in step.get("run", "")]
    assert steps[update]["if"] == "github.event_name == 'schedule'"
    assert "--dry-run" not in steps[update]["run"]
    cache = next(i for i, step in enumerate(steps) if step.get("uses", "").startswith("actions/cache@"))
    bench = next(i for i, step in enumerate(steps) if "bash .ci/bench" in step.get("run", ""))
    assert update < cache < bench  # the environments' cache key sees the updated matrix


def test_benchmarked_code_never_runs_next_to_a_write_token():
    """The jobs that run the project hold no write permission; the jobs that hold one
    (pushing results, deploying Pages) run none of the project's code: the results job
    runs only .ci/push-results, which runs git alone."""
    workflow = load(WORKFLOWS / "benchmarks.yml")
    assert workflow["permissions"] == {"contents": "read"}
    writers = {}
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        script = runs(job["steps"])
        if "write" in permissions.values():
            writers[name] = permissions
            local = [ref for ref in uses(job["steps"]) if ref.startswith("./")]
            rest = script.replace("bash .ci/push-results", "")
            assert not PROJECT_CODE.search(rest) and not local, f"job {name} holds a write token, runs project code"
        else:
            assert PROJECT_CODE.search(script), f"job {name} neither writes nor runs the project"
    assert writers == {"persist-results": {"contents": "write"}, "deploy": {"pages": "write", "id-token": "write"}}
    assert "git push" not in runs(workflow["jobs"]["benchmark"]["steps"])
    push_script = (WORKFLOWS.parents[1] / ".ci" / "push-results").read_text(encoding="utf-8")
    commands = "\n".join(line for line in push_script.splitlines() if not line.lstrip().startswith("#"))
    assert not PROJECT_CODE.search(commands) and "source " not in commands and ". ./" not in commands


def test_pr_gate_runs_the_projects_gate_with_factor():
    workflow = load(WORKFLOWS / "pr-gate.yml")
    assert triggers(workflow) == {"pull_request"}
    script = runs(step for job in workflow["jobs"].values() for step in job["steps"])
    assert ".venv/bin/ntb gate" in script and "apt-get install -y -qq valgrind" in script
    assert re.search(r"--factor\s+\S+", script) and re.search(r"--threaded-instructions-factor\s+\S+", script)
    assert "write" not in str(workflow["permissions"])
