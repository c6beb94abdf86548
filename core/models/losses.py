"""Next-item losses shared by the full-softmax sequential models (SASRec, HM4SR).

A sequential model predicts the next item at every history position. The full cross-entropy
scores every position against all N items: O(P · N · D) per batch for P trained positions, which
dominates an epoch at catalogue sizes (6M positions × 60k products). The sampled softmax scores
each position against its own target and S negatives shared by the whole batch, drawn uniformly
without replacement: O(P · S · D) per batch, whatever N.

Under uniform sampling the logQ correction (subtracting ``log q(j)`` from every logit) is one
constant and cancels in the softmax, so it is left out. A negative that happens to be the row's
own target (an accidental hit) is masked, so the target is never its own negative; with S >= N
every other item is a negative and the loss equals the full cross-entropy exactly.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("full", "sampled")


def check_loss_config(loss: str, n_negatives: int) -> None:
    """Validate a model config's ``loss`` and ``n_negatives`` fields.

    Raises:
        ValueError: For an unknown loss or fewer than one negative.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; use one of {list(LOSSES)}")
    if n_negatives < 1:
        raise ValueError(f"n_negatives must be at least 1, got {n_negatives}")


def draw_negatives(n_items: int, n_negatives: int, device: torch.device | str) -> torch.Tensor:
    """Item indices shared as negatives by every position of a batch, uniform without replacement.

    Cost O(N) per call (one permutation); all N items, in order, when ``n_negatives >= n_items``.

    Args:
        n_items: Catalogue size N.
        n_negatives: Negatives S to draw.
        device: Where the indices go (drawn with torch's global generator, seeded by the trainer).

    Returns:
        ``(min(S, N),)`` int64 distinct item indices.
    """
    if n_negatives >= n_items:
        return torch.arange(n_items, device=device)  # (N,)
    return torch.randperm(n_items, device=device)[:n_negatives]  # (S,)


def sampled_softmax(hidden: torch.Tensor, positives: torch.Tensor, targets: torch.Tensor,
                    negative_vectors: torch.Tensor, negatives: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy of each row's target against shared negatives, accidental hits masked.

    Row p's logits are ``[⟨h_p, v_target⟩, ⟨h_p, v_j⟩ for j in negatives, j != target_p]``.
    Cost O(P · S · D) time and O(P · S) memory.

    Args:
        hidden: ``(P, D)`` states of the trained positions.
        positives: ``(P, D)`` item vectors of each row's target.
        targets: ``(P,)`` target item indices.
        negative_vectors: ``(S, D)`` item vectors of the negatives.
        negatives: ``(S,)`` negative item indices.

    Returns:
        Scalar loss.
    """
    positive = (hidden * positives).sum(-1, keepdim=True)  # (P, 1)
    negative = hidden @ negative_vectors.T  # (P, S)
    hit = negatives[None, :] == targets[:, None]  # (P, S) a negative that is the row's own target
    logits = torch.cat([positive, negative.masked_fill(hit, float("-inf"))], dim=1)  # (P, 1 + S)
    return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long, device=logits.device))
