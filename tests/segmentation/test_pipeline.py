"""segment() end to end: result shape, units, scaling, determinism, selection."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from segmentation.datasets import MALL_COLUMNS, make_customers
from segmentation.io import DataError
from segmentation.pipeline import segment
from segmentation.selection import _gap_choice, select_k


@pytest.fixture(scope="module")
def demo():
    return make_customers(300, random_state=1)


def test_make_customers_schema_and_seed():
    a, b = make_customers(150, random_state=3), make_customers(150, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert tuple(a.columns) == MALL_COLUMNS and len(a) == 150
    assert (
        a["Age"].between(18, 70).all()
        and a["Spending Score (1-100)"].between(1, 99).all()
    )
    assert set(a["Gender"]) == {"Female", "Male"} and a["CustomerID"].is_unique
    assert not make_customers(150, random_state=4).equals(a)


@pytest.mark.parametrize("scale", ["standard", "minmax", "none"])
def test_centroids_are_in_original_units(demo, scale):
    result = segment(demo, ["age", "income", "spending"], k=4, scale=scale)
    feats = list(result.features)
    for s in range(4):
        members = demo.loc[result.labels == s, feats].to_numpy(float)
        np.testing.assert_allclose(
            result.centers.loc[s].to_numpy(), members.mean(axis=0)
        )
    np.testing.assert_allclose(
        result.profiles.mean[feats].to_numpy(), result.centers.to_numpy()
    )
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.k = 3


def test_segments_numbered_by_size_and_seeded(demo):
    a = segment(demo, k=5, random_state=2)
    b = segment(demo, k=5, random_state=2)
    np.testing.assert_array_equal(a.labels, b.labels)
    sizes = np.bincount(a.labels)
    assert (np.diff(sizes) <= 0).all()
    z = a.profiles.zscores["Age"]
    expected = (a.profiles.mean["Age"] - demo["Age"].mean()) / demo["Age"].std(ddof=0)
    np.testing.assert_allclose(z, expected)


def test_parameter_errors(demo):
    with pytest.raises(DataError, match="unknown scale"):
        segment(demo, k=3, scale="log")
    with pytest.raises(DataError, match="whole number or 'auto'"):
        segment(demo, k="five")
    with pytest.raises(DataError, match="rows but the k range goes up to 10"):
        segment(demo.head(8), k="auto")


def test_selection_evidence_is_complete(demo):
    result = segment(demo, k="auto", k_range=(2, 7))
    sel = result.selection
    assert sel.ks == (2, 3, 4, 5, 6, 7)
    for arr in (
        sel.inertia,
        sel.silhouette,
        sel.calinski_harabasz,
        sel.davies_bouldin,
        sel.gap,
    ):
        assert arr.shape == (6,) and np.isfinite(arr).all()
    assert (np.diff(sel.inertia) < 0).all()
    assert sel.k == result.k and sel.reason.startswith(f"k = {result.k}:")
    assert set(sel.votes) == {
        "elbow",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "gap",
    }
    # The six criteria, and the mean bootstrap stability of each k.
    assert sel.table().shape == (6, 7) and "stability" in sel.table().columns


def test_gap_one_se_rule():
    ks = (1, 2, 3, 4)
    # Gap(2) >= Gap(3) - s3, so 2 is chosen although Gap keeps rising a little.
    assert (
        _gap_choice(ks, np.array([0.1, 0.5, 0.55, 0.6]), np.array([0.1, 0.1, 0.1, 0.1]))
        == 2
    )
    assert _gap_choice(ks, np.array([0.1, 0.5, 0.9, 1.3]), np.full(4, 0.01)) is None
    assert _gap_choice(ks, np.array([0.5, 0.45, 0.4, 0.3]), np.full(4, 0.01)) == 1


def test_select_k_on_well_separated_blobs():
    rng = np.random.default_rng(0)
    X = np.concatenate(
        [rng.normal(c, 0.3, size=(100, 2)) for c in ([0, 0], [5, 0], [0, 5])]
    )
    sel = select_k(X, (2, 6))
    assert sel.k == 3 and sel.votes["gap"] == 3 and sel.votes["elbow"] == 3
    assert "chosen by 5 of 5 criteria" in sel.reason


def test_package_exports():
    import segmentation

    assert segmentation.segment is segment
    assert segmentation.make_customers is make_customers
    assert issubclass(segmentation.DataError, ValueError)
