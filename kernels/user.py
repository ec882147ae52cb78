"""A user's own function as a `Kernel`: the modes Numba makes of it with no rewrite.

    from kernels.user import from_function
    KERNEL = from_function(black_scholes, make_inputs, chunk=(0, 1, 2))

`function` is a plain Python/NumPy function, as the notebook writes `gaussians` before it is
decorated; `inputs(size)` returns the tuple of its arguments for a problem of that size.

- `numpy`: the function itself; `serial`: `njit`; `parallel`: `njit(parallel=True)`, each
  with the project's compile options (`kernels.flags`: the parfor error model everywhere);
- `prange`: where the user names a `prange` variant (same arguments, same answer);
- `threads`, `dask`: where the user names the array arguments split over their first axis
  (`chunk`): the function compiled `nogil=True` runs on one chunk per thread and the parts
  are concatenated (`combine="concat"`), added (`"sum"`) or passed to the user's own
  `combine(parts)`.

Every mode is judged against the NumPy function (`mismatch`: same shape and dtype, then
`numpy.allclose` with `rtol`/`atol`); nothing validates the arguments, since the function
is the user's own.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from . import chunked
from .chunked import ChunkPlan, bounds
from .flags import compiled
from .kernel import Kernel, numba_parallel, single

CHUNK_MODES = ("threads", "dask")
"""The chunked modes of a user's kernel (`distributed` needs the function importable on
every worker, which a file loaded by path is not)."""
SAMPLE_SIZE = 64
"""The size of the chunked modes' smallest task (`ChunkPlan.sample`)."""
RTOL = 1e-7
ATOL = 0.0


def python_function(function: Callable) -> Callable:
    """The plain function behind `function` (a Numba dispatcher's `py_func`)."""
    return getattr(function, "py_func", function)


def _as_given(*args):
    return args


def _parts(value: object) -> list:
    return list(value) if isinstance(value, tuple) else [value]


def mismatch(result: object, expected: object, rtol: float = RTOL, atol: float = ATOL) -> str | None:
    """How `result` differs from `expected` (shape, dtype, or the largest difference beyond
    the tolerance), or None where it agrees. Tuples are compared item by item."""
    got, want = _parts(result), _parts(expected)
    if len(got) != len(want):
        return f"returns {len(got)} value(s), NumPy {len(want)}"
    for index, (a, b) in enumerate(zip(got, want, strict=True)):
        where = f"item {index}: " if len(want) > 1 else ""
        a, b = np.asarray(a), np.asarray(b)
        if a.shape != b.shape:
            return f"{where}shape {a.shape}, NumPy {b.shape}"
        if a.dtype != b.dtype:
            return f"{where}dtype {a.dtype}, NumPy {b.dtype}"
        if a.dtype.kind in "biufc":
            if not np.allclose(a, b, rtol=rtol, atol=atol, equal_nan=True):
                diff = np.abs(a.astype(np.complex128) - b)
                worst = int(np.nanargmax(diff)) if diff.size else 0
                index = tuple(int(i) for i in np.unravel_index(worst, a.shape))
                at = f" at index {index}" if a.ndim else ""
                return (
                    f"{where}largest difference {diff.flat[worst]:.3g}{at} "
                    f"({a.flat[worst].item()!r} against {b.flat[worst].item()!r}; rtol={rtol:g}, atol={atol:g})"
                )
        elif not np.array_equal(a, b):
            return f"{where}values differ"
    return None


def _agrees(reference: Callable, rtol: float, atol: float, result: object, args: tuple) -> bool:
    return mismatch(result, reference(*args), rtol, atol) is None


def _checked_inputs(make: Callable, size: int) -> tuple:
    args = make(size)
    if not isinstance(args, tuple):
        raise TypeError(f"inputs: {make.__name__}({size}) must return a tuple of arguments, got {type(args).__name__}")
    return args


def argument_indexes(function: Callable, names: Sequence[int | str]) -> tuple[int, ...]:
    """Positions of the arguments `names` (positions or parameter names) of `function`;
    ValueError naming the one that is not a parameter."""
    parameters = list(inspect.signature(function).parameters)
    found = []
    for name in names:
        if isinstance(name, str) and name.isdigit():
            name = int(name)
        if isinstance(name, int):
            if not 0 <= name < len(parameters):
                raise ValueError(f"chunk: argument {name} out of range, {function.__name__} takes {len(parameters)}")
            found.append(name)
        elif name in parameters:
            found.append(parameters.index(name))
        else:
            raise ValueError(f"chunk: {name!r} is not a parameter of {function.__name__} ({', '.join(parameters)})")
    return tuple(sorted(set(found)))


def split_first_axis(indexes: tuple[int, ...], args: tuple, parts: int) -> list[tuple]:
    """`args` as up to `parts` tuples, the arguments at `indexes` sliced over contiguous
    ranges of their first axis (all of the same length), the others passed whole."""
    lengths = {np.shape(args[i])[0] for i in indexes}
    if len(lengths) != 1:
        raise ValueError(f"chunk: the chunked arguments differ in length along the first axis: {sorted(lengths)}")
    return [
        tuple(arg[lo:hi] if i in indexes else arg for i, arg in enumerate(args))
        for lo, hi in bounds(lengths.pop(), parts)
    ]


def _concat(args: tuple, parts: Sequence) -> object:
    return np.concatenate(parts)


def _sum(args: tuple, parts: Sequence) -> object:
    return sum(parts[1:], parts[0])


def _custom(combine: Callable, args: tuple, parts: Sequence) -> object:
    return combine(list(parts))


COMBINES = {"concat": _concat, "sum": _sum}


def from_function(
    function: Callable,
    inputs: Callable[[int], tuple],
    *,
    name: str | None = None,
    prange: Callable | None = None,
    chunk: Sequence[int | str] = (),
    combine: str | Callable = "concat",
    rtol: float = RTOL,
    atol: float = ATOL,
    default_size: int = 1_000_000,
    cache: str | None = None,
) -> Kernel:
    """`function` as a `Kernel` with every mode Numba makes of it (module docstring);
    `cache` names a folder for Numba's cache of the compiled modes (`compiled`)."""
    function = python_function(function)
    name = name or function.__name__
    if not name.isidentifier():
        raise ValueError(f"name: a kernel name must be a Python identifier, got {name!r}")
    variants = {
        "numpy": single(function),
        "serial": single(compiled(function, cache, "serial")),
        "parallel": numba_parallel(compiled(function, cache, "parallel", parallel=True)),
    }
    if prange is not None:
        variants["prange"] = numba_parallel(compiled(python_function(prange), cache, "prange", parallel=True))
    plan = None
    if chunk:
        if isinstance(combine, str) and combine not in COMBINES:
            raise ValueError(f"combine: expected one of {', '.join(COMBINES)} or a function, got {combine!r}")
        joined = COMBINES[combine] if isinstance(combine, str) else partial(_custom, combine)
        split = partial(split_first_axis, argument_indexes(function, chunk))
        sample = split(_checked_inputs(inputs, SAMPLE_SIZE), 1)[0]
        plan = ChunkPlan(compiled(function, cache, "chunk", nogil=True), split, joined, sample)
    return Kernel(
        name=name,
        summary=(inspect.getdoc(function) or f"the user's function {name}").split("\n")[0],
        check=_as_given,
        reference=function,
        agrees=partial(_agrees, function, rtol, atol),
        variants=variants,
        plan=plan,
        inputs=partial(_checked_inputs, inputs),
        default_size=default_size,
        chunk_modes=tuple(m for m in chunked.MODES if m in CHUNK_MODES),
    )
