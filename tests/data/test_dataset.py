"""Filtering, indexing, chronological order and the leave-one-out split."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.data import k_core, load_dataset
from tests.conftest import write_dataset


def test_k_core_iterates_until_stable():
    # item z has 2 rows; removing it leaves user v with 1 row, which must then go too
    rows = [("u", i) for i in "abc"] + [("w", i) for i in "abc"] + [("v", "a"), ("v", "z"), ("x", "z")]
    frame = pd.DataFrame(rows, columns=["user_id", "item_id"])
    kept = k_core(frame, 2)
    assert sorted(kept["user_id"].unique()) == ["u", "w"]
    assert sorted(kept["item_id"].unique()) == ["a", "b", "c"]


def test_time_order_with_stable_tie_break_and_split(tmp_path):
    rows = [("u1", "c", 300), ("u1", "a", 100), ("u1", "b", 100), ("u1", "d", 400),
            ("u2", "b", 50), ("u2", "a", 60), ("u2", "d", 70)]
    data = load_dataset(write_dataset(tmp_path, rows), k=1)
    assert data.user_ids == ["u1", "u2"] and data.item_ids == ["a", "b", "c", "d"]
    items, times = data.user_sequence(0)
    # a and b share timestamp 100: file order (a first) breaks the tie
    assert [data.item_ids[i] for i in items] == ["a", "b", "c", "d"]
    assert times.tolist() == [100, 100, 300, 400]
    valid, test = data.target_positions("valid"), data.target_positions("test")
    assert [data.item_ids[data.flat_items[p]] for p in valid] == ["c", "a"]
    assert [data.item_ids[data.flat_items[p]] for p in test] == ["d", "d"]
    users, train_items = data.train_pairs()
    assert users.tolist() == [0, 0, 1] and [data.item_ids[i] for i in train_items] == ["a", "b", "b"]
    assert data.t0 == 50 and data.pad == 4


def test_users_with_fewer_than_three_items_are_dropped(tmp_path):
    rows = [("u1", "a", 1), ("u1", "b", 2), ("u1", "c", 3), ("u2", "a", 1), ("u2", "b", 2)]
    data = load_dataset(write_dataset(tmp_path, rows), k=1)
    assert data.user_ids == ["u1"]
    assert data.report.users == 1 and data.report.raw_users == 2


def test_items_frame_is_aligned_to_item_index(tmp_path):
    rows = [("u1", "zz", 1), ("u1", "aa", 2), ("u1", "mm", 3)]
    data = load_dataset(write_dataset(tmp_path, rows, item_ids=["mm", "zz", "aa"]), k=1)
    assert data.items["item_id"].tolist() == data.item_ids == ["aa", "mm", "zz"]
    assert data.items["title"].tolist() == ["Item aa", "Item mm", "Item zz"]


def test_find_returns_the_index_or_none(cyclic_data):
    user, item = cyclic_data.user_ids[3], cyclic_data.item_ids[5]
    assert (cyclic_data.find_user(user), cyclic_data.find_item(item)) == (3, 5)
    assert cyclic_data.find_user("nobody") is None and cyclic_data.find_item("nothing") is None


def test_lookup_errors_are_readable(cyclic_data):
    try:
        cyclic_data.user_index("nobody")
    except KeyError as exc:
        assert "user 'nobody' is not in dataset" in exc.args[0]
    else:
        raise AssertionError("expected KeyError")
    assert np.all(np.diff(cyclic_data.offsets) >= 3)
