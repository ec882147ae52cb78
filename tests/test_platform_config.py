"""The asv config for platforms without TBB/SVML wheels (ntb_site.suite.platform_config), read back
through asv itself."""

import json
import shutil
from pathlib import Path

import pytest

from ntb_site.suite import matrix, platform_config

ROOT = Path(__file__).parents[1]
ARM64 = {"platform_machine": "aarch64"}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "asv.conf.json"
    shutil.copy(ROOT / "asv.conf.json", path)
    return path


def test_x86_64_keeps_the_config_as_is():
    original = json.loads((ROOT / "asv.conf.json").read_text(encoding="utf-8"))
    derived, dropped = platform_config.for_platform(original, {"platform_machine": "x86_64"})
    assert dropped == {} and derived is original


def test_arm64_drops_the_x86_only_wheels_and_the_tbb_layer(config, tmp_path):
    derived, dropped = platform_config.for_platform(json.loads(config.read_text(encoding="utf-8")), ARM64)
    assert set(dropped) == {"tbb", "intel-cmplr-lib-rt", "NUMBA_THREADING_LAYER=tbb"}
    written = tmp_path / platform_config.DEFAULT_OUTPUT
    written.write_text(json.dumps(derived), encoding="utf-8")
    names = [env.name for env in matrix.environments(str(written))]
    original = matrix.environments(str(config))
    assert not any("tbb" in name or "intel" in name for name in names)
    assert matrix.by_release(str(written)).keys() == matrix.by_release(str(config)).keys()
    newest = matrix.newest_envs(str(written))
    assert [n.rsplit("LAYER", 1)[1] for n in newest] == ["omp", "workqueue"]
    assert len(names) == len(original) - 1  # the newest release's tbb environment


def test_cli_prints_the_config_to_use(config, capsys):
    assert platform_config.main(["--config", str(config)]) == 0
    assert capsys.readouterr().out.strip() == str(config)  # this machine has the wheels


def test_unreadable_config_is_named(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        platform_config.main(["--config", str(tmp_path / "missing.json")])
    assert exit_.value.code == 2 and "--config" in capsys.readouterr().err
