"""Every Numba kernel against the plain NumPy reference (kmeans_core.reference).

Tolerances follow DESIGN.md: rtol 1e-7 in float64 and 1e-4 in float32.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import _twins_seeding, init, reference
from kmeans_core._blocks import block_starts, tile_starts
from kmeans_core._config import MAX_UNROLLED_FEATURES, TILE_ROWS
from kmeans_core._kernels.common import (
    finish_centers,
    reduce_block_partials,
    relocate_empty_clusters,
    weighted_inertia,
)
from kmeans_core._kernels.distances import (
    assign_nearest,
    distance_to_assigned,
    pairwise_euclidean,
    squared_distances_in_tile,
    squared_distances_in_tile_to_two,
)
from kmeans_core._kernels.lloyd import lloyd_assign_accumulate
from kmeans_core._kernels.seeding import (
    POINT_ROWS_MIN_FEATURES,
    candidate_potentials,
    distances_to_point,
    tiled_candidate_potentials,
    transposed_tiles,
    update_closest,
    weighted_index,
)
from kmeans_core._kernels.unrolled import (
    UNROLLED_KERNELS,
    UNROLLED_POTENTIALS,
)
from kmeans_core.drivers import (
    DirectKernels,
    Workspace,
    direct_kernels,
    dispatch,
    gemm_reference,
    loop,
    pruning_uses_gemm,
    run_elkan,
    run_hamerly,
    run_lloyd,
    run_yinyang,
)
from kmeans_core.drivers.gemm import assign_with_gemm
from kmeans_core.init import _kmeans_plusplus

from .kernel_outputs import fused_pass

RTOL = {np.float64: 1e-7, np.float32: 1e-4}
DTYPES = [np.float64, np.float32]
# (n_samples, n_features, n_clusters): small, a tile remainder, several blocks,
# and one shape on each side of the GEMM dispatch.
SHAPES = [(7, 1, 3), (130, 3, 5), (2500, 5, 9), (1500, 20, 40), (900, 16, 32)]


def _data(n, d, k, dtype, seed=0, weighted=False):
    rng = np.random.default_rng(seed)
    centers_true = rng.normal(scale=6.0, size=(k, d))
    X = (centers_true[rng.integers(k, size=n)] + rng.normal(size=(n, d))).astype(dtype)
    centers = X[rng.choice(n, size=k, replace=False)].copy()
    if weighted:
        weights = rng.uniform(0.1, 3.0, size=n).astype(dtype)
    else:
        weights = np.ones(n, dtype=dtype)
    return X, centers, weights


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_assign_nearest_matches_reference(shape, dtype):
    X, centers, _ = _data(*shape, dtype)
    labels = np.empty(len(X), dtype=np.int32)
    min_dist = np.empty(len(X), dtype=dtype)
    assign_nearest(X, centers, block_starts(*shape), labels, min_dist)
    expected = reference.squared_distances(
        X.astype(np.float64), centers.astype(np.float64)
    )
    np.testing.assert_array_equal(labels, expected.argmin(axis=1))
    np.testing.assert_allclose(
        min_dist, expected.min(axis=1), rtol=RTOL[dtype], atol=1e-6
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shape", SHAPES)
def test_fused_assign_accumulate_matches_reference(shape, dtype, weighted):
    X, centers, w = _data(*shape, dtype, weighted=weighted)
    n, d, k = shape
    starts = block_starts(n, k, d)
    n_blocks = len(starts) - 1
    labels = np.empty(n, dtype=np.int32)
    partial_sums = np.empty((n_blocks, k, d))
    partial_weights = np.empty((n_blocks, k))
    lloyd_assign_accumulate(
        X, w, centers, starts, labels, partial_sums, partial_weights
    )
    sums, weights = np.empty((k, d)), np.empty(k)
    reduce_block_partials(partial_sums, partial_weights, sums, weights)

    expected_labels = reference.assign(X.astype(np.float64), centers.astype(np.float64))
    np.testing.assert_array_equal(labels, expected_labels)
    expected_sums = np.zeros((k, d))
    np.add.at(expected_sums, labels, w[:, None].astype(np.float64) * X)
    expected_weights = np.bincount(labels, weights=w.astype(np.float64), minlength=k)
    np.testing.assert_allclose(sums, expected_sums, rtol=RTOL[dtype], atol=1e-9)
    np.testing.assert_allclose(weights, expected_weights, rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3000, 16, 32), (700, 64, 100), (50, 40, 33)])
@pytest.mark.parametrize("offset", [0.0, 1000.0])
def test_gemm_path_matches_reference(shape, dtype, offset):
    X, centers, w = _data(*shape, dtype, weighted=True)
    # Far from the origin the slabs are centred on the mean; near it, the
    # products use X as it is.  Both must hold up.
    X = X + dtype(offset)
    centers = centers + dtype(offset)
    n, d, k = shape
    ws = Workspace(X, k, gemm_reference(X))
    assert ws.centred == (offset != 0.0)
    labels = np.empty(n, dtype=np.int32)
    assign_with_gemm(X, w, centers, ws, labels, True)
    expected = reference.squared_distances(
        X.astype(np.float64), centers.astype(np.float64)
    )
    agree = labels == expected.argmin(axis=1)
    if dtype is np.float64:
        assert agree.all()
    else:
        # float32 expanded-form distances may flip a genuine near-tie; check
        # that every disagreement is one.
        rows = np.flatnonzero(~agree)
        gap = expected[rows, labels[rows]] - expected[rows].min(axis=1)
        assert np.all(gap <= 1e-4 * expected[rows].min(axis=1) + 1e-3)
    sums, weights = np.empty((k, d)), np.empty(k)
    reduce_block_partials(ws.partial_sums, ws.partial_weights, sums, weights)
    expected_sums = np.zeros((k, d))
    np.add.at(expected_sums, labels, w[:, None].astype(np.float64) * X)
    np.testing.assert_allclose(sums, expected_sums, rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_clusters", [32, 34, 67])  # k % 4: 0, 2, 3
@pytest.mark.parametrize("offset", [0.0, 1000.0])
def test_gemm_path_labels_equal_the_direct_kernels_ties_included(
    n_clusters, offset, dtype
):
    # Duplicate centers tie exactly for every row: the lower index must win,
    # both inside one group of four scores (1 and 2) and across groups (5 and
    # the last center), as the direct kernel's scan decides.
    n, d = 2500, 16
    X, centers, w = _data(n, d, n_clusters, dtype, weighted=True)
    X = X + dtype(offset)
    centers = centers + dtype(offset)
    centers[2] = centers[1]
    centers[-1] = centers[5]
    ws = Workspace(X, n_clusters, gemm_reference(X))
    labels = np.empty(n, dtype=np.int32)
    assign_with_gemm(X, w, centers, ws, labels, False)
    direct = np.empty(n, dtype=np.int32)
    starts = block_starts(n, n_clusters, d)
    n_blocks = len(starts) - 1
    lloyd_assign_accumulate(
        X,
        w,
        centers,
        starts,
        direct,
        np.empty((n_blocks, n_clusters, d)),
        np.empty((n_blocks, n_clusters)),
    )
    np.testing.assert_array_equal(labels, direct)
    assert np.any(labels == 1) and np.any(labels == 5)
    assert not np.any(labels == 2) and not np.any(labels == n_clusters - 1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_features", [1, 5, 8, 13, 24])
@pytest.mark.parametrize("n_rows", [1, 37, TILE_ROWS])
def test_tile_distances_to_two_points_equal_one_at_a_time(n_rows, n_features, dtype):
    rng = np.random.default_rng(n_features)
    xt = rng.normal(size=(n_features, TILE_ROWS)).astype(dtype)
    points = rng.normal(size=(3, n_features)).astype(dtype)
    # Any two points, in either order (Yinyang pairs a group's members).
    single = np.full((2, TILE_ROWS), np.nan, dtype=dtype)
    squared_distances_in_tile(xt, n_rows, points, 2, single[0])
    squared_distances_in_tile(xt, n_rows, points, 0, single[1])
    paired = np.full((2, TILE_ROWS), np.nan, dtype=dtype)
    squared_distances_in_tile_to_two(xt, n_rows, points, 2, 0, paired[0], paired[1])
    # The same bits, and nothing written past the rows asked for.
    assert paired.tobytes() == single.tobytes()
    pair = points[[2, 0]]
    expected = ((xt[:, :n_rows].T[None] - pair[:, None]) ** 2).sum(axis=2)
    np.testing.assert_allclose(paired[:, :n_rows], expected, rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_gemm_reference_is_the_origin_only_near_it(dtype, rng):
    X = rng.standard_normal((2000, 5)).astype(dtype)
    np.testing.assert_array_equal(gemm_reference(X), np.zeros(5, dtype))
    assert gemm_reference(X).dtype == dtype
    shifted = X + dtype(3.0)  # |mean|^2 = 45 against a total variance of 5
    np.testing.assert_allclose(
        gemm_reference(shifted), shifted.astype(np.float64).mean(axis=0), rtol=1e-6
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_finish_centers_matches_reference_update(dtype):
    X, centers, w = _data(500, 4, 6, dtype, weighted=True)
    labels = reference.assign(X, centers)
    sums = np.zeros((6, 4))
    np.add.at(sums, labels, w[:, None].astype(np.float64) * X)
    weights = np.bincount(labels, weights=w, minlength=6).astype(np.float64)
    new = np.empty_like(centers)
    shift = np.empty(6)
    finish_centers(sums, weights, centers, new, shift)
    expected = reference.update(
        X.astype(np.float64), labels, centers, w.astype(np.float64)
    )
    np.testing.assert_allclose(new, expected, rtol=RTOL[dtype])
    np.testing.assert_allclose(
        shift, np.sqrt(((expected - centers) ** 2).sum(axis=1)), rtol=1e-3, atol=1e-5
    )
    assert new.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_relocation_matches_reference_update(dtype):
    X, centers, w = _data(400, 3, 4, dtype, weighted=True)
    # Two centers far from all data: both clusters come out empty.
    centers[1] = 1e4
    centers[3] = -1e4
    labels = reference.assign(X, centers)
    sums = np.zeros((4, 3))
    np.add.at(sums, labels, w[:, None].astype(np.float64) * X)
    weights = np.bincount(labels, weights=w, minlength=4).astype(np.float64)
    moved = relocate_empty_clusters(
        X, w, centers, labels.astype(np.int32), sums, weights
    )
    assert moved == 2
    new = np.empty_like(centers)
    finish_centers(sums, weights, centers, new, np.empty(4))
    expected = reference.update(
        X.astype(np.float64), labels, centers.astype(np.float64), w.astype(np.float64)
    )
    np.testing.assert_allclose(new, expected, rtol=RTOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", SHAPES)
def test_inertia_and_distances_match_reference(shape, dtype):
    X, centers, w = _data(*shape, dtype, weighted=True)
    labels = reference.assign(X, centers).astype(np.int32)
    got = weighted_inertia(X, w, centers, labels, block_starts(*shape))
    expected = reference.inertia(
        X.astype(np.float64), centers.astype(np.float64), labels, w.astype(np.float64)
    )
    np.testing.assert_allclose(got, expected, rtol=RTOL[dtype])

    out = np.empty((len(X), len(centers)), dtype=dtype)
    pairwise_euclidean(X, centers, out)
    full = reference.squared_distances(X.astype(np.float64), centers.astype(np.float64))
    np.testing.assert_allclose(out, np.sqrt(full), rtol=RTOL[dtype], atol=1e-5)

    own = np.empty(len(X))
    distance_to_assigned(X, centers, labels, own)
    np.testing.assert_allclose(
        own, full[np.arange(len(X)), labels], rtol=RTOL[dtype], atol=1e-6
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_seeding_kernels_match_numpy(dtype):
    X, centers, w = _data(1200, 6, 5, dtype, weighted=True)
    Xd, wd = X.astype(np.float64), w.astype(np.float64)
    closest = np.empty(len(X))
    distances_to_point(X, centers[:1], closest)
    np.testing.assert_allclose(
        closest, ((Xd - centers[0]) ** 2).sum(1), rtol=RTOL[dtype]
    )

    candidates = centers[1:]
    pots = np.empty(len(candidates))
    kept = np.empty((len(candidates), len(X)), dtype=dtype)
    starts = block_starts(len(X), 4, 6)
    candidate_potentials(X, w, candidates, closest, starts, pots, kept)
    cand_d = reference.squared_distances(Xd, candidates.astype(np.float64))
    expected = (np.minimum(closest[:, None], cand_d) * wd[:, None]).sum(axis=0)
    np.testing.assert_allclose(pots, expected, rtol=RTOL[dtype])
    np.testing.assert_allclose(kept.T, cand_d, rtol=RTOL[dtype], atol=1e-6)
    # Not keeping the distances changes nothing else.
    pots_again = np.empty(len(candidates))
    candidate_potentials(
        X, w, candidates, closest, starts, pots_again, np.empty((0, len(X)), dtype)
    )
    np.testing.assert_array_equal(pots_again, pots)

    before = closest.copy()
    update_closest(X, candidates[2:3], closest)
    np.testing.assert_allclose(
        closest, np.minimum(before, cand_d[:, 2]), rtol=RTOL[dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_features", [3, POINT_ROWS_MIN_FEATURES, 37])
@pytest.mark.parametrize("n_samples", [7, 1030, 2051])
def test_distances_to_a_point_equal_the_feature_order_sums(
    n_samples, n_features, dtype
):
    # Below POINT_ROWS_MIN_FEATURES from transposed tiles, from it on row by
    # row, four rows at a time (row counts that leave 1-3 rows over): both
    # must give NumPy's feature-order sums bit for bit.
    X, centers, _ = _data(n_samples, n_features, 2, dtype, seed=n_features)
    expected = np.empty(n_samples)
    _twins_seeding.distances_to_point(X, centers[:1], expected)
    got = np.full(n_samples, np.nan)
    distances_to_point(X, centers[:1], got)
    np.testing.assert_array_equal(got, expected)
    np.testing.assert_allclose(
        got,
        ((X.astype(np.float64) - centers[0].astype(np.float64)) ** 2).sum(1),
        rtol=RTOL[dtype],
    )
    lowered = np.empty(n_samples)
    _twins_seeding.distances_to_point(X, centers[1:2], lowered)
    np.minimum(lowered, expected, out=lowered)
    update_closest(X, centers[1:2], got)
    np.testing.assert_array_equal(got, lowered)


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_clusters", [1, 2, 7, 20])
@pytest.mark.parametrize("n_samples", [800, 5000])  # one block (serial), several
def test_kmeans_plusplus_picks_the_reference_rows(n_samples, n_clusters, weighted):
    X, _, w = _data(n_samples, 4, 6, np.float64, weighted=weighted)
    centers, indices = _kmeans_plusplus(X, n_clusters, w, np.random.RandomState(5))
    ref_centers, ref_indices = reference.kmeans_plusplus(
        X, n_clusters, sample_weight=w, random_state=np.random.RandomState(5)
    )
    np.testing.assert_array_equal(indices, ref_indices)
    np.testing.assert_array_equal(centers, X[indices])


@pytest.mark.parametrize("n_samples", [1, 2, 7, 200, 5000])
def test_weighted_index_picks_what_randomstate_choice_picks(n_samples):
    rng = np.random.default_rng(n_samples)
    for trial in range(200):
        weights = rng.uniform(0.0, 3.0, n_samples) ** rng.integers(1, 8)
        if trial % 4 == 0:
            weights[rng.random(n_samples) < 0.7] = 0.0  # many zero weights
        if trial % 5 == 0:
            weights *= 1e-300 if trial % 10 == 0 else 1e250  # extreme scales
        if weights.sum() <= 0:
            weights[-1] = 1.0
        total = weights.sum()
        expected = np.random.RandomState(trial).choice(n_samples, p=weights / total)
        state = np.random.RandomState(trial)
        assert weighted_index(weights, total, state.random_sample()) == expected
        # It consumed the generator exactly as choice did.
        after_choice = np.random.RandomState(trial)
        after_choice.choice(n_samples, p=weights / total)
        assert state.random_sample() == after_choice.random_sample()


def test_tile_starts_count_each_blocks_tiles():
    starts = np.array([0, 100, 164, 165, 357])
    # Tiles of 64 rows: 100 rows need 2 tiles, 64 need 1, 1 needs 1, 192 need 3.
    got = tile_starts(starts, 64)
    np.testing.assert_array_equal(got, [0, 2, 3, 4, 7])
    assert got.dtype == np.int64


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_samples, n_features", [(7, 13), (2500, 30), (5000, 24)])
def test_tiled_potentials_equal_generic_potentials(
    n_samples, n_features, weighted, dtype
):
    n_candidates = 5
    X, w, candidates, closest, starts = _scoring_problem(
        n_samples, n_features, n_candidates, dtype, weighted
    )
    tile_index = tile_starts(starts, TILE_ROWS)
    tiles = np.full((tile_index[-1], n_features, TILE_ROWS), np.nan, dtype)
    transposed_tiles(X, starts, tile_index, tiles)
    # Every row sits in its block's tiles, in order, one column per row.
    for b in range(len(starts) - 1):
        for tile in range(tile_index[b], tile_index[b + 1]):
            first = starts[b] + (tile - tile_index[b]) * TILE_ROWS
            rows = X[first : min(first + TILE_ROWS, starts[b + 1])]
            np.testing.assert_array_equal(tiles[tile][:, : len(rows)], rows.T)

    def score(kernel, args, keep):
        pots = np.empty(n_candidates)
        kept = np.empty((n_candidates if keep else 0, n_samples), dtype=dtype)
        kernel(*args, candidates, closest, starts, pots, kept)
        return pots, kept

    _assert_same_potentials(
        lambda keep: score(tiled_candidate_potentials, (tiles, tile_index, w), keep),
        lambda keep: score(candidate_potentials, (X, w), keep),
        X,
        w,
        candidates,
        closest,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_features", [32, 100])  # 100: BLAS scorer without it
def test_seeding_from_the_transposed_copy_picks_the_reference_rows(
    n_features, dtype, weighted, monkeypatch
):
    X, _, w = _data(5000, n_features, 12, dtype, seed=2, weighted=weighted)
    calls = []

    def counting(*args):
        calls.append(1)
        tiled_candidate_potentials(*args)

    monkeypatch.setattr(init, "tiled_candidate_potentials", counting)
    copied = _kmeans_plusplus(X, 12, w, np.random.RandomState(7))
    assert len(calls) == 11  # one scoring pass per seed after the first
    not_copied = _kmeans_plusplus(
        X, 12, w, np.random.RandomState(7), copy_allowed=False
    )
    assert len(calls) == 11
    _, ref_indices = reference.kmeans_plusplus(
        X.astype(np.float64),
        12,
        sample_weight=w.astype(np.float64),
        random_state=np.random.RandomState(7),
    )
    np.testing.assert_array_equal(copied[1], not_copied[1])
    np.testing.assert_array_equal(copied[0], not_copied[0])
    np.testing.assert_array_equal(copied[1], ref_indices)


def test_copy_x_false_seeds_without_the_copy(monkeypatch):
    from kmeans_core import KMeans

    X, _, _ = _data(5000, 32, 12, np.float32, seed=2)
    calls = []

    def counting(*args):
        calls.append(1)
        transposed_tiles(*args)

    monkeypatch.setattr(init, "transposed_tiles", counting)
    copied = KMeans(12, random_state=0, max_iter=5, tol=0.0).fit(X)
    assert len(calls) == 1
    not_copied = KMeans(12, random_state=0, max_iter=5, tol=0.0, copy_x=False).fit(X)
    assert len(calls) == 1
    np.testing.assert_array_equal(copied.cluster_centers_, not_copied.cluster_centers_)
    np.testing.assert_array_equal(copied.labels_, not_copied.labels_)


@pytest.mark.parametrize("driver", [run_lloyd, run_elkan, run_hamerly, run_yinyang])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize(
    "shape", [(600, 2, 4), (2500, 5, 9), (1200, 20, 40), (3000, 3, 64)]
)
def test_driver_matches_reference_lloyd(driver, shape, dtype, weighted):
    X, centers, w = _data(*shape, dtype, seed=3, weighted=weighted)
    result = driver(X, w, centers, max_iter=100, tol=0.0)
    ref_centers, ref_labels, ref_inertia, ref_iter = reference.lloyd(
        X, centers, sample_weight=w, max_iter=100, tol=0.0
    )
    np.testing.assert_array_equal(result.labels, ref_labels)
    assert result.n_iter == ref_iter
    assert result.converged
    np.testing.assert_allclose(result.centers, ref_centers, rtol=RTOL[dtype], atol=1e-5)
    np.testing.assert_allclose(result.inertia, ref_inertia, rtol=RTOL[dtype])


@pytest.mark.parametrize("driver", [run_elkan, run_hamerly, run_yinyang])
def test_pruning_computes_fewer_distances_than_lloyd_on_clustered_data(driver):
    X, centers, w = _data(3000, 3, 10, np.float64, seed=1)
    lloyd = run_lloyd(X, w, centers, max_iter=100)
    pruned = driver(X, w, centers, max_iter=100)
    np.testing.assert_array_equal(lloyd.labels, pruned.labels)
    assert pruned.n_iter == lloyd.n_iter
    assert pruned.n_distance_evaluations < lloyd.n_distance_evaluations / 2


@pytest.mark.parametrize("driver", [run_elkan, run_hamerly, run_yinyang])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pruning_equals_lloyd_through_exact_ties(driver, dtype):
    """Small integers in one or two dimensions: many rows lie exactly as far
    from two centers, and centers coincide.  A bound test that holds with
    equality proves nothing then, so such rows must go to the full search,
    where ties go to the lower index as in Lloyd.  Before Elkan's and
    Hamerly's tests counted equality as doubt, 5 of these 60 runs kept a
    higher-indexed center for some rows (in 2 of them the centers and n_iter
    came out different too).
    """
    for seed in range(60):
        rng = np.random.default_rng(seed)
        n, d = int(rng.integers(20, 300)), int(rng.integers(1, 3))
        k = int(rng.integers(3, 12))
        X = rng.integers(0, 6, size=(n, d)).astype(dtype)
        centers = X[rng.choice(n, size=k, replace=False)]
        w = np.ones(n, dtype)
        lloyd = run_lloyd(X, w, centers, max_iter=100, tol=0.0)
        pruned = driver(X, w, centers, max_iter=100, tol=0.0)
        np.testing.assert_array_equal(pruned.labels, lloyd.labels)
        np.testing.assert_array_equal(pruned.centers, lloyd.centers)
        assert pruned.n_iter == lloyd.n_iter


def test_history_records_every_iteration_and_inertia_never_increases():
    X, centers, w = _data(2000, 2, 6, np.float64, seed=4)
    result = run_lloyd(X, w, centers, max_iter=50, record_history=True)
    assert len(result.history) == result.n_iter + 1
    inertias = [entry["inertia"] for entry in result.history]
    assert np.all(np.diff(inertias) <= 1e-9 * inertias[0])
    np.testing.assert_array_equal(result.history[0]["centers"], centers)
    np.testing.assert_array_equal(result.history[-1]["centers"], result.centers)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
def test_single_block_serial_run_equals_block_loop(dtype, weighted):
    """Small data runs in one compiled call; the Python loop must agree."""
    X, centers, w = _data(700, 3, 6, dtype, seed=8, weighted=weighted)
    X[:5] = X[5]  # duplicates, so that empty clusters can occur
    for max_iter, tol in [(100, 0.0), (3, 0.0), (100, 1e-2)]:
        fast = run_lloyd(X, w, centers, max_iter=max_iter, tol=tol)
        loop = run_lloyd(X, w, centers, max_iter=max_iter, tol=tol, record_history=True)
        np.testing.assert_array_equal(fast.labels, loop.labels)
        np.testing.assert_array_equal(fast.centers, loop.centers)
        assert fast.n_iter == loop.n_iter
        assert fast.converged == loop.converged
        np.testing.assert_allclose(fast.inertia, loop.inertia, rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_blas_seeding_scorer_matches_direct_kernels(dtype):
    """High-d k-means++ scores candidates through BLAS; it must agree with the
    direct-difference kernels within its documented error bound, also for data
    far from the origin."""
    from kmeans_core.init import _BlasScorer, _DirectScorer

    n, d = 3000, 24
    X, _, w = _data(n, d, 5, dtype, seed=6, weighted=True)
    X = X + dtype(500.0)
    candidates = np.ascontiguousarray(X[[3, 70, 1500, 2999]])
    direct = _DirectScorer(X, w, block_starts(n, 4, d), n_candidates=4)
    blas = _BlasScorer(X, w, n_candidates=4)
    # The BLAS product x . (c - m) is off by at most about d * eps * |x| |c - m|
    # (doubled in the expansion); allow twice that.
    Xd = X.astype(np.float64)
    spread = np.abs(candidates - Xd.mean(axis=0)).sum(axis=1).max()
    atol = 4 * d * np.finfo(dtype).eps * np.abs(Xd).max() * spread

    closest_direct = direct.distances_to(X[10:11])
    closest_blas = blas.distances_to(X[10:11])
    np.testing.assert_allclose(
        closest_blas, closest_direct, rtol=RTOL[dtype], atol=atol
    )
    np.testing.assert_allclose(
        blas.potentials(candidates, closest_direct),
        direct.potentials(candidates, closest_direct),
        rtol=RTOL[dtype],
        atol=atol * w.sum(),
    )
    direct.lower(closest_direct, candidates, 1)
    blas.lower(closest_blas, candidates, 1)
    np.testing.assert_allclose(
        closest_blas, closest_direct, rtol=RTOL[dtype], atol=atol
    )


def _score_and_lower(scorer, candidates, closest):
    """One k-means++ step with a scorer: (potentials, lowered closest)."""
    lowered = closest.copy()
    potentials = scorer.potentials(candidates, lowered)
    scorer.lower(lowered, candidates, int(np.argmin(potentials)))
    return potentials, lowered


@pytest.mark.parametrize("dtype", DTYPES)
def test_direct_scorer_lowers_closest_the_same_with_or_without_kept_distances(
    dtype, monkeypatch
):
    from kmeans_core import init
    from kmeans_core.init import _DirectScorer

    monkeypatch.setattr(init, "_KEPT_DISTANCES_MAX_BYTES", 0)  # only d / 4 counts

    n, d = 3000, 24
    X, _, w = _data(n, d, 5, dtype, seed=8, weighted=True)
    candidates = np.ascontiguousarray(X[[5, 900, 2100, 2998]])
    starts = block_starts(n, 4, d)
    keeping = _DirectScorer(X, w, starts, n_candidates=4)  # 4 * 4 <= 24: kept
    computing = _DirectScorer(X, w, starts, n_candidates=7)  # 4 * 7 > 24: not
    assert keeping.distances.shape == (4, n)
    assert computing.distances.shape == (0, n)
    closest = keeping.distances_to(X[10:11])
    results = [_score_and_lower(s, candidates, closest) for s in (keeping, computing)]
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_blas_scorer_lowers_closest_the_same_with_or_without_kept_products(
    dtype, monkeypatch
):
    from kmeans_core.init import _BlasScorer

    monkeypatch.setattr(_BlasScorer, "_MIN_SLAB_ROWS", 1000)
    n, d = 3000, 24
    X, _, w = _data(n, d, 5, dtype, seed=9, weighted=True)
    candidates = np.ascontiguousarray(X[[5, 900, 2100, 2998]])
    keeping = _BlasScorer(X, w, n_candidates=4)  # 4 * 4 <= 24: kept
    computing = _BlasScorer(X, w, n_candidates=7)  # 4 * 7 > 24: not
    assert keeping.dots.shape == (n, 4) and computing.dots is None
    assert keeping.bounds.shape[0] > 2  # several slabs
    closest = keeping.distances_to(X[10:11])
    np.testing.assert_array_equal(computing.distances_to(X[10:11]), closest)
    results = [_score_and_lower(s, candidates, closest) for s in (keeping, computing)]
    # The same products for the scoring pass (fixed slabs, single-threaded
    # BLAS), so the same potentials bit for bit.
    np.testing.assert_array_equal(results[0][0], results[1][0])
    # Without kept products, the chosen candidate's distances come from a
    # one-column product, which BLAS rounds differently: equal to rounding.
    scale = np.abs(X.astype(np.float64)).max() ** 2
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(results[0][1], results[1][1], atol=8 * d * eps * scale)
    # And against the NumPy reference, which takes direct differences.
    expected = reference.squared_distances(X.astype(np.float64), X[10:11]).ravel()
    expected = np.minimum(
        expected,
        reference.squared_distances(
            X.astype(np.float64), candidates[int(np.argmin(results[0][0]))][None]
        ).ravel(),
    )
    np.testing.assert_allclose(
        results[0][1], expected, rtol=RTOL[dtype], atol=1e-5 * scale
    )


@pytest.mark.parametrize("weighted", [False, True])
def test_blas_seeding_picks_the_reference_rows(weighted):
    from kmeans_core.init import _BLAS_MIN_FEATURES

    n_features = _BLAS_MIN_FEATURES + 4  # on the BLAS side of the switch
    X, _, w = _data(4000, n_features, 12, np.float64, seed=2, weighted=weighted)
    rng = np.random.RandomState(7)
    # Without the transposed copy, which would take the direct kernels instead.
    _, indices = _kmeans_plusplus(X, 12, w, rng, copy_allowed=False)
    _, ref_indices = reference.kmeans_plusplus(
        X, 12, sample_weight=w, random_state=np.random.RandomState(7)
    )
    np.testing.assert_array_equal(indices, ref_indices)


# --- Unrolled direct kernels (d <= MAX_UNROLLED_FEATURES) -------------------------
# They must agree bit for bit with the generic kernels: the pruning algorithms
# use the generic distance, and Lloyd's exactness guarantee rests on it.


def _scoring_problem(n_samples, n_features, n_candidates, dtype, weighted):
    """Data, weights, candidates, distances to a first seed, and blocks."""
    X, centers, w = _data(
        n_samples, n_features, n_candidates + 1, dtype, weighted=weighted
    )
    closest = np.empty(n_samples)
    distances_to_point(X, centers[:1], closest)
    candidates = np.ascontiguousarray(centers[1:])
    return X, w, candidates, closest, block_starts(n_samples, n_candidates, n_features)


def _assert_same_potentials(score, score_expected, X, w, candidates, closest):
    """``score(keep)`` and ``score_expected(keep)`` give the same bits, with and
    without keeping the distances, and match NumPy's potentials."""
    for keep in (True, False):
        got, expected = score(keep), score_expected(keep)
        np.testing.assert_array_equal(got[0], expected[0])
        np.testing.assert_array_equal(got[1], expected[1])
    cand_d = reference.squared_distances(
        X.astype(np.float64), candidates.astype(np.float64)
    )
    pots = (np.minimum(closest[:, None], cand_d) * w.astype(np.float64)[:, None]).sum(0)
    np.testing.assert_allclose(got[0], pots, rtol=RTOL[X.dtype.type])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_features", range(1, MAX_UNROLLED_FEATURES + 1))
