"""The tutorial notebook's functions, verbatim: what a user copies, and what every mode is
timed against (`python -m kernels.compare --against-notebook`).

Only the notebook's function definitions are here, with its own imports and decorators
(`jit(nopython=True)` compiles with `error_model="python"`; the project's variants use
`flags.FLAGS`); its timing and Dask cells are the modes themselves. Nothing is cached on
disk, as in the notebook.
"""

import random

import numba
import numpy as np
from numba import jit

SQRT_2PI = np.sqrt(2 * np.pi)


@jit(nopython=True, parallel=True)
def gaussians(x, means, widths):
    '''Return the value of gaussian kernels.

    x - location of evaluation
    means - array of kernel means
    widths - array of kernel widths
    '''

    n = means.shape[0]
    result = np.exp(-0.5 * ((x - means) / widths)**2) / widths
    return result / SQRT_2PI / n


gaussians_nothread = jit(nopython=True)(gaussians.py_func)


@jit(nopython=True, parallel=True)
def kde(x, means, widths):
    '''Return the value of gaussian kernels.

    x - location of evaluation
    means - array of kernel means
    widths - array of kernel widths
    '''
    n = means.shape[0]
    result = np.exp( -0.5 * ((x - means) / widths)**2 ) / widths
    return result.mean() / SQRT_2PI

kde_nothread = jit(nopython=True)(kde.py_func)


# Serial version
@jit(nopython=True)
def monte_carlo_pi_serial(nsamples):
    acc = 0
    for i in range(nsamples):
        x = random.random()
        y = random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples

# Parallel version
@jit(nopython=True, parallel=True)
def monte_carlo_pi_parallel(nsamples):
    acc = 0
    # Only change is here
    for i in numba.prange(nsamples):
        x = random.random()
        y = random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples


@jit(nopython=True, nogil=True)
def monte_carlo_pi(nsamples):
    acc = 0
    for i in range(nsamples):
        x = random.random()
        y = random.random()
        if (x**2 + y**2) < 1.0:
            acc += 1
    return 4.0 * acc / nsamples

