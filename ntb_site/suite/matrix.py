"""The environment matrix of `asv.conf.json`, read through asv itself.

    python -m ntb_site.suite.matrix newest-env           # name of the default environment
    python -m ntb_site.suite.matrix env --numba 0.61.2   # the same, for another Numba release
    python -m ntb_site.suite.matrix list                 # every environment of the matrix
    python -m ntb_site.suite.matrix list --newest        # the newest release's (one per layer)
    python -m ntb_site.suite.matrix update [--dry-run]   # matrix.req.numba from PyPI

The default environment is the newest Numba release with the first value of every other
matrix axis (e.g. the first threading layer): what `.ci/bench` and the pull-request gate
run, so the version list lives in `asv.conf.json` only. A pre-release (``0.69.0rc1``) is
measured like a release but is never the newest release while a release exists: the newest
release keeps every threading layer and the pages' default.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from asv import environment
from asv.config import Config
from packaging.version import InvalidVersion, Version

from ntb_site.suite import pypi_releases
from ntb_site.suite.pypi_releases import Target

NUMBA_LIST = re.compile(r'("numba"\s*:\s*)\[[^\[\]]*\]')
"""matrix.req.numba in the config's text: the only list keyed "numba"."""
ALL_BUT = re.compile(r"\(\?!(.+)\$\)\.\*")
"""An exclude rule's numba regex that spares one version: ``(?!0\\.68\\.1$).*``."""


def is_prerelease(version: str) -> bool:
    """Whether `version` is a pre-release (``0.69.0rc1``, ``0.63.0b1``, ``0.70.0.dev0``);
    ValueError naming `version` when it is not a version."""
    try:
        return Version(version).is_prerelease
    except InvalidVersion:
        raise ValueError(f"version: not a version: {version!r}") from None


def newest_release(versions: Iterable[Version]) -> Version:
    """The newest release among `versions`; the newest pre-release only when there is no
    release. ValueError when `versions` is empty."""
    versions = list(versions)
    if not versions:
        raise ValueError("versions: empty")
    return max(versions, key=lambda v: (not v.is_prerelease, v))


def environments(config: str = "asv.conf.json") -> list:
    """asv's environments for the matrix in `config`, in asv's order."""
    from ntb_site.suite import uv_env  # noqa: F401  (asv.conf.json's environment type, as its plugins list does)

    return list(environment.get_environments(Config.load(config), None, verbose=False))


def by_release(config: str = "asv.conf.json") -> dict[Version, list[str]]:
    """Numba release -> names of its environments (one per other matrix value, e.g. per
    threading layer), oldest release first, each list in asv's order (the default first)."""
    releases: dict[Version, list[str]] = {}
    for env in environments(config):
        if env.requirements.get("numba"):
            releases.setdefault(Version(env.requirements["numba"]), []).append(env.name)
    return dict(sorted(releases.items()))


def newest_env(config: str = "asv.conf.json", numba: str | None = None) -> str:
    """Name of the environment with the newest Numba, or with Numba `numba` (ties: asv's
    first, i.e. the first value of every other axis); SystemExit naming the choices."""
    releases = by_release(config)
    if not releases:
        raise SystemExit(f"{config}: no environment pins a Numba version in matrix.req.numba")
    wanted = newest_release(releases) if numba is None else Version(numba)
    if wanted not in releases:
        raise SystemExit(f"--numba: {numba} is not in the matrix ({', '.join(map(str, releases))})")
    return releases[wanted][0]


def python_of(env_name: str, config: str = "asv.conf.json") -> str:
    """The Python of asv's environment `env_name`; LookupError when asv has not created it."""
    for env in environments(config):
        if env.name == env_name:
            try:
                return env.find_executable("python")
            except OSError:
                raise LookupError(f"environment {env_name}: not created yet (asv run creates it)") from None
    raise LookupError(f"environment: {env_name!r} is not in {config}'s matrix")


def newest_envs(config: str = "asv.conf.json") -> list[str]:
    """Names of every environment of the newest Numba release (one per threading layer),
    the default one (`newest_env`) first; empty when no environment pins Numba."""
    releases = by_release(config)
    return releases[newest_release(releases)] if releases else []


@dataclass(frozen=True)
class Update:
    """What `update` changes in a config: the Numba lists before and after, the refused
    releases (version → why), the NumPy pip resolves per release (when asked) and the
    config's new text."""

    before: list[str]
    after: list[str]
    refused: dict[str, str]
    numpy: dict[str, str]
    text: str

    @property
    def added(self) -> list[str]:
        return [v for v in self.after if v not in self.before]

    @property
    def removed(self) -> list[str]:
        return [v for v in self.before if v not in self.after]

    def report(self, config: str) -> str:
        """The terminal report: one line per release, then what changed and what was refused."""
        newest = newest_release(map(Version, self.after))
        lines = [f"{config}: matrix.req.numba, {len(self.after)} releases (every threading layer: {newest})"]
        for version in self.after:
            notes = ["pre-release"] if is_prerelease(version) else []
            if version in self.numpy:
                notes.append(f"numpy {self.numpy[version]}")
            mark = "+" if version in self.added else " "
            lines.append(f"  {mark} {version:<11} {', '.join(notes)}".rstrip())
        lines.append(f"added: {', '.join(self.added) or 'none'}")
        lines.append(f"removed: {', '.join(self.removed) or 'none'}")
        lines += [f"refused: {version}: {why}" for version, why in sorted(self.refused.items(), key=_version_key)]
        return "\n".join(lines)


