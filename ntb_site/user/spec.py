"""What the user named on the command line (`FunctionSpec`), loaded, made a `Kernel` and
checked: every mode validated against the NumPy function before anything is timed.

Each problem is a `UserError` whose message names the argument, the function or the mode;
``ntb advise`` and ``ntb versions`` print it in one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kernels.loading import LoadError, load_object
from kernels.user import ATOL, COMBINES, RTOL, from_function, mismatch

DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class UserError(ValueError):
    """Bad input: a message that names what is wrong and where."""


@dataclass(frozen=True)
class FunctionSpec:
    """The user's function and how to make its modes, as references ``FILE.py:NAME``."""

    function: str
    inputs: str
    prange: str | None = None
    chunk: tuple[str, ...] = ()
    combine: str = "concat"
    rtol: float = RTOL
    atol: float = ATOL
    name: str | None = None

    @property
    def kernel_name(self) -> str:
        """The kernel's name: `name`, else the function's."""
        return self.name or self.function.rpartition(":")[2]

    def absolute(self) -> FunctionSpec:
        """The same with every file path absolute (for processes started elsewhere)."""

        def fix(reference: str | None) -> str | None:
            if reference is None or reference in COMBINES:
                return reference
            path, _, name = reference.rpartition(":")
            return f"{Path(path).expanduser().resolve()}:{name}"

        return FunctionSpec(
            fix(self.function),
            fix(self.inputs),
            fix(self.prange),
            self.chunk,
            fix(self.combine),
            self.rtol,
            self.atol,
            self.name,
        )

    def kernel(self, cache: str | Path | None = None):
        """The `kernels.Kernel` of the function, its compiled modes kept in Numba's cache
        under `cache` (`kernels.user.compiled`); UserError for what cannot be loaded or made."""
        try:
            function = load_object(self.function, "FUNCTION")
            inputs = load_object(self.inputs, "--inputs")
            prange = load_object(self.prange, "--prange") if self.prange else None
            combine = self.combine if self.combine in COMBINES else load_object(self.combine, "--combine")
        except LoadError as error:
            raise UserError(str(error)) from None
        for argument, value in (("FUNCTION", function), ("--inputs", inputs), ("--prange", prange)):
            if value is not None and not callable(value):
                raise UserError(f"{argument}: {value!r} is not a function")
        try:
            return from_function(
                function,
                inputs,
                name=self.name,
                prange=prange,
                chunk=self.chunk,
                combine=combine,
                rtol=self.rtol,
                atol=self.atol,
                cache=None if cache is None else str(Path(cache).resolve()),
            )
        except ValueError as error:
            raise UserError(str(error)) from None
        except Exception as error:  # the chunk sample calls MAKE_INPUTS
            raise UserError(f"--inputs: {_raised(error)}") from None

    def module_source(self, cache: str | Path) -> str:
        """A kernel file for ``NTB_USER_KERNELS`` that makes this kernel with `kernels` alone
        (as asv's environments have it), its compiles cached under `cache`."""
        spec = self.absolute()

        def load(reference: str | None, argument: str) -> str:
            return "None" if reference is None else f"load_object({reference!r}, {argument!r})"

        combine = repr(spec.combine) if spec.combine in COMBINES else load(spec.combine, "--combine")
        return (
            '"""Written by ntb for one function; NTB_USER_KERNELS names it."""\n\n'
            "from kernels.loading import load_object\n"
            "from kernels.user import from_function\n\n"
            "KERNEL = from_function(\n"
            f"    {load(spec.function, 'FUNCTION')},\n"
            f"    {load(spec.inputs, '--inputs')},\n"
            f"    name={spec.kernel_name!r},\n"
            f"    prange={load(spec.prange, '--prange')},\n"
            f"    chunk={spec.chunk!r},\n"
            f"    combine={combine},\n"
            f"    rtol={spec.rtol!r},\n"
            f"    atol={spec.atol!r},\n"
            f"    cache={str(Path(cache).resolve())!r},\n"
            ")\n"
        )


def _raised(error: BaseException) -> str:
    return f"raised {type(error).__name__}: {first_lines(str(error))}"


def first_lines(message: str, lines: int = 1) -> str:
    """The first `lines` non-empty lines of `message`, joined, without terminal colours."""
    found = [line.strip() for line in ANSI.sub("", message).splitlines() if line.strip()]
    return ": ".join(found[:lines]) or "(no message)"


def numba_error_text(message: str) -> str:
    """Numba's first line and, where it is only the pipeline's name, the problem under it."""
    found = [line.strip() for line in ANSI.sub("", message).splitlines() if line.strip()]
    if len(found) > 1 and found[0].startswith("Failed in"):
        return f"{found[0]}: {found[1]}"
    return found[0] if found else "(no message)"


def parse_size(text: str) -> int:
    """``1e4`` or ``10000`` as a positive integer; UserError naming --sizes otherwise."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not (value >= 1 and value == int(value) and value < 1e12):
        raise UserError(f"--sizes: {text!r} is not a positive integer (e.g. 1e4 or 10000)")
    return int(value)


def parse_sizes(texts: Sequence[str]) -> list[int]:
    """Every size, ascending, once."""
    return sorted({parse_size(text) for text in texts})


@dataclass
class Validated:
    """The modes that agree with NumPy at the smallest size, with the seconds of each
    mode's build and first call there (compilation included)."""

    modes: list[str]
    first_call: dict[str, float] = field(default_factory=dict)
    start_up: float = 0.0
    """Numba's one-time compiler start-up, measured once and kept out of `first_call`."""


