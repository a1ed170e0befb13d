"""Auto k and personas on tables that are not the Mall schema."""

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from segmentation.pipeline import segment
from tests.segmentation.conftest import planted_blobs


def test_recovers_four_groups_with_other_column_names():
    centers = np.array(
        [[12, 20, 2], [48, 25, 8], [30, 80, 4], [60, 70, 12]], dtype=float
    )
    frame, truth = planted_blobs(
        4000,
        centers,
        3.0,
        ["tenure_months", "avg_basket_eur", "store_visits_pm"],
        seed=1,
    )
    frame.insert(0, "member_no", np.arange(len(frame)))
    result = segment(frame, k="auto", random_state=0)
    assert result.k == 4
    assert "member_no" not in result.features
    assert adjusted_rand_score(truth, result.labels) > 0.95
    assert len(set(result.persona_names)) == 4
    assert result.selection.votes["silhouette"] == 4


def test_rfm_table_gets_rfm_personas():
    # Champions, lapsed and new customers, in RFM units.
    centers = np.array([[5, 30, 3000], [200, 2, 150], [10, 2, 200]], dtype=float)
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 3, size=5000)
    X = centers[truth] * rng.lognormal(0.0, 0.15, size=(5000, 3))
    frame = pd.DataFrame(X, columns=["Recency (days)", "Frequency", "Monetary"])
    result = segment(frame, k="auto", random_state=0)
    assert result.k == 3
    assert adjusted_rand_score(truth, result.labels) > 0.95
    names = {}
    for p in result.personas:
        group = np.bincount(truth[result.labels == p.segment]).argmax()
        names[group] = p.name
    assert names[0] == "Champions"
    assert names[1] == "Lapsed Customers"
    assert names[2] == "Promising Newcomers"


def test_unknown_columns_get_generic_distinct_names():
    centers = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], dtype=float)
    frame, _ = planted_blobs(1200, centers, 1.0, ["foo_a", "bar_b"], seed=3)
    result = segment(frame, k=4, scale="none")
    names = result.persona_names
    assert len(set(names)) == 4
    assert "High foo_a, Low bar_b" in names and "High bar_b, Low foo_a" in names
    assert all(2 <= len(p.actions) <= 4 for p in result.personas)


def test_no_structure_is_said_explicitly():
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.uniform(size=(600, 2)), columns=["u", "v"])
    result = segment(frame, k="auto", k_range=(2, 6))
    sel = result.selection
    assert sel.votes["gap"] is None
    assert (
        "no cluster structure" in sel.reason
        or "gap statistic keeps rising" in sel.reason
    )
