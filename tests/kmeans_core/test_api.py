"""The public API: scikit-learn interplay, persistence, dtypes, n_init, warnings."""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pickle
import subprocess
import sys
import warnings
import zipfile

import numpy as np
import pytest

import kmeans_core
from kmeans_core import ConvergenceWarning, KMeans, k_means, kmeans_plusplus

from .datasets import blobs, few_distinct, init_rows, positive_weights, uniform

X = blobs(seed=0, n_samples=120, n_features=3, n_clusters=3)


def fit_quietly(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(*args, **kwargs)


def assert_same_model(a, b):
    np.testing.assert_array_equal(a.cluster_centers_, b.cluster_centers_)
    assert a.cluster_centers_.dtype == b.cluster_centers_.dtype
    np.testing.assert_array_equal(a.labels_, b.labels_)
    assert a.inertia_ == b.inertia_
    assert a.n_iter_ == b.n_iter_
    assert a.converged_ == b.converged_
    assert a.n_features_in_ == b.n_features_in_


# --------------------------------------------------------------------------------------
# Public names and import hygiene


def test_public_names():
    for name in ["KMeans", "k_means", "kmeans_plusplus", "ConvergenceWarning"]:
        assert hasattr(kmeans_core, name)
    assert issubclass(kmeans_core.ConvergenceWarning, UserWarning)
    reference = importlib.import_module("kmeans_core.reference")  # for learners
    assert callable(reference.lloyd) and callable(reference.kmeans_plusplus)


def test_import_and_fit_do_not_import_heavy_optional_packages():
    code = (
        "import sys, numpy as np, kmeans_core\n"
        "kmeans_core.KMeans(2, random_state=0).fit(np.arange(20.0).reshape(10, 2))\n"
        "bad = [m for m in ('sklearn', 'pandas', 'matplotlib', 'dask') "
        "if m in sys.modules]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "", f"imported: {out.stdout.strip()}"


# --------------------------------------------------------------------------------------
# get_params / set_params / clone / Pipeline / GridSearchCV


def test_get_and_set_params():
    est = KMeans(n_clusters=3, random_state=1)
    params = est.get_params()
    assert params["n_clusters"] == 3 and params["random_state"] == 1
    assert est.get_params(deep=False) == params
    assert est.set_params(n_clusters=5, algorithm="elkan") is est
    assert est.n_clusters == 5 and est.algorithm == "elkan"
    with pytest.raises(ValueError, match="not_a_param"):
        est.set_params(not_a_param=1)
    repr(KMeans(init=init_rows(X, 3)))  # arrays in params must not break repr


def test_sklearn_clone_gives_an_unfitted_copy():
    base = pytest.importorskip("sklearn.base")
    init = init_rows(X, 3)
    est = KMeans(n_clusters=3, init=init, max_iter=50, algorithm="elkan").fit(X)
    copy = base.clone(est)
    assert type(copy) is KMeans
    assert not hasattr(copy, "cluster_centers_")
    params, copied = est.get_params(), copy.get_params()
    assert params.keys() == copied.keys()
    for key, value in params.items():
        np.testing.assert_array_equal(copied[key], value)
    assert_same_model(copy.fit(X), est)


def test_pipeline_with_standard_scaler():
    pytest.importorskip("sklearn")
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X_new = blobs(seed=1, n_samples=20, n_features=3, n_clusters=3)
    pipe = make_pipeline(StandardScaler(), KMeans(n_clusters=3, random_state=0))
    pipe.fit(X)
    scaler = StandardScaler().fit(X)
    alone = KMeans(n_clusters=3, random_state=0).fit(scaler.transform(X))
    np.testing.assert_array_equal(pipe[-1].labels_, alone.labels_)
    np.testing.assert_array_equal(
        pipe.predict(X_new), alone.predict(scaler.transform(X_new))
    )
    np.testing.assert_array_equal(
        pipe.transform(X_new), alone.transform(scaler.transform(X_new))
    )
    assert pipe.score(X_new) == alone.score(scaler.transform(X_new))
    np.testing.assert_array_equal(pipe.fit_predict(X), alone.labels_)


def test_grid_search_over_n_clusters_agrees_with_sklearn_kmeans():
    """Same seeds as scikit-learn, so the cross-validated scores agree too."""
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    from sklearn.model_selection import GridSearchCV

    grid = {"n_clusters": [2, 3, 4, 5]}
    ours = GridSearchCV(KMeans(random_state=0), grid, cv=3).fit(X)
    theirs = GridSearchCV(sklearn_cluster.KMeans(random_state=0), grid, cv=3).fit(X)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"],
        theirs.cv_results_["mean_test_score"],
        rtol=1e-7,
    )
    assert isinstance(ours.best_estimator_, KMeans)


def test_feature_names_out_match_sklearn():
    sklearn_cluster = pytest.importorskip("sklearn.cluster")
    ours = KMeans(n_clusters=3, random_state=0).fit(X).get_feature_names_out()
    theirs = sklearn_cluster.KMeans(n_clusters=3, random_state=0).fit(X)
    np.testing.assert_array_equal(ours, theirs.get_feature_names_out())


# --------------------------------------------------------------------------------------
# Methods against plain NumPy


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_transform_score_fit_predict_against_numpy(dtype):
    Xd = X.astype(dtype)
    sw = positive_weights(len(X), seed=2)
    est = KMeans(n_clusters=3, random_state=0).fit(Xd, sample_weight=sw)
    c = est.cluster_centers_.astype(np.float64)
    dist = np.sqrt(((X[:, None, :] - c[None]) ** 2).sum(axis=2))
    rtol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(est.transform(Xd), dist, rtol=rtol, atol=rtol)
    expected_score = -(dist.min(axis=1) ** 2 @ sw)
    np.testing.assert_allclose(
        est.score(Xd, sample_weight=sw), expected_score, rtol=rtol
    )
    np.testing.assert_allclose(est.score(Xd), -(dist.min(axis=1) ** 2).sum(), rtol=rtol)
    np.testing.assert_allclose(est.inertia_, -expected_score, rtol=rtol)

    again = KMeans(n_clusters=3, random_state=0)
    np.testing.assert_array_equal(
        again.fit_transform(Xd, sample_weight=sw), est.transform(Xd)
    )
    np.testing.assert_array_equal(
        KMeans(n_clusters=3, random_state=0).fit_predict(Xd, sample_weight=sw),
        est.labels_,
    )


def test_k_means_function_equals_estimator():
    sw = positive_weights(len(X), seed=1)
    est = KMeans(n_clusters=3, random_state=4, algorithm="elkan").fit(
        X, sample_weight=sw
    )
    centers, labels, inertia, n_iter = k_means(
        X, 3, sample_weight=sw, random_state=4, algorithm="elkan", return_n_iter=True
    )
    np.testing.assert_array_equal(centers, est.cluster_centers_)
    np.testing.assert_array_equal(labels, est.labels_)
    assert inertia == est.inertia_ and n_iter == est.n_iter_


# --------------------------------------------------------------------------------------
# dtypes


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_float32_stays_float32(algorithm):
    X32 = X.astype(np.float32)
    est = KMeans(n_clusters=3, random_state=0, algorithm=algorithm).fit(X32)
    assert est.cluster_centers_.dtype == np.float32
    assert est.transform(X32).dtype == np.float32
    assert est.fit_transform(X32).dtype == np.float32
    assert np.issubdtype(est.labels_.dtype, np.integer)
    assert np.issubdtype(est.predict(X32).dtype, np.integer)
    assert kmeans_plusplus(X32, 3, random_state=0)[0].dtype == np.float32
    assert k_means(X32, 3, random_state=0)[0].dtype == np.float32
    init = init_rows(X, 3)  # a float64 init array does not upcast float32 data
    assert KMeans(3, init=init).fit(X32).cluster_centers_.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.float64, np.bool_])
