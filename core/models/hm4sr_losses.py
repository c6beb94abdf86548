"""HM4SR's training loss: next-item cross-entropy on the summed score (and on each stream), and
the auxiliary tasks CP, IDCL and PCL.

Under joint fusion the cross-entropy on the summed score trains every stream, as in the paper;
``stream_weight`` adds each stream's own next-item cross-entropy beside it (the default, 1). Under
late fusion each stream is trained by its own cross-entropy and the learned weights by one on the
detached sum (:mod:`core.models.fusion`). CP predicts the categories of each purchase from its
vectors; IDCL and PCL are in-batch InfoNCE tasks on the trained positions (:func:`info_nce`).
"""

from __future__ import annotations

import operator
from functools import partial, reduce

import torch
import torch.nn.functional as F

from core.data.batches import Batch
from core.models.hm4sr_config import CONTENT_MODALITIES
from core.models.hm4sr_encoder import HM4SREncoder
from core.models.losses import draw, sampled_bias, sampled_cross_entropy, sampled_logits


def _combine(logits: list, weights: list | None = None):
    """``Σ_i w_i logits_i`` of per-stream logits: ``(P, N)`` tensors (full loss) or
    ``(positive (P,), negative (P, S))`` pairs (sampled loss), summed part by part; without
    ``weights`` a plain sum (no product by 1, no copy of the first term)."""
    pairs = [(x,) if isinstance(x, torch.Tensor) else tuple(x) for x in logits]
    if weights is not None:
        pairs = [tuple(w * part for part in pair) for w, pair in zip(weights, pairs, strict=True)]
    summed = tuple(reduce(operator.add, terms) for terms in zip(*pairs, strict=True))
    return summed[0] if isinstance(logits[0], torch.Tensor) else summed


def _detached(offsets):
    """Logits or "bought before" offsets (a tensor, a tuple of them, or None) cut from the graph."""
    if offsets is None:
        return None
    if isinstance(offsets, torch.Tensor):
        return offsets.detach()
    return tuple(x.detach() for x in offsets)


def info_nce(queries: torch.Tensor, keys: torch.Tensor, temperature: float,
             same: torch.Tensor | None = None) -> torch.Tensor:
    """InfoNCE with in-batch negatives: row i of ``queries`` should match row i of ``keys``.

    Args:
        queries: ``(B, D)``; keys: ``(B, D)`` (both L2-normalised inside).
        temperature: Softmax temperature.
        same: ``(B, B)`` bool, True where row j is not a valid negative for row i (e.g. the same
            target); the diagonal is always kept as the positive.
    """
    logits = F.normalize(queries, dim=-1) @ F.normalize(keys, dim=-1).T / temperature  # (B, B)
    if same is not None:
        eye = torch.eye(len(logits), dtype=torch.bool, device=logits.device)
        logits = logits.masked_fill(same & ~eye, float("-inf"))
    return F.cross_entropy(logits, torch.arange(len(logits), device=logits.device))


