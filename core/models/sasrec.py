"""SASRec: self-attentive sequential recommendation over item IDs only (Kang & McAuley, 2018).

The ID-only baseline of HM4SR: a causal transformer over the purchase history; the next item is
scored by the inner product of the last hidden state with the item embedding. Trained with
cross-entropy over all items at every history position, or, for large catalogues, a sampled
softmax against shared uniform negatives (``loss="sampled"``, :mod:`core.models.losses`).
One extension, on by default: a learned "bought before" offset on every product in the history
window (:mod:`core.models.repeat`); ``--preset paper`` is the published model without it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from core.data.batches import Batch
from core.data.dataset import Dataset
from core.models.base import DataSpec, Recommender
from core.models.layers import CausalEncoder, FastDropout
from core.models.losses import check_loss_config, draw, popularity_log_q, sampled_softmax
from core.models.repeat import RepeatOffset


@dataclass(frozen=True)
class SASRecConfig:
    """SASRec hyper-parameters.

    Attributes:
        dim: Embedding width D.
        n_layers: Transformer layers.
        n_heads: Attention heads.
        ffn_dim: Feed-forward width.
        dropout: Dropout on embeddings and inside the encoder.
        max_len: History window T.
        loss: ``"full"``: cross-entropy over all N items at every position, O(P·N·D) per batch;
            ``"sampled"``: sampled softmax against ``n_negatives`` shared uniform negatives,
            O(P·S·D) (for catalogues of tens of thousands of products; docs/scale.md, "Large catalogues").
        n_negatives: Negatives S per batch with ``loss="sampled"`` (all items when S >= N).
        sampler: How negatives are drawn: ``"uniform"`` or ``"popularity"`` (logQ-corrected; see
            :mod:`core.models.losses`).
        repeat_offset: Learn one "bought before" offset added to the score of every product in the
            history window (:mod:`core.models.repeat`; our extension, on by default: higher
            validation NDCG on the sample and on MovieLens-100k). ``--preset paper`` turns it off.
    """

    dim: int = 64
    n_layers: int = 2
    n_heads: int = 2
    ffn_dim: int = 256
    dropout: float = 0.3
    max_len: int = 50
    loss: str = "full"
    n_negatives: int = 1024
    sampler: str = "uniform"
    repeat_offset: bool = True

    #: Named presets: ``paper`` is the published model, without the "bought before" offset.
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {"paper": {"repeat_offset": False}}
    #: Values that reproduce runs stored before a field existed (``core.models.config.stored_config``).
    LEGACY: ClassVar[dict[str, Any]] = {"repeat_offset": False}

    def __post_init__(self):
        check_loss_config(self.loss, self.n_negatives, self.sampler)


class SASRec(Recommender):
    """ID-only causal transformer recommender."""

    def __init__(self, spec: DataSpec, config: SASRecConfig):
        super().__init__(spec)
        self.config = config
        n, d = spec.n_items, config.dim
        self.item_emb = nn.Embedding(n + 1, d, padding_idx=n)
        self.pos_emb = nn.Embedding(config.max_len, d)
        self.norm = nn.LayerNorm(d)
        self.dropout = FastDropout(config.dropout)
        self.encoder = CausalEncoder(d, config.n_layers, config.n_heads, config.ffn_dim, config.dropout)
        nn.init.normal_(self.item_emb.weight, std=0.02)
        nn.init.normal_(self.pos_emb.weight, std=0.02)
        with torch.no_grad():
            self.item_emb.weight[n].zero_()
        if config.loss == "sampled" and config.sampler == "popularity":
            self.register_buffer("sample_log_q", torch.full((n,), -math.log(n)))  # (N,) set by prepare
        self.repeat = RepeatOffset() if config.repeat_offset else None

    def prepare(self, data: Dataset) -> None:
        """The popularity sampler's log-probabilities from the training purchases (when it is used)."""
        if hasattr(self, "sample_log_q"):
            _, items = data.train_pairs()
            self.sample_log_q.copy_(popularity_log_q(torch.as_tensor(items).bincount(minlength=self.spec.n_items)))

    @property
    def max_len(self) -> int:
        return self.config.max_len

    def encode(self, items: torch.Tensor, last_only: bool = False) -> torch.Tensor:
        """Hidden state at every position: ``items`` ``(B, T)`` -> ``(B, T, D)``; with ``last_only``
        the last position alone, ``(B, 1, D)`` (exact; see :class:`~core.models.layers.CausalEncoder`)."""
        valid = items != self.spec.n_items  # (B, T)
        t = items.shape[1]
        # (T,) positions counted from the right
        positions = torch.arange(self.config.max_len - t, self.config.max_len, device=items.device)
        x = self.item_emb(items) + self.pos_emb(positions)[None]  # (B, T, D)
        x = self.dropout(self.norm(x))
        return self.encoder(x, valid, last_only=last_only)  # (B, T, D) or (B, 1, D)

    def loss(self, batch: Batch) -> dict[str, torch.Tensor]:
        h = self.encode(batch.items)  # (B, T, D)
        keep = batch.targets != self.spec.n_items  # (B, T)
        targets = batch.targets[keep]  # (P,)
        if self.config.loss == "sampled":
            log_q = getattr(self, "sample_log_q", None)  # (N,) popularity sampler, None: uniform
            negatives = draw(self.config.sampler, self.spec.n_items, self.config.n_negatives, h.device, log_q)  # (S,)
            offsets = (None if self.repeat is None
                       else self.repeat.sampled_offsets(batch.items, keep, self.spec.n_items, targets, negatives))
            ce = sampled_softmax(h[keep], self.item_emb(targets), targets, self.item_emb(negatives), negatives, log_q,
                                 offsets)
        else:
            logits = h[keep] @ self.item_emb.weight[:-1].T  # (P, N)
            if self.repeat is not None:
                logits = logits + self.repeat.full_offsets(batch.items, keep, self.spec.n_items)  # (P, N)
            ce = F.cross_entropy(logits, targets)
        return {"loss": ce, "ce": ce.detach()}

    def score_all(self, batch: Batch) -> torch.Tensor:
        h = self.encode(batch.items, last_only=True)[:, -1]  # (B, D)
        scores = h @ self.item_emb.weight[:-1].T  # (B, N)
        return scores if self.repeat is None else scores + self.repeat.scores(batch.items, self.spec.n_items)

    def repeat_offset(self) -> float | None:
        return None if self.repeat is None else float(self.repeat.value.detach())

    def item_embeddings(self) -> torch.Tensor:
        return self.item_emb.weight[:-1].detach()  # (N, D)
