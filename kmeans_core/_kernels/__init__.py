"""Numba kernels: compiled loops only.

No validation, no random numbers, no printing and no Python objects live here.
Every kernel takes C-contiguous arrays and writes into outputs that the caller
allocated; docstrings mark arguments ``IN``, ``OUT`` or ``INOUT``.
"""
