"""Full-ranking evaluation on a hand-made model whose ranks are known."""

from __future__ import annotations

import math

import numpy as np
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


def test_sampled_protocol_ranks_the_target_among_99_seeded_negatives(tmp_path):
    from core.data import load_dataset
    from core.evaluation.ranking import sampled_candidates

    seen = torch.zeros(2, 300, dtype=torch.bool)
    seen[0, :150] = True  # row 0 bought the first half
    targets = torch.tensor([200, 5])
    exclude = sampled_candidates(seen.clone(), targets, np.random.default_rng(0))
    candidates = ~exclude
    assert candidates.sum(1).tolist() == [100, 100]  # target + 99
    assert candidates[0, targets[0]] and candidates[1, targets[1]]
    assert not (candidates[0] & seen[0]).any()  # negatives are never bought items
    again = sampled_candidates(seen.clone(), targets, np.random.default_rng(0))
    assert torch.equal(exclude, again)  # seeded: reproducible
    assert not torch.equal(exclude, sampled_candidates(seen.clone(), targets, np.random.default_rng(1)))

    # end to end on the hand-made model: items score -index, so the rank is the number of sampled
    # negatives with a smaller index than the target
    rows = [(f"u{u}", f"i{(u * 7 + j) % 60:02d}", j) for u in range(5) for j in range(6)]
    data = load_dataset(write_dataset(tmp_path, rows, [f"i{i:02d}" for i in range(60)]), k=1)
    model = FixedScores(DataSpec(data.n_users, data.n_items))
    result = evaluate(model, data, "test", ks=(1, 10), protocol="sampled", seed=3)
    assert result.per_user["rank"].between(0, 99).all()
    assert evaluate(model, data, "test", protocol="sampled", seed=3).per_user["rank"].tolist() == \
        result.per_user["rank"].tolist()
    ends = data.target_positions("test")
    for row in result.per_user.itertuples():
        u = data.user_index(row.user_id)
        target = data.flat_items[ends[u]]
        bought = set(data.flat_items[data.offsets[u]:ends[u]].tolist())
        fewer = [i for i in range(target) if i not in bought]
        # 54 unbought items < 99: all are candidates, so the rank is every unbought item ahead of it
        assert row.rank == len(fewer)