# k = 2, 3, 6 and 9 end on a pass of four that repeats the last center.
@pytest.mark.parametrize(
    "n_samples, n_clusters", [(7, 3), (2500, 9), (1300, 4), (1500, 2), (900, 6)]
)
def test_unrolled_kernels_equal_generic_kernels(
    n_samples, n_clusters, n_features, weighted, dtype
):
    shape = (n_samples, n_features, n_clusters)
    X, centers, w = _data(*shape, dtype, seed=n_features, weighted=weighted)
    starts = block_starts(*shape)
    unrolled = DirectKernels(*UNROLLED_KERNELS[n_features])

    def fused(kernel):
        return fused_pass(kernel, X, w, centers, starts)

    def assign(kernel):
        labels = np.empty(n_samples, dtype=np.int32)
        min_dist = np.empty(n_samples, dtype=dtype)
        kernel(X, centers, starts, labels, min_dist)
        return labels, min_dist

    for got, expected in zip(
        fused(unrolled.assign_accumulate) + assign(unrolled.assign),
        fused(lloyd_assign_accumulate) + assign(assign_nearest),
        strict=True,
    ):
        np.testing.assert_array_equal(got, expected)
    expected_labels = reference.assign(X.astype(np.float64), centers.astype(np.float64))
    np.testing.assert_array_equal(fused(unrolled.assign_accumulate)[0], expected_labels)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("n_features", range(1, MAX_UNROLLED_FEATURES + 1))
