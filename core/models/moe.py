"""HM4SR's two Mixture-of-Experts layers (see shared/papers/HM4SR.md).

- :class:`InteractiveMoE` filters each item's multimodal content: shared experts look at all
  modalities together, one gate per modality picks experts from that modality's own embedding.
- :class:`TemporalMoE` rescales every dimension by a time-routed mixture of learned vectors.
"""

from __future__ import annotations

import math

import torch
from torch import nn


class InteractiveMoE(nn.Module):
    """Interactive MoE over M modality streams of width D.

    ``x = [e_1; ...; e_M]`` (M·D); K shared experts ``E_k: Linear(MD -> MD)``; gate of modality
    m: ``g_m = softmax(G_m e_m)``; ``Δ_m = w_m · Σ_k g_{m,k} E_k(x)[slice m]``; ``e_m <- e_m + Δ_m``.

    Args:
        n_modalities: M.
        dim: D.
        n_experts: K.
        weight_init: Initial modality weights w (length M); the paper uses (0, 1, 1) for ID, text, image.
    """

    def __init__(self, n_modalities: int, dim: int, n_experts: int, weight_init: list[float]):
        super().__init__()
        self.m, self.d, self.k = n_modalities, dim, n_experts
        self.experts = nn.Linear(n_modalities * dim, n_experts * n_modalities * dim)  # K experts at once
        self.gates = nn.ModuleList(nn.Linear(dim, n_experts) for _ in range(n_modalities))
        self.weights = nn.Parameter(torch.tensor(weight_init, dtype=torch.float32))  # (M,)

    def forward(self, streams: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Mix the streams.

        Args:
            streams: ``(..., M, D)`` per-modality embeddings (e.g. ``(B, T, M, D)``, or ``(P, M, D)``
                for the real positions of a batch only).

        Returns:
            ``(streams', gates)``: updated ``(..., M, D)`` and gate weights ``(..., M, K)``.
        """
        *lead, m, d = streams.shape
        out = self.experts(streams.reshape(*lead, m * d)).view(*lead, self.k, m, d)  # (..., K, M, D)
        weight = torch.stack([g.weight for g in self.gates])  # (M, K, D) each modality's gate, one product
        bias = torch.stack([g.bias for g in self.gates])  # (M, K)
        gates = torch.softmax(torch.einsum("...md,mkd->...mk", streams, weight) + bias, -1)  # (..., M, K)
        mixed = torch.einsum("...mk,...kmd->...md", gates, out)  # (..., M, D)
        return streams + self.weights[:, None] * mixed, gates


#: Absolute-time encodings of :class:`TimeEncoder`.
ABSOLUTE_TIME: tuple[str, ...] = ("paper", "calendar")
#: Yearly harmonics of the ``"calendar"`` encoding (periods of 1 year, 6, 4 and 3 months).
CALENDAR_HARMONICS = 4


def interval_buckets(intervals: torch.Tensor, scale: float, n_buckets: int) -> torch.Tensor:
    """``floor(scale · log2(Δt + 1))`` with Δt in seconds clamped at 0, capped at ``n_buckets - 1``."""
    return torch.floor(scale * torch.log2(intervals.clamp(min=0).double() + 1.0)).long().clamp(max=n_buckets - 1)


def bucket_count(scale: float, max_interval_days: float) -> int:
    """Number of interval buckets needed to cover gaps up to ``max_interval_days``."""
    return math.floor(scale * math.log2(max_interval_days * 86_400 + 1)) + 1


class TimeEncoder(nn.Module):
    """Time context of an event: an embedding of the gap since the previous event and of its date.

    Interval: learned embedding of its bucket. Absolute time, two encodings:

    - ``"paper"``: ``cos(ω ⊙ Linear(days since t0))`` with ``ω_j = 10000^(-j/D)`` (the reference's
      form; days, not raw unix seconds, keep it well conditioned).
    - ``"calendar"``: ``Linear([cos, sin](2π k · days / 365.25), k = 1..4)``: the position in the
      year and its first harmonics. Test events lie after every training event, and the paper's
      high frequencies let a model memorise what sold on particular training dates, which says
      nothing about a later date; a yearly cycle carries over (see ``HM4SRConfig.absolute_time``).

    Args:
        dim: D.
        scale: Interval bucket scale s.
        n_buckets: Size of the bucket table.
        absolute: ``"paper"`` or ``"calendar"``.

    Raises:
        ValueError: For another ``absolute``.
    """

    def __init__(self, dim: int, scale: float, n_buckets: int, absolute: str = "paper"):
        super().__init__()
        if absolute not in ABSOLUTE_TIME:
            raise ValueError(f"absolute time encoding must be one of {ABSOLUTE_TIME}, got {absolute!r}")
        self.scale, self.n_buckets, self.absolute = scale, n_buckets, absolute
        self.interval_emb = nn.Embedding(n_buckets, dim)
        self.abs_proj = nn.Linear(1 if absolute == "paper" else 2 * CALENDAR_HARMONICS, dim)
        self.register_buffer("freqs", 10000.0 ** (-torch.arange(dim, dtype=torch.float32) / dim))  # (D,)

    def forward(self, intervals: torch.Tensor, times: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Encode events.

        Args:
            intervals: ``(...)`` seconds since the previous event (0 for the first).
            times: ``(...)`` seconds since the dataset start.

        Returns:
            ``(context, buckets)``: ``(..., 2D)`` time context and ``(...)`` interval buckets.
        """
        buckets = interval_buckets(intervals, self.scale, self.n_buckets)  # (...)
        if self.absolute == "paper":
            days = (times.float() / 86_400.0).unsqueeze(-1)  # (..., 1)
            absolute = torch.cos(self.abs_proj(days) * self.freqs)  # (..., D)
        else:
            harmonics = torch.arange(1, CALENDAR_HARMONICS + 1, dtype=torch.float64, device=times.device)  # (H,)
            angle = (2 * math.pi / (365.25 * 86_400.0)) * times.double().unsqueeze(-1) * harmonics  # (..., H)
            absolute = self.abs_proj(torch.cat([torch.cos(angle), torch.sin(angle)], dim=-1).float())  # (..., D)
        return torch.cat([self.interval_emb(buckets), absolute], dim=-1), buckets  # (..., 2D)


class TemporalMoE(nn.Module):
    """Temporal MoE: ``x <- Σ_k r_k (x ⊙ u_k)`` with routes ``r = softmax(Linear(2D -> K)(time context))``.

    The experts ``u_k`` are registered parameters (the reference code kept them in a plain list,
    so they were never trained or saved) and start at 1, so the layer starts as the identity.

    Args:
        width: Width of the rescaled vectors (M·D).
        context_dim: Width of the time context (2D).
        n_experts: K.
    """

    def __init__(self, width: int, context_dim: int, n_experts: int):
        super().__init__()
        self.router = nn.Linear(context_dim, n_experts)
        self.experts = nn.Parameter(torch.ones(n_experts, width))  # (K, MD)

    def forward(self, x: torch.Tensor, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Rescale ``x`` ``(..., MD)`` by the routed experts; returns ``(x', routes (..., K))``."""
        routes = torch.softmax(self.router(context), dim=-1)  # (..., K)
        return x * (routes @ self.experts), routes  # (..., MD)
