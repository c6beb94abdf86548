"""Finding dataset directories where the README's commands put them (sample_data, data/<name>)."""

from __future__ import annotations

from pathlib import Path

from core.data.discover import find_datasets, is_dataset_dir
from tests.conftest import write_dataset

ROWS = [("A", "i1", 1_700_000_000), ("A", "i2", 1_700_000_100), ("A", "i3", 1_700_000_200)]


def layout(root: Path) -> Path:
    """sample_data and data/{beauty,baby} datasets among junk: a folder with only one of the two
    files, an empty folder, a hidden dataset, a plain file, a dataset two levels down."""
    write_dataset(root / "sample_data", ROWS)
    write_dataset(root / "data" / "beauty", ROWS)
    write_dataset(root / "data" / "baby", ROWS)
    (root / "data" / "half").mkdir()
    (root / "data" / "half" / "items.csv").write_text("item_id\n")
    (root / "data" / "empty").mkdir()
    write_dataset(root / "data" / ".cache", ROWS)
    (root / "data" / "notes.txt").write_text("not a dataset")
    write_dataset(root / "data" / "nested" / "deeper", ROWS)
    (root / "data" / "filey").mkdir()
    (root / "data" / "filey" / "items.csv").mkdir()  # a folder named like the file does not count
    (root / "data" / "filey" / "interactions.csv").write_text("")
    return root


def test_datasets_under_data_and_the_sample_are_found_in_order(tmp_path):
    root = layout(tmp_path)
    found = find_datasets([root / "sample_data", root / "data"])
    assert found == [str(root / "sample_data"), str(root / "data" / "baby"), str(root / "data" / "beauty")]


def test_relative_places_stay_relative_and_missing_ones_add_nothing(tmp_path, monkeypatch):
    layout(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert find_datasets() == ["sample_data", "data/baby", "data/beauty"]  # the defaults: sample_data, data
    assert find_datasets(["nowhere", "data/empty", "data/notes.txt"]) == []
    assert find_datasets(["data/beauty", "data", "./data/beauty"]) == ["data/beauty", "data/baby"]  # each once


def test_a_dataset_directory_needs_both_files(tmp_path):
    root = layout(tmp_path)
    assert is_dataset_dir(root / "data" / "beauty")
    assert not is_dataset_dir(root / "data" / "half")
    assert not is_dataset_dir(root / "data" / "filey")
    assert not is_dataset_dir(root / "data" / "notes.txt")
    assert not is_dataset_dir(root / "missing")