@pytest.mark.parametrize("n_samples, n_candidates", [(7, 3), (2500, 5), (1300, 1)])
def test_unrolled_potentials_equal_generic_potentials(
    n_samples, n_candidates, n_features, weighted, dtype
):
    X, w, candidates, closest, starts = _scoring_problem(
        n_samples, n_features, n_candidates, dtype, weighted
    )

    def score(kernel, keep):
        pots = np.empty(n_candidates)
        kept = np.empty((n_candidates if keep else 0, n_samples), dtype=dtype)
        kernel(X, w, candidates, closest, starts, pots, kept)
        return pots, kept

    _assert_same_potentials(
        lambda keep: score(UNROLLED_POTENTIALS[n_features], keep),
        lambda keep: score(candidate_potentials, keep),
        X,
        w,
        candidates,
        closest,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_features", [2, 8])
def test_unrolled_kernels_break_ties_to_the_lower_index(n_features, dtype):
    # Centers 1..6 coincide: within a pass of four and across passes the first
    # of them must win, as in a one-center-at-a-time scan.
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, n_features)).astype(dtype)
    centers = np.repeat(
        np.vstack([np.full(n_features, 50.0), np.zeros(n_features)]), [1, 6], axis=0
    ).astype(dtype)
    starts = block_starts(300, 7, n_features)
    labels = np.empty(300, dtype=np.int32)
    DirectKernels(*UNROLLED_KERNELS[n_features]).assign(
        X, centers, starts, labels, np.empty(300, dtype=dtype)
    )
    np.testing.assert_array_equal(labels, np.ones(300, dtype=np.int32))


