"""The one top-K and the one seen-item mask, on hand-computed cases; and that no other code ranks."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch

from core.data.batches import seen_mask
from core.scoring import top_k

CORE = Path(__file__).resolve().parents[2] / "core"


def test_top_k_masks_seen_items_and_caps_k_at_the_fewest_candidates():
    scores = torch.tensor([[0.1, 0.9, 0.5, 0.7],
                           [0.8, 0.2, 0.6, 0.4]])
    seen = torch.tensor([[False, True, False, False],
                         [True, False, True, False]])
    values, index = top_k(scores, seen, k=3)
    # row 1 has two candidates only, so every row gets two
    assert index.tolist() == [[3, 2], [3, 1]]
    torch.testing.assert_close(values, torch.tensor([[0.7, 0.5], [0.4, 0.2]]))


def test_top_k_shares_one_mask_row_across_rows():
    scores = torch.tensor([[3.0, 2.0, 1.0], [1.0, 2.0, 3.0]])
    _, index = top_k(scores, torch.tensor([True, False, False]), k=5)
    assert index.tolist() == [[1, 2], [2, 1]]


def test_seen_mask_marks_the_history_before_each_end(cyclic_data):
    users = np.array([3, 0, 3])
    ends = cyclic_data.offsets[users] + np.array([2, 0, 4])  # 2, 0 and 4 purchases
    mask = seen_mask(cyclic_data, users, ends)
    for row, (u, e) in enumerate(zip(users, ends)):
        expected = np.zeros(cyclic_data.n_items, dtype=bool)
        expected[cyclic_data.flat_items[cyclic_data.offsets[u]:e]] = True
        np.testing.assert_array_equal(mask[row].numpy(), expected)
    whole = seen_mask(cyclic_data, np.array([5]))[0].numpy()
    assert whole.sum() == len(np.unique(cyclic_data.user_sequence(5)[0]))


def test_user_and_item_indices_are_vectorised_lookups(cyclic_data):
    ids = [cyclic_data.user_ids[7], cyclic_data.user_ids[0], cyclic_data.user_ids[7]]
    assert cyclic_data.user_indices(ids).tolist() == [7, 0, 7]
    assert cyclic_data.item_indices(np.array(cyclic_data.item_ids[::-1])).tolist() == \
        list(range(cyclic_data.n_items))[::-1]
    with pytest.raises(KeyError, match=r"user 'ghost' is not in dataset .* known users look like"):
        cyclic_data.user_indices([ids[0], "ghost"])


def _calls(tree: ast.AST, name: str) -> list[int]:
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and
            (getattr(n.func, "attr", None) == name or getattr(n.func, "id", None) == name)]


# The item-item kNN graph of the content features picks neighbours, not a customer's list.
TOPK_ALLOWED = {"scoring/ranking.py", "models/sparse.py"}


def test_one_top_k_and_one_seen_mask_in_core():
    topk_sites, mask_defs = [], []
    for path in sorted(CORE.rglob("*.py")):
        rel = path.relative_to(CORE).as_posix()
        tree = ast.parse(path.read_text())
        if rel not in TOPK_ALLOWED and _calls(tree, "topk"):
            topk_sites.append(rel)
        mask_defs += [f"{rel}:{n.name}" for n in ast.walk(tree)
                      if isinstance(n, ast.FunctionDef) and "seen" in n.name and "mask" in n.name]
    assert topk_sites == [], f"top-K outside core/scoring/ranking.py: {topk_sites}"
    assert mask_defs == ["data/batches.py:seen_mask"]
