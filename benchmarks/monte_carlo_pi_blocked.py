"""Benchmarks of `monte_carlo_pi_blocked`: the reproducible blocked-and-seeded Monte-Carlo
estimate of pi in every threading mode (see `common`)."""

from . import common

KERNEL = "monte_carlo_pi_blocked"
MODES = ("numpy", "serial", "prange", "threads", "dask", "distributed")


class Modes(common.Modes):
    kernel, modes = KERNEL, MODES


class FirstCall(common.FirstCall):
    kernel, modes = KERNEL, MODES


class Memory(common.Memory):
    kernel, modes = KERNEL, MODES