def test_other_dtypes_become_float64(dtype):
    data = (
        (np.abs(X) > 3).astype(dtype) if dtype == np.bool_ else (X * 10).astype(dtype)
    )
    est = fit_quietly(KMeans(n_clusters=2, random_state=0), data)
    assert est.cluster_centers_.dtype == np.float64


# --------------------------------------------------------------------------------------
# n_init and random_state


def test_n_init_auto_is_one_run_for_kmeans_plusplus():
    auto = KMeans(n_clusters=4, random_state=3).fit(X)
    one = KMeans(n_clusters=4, n_init=1, random_state=3).fit(X)
    assert_same_model(auto, one)


def test_n_init_auto_is_ten_runs_for_random():
    data = uniform(seed=1, n_samples=150)
    auto = KMeans(n_clusters=6, init="random", random_state=3).fit(data)
    ten = KMeans(n_clusters=6, init="random", n_init=10, random_state=3).fit(data)
    one = KMeans(n_clusters=6, init="random", n_init=1, random_state=3).fit(data)
    assert_same_model(auto, ten)
    assert auto.inertia_ <= one.inertia_  # best of runs that include the first


@pytest.mark.parametrize("n_init, expected_calls", [("auto", 10), (1, 1), (3, 3)])
def test_callable_init_is_called_once_per_run(n_init, expected_calls):
    calls = []

    def init(data, n_clusters, random_state):
        calls.append(random_state)
        rows = random_state.choice(len(data), size=n_clusters, replace=False)
        return data[rows]

    KMeans(n_clusters=3, init=init, n_init=n_init, random_state=0).fit(X)
    assert len(calls) == expected_calls


