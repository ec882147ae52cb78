"""The questions users ask: which mode, which layer, how it scales, what a Numba release changed, and why."""
