"""Full-ranking evaluation: score every item for every user's held-out target.

Protocols (:data:`PROTOCOLS`):

- ``"masked"`` (default, this project's): items the user bought before the target are not
  candidates (a repeat purchase as target counts as a miss).
- ``"unmasked"``: every item is a candidate, history included, as RecBole's sequential
  evaluation ranks them; comparable with tables produced by RecBole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from core.data.batches import eval_batches, seen_mask
from core.data.dataset import Dataset
from core.evaluation.metrics import DEFAULT_KS, metric_columns, target_ranks


@dataclass(frozen=True)
class EvalResult:
    """Metrics of one split.

    Attributes:
        split: ``"valid"`` or ``"test"``.
        summary: Mean of every metric over users, e.g. ``{"ndcg@10": 0.071, ...}``.
        per_user: One row per user: ``user_id``, ``target`` (item id), ``rank`` (0-based),
            ``history_len`` and every metric column, so results can be sliced by segment.
    """

    split: str
    summary: dict[str, float]
    per_user: pd.DataFrame


PROTOCOLS = ("masked", "unmasked")


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: Dataset, split: str, max_len: int = 50,
             ks: tuple[int, ...] = DEFAULT_KS, batch_size: int = 512,
             device: torch.device | str = "cpu", protocol: str = "masked") -> EvalResult:
    """Rank every item for every user's ``split`` target (full ranking).

    Args:
        model: A model following the contract in :mod:`core.models.base`.
        data: The prepared dataset.
        split: ``"valid"`` or ``"test"``.
        max_len: History window handed to sequential models.
        ks: Cut-offs.
        batch_size: Users per scoring batch.
        device: Where the model lives.
        protocol: ``"masked"`` (history items are no candidates) or ``"unmasked"`` (see module docstring).

    Returns:
        Summary and per-user metrics.

    Raises:
        ValueError: For an unknown protocol.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    was_training = model.training
    model.eval()
    ends = data.target_positions(split)
    all_users, all_ranks = [], []
    for users, batch in eval_batches(data, split, max_len, batch_size):
        scores = model.score_all(batch.to(device)).float().cpu()  # (B, N)
        targets = torch.as_tensor(data.flat_items[ends[users]])  # (B,)
        exclude = seen_mask(data, users, ends[users]) if protocol == "masked" else None
        ranks = target_ranks(scores, targets, exclude=exclude)
        bad = ~torch.isfinite(scores.gather(1, targets[:, None]).squeeze(1))
        ranks[bad] = data.n_items  # a NaN/Inf target score is a miss, never a lucky hit
        all_users.append(users)
        all_ranks.append(ranks.numpy())
    model.train(was_training)
    users = np.concatenate(all_users)
    ranks = np.concatenate(all_ranks)
    columns = metric_columns(ranks, ks)
    per_user = pd.DataFrame({
        "user_id": [data.user_ids[u] for u in users],
        "target": [data.item_ids[i] for i in data.flat_items[ends[users]]],
        "rank": ranks,
        "history_len": ends[users] - data.offsets[users],
        **columns,
    })
    summary = {name: float(values.mean()) for name, values in columns.items()}
    return EvalResult(split=split, summary=summary, per_user=per_user)
