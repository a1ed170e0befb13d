"""Yinyang's two assignment paths against NumPy and against Lloyd.

On Lloyd's BLAS shapes Yinyang switches between a full pass through BLAS (which
resets every bound from the expanded form, lowered by its error bound) and
direct group searches.  Both must keep the bounds true bounds of the direct
distances, and any mix of them must give Lloyd's result bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
from numba import njit

from kmeans_core._kernels.lloyd import best_two_scores
from kmeans_core._kernels.yinyang import yinyang_init_bounds
from kmeans_core._kernels.yinyang_blas import best_two_scores_by_group
from kmeans_core.drivers import (
    Workspace,
    pruning_uses_gemm,
    run_lloyd,
    run_yinyang,
)
from kmeans_core.drivers import yinyang as yinyang_driver
from kmeans_core.drivers.loop import run
from kmeans_core.drivers.yinyang import (
    YinyangSteps,
    group_centers,
    yinyang_group_count,
)

DTYPES = [np.float64, np.float32]


def _data(n, d, k, dtype, seed=0, offset=0.0, duplicates=False):
    """Overlapping blobs (many near-ties between groups), optionally far from 0."""
    rng = np.random.default_rng(seed)
    means = rng.normal(scale=2.0, size=(k, d))
    X = means[rng.integers(k, size=n)] + rng.normal(size=(n, d)) + offset
    if duplicates:
        X[n // 2 :: 7] = X[1]  # exact ties between rows
    X = X.astype(dtype)
    centers = X[rng.choice(n, size=k, replace=False)].copy()
    return X, centers, rng.uniform(0.5, 2.0, size=n).astype(dtype)


def _direct_distances(X, centers):
    """All distances from direct differences, in float64."""
    X64, C64 = X.astype(np.float64), centers.astype(np.float64)
    return np.sqrt(((X64[:, None, :] - C64[None, :, :]) ** 2).sum(axis=2))


def _check_bounds(X, centers, group_of, labels, upper, lower):
    """Labels are the direct argmin; the bounds bound the direct distances."""
    dist = _direct_distances(X, centers)
    np.testing.assert_array_equal(labels, dist.argmin(axis=1))
    own = dist[np.arange(len(X)), labels]
    rtol = 1e-12 if X.dtype == np.float64 else 1e-6
    np.testing.assert_allclose(upper, own, rtol=rtol)
    others = dist.copy()
    others[np.arange(len(X)), labels] = np.inf
    for g in range(lower.shape[1]):
        true_lower = others[:, group_of == g].min(axis=1)
        assert np.all(lower[:, g] <= true_lower * (1 + rtol))
        # The bounds must also be useful: close to the true value, not 0.
        finite = np.isfinite(true_lower)
        assert np.all(lower[finite, g] >= 0.99 * true_lower[finite] - 1e-3)


def _steps(X, centers, w):
    n, d = X.shape
    k = centers.shape[0]
    ws = Workspace(X, k, X.mean(axis=0))
    ws.gemm = pruning_uses_gemm(k, d)
    return YinyangSteps(X, w, k, ws)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [0.0, 300.0])
def test_blas_pass_sets_exact_labels_and_valid_bounds(dtype, offset):
    X, centers, w = _data(3000, 24, 48, dtype, seed=1, offset=offset, duplicates=True)
    assert pruning_uses_gemm(48, 24)
    steps = _steps(X, centers, w)
    labels = np.empty(len(X), dtype=np.int32)
    steps.start(centers, labels)
    assert steps.full_passes == 1
    _check_bounds(X, centers, steps.group_of, labels, steps.upper, steps.lower)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tiled_first_pass_sets_exact_labels_and_tight_bounds(dtype):
    X, centers, w = _data(2100, 5, 40, dtype, seed=2, duplicates=True)
    n_groups = yinyang_group_count(40)
    group_of = group_centers(centers, n_groups)
    labels = np.empty(len(X), dtype=np.int32)
    upper = np.empty(len(X), dtype=dtype)
    lower = np.empty((len(X), n_groups), dtype=dtype)
    starts = np.array([0, 1000, 2100])
    sums = np.empty((2, 40, 5))
    weights = np.empty((2, 40))
    yinyang_init_bounds(
        X, w, centers, group_of, starts, labels, upper, lower, sums, weights
    )
    _check_bounds(X, centers, group_of, labels, upper, lower)
    # Computed from the same direct distances, the bounds are exact here.
    dist = _direct_distances(X, centers)
    dist[np.arange(len(X)), labels] = np.inf
    for g in range(n_groups):
        np.testing.assert_allclose(
            lower[:, g], dist[:, group_of == g].min(axis=1), rtol=1e-6
        )
    expected = np.zeros((40, 5))
    np.add.at(expected, labels, X.astype(np.float64) * w[:, None])
    np.testing.assert_allclose(sums.sum(axis=0), expected, rtol=1e-12)
    np.testing.assert_allclose(
        weights.sum(axis=0), np.bincount(labels, w.astype(np.float64), 40)
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("speedup", [0.0, 4.0, np.inf], ids=["search", "mixed", "blas"])
@pytest.mark.parametrize(
    "shape", [(4000, 20, 64), (3000, 32, 120), (2500, 6, 70)], ids=str
)
def test_every_mix_of_passes_equals_lloyd(monkeypatch, shape, dtype, speedup):
    """Searches only, BLAS passes only, or the measured mix: Lloyd's result."""
    monkeypatch.setattr(yinyang_driver, "YINYANG_GEMM_SPEEDUP", speedup)
    X, centers, w = _data(*shape, dtype, seed=3, offset=50.0, duplicates=True)
    lloyd = run_lloyd(X, w, centers, max_iter=60, tol=0.0)
    yinyang = run_yinyang(X, w, centers, max_iter=60, tol=0.0)
    np.testing.assert_array_equal(yinyang.labels, lloyd.labels)
    np.testing.assert_array_equal(yinyang.centers, lloyd.centers)
    assert yinyang.n_iter == lloyd.n_iter
    assert yinyang.inertia == lloyd.inertia
    if speedup == 0.0:
        # Group filtering must actually skip work.
        # Only the rows in doubt were scored again.
        assert yinyang.n_distance_evaluations < 0.75 * lloyd.n_distance_evaluations


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_features", [1, 7, 33])
def test_distances_to_labels_equal_squared_distance_bit_for_bit(dtype, n_features):
    """The eight-chain helper the bound tightening uses must round like
    ``squared_distance``, or a near-tie could be decided differently."""
    from numba import njit

    from kmeans_core._kernels.distances import (
        squared_distance,
        squared_distances_to_labels,
    )

    @njit
    def eight_chains(X, rows, centers, labels, out):
        squared_distances_to_labels(X, rows, 0, rows.shape[0], centers, labels, out)

    @njit
    def one_by_one(X, rows, centers, labels, out):
        for t in range(rows.shape[0]):
            out[t] = squared_distance(X, rows[t], centers, labels[rows[t]])

    X, centers, _ = _data(300, n_features, 9, dtype, seed=4, offset=10.0)
    rng = np.random.default_rng(4)
    labels = rng.integers(9, size=300).astype(np.int32)
    rows = rng.choice(300, size=21, replace=False).astype(np.int64)  # 8 + 8 + 5
    fast = np.empty(21, dtype=dtype)
    slow = np.empty(21, dtype=dtype)
    eight_chains(X, rows, centers, labels, fast)
    one_by_one(X, rows, centers, labels, slow)
    assert fast.tobytes() == slow.tobytes()
    expected = ((X[rows].astype(np.float64) - centers[labels[rows]]) ** 2).sum(axis=1)
    np.testing.assert_allclose(
        fast, expected, rtol=1e-5 if dtype == np.float32 else 1e-12
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("offset", [0.0, 300.0])
def test_rows_pass_sets_exact_labels_and_valid_bounds_for_its_rows(dtype, offset):
    """The BLAS pass over gathered rows in doubt: exact labels and true bounds
    for those rows, the other rows untouched."""
    X, centers, w = _data(3000, 24, 48, dtype, seed=6, offset=offset, duplicates=True)
    steps = _steps(X, centers, w)
    labels = np.empty(len(X), dtype=np.int32)
    steps.start(centers, labels)
    moved = centers + np.random.default_rng(6).normal(scale=0.3, size=centers.shape)
    moved = moved.astype(dtype)
    rows = np.sort(np.random.default_rng(7).choice(len(X), 700, replace=False))
    before = labels.copy(), steps.upper.copy(), steps.lower.copy()
    steps._rows_pass(moved, labels, rows, False)
    assert steps.rows_passes == 1
    _check_bounds(
        X[rows],
        moved,
        steps.group_of,
        labels[rows],
        steps.upper[rows],
        steps.lower[rows],
    )
    others = np.setdiff1d(np.arange(len(X)), rows)
    for after, old in zip((labels, steps.upper, steps.lower), before, strict=True):
        np.testing.assert_array_equal(after[others], old[others])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("full_share", [0.0, 1.0], ids=["full", "rows"])
def test_blas_passes_over_rows_in_doubt_equal_lloyd(monkeypatch, dtype, full_share):
    """BLAS passes over every row, or over only the rows in doubt: Lloyd's bits."""
    monkeypatch.setattr(yinyang_driver, "YINYANG_GEMM_SPEEDUP", np.inf)
    monkeypatch.setattr(yinyang_driver, "YINYANG_FULL_PASS_SHARE", full_share)
    made = []

    class Recorded(YinyangSteps):
        def __init__(self, *args):
            super().__init__(*args)
            made.append(self)

    X, centers, w = _data(4000, 20, 64, dtype, seed=3, offset=50.0, duplicates=True)
    assert pruning_uses_gemm(64, 20)
    lloyd = run_lloyd(X, w, centers, max_iter=60, tol=0.0)
    yinyang = run(Recorded, X, w, centers, max_iter=60, tol=0.0)
    np.testing.assert_array_equal(yinyang.labels, lloyd.labels)
    np.testing.assert_array_equal(yinyang.centers, lloyd.centers)
    assert yinyang.n_iter == lloyd.n_iter
    assert yinyang.inertia == lloyd.inertia
    if full_share == 1.0:
        assert made[0].rows_passes > 0 and made[0].full_passes == 1
        # Only the rows in doubt were scored again.
        assert yinyang.n_distance_evaluations < 0.75 * lloyd.n_distance_evaluations
    else:
        assert made[0].rows_passes == 0


@njit
def _scores_by_group(dots_t, half_norms, group_ptr, group_members):
    return best_two_scores_by_group(dots_t, half_norms, group_ptr, group_members)


@njit
def _scores(dots_t, half_norms):
    return best_two_scores(dots_t, half_norms)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_groups", [1, 3, 7])
def test_group_scan_gives_best_two_scores_results_and_each_groups_two_best(
    dtype, n_groups
):
    """The BLAS passes' one scan over the scores, group by group.

    Its overall best, runner-up and label must be ``best_two_scores``'s bit for
    bit, ties to the lower index included (repeated centers tie exactly, within
    and across groups), and per group the best score, its lowest index and the
    runner-up must match NumPy.  Groups of 1 to 9 members cover the four-at-a-
    time passes and the one-at-a-time rest.
    """
    rng = np.random.default_rng(n_groups)
    k, n_rows = 37, 301
    dots_t = rng.normal(size=(k, n_rows)).astype(dtype)
    half_norms = rng.uniform(0.0, 0.5, size=k).astype(dtype)
    for copy, original in ((5, 2), (30, 2), (11, 29), (36, 0)):
        dots_t[copy], half_norms[copy] = dots_t[original], half_norms[original]
    group_of = rng.integers(n_groups, size=k)
    group_of[:n_groups] = np.arange(n_groups)  # no group is empty
    members = np.argsort(group_of, kind="stable").astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(np.bincount(group_of))]).astype(np.int64)

    best, second, label, g_best, g_second, g_label = _scores_by_group(
        dots_t, half_norms, ptr, members
    )
    expected = _scores(dots_t, half_norms)
    for got, want in zip((best, second, label), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    scores = half_norms[:, None] - dots_t
    for g in range(n_groups):
        in_group = np.flatnonzero(group_of == g)
        ordered = np.sort(scores[in_group], axis=0)
        np.testing.assert_array_equal(g_best[g], ordered[0])
        np.testing.assert_array_equal(g_label[g], in_group[scores[in_group].argmin(0)])
        runner_up = ordered[1] if len(in_group) > 1 else np.full(n_rows, np.inf)
        np.testing.assert_array_equal(g_second[g], runner_up)
