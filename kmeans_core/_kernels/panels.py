"""Dot products of a tile of rows with packed panels of centers, in registers.

``dots.tile_dots`` vectorises each dot product along the features and must
then add up the lanes of every (row, center) sum, a few shuffles and adds per
pair, while each sum itself is only 4 to 16 vector multiply-adds at d = 32
to 128 in float32.  Here
the centers are packed into panels of ``PANEL_WIDTH`` (one panel holds the
features of 16 centers side by side, ``panels[p, f, :]``), and a block of
``PANEL_ROWS`` rows by one panel is accumulated whole: for each feature, each
row's value is broadcast and multiplied by the panel's 16 values, so every
running sum stays in its own vector lane and nothing is left to add up.  This
is the register-blocked micro-kernel of an optimised matrix product.  On one
Zen 3 core, copying a tile and scoring it took 0.69 of ``tile_dots``'s time at
64 x 64 and 0.8 at 128 x 64 (float32, 16 MiB of X; ``tile_dots``'s copy is
the same).

Numba has no vector types, so the block's 64 running sums are written as
scalars and LLVM's SLP vectoriser (``compiler.SLPCompiler``) packs them into
vector registers.  Written out by hand that is some 150 lines of
``a2_13 += x2 * c13``; ``_panel_kernel_source`` writes them instead, and the
docstring of the function it returns shows the pattern.  Only ``contract`` is
allowed, not ``reassoc``: with it LLVM's loop vectoriser would instead
vectorise each sum along the features, the very pattern this kernel avoids
(it then ran about ten times slower).  So each dot product is summed in feature
order, with fused multiply-adds.  These scores only propose labels, within
the error bound that ``lloyd.nearest_from_dots`` allows for any order.

The block's dot products come out row-major, 16 centers per row; the label
search reads them centers x rows, vectorised along the rows, so
``transpose_panel_dots`` turns each tile around in squares of eight.
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from .._config import FASTMATH
from .compiler import SLPCompiler

#: Centers per panel: two AVX2 vectors of float32 per row.
PANEL_WIDTH = 16
#: Rows per block: 4 x 16 running sums fill eight of AVX2's sixteen vector
#: registers, leaving room for the panel's two vectors and the broadcasts.
#: Blocks of 6 rows ran seven times slower (SLP left them scalar), and 8
#: rows x 8 centers ran slower than 4 x 16.
PANEL_ROWS = 4


@njit(fastmath=FASTMATH)
def pack_panels(shifted, width):
    """``shifted`` (k, d) as panels ``(ceil(k / width), d, width)``, zero-padded.

    ``panels[p, f, l] = shifted[p * width + l, f]``; the padding centers score
    zero and are never read back.
    """
    n_clusters, n_features = shifted.shape
    n_panels = (n_clusters + width - 1) // width
    panels = np.zeros((n_panels, n_features, width), dtype=shifted.dtype)
    for j in range(n_clusters):
        for f in range(n_features):
            panels[j // width, f, j % width] = shifted[j, f]
    return panels


def _panel_kernel_source(n_rows_block: int, width: int) -> str:
    """Source of ``panel_dots`` for blocks of ``n_rows_block`` rows x ``width``."""
    sums = [f"a{i}_{lane}" for i in range(n_rows_block) for lane in range(width)]
    lines = [
        "def panel_dots(rows, n_rows, panels, dots):",
        '    """``dots[r, j] = rows[r] . shifted[j]`` for the first ``n_rows`` rows.',
        "",
        f"    Blocks of {n_rows_block} rows x one panel of {width} centers; for each",
        "    feature f: ``x0 = rows[r, f]; c0 = panels[p, f, 0]; ...; a0_0 += x0 * c0;",
        f"    ...``.  The last ``n_rows % {n_rows_block}`` rows one at a time.",
        "",
        "    IN rows (tile, d), n_rows, panels (n_panels, d, width);",
        "    OUT dots (tile, n_panels * width).",
        '    """',
        "    n_features = rows.shape[1]",
        "    zero = rows.dtype.type(0.0)",
        "    for p in range(panels.shape[0]):",
        f"        j = p * {width}",
        "        r = 0",
        f"        while r + {n_rows_block} <= n_rows:",
        "            " + " = ".join(sums) + " = zero",
        "            for f in range(n_features):",
    ]
    body, after = " " * 16, " " * 12  # the loop over features; after it
    lines += [f"{body}x{i} = rows[r + {i}, f]" for i in range(n_rows_block)]
    lines += [f"{body}c{lane} = panels[p, f, {lane}]" for lane in range(width)]
    lines += [
        f"{body}a{i}_{lane} += x{i} * c{lane}"
        for i in range(n_rows_block)
        for lane in range(width)
    ]
    lines += [
        f"{after}dots[r + {i}, j + {lane}] = a{i}_{lane}"
        for i in range(n_rows_block)
        for lane in range(width)
    ]
    lines += [
        f"{after}r += {n_rows_block}",
        "        while r < n_rows:",
        after + " = ".join(f"a0_{lane}" for lane in range(width)) + " = zero",
        "            for f in range(n_features):",
        "                x0 = rows[r, f]",
    ]
    lines += [f"{body}a0_{lane} += x0 * panels[p, f, {lane}]" for lane in range(width)]
    lines += [f"{after}dots[r, j + {lane}] = a0_{lane}" for lane in range(width)]
    lines += [f"{after}r += 1"]
    return "\n".join(lines) + "\n"


