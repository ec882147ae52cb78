"""``ntb versions FILE.py:FUNCTION --inputs FILE.py:MAKE_INPUTS --numba 0.61.2 0.68.1``: the
user's function under two or more Numba releases of the matrix, in asv's virtualenvs.

The function is first validated in this process (as ``ntb advise`` does), then joins the
suite as a user kernel (a kernel file in ``.asv/user-kernels`` named by ``NTB_USER_KERNELS``)
and asv times its modes at `--sizes` at the compared thread count (`ntb_site.suite.plan`
``top``) in each release's environment, rounds interleaved in time, with the machine-code
facts of its compiled variants (``codegen``). The Numba-versions method then judges every
release step (`ntb_site.answers.numba_versions`: per-process rounds, a first look, then a
confirmation re-measured by asv) and gives each verdict its diagnosis from the compiled code.
asv times a long-running session's allocator state: each mode's page faults per call in a
fresh script are counted under every release, and a verdict whose mode faults there is
re-timed in fresh scripts of both releases (`ntb_site.answers.conditions.fresh_verdicts`).
Results go to ``.asv/user-results``, apart from the suite's.

Without FILE.py:FUNCTION, ``ntb versions`` reports the suite's own release steps. Exit
status 0, 1 for a confirmed regression, 2 for bad input (as ``ntb advise``).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

from ntb_site.user.advise import machine_name
from ntb_site.user.spec import (
    FunctionSpec,
    UserError,
    add_function_arguments,
    command_main,
    parse_sizes,
    spec_of,
    validate,
)

PROG = "ntb versions"
ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / ".asv" / "user-kernels"
RESULTS = ROOT / ".asv" / "user-results"
DEFAULT_RELEASES = ("0.61.2", "newest")
DEFAULT_SIZES = ("1e5", "1e6")


def user_config(config: Path) -> Path:
    """The project's asv config with every path absolute and the results in `RESULTS`,
    written beside the kernel files (no site plugins: nothing is published from it; the
    environment type's plugin stays)."""
    found = json.loads(config.read_text(encoding="utf-8"))
    base = config.resolve().parent
    for key in ("repo", "benchmark_dir", "env_dir"):
        found[key] = str((base / found.get(key, ".")).resolve())
    found["results_dir"] = str(RESULTS)
    found["html_dir"] = str(WORK / "html")
    found["plugins"] = [p for p in found.get("plugins", []) if not p.lstrip(".").startswith("ntb_site.pages.")]
    path = WORK / "asv.conf.json"
    path.write_text(json.dumps(found, indent=4) + "\n", encoding="utf-8")
    return path


def platform_config() -> Path:
    """The project's config for this platform (`ntb_site.suite.platform_config`)."""
    proc = subprocess.run(
        [sys.executable, "-m", "ntb_site.suite.platform_config", "--config", str(ROOT / "asv.conf.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        raise UserError(f"asv.conf.json: {proc.stderr.strip()}")
    return Path(proc.stdout.strip())


def environments(config: Path, releases: Sequence[str]) -> list[str]:
    """asv's environment of each release (the default threading layer); UserError naming
    --numba for a release the matrix lacks."""
    from ntb_site.suite import matrix

    try:
        names = [matrix.newest_env(str(config), None if r == "newest" else r) for r in releases]
    except SystemExit as error:
        raise UserError(str(error)) from None
    if len(set(names)) < 2:
        raise UserError(f"--numba: expected two or more different releases, got {' '.join(releases)}")
    return names


def selectors(name: str, sizes: Sequence[int]) -> list[str]:
    """asv --bench options: the kernel's timings at `sizes` (`ntb_site.suite.plan` ``top``,
    in a process that reads ``NTB_USER_KERNELS``) and its machine-code facts."""
    command = [sys.executable, "-m", "ntb_site.suite.plan", "top", *map(str, sizes), "--kernel", name]
    proc = subprocess.run(command, capture_output=True, text=True, check=False, cwd=ROOT)
    if proc.returncode:
        raise RuntimeError(f"ntb plan failed: {proc.stderr.strip()}")
    found = [option for regex in proc.stdout.splitlines() for option in ("-b", regex)]
    return [*found, "-b", rf"^codegen\.MachineCode\.track_fact\('{name}\.", "-b", r"^environment\."]


def asv(config: Path, arguments: Sequence[str], quiet: bool = False) -> int:
    """asv with `config`, its output shown (on stderr where `quiet`); its exit status."""
    command = [sys.executable, "-m", "asv", arguments[0], "--config", str(config), *arguments[1:]]
    stream = sys.stderr if quiet else sys.stdout
    print(f"[{PROG}] {' '.join(command[2:])}", file=stream, flush=True)
    return subprocess.call(command, cwd=ROOT, stdout=stream)


def fresh_faults(name: str, modes: Sequence[str], sizes: Sequence[int], config: Path, envs: Sequence[str]):
    """The page faults per call of the kernel's modes (not the Dask ones, whose start moves
    glibc's thresholds) in a fresh script under every release compared: whether the
    allocator's state, which asv pins to a long-running session's, can move a verdict."""
    import kernels
    from ntb_site.answers import conditions
    from ntb_site.suite import matrix
    from ntb_site.suite.plan import DASK_MODES

    pythons = [matrix.python_of(env, str(config)) for env in envs]
    counted = [mode for mode in modes if mode not in DASK_MODES]
    return conditions.count_faults(name, sizes, counted, kernels.max_threads(), pythons, dict(os.environ))


def parser() -> argparse.ArgumentParser:
    """``ntb versions``'s arguments for the user's function."""
    made = argparse.ArgumentParser(
        prog=PROG,
        description=__doc__.split("\n\n")[0].replace("``", ""),
        epilog="without FILE.py:FUNCTION: the suite's own release steps (ntb versions --stored --help)",
    )
    add_function_arguments(made)
    made.add_argument(
        "--numba",
        nargs="+",
        default=list(DEFAULT_RELEASES),
        metavar="VERSION",
        help="releases of the matrix to compare ('newest' for the newest; default 0.61.2 newest)",
    )
    made.add_argument("--sizes", nargs="+", default=list(DEFAULT_SIZES), help="problem sizes (default 1e5 1e6)")
    made.add_argument("--rounds", type=int, default=4, help="asv rounds, interleaved between releases (default 4)")
    made.add_argument("--machine", help="asv machine name (default: asv's)")
    made.add_argument(
        "--json", nargs="?", const="-", metavar="OUT", help="write the report as JSON to OUT (- : stdout)"
    )
    return made


def versions(options: argparse.Namespace) -> int:
    """Validate, run asv, judge and print (module docstring)."""
    from ntb_site.answers import conditions, numba_versions
    from ntb_site.suite import matrix

    spec: FunctionSpec = spec_of(options)
    sizes = parse_sizes(options.sizes)
    if options.rounds < 2:
        raise UserError("--rounds: expected at least 2 (the verdicts compare per-process rounds)")
    WORK.mkdir(parents=True, exist_ok=True)
    cache = WORK / "numba-cache"
    kernel = spec.kernel(cache)
    import kernels

    log = (lambda line: print(line, file=sys.stderr)) if options.json == "-" else print
    log(f"{spec.kernel_name}: validating {', '.join(kernel.modes)} against NumPy at {sizes[0]:,}")
    validate(kernel, sizes[0], kernels.max_threads(), spec, log)
    kernel_file = WORK / f"{spec.kernel_name}.py"
    kernel_file.write_text(spec.module_source(cache), encoding="utf-8")
    os.environ["NTB_USER_KERNELS"] = str(kernel_file)  # asv's benchmark processes inherit it
    config = user_config(platform_config())
    envs = environments(config, options.numba)
    name = options.machine or machine_name()
    machine = ["--machine", name]
    quiet = options.json == "-"
    if asv(config, ["machine", "--yes", *machine], quiet):
        raise RuntimeError("asv machine failed")
    run = ["run", "HEAD^!", *machine, "--record-samples", "--interleave-rounds", "-a", f"rounds={options.rounds}"]
    run += [option for env in envs for option in ("-E", env)] + selectors(spec.kernel_name, sizes)
    status = asv(config, run, quiet)
    if status not in (0, 2):
        raise RuntimeError(f"asv run failed (exit {status})")
    try:
        report = numba_versions.build_report(RESULTS, name)
        if numba_versions.confirm_flagged(report, RESULTS, config):
            report = numba_versions.build_report(RESULTS, name)
    except numba_versions.ReportError as error:
        raise RuntimeError(str(error)) from None
    log(f"{spec.kernel_name}: counting page faults per call in a fresh script under each release")
    facts = fresh_faults(spec.kernel_name, kernel.modes, sizes, config, envs)
    log(f"{spec.kernel_name}: re-timing in fresh scripts every confirmed verdict whose mode faults there")
    facts = conditions.fresh_verdicts(report, facts, partial(matrix.python_of, config=str(config)), dict(os.environ))
    report = dataclasses.replace(report, allocator=facts)
    record = {"kernel": spec.kernel_name, "function": spec.function, **report.as_json()}
    if options.json == "-":
        print(json.dumps(record, indent=1))
    else:
        print(numba_versions.format_table(report))
        if options.json:
            Path(options.json).write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
            print(f"\nwritten to {options.json}")
    return numba_versions.EXIT_REGRESSION if report.count("regression") else 0


def _stored_versions() -> Callable[[list[str]], int]:
    from ntb_site.answers import numba_versions

    return numba_versions.main


def main(argv: Sequence[str] | None = None) -> int:
    """CLI (module docstring)."""
    return command_main(argv, PROG, parser, versions, _stored_versions)


if __name__ == "__main__":
    sys.exit(main())