@pytest.mark.parametrize(
    "n_features, dtype, unrolled",
    [
        (1, np.float32, True),
        (8, np.float32, True),
        (7, np.float64, True),
        (8, np.float64, True),  # 64-byte rows: copied in squares of 8 rows
        (MAX_UNROLLED_FEATURES + 1, np.float32, False),
        (MAX_UNROLLED_FEATURES + 1, np.float64, False),
    ],
)
def test_direct_kernels_dispatch_on_row_width(n_features, dtype, unrolled):
    chosen = direct_kernels(np.zeros((3, n_features), dtype=dtype), 16)
    if unrolled:
        assert chosen == UNROLLED_KERNELS[n_features]
    else:  # up to d = 15; from d = 16 on, see test_lloyd_pass_dispatch
        assert chosen == (lloyd_assign_accumulate, assign_nearest)


def test_draw_candidates_equals_searchsorted_on_cumsum():
    """The k-means++ draw must pick exactly the rows NumPy's recipe picks."""
    from kmeans_core._kernels.seeding import draw_candidates

    rng = np.random.default_rng(11)
    weights = rng.uniform(0.0, 2.0, size=5000)
    weights[::7] = 0.0  # rows that can never be drawn
    closest = rng.exponential(size=5000)
    closest[100:200] = 0.0
    cumulative = np.cumsum(weights * closest)
    thresholds = rng.uniform(size=9) * cumulative[-1]
    thresholds[0] = thresholds[1]  # a repeated draw
    thresholds[2] = cumulative[-1] * 2  # past the end: clipped to the last row
    thresholds[3] = cumulative[1234]  # exactly on a running sum
    out = np.empty(9, dtype=np.int64)
    draw_candidates(weights, closest, thresholds, out)
    expected = np.minimum(np.searchsorted(cumulative, thresholds), 4999)
    np.testing.assert_array_equal(out, expected)
    assert out[3] == 1234


