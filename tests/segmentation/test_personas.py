"""Personas from z-scores: vocabulary, distinct names, overrides."""

import json

import numpy as np
import pandas as pd
import pytest

from segmentation.io import DataError
from segmentation.personas import derive_personas, role_of
from segmentation.profiles import profile_segments


def _profiles(means: dict[str, list[float]], n_per=50, seed=0):
    """A table whose segments have the given means (unit noise)."""
    rng = np.random.default_rng(seed)
    k = len(next(iter(means.values())))
    labels = np.repeat(np.arange(k), n_per)
    frame = pd.DataFrame(
        {
            c: np.asarray(v, float)[labels] + rng.normal(0, 1, len(labels))
            for c, v in means.items()
        }
    )
    return profile_segments(frame, labels, list(means))


@pytest.mark.parametrize(
    ("column", "role"),
    [
        ("Age", "age"),
        ("Annual Income (k$)", "income"),
        ("salary_eur", "income"),
        ("Spending Score (1-100)", "spending"),
        ("days_since_last_order", "recency"),
        ("Recency", "recency"),
        ("num_orders", "frequency"),
        ("total_spent", "monetary"),
        ("tenure_months", "tenure"),
        ("web_visits", "visits"),
        ("colour", None),
        ("years_old", "age"),
        ("CustomerAge", "age"),
        ("average_basket", None),
        ("page_views", None),
    ],
)
def test_roles_from_column_names(column, role):
    assert role_of(column) == role


def test_names_follow_patterns_not_numbering():
    means = {
        "years_old": [60, 25, 40],
        "salary": [50, 30, 90],
        "spend_score": [50, 80, 20],
    }
    names = [p.name for p in derive_personas(_profiles(means))]
    assert names == [
        "Conservative Elders",
        "Young Impulsive Buyers",
        "Wealthy Minimalists",
    ]
    # Reordering the segments moves the names with them.
    reordered = {c: v[::-1] for c, v in means.items()}
    assert [p.name for p in derive_personas(_profiles(reordered))] == names[::-1]


def test_names_always_distinct_even_for_similar_segments():
    means = {"income": [90, 91, 92, 20, 21], "spending": [90, 91, 92, 20, 21]}
    personas = derive_personas(_profiles(means))
    names = [p.name for p in personas]
    assert len(set(names)) == 5
    for p in personas:
        assert 2 <= len(p.actions) <= 4 and p.description.endswith(".")


def test_average_segment_and_generic_fallback():
    means = {"widgets": [0, 0, 10], "gadgets": [0, 10, 0]}
    names = {p.name for p in derive_personas(_profiles(means))}
    assert "High widgets, Low gadgets" in names
    assert "High gadgets, Low widgets" in names


def test_user_overrides_rules_and_segments(tmp_path):
    means = {"income": [90, 20], "spending": [90, 20]}
    path = tmp_path / "p.json"
    path.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "when": {"income": "high", "spending": "high"},
                        "name": "Gold Club",
                        "actions": ["Invite to the gold club", "Send a thank-you gift"],
                    }
                ],
                "segments": {"1": {"name": "Savers"}},
            }
        )
    )
    personas = derive_personas(_profiles(means), path)
    assert personas[0].name == "Gold Club" and personas[0].rule == "user"
    assert personas[0].actions == ("Invite to the gold club", "Send a thank-you gift")
    assert personas[1].name == "Savers" and personas[1].rule == "segment"


@pytest.mark.parametrize(
    "payload",
    [
        '{"rules": [{"name": "x"}]}',
        '{"colours": 1}',
        "not json",
        '{"rules": [{"when": {"income": "huge"}, "name": "x"}]}',
    ],
)
def test_bad_overrides_are_data_errors(tmp_path, payload):
    path = tmp_path / "p.json"
    path.write_text(payload)
    with pytest.raises(DataError):
        derive_personas(_profiles({"income": [1, 9]}), path)
