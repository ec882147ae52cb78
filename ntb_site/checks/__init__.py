"""Whether a change regressed (the pull-request gate) and whether the method is sound (the A/A check)."""