def test_direct_scorer_keeps_small_distance_arrays_even_at_low_d():
    from kmeans_core.init import _KEPT_DISTANCES_MAX_BYTES, _DirectScorer

    X, _, w = _data(3000, 2, 5, np.float32, seed=3)
    scorer = _DirectScorer(X, w, block_starts(3000, 4, 2), n_candidates=4)
    assert 4 * 4 > 2 and 4 * 3000 * 4 <= _KEPT_DISTANCES_MAX_BYTES
    assert scorer.distances.shape == (4, 3000)


# --- Reusing the partial sums of blocks whose labels did not change -------------


def test_accumulate_block_keeps_sums_only_when_no_label_changed():
    from kmeans_core._kernels.common import accumulate_block

    X, _, w = _data(300, 3, 4, np.float64, seed=2, weighted=True)
    labels = (np.arange(300) % 4).astype(np.int32)
    fresh_sums, fresh_weights = np.zeros((4, 3)), np.zeros(4)
    no_previous = np.empty(0, dtype=np.int32)
    accumulate_block(X, w, labels, 100, 200, no_previous, fresh_sums, fresh_weights)
    expected = np.zeros((4, 3))
    np.add.at(expected, labels[100:200], X[100:200] * w[100:200, None])
    np.testing.assert_allclose(fresh_sums, expected, rtol=1e-12)

    # Same labels as before: the sums are taken as they are, untouched.
    kept_sums, kept_weights = np.full((4, 3), 7.0), np.full(4, 7.0)
    accumulate_block(X, w, labels, 100, 200, labels.copy(), kept_sums, kept_weights)
    assert np.all(kept_sums == 7.0) and np.all(kept_weights == 7.0)

    # One row of the block moved (or one outside it did not matter): recomputed.
    previous = labels.copy()
    previous[150] = (labels[150] + 1) % 4
    previous[20] = (labels[20] + 1) % 4
    sums, weights = np.full((4, 3), 7.0), np.full(4, 7.0)
    accumulate_block(X, w, labels, 100, 200, previous, sums, weights)
    np.testing.assert_array_equal(sums, fresh_sums)
    np.testing.assert_array_equal(weights, fresh_weights)


