"""Checks of the GitHub Actions workflows in .github/workflows.

Every workflow must parse, declare read-only default permissions, a
concurrency group and job timeouts, never use pull_request_target, and pin
every action to a full version (vX.Y.Z) or a commit SHA. The three project
workflows must also do their one job: run the tests, publish the benchmarks
to GitHub Pages, and gate pull requests with asv continuous.
"""

import re
from pathlib import Path

import pytest
import yaml

WORKFLOWS = Path(__file__).resolve().parents[1] / ".github" / "workflows"
FILES = sorted([*WORKFLOWS.glob("*.yml"), *WORKFLOWS.glob("*.yaml")])
# owner/repo[/path]@ a 40-hex SHA or vMAJOR.MINOR.PATCH; a trailing comment is fine.
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@([0-9a-f]{40}|v\d+\.\d+\.\d+)$")


def load(path):
    """Parse a workflow; YAML 1.1 reads the key `on` as True, so rename it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: not a mapping"
    if True in data:
        data["on"] = data.pop(True)
    return data


def triggers(workflow):
    on = workflow["on"]
    if isinstance(on, str):
        return {on}
    return set(on)


def uses(workflow):
    for job in workflow["jobs"].values():
        if "uses" in job:
            yield job["uses"]
        for step in job.get("steps", []):
            if "uses" in step:
                yield step["uses"]


def runs(workflow):
    return "\n".join(step.get("run", "") for job in workflow["jobs"].values() for step in job.get("steps", []))


def test_workflows_exist():
    names = {path.name for path in FILES}
    assert {"tests.yml", "benchmarks.yml", "pr-gate.yml"} <= names


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_workflow_structure(path):
    workflow = load(path)
    for key in ("name", "on", "jobs", "permissions", "concurrency"):
        assert workflow.get(key), f"{path.name}: missing {key}"
    assert "pull_request_target" not in triggers(workflow)
    assert "pull_request_target" not in path.read_text(encoding="utf-8")
    for name, job in workflow["jobs"].items():
        where = f"{path.name}: job {name}"
        if "uses" not in job:
            assert job.get("runs-on"), f"{where}: no runs-on"
            assert job.get("steps"), f"{where}: no steps"
            assert isinstance(job.get("timeout-minutes"), int), f"{where}: no timeout"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_actions_are_pinned(path):
    refs = list(uses(load(path)))
    assert refs, f"{path.name}: uses no action"
    for ref in refs:
        if not ref.startswith(("./", "docker://")):
            assert PINNED.match(ref), f"{path.name}: {ref} is not pinned"


@pytest.mark.parametrize(
    "ref",
    ["actions/checkout@v4", "actions/checkout@v4.2", "actions/checkout@main"],
)
def test_floating_refs_are_rejected(ref):
    assert not PINNED.match(ref)


def test_tests_workflow_runs_ci_script():
    workflow = load(WORKFLOWS / "tests.yml")
    assert {"push", "pull_request"} <= triggers(workflow)
    assert "bash .ci/run" in runs(workflow)


def test_benchmarks_workflow_publishes_to_pages():
    workflow = load(WORKFLOWS / "benchmarks.yml")
    assert {"push", "schedule", "workflow_dispatch"} <= triggers(workflow)
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["permissions"] == {"contents": "read"}
    refs = list(uses(workflow))
    assert any(r.startswith("actions/upload-pages-artifact@") for r in refs)
    assert any(r.startswith("actions/deploy-pages@") for r in refs)
    script = runs(workflow)
    assert "asv run NEW" in script and "--skip-existing" in script
    assert "asv publish" in script
    for name, job in workflow["jobs"].items():
        steps = [s.get("uses", "") for s in job["steps"]]
        perms = job.get("permissions", {})
        if any(s.startswith("actions/deploy-pages@") for s in steps):
            assert perms == {"pages": "write", "id-token": "write"}
            assert job["environment"]["name"] == "github-pages"
        elif "git push" in "\n".join(s.get("run", "") for s in job["steps"]):
            assert perms == {"contents": "write"}
        else:
            assert "write" not in perms.values(), f"job {name} can write"


def test_pr_gate_runs_asv_continuous_with_factor():
    workflow = load(WORKFLOWS / "pr-gate.yml")
    assert triggers(workflow) == {"pull_request"}
    script = runs(workflow)
    assert "asv continuous" in script
    assert re.search(r"--factor\s+\S+", script)
    assert "write" not in str(workflow["permissions"])
