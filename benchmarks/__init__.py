"""On-demand speed, memory and quality benchmarks; each prints ratios against a reference
measured in the same run, because these shared machines drift in absolute time."""
