"""Drift statistics and aligned projections: planted cases, caching, and tiny trained runs."""

from __future__ import annotations

import ast
import io
import os
import sys
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.explain import (
    aligned_pca,
    drift_statistics,
    drift_table,
    find_ablation_pair,
    item_labels,
    projection_is_cached,
    projections,
)
from core.explain import drift as drift_module
from core.explain.drift import content_spaces, umap_epochs
from core.training import TrainConfig, open_run, train_run
from core.training.storage import save_array


@pytest.fixture
def clusters():
    """Four well separated clusters of five items each in 8-d."""
    rng = np.random.default_rng(0)
    centres = np.eye(8)[:4] * 10
    return (np.repeat(centres, 5, axis=0) + rng.normal(scale=0.5, size=(20, 8))).astype(np.float32)


# ------------------------------------------------------------------------------ statistics
def test_drift_table_hand_computed_step_cosine_and_overlap():
    start = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    moved = start[[0, 2, 1, 3]]  # items 1 and 2 swap places
    table = drift_table({0: start, 3: moved}, {"content": (start, np.ones(4, dtype=bool))}, k=1)
    assert table["epoch"].tolist() == [0, 3]
    first, last = table.iloc[0], table.iloc[1]
    assert first["mean_cosine_to_init"] == pytest.approx(1.0)
    assert first["knn_overlap_init"] == 1.0 and first["knn_overlap_content"] == 1.0
    assert np.isnan(first["mean_step"])
    cos = float(start[1] @ start[2] / np.linalg.norm(start[1]) / np.linalg.norm(start[2]))
    assert last["mean_cosine_to_init"] == pytest.approx((1 + cos + cos + 1) / 4, rel=1e-6)
    # nearest neighbours before: 0->1, 1->0, 2->3, 3->2; after the swap: 0->2, 1->3, 2->0, 3->1.
    assert last["knn_overlap_init"] == 0.0 and last["knn_overlap_content"] == 0.0
    step = np.linalg.norm(start[1] - start[2])
    assert last["mean_step"] == pytest.approx(2 * step / 4, rel=1e-6)
    assert last["mean_norm"] == pytest.approx(np.linalg.norm(start, axis=1).mean(), rel=1e-6)


def test_growing_noise_drifts_away_from_content(clusters):
    noise = np.random.default_rng(1).normal(size=clusters.shape).astype(np.float32)
    snaps = {e: clusters + e * 4.0 * noise for e in range(4)}
    table = drift_table(snaps, content_spaces({"text": clusters}), k=4)
    assert list(table.columns) == ["epoch", "mean_cosine_to_init", "knn_overlap_init", "knn_overlap_content",
                                   "knn_overlap_text", "mean_step", "mean_norm"]
    assert (np.diff(table["mean_cosine_to_init"]) < 0).all()
    assert table["knn_overlap_content"].iloc[0] == 1.0
    assert table["knn_overlap_content"].iloc[-1] < 0.6
    # every step adds the same noise vector, so every step has the same length
    np.testing.assert_allclose(table["mean_step"].iloc[1:], np.linalg.norm(4.0 * noise, axis=1).mean(), rtol=1e-5)


def test_content_space_weighs_modalities_equally_and_skips_missing_items():
    text = np.array([[3.0, 0.0], [0.0, 4.0], [1.0, 1.0]], dtype=np.float32)
    image = np.array([[0.0, 2.0, 0.0], [5.0, 5.0, 5.0], [1.0, 0.0, 0.0]], dtype=np.float32)
    spaces = content_spaces({"text": text, "image": image}, {"image": np.array([False, True, False])})
    matrix, valid = spaces["content"]
    assert matrix.shape == (3, 5) and valid.all()
    # row 1 lacks its image: its image block is zero, its text block unit length
    np.testing.assert_allclose(matrix[1], [0, 0, 0, 0, 1])  # modalities sorted: image, then text
    np.testing.assert_allclose(np.linalg.norm(matrix[0, :3]), 1.0)
    assert spaces["image"][1].tolist() == [True, False, True]


def test_snapshots_of_different_shapes_are_refused(clusters):
    with pytest.raises(ValueError, match="every snapshot needs the same shape"):
        drift_table({0: clusters, 1: clusters[:10]})


# ------------------------------------------------------------------------------ projections
def test_pca_views_are_aligned_across_epochs(clusters):
    """A planted drift that only translates half the items: no rotation, no flip between epochs."""
    shift = np.zeros(8, dtype=np.float32)
    shift[5] = 6.0
    moved = clusters.copy()
    moved[10:] += shift
    coords, explained = aligned_pca({0: clusters, 1: moved, 2: clusters.copy()})
    # items that did not move keep their coordinates exactly
    np.testing.assert_allclose(coords[1][:10], coords[0][:10], atol=1e-9)
    np.testing.assert_allclose(coords[2], coords[0], atol=1e-9)
    # items that moved all moved by the same 2-D vector: the projection of the shift
    delta = coords[1][10:] - coords[0][10:]
    np.testing.assert_allclose(delta, np.repeat(delta[:1], 10, axis=0), atol=1e-9)
    assert np.linalg.norm(delta[0]) > 0
    assert 0 < explained[1] <= explained[0] <= 1