class HM4SRLosses(HM4SREncoder):
    """:class:`~core.models.hm4sr_encoder.HM4SREncoder` plus the training loss (:meth:`loss`)."""

    def loss(self, batch: Batch) -> dict[str, torch.Tensor]:
        cfg, n = self.config, self.spec.n_items
        sampled = cfg.loss == "sampled"
        negatives = lookup = log_q = bias = None
        keep = batch.targets != n  # (B, T)
        targets = batch.targets[keep]  # (P,)
        if sampled:
            log_q = getattr(self, "sample_log_q", None)  # (N,) popularity sampler, None: uniform
            negatives = draw(cfg.sampler, n, cfg.n_negatives, batch.items.device, log_q)  # (S,)
            tables, lookup = self._batch_tables(batch, negatives)  # (M, R, D), (N+1,)
            bias = sampled_bias(targets, negatives, log_q)  # ((P,) or None, (P, S)) shared by every CE
        else:
            tables = self.item_tables()  # (M, N+1, D)
        next_times = self._next_times(batch)
        h, trace = self._encode(batch, tables, next_times, lookup=lookup, fuse=False)  # (B, T, M, D)
        offsets = None
        if self.repeat is not None:
            offsets = (self.repeat.sampled_offsets(batch.items, keep, n, targets, negatives) if sampled
                       else self.repeat.full_offsets(batch.items, keep, n))  # ((P,), (P, S)) or (P, N)
        states = h[keep]  # (P, M, D)
        logits = partial(self._next_item_logits, targets=targets, negatives=negatives, lookup=lookup)
        ce = partial(self._next_item_ce, targets=targets, bias=bias)
        stream_weight = 1.0 if self.fusion is not None else cfg.stream_weight
        if len(self.modalities) == 1 or stream_weight == 0:
            parts = {"ce": ce(logits(states, tables), offsets)}
        else:
            streams = [logits(states[:, i:i + 1], tables[i:i + 1]) for i in range(len(self.modalities))]
            if self.fusion is not None:  # late: the weights w learn on the detached sum, and nothing else does
                w = self.fusion.value  # (M,)
                parts = {"ce": ce(_combine([_detached(s) for s in streams], list(w)), _detached(offsets))}
                own = {name: offsets if name == "id" else None for name in self.modalities}
            else:  # joint: the summed score trains every stream
                if offsets is not None:  # the offset is part of the ID score: added once, for both of its uses
                    i = self.modalities.index("id")
                    streams[i] = _combine([streams[i], offsets])
                parts = {"ce": ce(_combine(streams), None)}
                own = dict.fromkeys(self.modalities)
            if stream_weight > 0:  # each stream alone too (the ID one with the offset)
                for name, stream in zip(self.modalities, streams, strict=True):
                    parts[f"ce_{name}"] = ce(stream, own[name])
        valid = trace["valid"]
        if self.cp_head is not None:
            bought = batch.items[valid] if lookup is None else lookup[batch.items[valid]]  # (P',) rows of tables
            raw = tables[:, bought].permute(1, 0, 2).flatten(1)  # (P', MD)
            parts["cp"] = F.binary_cross_entropy_with_logits(self.cp_head(raw),
                                                             self.item_categories[batch.items[valid]])
        # IDCL and PCL act on the rows the cross-entropy trains (every trained position, or a
        # uniform sample of aux_rows of them).
        rows = keep.nonzero()  # (P, 2)
        if len(rows) > cfg.aux_rows:
            rows = rows[torch.randperm(len(rows), device=rows.device)[:cfg.aux_rows]]  # (R, 2)
        targets = batch.targets[rows[:, 0], rows[:, 1]]  # (R,)
        same = targets[:, None] == targets[None, :]  # (R, R) rows with the same target are no negatives
        trained = h[rows[:, 0], rows[:, 1]]  # (R, M, D)
        if cfg.idcl_weight > 0 and "id" in self.modalities:
            h_id = trained[:, self.modalities.index("id")]  # (R, D)
            parts["idcl"] = info_nce(h_id, self.item_emb(targets), cfg.idcl_temperature, same)
        if cfg.pcl_weight > 0 and self.content_modalities:
            lengths = valid.sum(1, keepdim=True)  # (B, 1)
            n_replace = torch.floor(cfg.pcl_ratio * lengths)  # (B, 1)
            noise = torch.rand(valid.shape, device=valid.device).masked_fill(~valid, 2.0)  # (B, T)
            order = noise.argsort(dim=1).argsort(dim=1)  # rank of each position's noise
            placeholder_at = valid & (order < n_replace)  # (B, T)
            h_aug, _ = self._encode(batch, tables, next_times, placeholder_at,
                                    only=self.content_modalities, lookup=lookup, fuse=False)  # (B, T, M, D)
            augmented = h_aug[rows[:, 0], rows[:, 1]]  # (R, M, D)
            losses = [info_nce(trained[:, i], augmented[:, i], cfg.pcl_temperature, same)
                      for i, x in enumerate(self.modalities) if x in CONTENT_MODALITIES]
            parts["pcl"] = torch.stack(losses).mean()
        weights = {"cp": cfg.cp_weight, "idcl": cfg.idcl_weight, "pcl": cfg.pcl_weight,
                   **{f"ce_{m}": stream_weight for m in self.modalities}}
        total = sum(weights.get(k, 1.0) * v for k, v in parts.items())  # the summed score's cross-entropy at 1
        return {"loss": total, **{k: v.detach() for k, v in parts.items()}}

    def _next_item_logits(self, states: torch.Tensor, tables: torch.Tensor, targets: torch.Tensor,
                          negatives: torch.Tensor | None, lookup: torch.Tensor | None) -> torch.Tensor:
        """Logits of the trained positions under the summed score of some modalities.

        Args:
            states: ``(P, M', D)`` the trained positions' states in M' modalities.
            tables: ``(M', N+1, D)`` those modalities' item vectors (``(M', R, D)`` with ``lookup``).
            targets: ``(P,)`` target items.
            negatives: ``(S,)`` the sampled loss's negatives; None: every item.
            lookup: ``(N+1,)`` each item's row of ``tables`` (sampled loss).

        Returns:
            ``(P, N)`` every item's logit, or ``(positive (P,), negative (P, S))`` the target's and
            the negatives' (:func:`~core.models.losses.sampled_logits`).
        """
        if negatives is not None:
            vectors = tables.permute(1, 0, 2).flatten(1)  # (R, M'D)
            return sampled_logits(states.flatten(1), vectors[lookup[targets]], vectors[lookup[negatives]])
        return self._every_item(states, tables)  # (P, N)

    @staticmethod
    def _next_item_ce(logits, offsets, targets: torch.Tensor, bias) -> torch.Tensor:
        """Next-item cross-entropy of :meth:`_next_item_logits`.

        Args:
            logits: ``(P, N)`` (full loss) or ``(positive (P,), negative (P, S))`` (sampled loss).
            offsets: The "bought before" offsets, ``(P, N)`` or ``((P,), (P, S))``; None: no offset.
            targets: ``(P,)`` target items.
            bias: The sampled loss's :func:`~core.models.losses.sampled_bias`; None: the full loss.
        """
        if bias is not None:
            return sampled_cross_entropy(*logits, bias, offsets)
        return F.cross_entropy(logits if offsets is None else logits + offsets, targets)
