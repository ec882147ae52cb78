"""Benchmarks of the `gaussians` kernel in every threading mode (see `common`)."""

from . import common


class Modes(common.Modes):
    kernel = "gaussians"


class Scaling(common.Scaling):
    kernel = "gaussians"


class FirstCall(common.FirstCall):
    kernel = "gaussians"


class Memory(common.Memory):
    kernel = "gaussians"


class Validation(common.Validation):
    kernel = "gaussians"
