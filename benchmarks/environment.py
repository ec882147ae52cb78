"""What the timings ran on, as tracked numbers the site can show beside them."""

import os

import numba

import kernels

from . import common


class Numba:
    """Numba's configuration in the benchmark process."""

    unit = "count"

    def setup(self):
        common.requested_layer_loaded()  # fail loudly if the requested layer did not load

    def track_max_threads(self):
        return kernels.max_threads()

    def track_cpu_count(self):
        return os.cpu_count()

    def track_using_svml(self):
        return int(numba.config.USING_SVML)


class ThreadingLayer:
    """1 for the threading layer Numba loaded, 0 for the others."""

    params = [["tbb", "omp", "workqueue"]]
    param_names = ["layer"]
    unit = "in use"

    def setup(self, layer):
        self.loaded = common.requested_layer_loaded()

    def track_in_use(self, layer):
        return int(self.loaded == layer)
