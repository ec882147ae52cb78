"""The gate's deterministic instrument: instructions counted under Valgrind's callgrind see a
slower mode and nothing where the code is the same (real valgrind, real Numba)."""

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ntb_site.checks import gate, instructions

ROOT = Path(__file__).resolve().parents[1]
SIZE = 10_000
WANTED = [("gaussians", "numpy", SIZE, 1), ("gaussians", "serial", SIZE, 1)]
SLOWER = """
_numpy = KERNEL.variants["numpy"].function


def _twice(*args):
    _numpy(*args)
    return _numpy(*args)


KERNEL.variants["numpy"] = single(_twice)
"""


def _tree(folder: Path, slower: bool) -> Path:
    tree = folder / ("slower" if slower else "same")
    shutil.copytree(ROOT / "kernels", tree / "kernels", ignore=shutil.ignore_patterns("__pycache__"))
    if slower:  # the numpy mode calls the notebook's function twice
        catalog = tree / "kernels" / "catalog" / "gaussians.py"
        catalog.write_text(catalog.read_text() + SLOWER)
    return tree


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("instructions")
    library = instructions.shim(folder)
    cpu = instructions.valgrind_cpu(sys.executable)
    trees = [_tree(folder, slower) for slower in (False, True)]
    with ThreadPoolExecutor(2) as pool:
        found = pool.map(
            lambda t: instructions.count(t, sys.executable, WANTED, library, cpu, folder / f"{t.name}-out"), trees
        )
        return dict(zip(("same", "slower"), found, strict=True))


def test_counts_repeat_and_see_the_slower_mode(counted):
    same, slower = counted["same"], counted["slower"]
    assert set(same) == set(slower) == set(WANTED)
    assert all(len(c) == instructions.CALLS and min(c) > 100_000 for c in same.values())
    rows = {r.point[1]: r for r in instructions.compare(same, slower, 1.1, 1.25)}
    assert rows["serial"].verdict == "none" and abs(rows["serial"].ratio - 1) < 0.005
    assert rows["serial"].detectable < 1.01
    assert rows["numpy"].verdict == "regression" and 1.8 < rows["numpy"].ratio < 2.2
    assert "regression" in instructions.table(list(rows.values()))


def test_points_leave_out_the_dask_modes():
    found = instructions.points([100_000])
    assert ("gaussians", "numpy", 100_000, 1) in found
    assert not {mode for _, mode, _, _ in found} & {"dask", "distributed"}


def test_a_point_one_commit_lacks_is_new_not_judged():
    rows = instructions.compare({}, {("gaussians", "numpy", 10, 1): [5, 5]}, 1.1, 1.25)
    assert [r.verdict for r in rows] == ["new"]


def test_threaded_modes_are_judged_at_their_own_factor():
    base = {("kde", "prange", 10, 2): [100, 101], ("kde", "serial", 10, 1): [100, 100]}
    head = {("kde", "prange", 10, 2): [120, 121], ("kde", "serial", 10, 1): [120, 120]}
    verdicts = {r.point[1]: r.verdict for r in instructions.compare(base, head, 1.1, 1.25)}
    assert verdicts == {"prange": "none", "serial": "regression"}


def test_gate_refuses_an_instructions_factor_of_one():
    proc = subprocess.run(
        [sys.executable, "-m", "ntb_site.checks.gate", "HEAD", "HEAD", "--threaded-instructions-factor", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == gate.EXIT_ERROR and "--threaded-instructions-factor must be above 1" in proc.stderr


def test_gate_without_valgrind_stops_before_measuring(tmp_path):
    (tmp_path / "git").symlink_to(shutil.which("git"))  # git, but no valgrind on PATH
    proc = subprocess.run(
        [sys.executable, "-m", "ntb_site.checks.gate", "HEAD", "HEAD"],
        cwd=ROOT,
        env={"PATH": str(tmp_path), "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == gate.EXIT_ERROR
    assert "valgrind: not installed" in proc.stderr and "--wall-only" in proc.stderr
