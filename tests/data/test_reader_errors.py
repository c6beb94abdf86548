"""Every kind of bad input gets a clear error naming file, line, field and fix (DESIGN.md §2)."""

from __future__ import annotations

import pytest

from core.data import DataError, load_dataset, read_dataset
from tests.conftest import write_dataset

GOOD = [("u1", "a", 100), ("u1", "b", 200), ("u1", "c", 300)]


def _rewrite(path, text: str) -> None:
    path.write_text(text)


def test_missing_directory_names_it(tmp_path):
    with pytest.raises(DataError, match=r"does not exist.*Fix: pass a directory"):
        read_dataset(tmp_path / "nope")


def test_missing_file(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    (root / "items.csv").unlink()
    with pytest.raises(DataError, match=r"items\.csv: the file does not exist\. Fix: create items\.csv"):
        read_dataset(root)


def test_missing_column_lists_found_and_required(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    _rewrite(root / "interactions.csv", "user_id,item\nu1,a\n")
    with pytest.raises(DataError) as err:
        read_dataset(root)
    msg = str(err.value)
    assert "interactions.csv" in msg and "missing column(s) ['item_id', 'timestamp']" in msg
    assert "found ['user_id', 'item']" in msg and "Fix:" in msg


def test_non_numeric_timestamp_names_line_and_field(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    _rewrite(root / "interactions.csv", "user_id,item_id,timestamp\nu1,a,100\nu1,b,yesterday\n")
    with pytest.raises(DataError) as err:
        read_dataset(root)
    assert err.value.line == 3 and err.value.field == "timestamp"
    assert "'yesterday' is not a number" in str(err.value) and "unix time in seconds" in str(err.value)


def test_millisecond_timestamps_are_caught(tmp_path):
    root = write_dataset(tmp_path, [("u1", "a", 1_700_000_000_000)])
    with pytest.raises(DataError, match=r"milliseconds.*divide the column by 1000"):
        read_dataset(root)


def test_negative_timestamp(tmp_path):
    root = write_dataset(tmp_path, [("u1", "a", 5), ("u1", "b", -3)])
    with pytest.raises(DataError, match=r"line 3, field 'timestamp': timestamp -3 is negative"):
        read_dataset(root)


def test_empty_user_id(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    _rewrite(root / "interactions.csv", "user_id,item_id,timestamp\nu1,a,1\n ,b,2\n")
    with pytest.raises(DataError, match=r"line 3, field 'user_id': empty user_id"):
        read_dataset(root)


def test_unknown_item_in_interactions(tmp_path):
    root = write_dataset(tmp_path, GOOD, item_ids=["a", "b"])
    with pytest.raises(DataError) as err:
        read_dataset(root)
    assert err.value.line == 4 and err.value.field == "item_id"
    assert "not in items.csv, e.g. ['c']" in str(err.value)
    assert "add those items to items.csv" in str(err.value)


def test_duplicate_item_rows(tmp_path):
    root = write_dataset(tmp_path, GOOD, item_ids=["a", "b", "c", "b"])
    with pytest.raises(DataError, match=r"items\.csv, line 5, field 'item_id': item_id 'b' appears again "
                                        r"\(first on line 3\)"):
        read_dataset(root)


def test_duplicate_interactions_are_repaired_and_reported(tmp_path):
    root = write_dataset(tmp_path, [*GOOD, ("u1", "b", 200)])
    raw = read_dataset(root)
    assert len(raw.interactions) == 3
    assert raw.repairs == ["interactions.csv: dropped 1 exact duplicate row(s) (lines [5])."]


def test_whitespace_in_ids_is_stripped_and_reported(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    _rewrite(root / "interactions.csv", "user_id,item_id,timestamp\nu1 ,a,100\nu1, b,200\nu1,c,300\n")
    raw = read_dataset(root)
    assert raw.interactions["user_id"].tolist() == ["u1"] * 3
    assert raw.interactions["item_id"].tolist() == ["a", "b", "c"]
    assert any("stripped surrounding whitespace" in r for r in raw.repairs)


def test_header_only_interactions(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    _rewrite(root / "interactions.csv", "user_id,item_id,timestamp\n")
    with pytest.raises(DataError, match="header but no interactions"):
        read_dataset(root)


def test_empty_file(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    _rewrite(root / "items.csv", "")
    with pytest.raises(DataError, match=r"items\.csv: the file is empty"):
        read_dataset(root)


def test_no_user_left_after_filtering(tmp_path):
    root = write_dataset(tmp_path, GOOD)
    with pytest.raises(DataError, match=r"no user is left after 5-core filtering.*--k-core"):
        load_dataset(root, k=5)
