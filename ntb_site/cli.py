"""``ntb``: one command for every answer and tool of the project.

    ntb advise FILE.py:FUNCTION --inputs FILE.py:MAKE_INPUTS   which mode for your function
    ntb advise                                                 ... for the notebook's kernels
    ntb bench                                                  the main job: measure, write the site
    ntb site --preview                                         publish the site and serve it

`ntb COMMAND --help` gives each command's arguments. Exit status: 0 fine, 1 a regression
or a failed check, 2 bad input.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The clone the package is installed from (``pip install -e``): `bench` and `site` need it."""

COMMANDS: dict[str, tuple[str, str]] = {
    "advise": ("ntb_site.user.advise", "which mode: for FILE.py:FUNCTION measured now, else the notebook's kernels"),
    "versions": ("ntb_site.user.versions", "what Numba releases did: to FILE.py:FUNCTION, else to the suite"),
    "layers": ("ntb_site.answers.layers", "which threading layer, for how many concurrent callers"),
    "why": ("ntb_site.answers.codegen", "what changed in the compiled code of a variant between releases"),
    "gate": ("ntb_site.checks.gate", "the pull-request gate: a slowdown against the base commit"),
    "aa": ("ntb_site.checks.aa", "A/A: two runs of the same code, which the method must not tell apart"),
    "matrix": ("ntb_site.suite.matrix", "the Numba releases and environments of the asv matrix"),
    "plan": ("ntb_site.suite.plan", "the benchmark points one phase of the main job measures"),
    "bench": ("", "the main job (.ci/bench): benchmark this commit, write the site; --all-releases"),
    "site": ("", "publish the site from the stored results (asv publish); --preview serves it"),
}


def usage() -> str:
    """``ntb --help``: the commands, one line each."""
    width = max(map(len, COMMANDS))
    lines = [f"  {name:<{width}}  {summary}" for name, (_, summary) in COMMANDS.items()]
    return "usage: ntb COMMAND [ARGS...]\n\ncommands:\n" + "\n".join(lines) + "\n\n" + __doc__.split("\n\n")[-1]


def _script(argv: Sequence[str], command: list[str], help_text: str, cwd: Path | None = ROOT) -> int:
    if any(arg in ("-h", "--help") for arg in argv):
        print(help_text)
        return 0
    if not (ROOT / ".ci" / "bench").is_file():
        print(f"ntb: this command runs in a clone of the repository; none at {ROOT}", file=sys.stderr)
        return 2
    return subprocess.call(command, cwd=cwd)


def bench(argv: Sequence[str]) -> int:
    """``ntb bench [--all-releases] [ASV_RUN_ARGS...]``: `.ci/bench`, whose phases print progress."""
    help_text = (
        "usage: ntb bench [--all-releases] [ASV_RUN_ARGS...]\n\n"
        "The main job: benchmark this commit with asv (the newest Numba release and one older),\n"
        "write the site into html/. --all-releases: every release of the matrix. Further\n"
        "arguments go to every asv run (e.g. --quick); ASV_MACHINE names the asv machine.\n"
        "Exit status 2 when a benchmark failed (the site is still written)."
    )
    # from the caller's folder: .ci/bench resolves NTB_USER_KERNELS there, then moves to the clone
    return _script(argv, ["bash", str(ROOT / ".ci" / "bench"), *argv], help_text, cwd=None)


def site(argv: Sequence[str]) -> int:
    """``ntb site [--preview]``: asv publish with the project's config, then asv preview."""
    help_text = (
        "usage: ntb site [--preview]\n\n"
        "Write the site into html/ from the stored results (asv publish, with this platform's\n"
        "config), and with --preview serve it at http://127.0.0.1:8080 until interrupted."
    )
    unknown = [arg for arg in argv if arg not in ("--preview", "-h", "--help")]
    if unknown:
        print(f"ntb site: unrecognised argument(s): {' '.join(unknown)}", file=sys.stderr)
        return 2
    python = sys.executable
    config = subprocess.run(
        [python, "-m", "ntb_site.suite.platform_config"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()
    config = config or "asv.conf.json"
    status = _script(argv, [python, "-m", "asv", "publish", "--config", config], help_text)
    if status or "--preview" not in argv or any(arg in ("-h", "--help") for arg in argv):
        return status
    return subprocess.call([python, "-m", "asv", "preview", "--config", config], cwd=ROOT)


def main(argv: Sequence[str] | None = None) -> int:
    """Dispatch to the command's module (its ``main(argv)``); the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        print(f"ntb: no command {name!r} (commands: {', '.join(COMMANDS)}; ntb --help)", file=sys.stderr)
        return 2
    if name == "bench":
        return bench(rest)
    if name == "site":
        return site(rest)
    try:
        status = importlib.import_module(COMMANDS[name][0]).main(rest)
    except SystemExit as exit_:  # argparse: 2 for bad usage, 0 after --help
        status = exit_.code
    if status is None:
        return 0
    return status if isinstance(status, int) else 2


if __name__ == "__main__":
    sys.exit(main())
