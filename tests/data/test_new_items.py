"""The new-products split on a hand-made shop: what is held out, the targets, their histories."""

from __future__ import annotations

import numpy as np
import pytest

from core.data import load_dataset
from core.data.feature_files import save_features
from core.data.new_items import NewItemsConfig, hold_out_new_items
from tests.conftest import write_dataset

# Times are small integers. The cut-off (quantile 0.75 of the 22 purchase times) is 19: only the
# products N and M are bought after it, so with --new-fraction 0.5 (4 of 8) both are held out.
ROWS = [("u1", "A", 1), ("u1", "B", 2), ("u1", "N", 3), ("u1", "C", 4), ("u1", "N", 21), ("u1", "M", 22),
        ("u2", "A", 5), ("u2", "B", 6), ("u2", "C", 7), ("u2", "E", 8), ("u2", "N", 23), ("u2", "M", 24),
        ("u3", "A", 9), ("u3", "N", 25), ("u3", "M", 26),
        ("u4", "B", 10), ("u4", "C", 11), ("u4", "D", 12), ("u4", "E", 13), ("u4", "F", 14), ("u4", "A", 15),
        ("u4", "B", 16)]
IDS = ["A", "B", "C", "D", "E", "F", "M", "N"]
TEXT = {"A": [1, 1], "B": [1, 2], "C": [1, 3], "D": [1, 4], "E": [1, 5], "F": [1, 6], "M": [3, 0], "N": [2, 0]}
CONFIG = NewItemsConfig(fraction=0.5, seed=4, quantile=0.75)  # seed 4: both in the test half


@pytest.fixture(scope="module")
def toy_dir(tmp_path_factory):
    root = write_dataset(tmp_path_factory.mktemp("new_items"), ROWS)
    save_features(root, IDS, {"text": np.array([TEXT[i] for i in IDS], dtype=np.float32)})
    return root


@pytest.fixture(scope="module")
def split(toy_dir):
    return hold_out_new_items(load_dataset(toy_dir, k=1), CONFIG)


def test_new_products_vanish_from_training(split):
    assert split.cutoff == 19
    assert split.item_ids == ["M", "N"]
    train = split.data
    assert train.item_ids == ["A", "B", "C", "D", "E", "F"]  # its own item index
    assert train.user_ids == ["u1", "u2", "u4"]  # u3 keeps one purchase (A): dropped
    for u in range(train.n_users):
        items, _ = train.user_sequence(u)
        assert all(train.item_ids[i] in "ABCDEF" for i in items)
    assert [train.item_ids[i] for i in train.user_sequence(0)[0]] == ["A", "B", "C"]
    assert train.features["text"].tolist() == [TEXT[i] for i in "ABCDEF"]  # aligned to the new index
    assert split.content["text"].tolist() == [TEXT["M"], TEXT["N"]]


def test_targets_are_first_purchases_after_the_cut_off_with_the_history_before_them(split):
    t = split.targets.sort_values(["time"])
    # u1 bought N before the cut-off (3): its N of day 21 is a repeat, no target.
    assert list(zip(t["user"], [split.item_ids[i] for i in t["item"]], t["time"])) == \
        [(0, "M", 22), (1, "N", 23), (1, "M", 24)]
    data = split.data
    histories = [[data.item_ids[i] for i in data.flat_items[data.offsets[u]:e]] for u, e in zip(t["user"], t["end"])]
    assert histories == [["A", "B", "C"], ["A", "B", "C", "E"], ["A", "B", "C", "E"]]
    assert (t["half"].to_numpy() == split.half[t["item"].to_numpy()]).all()


def test_candidates_leave_out_new_products_bought_before(split):
    assert split.half.tolist() == ["test", "test"]  # the seed puts both in one half (the case worth checking)
    rows = split.rows("test").sort_values("time")
    exclude = split.exclude(rows, split.products("test"))  # columns M, N
    assert exclude.tolist() == [[False, True],  # u1 at 22 bought N on day 3
                                [False, False],  # u2 at 23: nothing yet
                                [False, True]]  # u2 at 24 bought N at 23
    assert split.rows("valid").empty


def test_the_draw_is_seeded_and_refuses_an_impossible_cut_off(toy_dir):
    data = load_dataset(toy_dir, k=1)
    draws = [hold_out_new_items(data, NewItemsConfig(fraction=0.1, seed=s, quantile=0.75)).item_ids
             for s in (3, 3, 0, 1, 2, 5, 6)]
    assert draws[0] == draws[1] and len(draws[0]) == 1  # round(0.1 x 8) = 1 product, the same for a seed
    assert {tuple(d) for d in draws} == {("M",), ("N",)}  # only products bought after the cut-off are drawn
    with pytest.raises(ValueError, match="between 0 and 1"):
        NewItemsConfig(fraction=1.5)
    with pytest.raises(ValueError, match="no new-product target is left"):  # only u3 buys after 25: dropped
        hold_out_new_items(data, NewItemsConfig(quantile=0.9999))
