"""MMRec datasets: .inter + text_feat.npy + image_feat.npy, precomputed features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import DataError, load_dataset
from core.features import load_features
from core.importers import import_mmrec
from tests.importers.fixtures import MMREC_ROWS, T0, mmrec, write_lines


def test_interactions_items_and_features(tmp_path):
    out = tmp_path / "out"
    summary = import_mmrec([mmrec(tmp_path / "src")], out)
    inter = pd.read_csv(out / "interactions.csv", dtype=str)
    assert list(inter.itertuples(index=False, name=None)) == [(str(u), str(i), str(T0 + t))
                                                             for u, i, t, _ in MMREC_ROWS]
    items = pd.read_csv(out / "items.csv", dtype=str, keep_default_na=False)
    assert list(items["item_id"]) == ["0", "1", "2", "3", "4"]
    assert list(items["title"]) == list(items["item_id"])
    assert (items[["description", "categories", "image"]] == "").all().all()
    features = load_features(out)
    ids = features.item_ids
    text = features.matrices["text"]
    for row, iid in enumerate(ids):  # row i of text_feat.npy holds 10*i
        assert np.all(text[row] == 10 * int(iid))
    assert features.matrices["image"].shape == (5, 3)
    assert features.missing["text"][ids.index("0")] and not features.missing["text"][ids.index("1")]
    assert summary.features == ("image", "text")
    assert "text features come only from text_feat.npy" in " ".join(summary.notes)
    assert "do not run `python -m core features`" in summary.next_step


def test_output_loads_with_aligned_features(tmp_path):
    out = tmp_path / "out"
    import_mmrec([mmrec(tmp_path / "src")], out)
    data = load_dataset(out, k=1)
    assert data.n_users == 3 and data.n_items == 5
    for index, iid in enumerate(data.item_ids):
        assert np.all(data.features["text"][index] == 10 * int(iid))
        assert data.features["image"][index, 0] == 3 * int(iid)


def test_rows_in_item_order_when_ids_are_not_contiguous(tmp_path):
    rows = [(u, {0: 0, 1: 5, 2: 9, 3: 2, 4: 7}[i], t, x) for u, i, t, x in MMREC_ROWS]  # ids 0,2,5,7,9
    src = mmrec(tmp_path / "src", rows=rows, n_feature_rows=5)  # one row per item, ascending ids
    import_mmrec([src / "fix.inter", src / "text_feat.npy", src / "image_feat.npy"], tmp_path / "out")
    features = load_features(tmp_path / "out")
    rank = {"0": 0, "2": 1, "5": 2, "7": 3, "9": 4}
    for row, iid in enumerate(features.item_ids):
        assert features.matrices["text"][row, 0] == 10 * rank[iid]


def test_feature_file_with_wrong_row_count(tmp_path):
    src = mmrec(tmp_path / "src")
    np.save(src / "image_feat.npy", np.ones((3, 3)))
    with pytest.raises(DataError) as err:
        import_mmrec([src], tmp_path / "out")
    message = str(err.value)
    assert "image_feat.npy" in message and "has 3 rows" in message
    assert "largest itemID is 4" in message and "5 rows are needed" in message
    assert "same MMRec preprocessing run" in message
    assert not (tmp_path / "out" / "interactions.csv").exists()


def test_inter_without_timestamps_is_refused(tmp_path):
    src = mmrec(tmp_path / "src", timestamps=False)
    with pytest.raises(DataError) as err:
        import_mmrec([src], tmp_path / "out")
    message = str(err.value)
    assert "fix.inter, line 1, field 'timestamp'" in message
    assert "sequential models" in message and "add a 'timestamp' column of unix seconds" in message


def test_nan_feature_row_and_bad_item_id(tmp_path):
    src = mmrec(tmp_path / "src")
    text = np.load(src / "text_feat.npy")
    text[3, 1] = np.nan
    np.save(src / "text_feat.npy", text)
    with pytest.raises(DataError, match=r"text_feat.npy: row 3 \(itemID 3\) holds NaN or Inf"):
        import_mmrec([src], tmp_path / "out")
    lines = (src / "fix.inter").read_text().splitlines()
    lines[2] = lines[2].replace("\t1\t", "\tx1\t", 1)
    write_lines(src / "fix.inter", lines, gz=False)
    with pytest.raises(DataError, match=r"fix.inter, line 3, field 'itemID': itemID 'x1' is not a non-negative"):
        import_mmrec([src], tmp_path / "out")


def test_sources_must_hold_one_inter_file(tmp_path):
    src = mmrec(tmp_path / "src")
    (src / "fix.inter").unlink()
    with pytest.raises(DataError, match=r"expected exactly one .inter file, found 0"):
        import_mmrec([src], tmp_path / "out")
