"""The prepared-dataset cache: a hit equals a fresh load exactly, and anything that could make it stale
or unreadable falls back to the normal load."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.data import DataError, Dataset, dataset_cache, load_dataset
from core.data.dataset_cache import CACHE_DIR, cache_path
from core.features.store import save_features
from tests.conftest import cyclic_interactions, write_dataset

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
OLD = 1_600_000_000  # an mtime long past: files written by the test are not "just modified" for the cache


def age(root: Path, when: int = OLD) -> None:
    """Set the mtime of every file under ``root`` to ``when`` (as if written long ago)."""
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            os.utime(path, (when, when))


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every dataset directory parsed from its CSV files (a cache hit adds nothing)."""
    calls: list[Path] = []
    real = dataset_cache.read_dataset

    def spy(root):
        calls.append(Path(root))
        return real(root)

    monkeypatch.setattr(dataset_cache, "read_dataset", spy)
    return calls


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    if not (SAMPLE / "interactions.csv").is_file():
        pytest.skip("sample_data/ has not been generated")
    root = shutil.copytree(SAMPLE, tmp_path / "sample", ignore=shutil.ignore_patterns(CACHE_DIR))
    age(root)
    return root


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """Repairs in the report, partial images, a partially missing modality and one missing for all items."""
    rows = cyclic_interactions(n_users=12, n_items=10, length=6)
    rows = [(" " + rows[0][0], *rows[0][1:]), *rows, rows[1]]  # a padded id and a duplicate row: two repairs
    rows += [("U000", "Rare", 1_800_000_000), ("U001", "Rare", 1_800_000_000)]  # kept by 2-core, not by 3-core
    root = write_dataset(tmp_path / "tiny", rows)
    items = pd.read_csv(root / "items.csv", dtype=str, keep_default_na=False)
    items["image"] = [f"images/{i}.png" if n % 3 else "" for n, i in enumerate(items["item_id"])]
    items["brand"] = [("Acme", "", "Bolt")[n % 3] for n in range(len(items))]
    items.to_csv(root / "items.csv", index=False)
    (root / "images").mkdir()
    for cell in items["image"][items["image"] != ""].iloc[:-1]:  # the last image file is absent
        (root / cell).write_bytes(b"png")
    ids = items["item_id"].tolist()
    rng = np.random.default_rng(0)
    save_features(root, ids, {"text": rng.normal(size=(len(ids), 4)), "audio": np.zeros((len(ids), 2))},
                  {"text": np.arange(len(ids)) % 4 == 0, "audio": np.ones(len(ids), dtype=bool)})
    age(root)
    return root


def assert_same(cached: Dataset, fresh: Dataset) -> None:
    """Every field equal, dtypes included."""
    assert (cached.name, cached.root, cached.report) == (fresh.name, fresh.root, fresh.report)
    assert cached.user_ids == fresh.user_ids and cached.item_ids == fresh.item_ids
    assert all(type(i) is str for i in (*cached.user_ids[:3], *cached.item_ids[:3]))
    for field in ("offsets", "flat_items", "flat_times"):
        a, b = getattr(cached, field), getattr(fresh, field)
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), field
    pd.testing.assert_frame_equal(cached.items, fresh.items, check_dtype=True, check_index_type=True,
                                  check_column_type=True, check_exact=True)
    assert list(cached.features) == list(fresh.features) and list(cached.feature_missing) == list(fresh.features)
    for name in fresh.features:
        for a, b in ((cached.features[name], fresh.features[name]),
                     (cached.feature_missing[name], fresh.feature_missing[name])):
            assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), name


@pytest.mark.parametrize("which", ["sample_copy", "tiny"])
def test_a_cache_hit_equals_the_fresh_load(which: str, request: pytest.FixtureRequest, reads: list[Path]) -> None:
    root = request.getfixturevalue(which)
    fresh = load_dataset(root, k=2)
    assert cache_path(root, 2).is_file() and len(reads) == 1
    cached = load_dataset(root, k=2)
    assert len(reads) == 1  # not parsed again
    assert_same(cached, fresh)
    if which == "tiny":  # the fixture's repairs and dropped modality come back too
        assert len(fresh.report.repairs) == 3 and "audio" in fresh.report.repairs[-1]
        assert list(fresh.features) == ["text"] and fresh.feature_missing["text"].sum() > 0


def test_touching_or_editing_interactions_invalidates(tiny: Path, reads: list[Path]) -> None:
    before = load_dataset(tiny, k=2)
    os.utime(tiny / "interactions.csv", (OLD + 60, OLD + 60))  # touched, same bytes
    assert_same(load_dataset(tiny, k=2), before)
    assert len(reads) == 2  # re-read, and the cache rewritten for the new stamp:
    load_dataset(tiny, k=2)
    assert len(reads) == 2

    user, item, _ = cyclic_interactions(n_users=12, n_items=10, length=6)[0]
    with open(tiny / "interactions.csv", "a") as fh:
        fh.write(f"{user},{item},1900000000\n")  # one more purchase, the user's latest
    after = load_dataset(tiny, k=2)
    assert len(reads) == 3
    assert len(after.flat_items) == len(before.flat_items) + 1
    items, times = after.user_sequence(after.user_index(user))
    assert times[-1] == 1_900_000_000 and after.item_ids[items[-1]] == item


def test_a_changed_image_folder_invalidates(tiny: Path, tmp_path: Path) -> None:
    load_dataset(tiny, k=2)
    image = next((tiny / "images").iterdir())
    image.unlink()
    (tmp_path / "secret.png").write_bytes(b"png")
    image.symlink_to(tmp_path / "secret.png")  # now leads outside the dataset: the check must run again
    with pytest.raises(DataError, match="point outside the dataset directory"):
        load_dataset(tiny, k=2)


@pytest.mark.parametrize("damage", ["truncated", "garbage", "empty"])
def test_a_damaged_cache_falls_back_silently(damage: str, tiny: Path, reads: list[Path]) -> None:
    fresh = load_dataset(tiny, k=2)
    path = cache_path(tiny, 2)
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"PK\x03\x04" + bytes(100), "empty": b""}[damage])
    assert_same(load_dataset(tiny, k=2), fresh)
    assert len(reads) == 2
    assert path.read_bytes() == data  # rewritten
    assert not list(path.parent.glob("*.tmp"))


def test_a_read_only_dataset_loads_without_a_cache(tiny: Path, reads: list[Path],
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    tiny.chmod(0o555)
    if os.geteuid() == 0:  # root ignores permission bits: refuse as the kernel would for anyone else

        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(os, "mkdir", refuse)
        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    try:
        first, second = load_dataset(tiny, k=2), load_dataset(tiny, k=2)
    finally:
        tiny.chmod(0o755)
    assert_same(second, first)
    assert len(reads) == 2 and not (tiny / CACHE_DIR).exists()


def test_another_k_core_has_its_own_cache(tiny: Path, reads: list[Path]) -> None:
    two = load_dataset(tiny, k=2)
    three = load_dataset(tiny, k=3)
    assert len(reads) == 2 and (two.report.k_core, three.report.k_core) == (2, 3)
    assert "Rare" in two.item_ids and "Rare" not in three.item_ids
    assert_same(load_dataset(tiny, k=2), two)
    assert_same(load_dataset(tiny, k=3), three)
    assert len(reads) == 2


def test_a_just_written_file_is_not_cached_yet(tiny: Path) -> None:
    """An input modified a moment ago may be rewritten within one mtime tick: its stamp would not change."""
    (tiny / "items.csv").touch()
    load_dataset(tiny, k=2)
    assert not cache_path(tiny, 2).exists()
