"""The environment matrix as `.ci/bench` and the gate select it from `asv.conf.json`, its
update from PyPI's index (`python -m ntb_site.suite.matrix update`), and results of releases
that left it."""

import json
import shutil
from pathlib import Path

import asv_run
import pytest
from packaging import tags
from packaging.version import Version

from ntb_site.answers import numba_versions
from ntb_site.suite import matrix, pypi_releases
from ntb_site.suite.pypi_releases import Target

CONFIG = str(Path(__file__).resolve().parents[1] / "asv.conf.json")
RELEASES = json.loads(Path(CONFIG).read_text())["matrix"]["req"]["numba"]
NEWEST = max(RELEASES, key=Version)
DATA = Path(__file__).resolve().parent / "data"


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


# --- matrix update from PyPI (tests/data/pypi_numba.json: PyPI's https://pypi.org/pypi/numba/json
# as fetched on 2026-11-29, every release and file kept, each file trimmed to its filename and
# yanked flag) ---

INDEX = DATA / "pypi_numba.json"
LINUX_X86 = Target("3.11", ("manylinux_2_28_x86_64", "manylinux_2_27_x86_64", "manylinux_2_17_x86_64"))
OLD_GLIBC = Target("3.11", ("manylinux_2_17_x86_64", "manylinux2014_x86_64"))
MAC_X86 = Target("3.11", tuple(tags.mac_platforms((14, 0), "x86_64")))


@pytest.fixture
def config(tmp_path):
    """A copy of the repository's asv.conf.json."""
    path = tmp_path / "asv.conf.json"
    shutil.copy(CONFIG, path)
    return path


def index(**extra):
    """The recorded index, plus `extra` releases (version -> files)."""
    data = json.loads(INDEX.read_text())
    data["releases"].update(extra)
    return data


def renamed(version, as_version):
    """The recorded files of `version`, as if released as `as_version`."""
    files = json.loads(INDEX.read_text())["releases"][version]
    return [{**f, "filename": f["filename"].replace(f"-{version}", f"-{as_version}")} for f in files]


def test_the_recorded_index_gives_the_committed_matrix_text_unchanged(config):
    change = matrix.update(str(config), index(), LINUX_X86)
    assert change.after == RELEASES and change.added == change.removed == []
    assert change.text == config.read_text()
    assert change.refused == {}  # and the pre-release 0.68.1rc2 is older than the release 0.68.1


def test_a_newer_pre_release_is_added_and_labelled_the_newest_release_keeps_every_layer(config):
    change = matrix.update(str(config), index(**{"0.69.0rc1": renamed("0.68.1", "0.69.0rc1")}), LINUX_X86)
    assert change.added == ["0.69.0rc1"] and change.removed == [] and change.after[-1] == "0.69.0rc1"
    assert "+ 0.69.0rc1   pre-release" in change.report("asv.conf.json")
    old, new = config.read_text().splitlines(), change.text.splitlines()
    assert [line for line in new if line not in old] == [
        old_line.replace('"0.68.1"]', '"0.68.1", "0.69.0rc1"]') for old_line in old if '"numba": [' in old_line
    ]
    config.write_text(change.text)
    assert "numba0.68.1-" in matrix.newest_env(str(config))
    assert all("numba0.68.1-" in name for name in matrix.newest_envs(str(config)))
    (preview,) = [env.name for env in matrix.environments(str(config)) if "numba0.69.0rc1-" in env.name]
    assert preview.endswith("LAYERomp") and preview == matrix.newest_env(str(config), "0.69.0rc1")


def test_the_newest_installable_pre_release_is_taken(config):
    no_linux = [f for f in renamed("0.68.1", "0.69.0rc2") if "linux" not in f["filename"]]
    extra = {"0.69.0rc1": renamed("0.68.1", "0.69.0rc1"), "0.69.0rc2": no_linux}
    change = matrix.update(str(config), index(**extra), LINUX_X86)
    assert change.added == ["0.69.0rc1"]
    assert change.refused["0.69.0rc2"].startswith("no cp311 wheel for manylinux_2_28_x86_64 (its cp311 wheels: macosx")


def test_a_release_without_a_wheel_here_is_refused_and_the_exclude_rule_follows(config):
    change = matrix.update(str(config), index(), OLD_GLIBC)
    assert change.removed == ["0.68.1"] and change.added == [] and change.after[-1] == "0.67.0"
    assert set(change.refused) == {"0.68.0", "0.68.1"}
    assert "no cp311 wheel for manylinux_2_17_x86_64" in change.refused["0.68.1"]
    assert "refused: 0.68.1: no cp311 wheel" in change.report("asv.conf.json")
    data = json.loads(change.text)
    assert data["exclude"][0]["req"]["numba"] == r"(?!0\.67\.0$).*"
    assert r'"(?!0\\.67\\.0$).*"' in change.text
    config.write_text(change.text)
    assert sorted(name.rsplit("LAYER", 1)[1] for name in matrix.newest_envs(str(config))) == ["omp", "tbb", "workqueue"]
    assert all("numba0.67.0-" in name for name in matrix.newest_envs(str(config)))


