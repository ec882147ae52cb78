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
    assert "asv publish" in script


def test_benchmarked_code_never_runs_next_to_a_write_token():
    """The job that runs the project holds no write permission; the jobs that hold one
    (pushing results, deploying Pages) run none of the project's code."""
    workflow = load(WORKFLOWS / "benchmarks.yml")
    assert workflow["permissions"] == {"contents": "read"}
    writers = {}
    for name, job in workflow["jobs"].items():
        permissions = job.get("permissions", {})
        script = runs(job["steps"])
        if "write" in permissions.values():
            writers[name] = permissions
            local = [ref for ref in uses(job["steps"]) if ref.startswith("./")]
            assert not PROJECT_CODE.search(script) and not local, f"job {name} holds a write token, runs project code"
        else:
            assert PROJECT_CODE.search(script), f"job {name} neither writes nor runs the project"
    assert writers == {"persist-results": {"contents": "write"}, "deploy": {"pages": "write", "id-token": "write"}}
    assert "git push" not in runs(workflow["jobs"]["benchmark"]["steps"])


def test_pr_gate_runs_the_projects_gate_with_factor():
    workflow = load(WORKFLOWS / "pr-gate.yml")
    assert triggers(workflow) == {"pull_request"}
    script = runs(step for job in workflow["jobs"].values() for step in job["steps"])
    assert "python -m ntb_site.gate" in script
    assert re.search(r"--factor\s+\S+", script)
    assert "write" not in str(workflow["permissions"])
