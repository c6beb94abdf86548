"""Full-ranking evaluation: score every item for every user's held-out target.

Protocols (:data:`PROTOCOLS`):

- ``"masked"`` (default, this project's): items the user bought before the target are not
  candidates (a repeat purchase as target counts as a miss).
- ``"unmasked"``: every item is a candidate, history included, as RecBole's sequential
  evaluation ranks them; comparable with tables produced by RecBole.
- ``"sampled"``: the target among :data:`SAMPLED_NEGATIVES` (99) items drawn uniformly from those
  the user had not bought (seeded, so reproducible), as ReChorus-style tables report; ranks
  run 0..99, and the numbers are far higher than under full ranking.
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


PROTOCOLS = ("masked", "unmasked", "sampled")
SAMPLED_NEGATIVES = 99


def sampled_candidates(seen: torch.Tensor, targets: torch.Tensor, rng: np.random.Generator,
                       n_negatives: int = SAMPLED_NEGATIVES) -> torch.Tensor:
    """``(B, N)`` bool exclusion mask that leaves each row's target and ``n_negatives`` random
    items it has not seen as the only candidates (fewer where fewer are left).

    One uniform key per (row, item), O(B × N): the smallest keys among the allowed items win.
    """
    b, n = seen.shape
    allowed = ~seen  # (B, N)
    allowed[torch.arange(b), targets] = False
    keys = np.where(allowed.numpy(), rng.random((b, n)), np.inf)  # (B, N)
    k = min(n_negatives, n)
    picked = np.argpartition(keys, k - 1, axis=1)[:, :k]  # (B, k) smallest keys
    picked_ok = np.isfinite(np.take_along_axis(keys, picked, 1))  # (B, k) False where the row ran out
    exclude = torch.ones(b, n, dtype=torch.bool)
    rows = np.repeat(np.arange(b), k)[picked_ok.ravel()]
    exclude[torch.as_tensor(rows), torch.as_tensor(picked.ravel()[picked_ok.ravel()])] = False
    exclude[torch.arange(b), targets] = False
    return exclude


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: Dataset, split: str, max_len: int = 50,
             ks: tuple[int, ...] = DEFAULT_KS, batch_size: int = 512,
             device: torch.device | str = "cpu", protocol: str = "masked", seed: int = 0) -> EvalResult:
    """Rank every item for every user's ``split`` target (full ranking).

    Args:
        model: A model following the contract in :mod:`core.models.base`.
        data: The prepared dataset.
        split: ``"valid"`` or ``"test"``.
        max_len: History window handed to sequential models.
        ks: Cut-offs.
        batch_size: Users per scoring batch.
        device: Where the model lives.
        protocol: ``"masked"``, ``"unmasked"`` or ``"sampled"`` (see the module docstring).
        seed: Seed of the ``"sampled"`` protocol's negatives.

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
    rng = np.random.default_rng(seed)
    all_users, all_ranks = [], []
    for users, batch in eval_batches(data, split, max_len, batch_size):
        scores = model.score_all(batch.to(device)).float().cpu()  # (B, N)
        targets = torch.as_tensor(data.flat_items[ends[users]])  # (B,)
        exclude = None if protocol == "unmasked" else seen_mask(data, users, ends[users])  # (B, N)
        if protocol == "sampled":
            exclude = sampled_candidates(exclude, targets, rng)
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
