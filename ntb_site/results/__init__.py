"""Reading asv's results and adding re-measured rounds to them."""
