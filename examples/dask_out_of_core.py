"""Fit k-means to a dask array larger than the memory the run may use.

The data are generated chunk by chunk (blobs around known centers), so no more
than a few chunks ever exist at once; every pass over the data regenerates
them, as reading them from disk would.  The script prints the data size, the
peak resident memory of the process and the time, and checks that the fit
found the planted centers.

    python examples/dask_out_of_core.py                     # 4 GB of float32
    python examples/dask_out_of_core.py --gb 8 --limit-gb 3  # cap address space

``--limit-gb`` sets the address-space limit (RLIMIT_AS) of the process, so a
fit that tried to hold the data would fail with MemoryError instead of
swapping.  The dask "threads" scheduler is used; pass ``--client`` to run on a
``distributed.LocalCluster`` instead (peak memory is then the workers').
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

N_FEATURES = 8
N_CLUSTERS = 8
CHUNK_ROWS = 1_000_000


def planted_centers() -> np.ndarray:
    """The true centers: well apart, so the fit must recover them."""
    return np.random.default_rng(0).uniform(-20, 20, size=(N_CLUSTERS, N_FEATURES))


def make_chunk(block_id: tuple[int, ...], rows: int) -> np.ndarray:
    """One chunk of blobs, a pure function of its position (so reproducible)."""
    rng = np.random.default_rng([1234, block_id[0]])
    labels = rng.integers(0, N_CLUSTERS, size=rows)
    noise = rng.random((rows, N_FEATURES), dtype=np.float32)
    noise -= 0.5
    noise *= 6.0  # uniform noise of standard deviation about 1.7
    return planted_centers().astype(np.float32)[labels] + noise


def make_array(n_rows: int):
    import dask.array as da

    chunks = [CHUNK_ROWS] * (n_rows // CHUNK_ROWS)
    if n_rows % CHUNK_ROWS:
        chunks.append(n_rows % CHUNK_ROWS)

    def generate(block_id=None):
        return make_chunk(block_id, chunks[block_id[0]])

    return da.map_blocks(
        generate,
        chunks=(tuple(chunks), (N_FEATURES,)),
        dtype=np.float32,
        meta=np.empty((0, N_FEATURES), dtype=np.float32),
    )


def peak_rss_gb() -> float:
    """Peak resident memory of this process (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gb", type=float, default=4.0, help="size of X in GB")
    parser.add_argument("--limit-gb", type=float, default=None)
    parser.add_argument("--client", action="store_true")
    parser.add_argument("--max-iter", type=int, default=30)
    args = parser.parse_args()
    if args.limit_gb:
        limit = int(args.limit_gb * 2**30)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    import dask

    from kmeans_core.dask import KMeans

    n_rows = int(args.gb * 2**30 / (4 * N_FEATURES))
    X = make_array(n_rows)
    print(f"X: {X.shape[0]:,} x {X.shape[1]} float32 = {X.nbytes / 2**30:.2f} GB")
    print(f"   in {X.numblocks[0]} chunks of {CHUNK_ROWS:,} rows")
    client = None
    if args.client:
        from distributed import Client, LocalCluster

        client = Client(
            LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None)
        )
    else:
        dask.config.set(scheduler="threads", num_workers=2)
    print(f"peak RSS before fit: {peak_rss_gb():.2f} GB")
    start = time.perf_counter()
    est = KMeans(n_clusters=N_CLUSTERS, random_state=0, max_iter=args.max_iter)
    est.fit(X)
    elapsed = time.perf_counter() - start
    print(
        f"fit: {elapsed:.1f} s, {est.n_iter_} iterations, inertia {est.inertia_:.4g}, "
        f"converged={est.converged_}"
    )
    print(f"peak RSS of this process: {peak_rss_gb():.2f} GB")
    truth = planted_centers()
    gaps = np.sqrt(((truth[:, None] - est.cluster_centers_[None]) ** 2).sum(-1))
    print(
        f"farthest planted center from its nearest fitted one: {gaps.min(1).max():.3f}"
    )
    if client is not None:
        client.close()


if __name__ == "__main__":
    main()
