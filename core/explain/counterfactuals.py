"""Counterfactual re-scoring: remove one score part's input, or one purchase, and re-rank.

Ranks are 1-based among the items the customer has not bought (the item asked about is always
ranked, ties count against it). ``score_change = new_score - score`` and
``rank_change = new_rank - rank`` (positive: the item fell down the list). Removing a purchase
hides it from the model only; the candidate set stays the same, so ranks stay comparable.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from core.scoring import rank_of
from core.training.runs import TrainedRun

MODALITY_COLUMNS = ["part", "score", "rank", "new_score", "new_rank", "score_change", "rank_change"]
PURCHASE_COLUMNS = ["position", "removed_item_id", "title", "new_score", "new_rank", "score_change", "rank_change"]


@torch.no_grad()
def drop_modality(trained: TrainedRun, user_id: str, item_id: str, now: int | None = None) -> pd.DataFrame:
    """Re-score an item with each score part's input zeroed in turn (``Recommender.score_without``).

    For HM4SR a part is a modality and its whole input stream (history and candidates) is
    zeroed; for STAIR a part is a band of embedding dimensions. All parts are re-scored at once
    (``Recommender.score_without_each``: HM4SR stacks the variants along the batch, one forward
    pass; equal to one ``score_without`` call per part up to float rounding).

    Returns:
        One row per part: ``part, score, rank, new_score, new_rank, score_change, rank_change``;
        empty (same columns) when the model has fewer than two parts.

    Raises:
        KeyError: For an unknown customer or item id.
    """
    scorer = trained.scorer
    h = scorer.history(user_id)
    target = trained.data.item_index(item_id)
    names = list(scorer.capabilities.parts)
    if len(names) < 2:
        return pd.DataFrame(columns=MODALITY_COLUMNS)
    batch = scorer.batch(np.array([h.user]), np.array([h.last_time if now is None else int(now)]))
    seen = trained.scorer.seen([h.user])[0].numpy()
    base = scorer.scores(batch)[0].numpy().astype(np.float64)  # (N,)
    new = scorer.without_parts(batch)[:, 0].numpy().astype(np.float64)  # (P, N)
    rank = int(rank_of(base, target, seen))
    new_rank = rank_of(new, target, seen)
    return pd.DataFrame({"part": names, "score": base[target], "rank": rank, "new_score": new[:, target],
                         "new_rank": new_rank, "score_change": new[:, target] - base[target],
                         "rank_change": new_rank - rank}, columns=MODALITY_COLUMNS)


@torch.no_grad()
def drop_purchase(trained: TrainedRun, user_id: str, item_id: str, now: int | None = None) -> pd.DataFrame:
    """Re-score an item with each purchase the model reads removed from the history in turn.

    Returns:
        One row per history position in the model's window (0-based positions in the full
        history): ``position, removed_item_id, title, new_score, new_rank, score_change,
        rank_change``; rows where nothing changes are kept (models that ignore the history give
        zero changes everywhere).

    Raises:
        KeyError: For an unknown customer or item id.
    """
    h = trained.scorer.history(user_id)
    target = trained.data.item_index(item_id)
    positions = np.arange(h.window_start, len(h.items))
    scores = trained.scorer.without_purchases(h, positions, h.last_time if now is None else int(now))
    scores = scores.numpy().astype(np.float64)  # (1 + W, N)
    ranks = rank_of(scores, target, trained.scorer.seen([h.user])[0].numpy())
    removed = h.items[positions]
    return pd.DataFrame({"position": positions, "removed_item_id": [trained.data.item_ids[i] for i in removed],
                         "title": trained.data.items["title"].to_numpy()[removed],
                         "new_score": scores[1:, target], "new_rank": ranks[1:],
                         "score_change": scores[1:, target] - scores[0, target],
                         "rank_change": ranks[1:] - ranks[0]}, columns=PURCHASE_COLUMNS)


FAITHFULNESS_COLUMNS = ["user_id", "item_id", "top_part", "least_part", "top_drop", "least_drop"]


@torch.no_grad()
def faithfulness(trained: TrainedRun, users: list[str] | None = None, batch_size: int = 256) -> pd.DataFrame:
    """Check that shares point at what matters: remove the most and the least attributed part.

    For every customer, take the top recommendation, the part with the largest share and the one
    with the smallest (see :mod:`core.scoring.shares`), and re-score the item without each
    (``Recommender.score_without``). A faithful attribution gives ``top_drop > least_drop``.

    Args:
        trained: The run.
        users: Raw customer ids (default: all).
        batch_size: Customers re-scored at once.

    Returns:
        ``user_id, item_id, top_part, least_part, top_drop, least_drop`` (drop = score - new
        score; positive when removing the part lowers the item's score); empty (same columns) for
        models with fewer than two parts.

    Raises:
        KeyError: For an unknown customer id.
    """
    data, scorer = trained.data, trained.scorer
    ids = list(data.user_ids) if users is None else list(users)
    index = data.user_indices(ids)  # (B,)
    names = scorer.capabilities.parts
    if len(names) < 2:
        return pd.DataFrame(columns=FAITHFULNESS_COLUMNS)
    top = scorer.top(index, k=1)
    shares = top.shares[:, 0]  # (B, P)
    hi, lo = shares.argmax(1), shares.argmin(1)  # (B,)
    item = top.items[:, 0]  # (B,)
    drops = np.zeros((len(ids), len(names)))
    for start in range(0, len(ids), batch_size):
        rows = slice(start, start + batch_size)
        batch = scorer.batch(index[rows])
        cols = torch.as_tensor(item[rows])[:, None]  # (b, 1)
        base = scorer.scores(batch).gather(1, cols)[:, 0]  # (b,)
        without = scorer.without_parts(batch)  # (P, b, N)
        drops[rows] = (base[None] - without.gather(2, cols[None].expand(len(names), -1, -1))[:, :, 0]).T.numpy()
    r = np.arange(len(ids))
    return pd.DataFrame({"user_id": ids, "item_id": [data.item_ids[i] for i in item],
                         "top_part": np.array(names, dtype=object)[hi],
                         "least_part": np.array(names, dtype=object)[lo],
                         "top_drop": drops[r, hi], "least_drop": drops[r, lo]}, columns=FAITHFULNESS_COLUMNS)
