"""`python -m kernels.compare`: one table row per kernel × mode; bad arguments refused."""

import json
import mmap
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kernels
from kernels import compare as compare_module

ROOT = Path(__file__).resolve().parents[1]


def compare(*args, timeout=300):
    """Run the comparison command in a fresh interpreter."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "kernels.compare", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_table_has_a_row_per_kernel_and_mode():
    """A small run exits 0 and prints a markdown table covering exactly kernels.MODES."""
    done = compare("--size", "2000", "--rounds", "1")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header[:4] == ["kernel", "size", "mode", "median"]
    assert set(lines[1]) <= set("|-: ")
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    assert all(len(row) == len(header) for row in rows)
    expected = [(kernel, mode) for kernel, modes in kernels.MODES.items() for mode in modes]
    assert [(row[0], row[2]) for row in rows] == expected
    for row in rows:
        assert float(row[1]) == 2000
        assert row[3].endswith(" ms") and float(row[3].removesuffix(" ms")) > 0
        assert all(cell.endswith("x") and float(cell[:-1]) > 0 for cell in row[4:])
        if row[2] == "serial":
            assert row[4] == "1.00x"
        if row[2] == "numpy":
            assert row[5] == "1.00x"


def test_against_notebook_has_a_row_per_notebook_counterpart():
    """`--against-notebook` prints a ratio and its range per mode the notebook has, and no others."""
    done = compare("--size", "2000", "--rounds", "3", "--threads", "1", "--against-notebook")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith("|")]
    header = [cell.strip() for cell in lines[0].strip("|").split("|")]
    assert header == ["kernel", "size", "mode", "threads", "vs notebook", "range"]
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]
    expected = [(kernel, mode) for kernel, info in kernels.REGISTRY.items() for mode in info.notebook]
    assert [(row[0], row[2]) for row in rows] == expected
    for row in rows:
        assert float(row[1]) == 2000 and row[3] == "1"
        low, high = (float(value) for value in row[5].split("-"))
        assert 0 < low <= float(row[4]) <= high


def test_json_gives_every_sample_of_the_modes_asked_for():
    """What `ntb_site.answers.recheck` reads: seconds per call, one per round, of the modes named."""
    done = compare(
        "--kernel",
        "kde",
        "--size",
        "1000",
        "--modes",
        "numpy",
        "serial",
        "--rounds",
        "3",
        "--target",
        "0.005",
        "--json",
    )
    assert done.returncode == 0, done.stderr
    samples = json.loads(done.stdout)["kde"]
    assert sorted(samples) == ["numpy", "serial"] and all(len(s) == 3 and min(s) > 0 for s in samples.values())


@pytest.mark.parametrize(
    "args",
    [
        ["--size", "0"],
        ["--size", "-5"],
        ["--size", "abc"],
        ["--threads", "0"],
        ["--threads", str(kernels.max_threads() + 1)],
        ["--rounds", "0"],
        ["--kernel", "nope"],
        ["--modes", "nope"],
    ],
    ids=" ".join,
)
def test_bad_arguments_exit_nonzero_with_a_message(args):
    """Bad command-line arguments fail fast with a usage message naming the option."""
    done = compare(*args, timeout=120)
    assert done.returncode != 0
    assert args[0] in done.stderr
    assert "|" not in done.stdout


def test_samples_count_the_page_faults_of_their_own_timed_calls():
    """Each sample's faults per call are its timed calls' own: a call that maps and touches
    64 fresh pages faults about 64 times, a call that touches nothing new does not."""
    pages = 64

    def touches_fresh_pages():
        with mmap.mmap(-1, pages * mmap.PAGESIZE) as block:
            for page in range(pages):
                block[page * mmap.PAGESIZE] = 1

    def touches_nothing():
        return None

    faults: list[list[float]] = []
    samples = compare_module.interleaved_samples([touches_fresh_pages, touches_nothing], (), 3, 0.001, faults)
    assert [len(s) for s in samples] == [len(f) for f in faults] == [3, 3]
    assert all(pages <= f <= pages + 8 for f in faults[0])
    assert all(f < 1 for f in faults[1])
