"""The environment matrix as `.ci/bench` and the gate select it from `asv.conf.json`."""

import json
from pathlib import Path

import pytest
from packaging.version import Version

from ntb_site import matrix

CONFIG = str(Path(__file__).resolve().parents[1] / "asv.conf.json")
RELEASES = json.loads(Path(CONFIG).read_text())["matrix"]["req"]["numba"]
NEWEST = max(RELEASES, key=Version)


def test_every_release_has_an_environment():
    names = [env.name for env in matrix.environments(CONFIG)]
    for release in RELEASES:
        assert any(f"numba{release}-" in name for name in names), release


def test_newest_env_is_the_newest_release_on_the_first_layer():
    name = matrix.newest_env(CONFIG)
    assert f"numba{NEWEST}-" in name and name.endswith("NUMBA_THREADING_LAYERomp")


def test_newest_envs_are_every_layer_of_the_newest_release_default_first():
    names = matrix.newest_envs(CONFIG)
    assert names[0] == matrix.newest_env(CONFIG)
    assert all(f"numba{NEWEST}-" in name for name in names)
    assert sorted(name.rsplit("LAYER", 1)[1] for name in names) == ["omp", "tbb", "workqueue"]


def test_an_older_release_by_number():
    assert "numba0.61.2-" in matrix.newest_env(CONFIG, "0.61.2")


def test_a_release_outside_the_matrix_names_the_option():
    with pytest.raises(SystemExit, match="--numba: 0.1.0 is not in the matrix"):
        matrix.newest_env(CONFIG, "0.1.0")