def _version_key(item: tuple[str, str]) -> Version:
    return Version(item[0])


def rewrite(text: str, versions: Sequence[str]) -> str:
    """The config `text` with matrix.req.numba set to `versions` and every exclude rule that
    spares one release (``(?!0\\.68\\.1$).*``) sparing the newest of `versions`; the rest of
    the text, formatting included, unchanged. SystemExit when the text has another shape."""
    data = json.loads(text)
    if "numba" not in data.get("matrix", {}).get("req", {}):
        raise SystemExit("config: no matrix.req.numba to update")
    if len(NUMBA_LIST.findall(text)) != 1:
        raise SystemExit('config: expected exactly one list keyed "numba" (matrix.req.numba)')
    listed = "[" + ", ".join(json.dumps(v) for v in versions) + "]"
    text = NUMBA_LIST.sub(lambda match: match.group(1) + listed, text)
    data["matrix"]["req"]["numba"] = list(versions)
    spared = f"(?!{re.escape(str(newest_release(map(Version, versions))))}$).*"
    for rule in data.get("exclude", []):
        pattern = rule.get("req", {}).get("numba")
        if isinstance(pattern, str) and ALL_BUT.fullmatch(pattern):
            text = text.replace(json.dumps(pattern), json.dumps(spared))
            rule["req"]["numba"] = spared
    if json.loads(text) != data:
        raise SystemExit("config: its text could not be rewritten in place (unexpected formatting)")
    return text


def update(
    config: str, index: dict, target: Target | None = None, numpy: Callable[[str, str], str] | None = None
) -> Update:
    """matrix.req.numba of `config` as `index` (PyPI's JSON index) makes it: the releases
    `pypi_releases.select` picks for `target` (default: the config's Python here). With
    `numpy` (e.g. `pypi_releases.resolved_numpy`), each release's NumPy, and a release that
    pip cannot install is refused too. Writes nothing; SystemExit when nothing is left."""
    text = Path(config).read_text(encoding="utf-8")
    data = json.loads(text)
    pythons = data.get("pythons", [])
    if len(pythons) != 1:
        raise SystemExit(f"{config}: update needs exactly one entry in pythons, found {pythons}")
    target = target or Target.here(pythons[0])
    selection = pypi_releases.select(index, target)
    versions, refused, numpys = list(selection.versions), dict(selection.refused), {}
    for version in selection.versions if numpy else []:
        try:
            numpys[version] = numpy(version, target.python)
        except RuntimeError as error:
            versions.remove(version)
            refused[version] = str(error)
    if not versions:
        raise SystemExit(f"{config}: no Numba release installs here; nothing written")
    before = data.get("matrix", {}).get("req", {}).get("numba", [])
    return Update(before, versions, refused, numpys, rewrite(text, versions))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="ntb matrix", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["newest-env", "env", "list", "update"])
    parser.add_argument("--numba", help="Numba release for `env` (default: the newest)")
    parser.add_argument("--newest", action="store_true", help="`list`: the newest release only")
    parser.add_argument("--config", default="asv.conf.json")
    parser.add_argument("--index", default=pypi_releases.INDEX_URL, help="`update`: PyPI JSON index, URL or file")
    parser.add_argument("--dry-run", action="store_true", help="`update`: report only, write nothing")
    parser.add_argument("--no-numpy", action="store_true", help="`update`: skip pip's NumPy resolution")
    options = parser.parse_args(argv)
    if not Path(options.config).is_file():
        parser.error(f"--config: no asv config at {options.config} (run from the clone, or name it)")
    if options.command == "update":
        numpy = None if options.no_numpy else pypi_releases.resolved_numpy
        change = update(options.config, pypi_releases.read_index(options.index), numpy=numpy)
        print(change.report(options.config))
        if options.dry_run:
            print(f"dry run: {options.config} not written")
        elif change.text != Path(options.config).read_text(encoding="utf-8"):
            Path(options.config).write_text(change.text, encoding="utf-8")
            print(f"{options.config} written")
    elif options.command in ("newest-env", "env"):
        print(newest_env(options.config, options.numba))
    elif options.newest:
        print("\n".join(newest_envs(options.config)))
    else:
        print("\n".join(env.name for env in environments(options.config)))


if __name__ == "__main__":
    main()
