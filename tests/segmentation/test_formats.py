"""Tables by extension: .xlsx, .parquet, .tsv and .txt read like the CSV."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from segmentation import segment, tables
from segmentation.cli import main
from segmentation.io import DataError
from segmentation.tables import read_table, write_table

FEATURES = ["age", "income", "spending"]


@pytest.fixture(scope="module")
def mall_copies(mall_csv, tmp_path_factory):
    """The Mall table written as .xlsx, .parquet, .tsv and .txt (semicolons)."""
    folder = tmp_path_factory.mktemp("formats")
    frame = pd.read_csv(mall_csv, dtype={"CustomerID": str})
    frame.to_excel(folder / "mall.xlsx", index=False)
    frame.to_parquet(folder / "mall.parquet", index=False)
    frame.to_csv(folder / "mall.tsv", sep="\t", index=False)
    frame.to_csv(folder / "mall.txt", sep=";", index=False)
    return folder


@pytest.mark.parametrize("suffix", [".xlsx", ".parquet", ".tsv", ".txt"])
def test_mall_in_every_format_gives_the_csv_segments(mall_csv, mall_copies, suffix):
    base = segment(mall_csv, FEATURES, k=5, stability_resamples=0)
    other = segment(mall_copies / f"mall{suffix}", FEATURES, k=5, stability_resamples=0)
    np.testing.assert_array_equal(other.labels, base.labels)
    assert other.persona_names == base.persona_names
    # Ids keep their leading zeros, as the CSV reader keeps them.
    assert other.data["CustomerID"].astype(str).tolist()[:3] == ["0001", "0002", "0003"]


def test_cli_run_reads_xlsx(mall_copies, tmp_path, capsys):
    argv = ["run", str(mall_copies / "mall.xlsx"), "--k", "5", "--no-plots"]
    code = main([*argv, "--stability-resamples", "0", "--out", str(tmp_path)])
    assert code == 0, capsys.readouterr().err
    assert len(pd.read_csv(tmp_path / "segments.csv")) == 200


@pytest.mark.parametrize(
    ("suffix", "package"), [(".xlsx", "openpyxl"), (".parquet", "pyarrow")]
)
def test_missing_reader_names_the_extra(
    mall_copies, tmp_path, capsys, monkeypatch, suffix, package
):
    # None in sys.modules makes "import package" raise ImportError.
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(DataError, match=r'pip install "kmeans-core\[formats\]"'):
        read_table(mall_copies / f"mall{suffix}")
    code = main(["run", str(mall_copies / f"mall{suffix}"), "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1
    assert package in err and "kmeans-core[formats]" in err
    # The same for assign's output, checked before any work is done.
    with pytest.raises(DataError, match=package):
        write_table(pd.DataFrame({"a": [1]}), tmp_path / f"out{suffix}")
    assert not (tmp_path / f"out{suffix}").exists()


def test_binary_file_with_the_wrong_extension_gets_a_hint(mall_copies, tmp_path):
    disguised = tmp_path / "mall.csv"
    disguised.write_bytes((mall_copies / "mall.xlsx").read_bytes())
    with pytest.raises(DataError, match="give it the .xlsx extension"):
        read_table(disguised)
    disguised.write_bytes((mall_copies / "mall.parquet").read_bytes())
    with pytest.raises(DataError, match="give it the .parquet extension"):
        read_table(disguised)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0", "save it as .xlsx or CSV"),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "could not be read as Excel"),
        ("broken.parquet", b"PAR1 truncated", "could not be read as Parquet"),
    ],
)
def test_unreadable_binary_tables_are_one_line_errors(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError, match=message) as info:
        read_table(path)
    assert "\n" not in str(info.value)


def test_empty_parquet_and_sheet_are_refused(tmp_path):
    pd.DataFrame({"a": pd.Series([], dtype=float)}).to_parquet(tmp_path / "e.parquet")
    with pytest.raises(DataError, match="header but no data rows"):
        read_table(tmp_path / "e.parquet")
    pd.DataFrame().to_excel(tmp_path / "e.xlsx", index=False)
    with pytest.raises(DataError, match="is empty"):
        read_table(tmp_path / "e.xlsx")


def test_write_table_leaves_no_partial_file_on_failure(tmp_path):
    class Exploding(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            Path(args[0]).write_text("half a ta")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_table(Exploding({"a": [1]}), tmp_path / "out.csv")
    assert list(tmp_path.iterdir()) == []


def test_assign_names_the_extra_for_a_missing_reader(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "model"
    argv = ["demo", "--n", "60", "--no-plots", "--stability-resamples", "0"]
    assert main([*argv, "--out", str(folder)]) == 0
    pd.read_csv(folder / "customers.csv").to_parquet(tmp_path / "new.parquet")
    capsys.readouterr()
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    target = tmp_path / "assigned.csv"
    code = main(["assign", str(folder), str(tmp_path / "new.parquet"), "--out",
                 str(target)])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "kmeans-core[formats]" in err
    assert not target.exists()


@pytest.mark.parametrize("seed", range(5))
def test_unquoted_ragged_check_agrees_with_csv_reader(seed):
    # Random tables of ordinary, blank, space-only, short and long rows, with
    # LF or CRLF endings: the fast path must give csv.reader's answer.
    rng = np.random.default_rng(seed)
    pieces = ["1,2,3", "4,5,6", "", "   ", "7,8", "9,10,11,12", " , ,", "x,y,z"]
    for _ in range(30):
        rows = ["a,b,c", *rng.choice(pieces, size=rng.integers(1, 8))]
        text = ("\r\n" if rng.random() < 0.5 else "\n").join(rows)
        fast = _outcome(tables._check_ragged_unquoted, text)
        assert fast == _outcome(tables._check_ragged_csv, text), text


def _outcome(check, text):
    try:
        return [int(v) for v in check(text, ",", "t")]
    except DataError as exc:
        return str(exc)
