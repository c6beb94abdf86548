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

from core.explain.context import customer, item_index, make_batch, users_batch
from core.explain.parts import total_scores
from core.explain.ranks import rank_of
from core.explain.recommend import top_parts
from core.training.runs import TrainedRun

MODALITY_COLUMNS = ["part", "score", "rank", "new_score", "new_rank", "score_change", "rank_change"]
PURCHASE_COLUMNS = ["position", "removed_item_id", "title", "new_score", "new_rank", "score_change", "rank_change"]


def _seen(trained: TrainedRun, items: np.ndarray) -> np.ndarray:
    seen = np.zeros(trained.data.n_items, dtype=bool)
    seen[np.unique(items)] = True
    return seen


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
    c = customer(trained, user_id)
    target = item_index(trained, item_id)
    now = c.last_time if now is None else int(now)
    batch = make_batch(trained, np.array([c.user]), [c.items], [c.times], np.array([now]))
    model = trained.model
    split = model.score_parts(batch)
    names = list(split)
    if len(names) < 2:
        return pd.DataFrame(columns=MODALITY_COLUMNS)
    seen = _seen(trained, c.items)
    base = sum(split.values())[0].numpy().astype(np.float64)  # (N,)
    new = model.score_without_each(batch, names)[:, 0].numpy().astype(np.float64)  # (P, N)
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
    c = customer(trained, user_id)
    target = item_index(trained, item_id)
    now = c.last_time if now is None else int(now)
    positions = np.arange(c.window_start, len(c.items))
    seen = _seen(trained, c.items)
    rows_items = [c.items] + [np.delete(c.items, p) for p in positions]
    rows_times = [c.times] + [np.delete(c.times, p) for p in positions]
    batch = make_batch(trained, np.full(len(rows_items), c.user), rows_items, rows_times,
                       np.full(len(rows_items), now))
    scores = total_scores(trained.model, batch).numpy().astype(np.float64)  # (1 + W, N)
    ranks = rank_of(scores, target, seen)
    removed = c.items[positions]
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
    with the smallest (see :mod:`core.explain.parts`), and re-score the item without each
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
    data, model = trained.data, trained.model
    ids = list(data.user_ids) if users is None else list(users)
    index = np.array([data.user_index(u) for u in ids], dtype=np.int64)
    top = top_parts(trained, index, k=1, batch_size=batch_size)
    if len(top.names) < 2:
        return pd.DataFrame(columns=FAITHFULNESS_COLUMNS)
    shares = top.shares[:, 0]  # (B, P)
    hi, lo = shares.argmax(1), shares.argmin(1)  # (B,)
    item = top.items[:, 0]  # (B,)
    drops = np.zeros((len(ids), len(top.names)))
    for start in range(0, len(ids), batch_size):
        rows = slice(start, start + batch_size)
        batch = users_batch(trained, index[rows])
        cols = torch.as_tensor(item[rows])[:, None]
        base = total_scores(model, batch).gather(1, cols)[:, 0]  # (b,)
        without = model.score_without_each(batch, list(top.names))  # (P, b, N)
        drops[rows] = (base[None] - without.gather(2, cols[None].expand(len(top.names), -1, -1))[:, :, 0]).T.numpy()
    r = np.arange(len(ids))
    return pd.DataFrame({"user_id": ids, "item_id": [data.item_ids[i] for i in item],
                         "top_part": np.array(top.names, dtype=object)[hi],
                         "least_part": np.array(top.names, dtype=object)[lo],
                         "top_drop": drops[r, hi], "least_drop": drops[r, lo]}, columns=FAITHFULNESS_COLUMNS)
