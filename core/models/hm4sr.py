"""HM4SR: hierarchical time-aware Mixture of Experts for multimodal sequential recommendation.

Zhang et al., WWW 2025 (spec and known defects of the reference code: shared/papers/HM4SR.md).
Per history position the model embeds the item in each modality (ID, text, image), mixes the
modalities with an Interactive MoE, rescales them by a Temporal MoE routed on the interval since
the previous purchase and the date, and encodes each modality with its own causal transformer.
The score of a candidate is a sum over modalities, so each modality's share is exact:

    s_j = Σ_m w_m ⟨h_m, item_m[j]⟩,  item_id = E_id, item_text = W_t f_text, item_image = W_v f_image,

with w_m = 1 when the streams are trained jointly (the paper, and the default, which adds each
stream's own cross-entropy: ``stream_weight``) and learned weights under late fusion
(:mod:`core.models.fusion`).

Differences from the reference code, all deliberate: the temporal experts are registered
parameters; padding is masked and intervals are clamped at 0; time enters as days since the
dataset start, and by default as its position in the year (``absolute_time="calendar"``; the
reference's ``cos(ω ⊙ Linear(t))`` is ``"paper"``); the device is the trainer's choice; content
features are centred and scaled to a mean row norm of 1 (``normalize_features``, see
:func:`normalize_features`); per-position layers run on real positions only and the encoders
skip left padding (exact, only faster). One documented extension (``use_query_time``):
the encoder output at each position is rescaled by a second Temporal MoE routed on the moment of
the event being predicted (the gap from the last purchase to "now", and the date of "now"). It
keeps the score exactly additive and lets the dashboard ask "what if they shop in six months?".
Set ``use_query_time=False`` for the paper's model. A second (``repeat_offset``): one learned
"bought before" offset on every product in the history window (:mod:`core.models.repeat`), counted
in the ID part. A third (``stream_weight``): each modality stream's own next-item cross-entropy
beside the paper's one on the summed score. All three are off in the ``paper`` preset.

The model is built in layers, one file each, read top-down: :mod:`core.models.hm4sr_config`
(the configuration and its presets), :mod:`core.models.hm4sr_features` (content normalisation),
:mod:`core.models.hm4sr_encoder` (layers, item vectors, the encoder with its MoEs),
:mod:`core.models.hm4sr_losses` (the training loss) and this module (scores, parts and
explanations: what the scoring service and the dashboard read).
"""

from __future__ import annotations

import torch

from core.data.batches import Batch
from core.models.base import Capabilities, GateTrace
from core.models.hm4sr_config import CONTENT_MODALITIES, HM4SRConfig
from core.models.hm4sr_features import normalize_features
from core.models.hm4sr_losses import HM4SRLosses, info_nce

__all__ = ["CONTENT_MODALITIES", "HM4SR", "HM4SRConfig", "info_nce", "normalize_features"]


