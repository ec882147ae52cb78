"""Reading asv's results, per machine, and adding re-measured rounds to them."""
