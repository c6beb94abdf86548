"""Full-ranking evaluation on a hand-made model whose ranks are known."""

from __future__ import annotations

import math

import pytest
import torch

from core.data.batches import Batch
from core.evaluation import evaluate
from core.models.base import DataSpec, Recommender
from tests.conftest import write_dataset


class FixedScores(Recommender):
    """Scores item i as -i: item 0 is always first."""

    def loss(self, batch: Batch):
        raise NotImplementedError

    def score_all(self, batch: Batch) -> torch.Tensor:
        return -torch.arange(self.spec.n_items, dtype=torch.float32).expand(len(batch), -1)


def test_evaluate_masks_history_and_reports_per_user(tmp_path):
    from core.data import load_dataset
    rows = [("u1", "a", 1), ("u1", "b", 2), ("u1", "c", 3), ("u1", "d", 4),   # test target d
            ("u2", "d", 1), ("u2", "c", 2), ("u2", "a", 3)]                   # test target a
    data = load_dataset(write_dataset(tmp_path, [*rows, ("u3", "e", 1), ("u3", "f", 2), ("u3", "b", 3)]), k=1)
    model = FixedScores(DataSpec(data.n_users, data.n_items))
    result = evaluate(model, data, "test", ks=(1, 5))
    table = result.per_user.set_index("user_id")
    # u1: a,b,c masked -> d is first among remaining (d,e,f). u2: a is item 0 -> rank 0.
    # u3: e,f masked; b (index 1) has only a ahead of it -> rank 1.
    assert table["rank"].to_dict() == {"u1": 0, "u2": 0, "u3": 1}
    assert table.loc["u3", "ndcg@5"] == pytest.approx(1 / 1.5849625007211563)
    assert result.summary["hr@1"] == pytest.approx(2 / 3)
    assert table["history_len"].to_dict() == {"u1": 3, "u2": 2, "u3": 2}
    assert table.loc["u1", "target"] == "d"


def test_unmasked_protocol_ranks_the_history_too(tmp_path):
    """The hand-made case above, with nothing masked: bought items stay candidates (RecBole's protocol)."""
    from core.data import load_dataset
    rows = [("u1", "a", 1), ("u1", "b", 2), ("u1", "c", 3), ("u1", "d", 4),
            ("u2", "d", 1), ("u2", "c", 2), ("u2", "a", 3),
            ("u3", "e", 1), ("u3", "f", 2), ("u3", "b", 3)]
    data = load_dataset(write_dataset(tmp_path, rows), k=1)
    model = FixedScores(DataSpec(data.n_users, data.n_items))
    table = evaluate(model, data, "test", ks=(1, 5), protocol="unmasked").per_user.set_index("user_id")
    # items a..f score 0, -1, ..., -5: u1's d has a, b, c ahead (rank 3); u2's a is first; u3's b has a ahead
    assert table["rank"].to_dict() == {"u1": 3, "u2": 0, "u3": 1}
    assert table.loc["u1", "ndcg@5"] == pytest.approx(1 / math.log2(5))  # rank 3 (0-based): 1 / log2(3 + 2)
    with pytest.raises(ValueError, match="protocol must be one of"):
        evaluate(model, data, "test", protocol="sampled-99")