class HM4SR(HM4SRLosses):
    """The HM4SR model (see the module docstring): scores, their exact parts, and explanations.

    Layers, feature buffers and the encoder are :class:`~core.models.hm4sr_encoder.HM4SREncoder`'s,
    the training loss :class:`~core.models.hm4sr_losses.HM4SRLosses`'s.
    """

    def score_all(self, batch: Batch) -> torch.Tensor:
        tables = self.item_tables()  # (M, N+1, D)
        h, _ = self._encode(batch, tables, self._next_times(batch), last_only=True)  # (B, 1, M, D)
        return self._with_repeat(self._every_item(h[:, -1], tables), batch)  # (B, N)

    def _with_repeat(self, scores: torch.Tensor, batch: Batch) -> torch.Tensor:
        """``scores`` ``(B, N)`` plus the "bought before" offset of each row's history (when learned)."""
        return scores if self.repeat is None else scores + self.repeat.scores(batch.items, self.spec.n_items)

    @property
    def capabilities(self) -> Capabilities:
        """One exact part per modality; gates when the Interactive MoE is on; time routes and the
        query route when the Temporal and query-time MoEs are on."""
        return Capabilities(parts=self.modalities, removable=True, gates=self.imoe is not None,
                            time_routes=self.tmoe is not None, query_time=self.query_moe is not None,
                            new_items=bool(self.content_modalities))

    def score_parts(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Scores split by modality, ``{modality: (B, N)}`` (exact: they sum to :meth:`score_all`)."""
        parts, _ = self._split(batch)  # (B, M, N)
        return {name: parts[:, i] for i, name in enumerate(self.modalities)}

    def _split(self, batch: Batch) -> tuple[torch.Tensor, dict]:
        """``(B, M, N)`` every candidate's score split by modality, and the encoder's trace."""
        tables = self._inference_tables()  # (M, N+1, D)
        h, trace = self._encode(batch, tables, self._next_times(batch), last_only=True)  # (B, 1, M, D)
        parts = torch.einsum("bmd,mnd->bmn", h[:, -1], tables[:, :self.spec.n_items])  # (B, M, N)
        if self.repeat is not None:  # the offset belongs to the ID part (see HM4SRConfig.repeat_offset)
            i = self.modalities.index("id")
            parts[:, i] = self._with_repeat(parts[:, i], batch)
        return parts, trace

    @torch.no_grad()
    def explain(self, batch: Batch) -> GateTrace:
        """Scores split by modality, with every gate and route, for a batch of histories.

        This is an explicit method (not forward hooks) so the explanation is computed by the
        same code that scores. ``trace.parts.sum(1)`` equals :meth:`score_all` up to float error.
        """
        parts, trace = self._split(batch)  # (B, M, N)
        return GateTrace(
            modalities=self.modalities, valid=trace["valid"], gates=trace["gates"],
            modality_weights=None if self.imoe is None else self.imoe.weights.detach().clone(),
            intervals=trace["intervals"], buckets=trace["buckets"], routes=trace["routes"],
            query_gap=trace["gap"][:, -1],
            query_routes=None if trace["query_routes"] is None else trace["query_routes"][:, -1],
            parts=parts, fusion_weights=None if self.fusion is None else self.fusion.value.detach().clone())

    @torch.no_grad()
    def score_new(self, batch: Batch, content: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Scores of J products the model never saw, from their content alone: ``{modality: (B, J)}``.

        The histories are encoded as in :meth:`score_parts`; a new product is scored by its
        text and image vectors (:meth:`new_item_tables`); its ID part is 0, because a product
        never bought has no learned ID vector. For a trained product's own features the content
        parts equal that product's content parts in :meth:`score_parts`.

        Args:
            batch: Customers' histories ``(B, T)``.
            content: Modality -> ``(J, F_m)`` raw features (modalities the model does not read are
                ignored).
        """
        new = self.new_item_tables(content)  # (M, J, D)
        tables = self._inference_tables()  # (M, N+1, D)
        h, _ = self._encode(batch, tables, self._next_times(batch), last_only=True)  # (B, 1, M, D)
        parts = torch.einsum("bmd,mjd->bmj", h[:, -1], new)  # (B, M, J)
        return {name: parts[:, i] for i, name in enumerate(self.modalities)}

    def score_without(self, batch: Batch, part: str) -> torch.Tensor:
        """``(B, N)`` scores with modality ``part``'s input stream zeroed.

        The modality's item vectors are set to zero everywhere — in the history (before the
        position embedding, the MoEs and the encoders) and on the candidate side — so the model
        runs as if the modality did not exist; the other modalities still feel its absence
        through the Interactive MoE.
        """
        if part not in self.modalities:
            raise ValueError(f"HM4SR has no modality {part!r}; it has {list(self.modalities)}")
        keep = torch.tensor([m != part for m in self.modalities], device=batch.items.device)  # (M,)
        tables = self._inference_tables() * keep[:, None, None]  # (M, N+1, D)
        h, _ = self._encode(batch, tables, self._next_times(batch), last_only=True)  # (B, 1, M, D)
        scores = self._every_item(h[:, -1], tables)  # (B, N)
        return scores if part == "id" else self._with_repeat(scores, batch)  # without IDs, no offset

    def score_without_each(self, batch: Batch, parts: list[str]) -> torch.Tensor:
        """``(P, B, N)``: :meth:`score_without` for every modality in ``parts``, in one forward pass.

        The batch is repeated once per part (``P·B`` rows); each copy has its modality's history
        streams zeroed (``keep`` of :meth:`_encode`) and its state dropped on the candidate side,
        which is what zeroing the modality's table does in :meth:`score_without`.
        """
        unknown = [p for p in parts if p not in self.modalities]
        if unknown:
            raise ValueError(f"HM4SR has no modality {unknown[0]!r}; it has {list(self.modalities)}")
        n, b = self.spec.n_items, len(batch.items)
        if not parts:
            return torch.zeros(0, b, n, device=batch.items.device)  # (0, B, N)
        keep = torch.tensor([[float(m != p) for m in self.modalities] for p in parts],
                            device=batch.items.device).repeat_interleave(b, dim=0)  # (P·B, M)
        rows = Batch(users=batch.users.repeat(len(parts)), items=batch.items.repeat(len(parts), 1),
                     times=batch.times.repeat(len(parts), 1), query_times=batch.query_times.repeat(len(parts)))
        tables = self._inference_tables()  # (M, N+1, D)
        h, _ = self._encode(rows, tables, self._next_times(rows), keep=keep, last_only=True)  # (P·B, 1, M, D)
        last = h[:, -1] * keep[:, :, None]  # (P·B, M, D)
        scores = self._every_item(last, tables)  # (P·B, N)
        scores = scores.view(len(parts), b, n)  # (P, B, N)
        if self.repeat is not None:  # every copy but the one without IDs keeps the offset
            with_ids = torch.tensor([p != "id" for p in parts], device=scores.device)  # (P,)
            scores = scores + with_ids[:, None, None] * self.repeat.scores(batch.items, n)[None]  # (P, B, N)
        return scores

    def repeat_offset(self) -> float | None:
        return None if self.repeat is None else float(self.repeat.value.detach())

    def item_embeddings(self) -> torch.Tensor:
        """``(N, M·D)`` item vectors of all modalities side by side (what candidates are scored with)."""
        with torch.no_grad():
            tables = self._inference_tables()[:, :-1]  # (M, N, D)
        return tables.permute(1, 0, 2).flatten(1).clone()  # (N, MD), never a view of the cached tables
