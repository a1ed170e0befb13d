"""A Numba compiler pipeline with LLVM's SLP vectoriser switched on.

Numba runs LLVM's loop vectoriser but not, by default, its SLP
("superword-level parallelism") vectoriser, which packs a straight run of the
same scalar operation on neighbouring memory (``s[0] += a[0]; s[1] += a[1];
...``) into vector instructions.  Numba only offers the switch process-wide
(``NUMBA_SLP_VECTORIZE`` / ``numba.config.SLP_VECTORIZE``), and a library
should not change how its users' own functions compile.  ``SLPCompiler``
turns it on for the kernels that name it as their ``pipeline_class`` only,
for the duration of their compilation, which Numba runs under its global
compiler lock, so no other function compiles meanwhile.

SLP packs operations without reordering any sum (the kernels do not allow
``reassoc``), so a kernel computes the same bits with or without it.
"""

from __future__ import annotations

from numba.core import config
from numba.core.compiler import Compiler


class SLPCompiler(Compiler):
    """Numba's default pipeline, compiled with the SLP vectoriser on."""

    def compile_extra(self, func):
        saved = config.SLP_VECTORIZE
        config.SLP_VECTORIZE = 1
        try:
            return super().compile_extra(func)
        finally:
            config.SLP_VECTORIZE = saved
