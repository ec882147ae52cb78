"""The one asv results reader (ntb_site.results.asv_results) on the committed real results."""

import itertools
import json
import math
from pathlib import Path

import pytest
from packaging.version import Version

from ntb_site.results import asv_results

DATA = Path(__file__).resolve().parent / "data" / "numba_versions_results"
MODES = Path(__file__).resolve().parent / "data" / "modes_results"
TIME_KERNEL = "gaussians.Modes.time_kernel"


def test_runs_decode_params_values_stats_and_samples_as_recorded():
    runs = asv_results.runs(DATA)
    assert [run.environment.versions["numba"] for run in runs] == ["0.61.2", "0.62.1"]
    for run in runs:
        raw = json.loads(next(DATA.glob(f"vm/*numba{run.environment.versions['numba']}*.json")).read_text())
        row = dict(zip(raw["result_columns"], raw["results"][TIME_KERNEL], strict=False))
        found = list(run.measurements(TIME_KERNEL))
        assert len(found) == len(row["result"])
        for m, combo, value, samples in zip(
            found, itertools.product(*row["params"]), row["result"], row["samples"], strict=True
        ):
            size, mode, threads = combo
            assert m.params == {"size": int(size), "mode": mode.strip("'"), "threads": int(threads)}
            assert m.unit == "seconds"
            if value is None or math.isnan(value):
                assert m.state == "n/a" and m.ci is None
            else:
                assert (m.value, m.samples, m.state) == (value, samples, "ok")
                low, high = m.ci
                assert low <= m.value <= high


def test_environment_label_names_versions_and_layer_not_bare_package_names():
    (run,) = asv_results.runs(MODES)
    env = run.environment
    assert env.label == "numba 0.68.1, numpy 2.4.6, layer omp"
    assert env.details == "numba 0.68.1, numpy 2.4.6, llvm 22.1.0, llvmlite 0.50.0, tbb 2023.2.0"
    assert env.facts["Numba.max_threads"] == 2 and env.facts["Versions.numpy"] == "2.4.6"
    assert env.machine["num_cpu"] == "2" and env.python == "3.11"
    old, new = asv_results.runs(DATA)
    assert old.environment.key != new.environment.key


def facts_of(*records):
    return asv_results.facts(
        asv_results.Measurement(name, params, value, unit, None, None) for name, params, value, unit in records
    )


def test_facts_decode_numbers_flags_and_versions():
    facts = facts_of(
        ("environment.Numba.track_max_threads", {}, 2.0, "count"),
        ("environment.ThreadingLayer.track_in_use", {"layer": "tbb"}, 0, "in use"),
        ("environment.ThreadingLayer.track_in_use", {"layer": "omp"}, 1, "in use"),
        ("environment.Cpu.track_flag", {"flag": "avx2"}, 1, "has"),
        ("environment.Cpu.track_flag", {"flag": "avx512f"}, 1, "has"),
        ("environment.Versions.track_numpy", {}, 20304, "version"),
        ("environment.Versions.track_llvm", {}, 220100, "version"),
        ("environment.Versions.track_tbb", {}, 0, "version"),  # absent
        ("environment.Numba.setup", {}, 1, ""),
    )
    assert facts == {
        "Numba.max_threads": 2,
        "ThreadingLayer.in_use": ["omp"],
        "Cpu.flag": ["avx2", "avx512f"],
        "Versions.numpy": "2.3.4",
        "Versions.llvm": "22.1.0",
    }
    env = asv_results.Environment({}, "3.11", {"numba": "0.68.1", "tbb": ""}, {"NUMBA_THREADING_LAYER": "tbb"}, facts)
    assert env.versions == {"numba": "0.68.1", "numpy": "2.3.4", "llvm": "22.1.0"}
    assert env.layer == "omp"  # what Numba loaded wins over what was asked for
    assert env.label == "numba 0.68.1, numpy 2.3.4, layer omp"
    assert env.details == "numba 0.68.1, numpy 2.3.4, llvm 22.1.0"


@pytest.mark.parametrize(("packed", "text"), [(6801, "0.68.1"), (20304, "2.3.4"), (20220300, "2022.3.0")])
def test_unpack_version(packed, text):
    assert asv_results.unpack_version(packed) == text


def test_newest_commit_and_missing_directories(tmp_path):
    runs = asv_results.runs(DATA)
    assert asv_results.newest_commit(runs, r"^gaussians\.") == runs
    assert asv_results.newest_commit(runs, r"^no_such_kernel\.") == []
    assert [str(run.environment.numba) for run in runs] == ["0.61.2", "0.62.1"]
    assert runs[0].keys(r"\.Modes\.time_kernel$") == sorted(
        key for key in runs[0].result.get_all_result_keys() if key.endswith(".Modes.time_kernel")
    )
    assert asv_results.runs(tmp_path / "none") == []
    assert asv_results.load_benchmarks(tmp_path) == {}


def test_release_order_puts_pre_releases_below_releases():
    def env(numba):
        return asv_results.Environment(machine={}, python="3.11", requirements={"numba": numba}, env_vars={})

    assert env("0.69.0rc1").release_order < env("0.68.1").release_order < env("0.69.0").release_order
    assert max([env("0.68.1"), env("0.69.0rc1")], key=lambda e: e.release_order).numba == Version("0.68.1")