@pytest.mark.parametrize("driver", [run_lloyd, run_elkan, run_hamerly, run_yinyang])
@pytest.mark.parametrize("dtype", DTYPES)
def test_reusing_unchanged_blocks_changes_nothing(monkeypatch, driver, dtype):
    """Every algorithm gives the same bits with and without the reuse."""
    X, centers, w = _data(12000, 16, 40, dtype, seed=5, weighted=True)
    starts = block_starts(12000, 40, 16)
    clean_blocks = []
    original_update = loop.update_previous_labels

    def counting_update(labels, previous):
        changed = (labels != previous).astype(np.int64)
        per_block = np.add.reduceat(changed, starts[:-1])
        if previous.min() >= 0:
            clean_blocks.append(int((per_block == 0).sum()))
        return original_update(labels, previous)

    monkeypatch.setattr(loop, "update_previous_labels", counting_update)
    reused = driver(X, w, centers, max_iter=200, tol=0.0)
    # The run must have had passes with untouched blocks, or this tests nothing.
    assert max(clean_blocks) > 0

    class NoReuse(Workspace):
        @property
        def previous_labels(self):
            return np.empty(0, dtype=np.int32)

        @previous_labels.setter
        def previous_labels(self, value):
            pass

    monkeypatch.setattr(loop, "Workspace", NoReuse)
    recomputed = driver(X, w, centers, max_iter=200, tol=0.0)
    np.testing.assert_array_equal(reused.centers, recomputed.centers)
    np.testing.assert_array_equal(reused.labels, recomputed.labels)
    assert reused.n_iter == recomputed.n_iter
    assert reused.inertia == recomputed.inertia


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_features", [3, 16, 40])
@pytest.mark.parametrize("n_moved", [1, 4, 300])
def test_accumulate_block_resums_only_the_changed_clusters(dtype, n_features, n_moved):
    """Clusters that gained or lost rows get exactly the sums of a full re-sum;
    the others keep what they had (when few moved and rows are wide enough)."""
    from kmeans_core._config import RESUM_BY_CLUSTER_MIN_FEATURES
    from kmeans_core._kernels.common import accumulate_block

    n_clusters, start, stop = 64, 500, 2500
    X, _, w = _data(3000, n_features, 4, dtype, seed=7, weighted=True)
    rng = np.random.default_rng(n_moved)
    previous = rng.integers(n_clusters, size=3000).astype(np.int32)
    labels = previous.copy()
    moved = rng.choice(np.arange(start, stop), size=n_moved, replace=False)
    shift = rng.integers(1, n_clusters, size=n_moved)
    labels[moved] = (previous[moved] + shift) % n_clusters
    fresh_sums = np.empty((n_clusters, n_features))
    fresh_weights = np.empty(n_clusters)
    no_previous = np.empty(0, dtype=np.int32)
    accumulate_block(X, w, labels, start, stop, no_previous, fresh_sums, fresh_weights)
    expected = np.zeros((n_clusters, n_features))
    rows64 = X[start:stop].astype(np.float64) * w[start:stop, None].astype(np.float64)
    np.add.at(expected, labels[start:stop], rows64)
    np.testing.assert_allclose(fresh_sums, expected, rtol=1e-12, atol=1e-9)

    # Sentinels show which clusters were summed again.
    sums = np.full((n_clusters, n_features), 7.0)
    weights = np.full(n_clusters, 7.0)
    accumulate_block(X, w, labels, start, stop, previous, sums, weights)
    changed = np.zeros(n_clusters, dtype=bool)
    changed[previous[moved]] = changed[labels[moved]] = True
    np.testing.assert_array_equal(sums[changed], fresh_sums[changed])
    np.testing.assert_array_equal(weights[changed], fresh_weights[changed])
    assert not changed.all() or n_moved == 300
    kept = (
        not changed.all()
        and np.all(sums[~changed] == 7.0)
        and np.all(weights[~changed] == 7.0)
    )
    resummed = np.array_equal(sums, fresh_sums) and np.array_equal(
        weights, fresh_weights
    )
    assert kept or resummed
    few = n_moved <= 4 and n_features >= RESUM_BY_CLUSTER_MIN_FEATURES
    assert kept == few


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [0.0, 1000.0])
def test_transposed_rows_equal_numpy(dtype, offset):
    from kmeans_core._kernels.lloyd import transposed_rows

    X, _, _ = _data(1000, 17, 3, dtype)
    X = X + dtype(offset)
    reference = gemm_reference(X)
    out = np.full((17, 1000), np.nan, dtype=dtype)
    centred = bool(reference.any())
    assert centred == (offset != 0.0)
    transposed_rows(X, reference, centred, out)
    assert out.tobytes() == np.ascontiguousarray((X - reference).T).tobytes()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3000, 16, 32), (700, 64, 100)])
