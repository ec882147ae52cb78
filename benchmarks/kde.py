"""Benchmarks of the `kde` kernel in every threading mode (see `common`)."""

from . import common

KERNEL = "kde"
MODES = ("numpy", "serial", "parallel", "prange", "threads", "dask", "distributed")


class Modes(common.Modes):
    kernel, modes = KERNEL, MODES


class FirstCall(common.FirstCall):
    kernel, modes = KERNEL, MODES


class Memory(common.Memory):
    kernel, modes = KERNEL, MODES


class Validation(common.Validation):
    kernel, modes = KERNEL, MODES
