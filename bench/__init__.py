"""Benchmarks that print numbers; run each from the checkout root as `python -m bench.NAME`."""
