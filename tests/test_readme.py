"""README.md stays in step with the registry and with the project's own scripts."""

import re
from pathlib import Path

from kernels.docs import modes_table

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_modes_table_is_generated_from_the_registry():
    """The table between the markers is exactly what `python -m kernels.docs` prints."""
    block = re.search(r"<!-- modes-table -->\n(.*?)\n<!-- /modes-table -->", README, re.S)
    assert block, "README.md lost its modes-table markers"
    assert block.group(1) == modes_table()


def test_two_setup_commands_are_the_ci_scripts():
    """The README's two commands are the scripts CI and users run, and they exist."""
    commands = re.findall(r"^bash (\.ci/\w+)", README, re.M)
    assert commands[:2] == [".ci/bench", ".ci/run"]
    for script in commands[:2]:
        assert (ROOT / script).is_file()