def test_an_older_patch_stands_in_for_a_refused_one(config):
    change = matrix.update(str(config), index(), MAC_X86)  # Numba has no macOS x86_64 wheels from 0.63
    assert change.after == ["0.57.1", "0.58.1", "0.59.1", "0.60.0", "0.61.2", "0.62.1"]
    assert change.removed == RELEASES[6:]
    yanked = index(**{"0.62.1": [{**f, "yanked": True} for f in index()["releases"]["0.62.1"]]})
    change = matrix.update(str(config), yanked, MAC_X86)
    assert change.after[-1] == "0.62.0" and change.refused["0.62.1"] == "yanked"


def test_numpy_is_reported_and_a_release_pip_cannot_install_is_refused(config):
    def resolve(version, python):
        assert python == "3.11"
        if version == "0.57.1":
            raise RuntimeError("pip cannot install it here: ERROR: No matching distribution found for llvmlite")
        return "2.2.6"

    change = matrix.update(str(config), index(), LINUX_X86, numpy=resolve)
    assert change.removed == ["0.57.1"] and "llvmlite" in change.refused["0.57.1"]
    assert "    0.61.2      numpy 2.2.6" in change.report("asv.conf.json")


def test_numpy_in_a_pip_report():
    # the parts read of `pip install --dry-run --report - numba==0.61.2` (pip 26.3, Python 3.11)
    report = {"version": "1", "install": [{"metadata": {"name": n, "version": v}} for n, v in PIP_0_61_2]}
    assert pypi_releases.numpy_in(report) == "2.2.6"
    assert pypi_releases.numpy_in({"install": []}) == "none"


PIP_0_61_2 = [("numba", "0.61.2"), ("llvmlite", "0.44.0"), ("numpy", "2.2.6")]


def test_is_prerelease():
    assert [matrix.is_prerelease(v) for v in ("0.69.0rc1", "0.63.0b1", "0.70.0.dev0", "0.68.1", "0.68.1.post1")] == [
        True,
        True,
        True,
        False,
        False,
    ]
    with pytest.raises(ValueError, match="version: not a version: 'latest'"):
        matrix.is_prerelease("latest")


def test_bad_input_names_the_argument(config, tmp_path, capsys):
    with pytest.raises(ValueError, match="python: expected MAJOR.MINOR"):
        Target("py311", ("manylinux_2_28_x86_64",))
    with pytest.raises(SystemExit, match="--index: cannot read"):
        pypi_releases.read_index(str(tmp_path / "missing.json"))
    with pytest.raises(SystemExit, match="--index: cannot read http://127.0.0.1:9/"):
        pypi_releases.read_index("http://127.0.0.1:9/pypi/numba/json", timeout=5)
    (tmp_path / "other.json").write_text('{"info": {}}')
    with pytest.raises(SystemExit, match="not a PyPI JSON index"):
        pypi_releases.read_index(str(tmp_path / "other.json"))
    with pytest.raises(SystemExit, match="no matrix.req.numba"):
        matrix.rewrite('{"matrix": {"req": {}}}', ["0.68.1"])
    with pytest.raises(SystemExit):
        matrix.main(["list", "--config", str(tmp_path / "missing.conf.json")])
    assert "--config: no asv config at" in capsys.readouterr().err


def test_the_cli_dry_run_reports_and_writes_nothing(config, capsys):
    before = config.read_text()
    matrix.main(["update", "--config", str(config), "--index", str(INDEX), "--dry-run", "--no-numpy"])
    out = capsys.readouterr().out
    assert "added: " in out and "removed: " in out and out.rstrip().endswith(f"dry run: {config} not written")
    assert config.read_text() == before


# --- old results stay readable ---


def test_a_release_that_left_the_matrix_keeps_its_results_on_the_site(tmp_path):
    """The pages read the results directory, not the matrix: with 0.61.2 and 0.62.1 gone from
    the matrix, asv publish still graphs both and the release report still compares them."""
    results = Path(shutil.copytree(DATA / "numba_versions_results", tmp_path / "results"))
    conf = asv_run.write_config(tmp_path)
    data = json.loads(conf.read_text())
    data["matrix"]["req"]["numba"] = ["0.68.1"]
    conf.write_text(json.dumps(data))
    assert [v for v in ("0.61.2", "0.62.1") if any(f"numba{v}-" in e.name for e in matrix.environments(conf))] == []
    asv_run.publish(conf)
    published = json.loads((tmp_path / "html" / "index.json").read_text())
    assert {"0.61.2", "0.62.1"} <= set(published["params"]["numba"])
    graphs = {p.relative_to(tmp_path / "html" / "graphs").as_posix() for p in (tmp_path / "html" / "graphs").rglob("*")}
    assert any("numba-0.61.2/" in g for g in graphs) and any("numba-0.62.1/" in g for g in graphs)
    assert numba_versions.build_report(results).versions == ["0.61.2", "0.62.1"]
