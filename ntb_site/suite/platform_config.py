"""The asv config for this platform: `asv.conf.json` less what has no wheel here.

TBB (`tbb`) and Intel's SVML runtime (`intel-cmplr-lib-rt`) publish wheels for x86-64 only,
so on an arm64 runner (Linux or macOS) pip cannot install them and asv could build no
environment at all. Here they are dropped from the matrix, with the threading layer that
needs them, and the rest is measured: the environment facts record what the machine lacks
(`environment.Versions.track_tbb`, `environment.Numba.track_using_svml`), as facts, not
failures. Each machine is its own asv machine, so the environment names that differ there
are never compared with another machine's. From the repository root::

    python -m ntb_site.suite.platform_config [--config asv.conf.json] [--output asv.platform.conf.json]

prints the config to run with: `--config` itself where nothing is dropped, else `--output`,
written beside it (asv resolves a config's paths from its folder), with what was dropped
and why on stderr. Exit status 2 on a config it cannot read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from packaging.markers import Marker

X86_64 = 'platform_machine == "x86_64" or platform_machine == "AMD64"'
WHEELS: dict[str, str] = {"tbb": X86_64, "intel-cmplr-lib-rt": X86_64}
"""Matrix package -> PEP 508 marker of the platforms PyPI has its wheels for."""
LAYER_NEEDS: dict[str, str] = {"tbb": "tbb"}
"""Threading layer -> the matrix package it loads."""
LAYER_VARIABLE = "NUMBA_THREADING_LAYER"
DEFAULT_OUTPUT = "asv.platform.conf.json"


def unavailable(requirements: Mapping[str, object], environment: Mapping[str, str] | None = None) -> dict[str, str]:
    """Matrix package -> why it cannot be installed on this platform (or on the marker
    `environment` given, e.g. ``{"platform_machine": "aarch64"}``)."""
    return {
        name: f"PyPI has wheels only where {WHEELS[name]}"
        for name in requirements
        if name in WHEELS and not Marker(WHEELS[name]).evaluate(dict(environment or {}))
    }


def for_platform(config: dict, environment: Mapping[str, str] | None = None) -> tuple[dict, dict[str, str]]:
    """`(config for this platform, what was dropped -> why)`: the matrix packages without a
    wheel here, and the threading layers that need them, removed."""
    matrix = config.get("matrix", {})
    dropped = unavailable(matrix.get("req", {}), environment)
    if not dropped:
        return config, {}
    derived = json.loads(json.dumps(config))
    derived_matrix = derived["matrix"]
    for name in dropped:
        del derived_matrix["req"][name]
    layers = derived_matrix.get("env_nobuild", {}).get(LAYER_VARIABLE)
    if layers:
        for layer, package in LAYER_NEEDS.items():
            if package in dropped and layer in layers:
                layers.remove(layer)
                dropped[f"{LAYER_VARIABLE}={layer}"] = f"needs {package}"
    return derived, dropped


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (see the module docstring)."""
    parser = argparse.ArgumentParser(
        prog="python -m ntb_site.suite.platform_config", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--config", default="asv.conf.json", help="asv config (default: asv.conf.json)")
    parser.add_argument("--output", default=None, help=f"derived config (default: {DEFAULT_OUTPUT} beside --config)")
    args = parser.parse_args(argv)
    source = Path(args.config)
    try:
        config = json.loads(source.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        parser.exit(2, f"platform_config: --config {source}: {error}\n")
    derived, dropped = for_platform(config)
    if not dropped:
        print(source)
        return 0
    output = Path(args.output) if args.output else source.with_name(DEFAULT_OUTPUT)
    if output.resolve().parent != source.resolve().parent:
        parser.error(f"--output must be beside --config (asv resolves paths from the config's folder): {output}")
    output.write_text(json.dumps(derived, indent=4) + "\n", encoding="utf-8")
    for what, why in dropped.items():
        print(f"platform_config: not on this platform: {what} ({why})", file=sys.stderr)
    print(output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
