"""Benchmarks of the `kde` kernel in every threading mode (see `common`)."""

from . import common


class Modes(common.Modes):
    kernel = "kde"


class Scaling(common.Scaling):
    kernel = "kde"


class FirstCall(common.FirstCall):
    kernel = "kde"


class Memory(common.Memory):
    kernel = "kde"


class Validation(common.Validation):
    kernel = "kde"
