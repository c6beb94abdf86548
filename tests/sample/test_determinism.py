"""Same seed and sizes give byte-identical files; another seed gives different ones."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pandas as pd
import pytest

from core.sample import catalogue_items, generate, make_sample

N_ITEMS, N_USERS = 200, 120


def _digests(root: Path) -> dict[str, str]:
    """SHA-256 of every file under ``root``, keyed by relative path."""
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    base = tmp_path_factory.mktemp("determinism")
    a, b, c = base / "a", base / "b", base / "c"
    make_sample(a, seed=11, n_items=N_ITEMS, n_users=N_USERS)
    make_sample(b, seed=11, n_items=N_ITEMS, n_users=N_USERS)
    make_sample(c, seed=12, n_items=N_ITEMS, n_users=N_USERS)
    return a, b, c


def test_same_seed_gives_identical_bytes(three_runs: tuple[Path, Path, Path]) -> None:
    a, b, _ = three_runs
    da, db = _digests(a), _digests(b)
    assert sorted(da) == sorted(db)
    assert len([k for k in da if k.endswith(".png")]) == N_ITEMS
    for name in ("items.csv", "interactions.csv", "truth/items.csv", "truth/customers.csv"):
        assert da[name] == db[name], name
    assert da == db


def test_different_seed_gives_different_files(three_runs: tuple[Path, Path, Path]) -> None:
    a, _, c = three_runs
    da, dc = _digests(a), _digests(c)
    for name in ("items.csv", "interactions.csv", "truth/items.csv", "truth/customers.csv"):
        assert da[name] != dc[name], name
    differing_images = sum(da[k] != dc[k] for k in da if k.endswith(".png"))
    assert differing_images > 0.9 * N_ITEMS


def test_regenerating_smaller_removes_stale_thumbnails(tmp_path: Path) -> None:
    make_sample(tmp_path, seed=0, n_items=150, n_users=8)
    (tmp_path / "images" / "keep_me.txt").write_text("not ours")
    summary = make_sample(tmp_path, seed=0, n_items=120, n_users=8)
    pngs = sorted(p.name for p in (tmp_path / "images").glob("*.png"))
    assert len(pngs) == summary.n_items == 120
    assert pngs[-1] == "P0120.png"
    assert (tmp_path / "images" / "keep_me.txt").exists()
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.parametrize("kwargs", [{"n_items": 50}, {"n_users": 3}, {"seed": -1}])
def test_rejects_bad_arguments(tmp_path: Path, kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="must be"):
        make_sample(tmp_path, **kwargs)


def test_thumbnails_do_not_depend_on_the_number_of_worker_processes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generate, "_IMAGES_PER_WORKER", 40)  # 120 thumbnails: 2 processes, 8 chunks
    make_sample(tmp_path / "one", seed=5, n_items=120, n_users=8, workers=1)
    make_sample(tmp_path / "two", seed=5, n_items=120, n_users=8, workers=2)
    one, two = _digests(tmp_path / "one"), _digests(tmp_path / "two")
    assert len([k for k in one if k.endswith(".png")]) == 120
    assert one == two


def test_catalogue_items_is_the_written_items_table(three_runs: tuple[Path, Path, Path]) -> None:
    written = pd.read_csv(three_runs[0] / "items.csv", dtype=str, keep_default_na=False)
    table = catalogue_items(seed=11, n_items=N_ITEMS)
    assert list(table.columns) == list(written.columns)
    assert table.astype(str).to_numpy().tolist() == written.to_numpy().tolist()
