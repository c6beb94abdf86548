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
    users = np.arange(data.n_users)
    ranks = target_ranks_of(model, data, split, users, max_len, batch_size, device, protocol, seed)
    return summarise(data, split, users, ranks, ks)


@torch.no_grad()
def target_ranks_of(model: torch.nn.Module, data: Dataset, split: str, users: np.ndarray, max_len: int = 50,
                    batch_size: int = 512, device: torch.device | str = "cpu", protocol: str = "masked",
                    seed: int = 0) -> np.ndarray:
    """``(len(users),)`` 0-based rank of each given user's ``split`` target (arguments as :func:`evaluate`).

    Ranking a subset of users (one rank's block in distributed training) gives exactly their rows
    of the whole ranking under the masked and unmasked protocols.

    Raises:
        ValueError: For an unknown protocol.
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}")
    was_training = model.training
    model.eval()
    ends = data.target_positions(split)
    rng = np.random.default_rng(seed)
    all_ranks = [np.zeros(0, dtype=np.int64)]
    for chunk, batch in eval_batches(data, split, max_len, batch_size, users=users):
        scores = model.score_all(batch.to(device)).float().cpu()  # (B, N)
        targets = torch.as_tensor(data.flat_items[ends[chunk]])  # (B,)
        exclude = None if protocol == "unmasked" else seen_mask(data, chunk, ends[chunk])  # (B, N)
        if protocol == "sampled":
            exclude = sampled_candidates(exclude, targets, rng)
        ranks = target_ranks(scores, targets, exclude=exclude)
        bad = ~torch.isfinite(scores.gather(1, targets[:, None]).squeeze(1))
        ranks[bad] = data.n_items  # a NaN/Inf target score is a miss, never a lucky hit
        all_ranks.append(ranks.numpy().astype(np.int64))
    model.train(was_training)
    return np.concatenate(all_ranks)


def summarise(data: Dataset, split: str, users: np.ndarray, ranks: np.ndarray,
              ks: tuple[int, ...] = DEFAULT_KS) -> EvalResult:
    """The metrics of the users' target ranks (from :func:`target_ranks_of`), each user counted once.

    Args:
        data: The prepared dataset.
        split: ``"valid"`` or ``"test"``.
        users: ``(U,)`` user indices.
        ranks: ``(U,)`` their targets' 0-based ranks.
        ks: Cut-offs.
    """
    ends = data.target_positions(split)
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
