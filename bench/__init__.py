"""Benchmarks: `python -m bench NAME` (or `all`), each against a named peer in the same run."""
