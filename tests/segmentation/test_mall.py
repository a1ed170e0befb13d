"""Facts about the public Mall Customers data that a correct pipeline reproduces."""

import numpy as np
import pytest

from segmentation.cli import main
from segmentation.pipeline import segment

PUBLISHED_FIVE = {
    "Conservative Elders",
    "Premium Spenders",
    "Young Impulsive Buyers",
    "Frugal Millennials",
    "Wealthy Minimalists",
}


def test_age_income_raw_k4_has_vip_segment(mall_csv):
    result = segment(mall_csv, ["age", "income"], k=4, scale="none", random_state=0)
    centers = result.centers.to_numpy()
    vip = int(np.argmax(centers[:, 1]))
    assert centers[vip, 0] == pytest.approx(39, abs=2)
    assert centers[vip, 1] == pytest.approx(106, abs=3)
    assert 20 <= result.profiles.size[vip] <= 28
    assert "VIP" in result.personas[vip].name
    assert result.scale == "none"


def test_three_features_standardised_k5_gives_published_personas(mall_csv):
    result = segment(mall_csv, ["age", "income", "spending"], k=5, random_state=0)
    assert set(result.persona_names) == PUBLISHED_FIVE
    means = result.profiles.mean
    by_name = {p.name: p.segment for p in result.personas}
    income = "Annual Income (k$)"
    spend = "Spending Score (1-100)"
    # The names agree with the numbers, read in original units.
    assert means.loc[by_name["Premium Spenders"], income] > 75
    assert means.loc[by_name["Premium Spenders"], spend] > 75
    assert means.loc[by_name["Wealthy Minimalists"], spend] < 25
    assert means.loc[by_name["Conservative Elders"], "Age"] > 50
    assert means.loc[by_name["Young Impulsive Buyers"], "Age"] < 30
    assert means.loc[by_name["Frugal Millennials"], income] < 35
    # Gender mix is profiled although it was not a feature.
    mix = result.profiles.categorical["Genre"]
    np.testing.assert_allclose(mix.sum(axis=1), 1.0)


def test_personas_do_not_depend_on_row_order(mall_csv):
    import pandas as pd

    frame = pd.read_csv(mall_csv, dtype={"CustomerID": str})
    shuffled = frame.sample(frac=1.0, random_state=7).reset_index(drop=True)
    a = segment(frame, ["age", "income", "spending"], k=5).segments_frame()
    b = segment(shuffled, ["age", "income", "spending"], k=5).segments_frame()
    merged = a.merge(b, on="CustomerID")
    assert (merged["persona_x"] == merged["persona_y"]).all()


def test_auto_k_is_defensible_with_evidence(mall_csv, tmp_path, capsys):
    code = main(["run", str(mall_csv), "--k", "auto", "--out", str(tmp_path)])
    assert code == 0
    import json

    summary = json.loads((tmp_path / "summary.json").read_text())
    sel = summary["k_selection"]
    # Published analyses and the validity indices support 4 to 6 segments.
    assert 4 <= summary["k"] <= 6
    assert f"k = {summary['k']}: chosen by" in sel["reason"]
    assert sel["elbow"].startswith(("clear elbow", "no clear elbow"))
    assert len(sel["per_k"]["silhouette"]) == 9
    assert sum(v == summary["k"] for v in sel["votes"].values()) >= 2
    assert len({s["persona"]["name"] for s in summary["segments"]}) == summary["k"]
