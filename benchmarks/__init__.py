"""Benchmarks for kmeans_core: a comparison script and a pytest-benchmark suite.

Run ``python -m benchmarks.compare --help``. This package must not import NumPy at
import time: ``benchmarks.compare`` unsets some OpenBLAS variables before NumPy loads.
"""
