"""Fixed partition of the rows into blocks: the unit of parallel work.

Block boundaries depend only on (n_samples, n_clusters, n_features), never on
the number of threads.  Every kernel sums within a block in row order and then
adds the blocks in block order, so results are bit-identical for any thread
count.
"""

from __future__ import annotations

import functools

import numpy as np

from ._config import MAX_BLOCKS, MIN_BLOCK_ROWS, MIN_BLOCKS_CAP, PARTIALS_BUDGET_BYTES


@functools.lru_cache(maxsize=64)
def block_starts(n_samples: int, n_clusters: int, n_features: int) -> np.ndarray:
    """Row offsets ``[0, ..., n_samples]`` of the blocks (a read-only array).

    The number of blocks grows with n until each block has ``MIN_BLOCK_ROWS``
    rows, and is capped so that the per-block partial sums (k x d float64 per
    block) stay within ``PARTIALS_BUDGET_BYTES`` (but allow at least
    ``MIN_BLOCKS_CAP`` blocks for parallelism).  Cached: a fit asks for the same
    partition several times, and on Mall-sized data the ``linspace`` here cost
    a tenth of the whole fit.
    """
    per_block_bytes = 8 * (n_clusters * n_features + n_clusters)
    cap = PARTIALS_BUDGET_BYTES // max(per_block_bytes, 1)
    cap = int(min(MAX_BLOCKS, max(MIN_BLOCKS_CAP, cap)))
    n_blocks = max(1, min(cap, -(-n_samples // MIN_BLOCK_ROWS)))
    starts = np.linspace(0, n_samples, n_blocks + 1).round().astype(np.int64)
    starts.flags.writeable = False
    return starts


def tile_starts(block_starts: np.ndarray, tile_rows: int) -> np.ndarray:
    """Index of each block's first tile when every block is cut into tiles.

    Tiles hold ``tile_rows`` rows from the block's first row on (a block's
    last tile may hold fewer), so block b owns tiles ``out[b]:out[b + 1]``.
    """
    tiles_per_block = -(-np.diff(block_starts) // tile_rows)
    return np.concatenate(([0], np.cumsum(tiles_per_block))).astype(np.int64)


def sparse_block_starts(
    n_samples: int, n_clusters: int, n_features: int, nnz: int
) -> np.ndarray:
    """Row offsets of the blocks for CSR rows with ``nnz`` stored values.

    A block of CSR rows costs its nonzeros to sum, but its dense partial sums
    (k x d float64) cost k * d to clear and to reduce, whatever its rows: at
    100000 x 20000 with k=50 and 25 nonzeros per row, ``block_starts``'s 16
    blocks would clear and add 128 MB per iteration to sum 20 MB of values.
    So the blocks are only as many as the partial-sums budget allows
    (without ``MIN_BLOCKS_CAP``'s floor) and at most one per ``k * d``
    nonzeros.  Like ``block_starts``, the partition depends on the data only,
    never on the thread count.  (The assignment, which needs no partial sums,
    runs in parallel over finer tiles.)
    """
    per_block_bytes = 8 * (n_clusters * n_features + n_clusters)
    cap = min(MAX_BLOCKS, max(1, PARTIALS_BUDGET_BYTES // max(per_block_bytes, 1)))
    cap = min(cap, max(1, nnz // max(n_clusters * n_features, 1)))
    n_blocks = max(1, min(cap, -(-n_samples // MIN_BLOCK_ROWS)))
    starts = np.linspace(0, n_samples, n_blocks + 1).round().astype(np.int64)
    starts.flags.writeable = False
    return starts
