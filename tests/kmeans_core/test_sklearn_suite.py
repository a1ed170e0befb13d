"""scikit-learn's own tests, run against kmeans_core.

* ``sklearn/cluster/tests/test_k_means.py`` (when the installed scikit-learn
  ships it) in a separate pytest process, with ``KMeans``, ``k_means`` and
  ``kmeans_plusplus`` replaced by ours and the tests of ``MiniBatchKMeans``
  and of scikit-learn's private helpers left out
  (``sklearn_suite_plugin``).  Dense and sparse, float32 included.
* ``check_estimator``: every check that scikit-learn's own estimator passes,
  ours passes too.  Ours are not ``ClusterMixin`` subclasses (that would
  import scikit-learn), so ``check_estimator`` leaves out the clustering
  checks: they are run here directly.
"""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
import warnings

import pytest

import kmeans_core

sklearn = pytest.importorskip("sklearn")
estimator_checks = pytest.importorskip("sklearn.utils.estimator_checks")

#: The share of the applicable tests that must pass (issue 23's target).
MIN_PASS_RATE = 0.95

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_sklearn_kmeans_test_module(tmp_path):
    module = pathlib.Path(sklearn.__file__).parent / "cluster/tests/test_k_means.py"
    if not module.exists():
        pytest.skip("this scikit-learn does not ship its tests")
    report = tmp_path / "outcomes.json"
    env = dict(
        os.environ,
        KMEANS_SUITE_REPORT=str(report),
        SKLEARN_RUN_FLOAT32_TESTS="1",
        PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    )
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--pyargs",
            "sklearn.cluster.tests.test_k_means",
            "-p",
            "tests.kmeans_core.sklearn_suite_plugin",
            "-p",
            "no:cacheprovider",
            # In this process: the plugin writes one report (our pyproject's
            # addopts would start xdist workers).
            "-n",
            "0",
            "-q",
            "-W",
            "ignore",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert report.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    outcomes = json.loads(report.read_text())
    ran = len(outcomes["passed"]) + len(outcomes["failed"])
    assert ran > 150, outcomes  # the substitution and the selection worked
    rate = len(outcomes["passed"]) / ran
    assert rate >= MIN_PASS_RATE, outcomes["failed"]
    # The tests really ran on ours: the plugin reports every test it kept.
    assert any("sparse" in name for name in outcomes["passed"])


def check_results(estimator):
    """``{check name: status}`` of ``check_estimator`` (checks run more than once
    under one name must pass every time)."""
    statuses: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for result in estimator_checks.check_estimator(estimator, on_fail=None):
            name = result["check_name"]
            if statuses.get(name, "passed") == "passed" or result["status"] == "failed":
                statuses[name] = result["status"]
    return statuses


@pytest.mark.slow
@pytest.mark.parametrize("name", ["KMeans", "MiniBatchKMeans"])
def test_check_estimator_passes_what_sklearn_passes(name):
    import sklearn.cluster

    theirs = check_results(getattr(sklearn.cluster, name)(n_init=1))
    ours = check_results(getattr(kmeans_core, name)(n_init=1))
    theirs_passed = {check for check, status in theirs.items() if status == "passed"}
    ours_passed = {check for check, status in ours.items() if status == "passed"}
    clustering = {
        getattr(check, "func", check).__name__
        for check in estimator_checks._yield_clustering_checks(
            getattr(kmeans_core, name)()
        )
    }
    missing = theirs_passed - ours_passed - clustering
    assert not missing, {check: ours.get(check) for check in missing}
    # The clustering checks, which check_estimator runs only for ClusterMixin.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for check in estimator_checks._yield_clustering_checks(
            getattr(kmeans_core, name)()
        ):
            check(name, getattr(kmeans_core, name)(n_init=1))


def test_exceptions_are_scikit_learns_too_when_it_is_loaded():
    import numpy as np
    from sklearn.exceptions import ConvergenceWarning, NotFittedError

    with pytest.raises(NotFittedError) as info:
        kmeans_core.KMeans(3).predict(np.zeros((2, 2)))
    assert isinstance(info.value, kmeans_core.NotFittedError)
    X = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 1.0]])
    with pytest.warns(ConvergenceWarning, match="distinct clusters") as record:
        kmeans_core.KMeans(3, n_init=1, random_state=0).fit(X)
    assert all(isinstance(w.message, kmeans_core.ConvergenceWarning) for w in record)


def test_exceptions_do_not_load_scikit_learn():
    """Without scikit-learn loaded, raising and warning never import it."""
    code = (
        "import sys, warnings\n"
        "import numpy as np, kmeans_core\n"
        "warnings.simplefilter('ignore')\n"
        "kmeans_core.KMeans(3, n_init=1).fit(np.array([[0.0], [1.0], [1.0]]))\n"
        "try:\n"
        "    kmeans_core.KMeans(2).predict(np.zeros((1, 1)))\n"
        "except kmeans_core.NotFittedError as exc:\n"
        "    assert type(exc) is kmeans_core.NotFittedError\n"
        "assert not any(m.startswith('sklearn') for m in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
