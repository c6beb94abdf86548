"""SASRec-specific behaviour (the shared contract is in test_contract.py)."""

from __future__ import annotations

import numpy as np
import torch

from core.data.batches import eval_batches, sequence_batches
from core.models import DataSpec, build_model


def test_scores_from_the_last_position_only_equal_those_of_the_full_encoding(featured_data):
    torch.manual_seed(0)
    model = build_model("sasrec", DataSpec.of(featured_data), {"dim": 16, "max_len": 10, "dropout": 0.0})
    model.prepare(featured_data)
    optimizer = model.make_optimizer(1e-2, 0.0)
    for batch in list(sequence_batches(featured_data, 10, 32, np.random.default_rng(0)))[:3]:
        optimizer.zero_grad()
        model.loss(batch)["loss"].backward()
        optimizer.step()
    model.eval()
    _, batch = next(eval_batches(featured_data, "test", 10, 16))
    with torch.no_grad():
        expected = model.encode(batch.items)[:, -1] @ model.item_emb.weight[:-1].T  # (B, N), every position encoded
        expected = expected + model.repeat.scores(batch.items, featured_data.n_items)  # "bought before" offset
        assert torch.allclose(model.score_all(batch), expected, atol=1e-4)
        assert model.encode(batch.items, last_only=True).shape == (len(batch.items), 1, 16)