def test_pca_fits_all_epochs_unlike_independent_fits(clusters):
    """An epoch that is the mirror image of the first keeps its mirror image in the view."""
    coords, _ = aligned_pca({0: clusters, 1: -clusters})
    np.testing.assert_allclose(coords[1], -coords[0], atol=1e-9)


def test_umap_epochs_keep_first_and_last():
    assert umap_epochs(range(11), 4) == [0, 3, 7, 10]
    assert umap_epochs([0, 1, 2], 4) == [0, 1, 2]
    assert umap_epochs([5, 0, 9], 2) == [0, 9]


# ------------------------------------------------------------------------------ runs
@pytest.fixture(scope="module")
def stair_runs(tmp_path_factory, featured_data):
    root = tmp_path_factory.mktemp("drift_runs")
    config = TrainConfig(epochs=3, batch_size=64, lr=0.01, device="cpu", patience=10)
    for name, bsc in (("with_smoothing", True), ("plain", False)):
        train_run(featured_data, "stair", root / name, {"dim": 8, "use_bsc": bsc}, config)
    return root


def test_drift_statistics_of_a_trained_run(stair_runs, featured_data):
    trained = open_run(stair_runs / "with_smoothing", data=featured_data)
    table = drift_statistics(trained, k=5)
    assert table["epoch"].tolist() == [0, 1, 2, 3]
    assert {"knn_overlap_content", "knn_overlap_text", "knn_overlap_image"} <= set(table.columns)
    assert table["mean_cosine_to_init"].iloc[0] == pytest.approx(1.0)
    assert table["mean_cosine_to_init"].iloc[-1] < 1.0
    assert (table["mean_step"].iloc[1:] > 0).all()
    snaps = {e: trained.run.snapshot(e) for e in trained.run.snapshot_epochs()}
    direct = drift_table(snaps, content_spaces(featured_data.features, featured_data.feature_missing), k=5)
    pd.testing.assert_frame_equal(table, direct, check_dtype=False)


def test_projections_are_cached_and_not_recomputed(stair_runs, featured_data, monkeypatch):
    trained = open_run(stair_runs / "with_smoothing", data=featured_data)
    first = projections(trained, "pca")
    assert sorted(first["epoch"].unique()) == [0, 1, 2, 3]
    assert len(first) == 4 * featured_data.n_items
    assert set(first["item_id"]) == set(featured_data.item_ids)
    cached = list((trained.run.root / "explain").glob("projection_pca-*"))
    assert len(cached) == 2  # the array and its meta

    def fail(*args, **kwargs):
        raise AssertionError("the cached projection was recomputed")

    monkeypatch.setattr(drift_module, "aligned_pca", fail)
    again = projections(trained, "pca")
    pd.testing.assert_frame_equal(first, again)
    assert again.attrs["explained"] == first.attrs["explained"]


def test_changed_snapshots_invalidate_the_cache(stair_runs, featured_data):
    trained = open_run(stair_runs / "plain", data=featured_data)
    before = projections(trained, "pca")
    last = trained.run.snapshot_epochs()[-1]
    emb = trained.run.snapshot(last)
    save_array(trained.run.snapshot_path(last), emb * 2.0)  # as if training had continued
    stamp = trained.run.snapshot_path(last).stat().st_mtime_ns
    os.utime(trained.run.snapshot_path(last), ns=(stamp + 10**9, stamp + 10**9))
    try:
        after = projections(trained, "pca")
        assert not np.allclose(after["x"], before["x"])
        assert len(list((trained.run.root / "explain").glob("projection_pca-*"))) == 2  # stale entry removed
    finally:
        save_array(trained.run.snapshot_path(last), emb)


def test_projection_errors_are_readable(stair_runs, featured_data):
    trained = open_run(stair_runs / "plain", data=featured_data)
    with pytest.raises(ValueError, match="unknown projection method 'tsne'"):
        projections(trained, "tsne")
    with pytest.raises(ValueError, match=r"no snapshot for epoch\(s\) \[7\]"):
        projections(trained, "umap", epochs=[0, 7])


def test_the_smoothing_ablation_pair_is_found_by_config(stair_runs, tmp_path):
    pair = find_ablation_pair([stair_runs / "plain", stair_runs / "with_smoothing"], "use_bsc")
    assert pair == (stair_runs / "with_smoothing", stair_runs / "plain")
    assert find_ablation_pair([stair_runs / "plain"], "use_bsc") is None
    assert find_ablation_pair([stair_runs / "plain", stair_runs / "with_smoothing"], "use_fsc") is None


def test_item_labels_from_categories(featured_data):
    labels = item_labels(featured_data)
    assert labels["item_id"].tolist() == featured_data.item_ids
    assert set(labels["category"]) == {"Things"}
    assert labels.loc[labels["item_id"] == "I004", "subcategory"].item() == "Group1"


