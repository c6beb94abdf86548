"""HM4SR's encoder: item vectors in every modality and the histories encoded through the two MoEs.

Per history position the item's vector in each modality (a learned ID embedding; a projection of
the normalised text and image features, :mod:`core.models.hm4sr_features`) gets its position
embedding, is mixed across modalities by the Interactive MoE, rescaled by the Temporal MoE routed
on the interval since the previous purchase and the date, and encoded by its modality's causal
transformer; the query-time MoE then rescales the states by the moment being predicted
(:mod:`core.models.hm4sr` has the whole picture; :mod:`core.models.moe` the MoEs).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from core.data.batches import Batch
from core.data.dataset import Dataset
from core.models.base import DataSpec, Recommender
from core.models.fusion import FusionWeights
from core.models.hm4sr_config import CONTENT_MODALITIES, HM4SRConfig
from core.models.hm4sr_features import apply_normalization, feature_checksum, feature_normalization
from core.models.layers import CausalEncoder, FastDropout
from core.models.legacy_state import LaterBuffers, require_filled
from core.models.losses import popularity_log_q
from core.models.moe import InteractiveMoE, TemporalMoE, TimeEncoder, bucket_count
from core.models.repeat import RepeatOffset


class HM4SREncoder(LaterBuffers, Recommender):
    """HM4SR's layers, item vectors and history encoder (see :mod:`core.models.hm4sr`).

    Every layer of the model is built here, so parameter names and their initialisation order are
    those of one class; :class:`~core.models.hm4sr_losses.HM4SRLosses` adds the training loss and
    :class:`~core.models.hm4sr.HM4SR` the scores and explanations.

    Buffers ``feat_shift_<m>`` ``(F,)`` and ``feat_scale_<m>`` ``(1,)`` keep the normalisation of
    each content modality's training features (shift 0 and scale 1 without ``normalize_features``),
    so :meth:`new_item_tables` treats a new product's features exactly as a training product's; they are
    NaN in checkpoints saved before they existed (such runs load and score, but cannot score new
    products).

    The normalised feature matrices ``feat_<m>`` ``(N+1, F)`` and the category matrix are not
    saved in checkpoints (at 60,000 products MiniLM text rows alone are 92 MB per checkpoint):
    :meth:`attach` rebuilds them from the dataset with the stored shift and scale, and checks them
    against ``feat_check_<m>`` ``(2,)`` (their sum and sum of squares), so features re-encoded
    since training are refused instead of silently changing the model. Checkpoints saved
    before that still carry the matrices and load them as they are.
    """

    def __init__(self, spec: DataSpec, config: HM4SRConfig):
        super().__init__(spec)
        self.config = config
        unknown = set(config.modalities) - {"id", *CONTENT_MODALITIES}
        if unknown:
            raise ValueError(f"unknown modalities {sorted(unknown)}; use a subset of id, text, image")
        self.modalities = tuple(m for m in ("id", *CONTENT_MODALITIES)
                                if m in config.modalities and (m == "id" or m in spec.feature_dims))
        if not self.modalities:
            raise ValueError(f"none of the modalities {config.modalities} is available; the data has "
                             f"features for {sorted(spec.feature_dims) or 'nothing'} (run `python -m core features`)")
        n, d, m = spec.n_items, config.dim, len(self.modalities)
        self.n_modalities = m
        if "id" in self.modalities:
            self.item_emb = nn.Embedding(n + 1, d, padding_idx=n)
            nn.init.normal_(self.item_emb.weight, std=0.02)
        self.proj = nn.ModuleDict()
        for name in self.content_modalities:
            self.register_buffer(f"feat_{name}", torch.zeros(n + 1, spec.feature_dims[name]),
                                 persistent=False)  # (N+1, F) rebuilt by attach
            self.register_buffer(f"feat_shift_{name}", torch.full((spec.feature_dims[name],), float("nan")))  # (F,)
            self.register_buffer(f"feat_scale_{name}", torch.full((1,), float("nan")))  # (1,)
            self.register_buffer(f"feat_check_{name}", torch.full((2,), float("nan"), dtype=torch.float64))  # (2,)
            self.proj[name] = nn.Linear(spec.feature_dims[name], d)
        self._later_buffers = tuple(f"feat_{k}_{x}" for x in self.content_modalities
                                    for k in ("shift", "scale", "check"))
        self._features_from_checkpoint = False
        self.pos_emb = nn.Embedding(config.max_len, d)
        nn.init.normal_(self.pos_emb.weight, std=0.02)
        init = dict(zip(("id", *CONTENT_MODALITIES), config.modality_weight_init))
        self.imoe = (InteractiveMoE(m, d, config.n_experts, [init[x] for x in self.modalities])
                     if config.use_imoe else None)
        needs_time = config.use_tmoe or config.use_query_time or (config.pcl_weight > 0 and self.content_modalities)
        buckets = bucket_count(config.interval_scale, config.max_interval_days)
        self.time = TimeEncoder(d, config.interval_scale, buckets, config.absolute_time) if needs_time else None
        self.tmoe = TemporalMoE(m * d, 2 * d, config.n_experts) if config.use_tmoe else None
        self.query_moe = TemporalMoE(m * d, 2 * d, config.n_experts) if config.use_query_time else None
        self.norms = nn.ModuleList(nn.LayerNorm(d) for _ in range(m))
        self.encoders = nn.ModuleList(CausalEncoder(d, config.n_layers, config.n_heads, config.ffn_dim,
                                                    config.dropout) for _ in range(m))
        self.dropout = FastDropout(config.dropout)
        self.cp_head = None
        if config.cp_weight > 0 and spec.n_categories > 0:
            self.cp_head = nn.Linear(m * d, spec.n_categories)
            self.register_buffer("item_categories", torch.zeros(n + 1, spec.n_categories),
                                 persistent=False)  # (N+1, C) rebuilt by attach
        self.placeholders = nn.ModuleDict({name: nn.Linear(2 * d, d) for name in self.content_modalities}
                                          if config.pcl_weight > 0 else {})
        if config.loss == "sampled" and config.sampler == "popularity":
            self.register_buffer("sample_log_q", torch.full((n,), -math.log(n)))  # (N,) set by prepare
        self.repeat = RepeatOffset() if config.repeat_offset and "id" in self.modalities else None
        self.fusion = FusionWeights(m) if config.fusion == "late" and m > 1 else None  # one stream: nothing to fuse

    @property
    def content_modalities(self) -> tuple[str, ...]:
        return tuple(x for x in self.modalities if x in CONTENT_MODALITIES)

    @property
    def max_len(self) -> int:
        return self.config.max_len

    def prepare(self, data: Dataset) -> None:
        """Fix each content modality's normalisation (shift, scale) from the training features,
        attach the features and categories (:meth:`attach`), and set the popularity sampler's
        log-probabilities from the training purchases (when it is used)."""
        for name in self.content_modalities:
            features, present = self._raw_features(data, name)  # (N, F), (N,)
            shift, scale = torch.zeros(features.shape[1]), torch.ones(())
            if self.config.normalize_features and present.any():
                shift, scale = feature_normalization(features, present)  # (F,), ()
            getattr(self, f"feat_shift_{name}").copy_(shift)
            getattr(self, f"feat_scale_{name}").copy_(scale.reshape(1))
            getattr(self, f"feat_check_{name}").copy_(feature_checksum(self._normalized(features, present, name)))
        self._features_from_checkpoint = False
        self.attach(data)
        if hasattr(self, "sample_log_q"):
            _, items = data.train_pairs()
            self.sample_log_q.copy_(popularity_log_q(torch.as_tensor(items).bincount(minlength=self.spec.n_items)))

    def attach(self, data: Dataset) -> None:
        """Fill the feature buffers (padding row = 0) with the dataset's features, normalised with
        the stored shift and scale, and the category matrix.

        Raises:
            ValueError: When a modality's features differ from those the model was trained on
                (re-encoded since), naming the fix.
        """
        if self.cp_head is not None:
            self.item_categories[:-1].copy_(torch.as_tensor(data.category_matrix()[1]))
        if self._features_from_checkpoint:  # an older checkpoint brought its own matrices
            return
        for name in self.content_modalities:
            features, present = self._raw_features(data, name)  # (N, F), (N,)
            normalized = self._normalized(features, present, name)  # (N, F)
            expected = getattr(self, f"feat_check_{name}")  # (2,)
            if not torch.isnan(expected).any() and not torch.allclose(
                    feature_checksum(normalized), expected.cpu(), rtol=1e-6, atol=1e-6):
                raise ValueError(
                    f"the {name} features in {data.root}/features differ from those this model was trained on "
                    f"(re-encoded since training?): restore those features, or retrain the model on these")
            getattr(self, f"feat_{name}")[:-1].copy_(normalized)

    @staticmethod
    def _raw_features(data: Dataset, name: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``(N, F)`` one modality's features as stored and ``(N,)`` which items have them."""
        features = torch.as_tensor(data.features[name], dtype=torch.float32)  # (N, F)
        missing = data.feature_missing.get(name)
        present = (torch.ones(len(features), dtype=torch.bool) if missing is None
                   else ~torch.as_tensor(missing, dtype=torch.bool))  # (N,)
        return features, present

    def _normalized(self, features: torch.Tensor, present: torch.Tensor, name: str) -> torch.Tensor:
        """``(N, F)`` features normalised with the stored shift and scale of modality ``name``."""
        shift, scale = getattr(self, f"feat_shift_{name}").cpu(), getattr(self, f"feat_scale_{name}").cpu()
        return apply_normalization(features, shift, scale[0], present)  # (N, F)

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        for name in ("item_categories", *(f"feat_{x}" for x in self.content_modalities)):
            saved = state_dict.pop(prefix + name, None)  # only checkpoints from before attach hold them
            if saved is not None and name != "item_categories":
                getattr(self, name).copy_(saved)
                self._features_from_checkpoint = True
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)

    def item_tables(self, index: torch.Tensor | None = None) -> torch.Tensor:
        """``(M, N+1, D)``: every item's vector in every modality (the padding row last); with
        ``index`` ``(R,)`` (item indices, the padding index allowed) only those rows, ``(M, R, D)``."""
        tables = []
        for name in self.modalities:
            if name == "id":
                tables.append(self.item_emb.weight if index is None else self.item_emb(index))  # (N+1 | R, D)
            else:
                features = getattr(self, f"feat_{name}")  # (N+1, F)
                tables.append(self.proj[name](features if index is None else features[index]))  # (N+1 | R, D)
        return torch.stack(tables)  # (M, N+1 | R, D)

    def _batch_tables(self, batch: Batch, negatives: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Item vectors of only the items a sampled-softmax step reads: history, targets, negatives.

        Returns:
            ``(tables, lookup)``: ``(M, R, D)`` vectors of the R distinct items (R <= B·T + S, the
            projections cost O(R·F·D) instead of O(N·F·D)) and ``(N+1,)`` each item's row in them
            (-1 for items not read).
        """
        needed = torch.unique(torch.cat([batch.items.flatten(), batch.targets.flatten(), negatives]))  # (R,)
        lookup = torch.full((self.spec.n_items + 1,), -1, dtype=torch.long, device=needed.device)  # (N+1,)
        lookup[needed] = torch.arange(len(needed), device=needed.device)
        return self.item_tables(needed), lookup  # (M, R, D), (N+1,)

    def _inference_tables(self) -> torch.Tensor:
        """:meth:`item_tables`, kept between calls while the model is in eval mode with autograd off
        (explanations re-score one customer many times); recomputed when any weight changes."""
        if self.training or torch.is_grad_enabled():
            return self.item_tables()
        from core.models.caching import KeyedCache, tensor_state_key

        if getattr(self, "_tables_cache", None) is None:
            self._tables_cache = KeyedCache()
        sources = [*(self.item_emb.parameters() if "id" in self.modalities else ()), *self.proj.parameters(),
                   *(getattr(self, f"feat_{x}") for x in self.content_modalities)]  # what item_tables reads
        return self._tables_cache.get(tensor_state_key(sources), self.item_tables)

    def _every_item(self, states: torch.Tensor, tables: torch.Tensor) -> torch.Tensor:
        """``(R, N)`` every item's score, summed over modalities, for states ``(R, M', D)`` and
        those modalities' item vectors ``tables`` ``(M', N+1, D)`` (the padding row is left out)."""
        n = self.spec.n_items
        return states.flatten(1) @ tables[:, :n].permute(1, 0, 2).reshape(n, -1).T  # (R, N)

    def new_item_tables(self, content: dict[str, torch.Tensor]) -> torch.Tensor:
        """``(M, J, D)`` the vectors of J products the model never saw, in every modality.

        Content modality m: ``proj_m((f - shift_m) / scale_m)`` with the training features' shift
        and scale (:func:`normalize_features`); a modality absent from ``content`` or an all-zero
        row is a product lacking it, whose normalised row is 0, exactly as for a training product
        without it. The ID vector is 0: a new product has no learned ID embedding.

        Raises:
            ValueError: For a checkpoint saved before the normalisation was stored (retrain), a
                model without content streams, or features of the wrong width or row count.
        """
        if not self.content_modalities:
            return super().score_new(None, content)  # raises: nothing but IDs to score with
        require_filled(self, list(self._later_buffers), "scoring unseen products")
        widths = {x: self.spec.feature_dims[x] for x in self.content_modalities}
        counts = {len(v) for x, v in content.items() if x in widths}
        if len(counts) > 1:
            raise ValueError(f"new products' feature matrices disagree on the number of products: "
                             f"{ {x: len(v) for x, v in content.items()} }")
        j = counts.pop() if counts else 0
        device = self.pos_emb.weight.device
        tables = []
        for name in self.modalities:
            if name == "id":
                tables.append(torch.zeros(j, self.config.dim, device=device))  # (J, D)
                continue
            f = content.get(name)
            if f is None:
                f = torch.zeros(j, widths[name], device=device)  # (J, F): the products lack it
            f = torch.as_tensor(f, dtype=torch.float32, device=device)
            if f.ndim != 2 or f.shape[1] != widths[name]:
                raise ValueError(f"new products' {name} features have shape {tuple(f.shape)}; the model was "
                                 f"trained on {widths[name]}-d {name} features (J, {widths[name]})")
            present = f.abs().sum(1) > 0  # (J,)
            shift, scale = getattr(self, f"feat_shift_{name}"), getattr(self, f"feat_scale_{name}")
            tables.append(self.proj[name](apply_normalization(f, shift, scale[0], present)))  # (J, D)
        return torch.stack(tables)  # (M, J, D)

    def _encode(self, batch: Batch, tables: torch.Tensor, next_times: torch.Tensor,
                placeholder_at: torch.Tensor | None = None,
                only: tuple[str, ...] | None = None,
                keep: torch.Tensor | None = None, last_only: bool = False,
                lookup: torch.Tensor | None = None, fuse: bool = True) -> tuple[torch.Tensor, dict]:
        """Encode histories into per-position, per-modality states.

        Args:
            batch: Needs ``items`` ``(B, T)`` and ``times`` ``(B, T)``.
            tables: ``(M, N+1, D)`` from :meth:`item_tables`, or ``(M, R, D)`` rows of it with ``lookup``.
            next_times: ``(B, T)`` time of the event each position predicts.
            placeholder_at: ``(B, T)`` bool, positions whose content streams become placeholders (PCL).
            only: Run the encoders of these modalities only (the others' states are zero); saves
                the ID encoder in the PCL pass, which reads the content states alone.
            keep: ``(B, M)`` 0/1 per row and modality: the history streams of a modality with 0 are
                zeroed, as if its table were zero for that row (:meth:`score_without_each`).
            last_only: Return the states of the last position only (``T' = 1``); exact, and
                skips most of the final encoder layer and the query-time MoE elsewhere.
            lookup: ``(N+1,)`` row of ``tables`` holding each item (when ``tables`` holds only the
                items of the batch, :meth:`_batch_tables`); None: row = item index.
            fuse: With late fusion, scale each modality's states by its weight w (what every
                score uses); False gives the streams' own states (what each stream's loss trains).

        Returns:
            ``(h, trace)``: ``h`` ``(B, T', M, D)`` (``T' = T``, or 1 with ``last_only``) and a dict
            of gates/routes/intervals (per position, ``(B, T, ...)``; query routes ``(B, T', K)``).
        """
        items, times = batch.items, batch.times
        b, t = items.shape
        valid = items != self.spec.n_items  # (B, T)
        intervals = self._intervals(times, valid)  # (B, T)
        # Everything before the encoders is per position: compute it at the P real positions only.
        rows = items[valid] if lookup is None else lookup[items[valid]]  # (P,)
        streams = tables[:, rows].transpose(0, 1)  # (P, M, D)
        if keep is not None:
            streams = streams * keep[:, None, :].expand(b, t, -1)[valid][:, :, None]  # (P, M, D)
        context = buckets = None
        if self.time is not None:
            context, buckets_real = self.time(intervals[valid], times[valid])  # (P, 2D), (P,)
            buckets = self._scatter(buckets_real, valid)  # (B, T)
        positions = torch.arange(self.config.max_len - t, self.config.max_len, device=items.device)  # (T,) right end
        streams = streams + self.pos_emb(positions.expand(b, t)[valid])[:, None]  # (P, M, D)
        gates = routes = None
        if self.imoe is not None:
            streams, gates_real = self.imoe(streams)  # (P, M, D), (P, M, K)
            gates = self._scatter(gates_real, valid)  # (B, T, M, K)
        if self.tmoe is not None:
            flat, routes_real = self.tmoe(streams.flatten(1), context)  # (P, MD), (P, K)
            streams = flat.view_as(streams)
            routes = self._scatter(routes_real, valid)  # (B, T, K)
        if placeholder_at is not None:  # PCL: as in the reference, after both MoEs, before the LayerNorm
            replaced = [self.placeholders[x](context) if x in self.placeholders else stream
                        for x, stream in zip(self.modalities, streams.unbind(1), strict=True)]
            mask = placeholder_at[valid][:, None, None]  # (P, 1, 1)
            streams = torch.where(mask, torch.stack(replaced, dim=1), streams)  # (P, M, D)
        # unbind, not streams[:, i]: one backward stack instead of M zero-filled (P, M, D) copies
        inputs = self._scatter(torch.stack([self.dropout(norm(x)) for norm, x in zip(self.norms, streams.unbind(1))],
                                           dim=1), valid)  # (B, T, M, D), 0 at padding
        t_out = 1 if last_only else t
        states = [enc(x, valid, last_only=last_only)
                  if only is None or name in only else inputs.new_zeros(b, t_out, inputs.shape[-1])
                  for name, enc, x in zip(self.modalities, self.encoders, inputs.unbind(2), strict=True)]
        h = torch.stack(states, dim=2)  # (B, T', M, D)
        gap = (next_times - times).clamp(min=0)  # (B, T)
        query_routes = None
        if self.query_moe is not None:
            query_context, _ = self.time(gap[:, t - t_out:], next_times[:, t - t_out:])  # (B, T', 2D)
            flat, query_routes = self.query_moe(h.reshape(b, t_out, -1), query_context)  # (B, T', MD), (B, T', K)
            h = flat.view_as(h)
        if fuse and self.fusion is not None:
            h = self.fusion.scale(h)  # (B, T', M, D)
        return h, {"valid": valid, "gates": gates, "routes": routes, "intervals": intervals,
                   "buckets": buckets, "gap": gap, "query_routes": query_routes}

    def _intervals(self, times: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        previous = F.pad(times[:, :-1], (1, 0))  # (B, T)
        has_previous = F.pad(valid[:, :-1], (1, 0))  # (B, T)
        return torch.where(valid & has_previous, times - previous, torch.zeros_like(times)).clamp(min=0)

    @staticmethod
    def _scatter(values: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Place per-real-position ``values`` ``(P, ...)`` into a ``(B, T, ...)`` grid, 0 at padding."""
        out = values.new_zeros(*valid.shape, *values.shape[1:])  # (B, T, ...)
        out[valid] = values
        return out

    @staticmethod
    def _next_times(batch: Batch) -> torch.Tensor:
        """``(B, T)`` time of the event each position predicts: the next purchase, last = query time."""
        return torch.cat([batch.times[:, 1:], batch.query_times[:, None]], dim=1)
