"""HM4SR's content features: how each modality's frozen feature matrix is normalised before its
projection, and the checksum that tells whether a dataset's features are those a model was trained on.
"""

from __future__ import annotations

import torch


def normalize_features(features: torch.Tensor, missing: torch.Tensor | None = None) -> torch.Tensor:
    """Centre a frozen feature matrix and scale it to a mean row norm of 1.

    Pretrained and hand-made encoders put their vectors at very different scales and offsets
    (the sample's PixelStats image rows share a large common component: centred, their mean
    norm is 0.43, against 0.80 for the MiniLM text rows), so the same projection init and
    learning rate would make one modality's item vectors start and learn smaller than another's.
    One shift and one scalar per matrix keep every distance ratio between items (no per-dimension
    rescaling, which would let near-constant dimensions dominate). Rows of items without the
    modality stay 0.

    Args:
        features: ``(N, F)`` one modality's features.
        missing: ``(N,)`` bool, True where an item lacks the modality (its row is all zero).

    Returns:
        ``(N, F)`` normalised features.
    """
    present = torch.ones(len(features), dtype=torch.bool) if missing is None else ~missing.bool()  # (N,)
    if not present.any():
        return features
    shift, scale = feature_normalization(features, present)  # (F,), ()
    return apply_normalization(features, shift, scale, present)  # (N, F)


def feature_checksum(features: torch.Tensor) -> torch.Tensor:
    """``(2,)`` float64 sum and sum of squares of a feature matrix: a cheap identity check."""
    values = features.double()
    return torch.stack([values.sum(), values.square().sum()])


def feature_normalization(features: torch.Tensor, present: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The shift and scale of :func:`normalize_features`: ``(mean row (F,), mean centred norm ())``
    over the items that have the modality (``present`` ``(N,)`` bool, at least one True)."""
    shift = features[present].mean(0)  # (F,)
    scale = (features[present] - shift).norm(dim=1).mean().clamp(min=1e-12)  # ()
    return shift, scale


def apply_normalization(features: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor,
                        present: torch.Tensor) -> torch.Tensor:
    """``(N, F)`` rows ``(x - shift) / scale`` where ``present`` ``(N,)``, 0 where the item lacks the modality."""
    return torch.where(present[:, None], (features - shift) / scale, torch.zeros_like(features))  # (N, F)
