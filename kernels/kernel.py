"""A kernel as one object: its argument check, NumPy reference, acceptance rule, sample
inputs, the notebook's functions, and every mode it runs in.

In-process modes are `Variant`s (a function and how it is launched); the modes of
external threading (`chunked.MODES`) all run the kernel's one `ChunkPlan`. `Kernel.build`
joins a mode's implementation to the argument check into the public callable.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import wraps
from types import MappingProxyType

from . import chunked, numba_threads, validation
from .modes import MODE_INFO, Mode


def _as_is(function: Callable, threads: int) -> Callable:
    return function


@dataclass(frozen=True)
class Variant:
    """An in-process mode: `function` of the validated arguments, run by
    `launch(function, threads)`. `check` replaces the kernel's check where `function`
    checks the values in its own loop."""

    function: Callable
    launch: Callable[[Callable, int], Callable] = _as_is
    check: Callable[..., tuple] | None = None


def single(function: Callable) -> Variant:
    """`function` as a one-thread mode."""
    return Variant(function)


def numba_parallel(dispatcher: Callable) -> Variant:
    """A `parallel=True` dispatcher, called with the requested number of Numba threads."""
    return Variant(dispatcher, numba_threads.on_threads)


def _empty() -> Mapping[str, Callable]:
    return MappingProxyType({})


@dataclass(frozen=True)
class Kernel:
    """One kernel and every mode it runs in.

    `check(*args)` gives the validated arguments (TypeError/ValueError naming the bad
    one); `reference` is the NumPy implementation; `agrees(result, validated_args)` says
    whether a result is right; `inputs(size)` gives sample arguments; `notebook` maps a
    mode to the notebook's verbatim function it times the same program as.
    """

    name: str
    summary: str
    check: Callable[..., tuple]
    reference: Callable
    agrees: Callable[[object, tuple], bool]
    variants: Mapping[str, Variant]
    plan: chunked.ChunkPlan | None
    inputs: Callable[[int], tuple]
    default_size: int
    notebook: Mapping[str, Callable] = field(default_factory=_empty)
    baseline: str = "serial"
    chunk_modes: tuple[str, ...] = chunked.MODES
    """The modes of `chunked.MODES` that run `plan` (all of them for the catalog's kernels)."""

    @property
    def modes(self) -> tuple[str, ...]:
        """The modes this kernel runs in, in `MODE_INFO` order."""
        chunk_modes = self.chunk_modes if self.plan is not None else ()
        return tuple(mode for mode in MODE_INFO if mode in self.variants or mode in chunk_modes)

    def mode_info(self, mode: object) -> Mode:
        """The `Mode` for `mode` if this kernel runs in it, or a ValueError naming the choices."""
        if not isinstance(mode, str) or mode not in self.modes:
            known = "" if isinstance(mode, str) and mode in MODE_INFO else f" (modes: {', '.join(MODE_INFO)})"
            raise ValueError(f"mode: kernel {self.name!r} supports {', '.join(self.modes)}; got {mode!r}{known}")
        return MODE_INFO[mode]

    def build(self, mode: str, *, threads: int | None = None) -> Callable:
        """This kernel in `mode` on `threads` threads (None: all Numba may use), with the
        notebook's signature; arguments are validated on every call."""
        count = validation.check_threads(threads, mode, self.mode_info(mode).threaded, numba_threads.max_threads())
        if mode in self.variants:
            variant = self.variants[mode]
            implementation, check = variant.launch(variant.function, count), variant.check or self.check
        else:
            implementation, check = chunked.build(self.plan, mode, count), self.check

        @wraps(self.check)
        def run(*args, **kwargs):
            return implementation(*check(*args, **kwargs))

        run.__name__ = run.__qualname__ = self.name
        run.__doc__ = f"{self.summary}; mode {mode!r} on {count} thread(s)."
        run.kernel, run.mode, run.threads = self.name, mode, count
        return run
