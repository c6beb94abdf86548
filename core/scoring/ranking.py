"""The one top-K and the one rank among candidates: every list and rank a user sees comes from here.

Candidates are the items a customer has not bought (the seen-item mask is
:func:`core.data.batches.seen_mask`). A list is capped at the fewest candidates any row has, so
every row of a batch has the same length.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch


def top_k(scores: torch.Tensor, seen: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The ``k`` best unseen items of every row.

    Args:
        scores: ``(B, N)`` scores.
        seen: ``(B, N)`` bool, True at items that are not candidates (or ``(N,)``, shared by all rows).
        k: List length, capped at the fewest candidates of any row.

    Returns:
        ``(values (B, k'), indices (B, k'))``, best first.
    """
    seen = seen.expand_as(scores)
    k = max(0, min(int(k), scores.shape[1] - int(seen.sum(1).max())))
    top = torch.topk(scores.masked_fill(seen, -torch.inf), k, dim=1)  # (B, k)
    return top.values, top.indices


def rank_of(scores: np.ndarray, item: int, excluded: np.ndarray | None = None) -> np.ndarray:
    """1-based rank of ``item`` in each row of ``scores``.

    Args:
        scores: ``(R, N)`` scores (or ``(N,)`` for one row).
        item: Column of the item.
        excluded: ``(N,)`` bool, items that are not candidates (e.g. already bought); the item
            itself is always ranked.

    Returns:
        ``(R,)`` int ranks (a scalar array for 1-D input): 1 + the number of other candidates
        scoring at least as high (ties count against the item, as in evaluation).
    """
    scores = np.asarray(scores, dtype=np.float64)
    single = scores.ndim == 1
    scores = np.atleast_2d(scores)
    candidate = np.ones(scores.shape[1], dtype=bool) if excluded is None else ~np.asarray(excluded, dtype=bool)
    candidate = candidate.copy()
    candidate[item] = False
    target = scores[:, item:item + 1]  # (R, 1)
    ranks = 1 + ((scores >= target) & candidate).sum(1)
    return ranks[0] if single else ranks


def overlap_fraction(a: Sequence, b: Sequence) -> float:
    """``|a ∩ b| / |a|``: the share of list ``a``'s items also in ``b`` (1 = same items, any order).

    Raises:
        ValueError: If ``a`` is empty.
    """
    if len(a) == 0:
        raise ValueError("overlap_fraction needs a non-empty reference list")
    return len(set(a) & set(b)) / len(set(a))
