"""A user's own function: European call prices by Black-Scholes, as one NumPy array expression.

    ntb advise examples/black_scholes.py:black_scholes --inputs examples/black_scholes.py:make_inputs --chunk 0 1 2

Nothing here is from the tutorial notebook. The cumulative normal distribution is the
Abramowitz-Stegun polynomial (26.2.17, error below 7.5e-8), written inline so the function
compiles with `numba.njit` as it is. `KERNEL` puts it in the asv suite and on every page:
``NTB_USER_KERNELS=examples/black_scholes.py bash .ci/bench``.
"""

import numpy as np

from kernels.user import from_function


def black_scholes(price, strike, years, rate, volatility):
    """Black-Scholes price of a European call for each (price, strike, years)."""
    root_t = np.sqrt(years)
    d1 = (np.log(price / strike) + (rate + 0.5 * volatility * volatility) * years) / (volatility * root_t)
    d2 = d1 - volatility * root_t
    k1 = 1.0 / (1.0 + 0.2316419 * np.abs(d1))
    k2 = 1.0 / (1.0 + 0.2316419 * np.abs(d2))
    p1 = k1 * (0.319381530 + k1 * (-0.356563782 + k1 * (1.781477937 + k1 * (-1.821255978 + k1 * 1.330274429))))
    p2 = k2 * (0.319381530 + k2 * (-0.356563782 + k2 * (1.781477937 + k2 * (-1.821255978 + k2 * 1.330274429))))
    tail1 = np.exp(-0.5 * d1 * d1) * 0.3989422804014327 * p1
    tail2 = np.exp(-0.5 * d2 * d2) * 0.3989422804014327 * p2
    cdf1 = np.where(d1 > 0, 1.0 - tail1, tail1)
    cdf2 = np.where(d2 > 0, 1.0 - tail2, tail2)
    return price * cdf1 - strike * np.exp(-rate * years) * cdf2


def make_inputs(size):
    """`size` options: prices 5-30, strikes 1-100, 0.25-10 years; rate 2 %, volatility 30 %."""
    rng = np.random.default_rng(0)
    return rng.uniform(5.0, 30.0, size), rng.uniform(1.0, 100.0, size), rng.uniform(0.25, 10.0, size), 0.02, 0.30


KERNEL = from_function(black_scholes, make_inputs, chunk=(0, 1, 2))
