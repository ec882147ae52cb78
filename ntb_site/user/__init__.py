"""A user's own function: which mode (`advise`) and what a Numba release did to it (`versions`)."""