@pytest.mark.parametrize("offset", [0.0, 1000.0])
def test_gemm_path_from_the_transposed_copy_gives_the_same_labels_and_sums(
    shape, dtype, offset
):
    from kmeans_core._kernels.lloyd import transposed_rows

    X, centers, w = _data(*shape, dtype, weighted=True)
    X = X + dtype(offset)
    centers = centers + dtype(offset)
    n, d, k = shape
    results = []
    for copied in (False, True):
        ws = Workspace(X, k, gemm_reference(X))
        if copied:
            ws.rows_t = np.empty((d, n), dtype=dtype)
            transposed_rows(X, ws.reference, ws.centred, ws.rows_t)
        labels = np.empty(n, dtype=np.int32)
        assign_with_gemm(X, w, centers, ws, labels, True)
        results.append((labels, ws.partial_sums.copy(), ws.partial_weights.copy()))
    for plain, copied in zip(*results, strict=True):
        np.testing.assert_array_equal(plain, copied)


@pytest.mark.parametrize("driver", [run_lloyd, run_yinyang])
@pytest.mark.parametrize("dtype", DTYPES)
def test_copy_x_false_iterates_without_the_transposed_copy(monkeypatch, driver, dtype):
    """With the copy or without: the same bits; only copy_x=True makes it."""
    X, centers, w = _data(4000, 24, 48, dtype, seed=9, weighted=True)
    X = X + dtype(50.0)
    centers = centers + dtype(50.0)
    assert pruning_uses_gemm(48, 24)
    if driver is run_lloyd:  # Lloyd's own passes through BLAS too
        monkeypatch.setattr(dispatch, "_forced_pass", "blas")
    copies = []

    def counting(X, reference, centred, out):
        copies.append(centred)
        drivers_transposed_rows(X, reference, centred, out)

    drivers_transposed_rows = loop.transposed_rows
    monkeypatch.setattr(loop, "transposed_rows", counting)
    copied = driver(X, w, centers, max_iter=100, tol=0.0)
    assert copies == [True]
    not_copied = driver(X, w, centers, max_iter=100, tol=0.0, copy_x=False)
    assert copies == [True]
    np.testing.assert_array_equal(copied.labels, not_copied.labels)
    np.testing.assert_array_equal(copied.centers, not_copied.centers)
    assert copied.n_iter == not_copied.n_iter
    assert copied.inertia == not_copied.inertia
