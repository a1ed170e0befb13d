"""Bad sparse input: one table row per error, matching the message.

Malformed CSR parts are built by hand (scipy's constructors would refuse some
of them), so the checks are exercised as a caller's corrupted matrix would
reach them.  Unsorted and repeated indices are not errors: they are made
canonical on a copy, and the caller's matrix is left as it was.
"""

from __future__ import annotations

import numpy as np
import pytest

from kmeans_core import KMeans, MiniBatchKMeans, kmeans_plusplus

from .sparse_data import tfidf_like

sp = pytest.importorskip("scipy.sparse")

X = tfidf_like(seed=0, n_samples=40, n_features=30)


def corrupted(data=None, indices=None, indptr=None, shape=X.shape):
    """A CSR matrix with some of its arrays replaced, bypassing scipy's checks."""
    matrix = X.copy()
    if data is not None:
        matrix.data = data
    if indices is not None:
        matrix.indices = indices
    if indptr is not None:
        matrix.indptr = indptr
    matrix._shape = shape
    return matrix


def with_value(position, value):
    data = X.data.copy()
    data[position] = value
    return corrupted(data=data)


def with_index(position, value):
    indices = X.indices.copy()
    indices[position] = value
    return corrupted(indices=indices)


def with_indptr(change):
    indptr = X.indptr.copy()
    change(indptr)
    return corrupted(indptr=indptr)


def decrease(indptr):
    indptr[5], indptr[6] = indptr[6], indptr[5] - 1


def fit(matrix):
    return lambda: KMeans(3, n_init=1, random_state=0).fit(matrix)


CASES = [
    ("nan", fit(with_value(7, np.nan)), r"contains NaN among its stored values"),
    ("inf", fit(with_value(3, np.inf)), r"contains infinity"),
    ("neg-inf", fit(with_value(0, -np.inf)), r"contains infinity"),
    ("negative-index", fit(with_index(4, -1)), r"column indices out of range: \[-1\]"),
    ("index-too-large", fit(with_index(9, 30)), r"out of range: \[30\].*\[0, 30\)"),
    (
        "indptr-length",
        fit(corrupted(indptr=X.indptr[:-1])),
        r"indptr is malformed: it has 40 entries.* needs 41",
    ),
    (
        "indptr-start",
        fit(with_indptr(lambda p: p.__setitem__(0, 1))),
        "indptr is malformed: it starts at 1",
    ),
    (
        "indptr-decreasing",
        fit(with_indptr(decrease)),
        "indptr is malformed: it decreases",
    ),
    (
        "indptr-too-far",
        fit(with_indptr(lambda p: p.__setitem__(-1, p[-1] + 5))),
        "indptr is malformed: it ends at .* stores only",
    ),
    (
        "complex",
        fit(X.astype(np.complex128)),
        "Complex data not supported",
    ),
    ("no-rows", fit(sp.csr_matrix((0, 30))), r"0 sample\(s\) \(shape="),
    ("no-columns", fit(sp.csr_matrix((5, 0))), r"0 feature\(s\) \(shape="),
    (
        "predict-nan",
        lambda: KMeans(3, n_init=1).fit(X).predict(with_value(1, np.nan)),
        "NaN",
    ),
    (
        "kmeans_plusplus-index",
        lambda: kmeans_plusplus(with_index(2, 99), 3),
        "out of range",
    ),
    (
        "minibatch-inf",
        lambda: MiniBatchKMeans(3).fit(with_value(2, np.inf)),
        "infinity",
    ),
]


@pytest.mark.parametrize(
    "call, match", [pytest.param(c, m, id=name) for name, c, m in CASES]
)
def test_bad_sparse_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_unsorted_and_repeated_indices_are_canonicalised_on_a_copy():
    dense = X.toarray()
    # Row 0 unsorted, row 1 with a repeated column whose two values add up.
    data = X.data.copy()
    indices = X.indices.copy()
    start0, stop0 = X.indptr[0], X.indptr[1]
    indices[start0:stop0] = indices[start0:stop0][::-1].copy()
    data[start0:stop0] = data[start0:stop0][::-1].copy()
    start1 = X.indptr[1]
    indices[start1 + 1] = indices[start1]
    data[start1] = data[start1 + 1] = 0.25
    messy = corrupted(data=data.copy(), indices=indices.copy())
    expected = dense.copy()
    expected[1, X.indices[start1 + 1]] = 0.0
    expected[1, indices[start1]] = 0.5
    init = dense[[0, 10, 20]]
    ours = KMeans(3, init=init, n_init=1).fit(messy)
    clean = KMeans(3, init=init, n_init=1).fit(sp.csr_matrix(expected))
    np.testing.assert_array_equal(ours.labels_, clean.labels_)
    np.testing.assert_array_equal(ours.cluster_centers_, clean.cluster_centers_)
    # The caller's matrix is untouched.
    np.testing.assert_array_equal(messy.indices, indices)
    np.testing.assert_array_equal(messy.data, data)


def test_dask_estimator_refuses_sparse_input():
    pytest.importorskip("dask.array")
    import dask.array as da

    from kmeans_core.dask import KMeans as DaskKMeans

    chunked = da.from_array(X, chunks=(20, 30))
    dense_chunks = da.from_array(X.toarray(), chunks=(20, 30))
    for data in (X, chunked, dense_chunks.map_blocks(sp.csr_matrix)):
        with pytest.raises(TypeError, match="works on dense data only.*sparse"):
            DaskKMeans(3).fit(data)
    fitted = DaskKMeans(3, random_state=0).fit(dense_chunks)
    with pytest.raises(TypeError, match="dense data only"):
        fitted.predict(chunked)
