"""The allocator-state command (ntb_site.tools.allocator_state) runs real fresh processes;
what it prints is a measurement, so only its shape and its errors are checked here."""

import re

import pytest

from ntb_site.tools import allocator_state


def test_prints_both_states_per_process(capsys, monkeypatch):
    monkeypatch.chdir(allocator_state.__file__.rsplit("/ntb_site/", 1)[0])
    assert allocator_state.main(["--size", "1000", "--processes", "1"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0].strip() for line in lines] == list(allocator_state.STATES)
    assert all(re.fullmatch(r"\s*[a-z ]+: [\d,]+ us", line) for line in lines)


def test_bad_mode_is_named(capsys, monkeypatch):
    monkeypatch.chdir(allocator_state.__file__.rsplit("/ntb_site/", 1)[0])
    with pytest.raises(SystemExit) as exit_:
        allocator_state.main(["--mode", "gpu", "--processes", "1"])
    assert exit_.value.code == 2 and "mode" in capsys.readouterr().err
