"""Which Numba releases the matrix measures, from PyPI's JSON index.

The newest patch of every minor release from 0.57 on, plus the newest pre-release when it
is newer than every release (a release candidate is where maintainers want a slowdown
caught), each only where one of its wheels installs into the benchmarks' Python here:
a release without such a wheel is refused with the reason, and the next older patch of
its minor (or pre-release) is tried instead. `python -m ntb_site.suite.matrix update` writes the
selection into `asv.conf.json`.
"""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging import tags
from packaging.utils import InvalidWheelFilename, parse_wheel_filename
from packaging.version import InvalidVersion, Version

INDEX_URL = "https://pypi.org/pypi/numba/json"
FIRST_MINOR = (0, 57)
"""The oldest minor release measured: the first with wheels for Python 3.11."""
INDEX_TIMEOUT_S = 30
PIP_TIMEOUT_S = 120


@dataclass(frozen=True)
class Target:
    """Where a wheel must install: CPython `python` (``"3.11"``) on `platforms` (platform
    tags, most specific first; `here` takes this machine's)."""

    python: str
    platforms: tuple[str, ...]

    @classmethod
    def here(cls, python: str) -> Target:
        """`python` on this machine's platforms (plain ``linux_*`` last: PyPI has no such wheels)."""
        return cls(python, tuple(sorted(tags.platform_tags(), key=lambda platform: platform.startswith("linux_"))))

    def __post_init__(self):
        parts = self.python.split(".")
        if len(parts) != 2 or not all(part.isdigit() for part in parts):
            raise ValueError(f"python: expected MAJOR.MINOR such as '3.11', got {self.python!r}")
        if not self.platforms:
            raise ValueError("platforms: no platform tag given")

    @property
    def interpreter(self) -> str:
        """``cp311``."""
        return "cp" + self.python.replace(".", "")

    def tags(self) -> set[tags.Tag]:
        """Every wheel tag that installs here."""
        version = tuple(int(part) for part in self.python.split("."))
        found = tags.cpython_tags(version, platforms=self.platforms)
        return {*found, *tags.compatible_tags(version, platforms=self.platforms)}

    def why_not(self, files: Iterable[Mapping]) -> str | None:
        """None when one of a release's `files` (the index's entries) is a wheel that installs
        here, else why none does."""
        files = list(files)
        if not files:
            return "no files on PyPI"
        live = [f["filename"] for f in files if not f.get("yanked")]
        if not live:
            return "yanked"
        wheels = []
        for name in live:
            try:
                wheels.append(parse_wheel_filename(name)[3])
            except InvalidWheelFilename:
                continue  # an sdist
        wanted = self.tags()
        if any(wheel & wanted for wheel in wheels):
            return None
        if not wheels:
            return "no wheels (source only)"
        python = self.interpreter
        ours = sorted({tag.platform for wheel in wheels for tag in wheel if tag.interpreter == python})
        if ours:
            return f"no {python} wheel for {self.platforms[0]} (its {python} wheels: {', '.join(ours)})"
        return f"no {python} wheel (wheels for {', '.join(sorted({t.interpreter for w in wheels for t in w}))})"


@dataclass(frozen=True)
class Selection:
    """The releases to measure, oldest first, and the refused ones (version → why)."""

    versions: list[str]
    refused: dict[str, str] = field(default_factory=dict)


def read_index(source: str = INDEX_URL, timeout: float = INDEX_TIMEOUT_S) -> dict:
    """PyPI's JSON index of Numba from `source`: an http(s) URL, or the path of a recorded
    response; SystemExit naming `--index` when it cannot be read."""
    try:
        if source.startswith(("https://", "http://")):
            with urllib.request.urlopen(source, timeout=timeout) as response:
                data = json.load(response)
        else:
            data = json.loads(Path(source).read_text(encoding="utf-8"))
    except (OSError, urllib.error.URLError, json.JSONDecodeError) as error:
        raise SystemExit(f"--index: cannot read {source}: {error}") from None
    if not isinstance(data, dict) or not isinstance(data.get("releases"), dict):
        raise SystemExit(f"--index: {source} is not a PyPI JSON index (no 'releases' object)")
    return data


def select(index: Mapping, target: Target, first: tuple[int, int] = FIRST_MINOR) -> Selection:
    """The releases of `index` to measure on `target` (see the module docstring)."""
    releases: dict[Version, tuple[str, list]] = {}
    for text, files in index["releases"].items():
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        if version.release[:2] >= first:
            releases[version] = (text, files)
    finals = sorted((v for v in releases if not v.is_prerelease), reverse=True)
    groups: dict[tuple[int, ...], list[Version]] = {}
    for version in finals:
        groups.setdefault(version.release[:2], []).append(version)
    newer_previews = sorted((v for v in releases if v.is_prerelease and (not finals or v > finals[0])), reverse=True)
    chosen, refused = [], {}
    for candidates in [*groups.values(), newer_previews]:
        for version in candidates:
            text, files = releases[version]
            reason = target.why_not(files)
            if reason is None:
                chosen.append(version)
                break
            refused[text] = reason
    return Selection([releases[v][0] for v in sorted(chosen)], refused)


def resolved_numpy(version: str, python: str, timeout: float = PIP_TIMEOUT_S) -> str:
    """The NumPy that pip resolves for ``numba==version`` on CPython `python` here (wheels
    only; nothing is installed); RuntimeError with pip's last error line when pip cannot
    install it, SystemExit when pip does not answer within `timeout` seconds."""
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    command += ["--only-binary=:all:", "--python-version", python, "--timeout", "15", "--retries", "1"]
    command += ["--report", "-", f"numba=={version}"]
    try:
        proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"pip did not resolve numba=={version} within {timeout} s") from None
    if proc.returncode != 0:
        errors = [line for line in proc.stderr.splitlines() if line.startswith("ERROR")] or ["(no message)"]
        raise RuntimeError(f"pip cannot install it here: {errors[-1]}")
    return numpy_in(json.loads(proc.stdout))


def numpy_in(report: Mapping) -> str:
    """NumPy's version in a ``pip install --report`` document; ``"none"`` when pip installs none."""
    for item in report.get("install", []):
        if item["metadata"]["name"].lower() == "numpy":
            return item["metadata"]["version"]
    return "none"
