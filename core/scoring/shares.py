"""The share convention used everywhere in explanations (pure).

A model splits its scores into additive parts (``Capabilities.parts``: HM4SR one part per
modality, ``id`` / ``text`` / ``image``; STAIR ``collaborative`` / ``content`` dimension bands;
other models the single part ``score``). The parts sum to the score exactly.

A part that adds the same amount to every item (for example the inner product of the customer's
state with the mean item vector of a modality) moves all scores together and cannot explain why
*this* item was chosen over others. So a part is measured against a baseline, the mean of that
part over the whole catalogue for the same customer (the "average item"):

    lift_p(j) = part_p(j) - mean_i part_p(i),    Σ_p lift_p(j) = score(j) - mean_i score(i),
    share_p(j) = max(lift_p(j), 0) / Σ_q max(lift_q(j), 0).

Shares are non-negative and sum to 1 per item; a part that pulls the item *below* the average
item gets share 0 (its negative lift is still visible in the contributions). A product that lacks
a modality's content (no image, no text) gets share 0 for that modality whatever its part, since
nothing of the product itself is behind it. If no part lifts the item above the average (possible
only far down a ranking) the shares are split equally among the parts the item has.
"""

from __future__ import annotations

import numpy as np


def part_shares(parts: np.ndarray, baseline: np.ndarray, available: np.ndarray | None = None) -> np.ndarray:
    """Non-negative shares of each part in the lift of an item above the average item.

    Args:
        parts: ``(..., P)`` exact parts of some items' scores.
        baseline: ``(..., P)`` (broadcastable) mean of each part over the catalogue.
        available: ``(..., P)`` bool (broadcastable), False where the item lacks the part's
            content; such a part gets share 0. None: every item has every part.

    Returns:
        ``(..., P)`` shares, each row non-negative and summing to 1 (see the module docstring).
    """
    lift = np.clip(np.asarray(parts, dtype=np.float64) - np.asarray(baseline, dtype=np.float64), 0.0, None)
    has = np.ones_like(lift, dtype=bool) if available is None else np.broadcast_to(available, lift.shape)
    lift = np.where(has, lift, 0.0)
    total = lift.sum(-1, keepdims=True)
    uniform = has / np.maximum(has.sum(-1, keepdims=True), 1)
    return np.where(total > 0, lift / np.where(total > 0, total, 1.0), uniform)
