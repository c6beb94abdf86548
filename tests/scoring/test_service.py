"""The scoring service against independent oracles, on tiny models of every kind."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data.batches import history_batch
from core.scoring import LONG_COLUMNS, Scorer
from tests.explain.tiny_models import SMALL, small_model

MODELS = {"hm4sr": SMALL, "stair": {"dim": 8}, "sasrec": {"dim": 16, "max_len": 8, "dropout": 0.0},
          "popularity": {}}


@pytest.fixture(scope="module", params=sorted(MODELS))
def scorer(request, featured_data):
    return Scorer(featured_data, small_model(request.param, featured_data, MODELS[request.param]))


def _oracle(scorer, users):
    """``(B, N)`` scores straight from ``score_all``, one customer at a time, -inf at bought items."""
    data, rows = scorer.data, []
    for u in users:
        end = data.offsets[u + 1]
        batch = history_batch(data, np.array([u]), np.array([end]), scorer.model.max_len,
                              query_times=np.array([data.flat_times[end - 1]]))
        with torch.no_grad():
            scores = scorer.model.score_all(batch)[0].numpy().astype(np.float64)
        scores[data.user_sequence(u)[0]] = -np.inf
        rows.append(scores)
    return np.array(rows)


def test_batched_top_equals_one_customer_at_a_time(scorer):
    users = np.array([5, 0, 17, 3, 9, 22, 1])
    top = scorer.top(users, k=4, batch_size=3)
    oracle = _oracle(scorer, users)  # (B, N)
    best = -np.sort(-oracle, axis=1)[:, :4]  # the four best unbought scores (ties: any of the tied items)
    np.testing.assert_allclose(top.scores, best, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(np.take_along_axis(oracle, top.items, 1), best, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(top.contributions.sum(-1), top.scores, rtol=1e-4, atol=1e-4)
    assert top.parts == scorer.capabilities.parts
    np.testing.assert_allclose(np.abs(top.shares).sum(-1), 1.0)


def test_long_and_wide_views_carry_the_same_numbers(scorer):
    data = scorer.data
    top = scorer.top(np.array([2, 4]), k=3)
    long = top.long(data)
    p = len(top.parts)
    assert list(long.columns) == LONG_COLUMNS and len(long) == 2 * 3 * p
    assert long["part"].tolist()[:p] == list(top.parts)
    wide = top.wide(data, row=1)
    second = long[long["user_id"] == data.user_ids[4]]
    assert second["item_id"].unique().tolist() == wide["item_id"].tolist()
    for name in top.parts:
        rows = second[second["part"] == name]
        np.testing.assert_allclose(rows["contribution"], wide[f"part_{name}"])
        np.testing.assert_allclose(rows["share"], wide[f"share_{name}"])
    sums = second.groupby("rank")["contribution"].sum().to_numpy()
    np.testing.assert_allclose(sums, wide["score"], rtol=1e-4, atol=1e-4)


def test_removing_a_purchase_changes_only_that_row(featured_data):
    scorer = Scorer(featured_data, small_model("hm4sr", featured_data, SMALL))
    h = scorer.history(featured_data.user_ids[3])
    positions = np.arange(h.window_start, len(h.items))
    rows = scorer.without_purchases(h, positions, h.last_time)  # (1 + W, N)
    assert rows.shape == (1 + len(positions), featured_data.n_items)
    torch.testing.assert_close(rows[0], scorer.scores(scorer.batch(np.array([h.user])))[0], rtol=1e-4, atol=1e-5)
    assert not torch.allclose(rows[1], rows[0])


def test_the_part_batch_stays_within_its_memory_budget(featured_data, monkeypatch):
    import core.scoring.service as service

    scorer = Scorer(featured_data, small_model("hm4sr", featured_data, SMALL))
    per_row = 4 * 3 * featured_data.n_items
    monkeypatch.setattr(service, "PART_BUDGET_BYTES", 5 * per_row)
    assert scorer.rows_per_batch == 5
    monkeypatch.setattr(service, "PART_BUDGET_BYTES", 1)
    assert scorer.rows_per_batch == 1


def test_new_products_are_scored_in_batches_like_one_customer_at_a_time(scorer):
    data = scorer.data
    items = np.array([2, 9, 4, 20])
    content = {m: x[items] for m, x in data.features.items()}
    users = np.array([0, 3, 3, 7, 11])
    ends = data.offsets[users] + np.array([2, 3, 5, 4, 6])  # histories cut at different purchases
    if not scorer.capabilities.new_items:
        with pytest.raises(ValueError, match="cannot score unseen products"):
            scorer.new_parts(users, content, ends=ends)
        return
    parts = scorer.new_parts(users, content, ends=ends, batch_size=2)  # (B, P, J)
    assert parts.shape == (5, len(scorer.capabilities.parts), 4)
    for row, (u, end) in enumerate(zip(users, ends)):
        batch = history_batch(data, np.array([u]), np.array([end]), scorer.model.max_len,
                              query_times=np.array([data.flat_times[end - 1]]))
        with torch.no_grad():
            oracle = scorer.model.score_new(batch, {m: torch.as_tensor(v) for m, v in content.items()})
        expected = torch.stack([oracle[p][0] for p in scorer.capabilities.parts])  # (P, J)
        torch.testing.assert_close(parts[row], expected, atol=1e-5, rtol=1e-5)
    assert scorer.new_parts(users[:0], content).shape == (0, len(scorer.capabilities.parts), 4)
