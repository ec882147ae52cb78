"""Argument checks shared by every mode: a clear `TypeError`/`ValueError` naming the
argument and what was expected, before any data reaches Numba.

Arrays are normalised to C-contiguous float64 (a no-op for such arrays), so strided,
float32 and integer inputs work and every mode compiles one signature only.
"""

import numbers

import numpy as np

from .elementwise import count_valid, first_invalid

MAX_SAMPLES = 2**53
MAX_SEED = 2**32 - 1


def _describe(value: object) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:40] + '...' if len(text) > 40 else text}"


def _is_integer(value: object) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


def check_x(x: object) -> float:
    """`x` as a float; it must be a finite real number."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, (numbers.Real, np.floating, np.integer)):
        raise TypeError(f"x: expected a real number, got {_describe(x)}")
    try:
        value = float(x)
    except OverflowError:
        value = float("inf")
    if not np.isfinite(value):
        raise ValueError(f"x: expected a finite number, got {value}")
    return value


def check_array(name: str, values: object) -> np.ndarray:
    """`values` as a non-empty 1-D C-contiguous float64 array."""
    try:
        array = np.asarray(values)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name}: expected a 1-D array of real numbers, got {_describe(values)}") from err
    if array.dtype.kind not in "iuf":
        raise TypeError(f"{name}: expected a 1-D array of real numbers, got dtype {array.dtype}")
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got {array.ndim}-D with shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"{name}: expected a non-empty array, got length 0")
    return np.ascontiguousarray(array, dtype=np.float64)


def check_mixture_structure(x: object, means: object, widths: object) -> tuple[float, np.ndarray, np.ndarray]:
    """`(x, means, widths)` checked and normalised, except for the values in the arrays
    (for modes that count valid pairs inside their own loop: see `raise_invalid`)."""
    x = check_x(x)
    means = check_array("means", means)
    widths = check_array("widths", widths)
    if means.shape != widths.shape:
        raise ValueError(f"means, widths: expected equal lengths, got {means.shape[0]} and {widths.shape[0]}")
    return x, means, widths


def raise_invalid(means: np.ndarray, widths: np.ndarray) -> None:
    """ValueError naming the first pair that is not `elementwise.valid`: a non-finite mean,
    or a non-finite or non-positive width. Call it once a count of valid pairs fell short."""
    bad = int(first_invalid(means, widths))
    if not np.isfinite(means[bad]):
        raise ValueError(f"means: expected finite values, got {means[bad]} at index {bad}")
    raise ValueError(f"widths: expected finite values > 0, got {widths[bad]} at index {bad}")


def check_mixture(x: object, means: object, widths: object) -> tuple[float, np.ndarray, np.ndarray]:
    """Validated `(x, means, widths)` for `gaussians` and `kde`: structure, then one
    counting pass over the values."""
    x, means, widths = check_mixture_structure(x, means, widths)
    if count_valid(means, widths) != means.shape[0]:
        raise_invalid(means, widths)
    return x, means, widths


def check_nsamples(nsamples: object) -> int:
    """`nsamples` as an int; it must be a positive integer (bools and floats refused)."""
    if not _is_integer(nsamples):
        raise TypeError(f"nsamples: expected a positive integer, got {_describe(nsamples)}")
    if not 0 < nsamples <= MAX_SAMPLES:
        raise ValueError(f"nsamples: expected an integer in 1 ... 2**53, got {nsamples}")
    return int(nsamples)


def check_seed(seed: object) -> int | None:
    """`seed` as an int, or None; it must be an integer in 0 ... 2**32 - 1."""
    if seed is None:
        return None
    if not _is_integer(seed):
        raise TypeError(f"seed: expected None or an integer, got {_describe(seed)}")
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed: expected an integer in 0 ... 2**32 - 1, got {seed}")
    return int(seed)


def check_threads(threads: object, mode: str, threaded: bool, maximum: int) -> int:
    """Thread count for `mode`: None means `maximum` (or 1 where the mode is single-threaded)."""
    if threads is None:
        return maximum if threaded else 1
    if not _is_integer(threads):
        raise TypeError(f"threads: expected None or a positive integer, got {_describe(threads)}")
    if not threaded:
        if threads != 1:
            raise ValueError(f"threads: mode {mode!r} runs on one thread, expected None or 1, got {threads}")
        return 1
    if not 1 <= threads <= maximum:
        raise ValueError(
            f"threads: expected an integer in 1 ... {maximum} (NUMBA_NUM_THREADS) for mode {mode!r}, got {threads}"
        )
    return int(threads)