def _compile_panel_kernel():
    namespace: dict = {}
    source = _panel_kernel_source(PANEL_ROWS, PANEL_WIDTH)
    exec(compile(source, f"<{__name__}.panel_dots>", "exec"), namespace)  # noqa: S102
    kernel = namespace["panel_dots"]
    kernel.__module__ = __name__
    return njit(fastmath=FASTMATH | {"contract"}, pipeline_class=SLPCompiler)(kernel)


_panel_dots_float32 = _compile_panel_kernel()


def panel_dots(rows, n_rows, panels, dots):
    """``dots[r, j] = rows[r] . shifted[j]``, for float32 tiles only.

    Compiled code gets the generated kernel for float32 (see the overload
    below); float64 tiles are scored by ``dots.tile_dots``
    (``dots.panel_tiles``), so a kernel that takes the float64 type too
    need not compile a float64 copy of this one: 2.5 s of its compile.

    IN rows (tile, d) float32, n_rows, panels (n_panels, d, PANEL_WIDTH);
    OUT dots (tile, n_panels * PANEL_WIDTH).
    """
    if rows.dtype != np.float32:
        raise ValueError("panel_dots scores float32 tiles only")
    _panel_dots_float32(rows, n_rows, panels, dots)


@overload(panel_dots)
def _panel_dots_by_dtype(rows, n_rows, panels, dots):
    if rows.dtype == types.float32:

        def run(rows, n_rows, panels, dots):
            _panel_dots_float32(rows, n_rows, panels, dots)

        return run

    def refuse(rows, n_rows, panels, dots):
        raise ValueError("panel_dots scores float32 tiles only")

    return refuse


@njit(fastmath=FASTMATH)
def transpose_panel_dots(dots, n_rows, n_clusters, dots_t):
    """``dots_t[j, r] = dots[r, j]`` for the first ``n_rows`` rows and k centers.

    In squares of eight: 0.38 against 0.73 ns per value in float32, 0.41
    against 1.31 in float64, one center at a time (256 rows, k = 64).

    IN dots (tile, >= k), n_rows, n_clusters; OUT dots_t (k, tile).
    """
    j0 = 0
    while j0 + 8 <= n_clusters:
        r0 = 0
        while r0 + 8 <= n_rows:
            for a in range(8):
                for b in range(8):
                    dots_t[j0 + a, r0 + b] = dots[r0 + b, j0 + a]
            r0 += 8
        for a in range(8):
            for r in range(r0, n_rows):
                dots_t[j0 + a, r] = dots[r, j0 + a]
        j0 += 8
    for j in range(j0, n_clusters):
        for r in range(n_rows):
            dots_t[j, r] = dots[r, j]
