"""The drift views of a run that snapshots a subset of its products, and of runs from before subsets."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from core.explain import drift_statistics, projections
from core.explain.drift import content_spaces, drift_table
from core.training import RunDir, TrainConfig, open_run, train_run
from core.training import snapshots as snapshots_module
from core.training.errors import RunError
from core.training.storage import save_array

TINY = {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0}
FAST = TrainConfig(epochs=2, batch_size=16, lr=1e-2, patience=10, device="cpu")


@pytest.fixture(scope="module")
def runs(featured_data, tmp_path_factory):
    """Two SASRec runs: one snapshotting 12 of the 30 products, one every product."""
    root = tmp_path_factory.mktemp("drift_subset")
    patch = pytest.MonkeyPatch()
    patch.setattr(snapshots_module, "SNAPSHOT_ITEMS", 12)
    try:
        train_run(featured_data, "sasrec", root / "subset", TINY, FAST)
    finally:
        patch.undo()
    train_run(featured_data, "sasrec", root / "every", TINY, FAST)
    return root


def test_the_drift_views_of_a_subset_run_show_only_its_products(runs, featured_data):
    trained = open_run(runs / "subset", data=featured_data)
    items = trained.run.snapshot_items()
    assert len(items) == 12
    ids = np.asarray(featured_data.item_ids, dtype=object)
    proj = projections(trained, "pca")
    assert len(proj) == 3 * 12 and set(proj["item_id"]) == set(ids[items])
    # each product keeps its own row: the epoch-2 points are the PCA of the stored rows, in the stored order
    last = proj[proj["epoch"] == 2]
    assert last["item_id"].tolist() == list(ids[items])
    stats = drift_statistics(trained, k=3)
    snaps = {e: trained.run.snapshot(e).astype(np.float32) for e in trained.run.snapshot_epochs()}
    spaces = content_spaces({m: x[items] for m, x in featured_data.features.items()},
                            {m: x[items] for m, x in featured_data.feature_missing.items()})
    pd.testing.assert_frame_equal(stats, drift_table(snaps, spaces, k=3), check_dtype=False)


def test_a_run_with_full_float32_snapshots_from_before_subsets_still_opens(runs, featured_data, tmp_path):
    old = tmp_path / "old"
    shutil.copytree(runs / "every", old)
    run = RunDir(old)
    run.snapshot_items_path.unlink()
    for epoch in run.snapshot_epochs():
        save_array(run.snapshot_path(epoch), run.snapshot(epoch).astype(np.float32))
    trained = open_run(old, data=featured_data)
    proj = projections(trained, "pca")
    assert len(proj) == 3 * featured_data.n_items and set(proj["item_id"]) == set(featured_data.item_ids)
    assert drift_statistics(trained, k=3)["epoch"].tolist() == [0, 1, 2]


def test_a_subset_list_that_does_not_match_the_snapshots_is_named(runs, featured_data, tmp_path):
    broken = tmp_path / "broken"
    shutil.copytree(runs / "subset", broken)
    save_array(RunDir(broken).snapshot_items_path, np.arange(5))
    with pytest.raises(RunError, match=r"items\.npy.*5 snapshotted products but its snapshots have 12 rows"):
        projections(open_run(broken, data=featured_data), "pca")
