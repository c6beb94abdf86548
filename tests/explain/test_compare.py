"""Top-K overlap between models: hand-computed lists and tiny trained runs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import load_dataset
from core.explain import (
    list_overlap,
    overlap_by_segment,
    overlap_matrix,
    overlap_summary,
    pairwise_overlap,
    recommendations,
    top_k_lists,
    topk_overlap,
    topk_table,
)
from core.training import TrainConfig, open_run, train_run
from tests.conftest import cyclic_interactions, write_dataset


def test_list_overlap_hand_computed():
    a = np.array([[1, 2, 3, 4], [5, 6, 7, 8], [1, 2, 3, 4]])
    b = np.array([[4, 3, 9, 10], [9, 10, 11, 12], [2, 1, 4, 3]])
    # row 0 shares {3, 4} -> 2/4; row 1 nothing; row 2 the same items in another order
    np.testing.assert_allclose(list_overlap(a, b), [0.5, 0.0, 1.0])
    with pytest.raises(ValueError, match="different shapes"):
        list_overlap(a, b[:, :3])


def test_overlap_summary_hand_computed():
    pairs = pd.DataFrame({"user_id": ["u1", "u2", "u3", "u4"], "model_a": "A", "model_b": "B",
                          "overlap": [0.0, 0.5, 1.0, 0.5]})
    row = overlap_summary(pairs).iloc[0]
    assert (row["model_a"], row["model_b"], row["customers"]) == ("A", "B", 4)
    assert row["mean_overlap"] == pytest.approx(0.5)
    assert row["median_overlap"] == pytest.approx(0.5)
    assert row["share_none_shared"] == pytest.approx(0.25)
    assert row["share_identical"] == pytest.approx(0.25)


@pytest.fixture(scope="module")
def three_runs(tmp_path_factory, cyclic_data):
    root = tmp_path_factory.mktemp("compare_runs")
    config = TrainConfig(epochs=2, batch_size=64, lr=0.01, device="cpu")
    train_run(cyclic_data, "popularity", root / "popularity", None, config)
    train_run(cyclic_data, "popularity", root / "popularity_again", None, config)
    train_run(cyclic_data, "sasrec", root / "sasrec", {"dim": 16, "n_layers": 1, "max_len": 8}, config)
    return [open_run(root / name, data=cyclic_data) for name in ("popularity", "popularity_again", "sasrec")]


def test_batched_lists_match_single_customer_recommendations(three_runs, cyclic_data):
    users = cyclic_data.user_ids[:7]
    for trained in three_runs:
        lists = top_k_lists(trained, users, k=5, batch_size=3)
        for user, row in zip(users, lists):
            expected = recommendations(trained, user, k=5)["item_id"].tolist()
            assert [cyclic_data.item_ids[i] for i in row] == expected


def test_overlap_matrix_equals_hand_computed_sets(three_runs, cyclic_data):
    users = cyclic_data.user_ids[:10]
    k = 5
    matrix = overlap_matrix(three_runs, users, k=k)
    assert list(matrix.index) == ["popularity", "popularity_again", "sasrec"]
    tops = {t.name: [set(recommendations(t, u, k=k)["item_id"]) for u in users] for t in three_runs}
    expected = np.mean([len(a & b) / k for a, b in zip(tops["popularity"], tops["sasrec"])])
    assert matrix.loc["popularity", "sasrec"] == pytest.approx(expected)
    assert matrix.loc["sasrec", "popularity"] == pytest.approx(expected)
    assert matrix.loc["popularity", "popularity_again"] == pytest.approx(1.0)  # the same deterministic model
    np.testing.assert_allclose(np.diag(matrix.to_numpy()), 1.0)
    # the sequential model learned the successor rule: its lists differ from the popularity ranking
    assert expected < 1.0


def test_per_customer_overlap_and_side_by_side_table(three_runs, cyclic_data):
    user = cyclic_data.user_ids[3]
    single = topk_overlap(three_runs, user, k=4)
    a = set(recommendations(three_runs[0], user, k=4)["item_id"])
    b = set(recommendations(three_runs[2], user, k=4)["item_id"])
    assert single.loc["popularity", "sasrec"] == pytest.approx(len(a & b) / 4)
    pairs = pairwise_overlap(three_runs, cyclic_data.user_ids[:6], k=4)
    assert len(pairs) == 6 * 3 and set(pairs["model_a"]) == {"popularity", "popularity_again"}
    table = topk_table(three_runs, user, k=4)
    assert table["rank"].tolist() == [1, 2, 3, 4]
    titles = dict(zip(cyclic_data.item_ids, cyclic_data.items["title"]))
    shared = a & b
    marked = {t.removesuffix(" ✓") for t in table["sasrec"] if t.endswith(" ✓")}
    assert marked == {titles[i] for i in shared}


def test_unknown_customer_and_other_data_are_refused(three_runs, tmp_path):
    with pytest.raises(KeyError, match="'nobody' is not in dataset"):
        topk_overlap(three_runs, "nobody")
    smaller = load_dataset(write_dataset(tmp_path / "smaller", cyclic_interactions(n_users=20, n_items=15)), k=2)
    train_run(smaller, "popularity", tmp_path / "other", None, TrainConfig(epochs=1, device="cpu"))
    other = open_run(tmp_path / "other", data=smaller)
    with pytest.raises(ValueError, match="trained on other data"):
        overlap_matrix([three_runs[0], other], ["U000"])


def test_overlap_by_segment_hand_computed():
    pairs = pd.DataFrame({"user_id": ["u1", "u2", "u3", "u4"], "model_a": "A", "model_b": "B",
                          "overlap": [0.2, 0.4, 1.0, 0.7]})
    segments = pd.Series({"u1": "visual", "u2": "visual", "u3": "textual"})  # u4 has no segment
    out = overlap_by_segment(pairs, segments)
    assert out["segment"].tolist() == ["textual", "visual"]
    assert out["customers"].tolist() == [1, 2]
    np.testing.assert_allclose(out["mean_overlap"], [1.0, 0.3])
