"""The twins of a fit on many blocks (``_twins_gemm``, ``_twins_seeding``) equal
their kernels bit for bit, and so does a whole fit through them.

Data rounded so that distances tie, duplicate rows, weights, several blocks
and slabs, empty clusters; outputs compared with ``np.array_equal`` (no
tolerance), except the BLAS path's row radii, whose kernel may reorder its sum.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import KMeans, _jit, _twins, _twins_gemm, _twins_seeding
from kmeans_core._blocks import block_starts
from kmeans_core._kernels.common import (
    accumulate_blocks,
    finish_centers,
    reduce_block_partials,
    relocate_empty_clusters,
    update_previous_labels,
)
from kmeans_core._kernels.lloyd import (
    argmin_accumulate_from_dots,
    distances_to_reference,
    transposed_rows,
)
from kmeans_core._kernels.seeding import (
    candidate_potentials,
    distances_to_point,
    draw_candidates,
    update_closest,
)
from kmeans_core.drivers import first_use
from kmeans_core.drivers.gemm import gemm_expansion, slab_bounds

DTYPES = [np.float32, np.float64]


def _data(seed: int, dtype: type, n: int = 3000, d: int = 16):
    """Rounded (tying) data off the origin, with duplicate rows, and weights."""
    rng = np.random.default_rng(seed)
    X = np.round(rng.standard_normal((n, d)) * 2, 1) + (5.0 if seed % 2 else 0.0)
    X[n // 2 : n // 2 + 50] = X[:50]  # duplicates
    weights = rng.uniform(0.1, 3.0, n) if seed % 2 else np.ones(n)
    return X.astype(dtype), weights.astype(dtype)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(4))
def test_gemm_twins_equal_their_kernels(seed, dtype, threads, numba_threads):
    numba_threads(threads)
    X, weights = _data(seed, dtype)
    n, d = X.shape
    rng = np.random.default_rng(seed + 10)
    k = 32
    centers = X[rng.choice(n, k, replace=False)]
    centers[1] = centers[0]  # a duplicate center: exact ties, an empty cluster
    reference = (X.mean(axis=0) if seed % 2 else np.zeros(d)).astype(dtype)
    starts = block_starts(n, k, d)
    assert starts.shape[0] > 2

    radius = [np.empty(n), np.empty(n)]
    distances_to_reference(X, reference, radius[0])
    _twins_gemm.distances_to_reference(X, reference, radius[1])
    np.testing.assert_allclose(radius[1], radius[0], rtol=1e-13, atol=1e-13)
    for centred in (False, True):
        rows = [np.empty((d, n), dtype), np.empty((d, n), dtype)]
        transposed_rows(X, reference, centred, rows[0])
        _twins_gemm.transposed_rows(X, reference, centred, rows[1])
        assert np.array_equal(rows[0], rows[1])

    shifted, half_norms, margin = gemm_expansion(centers, reference)
    slabs = slab_bounds(starts, k, X.dtype.itemsize)
    n_blocks = starts.shape[0] - 1

    def passes(finish, prev, sums, partial_weights):
        labels = np.full(n, -7, np.int32)
        for first, last in zip(slabs[:-1], slabs[1:], strict=True):
            start, stop = starts[first], starts[last]
            dots_t = shifted @ (X[start:stop] - reference).T
            finish(
                *(X, weights, centers, dots_t, half_norms, margin, radius[0]),
                *(start, starts, first, last, labels, prev, sums),
                *(partial_weights, True),
            )
        return labels, sums, partial_weights

    none = np.empty(0, np.int32)
    fresh = [
        passes(finish, none, np.empty((n_blocks, k, d)), np.empty((n_blocks, k)))
        for finish in (
            argmin_accumulate_from_dots,
            _twins_gemm.argmin_accumulate_from_dots,
        )
    ]
    labels = fresh[0][0]
    # Previous labels: block 0 partly moved, block 1 partly unlabelled, the
    # rest unchanged; the partial sums belong to them where they are labelled.
    previous = labels.copy()
    previous[starts[0] : starts[0] + 40] = (labels[:40] + 1) % k
    previous[starts[1] : starts[1] + 5] = -1
    old_sums, old_weights = np.empty((n_blocks, k, d)), np.empty((n_blocks, k))
    accumulate_blocks(
        X, weights, np.maximum(previous, 0), starts, none, old_sums, old_weights
    )
    updated = [
        passes(finish, previous, old_sums.copy(), old_weights.copy())
        for finish in (
            argmin_accumulate_from_dots,
            _twins_gemm.argmin_accumulate_from_dots,
        )
    ]
    for outputs in (fresh[1], *updated):
        for a, b in zip(fresh[0], outputs, strict=True):
            assert np.array_equal(a, b)
    labels, sums, partial_weights = fresh[0]
    assert np.bincount(labels, minlength=k)[1] == 0  # the duplicate center: empty

    reduced = [(np.empty((k, d)), np.empty(k)) for _ in range(2)]
    reduce_block_partials(sums, partial_weights, *reduced[0])
    _twins_gemm.reduce_block_partials(sums, partial_weights, *reduced[1])
    assert np.array_equal(reduced[0][0], reduced[1][0])
    assert np.array_equal(reduced[0][1], reduced[1][1])
    relocated = []
    for relocate in (relocate_empty_clusters, _twins.relocate_empty_clusters):
        moved_sums, moved_weights = reduced[0][0].copy(), reduced[0][1].copy()
        count = relocate(X, weights, centers, labels, moved_sums, moved_weights)
        relocated.append((count, moved_sums, moved_weights))
    assert relocated[0][0] == relocated[1][0] == 1
    assert np.array_equal(relocated[0][1], relocated[1][1])
    assert np.array_equal(relocated[0][2], relocated[1][2])
    finished = []
    for finish_twin in (finish_centers, _twins.finish_centers):
        sums_k, weights_k = reduced[0][0], reduced[0][1]  # one weight is zero
        new, shift = np.empty_like(centers), np.empty(k)
        finish_twin(sums_k, weights_k, centers, new, shift)
        finished.append((new, shift))
    assert np.array_equal(finished[0][0], finished[1][0])
    assert np.array_equal(finished[0][1], finished[1][1])
    counts = []
    for update in (update_previous_labels, _twins_gemm.update_previous_labels):
        copy = previous.copy()
        counts.append((update(labels, copy), copy))
    assert counts[0][0] == counts[1][0] > 0
    assert np.array_equal(counts[0][1], counts[1][1])


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("seed", range(4))
def test_seeding_twins_equal_their_kernels(seed, dtype, threads, numba_threads):
    numba_threads(threads)
    X, weights = _data(seed, dtype, n=2500, d=5 + 7 * seed)
    n = X.shape[0]
    rng = np.random.default_rng(seed)
    starts = block_starts(n, 5, X.shape[1])
    assert starts.shape[0] > 2
    closest = [np.empty(n), np.empty(n)]
    distances_to_point(X, X[:1], closest[0])
    _twins_seeding.distances_to_point(X, X[:1], closest[1])
    assert np.array_equal(closest[0], closest[1])
    closest = closest[0]
    twins = _twins_seeding.SeedingTwins(X, weights)
    weights64 = weights.astype(np.float64)
    for step in range(12):
        thresholds = rng.uniform(size=5) * float(closest @ weights64)
        drawn = [np.empty(5, np.int64), np.empty(5, np.int64)]
        draw_candidates(weights64, closest, thresholds, drawn[0])
        _twins_seeding.draw_candidates(weights64, closest, thresholds, drawn[1])
        assert np.array_equal(drawn[0], drawn[1])
        candidates = np.ascontiguousarray(X[drawn[0]])
        out = [np.empty(5) for _ in range(3)]
        kept = [np.empty((5, n), dtype), np.empty((5, n), dtype)]
        candidate_potentials(X, weights, candidates, closest, starts, out[0], kept[0])
        _twins_seeding.candidate_potentials(
            X, weights, candidates, closest, starts, out[1], kept[1]
        )
        twins.candidate_potentials(candidates, closest, starts, out[2])
        assert np.array_equal(out[0], out[1]) and np.array_equal(out[0], out[2])
        assert np.array_equal(kept[0], kept[1])
        best = int(np.argmin(out[0]))
        lowered = [closest.copy(), closest.copy()]
        update_closest(X, candidates[best : best + 1], lowered[0])
        twins.update_closest(X, candidates[best : best + 1], lowered[1])
        assert np.array_equal(lowered[0], lowered[1])
        assert (lowered[0] < closest).any() or step > 0
        closest = lowered[0]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "shape", [(3000, 16, 32, np.float32), (2500, 24, 20, np.float64)]
)
def test_a_fit_through_the_twins_equals_the_kernels_fit(shape, weighted):
    """A BLAS-path fit (k-means++ on several blocks, Lloyd's loop) both ways."""
    n, d, k, dtype = shape
    X, weights = _data(3 if weighted else 2, dtype, n, d)
    models = []
    for twins in (False, True):
        with _jit.forced(twins):
            model = KMeans(k, random_state=0, algorithm="lloyd", max_iter=60)
            models.append(model.fit(X, sample_weight=weights if weighted else None))
    assert np.array_equal(models[0].labels_, models[1].labels_)
    assert np.array_equal(models[0].cluster_centers_, models[1].cluster_centers_)
    assert models[0].inertia_ == models[1].inertia_
    assert models[0].n_iter_ == models[1].n_iter_ > 2


def test_auto_runs_lloyd_only_while_the_pruned_kernels_are_not_ready(monkeypatch):
    X = np.random.default_rng(0).standard_normal((3000, 16)).astype(np.float32)
    ready = {"hamerly": False}
    monkeypatch.setattr(
        first_use, "compiled_for", lambda kernel, dtype: ready["hamerly"]
    )
    with _jit.forced(True):  # the twins' budget allows
        assert first_use.lloyd_twins_instead(X, 32, "hamerly")
        assert not first_use.lloyd_twins_instead(X, 32, "lloyd")
        narrow = np.ascontiguousarray(X[:, :12])  # the tiled kernels: no BLAS path
        assert not first_use.lloyd_twins_instead(narrow, 4, "hamerly")
        ready["hamerly"] = True
        assert not first_use.lloyd_twins_instead(X, 32, "hamerly")
    ready["hamerly"] = False
    with _jit.forced(False):  # kernels only: the twins would not run
        assert not first_use.lloyd_twins_instead(X, 32, "hamerly")
    with _jit.forced(True):
        model = KMeans(32, random_state=0).fit(X)
    pruned = KMeans(32, random_state=0, algorithm="hamerly").fit(X)
    assert np.array_equal(model.labels_, pruned.labels_)
    assert np.array_equal(model.cluster_centers_, pruned.cluster_centers_)
    assert model.n_iter_ == pruned.n_iter_
    # Lloyd's count: every row against every center, each pass.
    assert model.n_distance_evaluations_ > pruned.n_distance_evaluations_