def _warm_up_numba() -> float:
    import numba

    start = time.perf_counter()
    numba.njit(lambda x: x + 1)(1)
    return time.perf_counter() - start


def validate(kernel, size: int, threads: int, spec: FunctionSpec, report: Callable[[str], None] = print) -> Validated:
    """Build and call every mode of `kernel` at `size`; UserError naming each mode Numba
    cannot compile or that disagrees with the NumPy function (the largest difference)."""
    from numba.core.errors import NumbaError

    name = spec.kernel_name
    try:
        args = kernel.inputs(size)
    except Exception as error:
        raise UserError(f"--inputs: {spec.inputs.rpartition(':')[2]}({size}) {_raised(error)}") from None
    try:
        start = time.perf_counter()
        expected = kernel.reference(*args)
        numpy_first = time.perf_counter() - start
    except Exception as error:
        raise UserError(f"FUNCTION: {name} (the NumPy function itself) {_raised(error)}") from None
    found = Validated(["numpy"], {"numpy": numpy_first}, _warm_up_numba())
    problems = []
    for mode in kernel.modes:
        if mode == "numpy":
            continue
        threaded = kernel.mode_info(mode).threaded
        start = time.perf_counter()
        try:
            result = kernel.build(mode, threads=threads if threaded else None)(*args)
        except NumbaError as error:
            problems.append(
                f"{name}: mode {mode}: Numba cannot compile it in nopython mode: {numba_error_text(str(error))}"
            )
            continue
        except Exception as error:
            problems.append(f"{name}: mode {mode} {_raised(error)}")
            continue
        seconds = time.perf_counter() - start
        wrong = mismatch(result, expected, spec.rtol, spec.atol)
        if wrong:
            problems.append(f"{name}: mode {mode} gives another answer than NumPy at size {size:,}: {wrong}")
            continue
        found.modes.append(mode)
        found.first_call[mode] = seconds
        report(f"  {mode}: agrees with NumPy at {size:,} (build + first call {seconds:.2f} s)")
    if problems:
        raise UserError("\n".join(problems))
    return found


def add_function_arguments(parser: argparse.ArgumentParser) -> None:
    """The arguments that name the user's function, shared by ``ntb advise`` and ``ntb versions``."""
    parser.add_argument("function", metavar="FILE.py:FUNCTION", help="the plain NumPy function to advise on")
    parser.add_argument(
        "--inputs",
        required=True,
        metavar="FILE.py:MAKE_INPUTS",
        help="MAKE_INPUTS(size) returns the tuple of the function's arguments",
    )
    parser.add_argument("--prange", metavar="FILE.py:NAME", help="the same function written with numba.prange")
    parser.add_argument(
        "--chunk",
        nargs="+",
        default=(),
        metavar="ARG",
        help="array arguments (names or positions) split over their first axis: adds threads and dask",
    )
    parser.add_argument(
        "--combine",
        default="concat",
        metavar="concat|sum|FILE.py:NAME",
        help="how the chunks' results make the answer (default concat; NAME(parts) for your own)",
    )
    parser.add_argument("--rtol", type=float, default=RTOL, help=f"relative tolerance against NumPy (default {RTOL:g})")
    parser.add_argument("--atol", type=float, default=ATOL, help=f"absolute tolerance against NumPy (default {ATOL:g})")
    parser.add_argument("--name", help="the kernel's name (default: the function's)")


def is_user_call(argv: Sequence[str]) -> bool:
    """Whether `argv` names a function (else the command answers from the stored results)."""
    return any(":" in arg and not arg.startswith("-") for arg in argv) or "--inputs" in argv


def command_main(
    argv: Sequence[str] | None,
    prog: str,
    parser: Callable[[], argparse.ArgumentParser],
    run: Callable[[argparse.Namespace], int],
    stored: Callable[[], Callable[[list[str]], int]],
) -> int:
    """``ntb advise`` / ``ntb versions``: `run` for a function named in `argv`, else the stored
    results' `stored()` main (``--stored --help`` for its help); 2 with one line per problem
    for bad input (`UserError`), 1 for a fault (a RuntimeError)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not is_user_call(argv):
        if "--stored" in argv:
            argv.remove("--stored")
        elif argv in (["-h"], ["--help"]):
            parser().print_help()
            return 0
        return stored()(argv)
    options = parser().parse_args(argv)
    try:
        return run(options)
    except UserError as error:
        for line in str(error).splitlines():
            print(f"{prog}: {line}", file=sys.stderr)
        return 2
    except RuntimeError as error:
        print(f"{prog}: {error}", file=sys.stderr)
        return 1


def spec_of(options: argparse.Namespace) -> FunctionSpec:
    """The `FunctionSpec` of parsed arguments (`add_function_arguments`)."""
    if options.rtol < 0 or options.atol < 0:
        raise UserError("--rtol, --atol: tolerances must not be negative")
    return FunctionSpec(
        options.function,
        options.inputs,
        options.prange,
        tuple(options.chunk),
        options.combine,
        options.rtol,
        options.atol,
        options.name,
    )
