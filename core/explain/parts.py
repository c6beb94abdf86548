"""Exact score parts of a trained model and the share convention used everywhere in explanations.

A model splits its scores into additive parts through ``Recommender.score_parts`` (HM4SR: one
part per modality, ``id`` / ``text`` / ``image``; STAIR: ``collaborative`` / ``content`` dimension
bands; other models: the single part ``score``). The parts sum to the score exactly.

**Share convention** (:func:`part_shares`). A part that adds the same amount to every item (for
example the inner product of the customer's state with the mean item vector of a modality) moves
all scores together and cannot explain why *this* item was chosen over others. So a part is
measured against a baseline, the mean of that part over the whole catalogue for the same
customer (the "average item"):

    lift_p(j) = part_p(j) - mean_i part_p(i),    Σ_p lift_p(j) = score(j) - mean_i score(i),
    share_p(j) = max(lift_p(j), 0) / Σ_q max(lift_q(j), 0).

Shares are non-negative and sum to 1 per item; a part that pulls the item *below* the average
item gets share 0 (its negative lift is still visible in the ``part_*`` columns). If no part lifts
the item above the average (possible only far down a ranking) the shares are split equally.
"""

from __future__ import annotations

import numpy as np
import torch

from core.data.batches import Batch
from core.explain.context import customer_batch
from core.training.runs import TrainedRun


def part_names(trained: TrainedRun) -> tuple[str, ...]:
    """Names of the additive score parts of the run's model, in the model's order.

    Computed from one scoring pass of the first customer's history, so it reflects what the
    model actually returns (e.g. HM4SR trained without images has no ``image`` part).
    """
    batch = customer_batch(trained, trained.data.user_ids[0])
    with torch.no_grad():
        return tuple(trained.model.score_parts(batch))


@torch.no_grad()
def score_parts(trained: TrainedRun, batch: Batch) -> tuple[tuple[str, ...], torch.Tensor]:
    """All candidates' scores split into parts.

    Returns:
        ``(names, parts)``: part names and a ``(B, P, N)`` tensor; ``parts.sum(1)`` is the score.
    """
    split = trained.model.score_parts(batch)
    names = tuple(split)
    return names, torch.stack([split[p] for p in names], dim=1)  # (B, P, N)


def part_shares(parts: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Non-negative shares of each part in the lift of an item above the average item.

    Args:
        parts: ``(..., P)`` exact parts of some items' scores.
        baseline: ``(..., P)`` (broadcastable) mean of each part over the catalogue.

    Returns:
        ``(..., P)`` shares, each row non-negative and summing to 1 (see the module docstring).
    """
    lift = np.clip(np.asarray(parts, dtype=np.float64) - np.asarray(baseline, dtype=np.float64), 0.0, None)
    total = lift.sum(-1, keepdims=True)
    uniform = np.full_like(lift, 1.0 / lift.shape[-1])
    return np.where(total > 0, lift / np.where(total > 0, total, 1.0), uniform)


def total_scores(model, batch: Batch) -> torch.Tensor:
    """``(B, N)`` scores as the sum of the model's parts (equal to ``score_all``; lets models reuse
    what they cache for explanations)."""
    return sum(model.score_parts(batch).values())