def test_umap_is_never_imported_at_module_level():
    """umap's first import compiles for ~25 s: only functions that run UMAP may import it."""
    root = Path(__file__).resolve().parents[2]
    for path in [*root.joinpath("core").rglob("*.py"), *root.joinpath("pages").rglob("*.py"), root / "app.py"]:
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in tree.body:  # module level only
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n.split(".")[0] == "umap" for n in names), f"{path} imports umap at module level"


def test_umap_projection_wiring_and_cache(stair_runs, featured_data, monkeypatch):
    """AlignedUMAP gets the chosen epochs with identity relations; its result is cached (fake umap module)."""
    calls = []

    class FakeAlignedUMAP:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

        def fit(self, data, relations):
            calls.append((len(data), relations, self.kwargs))
            self.embeddings_ = [x[:, :2] * 1.0 for x in data]
            return self

    monkeypatch.setitem(sys.modules, "umap", types.SimpleNamespace(AlignedUMAP=FakeAlignedUMAP))
    trained = open_run(stair_runs / "with_smoothing", data=featured_data)
    frame = projections(trained, "umap", epochs=[0, 3])
    assert len(calls) == 1
    n_views, relations, kwargs = calls[0]
    assert n_views == 2 and relations == [{i: i for i in range(featured_data.n_items)}]
    assert kwargs["metric"] == "cosine" and kwargs["random_state"] == 0
    assert sorted(frame["epoch"].unique()) == [0, 3]
    last = frame[frame["epoch"] == 3].set_index("item_id").loc[featured_data.item_ids]
    np.testing.assert_allclose(last[["x", "y"]].to_numpy(), trained.run.snapshot(3)[:, :2], rtol=1e-6)
    projections(trained, "umap", epochs=[0, 3])
    assert len(calls) == 1  # served from the cache
    assert projection_is_cached(trained.run, "umap", epochs=[0, 3])
    assert not projection_is_cached(trained.run, "umap", epochs=[0, 1])


def test_item_labels_with_ground_truth_hand_computed(tmp_path):
    from core.data import load_dataset
    from tests.conftest import write_dataset

    orders = {"U0": "ABCD", "U1": "ACBD", "U2": "BCAD", "U3": "CBAD"}  # the first two of each are training
    rows = [(u, item, 1_700_000_000 + 100 * n) for u, items in orders.items() for n, item in enumerate(items)]
    root = write_dataset(tmp_path / "truthful", rows)
    (root / "truth").mkdir()
    pd.DataFrame({"user_id": list(orders), "persona": ["visual", "visual", "textual", "textual"]}).to_csv(
        root / "truth" / "customers.csv", index=False)
    pd.DataFrame({"item_id": list("ABCD"), "colour": ["red", "blue", "red", "blue"],
                  "constant": "x"}).to_csv(root / "truth" / "items.csv", index=False)
    labels = item_labels(load_dataset(root, k=1)).set_index("item_id")
    # A: bought in training by U0, U1 (visual); B: U0 (visual), U2, U3 (textual); C: U1, U2, U3; D: nobody
    assert labels["main_buyer_persona"].to_dict() == {"A": "visual", "B": "textual", "C": "textual", "D": ""}
    assert labels["colour"].tolist() == ["red", "blue", "red", "blue"]
    assert "constant" not in labels  # one value: nothing to colour by


def test_drift_command_precomputes_the_projection_and_prints_the_table(stair_runs, capsys):
    from core.cli import main

    run_dir = stair_runs / "plain"
    for old in (run_dir / "explain").glob("*"):
        old.unlink()
    assert main(["drift", str(run_dir), "--json"]) == 0
    out = capsys.readouterr()
    rows = pd.read_json(io.StringIO(out.out))
    assert rows["epoch"].tolist() == [0, 1, 2, 3]
    assert "pca projection of epochs 0, 1, 2, 3" in out.err
    assert len(list((run_dir / "explain").glob("projection_pca-*.npy"))) == 1
    assert main(["drift", str(run_dir / "missing")]) == 2
    assert "is not a run directory" in capsys.readouterr().err


def test_main_buyer_breaks_ties_by_name_and_skips_unknown_personas(tmp_path):
    from core.data import load_dataset
    from core.explain.drift import main_buyer
    from tests.conftest import write_dataset

    orders = {"U0": "ABCD", "U1": "BACD", "U2": "ABCD"}  # training: U0 A,B; U1 B,A; U2 A,B
    rows = [(u, item, 1_700_000_000 + 100 * n) for u, items in orders.items() for n, item in enumerate(items)]
    data = load_dataset(write_dataset(tmp_path / "ties", rows), k=1)
    persona = np.array(["zeta", "alpha", None], dtype=object)  # U2's persona is unknown
    # A and B: one zeta buyer, one alpha buyer (U2 not counted) -> the first by name; C, D: no training buyer
    assert main_buyer(data, persona).tolist() == ["alpha", "alpha", "", ""]
