"""asv benchmarks over the `kernels` registry: size × threading mode × threads."""
