"""Bounded embedding snapshots: a fixed, stored subset of products in float16, stable across resume."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.models import DataSpec, build_model
from core.training import RunDir, TrainConfig, open_run, train_run
from core.training import snapshots as snapshots_module
from core.training.snapshots import popularity_strata
from core.training.trainer import Trainer

TINY = {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0}
FAST = TrainConfig(epochs=2, batch_size=16, lr=1e-2, patience=10, device="cpu")


def test_strata_keep_every_item_of_a_small_catalogue():
    assert popularity_strata(np.array([5, 0, 2]), limit=3, seed=0).tolist() == [0, 1, 2]


def test_strata_draw_one_item_per_popularity_band_deterministically():
    counts = np.arange(1000)[::-1].copy()  # item i sold 999 - i times: rank = index
    chosen = popularity_strata(counts, limit=10, seed=4)
    assert len(chosen) == 10 and (np.diff(chosen) > 0).all()
    assert (chosen // 100).tolist() == list(range(10))  # one from each band of 100, best-sellers to the tail
    np.testing.assert_array_equal(chosen, popularity_strata(counts, limit=10, seed=4))
    assert not np.array_equal(chosen, popularity_strata(counts, limit=10, seed=5))


@pytest.fixture(scope="module")
def subset_run(cyclic_data, tmp_path_factory):
    """A SASRec run on 30 products that snapshots at most 10 of them."""
    patch = pytest.MonkeyPatch()
    patch.setattr(snapshots_module, "SNAPSHOT_ITEMS", 10)
    out = tmp_path_factory.mktemp("subset") / "sasrec"
    try:
        train_run(cyclic_data, "sasrec", out, TINY, FAST)
    finally:
        patch.undo()
    return out


def test_a_large_catalogue_snapshots_a_stored_subset_in_float16(subset_run, cyclic_data):
    run = RunDir(subset_run)
    items = run.snapshot_items()
    assert len(items) == 10 and len(set(items.tolist())) == 10 and items.max() < cyclic_data.n_items
    assert run.snapshot_epochs() == [0, 1, 2]
    trained = open_run(subset_run, data=cyclic_data)
    last = torch.load(run.last_path, weights_only=True)["model"]["item_emb.weight"][:-1].numpy()  # (N, D)
    for epoch in run.snapshot_epochs():
        snap = run.snapshot(epoch)
        assert snap.shape == (10, 16) and snap.dtype == np.float16
    np.testing.assert_allclose(run.snapshot(2).astype(np.float32), last[items], rtol=1e-3, atol=1e-4)
    assert trained.model.item_embeddings().shape == (cyclic_data.n_items, 16)  # the model keeps every product


def test_resuming_keeps_the_stored_subset(subset_run, cyclic_data, monkeypatch):
    run = RunDir(subset_run)
    before = run.snapshot_items()
    first = run.snapshot(1)
    monkeypatch.setattr(snapshots_module, "SNAPSHOT_ITEMS", 10)
    info = run.info()
    model = build_model("sasrec", DataSpec.of(cyclic_data), TINY)
    # another seed would draw another subset: the resumed run must read the stored one instead
    Trainer(model, cyclic_data, TrainConfig(epochs=3, batch_size=16, lr=1e-2, seed=9, device="cpu"),
            subset_run, info).fit()
    np.testing.assert_array_equal(run.snapshot_items(), before)
    assert run.snapshot_epochs() == [0, 1, 2, 3] and run.snapshot(3).shape == (10, 16)
    np.testing.assert_array_equal(run.snapshot(1), first)  # earlier epochs untouched


def test_a_run_from_before_subsets_resumes_with_every_product(cyclic_data, tmp_path, monkeypatch):
    out = tmp_path / "old"
    train_run(cyclic_data, "sasrec", out, TINY, FAST)
    run = RunDir(out)
    run.snapshot_items_path.unlink()  # as written before subsets: no list, every product
    monkeypatch.setattr(snapshots_module, "SNAPSHOT_ITEMS", 10)
    model = build_model("sasrec", DataSpec.of(cyclic_data), TINY)
    Trainer(model, cyclic_data, TrainConfig(epochs=3, batch_size=16, lr=1e-2, device="cpu"), out, run.info()).fit()
    assert run.snapshot_items().tolist() == list(range(cyclic_data.n_items))
    assert {run.snapshot(e).shape for e in run.snapshot_epochs()} == {(cyclic_data.n_items, 16)}
