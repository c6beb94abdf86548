"""New-product evaluation on the hand-made shop of tests/data/test_new_items.py, ranks by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.evaluation.metrics import ndcg
from core.evaluation.new_items import evaluate_new_items, random_order_metrics
from core.models import DataSpec, build_model
from core.models.base import Capabilities, Recommender
from core.scoring import Scorer
from tests.data.test_new_items import split, toy_dir  # noqa: F401  (fixtures)


class FirstTextColumn(Recommender):
    """Scores a new product by the first column of its text features, whoever the customer."""

    batch_kind = "none"

    def loss(self, batch):
        raise NotImplementedError

    def score_all(self, batch):
        return torch.zeros(len(batch.users), self.spec.n_items)

    @property
    def capabilities(self):
        return Capabilities(parts=("score",), new_items=True)

    def score_new(self, batch, content):
        return {"score": content["text"][:, 0].expand(len(batch.users), -1)}  # (B, J)


def test_ranks_and_random_reference_by_hand(split):  # noqa: F811
    model = FirstTextColumn(DataSpec.of(split.data)).eval()
    result = evaluate_new_items(Scorer(split.data, model), split, "test")
    rows = result.per_row.sort_values("time")
    # M scores 3, N scores 2. u1 at 22: N bought before -> only M; u2 at 23: M above N -> rank 1;
    # u2 at 24: N bought at 23 -> only M.
    assert rows["rank"].tolist() == [0, 1, 0]
    assert rows["candidates"].tolist() == [1, 2, 1]
    assert result.summary["ndcg@10"] == pytest.approx((2 + 1 / np.log2(3)) / 3)
    assert result.summary["recall@20"] == 1.0
    assert result.random["ndcg@20"] == pytest.approx((1 + (1 + 1 / np.log2(3)) / 2 + 1) / 3)
    assert result.to_dict()["products"] == 2 and result.to_dict()["targets"] == 3


def test_id_only_models_say_they_cannot_and_keep_the_random_reference(split):  # noqa: F811
    model = build_model("popularity", DataSpec.of(split.data))
    model.prepare(split.data)
    result = evaluate_new_items(Scorer(split.data, model.eval()), split, "test")
    assert result.summary is None and "cannot score unseen products" in result.refused
    assert result.to_dict()["metrics"] == result.refused
    assert result.random["recall@10"] == 1.0


@pytest.mark.parametrize("n", [1, 7, 20, 21, 95])
def test_random_order_expectation_is_the_mean_over_every_position(n):
    expected = random_order_metrics(np.array([n]), ks=(10, 20))
    positions = np.arange(n)  # the target equally likely at each rank
    assert expected["ndcg@20"][0] == pytest.approx(ndcg(positions, 20).mean())
    assert expected["ndcg@10"][0] == pytest.approx(ndcg(positions, 10).mean())
    assert expected["recall@20"][0] == pytest.approx((positions < 20).mean())
