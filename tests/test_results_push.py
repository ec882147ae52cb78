""".ci/push-results with real git: two machines' jobs pushing to one bare repository at the
same moment both land, and a later push keeps every earlier result."""

import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "push-results"
SLOW_RECEIVE = "#!/bin/sh\nsleep 1\n"
"""A pre-receive hook that holds each push for a second, so two pushes that start together
both build on the same old tip and one of them must lose the race and try again."""


def git(cwd, *args):
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def remote(tmp_path):
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    hook = bare / "hooks" / "pre-receive"
    hook.write_text(SLOW_RECEIVE)
    hook.chmod(0o755)
    return bare


def job(tmp_path, remote, machine, commit="9fa2a815"):
    """A clone that ran asv as `machine`: its results folder with asv's files."""
    clone = tmp_path / machine
    git(tmp_path, "clone", "-q", str(remote), str(clone))
    git(clone, "config", "user.name", "test")
    git(clone, "config", "user.email", "test@example.invalid")
    results = clone / ".asv" / "results"
    (results / machine).mkdir(parents=True)
    (results / "benchmarks.json").write_text('{"version": 2}\n')
    (results / machine / "machine.json").write_text(f'{{"machine": "{machine}", "version": 1}}\n')
    (results / machine / f"{commit}-env.json").write_text(f'{{"commit_hash": "{commit}"}}\n')
    return clone


def push(clone, machine, remote):
    return subprocess.Popen(
        ["bash", str(SCRIPT), machine, ".asv/results", str(remote)],
        cwd=clone,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(clone), "NTB_PUSH_TRIES": "5"},
    )


def branch_files(remote):
    return set(git(remote, "ls-tree", "-r", "--name-only", "results").split())


def test_two_concurrent_pushes_both_land_and_later_ones_keep_everything(tmp_path, remote):
    clones = {machine: job(tmp_path, remote, machine) for machine in ("gha-linux-x64", "gha-linux-arm64")}
    procs = [push(clone, machine, remote) for machine, clone in clones.items()]
    outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    assert [proc.returncode for proc in procs] == [0, 0], outputs
    assert "lost a race" in "".join(outputs), outputs  # the hook made one of them retry
    expected = {"benchmarks.json"} | {
        f"{machine}/{name}" for machine in clones for name in ("machine.json", "9fa2a815-env.json")
    }
    assert branch_files(remote) == expected
    assert len(git(remote, "rev-list", "results").split()) == 2

    # the next run of one machine: a new result, an older one no longer on disk
    x64 = clones["gha-linux-x64"] / ".asv" / "results" / "gha-linux-x64"
    (x64 / "9fa2a815-env.json").unlink()
    (x64 / "0123abcd-env.json").write_text('{"commit_hash": "0123abcd"}\n')
    proc = push(clones["gha-linux-x64"], "gha-linux-x64", remote)
    assert proc.communicate(timeout=60)[0].startswith("push-results: gha-linux-x64 pushed"), proc.returncode
    assert branch_files(remote) == expected | {"gha-linux-x64/0123abcd-env.json"}

    proc = push(clones["gha-linux-x64"], "gha-linux-x64", remote)
    assert "nothing new" in proc.communicate(timeout=60)[0] and proc.returncode == 0
    assert git(clones["gha-linux-x64"], "status", "--porcelain", "--untracked-files=no") == ""


def test_an_unknown_machine_is_bad_usage(tmp_path, remote):
    clone = job(tmp_path, remote, "gha-linux-x64")
    proc = push(clone, "no-such-machine", remote)
    assert "no folder .asv/results/no-such-machine" in proc.communicate(timeout=30)[0]
    assert proc.returncode == 2
