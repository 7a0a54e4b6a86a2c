"""Benchmarks: `python -m bench [NAME…]` runs every bench/<area>_bench.py (or those named)."""
