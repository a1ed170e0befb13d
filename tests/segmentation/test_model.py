"""model.json and assign: a saved run puts new customers into its segments."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

import kmeans_core
from segmentation import load_model, make_customers
from segmentation.cli import main
from segmentation.io import DataError
from segmentation.model import SCHEMA_VERSION


def _run(capsys, argv):
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.fixture(scope="module", params=["mall", "synthetic"])
def trained(request, tmp_path_factory):
    """A `run` output folder and its training table (Mall: --k auto)."""
    folder = tmp_path_factory.mktemp(request.param)
    if request.param == "mall":
        from tests.segmentation.conftest import MALL_CSV

        if not MALL_CSV.is_file():
            pytest.skip(f"Mall Customers data not found at {MALL_CSV}")
        table = folder / "Mall_Customers.csv"
        shutil.copy(MALL_CSV, table)
        extra = ["--features", "age", "income", "spending"]
    else:
        table = folder / "customers.csv"
        make_customers(300, random_state=4).to_csv(table, index=False)
        extra = ["--k", "5", "--scale", "minmax"]
    out = folder / "run"
    argv = ["run", str(table), *extra, "--stability-resamples", "2", "--no-plots"]
    assert main([*argv, "--no-progress", "--out", str(out)]) == 0
    return out, table


def _shuffled_copy(table, tmp_path):
    """Rows shuffled, columns reversed and renamed by case, one extra column."""
    frame = pd.read_csv(table, dtype=str)
    frame = frame.sample(frac=1.0, random_state=11).reset_index(drop=True)
    frame = frame[frame.columns[::-1]]
    frame.columns = [c.upper() if c.startswith("A") else c for c in frame.columns]
    frame.insert(1, "campaign", "spring")
    path = tmp_path / "new_customers.csv"
    frame.to_csv(path, index=False)
    return path


def test_assign_gives_the_runs_segments_on_a_shuffled_copy(trained, tmp_path, capsys):
    out, table = trained
    segments = pd.read_csv(out / "segments.csv", dtype={"CustomerID": str})
    new = _shuffled_copy(table, tmp_path)
    result = tmp_path / "assigned.csv"
    code, text, err = _run(capsys, ["assign", str(out), str(new), "--out", str(result)])
    assert code == 0, err
    assigned = pd.read_csv(result, dtype={"CustomerID": str})
    assert len(assigned) == len(segments)
    merged = segments.merge(assigned, on="CustomerID", suffixes=("_run", "_new"))
    assert len(merged) == len(segments)
    assert (merged["segment_run"] == merged["segment_new"]).all()
    assert (merged["persona_run"] == merged["persona_new"]).all()
    # Every input column is kept, in the input's order, then the new ones.
    source = pd.read_csv(new, nrows=0).columns.tolist()
    assert assigned.columns.tolist() == [
        *source,
        "segment",
        "persona",
        "distance",
        "outlier",
    ]
    share = assigned["outlier"].mean()
    assert f"({share:.1%})" in text and "outliers:" in text
    # load_model gives the same answer from Python, on the model file itself.
    frame = load_model(out / "model.json").assign(pd.read_csv(new, dtype=str))
    np.testing.assert_array_equal(frame["segment"], assigned["segment"])


def test_model_json_holds_the_segmentation(trained):
    out, _ = trained
    model = json.loads((out / "model.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert model["schema_version"] == SCHEMA_VERSION
    assert model["package_version"] == kmeans_core.__version__
    assert model["features"] == summary["features"]
    assert model["k"] == summary["k"] == len(model["segments"])
    assert model["scaling"]["method"] == summary["scale"]
    offset = np.array(model["scaling"]["offset"])
    scale = np.array(model["scaling"]["scale"])
    centers = np.array(model["centers"])
    scaled = np.array(model["centers_scaled"])
    np.testing.assert_allclose(scaled * scale + offset, centers, rtol=1e-12)
    for s, seg in enumerate(summary["segments"]):
        assert model["segments"][s]["persona"] == seg["persona"]
        assert model["segments"][s]["stability"] == seg["stability"]
        np.testing.assert_allclose(centers[s], list(seg["centroid"].values()))
    dist = model["training_distances"]
    pct = np.array(dist["percentiles"])
    assert len(pct) == 101 and (np.diff(pct) >= 0).all()
    assert dist["outlier_threshold"] == pct[99]


def test_distances_and_outliers_from_the_model_file(trained, tmp_path):
    out, table = trained
    model = json.loads((out / "model.json").read_text())
    frame = load_model(out).assign(table)
    # Recomputed here from the JSON alone, independently of the package.
    X = frame[model["features"]].to_numpy(float)
    Z = (X - model["scaling"]["offset"]) / np.array(model["scaling"]["scale"])
    d = np.linalg.norm(Z[:, None, :] - np.array(model["centers_scaled"]), axis=2)
    np.testing.assert_array_equal(frame["segment"], d.argmin(axis=1))
    np.testing.assert_allclose(frame["distance"], d.min(axis=1), rtol=1e-12)
    threshold = model["training_distances"]["outlier_threshold"]
    np.testing.assert_array_equal(frame["outlier"], d.min(axis=1) > threshold)
    # By construction at most 1% of the training rows are beyond the 99th
    # percentile of their own distances.
    assert 0 < frame["outlier"].sum() <= np.ceil(0.01 * len(frame))
    # A customer far from every segment is flagged.
    far = frame.iloc[:1][model["features"]] * 0 + 1e4
    assert load_model(out).assign(far)["outlier"].all()


def test_assign_never_modifies_its_input(trained):
    out, table = trained
    frame = pd.read_csv(table)
    before = frame.copy()
    load_model(out).assign(frame)
    pd.testing.assert_frame_equal(frame, before)


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx", ".tsv"])
def test_assign_writes_by_extension(trained, tmp_path, capsys, suffix):
    out, table = trained
    path = tmp_path / f"assigned{suffix}"
    code, _, err = _run(capsys, ["assign", str(out), str(table), "--out", str(path)])
    assert code == 0, err
    if suffix == ".parquet":
        back = pd.read_parquet(path)
    elif suffix == ".xlsx":
        back = pd.read_excel(path)
    else:
        back = pd.read_csv(path, sep="\t")
    expected = pd.read_csv(out / "segments.csv")["segment"]
    np.testing.assert_array_equal(back["segment"], expected)


def _error_cases(out, table, tmp_path):
    """(name, argv) of each assign error, with the message it must contain."""
    frame = pd.read_csv(table, dtype=str)
    feature = json.loads((out / "model.json").read_text())["features"][0]
    missing_col = tmp_path / "missing_col.csv"
    frame.drop(columns=[feature]).to_csv(missing_col, index=False)
    text = tmp_path / "text.csv"
    bad = frame.copy()
    bad.loc[3, feature] = "lots"
    bad.to_csv(text, index=False)
    holes = tmp_path / "holes.csv"
    gap = frame.copy()
    gap.loc[[2, 5], feature] = None
    gap.to_csv(holes, index=False)
    foreign = tmp_path / "foreign.json"
    foreign.write_text(json.dumps({"weights": [1, 2, 3]}))
    newer = tmp_path / "newer.json"
    model = json.loads((out / "model.json").read_text())
    newer.write_text(json.dumps({**model, "schema_version": SCHEMA_VERSION + 1}))
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{not json")
    damaged = tmp_path / "damaged.json"
    damaged.write_text(json.dumps({**model, "centers_scaled": [[1.0]]}))
    m = str(out)
    return {
        "missing column": ([m, str(missing_col)], f"no column {feature!r}"),
        "non-numeric": ([m, str(text)], "non-numeric value 'lots'"),
        "missing values": ([m, str(holes)], "--drop-missing"),
        "not our model": ([str(foreign), str(table)], "not a kmeans-segment model"),
        "newer schema": ([str(newer), str(table)], "upgrade kmeans-core"),
        "not json": ([str(garbled), str(table)], "not a kmeans-segment model"),
        "damaged model": ([str(damaged), str(table)], '"centers_scaled" must hold'),
        "no model": ([str(tmp_path / "nowhere"), str(table)], "model file not found"),
        "no table": ([m, str(tmp_path / "none.csv")], "file not found"),
    }


CASES = [
    "missing column",
    "non-numeric",
    "missing values",
    "not our model",
    "newer schema",
    "not json",
    "damaged model",
    "no model",
    "no table",
]


@pytest.mark.parametrize("case", CASES)
def test_assign_errors_are_one_line_exit_2_and_write_nothing(
    trained, tmp_path, capsys, case
):
    out, table = trained
    argv, message = _error_cases(out, table, tmp_path)[case]
    before = set(tmp_path.iterdir())
    target = tmp_path / "result.csv"
    code, text, err = _run(capsys, ["assign", *argv, "--out", str(target)])
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("kmeans-segment: error: ")
    assert message in err and "Traceback" not in err
    assert set(tmp_path.iterdir()) == before  # nothing written, no partial file
    assert text == ""


def test_drop_missing_drops_and_counts(trained, tmp_path, capsys):
    out, table = trained
    argv, _ = _error_cases(out, table, tmp_path)["missing values"]
    target = tmp_path / "result.csv"
    code, text, err = _run(
        capsys, ["assign", *argv, "--drop-missing", "--out", str(target)]
    )
    assert code == 0, err
    assert "dropped 2 rows with missing values" in text
    assert len(pd.read_csv(target)) == len(pd.read_csv(table)) - 2


@pytest.mark.parametrize(
    ("out_name", "message"),
    [("result.json", "give it one of the extensions"),
     ("no_such_folder/result.csv", "does not exist")],
)  # fmt: skip
def test_assign_refuses_unwritable_outputs_before_work(
    trained, tmp_path, capsys, out_name, message
):
    out, table = trained
    code, _, err = _run(
        capsys, ["assign", str(out), str(table), "--out", str(tmp_path / out_name)]
    )
    assert code == 2 and message in err and err.count("\n") == 1


def test_load_model_errors_are_data_errors(tmp_path):
    with pytest.raises(DataError, match="model file not found"):
        load_model(tmp_path)
    with pytest.raises(TypeError, match="table must be a file path or a pandas"):
        # A valid model is needed to reach the table check.
        folder = tmp_path / "m"
        assert main(["demo", "--n", "40", "--no-plots", "--stability-resamples",
                     "0", "--out", str(folder)]) == 0  # fmt: skip
        load_model(folder).assign([[1, 2, 3]])
