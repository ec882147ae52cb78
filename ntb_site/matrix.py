"""The environment matrix of `asv.conf.json`, read through asv itself.

    python -m ntb_site.matrix newest-env   # name of the default environment
    python -m ntb_site.matrix list         # every environment of the matrix

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


def newest_env(config: str = "asv.conf.json") -> str:
    """Name of the environment with the newest Numba (ties: asv's first, i.e. the first
    value of every other axis)."""
    envs = [env for env in environments(config) if env.requirements.get("numba")]
    if not envs:
        raise SystemExit(f"{config}: no environment pins a Numba version in matrix.req.numba")
    newest = max(Version(env.requirements["numba"]) for env in envs)
    return next(env.name for env in envs if Version(env.requirements["numba"]) == newest)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["newest-env", "list"])
    parser.add_argument("--config", default="asv.conf.json")
    options = parser.parse_args(argv)
    if options.command == "newest-env":
        print(newest_env(options.config))
    else:
        print("\n".join(env.name for env in environments(options.config)))


if __name__ == "__main__":
    main()
