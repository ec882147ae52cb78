"""The pull-request gate's command line refuses bad input with a clear message (the gate
itself runs in the pull-request workflow; README "Verdicts" has its measured runs)."""

import subprocess
import sys

import asv_run


def gate(*args):
    return subprocess.run(
        [sys.executable, "-m", "ntb_site.checks.gate", *args],
        cwd=asv_run.ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_unknown_commit_is_named():
    proc = gate("no-such-commit", "HEAD", "-E", "existing:python")
    assert proc.returncode == 2
    assert "commit: git does not know 'no-such-commit'" in proc.stderr and "Traceback" not in proc.stderr


def test_factor_must_exceed_one():
    proc = gate("HEAD", "HEAD", "--factor", "1")
    assert proc.returncode == 2 and "--factor must be above 1" in proc.stderr


def test_too_few_rounds_are_refused():
    proc = gate("HEAD", "HEAD", "--rounds", "3")
    assert proc.returncode == 2 and "--rounds must be at least 4" in proc.stderr
