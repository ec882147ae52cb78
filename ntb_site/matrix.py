"""The environment matrix of `asv.conf.json`, read through asv itself.

    python -m ntb_site.matrix newest-env           # name of the default environment
    python -m ntb_site.matrix env --numba 0.61.2   # the same, for another Numba release
    python -m ntb_site.matrix list                 # every environment of the matrix
    python -m ntb_site.matrix list --newest        # the newest release's (one per layer)

The default environment is the newest Numba release with the first value of every other
matrix axis (e.g. the first threading layer): what `.ci/bench` and the pull-request gate
run, so the version list lives in `asv.conf.json` only.
"""

import argparse
from collections.abc import Sequence

from asv import environment
from asv.config import Config
from packaging.version import Version


def environments(config: str = "asv.conf.json") -> list:
    """asv's environments for the matrix in `config`, in asv's order."""
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
    wanted = list(releases)[-1] if numba is None else Version(numba)
    if wanted not in releases:
        raise SystemExit(f"--numba: {numba} is not in the matrix ({', '.join(map(str, releases))})")
    return releases[wanted][0]


def newest_envs(config: str = "asv.conf.json") -> list[str]:
    """Names of every environment of the newest Numba release (one per threading layer),
    the default one (`newest_env`) first; empty when no environment pins Numba."""
    releases = by_release(config)
    return releases[max(releases)] if releases else []


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["newest-env", "env", "list"])
    parser.add_argument("--numba", help="Numba release for `env` (default: the newest)")
    parser.add_argument("--newest", action="store_true", help="`list`: the newest release only")
    parser.add_argument("--config", default="asv.conf.json")
    options = parser.parse_args(argv)
    if options.command in ("newest-env", "env"):
        print(newest_env(options.config, options.numba))
    elif options.newest:
        print("\n".join(newest_envs(options.config)))
    else:
        print("\n".join(env.name for env in environments(options.config)))


if __name__ == "__main__":
    main()
