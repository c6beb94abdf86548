"""Next-item losses shared by the full-softmax sequential models (SASRec, HM4SR).

A sequential model predicts the next item at every history position. The full cross-entropy
scores every position against all N items: O(P · N · D) per batch for P trained positions, which
dominates an epoch at catalogue sizes (6M positions × 60k products). The sampled softmax scores
each position against its own target and S negatives shared by the whole batch: O(P · S · D) per
batch, whatever N. Two samplers:

- ``"uniform"``: S distinct items drawn uniformly. The logQ correction (subtracting ``log q(j)``
  from every logit) is one constant and cancels in the softmax, so it is left out; with S >= N
  every other item is a negative and the loss equals the full cross-entropy exactly.
- ``"popularity"``: S draws with replacement from ``q(j) ∝ training purchases of j + 1``, every
  logit (the target's too) corrected by ``- log q(j)`` (Jean et al. 2015; Yi et al. 2019), so
  best-sellers, the items a customer would otherwise be wrongly shown, are the usual negatives.

A negative that happens to be the row's own target (an accidental hit) is masked, so the target is
never its own negative.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOSSES = ("full", "sampled")
SAMPLERS = ("uniform", "popularity")


def check_loss_config(loss: str, n_negatives: int, sampler: str = "uniform") -> None:
    """Validate a model config's ``loss``, ``n_negatives`` and ``sampler`` fields.

    Raises:
        ValueError: For an unknown loss or sampler, or fewer than one negative.
    """
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; use one of {list(LOSSES)}")
    if n_negatives < 1:
        raise ValueError(f"n_negatives must be at least 1, got {n_negatives}")
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r}; use one of {list(SAMPLERS)}")


def popularity_log_q(counts: torch.Tensor) -> torch.Tensor:
    """``(N,)`` log-probabilities of the popularity sampler, ``q(j) ∝ counts[j] + 1`` (every item drawable)."""
    smoothed = counts.double() + 1.0  # (N,)
    return (smoothed / smoothed.sum()).log().float()  # (N,)


def draw(sampler: str, n_items: int, n_negatives: int, device: torch.device | str,
         log_q: torch.Tensor | None = None) -> torch.Tensor:
    """Negatives of one batch: :func:`draw_negatives` (``"uniform"``) or S draws with replacement
    from ``exp(log_q)`` (``"popularity"``, O(N + S)).

    Returns:
        ``(S,)`` item indices (``(min(S, N),)`` distinct ones for ``"uniform"``).
    """
    if sampler == "uniform":
        return draw_negatives(n_items, n_negatives, device)
    return torch.multinomial(log_q.exp(), n_negatives, replacement=True)  # (S,)


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
                    negative_vectors: torch.Tensor, negatives: torch.Tensor,
                    log_q: torch.Tensor | None = None,
                    offsets: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """Mean cross-entropy of each row's target against shared negatives, accidental hits masked.

    Row p's logits are ``[⟨h_p, v_target⟩, ⟨h_p, v_j⟩ for j in negatives, j != target_p]``, each
    minus ``log_q`` of its item when given, plus ``offsets`` when given. Cost O(P · S · D) time
    and O(P · S) memory. The same as :func:`sampled_cross_entropy` of :func:`sampled_logits`.

    Args:
        hidden: ``(P, D)`` states of the trained positions.
        positives: ``(P, D)`` item vectors of each row's target.
        targets: ``(P,)`` target item indices.
        negative_vectors: ``(S, D)`` item vectors of the negatives.
        negatives: ``(S,)`` negative item indices.
        log_q: ``(N,)`` log-probability of the sampler drawing each item (logQ correction);
            None for uniform sampling, where it is a constant.
        offsets: ``((P,), (P, S))`` score terms outside the inner product (e.g. the "bought
            before" offset of :mod:`core.models.repeat`) of each row's target and negatives.

    Returns:
        Scalar loss.
    """
    return sampled_cross_entropy(sampled_logits(hidden, positives, negative_vectors), targets, negatives,
                                 log_q, offsets)


def sampled_logits(hidden: torch.Tensor, positives: torch.Tensor, negative_vectors: torch.Tensor) -> torch.Tensor:
    """``(P, 1 + S)`` inner products of each row with its target (column 0) and the shared negatives.

    Args:
        hidden: ``(P, D)`` states of the trained positions.
        positives: ``(P, D)`` item vectors of each row's target.
        negative_vectors: ``(S, D)`` item vectors of the negatives.
    """
    positive = (hidden * positives).sum(-1, keepdim=True)  # (P, 1)
    return torch.cat([positive, hidden @ negative_vectors.T], dim=1)  # (P, 1 + S)


def sampled_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor,
                          log_q: torch.Tensor | None = None,
                          offsets: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
    """Mean cross-entropy of column 0 of :func:`sampled_logits` against the negatives' columns.

    A negative that is the row's own target is masked; ``log_q`` and ``offsets`` as in
    :func:`sampled_softmax`. Cost O(P · S).

    Args:
        logits: ``(P, 1 + S)`` target and negative logits.
        targets: ``(P,)`` target item indices.
        negatives: ``(S,)`` negative item indices.
        log_q: ``(N,)`` the sampler's log-probabilities, None for uniform sampling.
        offsets: ``((P,), (P, S))`` score terms of each row's target and negatives.

    Returns:
        Scalar loss.
    """
    positive, negative = logits[:, :1], logits[:, 1:]  # (P, 1), (P, S)
    if offsets is not None:
        positive = positive + offsets[0][:, None]  # (P, 1)
        negative = negative + offsets[1]  # (P, S)
    if log_q is not None:
        positive = positive - log_q[targets][:, None]  # (P, 1)
        negative = negative - log_q[negatives][None, :]  # (P, S)
    hit = negatives[None, :] == targets[:, None]  # (P, S) a negative that is the row's own target
    logits = torch.cat([positive, negative.masked_fill(hit, float("-inf"))], dim=1)  # (P, 1 + S)
    return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long, device=logits.device))
