"""Concurrent callers (benchmarks/concurrency.py): correct results and no abort under the
`workqueue` and `omp` layers in real processes, the layer's launches serialised or together
as recorded, and faults that fail a batch at once instead of hanging it."""

import threading
import time

import numpy as np
import pytest
from layer_process import run_under

import kernels
from benchmarks import concurrency

CALLERS = """
    import kernels
    from benchmarks import common, concurrency

    print("layer", kernels.threading_layer(), flush=True)
    info = kernels.REGISTRY["kde"]
    checked = 0
    for launcher in concurrency.LAUNCHERS:
        for outer, inner in [(4, kernels.max_threads()), (8, 1)]:
            run = concurrency.batch("kde", "prange", outer, launcher, inner, size=20_000)  # checks its first batch
            shares = concurrency.shares(common.inputs("kde", 20_000), outer)
            for _ in range(20):
                results = run()
                assert all(common.agrees(info, r, a) for r, a in zip(results, shares, strict=True)), (launcher, outer)
                checked += 1
    print("batches correct", checked, flush=True)
"""

# In a process of its own, as asv runs it: after 80 batches of up to 8 callers the layer's
# idle teams still share the 2 cores, and omp's launches then took turns in some probes.
PROBE = """
    from benchmarks import concurrency

    probe = concurrency.Launches()
    gaps = probe.setup_cache()
    print("serialised", probe.track_serialised(gaps), "gap", round(probe.track_end_gap(gaps), 3), flush=True)
"""


@pytest.mark.parametrize("layer", ["workqueue", "omp"])
def test_concurrent_callers_are_correct_and_the_layer_survives(layer):
    """4 and 8 callers at once, by Python threads and by Dask, all cores or one thread each:
    every result right, the process alive (raw workqueue would abort). Launches serialised
    in every probe process under workqueue (the project's guard, a lock); under omp they run
    together in at least one process, which a lock cannot give. On a shared 2-vCPU VM some omp
    processes took turns in most probes (the fact records "varies"): the first, asv's own,
    most often (medians 0.22-0.35 where the fresh ones measured 0.02-0.13, and a lock
    0.48-0.50), so neither one process nor the median of all probes is asserted (it read
    0.253 once, one process of three taking turns)."""
    done = run_under(layer, CALLERS)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    assert f"layer {layer}" in done.stdout
    assert "batches correct 80" in done.stdout, done.stdout
    probed = run_under(layer, PROBE)
    assert probed.returncode == 0, probed.stdout + probed.stderr[-3000:]
    _, share, _, gap = probed.stdout.split()
    if layer == "workqueue":
        assert (float(share), float(gap) > concurrency.SERIALISED_GAP) == (1.0, True), probed.stdout
    else:
        assert float(share) < 1.0, probed.stdout


def test_shares_split_the_work_into_contiguous_slices():
    x, means, widths = kernels.REGISTRY["kde"].inputs(10)
    parts = concurrency.shares((x, means, widths), 4)
    assert [p[0] for p in parts] == [x] * 4
    assert [p[1].shape[0] for p in parts] == [2, 3, 2, 3]
    assert np.array_equal(np.concatenate([p[1] for p in parts]), means)
    assert np.array_equal(np.concatenate([p[2] for p in parts]), widths)


@pytest.mark.parametrize("launcher", concurrency.LAUNCHERS)
def test_a_caller_that_raises_fails_the_batch_at_once(launcher):
    """A real kernel call with an invalid share raises out of the batch; the others finish."""
    kde = kernels.build("kde", "prange", threads=1)
    x, means, widths = kernels.REGISTRY["kde"].inputs(1000)
    bad = widths.copy()
    bad[3] = np.nan
    calls = [(kde, (x, means, widths)), (kde, (x, means, bad)), (kde, (x, means, widths))]
    with pytest.raises(ValueError, match="widths"):
        concurrency.LAUNCH[launcher](3)(calls)


def test_futures_batch_raises_before_slow_callers_finish():
    release = threading.Event()

    def slow():
        release.wait(30)

    def boom():
        raise RuntimeError("boom")

    start = time.perf_counter()
    with pytest.raises(RuntimeError, match="boom"):
        concurrency.futures_launcher(2)([(slow, ()), (boom, ())])
    assert time.perf_counter() - start < 10
    release.set()


def test_a_hung_caller_times_out(monkeypatch):
    monkeypatch.setattr(concurrency, "BATCH_TIMEOUT", 0.2)
    release = threading.Event()
    try:
        with pytest.raises(TimeoutError, match="1 of 2 callers still running"):
            concurrency.futures_launcher(2)([(release.wait, (30,)), (int, ())])
    finally:
        release.set()


def test_unknown_launcher_is_named():
    with pytest.raises(ValueError, match="launcher"):
        concurrency.batch("kde", "prange", 2, "processes", 1, size=100)
