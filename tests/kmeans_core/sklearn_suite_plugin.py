"""A pytest plugin that runs scikit-learn's own k-means tests against kmeans_core.

Loaded with ``-p tests.kmeans_core.sklearn_suite_plugin`` in a separate pytest
process (``test_sklearn_suite.py`` starts it) over
``--pyargs sklearn.cluster.tests.test_k_means``:

* before that module is imported, ``sklearn.cluster``'s ``KMeans``, ``k_means``
  and ``kmeans_plusplus`` are replaced by kmeans_core's, so the module's
  ``from sklearn.cluster import ...`` picks ours up (also inside its
  parametrisations);
* the tests of ``MiniBatchKMeans`` (kept as scikit-learn's, not substituted)
  and of scikit-learn's private helpers are deselected: they test scikit-learn,
  not a drop-in;
* the outcome counts go to the JSON file named by ``KMEANS_SUITE_REPORT``.
"""

from __future__ import annotations

import json
import os

#: Tests that call scikit-learn's private helpers rather than the public API.
PRIVATE_HELPER_TESTS = {
    "test_relocate_empty_clusters",
    "test_minibatch_update_consistency",
    "test_minibatch_reassign",
    "test_euclidean_distance",
    "test_inertia",
    "test_is_same_clustering",
}

_outcomes: dict[str, list[str]] = {"passed": [], "failed": [], "skipped": []}


def pytest_configure(config):
    import sklearn.cluster

    import kmeans_core

    sklearn.cluster.KMeans = kmeans_core.KMeans
    sklearn.cluster.k_means = kmeans_core.k_means
    sklearn.cluster.kmeans_plusplus = kmeans_core.kmeans_plusplus


def _is_minibatch(item) -> bool:
    if "minibatch" in item.name.lower():
        return True
    callspec = getattr(item, "callspec", None)
    if callspec is None:
        return False
    return any(
        getattr(value, "__name__", "") == "MiniBatchKMeans"
        for value in callspec.params.values()
    )


def pytest_collection_modifyitems(config, items):
    kept, dropped = [], []
    for item in items:
        name = item.name.split("[")[0]
        if name in PRIVATE_HELPER_TESTS or _is_minibatch(item):
            dropped.append(item)
        else:
            kept.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_runtest_logreport(report):
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        _outcomes[report.outcome].append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    path = os.environ.get("KMEANS_SUITE_REPORT")
    if path:
        with open(path, "w") as fh:
            json.dump(_outcomes, fh, indent=1)
