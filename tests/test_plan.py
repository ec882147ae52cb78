"""The main job's plan (ntb_site.suite.plan): which Modes points each phase spawns."""

import re

import pytest

import kernels
from ntb_site.suite import plan

TOP = kernels.max_threads()


def names(kernel: str, size: int) -> list[str]:
    """Every asv name of `kernel`'s Modes grid at `size` on this machine."""
    threads = sorted({1, TOP})
    return [f"{kernel}.Modes.time_kernel({size}, '{mode}', {t})" for mode in kernels.MODES[kernel] for t in threads]


def picked(rows: str, sizes: list[int], kernel: str | None = None, on_layer: bool | None = None) -> set[str]:
    patterns = [re.compile(regex) for regex in plan.selectors(rows, sizes, kernel, on_layer=on_layer)]
    every = [name for k in kernels.MODES for s in (10_000, 100_000, 1_000_000) for name in names(k, s)]
    return {name for name in every if any(p.search(name) for p in patterns)}


def test_top_is_every_mode_once_at_the_compared_thread_count():
    found = picked("top", [100_000])
    for kernel, modes in kernels.MODES.items():
        for mode in modes:
            threads = TOP if kernels.MODE_INFO[mode].threaded else 1
            assert f"{kernel}.Modes.time_kernel(100000, '{mode}', {threads})" in found
    assert len(found) == sum(len(modes) for modes in kernels.MODES.values())


def test_one_is_the_threaded_modes_on_one_thread():
    found = picked("one", [1_000_000], "kde")
    threaded = [m for m in kernels.MODES["kde"] if kernels.MODE_INFO[m].threaded]
    assert found == {f"kde.Modes.time_kernel(1000000, '{m}', 1)" for m in threaded}


def test_numba_and_dask_rows_split_top():
    numba, dask = picked("numba", [100_000]), picked("dask", [100_000])
    assert numba | dask == picked("top", [100_000])
    assert not numba & dask
    assert dask and all(re.search(r"'(dask|distributed)'", name) for name in dask)
    assert "kde.Modes.time_kernel(100000, 'numpy', 1)" in numba


@pytest.mark.parametrize("rows", ["top", "one"])
def test_layer_splits_the_modes_on_numbas_threading_layer_from_the_others(rows):
    used, unused = picked(rows, [100_000], on_layer=True), picked(rows, [100_000], on_layer=False)
    assert used | unused == picked(rows, [100_000])
    assert not used & unused
    assert used and all(re.search(r"'(parallel|prange)'", name) for name in used)


def test_sizes_are_matched_whole():
    assert not picked("top", [10_000]) & picked("top", [100_000])


@pytest.mark.parametrize(
    ("rows", "sizes", "kernel", "named"),
    [
        ("all", [10], None, "rows"),
        ("top", [], None, "sizes"),
        ("top", [0], None, "sizes"),
        ("top", [10], "x", "kernel"),
    ],
)
def test_bad_arguments_are_named(rows, sizes, kernel, named):
    with pytest.raises(ValueError, match=named):
        plan.selectors(rows, sizes, kernel)


def test_cli(capsys):
    assert plan.main(["top", "10000", "--kernel", "kde"]) == 0
    assert capsys.readouterr().out.splitlines() == plan.selectors("top", [10_000], "kde")
    assert plan.main(["one", "10000", "--layer", "used"]) == 0
    assert capsys.readouterr().out.splitlines() == plan.selectors("one", [10_000], on_layer=True)
    for bad in (["top", "ten"], ["top", "10000", "--layer", "omp"]):
        with pytest.raises(SystemExit) as exit_:
            plan.main(bad)
        assert exit_.value.code == 2
