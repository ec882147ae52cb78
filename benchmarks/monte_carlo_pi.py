"""Benchmarks of the `monte_carlo_pi` kernel in every threading mode (see `common`)."""

from . import common


class Modes(common.Modes):
    kernel = "monte_carlo_pi"


class Scaling(common.Scaling):
    kernel = "monte_carlo_pi"


class FirstCall(common.FirstCall):
    kernel = "monte_carlo_pi"
