"""Statistics of noisy timings: per-process rounds, verdicts, intervals, comparisons."""
