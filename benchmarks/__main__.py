"""`python -m benchmarks`: the speed suite (benchmarks/suite.py)."""

from benchmarks.suite import main

main()