def test_best_of_several_runs_is_no_worse_than_the_first():
    data = uniform(seed=2, n_samples=200)
    one = KMeans(n_clusters=7, n_init=1, random_state=5).fit(data)
    many = KMeans(n_clusters=7, n_init=8, random_state=5).fit(data)
    assert many.inertia_ <= one.inertia_


def test_array_init_with_several_runs_warns_and_runs_once():
    init = init_rows(X, 3, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "auto" means one run: no warning
        once = KMeans(n_clusters=3, init=init).fit(X)
    with pytest.warns(RuntimeWarning, match=r"(?i)one init|n_init"):
        several = KMeans(n_clusters=3, init=init, n_init=4).fit(X)
    assert_same_model(once, several)


@pytest.mark.parametrize(
    "make_state",
    [
        lambda: 7,
        lambda: np.random.RandomState(7),
        lambda: np.random.default_rng(7),
    ],
    ids=["int", "RandomState", "Generator"],
)
def test_random_state_is_reproducible(make_state):
    a = KMeans(n_clusters=4, init="random", random_state=make_state()).fit(X)
    b = KMeans(n_clusters=4, init="random", random_state=make_state()).fit(X)
    assert_same_model(a, b)


def test_random_state_instance_is_consumed():
    state = np.random.RandomState(0)
    data = uniform(seed=3, n_samples=100)
    first = KMeans(n_clusters=5, init="random", n_init=1, random_state=state).fit(data)
    second = KMeans(n_clusters=5, init="random", n_init=1, random_state=state).fit(data)
    assert not np.array_equal(first.cluster_centers_, second.cluster_centers_)


# --------------------------------------------------------------------------------------
# Warnings and converged_


def test_clean_fit_raises_no_warning_and_converges():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        est = KMeans(n_clusters=3, random_state=0).fit(X)
    assert est.converged_ is True or est.converged_ == np.True_
    assert est.n_iter_ < est.max_iter


def test_fewer_distinct_points_than_clusters_warns():
    data = few_distinct(n_distinct=3)
    with pytest.warns(ConvergenceWarning, match=r"(?i)distinct"):
        est = KMeans(n_clusters=5, random_state=0).fit(data)
    assert len(np.unique(est.labels_)) == 3


@pytest.mark.parametrize("algorithm", ["lloyd", "elkan"])
def test_reaching_max_iter_warns_and_sets_converged_false(algorithm):
    data = uniform(seed=4, n_samples=200)
    init = init_rows(data, 6, seed=0)
    params = dict(n_clusters=6, init=init, tol=0.0, algorithm=algorithm)
    full = KMeans(**params).fit(data)
    assert full.converged_ and full.n_iter_ > 2
    with pytest.warns(ConvergenceWarning, match="max_iter"):
        cut = KMeans(max_iter=full.n_iter_ - 1, **params).fit(data)
    assert not cut.converged_
    assert cut.n_iter_ == full.n_iter_ - 1
    # converging on the very last allowed iteration is still converging
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exact = KMeans(max_iter=full.n_iter_, **params).fit(data)
    assert exact.converged_
    assert_same_model(exact, full)


def test_stopping_by_tol_counts_as_converged():
    data = uniform(seed=4, n_samples=200)
    init = init_rows(data, 6, seed=0)
    strict = KMeans(n_clusters=6, init=init, tol=0.0).fit(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        loose = KMeans(n_clusters=6, init=init, tol=0.05, max_iter=strict.n_iter_).fit(
            data
        )
    assert loose.n_iter_ < strict.n_iter_
    assert loose.converged_


def test_history_when_recorded():
    data = uniform(seed=5, n_samples=150)
    init = init_rows(data, 5, seed=0)
    est = KMeans(n_clusters=5, init=init, tol=0.0, record_history=True).fit(data)
    inertias = [entry["inertia"] for entry in est.history_]
    assert len(inertias) >= est.n_iter_
    assert all(
        b <= a * (1 + 1e-12) for a, b in zip(inertias, inertias[1:], strict=False)
    )
    np.testing.assert_allclose(inertias[-1], est.inertia_, rtol=1e-12)
    np.testing.assert_array_equal(est.history_[0]["centers"], init)
    assert not hasattr(KMeans(n_clusters=5, init=init).fit(data), "history_")


# --------------------------------------------------------------------------------------
# DataFrames


def test_feature_names_in_from_a_dataframe():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X, columns=["recency", "frequency", "monetary"])
    est = KMeans(n_clusters=3, random_state=0).fit(frame)
    np.testing.assert_array_equal(
        est.feature_names_in_, ["recency", "frequency", "monetary"]
    )
    assert est.n_features_in_ == 3
    assert_same_model(est, KMeans(n_clusters=3, random_state=0).fit(X))
    np.testing.assert_array_equal(est.predict(frame), est.labels_)
    with pytest.raises(ValueError, match=r"(?i)feature names"):
        est.predict(frame[["frequency", "recency", "monetary"]])
    est.fit(X)  # refitting on an array forgets the names
    assert not hasattr(est, "feature_names_in_")


# --------------------------------------------------------------------------------------
# Pickle and the pickle-free .npz format


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pickle_round_trip(dtype):
    est = KMeans(n_clusters=3, random_state=0).fit(X.astype(dtype))
    back = pickle.loads(pickle.dumps(est))
    assert_same_model(back, est)
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    unfitted = pickle.loads(pickle.dumps(KMeans(n_clusters=4, tol=0.5)))
    assert unfitted.get_params() == KMeans(n_clusters=4, tol=0.5).get_params()


def _fitted_variants():
    pd = pytest.importorskip("pandas")
    return {
        "float64": KMeans(n_clusters=3, random_state=0).fit(X),
        "float32": KMeans(n_clusters=3, algorithm="elkan").fit(X.astype(np.float32)),
        "array-init": KMeans(n_clusters=3, init=init_rows(X, 3), tol=0.0).fit(X),
        "dataframe": KMeans(n_clusters=3, random_state=1).fit(
            pd.DataFrame(X, columns=["a", "b", "c"])
        ),
    }


@pytest.mark.parametrize("variant", ["float64", "float32", "array-init", "dataframe"])
def test_save_load_round_trip(variant, tmp_path):
    est = _fitted_variants()[variant]
    path = tmp_path / "model.npz"
    est.save(path)
    back = KMeans.load(path)
    assert type(back) is KMeans
    assert_same_model(back, est)
    params, loaded = est.get_params(), back.get_params()
    assert params.keys() == loaded.keys()
    for key, value in params.items():
        np.testing.assert_array_equal(loaded[key], value)
    if hasattr(est, "feature_names_in_"):
        np.testing.assert_array_equal(back.feature_names_in_, est.feature_names_in_)
    else:
        assert not hasattr(back, "feature_names_in_")
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    np.testing.assert_array_equal(back.transform(X), est.transform(X))
    KMeans.load(str(path))  # str paths work too
    # the file is plain arrays: NumPy reads it without pickle
    with np.load(path, allow_pickle=False) as archive:
        for name in archive.files:
            assert archive[name].dtype != object


def test_save_before_fit_raises(tmp_path):
    with pytest.raises(kmeans_core.NotFittedError):
        KMeans(n_clusters=3).save(tmp_path / "model.npz")
    assert not (tmp_path / "model.npz").exists()


def test_save_with_callable_init_is_refused(tmp_path):
    est = KMeans(n_clusters=3, init=lambda d, k, random_state: d[:k], n_init=1).fit(X)
    with pytest.raises(ValueError, match=r"(?i)callable"):
        est.save(tmp_path / "model.npz")


class _Payload:
    """Unpickling this calls os.mkdir(path): proof that code from the file ran."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (os.mkdir, (self.path,))


def _rewrite(src, dst, **replace):
    with np.load(src, allow_pickle=False) as archive:
        arrays = {name: archive[name] for name in archive.files}
    arrays.update(replace)
    np.savez(dst, **arrays)


def test_load_refuses_pickled_objects_and_runs_no_code(tmp_path):
    good = tmp_path / "good.npz"
    KMeans(n_clusters=3, random_state=0).fit(X).save(good)
    sentinel = tmp_path / "code-was-executed"
    evil = np.empty(1, dtype=object)
    evil[0] = _Payload(str(sentinel))
    for key in ["labels_", "meta", "cluster_centers_", "extra"]:
        bad = tmp_path / f"evil-{key}.npz"
        _rewrite(good, bad, **{key: evil})
        with pytest.raises(ValueError, match=r"(?i)pickle"):
            KMeans.load(bad)
        assert not sentinel.exists()


@pytest.mark.parametrize(
    "tamper, match",
    [
        (lambda meta: meta.update(format="something-else"), r"(?i)model file"),
        (lambda meta: meta.update(version=999), r"(?i)version"),
        (lambda meta: meta["params"].update(n_clusters=0), "n_clusters"),
        (lambda meta: meta["params"].update(algorithm="os.system"), "algorithm"),
    ],
    ids=["format", "version", "n_clusters", "algorithm"],
)
def test_load_refuses_tampered_metadata(tmp_path, tamper, match):
    good = tmp_path / "good.npz"
    KMeans(n_clusters=3, random_state=0).fit(X).save(good)
    with np.load(good, allow_pickle=False) as archive:
        meta = json.loads(str(archive["meta"]))
    tamper(meta)
    bad = tmp_path / "bad.npz"
    _rewrite(good, bad, meta=np.asarray(json.dumps(meta)))
    with pytest.raises(ValueError, match=match):
        KMeans.load(bad)


@pytest.mark.parametrize(
    "replace",
    [
        {"cluster_centers_": np.ones((2, 3))},  # not n_clusters rows
        {"cluster_centers_": np.full((3, 3), np.nan)},
        {"cluster_centers_": np.ones(3)},
        {"labels_": np.ones(120)},  # float labels
    ],
    ids=["centers-rows", "centers-nan", "centers-1d", "labels-float"],
)
def test_load_refuses_inconsistent_arrays(tmp_path, replace):
    good = tmp_path / "good.npz"
    KMeans(n_clusters=3, random_state=0).fit(X).save(good)
    bad = tmp_path / "bad.npz"
    _rewrite(good, bad, **replace)
    with pytest.raises(ValueError):
        KMeans.load(bad)


def test_load_refuses_files_that_are_not_models(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_text("hello")
    with pytest.raises(ValueError):
        KMeans.load(text)
    arrays = tmp_path / "arrays.npz"
    np.savez(arrays, a=np.ones(3))
    with pytest.raises(ValueError, match="meta|cluster_centers_"):
        KMeans.load(arrays)
    empty_zip = tmp_path / "empty.npz"
    with zipfile.ZipFile(empty_zip, "w"):
        pass
    with pytest.raises(ValueError):
        KMeans.load(empty_zip)
    with pytest.raises(FileNotFoundError):
        KMeans.load(tmp_path / "missing.npz")


@pytest.mark.parametrize("n_clusters", [np.int64(3), np.int32(3), 3])
def test_numpy_integers_are_integers(n_clusters):
    est = KMeans(n_clusters=n_clusters, random_state=0).fit(X)
    assert est.cluster_centers_.shape == (3, 3)
    assert kmeans_plusplus(X, n_clusters, random_state=0)[0].shape == (3, 3)


# --------------------------------------------------------------------------------------
# algorithm="auto"


@pytest.mark.parametrize(
    "n_clusters, n_features, expected",
    [
        (32, 16, "hamerly"),
        (128, 64, "hamerly"),
        (256, 32, "hamerly"),
        (128, 128, "yinyang"),  # large k * d: one lower bound prunes too little
        (256, 64, "yinyang"),
        (1024, 16, "yinyang"),
        (64, 512, "hamerly"),  # few groups at small k
        (512, 15, "lloyd"),  # low d: Lloyd's direct kernels
        (31, 64, "lloyd"),
        (8, 4, "lloyd"),
    ],
)
def test_auto_algorithm_picks_by_shape(n_clusters, n_features, expected):
    from kmeans_core.drivers import auto_algorithm

    assert auto_algorithm(n_clusters, n_features) == expected


def test_auto_gives_way_to_hamerly_where_yinyangs_bounds_would_not_fit():
    from kmeans_core._config import YINYANG_MAX_BOUND_BYTES
    from kmeans_core.drivers import auto_algorithm
    from kmeans_core.drivers.dispatch import yinyang_group_count

    groups = yinyang_group_count(1024)
    fits = YINYANG_MAX_BOUND_BYTES // (groups * 4)
    assert auto_algorithm(1024, 128, fits, 4) == "yinyang"
    assert auto_algorithm(1024, 128, fits + 1, 4) == "hamerly"
    assert auto_algorithm(1024, 128, fits, 8) == "hamerly"


def test_the_default_algorithm_is_auto_and_gives_lloyds_fit():
    from kmeans_core import k_means

    assert KMeans().algorithm == "auto"
    assert inspect.signature(k_means).parameters["algorithm"].default == "auto"
    # Overlapping blobs, as in the test below: enough iterations to prune in.
    data = blobs(seed=4, n_samples=3000, n_features=32, n_clusters=40, spread=3.0)
    default = KMeans(40, random_state=2).fit(data)
    lloyd = KMeans(40, random_state=2, algorithm="lloyd").fit(data)
    assert_same_model(default, lloyd)
    assert default.n_distance_evaluations_ < lloyd.n_distance_evaluations_


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "n_features, n_clusters, pruner", [(32, 40, "hamerly"), (128, 130, "yinyang")]
)
def test_auto_gives_lloyds_result_where_it_prunes(
    n_features, n_clusters, pruner, dtype
):
    # Overlapping blobs, so the fit takes a few iterations for the bounds to
    # save distances in (well separated ones converge in two).
    data = blobs(
        seed=4, n_samples=3000, n_features=n_features, n_clusters=n_clusters, spread=3.0
    ).astype(dtype)
    weights = positive_weights(seed=4, n_samples=3000)
    fits = [
        KMeans(n_clusters, algorithm=algorithm, random_state=2).fit(
            data, sample_weight=weights
        )
        for algorithm in ("auto", "lloyd", pruner)
    ]
    assert_same_model(fits[0], fits[1])
    assert_same_model(fits[0], fits[2])
    # auto really took the pruning path: fewer distances than Lloyd's n * k a
    # pass (its final exhaustive pass, when it runs, included)
    assert fits[0].n_distance_evaluations_ == fits[2].n_distance_evaluations_
    assert fits[0].n_distance_evaluations_ < fits[1].n_distance_evaluations_


# --------------------------------------------------------------------------------------
# random_state: an int reseeds one generator per thread where that is safe


def test_reused_generator_draws_what_a_new_randomstate_draws():
    from kmeans_core._validation import check_random_state

    first = check_random_state(3, reuse=True)
    drawn = first.uniform(size=5)
    again = check_random_state(3, reuse=True)
    assert again is first  # reseeded, not rebuilt
    np.testing.assert_array_equal(again.uniform(size=5), drawn)
    np.testing.assert_array_equal(drawn, np.random.RandomState(3).uniform(size=5))
    assert check_random_state(3) is not first  # the default builds a new one


def test_callable_init_gets_a_generator_of_its_own():
    """A callable init may keep the generator; later fits must not reseed it."""
    kept = []

    def init(X, n_clusters, random_state):
        kept.append(random_state)
        return X[:n_clusters].copy()

    X = blobs(seed=1, n_samples=300, n_features=2, n_clusters=3)
    KMeans(3, init=init, n_init=1, random_state=5).fit(X)
    state = kept[0].get_state()[1].copy()
    KMeans(3, random_state=9).fit(X)  # a k-means++ fit on the same thread
    np.testing.assert_array_equal(kept[0].get_state()[1], state)


@pytest.mark.parametrize("n_samples, n_clusters", [(100, 3), (5000, 3), (200_000, 7)])
def test_distinct_labels_are_counted_exactly(n_samples, n_clusters):
    # The count first looks at every 64th label (for large enough n): a value
    # held only by rows outside that sample must still be counted.
    from kmeans_core._stats import count_distinct_labels

    rng = np.random.default_rng(n_samples)
    labels = rng.integers(0, n_clusters, n_samples).astype(np.int32)
    assert count_distinct_labels(labels, n_clusters) == np.unique(labels).size
    last = n_clusters - 1
    only_outside_sample = np.where(labels == last, 0, labels).astype(np.int32)
    only_outside_sample[1] = last
    assert count_distinct_labels(only_outside_sample, n_clusters) == n_clusters
    missing = np.where(labels == last, 0, labels).astype(np.int32)
    assert count_distinct_labels(missing, n_clusters) == n_clusters - 1
