"""Loading and validating customer tables."""

import warnings

import numpy as np
import pandas as pd
import pytest

from segmentation.io import (
    DataError,
    DataWarning,
    load_customers,
    read_table,
    resolve_columns,
)

MALL_HEADER = "CustomerID,Genre,Age,Annual Income (k$),Spending Score (1-100)"
ROWS = ["0001,Male,19,15,39", "0002,Female,21,15,81", "0003,Female,20,16,6"]


def _write(tmp_path, text, name="t.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


@pytest.mark.parametrize("delim", [",", ";", "\t"])
@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "latin-1", "utf-16"])
def test_delimiters_and_encodings(tmp_path, delim, encoding):
    text = "\n".join([MALL_HEADER.replace("Genre", "Genré")] + ROWS).replace(",", delim)
    path = _write(tmp_path, text + "\n", encoding=encoding)
    data = load_customers(path)
    assert data.features == ("Age", "Annual Income (k$)", "Spending Score (1-100)")
    assert data.id_column == "CustomerID"
    assert data.frame["CustomerID"].tolist() == ["0001", "0002", "0003"]  # zeros kept
    assert data.categorical == ("Genré",)
    np.testing.assert_array_equal(data.X[:, 0], [19, 21, 20])


def test_fragments_and_exact_names():
    cols = [
        "CustomerID",
        "Genre",
        "Age",
        "Annual Income (k$)",
        "Spending Score (1-100)",
    ]
    assert resolve_columns(cols, ["age", "INCOME", "spending"]) == cols[2:]
    assert resolve_columns(cols, ["Annual Income (k$)"]) == ["Annual Income (k$)"]
    # An exact (case-insensitive) name wins over fragments it is part of.
    assert resolve_columns(["age", "age_group_code"], ["AGE"]) == ["age"]


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        ("a", "ambiguous: it matches 'Age', 'Annual Income"),
        ("weight", "no column matches 'weight'; available columns: 'CustomerID'"),
    ],
)
def test_column_errors(request_, message):
    cols = ["CustomerID", "Genre", "Age", "Annual Income (k$)"]
    with pytest.raises(DataError, match=message.replace("(", r"\(")):
        resolve_columns(cols, [request_])


def test_missing_values_error_lists_columns_and_lines(tmp_path):
    path = _write(tmp_path, "id,age,income\n1,20,10\n2,,11\n3,30,\n4,40,12\n")
    with pytest.raises(DataError) as info:
        load_customers(path)
    msg = str(info.value)
    assert "'age' (1 rows)" in msg and "'income' (1 rows)" in msg
    assert "line 3, line 4" in msg and "--drop-missing" in msg


def test_drop_missing(tmp_path):
    path = _write(tmp_path, "id,age,income\n1,20,10\n2,,11\n3,30,\n4,40,12\n")
    data = load_customers(path, drop_missing=True)
    assert data.n_dropped == 2
    assert data.frame["id"].tolist() == ["1", "4"]
    assert "dropped 2 rows" in data.warnings[0]


def test_non_numeric_names_column_line_and_value(tmp_path):
    path = _write(tmp_path, "id,age,income\n1,20,10\n2,twenty,11\n3,30,12\n")
    with pytest.raises(
        DataError, match=r"column 'age' has the non-numeric value 'twenty' on line 3"
    ):
        load_customers(path)


def test_duplicate_ids_warn(tmp_path):
    path = _write(tmp_path, "id,age,income\n1,20,10\n1,25,11\n3,30,12\n")
    with pytest.warns(DataWarning, match="1 ids in column 'id' occur more than once"):
        data = load_customers(path)
    assert len(data.frame) == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"\n  \n", "is empty"),
        (b"id,age,income\n", "header but no data rows"),
        (b"id,age,income\n1,2,3\n4,5\n", "line 3 has 2 fields but the header has 3"),
        (b"id,age,income\n1,2,3\n4,5,6,7\n", "line 3 has 4 fields"),
        (bytes(range(256)) * 8, "does not look like a text CSV"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\x01" * 100, "binary data"),
    ],
)
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match=message):
        read_table(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a directory"):
        read_table(tmp_path)


def test_input_file_and_frame_never_modified(tmp_path):
    path = _write(tmp_path, "id,age,income\n1,20,10\n2,,11\n3,30,x\n")
    before = path.read_bytes()
    for kwargs in ({}, {"drop_missing": True}):
        with pytest.raises(DataError):
            load_customers(path, **kwargs)
    assert path.read_bytes() == before
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": ["1", "2", "3"]})
    copy = frame.copy()
    load_customers(frame, drop_missing=True)
    load_customers(frame, ["a", "b"], drop_missing=True)
    pd.testing.assert_frame_equal(frame, copy)


def test_arrays_and_bad_types():
    data = load_customers(np.arange(12.0).reshape(6, 2))
    assert data.features == ("x0", "x1")
    with pytest.raises(TypeError, match="CSV path, a pandas DataFrame"):
        load_customers([[1, 2], [3, 4]])
    with pytest.raises(DataError, match="2-D array"):
        load_customers(np.arange(3.0))


def test_infinite_values_rejected():
    with pytest.raises(DataError, match="infinite value"):
        load_customers(pd.DataFrame({"a": [1.0, np.inf, 2.0]}))


def test_id_not_used_as_feature_and_no_warning_without_duplicates(tmp_path):
    path = _write(tmp_path, "Customer_ID;Sex;Visits\n7;M;3\n8;F;4\n9;F;5\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        data = load_customers(path)
    assert data.id_column == "Customer_ID" and data.features == ("Visits",)
    assert data.categorical == ("Sex",)


def test_gender_spellings_find_each_other():
    assert resolve_columns(["CustomerID", "Genre", "Age"], ["gender"]) == ["Genre"]
    assert resolve_columns(["Sex", "Age"], ["Genre"]) == ["Sex"]
