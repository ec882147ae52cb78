"""``ntb advise`` and ``ntb versions`` for a function the project has never seen: bad input
gets one line naming the problem and exit status 2; a small run measures and answers."""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from ntb_site import cli

USER_FILE = '''
import numba
import numpy as np


def scaled(x, factor):
    """An elementwise expression."""
    return np.sqrt(x) * factor + 1.0


def scaled_prange_wrong(x, factor):
    out = np.empty_like(x)
    for i in numba.prange(x.shape[0]):
        out[i] = np.sqrt(x[i]) * factor  # forgets the + 1.0
    return out


def untypable(x, factor):
    return object()


def make_inputs(size):
    return np.linspace(0.0, 1.0, size), 2.0


def raising_inputs(size):
    raise ValueError("no inputs today")


def not_a_tuple(size):
    return np.zeros(size)
'''


@pytest.fixture(scope="module")
def user_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("user") / "mine.py"
    path.write_text(textwrap.dedent(USER_FILE))
    return path


def advise(capsys, *argv):
    status = cli.main(["advise", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    ("function", "inputs", "extra", "expected"),
    [
        ("nowhere.py:scaled", "{f}:make_inputs", [], "FUNCTION: no Python file 'nowhere.py'"),
        ("{f}:missing", "{f}:make_inputs", [], "FUNCTION: {f} defines no 'missing'"),
        ("{f}:scaled", "{f}:nope", [], "--inputs: {f} defines no 'nope'"),
        ("{f}:scaled", "{f}:make_inputs", ["--sizes", "1e4", "0"], "--sizes: '0' is not a positive integer"),
        ("{f}:scaled", "{f}:make_inputs", ["--sizes", "1.5"], "--sizes: '1.5' is not a positive integer"),
        ("{f}:scaled", "{f}:make_inputs", ["--sizes", "many"], "--sizes: 'many' is not a positive integer"),
        ("{f}:scaled", "{f}:raising_inputs", [], "--inputs: raising_inputs(10000) raised ValueError: no inputs today"),
        ("{f}:scaled", "{f}:not_a_tuple", [], "must return a tuple of arguments, got ndarray"),
        ("{f}:scaled", "{f}:make_inputs", ["--chunk", "y"], "chunk: 'y' is not a parameter of scaled"),
        ("{f}:untypable", "{f}:make_inputs", [], "untypable: mode serial: Numba cannot compile it in nopython mode: "),
        (
            "{f}:scaled",
            "{f}:make_inputs",
            ["--prange", "{f}:scaled_prange_wrong"],
            "scaled: mode prange gives another answer than NumPy at size 10,000: largest difference 1",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, user_file, function, inputs, extra, expected):
    f = str(user_file)
    argv = [function.format(f=f), "--inputs", inputs.format(f=f), *(arg.format(f=f) for arg in extra)]
    status, out, err = advise(capsys, *argv)
    assert status == 2, (out, err)
    assert expected.format(f=f) in err
    lines = [line for line in err.splitlines() if line]
    # one line per problem (each mode Numba cannot compile is one), no traceback
    assert lines and all(line.startswith("ntb advise: ") for line in lines) and "Traceback" not in err, err


def test_numba_compile_error_names_numbas_problem(capsys, user_file):
    status, _, err = advise(capsys, f"{user_file}:untypable", "--inputs", f"{user_file}:make_inputs")
    assert status == 2
    assert "object" in err.split("nopython mode: ", 1)[1]


def test_a_small_run_answers_in_the_advisors_shape(tmp_path, user_file):
    out = tmp_path / "out.json"
    command = [sys.executable, "-m", "ntb_site.cli", "advise", f"{user_file}:scaled"]
    command += ["--inputs", f"{user_file}:make_inputs", "--chunk", "x", "--sizes", "1e3", "2e4"]
    command += ["--rounds", "1", "--samples", "2", "--json", str(out)]
    proc = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "round 2/2" in proc.stderr  # a progress line per round off a terminal
    record = json.loads(out.read_text())
    assert record["kernel"] == "scaled" and record["sizes"] == [1000, 20000]
    assert set(record["modes"]) == {"numpy", "serial", "parallel", "threads", "dask"}
    assert [b["size"] for b in record["best"]] == [1000, 20000]
    assert set(record["conditions"]) == {"fresh", "steady"}
    for answer in record["answers"]:
        assert not answer["clear"]  # one round a condition can never show a clear lead
        assert set(answer["mode"]) == {"fresh", "steady"}
    for mode, entry in record["modes"].items():
        assert entry["first_call"]["value"] > 0
        assert all(t["time"]["value"] > 0 for t in entry["times"]), mode
    assert "Which mode for scaled?" in proc.stdout and "Answer:" in proc.stdout


def test_ntb_help_lists_every_command(capsys):
    assert cli.main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in cli.COMMANDS:
        assert f"\n  {name} " in out


@pytest.mark.parametrize("name", sorted(cli.COMMANDS))
def test_every_command_has_help(capsys, name):
    assert cli.main([name, "--help"]) == 0
    assert "usage: ntb " + name in capsys.readouterr().out


def test_an_unknown_command_is_bad_input(capsys):
    assert cli.main(["advize"]) == 2
    assert "no command 'advize'" in capsys.readouterr().err


def test_the_console_script_is_installed():
    script = Path(sys.executable).with_name("ntb")
    proc = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert proc.returncode == 0 and "advise" in proc.stdout


def test_the_versions_config_keeps_the_environment_plugin_and_drops_the_site(tmp_path, monkeypatch):
    """asv must still know the config's environment type (uv's virtualenvs) when `ntb
    versions` runs it, and publishes nothing from that config."""
    from ntb_site.user import versions

    monkeypatch.setattr(versions, "WORK", tmp_path)
    written = json.loads(versions.user_config(Path("asv.conf.json")).read_text())
    assert written["environment_type"] == "virtualenv-uv"
    assert written["plugins"] == [".ntb_site.suite.uv_env"]


def condition(times: dict[str, list[float]]):
    """One condition's advice at 100,000 elements from its rounds (one value per process)."""
    from ntb_site.answers.advisor import KernelAdvice, ModeCurve
    from ntb_site.statistics.estimate import Estimate

    curves = {
        mode: ModeCurve(mode, 1, {100_000: Estimate(sorted(r)[len(r) // 2], min(r), max(r))}, None, {100_000: r})
        for mode, r in times.items()
    }
    return KernelAdvice("k", 2, curves)


TIED = [10.0, 10.1, 9.9, 10.05]
SLOWER = [16.0, 17.0, 16.5, 16.2]


def test_an_answer_names_one_mode_where_the_other_conditions_fastest_is_only_within_noise():
    from ntb_site.user.advise import answer

    steady = condition({"numpy": TIED, "parallel": [10.3, 10.2, 10.4, 10.1]})
    fresh = condition({"numpy": SLOWER, "parallel": TIED, "threads": [10.5, 10.3, 10.6, 10.2]})
    found = answer({"fresh": fresh, "steady": steady}, 100_000)
    assert found["mode"] == {"fresh": "parallel", "steady": "numpy"} and not found["clear"]
    assert found["text"] == (
        "parallel in both conditions: clearly ahead of numpy in a fresh script, within noise of it in a "
        "long-running session; within noise of threads in a fresh script"
    )
    # each condition clearly ahead with its own mode: the environment that gives the first
    steady = condition({"numpy": [5.0, 5.1, 5.0, 5.05], "parallel": TIED})
    text = answer({"fresh": condition({"numpy": SLOWER, "parallel": TIED}), "steady": steady}, 100_000)["text"]
    assert text.startswith("in a long-running session numpy; in a fresh script parallel; set MALLOC_MMAP_THRESHOLD_=")
