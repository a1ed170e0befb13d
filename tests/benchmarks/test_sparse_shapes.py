"""Sparse shapes in the benchmark harness: parsing, the data, one comparison."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import _runner
from benchmarks._impls import EstimatorImpl, exact_inertia, ours
from benchmarks._machine import MachineBound
from benchmarks._shapes import Shape, make_data, make_init, parse_shape

pytest.importorskip("scipy.sparse")


def test_parse_sparse_shape():
    shape = parse_shape("100_000x20000x50s25")
    assert shape == Shape(100000, 20000, 50, 25)
    assert shape.sparse and shape.key == "100000x20000x50s25"
    assert "sparse 25/row" in shape.label
    with pytest.raises(ValueError, match="shape"):
        parse_shape("10x5x2s9")  # more nonzeros per row than columns


def test_sparse_data_is_tfidf_like():
    shape = Shape(2000, 500, 5, 12)
    X = make_data(shape, "float32")
    assert X.format == "csr" and X.dtype == np.float32 and X.has_canonical_format
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    np.testing.assert_allclose(norms, 1.0, rtol=1e-6)
    assert 8 <= X.nnz / X.shape[0] <= 12
    init = make_init(X, shape.k)
    assert isinstance(init, np.ndarray) and init.shape == (5, 500)
    dense = X.toarray().astype(np.float64)
    expected = ((dense[:, None] - init.astype(np.float64)) ** 2).sum(-1).min(1).sum()
    assert exact_inertia(X, init) == pytest.approx(expected, rel=1e-9)


def test_compare_runs_a_sparse_shape_without_gemm_or_bound():
    from sklearn.cluster import KMeans

    bound = MachineBound(10.0, {"float32": 10.0}, 1, 1, 1)
    result = _runner.compare_shape(
        Shape(600, 200, 4, 8),
        "float32",
        [ours(), EstimatorImpl("sklearn-lloyd", KMeans, {"algorithm": "lloyd"})],
        max_iter=3,
        repeats=1,
        fit_repeats=1,
        seed=0,
        bound=bound,
    )
    assert result["bound_s"] is None and result["distance_gemm_s"] is None
    rows = {row["name"]: row for row in result["impls"]}
    assert rows["ours"]["per_iter_best_s"] > 0 and not rows["ours"]["error"]
    assert rows["sklearn-lloyd"]["per_iter_best_s"] > 0
