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


MAX_LINES = 200
# Markdown links and images, and HTML src/href attributes.
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)|\b(?:src|href)=[\"']([^\"']+)[\"']")


def test_readme_is_the_front_door_not_a_log():
    """At most 200 lines; the rest is in docs/."""
    assert len(README.splitlines()) <= MAX_LINES


def test_every_relative_link_resolves_to_a_file_in_the_repository():
    targets = [a or b for a, b in LINK.findall(README)]
    relative = [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:|^#|^//", t)]
    assert relative, "README.md links no file of the repository"
    missing = [t for t in relative if not (ROOT / t.split("#", 1)[0]).is_file()]
    assert not missing


def test_readme_speaks_of_the_project_and_its_commands():
    """No account of who ran what when, and the project's commands as `ntb <subcommand>`."""
    for phrase in ("this session", "an earlier run", "earlier session", "python -m ntb_site."):
        assert phrase not in README.lower(), phrase
