"""Feature store: round trip, every bad file, and alignment to a model's item index."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data.errors import DataError
from core.features.store import FeatureSet, align_features, load_features, save_features

IDS = ["i1", "i2", "i3", "i4"]


def _features(n: int = 4) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {"text": rng.normal(size=(n, 5)).astype(np.float32), "image": rng.normal(size=(n, 3))}


@pytest.fixture()
def store(tmp_path: Path) -> Path:
    save_features(tmp_path, IDS, _features(), {"image": np.array([False, True, False, False])})
    return tmp_path


def _raises(dataset: Path, *pieces: str) -> str:
    with pytest.raises(DataError) as err:
        load_features(dataset)
    msg = str(err.value)
    for piece in (*pieces, "Fix:"):
        assert piece in msg, f"{piece!r} not in {msg!r}"
    return msg


def test_round_trip(store: Path):
    fs = load_features(store)
    assert isinstance(fs, FeatureSet)
    assert fs.item_ids == IDS and fs.modalities == ("image", "text")
    feats = _features()
    for name in ("text", "image"):
        assert fs.matrices[name].dtype == np.float32
        np.testing.assert_allclose(fs.matrices[name], feats[name], rtol=1e-6)
    assert fs.missing["image"].tolist() == [False, True, False, False]
    assert fs.missing["text"].tolist() == [False] * 4  # no mask file: all present
    assert sorted(p.name for p in (store / "features").iterdir()) == [
        "image.npy", "image_missing.npy", "item_ids.txt", "text.npy"]  # no temp files left


def test_save_replaces_whole_set_and_removes_stale(store: Path):
    save_features(store, IDS[:2], {"text": np.ones((2, 5))})
    fs = load_features(store)
    assert fs.item_ids == IDS[:2] and fs.modalities == ("text",)
    assert not (store / "features" / "image.npy").exists()
    assert not (store / "features" / "image_missing.npy").exists()


def test_no_features_dir_is_none(tmp_path: Path):
    assert load_features(tmp_path) is None
    (tmp_path / "features").mkdir()
    assert load_features(tmp_path) is None


def test_item_ids_missing(store: Path):
    (store / "features" / "item_ids.txt").unlink()
    _raises(store, "item_ids.txt", "is missing", "text.npy", "python -m core features")


def test_duplicate_id_names_line(store: Path):
    (store / "features" / "item_ids.txt").write_text("i1\ni2\ni1\ni4\n")
    _raises(store, "item_ids.txt, line 3", "'i1'", "first on line 1")


def test_blank_line_in_ids(store: Path):
    (store / "features" / "item_ids.txt").write_text("i1\n\ni3\ni4\n")
    _raises(store, "item_ids.txt, line 2", "blank line")


def test_not_2d(store: Path):
    np.save(store / "features" / "text.npy", np.zeros(4, dtype=np.float32))
    _raises(store, "text.npy", "shape (4,)", "2-D")


def test_row_count_mismatch_says_both_numbers(store: Path):
    np.save(store / "features" / "image.npy", np.zeros((3, 3), dtype=np.float32))
    _raises(store, "image.npy", "3 rows", "4 item ids")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_inf_names_file_row_item_and_recompute(store: Path, bad: float):
    mat = _features()["text"]
    mat[2, 1] = bad
    np.save(store / "features" / "text.npy", mat)
    _raises(store, "text.npy", "row 2", "'i3'", "NaN or Inf", f"python -m core features {store}")


def test_float64_overflowing_float32_is_reported(store: Path):
    mat = np.zeros((4, 5))
    mat[1, 0] = 1e300
    np.save(store / "features" / "text.npy", mat)
    _raises(store, "text.npy", "row 1", "'i2'", "too large for float32")


def test_non_numeric_dtype(store: Path):
    np.save(store / "features" / "text.npy", np.array([["a"], ["b"], ["c"], ["d"]]))
    _raises(store, "text.npy", "non-numeric dtype")


def test_unreadable_npy(store: Path):
    (store / "features" / "image.npy").write_bytes(b"not numpy")
    _raises(store, "image.npy", "cannot be read")


def test_pickled_object_array_is_unreadable(store: Path):
    np.save(store / "features" / "image.npy", np.array([{"a": 1}] * 4, dtype=object), allow_pickle=True)
    _raises(store, "image.npy", "cannot be read")


def test_bad_mask(store: Path):
    np.save(store / "features" / "image_missing.npy", np.array([0.5, 0, 0, 1]))
    _raises(store, "image_missing.npy", "(4,)")


def test_orphan_mask(store: Path):
    (store / "features" / "image.npy").unlink()
    _raises(store, "image_missing.npy", "without its matrix")


def test_save_rejects_bad_input(tmp_path: Path):
    with pytest.raises(DataError, match=r"row 1.*'b'.*NaN"):
        save_features(tmp_path, ["a", "b"], {"text": np.array([[0.0], [np.nan]])})
    with pytest.raises(DataError, match="appears at rows 0 and 1"):
        save_features(tmp_path, ["a", "a"], {"text": np.zeros((2, 1))})
    with pytest.raises(DataError, match=r"shape \(3, 1\)"):
        save_features(tmp_path, ["a", "b"], {"text": np.zeros((3, 1))})
    with pytest.raises(DataError, match="no matrix"):
        save_features(tmp_path, ["a"], {"text": np.zeros((1, 1))}, {"image": np.zeros(1, bool)})
    assert not (tmp_path / "features").exists()  # nothing written on error


def test_align_reorders_and_drops_extras():
    ids = ["a", "b", "c", "d", "e"]
    mat = np.arange(10, dtype=np.float32).reshape(5, 2)  # row i = [2i, 2i+1]
    fs = FeatureSet(item_ids=ids, matrices={"text": mat},
                    missing={"text": np.array([False, True, False, False, True])})
    vocab = ["d", "a", "c"]  # "b" and "e" dropped (e.g. by k-core filtering)
    aligned, missing = align_features(fs, vocab, source="x/features")
    np.testing.assert_array_equal(aligned["text"], mat[[3, 0, 2]])
    assert missing["text"].tolist() == [False, False, False]
    aligned, missing = align_features(fs, ["e", "b"], source="x/features")
    assert missing["text"].tolist() == [True, True]


def test_align_shuffled_round_trip(tmp_path: Path):
    rng = np.random.default_rng(1)
    ids = [f"item{i:03d}" for i in range(50)]
    perm = rng.permutation(50)
    file_ids = [ids[i] for i in perm]
    mat = np.asarray(perm, dtype=np.float32)[:, None] * np.ones((1, 4), np.float32)  # row value = item number
    save_features(tmp_path, file_ids, {"image": mat})
    aligned, _ = align_features(load_features(tmp_path), ids, source=str(tmp_path / "features"))
    np.testing.assert_array_equal(aligned["image"][:, 0], np.arange(50))


def test_align_raises_on_missing_ids_listing_ten_and_count():
    fs = FeatureSet(item_ids=["a"], matrices={"text": np.zeros((1, 2), np.float32)},
                    missing={"text": np.zeros(1, bool)})
    vocab = ["a"] + [f"m{i}" for i in range(12)]
    with pytest.raises(DataError) as err:
        align_features(fs, vocab, source="/data/shop/features")
    msg = str(err.value)
    assert "/data/shop/features" in msg and "12 of 13" in msg
    assert "'m9'" in msg and "'m10'" not in msg
    assert "python -m core features /data/shop" in msg
