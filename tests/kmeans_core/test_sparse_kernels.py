"""The CSR kernels (``_kernels/sparse.py``, ``sparse_rows.py``) against NumPy/scipy.

Each kernel is compared with a plain computation on the dense form of the same
rows (float64 rtol 1e-7, float32 rtol 1e-4), and run with 1 and 2 Numba
threads, which must give bit-identical outputs.  The labels are also checked
against exact rational arithmetic where ties are at stake.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from kmeans_core._blocks import sparse_block_starts
from kmeans_core._kernels.common import reduce_block_partials
from kmeans_core._kernels.sparse import (
    center_norms,
    sparse_accumulate,
    sparse_inertia,
    sparse_pairwise_distances,
    sparse_relocate_empty_clusters,
)
from kmeans_core._kernels.sparse_rows import (
    CANONICAL,
    NOT_CANONICAL,
    OUT_OF_RANGE,
    csr_column_moments,
    csr_index_status,
    csr_row_sq_norms,
)
from kmeans_core._kernels.sparse_seeding import (
    sparse_candidate_potentials,
    sparse_lower_closest,
)
from kmeans_core._sparse import check_csr
from kmeans_core.drivers import sparse as sparse_driver

from .sparse_data import dense_means, exact_unit_rows, tfidf_like

RTOL = {np.float64: 1e-7, np.float32: 1e-4}
DTYPES = [np.float64, np.float32]


def problem(dtype, n_samples=1500, seed=0):
    """CSR rows, their dense form (float64), dense centers, weights."""
    X = tfidf_like(seed=seed, n_samples=n_samples, n_features=300, dtype=dtype)
    rows = check_csr(X)
    centers = dense_means(X, 7, seed=seed)
    weights = np.random.default_rng(seed).uniform(0.5, 2.0, n_samples).astype(dtype)
    return rows, X.toarray().astype(np.float64), centers, weights


def dense_sq_distances(dense, centers):
    """Direct differences in float64: (n, k)."""
    diff = dense[:, None, :] - centers.astype(np.float64)[None, :, :]
    return np.einsum("ijk,ijk->ij", diff, diff)


def run_threads(numba_threads, compute):
    """``compute()`` with 1 and with 2 threads; both results, which must agree."""
    results = []
    for n_threads in (1, 2):
        numba_threads(n_threads)
        results.append(compute())
    return results


@pytest.mark.parametrize("dtype", DTYPES)
def test_center_norms_are_exact_sums(dtype, numba_threads):
    centers = np.random.default_rng(1).normal(size=(5, 333)).astype(dtype)

    def compute():
        hi, lo = np.empty(5), np.empty(5)
        center_norms(centers, hi, lo)
        return hi, lo

    (hi, lo), (hi2, lo2) = run_threads(numba_threads, compute)
    np.testing.assert_array_equal(hi, hi2)
    np.testing.assert_array_equal(lo, lo2)
    for j in range(5):
        exact = sum(Fraction(float(c)) ** 2 for c in centers[j])
        assert abs(Fraction(hi[j]) + Fraction(lo[j]) - exact) <= exact * 2.0**-100


@pytest.mark.parametrize("dtype", DTYPES)
def test_distances_match_dense_direct_differences(dtype, numba_threads):
    rows, dense, centers, _ = problem(dtype)
    hi, lo = sparse_driver.exact_norms(centers)

    def compute():
        out = np.empty((rows.shape[0], centers.shape[0]))
        sparse_pairwise_distances(*rows.arrays(), centers, hi, lo, out)
        return out

    one, two = run_threads(numba_threads, compute)
    np.testing.assert_array_equal(one, two)
    expected = np.sqrt(dense_sq_distances(dense, centers))
    np.testing.assert_allclose(one, expected, rtol=1e-12)


def test_distance_does_not_cancel_for_a_row_on_its_center():
    """A center equal to a row is at distance ~0, not sqrt(eps) |c| (cancelling).

    With |c| = 1e4 the expanded form ``|x|^2 - 2 x.c + |c|^2`` could leave
    sqrt(1e8 eps), about 1e-4; the off-support sum in double-double leaves
    nothing of that order.
    """
    X = tfidf_like(seed=3, n_samples=50, n_features=80) * 1e4
    rows = check_csr(X)
    centers = X.toarray()[:4]
    hi, lo = sparse_driver.exact_norms(centers)
    out = np.empty((50, 4))
    sparse_pairwise_distances(*rows.arrays(), centers, hi, lo, out)
    assert np.all(np.diag(out[:4]) <= 1e-9)


@pytest.mark.parametrize("dtype", DTYPES)
def test_labels_are_the_argmin_of_direct_distances(dtype, numba_threads):
    rows, dense, centers, _ = problem(dtype)

    def compute():
        labels = np.empty(rows.shape[0], dtype=np.int32)
        sparse_driver.assign(rows, centers, None, labels, None)
        return labels

    one, two = run_threads(numba_threads, compute)
    np.testing.assert_array_equal(one, two)
    distances = dense_sq_distances(dense, centers)
    ordered = np.sort(distances, axis=1)
    clear = ordered[:, 1] - ordered[:, 0] > 1e-9 * ordered[:, 1]
    assert clear.mean() > 0.99
    np.testing.assert_array_equal(one[clear], distances.argmin(axis=1)[clear])


@pytest.mark.parametrize("dtype", DTYPES)
def test_exact_ties_go_to_the_lowest_index(dtype):
    """Rows sharing no term with any center are equidistant: center 0 wins."""
    X = exact_unit_rows(seed=2, dtype=dtype)
    rows = check_csr(X)
    picked = [5, 17, 40, 88, 123]
    centers = X[picked].toarray()
    labels = np.empty(rows.shape[0], dtype=np.int32)
    sparse_driver.assign(rows, centers, None, labels, None)
    dense = X.toarray()
    shares = dense @ centers.T > 0
    lonely = ~shares.any(axis=1)
    assert lonely.sum() > 50
    assert np.all(labels[lonely] == 0)
    distances = dense_sq_distances(dense, centers)
    np.testing.assert_array_equal(labels, distances.argmin(axis=1))


def test_near_ties_follow_exact_arithmetic():
    """Centers that are single unit-normalised rows differ in |c|^2 by ulps.

    For a row sharing no term with any of them, the expanded form's scores are
    ``|c|^2 / 2`` rounded; the label must be the exact argmin of the distance
    (then the lowest index among exact equals), computed here in rationals.
    """
    X = tfidf_like(seed=4, n_samples=400, n_features=2000, nnz_per_row=6)
    rows = check_csr(X)
    centers = X[:40].toarray()
    labels = np.empty(rows.shape[0], dtype=np.int32)
    sparse_driver.assign(rows, centers, None, labels, None)
    dense = X.toarray()
    lonely = np.flatnonzero(~(dense @ centers.T > 0).any(axis=1))
    assert lonely.shape[0] > 30
    norms = [sum(Fraction(float(c)) ** 2 for c in center) for center in centers]
    assert len(set(norms)) > 1  # the test only means something if they differ
    for i in lonely[:40]:
        support = np.flatnonzero(dense[i])
        exact = []
        for center, norm in zip(centers, norms, strict=True):
            # |x - c|^2 = sum over the support of (x - c)^2 - c^2, plus |c|^2
            terms = [
                (Fraction(float(dense[i, f])) - Fraction(float(center[f]))) ** 2
                - Fraction(float(center[f])) ** 2
                for f in support
            ]
            exact.append(sum(terms) + norm)
        assert labels[i] == exact.index(min(exact))


@pytest.mark.parametrize("dtype", DTYPES)
def test_accumulate_matches_grouped_sums(dtype, numba_threads):
    rows, dense, centers, weights = problem(dtype)
    k, d = centers.shape
    labels = np.random.default_rng(5).integers(k, size=rows.shape[0]).astype(np.int32)
    starts = sparse_block_starts(rows.shape[0], k, d, 10**9)
    assert starts.shape[0] > 2  # several blocks

    def compute():
        partial = np.empty((starts.shape[0] - 1, k, d))
        partial_w = np.empty((starts.shape[0] - 1, k))
        sparse_accumulate(*rows.arrays(), weights, labels, starts, partial, partial_w)
        sums, totals = np.empty((k, d)), np.empty(k)
        reduce_block_partials(partial, partial_w, sums, totals)
        return sums, totals

    (sums, totals), (sums2, totals2) = run_threads(numba_threads, compute)
    np.testing.assert_array_equal(sums, sums2)
    np.testing.assert_array_equal(totals, totals2)
    w64 = weights.astype(np.float64)
    for j in range(k):
        mine = labels == j
        np.testing.assert_allclose(sums[j], w64[mine] @ dense[mine], rtol=1e-12)
        np.testing.assert_allclose(totals[j], w64[mine].sum(), rtol=1e-12)


@pytest.mark.parametrize("dtype", DTYPES)
def test_inertia_matches_direct_differences(dtype, numba_threads):
    rows, dense, centers, weights = problem(dtype)
    labels = dense_sq_distances(dense, centers).argmin(axis=1).astype(np.int32)
    starts = sparse_block_starts(rows.shape[0], 7, 300, 10**9)
    hi, lo = sparse_driver.exact_norms(centers)

    def compute():
        return sparse_inertia(*rows.arrays(), weights, centers, hi, lo, labels, starts)

    one, two = run_threads(numba_threads, compute)
    assert one == two
    diff = dense - centers.astype(np.float64)[labels]
    expected = np.sum(weights.astype(np.float64) * np.sum(diff**2, axis=1))
    np.testing.assert_allclose(one, expected, rtol=RTOL[dtype])


def reference_relocation(dense, weights, centers, labels, sums, totals):
    """Plain NumPy relocation: i-th empty cluster takes the i-th farthest row."""
    sums, totals = sums.copy(), totals.copy()
    empty = np.flatnonzero(totals == 0)
    distances = np.sum((dense - centers.astype(np.float64)[labels]) ** 2, axis=1)
    order = np.argsort(-distances, kind="stable")
    for cluster, row in zip(empty, order, strict=False):
        w = float(weights[row])
        sums[labels[row]] -= w * dense[row]
        sums[cluster] = w * dense[row]
        totals[labels[row]] -= w
        totals[cluster] = w
    return sums, totals


@pytest.mark.parametrize("dtype", DTYPES)
def test_relocation_matches_reference(dtype):
    rows, dense, centers, weights = problem(dtype, n_samples=300)
    labels = dense_sq_distances(dense, centers).argmin(axis=1).astype(np.int32)
    labels[labels >= 5] = 0  # clusters 5 and 6 empty
    w64 = weights.astype(np.float64)
    sums = np.stack([w64[labels == j] @ dense[labels == j] for j in range(7)])
    totals = np.array([w64[labels == j].sum() for j in range(7)])
    expected = reference_relocation(dense, weights, centers, labels, sums, totals)
    hi, lo = sparse_driver.exact_norms(centers)
    moved = sparse_relocate_empty_clusters(
        *rows.arrays(), weights, centers, hi, lo, labels, sums, totals
    )
    assert moved == 2
    np.testing.assert_allclose(sums, expected[0], rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(totals, expected[1])


@pytest.mark.parametrize("dtype", DTYPES)
def test_seeding_kernels_match_expanded_distances(dtype, numba_threads):
    rows, dense, _, weights = problem(dtype)
    candidates = dense[[3, 50, 700]].astype(dtype)
    sq_norms = rows.row_sq_norms()
    cand_norms = np.einsum("ij,ij->i", dense[[3, 50, 700]], dense[[3, 50, 700]])
    closest = np.random.default_rng(6).uniform(0.5, 2.0, rows.shape[0])
    starts = sparse_block_starts(rows.shape[0], 3, 300, 10**9)

    def compute():
        partial = np.empty((starts.shape[0] - 1, 3))
        distances = np.empty((rows.shape[0], 3))
        sparse_candidate_potentials(
            *rows.arrays(),
            sq_norms,
            weights,
            np.ascontiguousarray(candidates.T),
            cand_norms,
            closest,
            starts,
            partial,
            distances,
        )
        lowered = closest.copy()
        sparse_lower_closest(
            *rows.arrays(), sq_norms, candidates[1], cand_norms[1], lowered
        )
        return partial.sum(axis=0), distances, lowered

    one, two = run_threads(numba_threads, compute)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    potentials, distances, lowered = one
    expected = dense_sq_distances(dense, candidates)
    np.testing.assert_allclose(distances, expected, rtol=RTOL[dtype], atol=1e-12)
    w64 = weights.astype(np.float64)
    np.testing.assert_allclose(
        potentials, w64 @ np.minimum(closest[:, None], expected), rtol=RTOL[dtype]
    )
    np.testing.assert_array_equal(lowered, np.minimum(closest, distances[:, 1]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_row_kernels_match_scipy(dtype, numba_threads):
    X = tfidf_like(seed=7, n_samples=900, n_features=120, dtype=dtype)
    rows = check_csr(X)
    dense = X.toarray().astype(np.float64)

    picked = np.array([5, 3, 899, 5, 0])

    def compute():
        norms = np.empty(900)
        csr_row_sq_norms(rows.data, rows.indptr, norms)
        taken = rows.take(picked)
        return norms, rows.dense_rows(picked), taken.data, taken.indices

    one, two = run_threads(numba_threads, compute)
    for a, b in zip(one, two, strict=True):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(one[0], np.sum(dense**2, axis=1), rtol=1e-12)
    mean, variance = np.empty(120), np.empty(120)
    csr_column_moments(*rows.arrays(), mean, variance)
    np.testing.assert_allclose(mean, dense.mean(axis=0), rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(variance, dense.var(axis=0), rtol=1e-10, atol=1e-15)
    np.testing.assert_array_equal(rows.dense_rows(picked), X[picked].toarray())
    taken = rows.take(picked)
    np.testing.assert_array_equal(taken.dense_rows(np.arange(5)), X[picked].toarray())


def test_index_status():
    indptr = np.array([0, 2, 4])
    assert csr_index_status(np.array([0, 3, 1, 2]), indptr, 4) == CANONICAL
    assert csr_index_status(np.array([3, 0, 1, 2]), indptr, 4) == NOT_CANONICAL
    assert csr_index_status(np.array([0, 3, 2, 2]), indptr, 4) == NOT_CANONICAL
    assert csr_index_status(np.array([0, 4, 1, 2]), indptr, 4) == OUT_OF_RANGE
    assert csr_index_status(np.array([0, 3, -1, 2]), indptr, 4) == OUT_OF_RANGE


def test_sparse_blocks_are_few_when_partial_sums_are_large():
    """One block per k * d nonzeros at most, within the partial-sums budget."""
    assert sparse_block_starts(100000, 50, 20000, 2_500_000).shape[0] - 1 == 2
    assert sparse_block_starts(100000, 4, 100, 2_500_000).shape[0] - 1 > 16
    starts = sparse_block_starts(5000, 3, 10, 10**6)
    assert starts[0] == 0 and starts[-1] == 5000
    assert math.isclose(np.diff(starts).mean(), 5000 / (starts.shape[0] - 1))
