"""Benchmarks of `monte_carlo_pi`: the notebook's Monte-Carlo loop of `random.random()` pairs
in every threading mode (see `common`)."""

from . import common

KERNEL = "monte_carlo_pi"
MODES = ("numpy", "serial", "prange", "threads", "dask", "distributed")


class Modes(common.Modes):
    kernel, modes = KERNEL, MODES


class FirstCall(common.FirstCall):
    kernel, modes = KERNEL, MODES


class Memory(common.Memory):
    kernel, modes = KERNEL, MODES
