"""The one attribution every explanation shows (pure functions).

A model splits its scores into additive parts (``Capabilities.parts``: HM4SR one part per
modality, ``id`` / ``text`` / ``image``; STAIR ``collaborative`` / ``content`` dimension bands;
other models the single part ``score``). The parts sum to the score exactly.

A part that adds the same amount to every product (for example the inner product of the customer's
state with the mean product vector of a modality) moves all scores together and cannot explain why
*this* product was chosen over others. So every explanation starts from the **average product**:
for one customer, the mean of each part over the whole catalogue, ``baseline_p``. Then

    baseline = Σ_p baseline_p                  (the average product's score for this customer)
    lift_p(j) = part_p(j) - baseline_p          (signed: negative when part p counts against j)
    score(j) = baseline + Σ_p lift_p(j)         (exact, a waterfall from the average product)
    share_p(j) = lift_p(j) / Σ_q |lift_q(j)|    (signed; the |shares| of a product add up to 100 %)

A share is the part's slice of everything that moves the product away from the average product,
with its sign: "the image gives 60 % of the movement, for it; the text 25 %, against it". Shares,
lifts and the waterfall therefore always agree in sign and order. A product exactly as good as the
average product in every part (Σ|lift| = 0) has every share 0.

A product without a modality's content (no image on file) still has that part: it is what the
model adds for a product without a picture, and it is shown as such (``available`` travels with
the result for the label), never silently dropped, so the waterfall still adds up.

Population views average these same signed numbers over customers and products.
"""

from __future__ import annotations

import numpy as np


def part_lifts(parts: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Signed contribution of each part relative to the average product.

    Args:
        parts: ``(..., P)`` exact parts of some products' scores.
        baseline: ``(..., P)`` (broadcastable) mean of each part over the catalogue, same customer.

    Returns:
        ``(..., P)`` float64 lifts; their sum over P is the score minus the average product's score.
    """
    return np.asarray(parts, dtype=np.float64) - np.asarray(baseline, dtype=np.float64)


def lift_shares(lifts: np.ndarray) -> np.ndarray:
    """Signed share of each part in the total movement away from the average product.

    Args:
        lifts: ``(..., P)`` signed lifts (:func:`part_lifts`).

    Returns:
        ``(..., P)`` shares in [-1, 1] with the sign of the lift; the absolute values of a row add
        up to 1 (0 everywhere for a row whose lifts are all 0).
    """
    lifts = np.asarray(lifts, dtype=np.float64)
    total = np.abs(lifts).sum(-1, keepdims=True)  # (..., 1)
    return np.where(total > 0, lifts / np.where(total > 0, total, 1.0), 0.0)


def part_shares(parts: np.ndarray, baseline: np.ndarray) -> np.ndarray:
    """Signed shares of some products' parts (:func:`part_lifts` then :func:`lift_shares`).

    Args:
        parts: ``(..., P)`` exact parts of some products' scores.
        baseline: ``(..., P)`` (broadcastable) mean of each part over the catalogue.

    Returns:
        ``(..., P)`` signed shares (see the module docstring).
    """
    return lift_shares(part_lifts(parts, baseline))
