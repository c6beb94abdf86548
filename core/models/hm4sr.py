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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import partial
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from core.data.batches import Batch
from core.data.dataset import Dataset
from core.models.base import Capabilities, DataSpec, GateTrace, Recommender
from core.models.fusion import FUSIONS, FusionWeights
from core.models.layers import CausalEncoder, FastDropout
from core.models.legacy_state import LaterBuffers, require_filled
from core.models.losses import check_loss_config, draw, popularity_log_q, sampled_cross_entropy, sampled_logits
from core.models.moe import InteractiveMoE, TemporalMoE, TimeEncoder, bucket_count
from core.models.repeat import RepeatOffset

CONTENT_MODALITIES = ("text", "image")


@dataclass(frozen=True)
class HM4SRConfig:
    """HM4SR hyper-parameters.

    Defaults: the reference's architecture and sizes, with choices of ours made on validation
    NDCG@20 over the sample and MovieLens-100k (the ``paper`` preset undoes them): the
    query-time MoE and the calendar time encoding (see the module docstring), normalised
    features, CP and IDCL at 0.1 instead of 1, PCL off (it lowered validation on both datasets
    in each of three seeds, and costs a third of the epoch time), and dropout 0.4 instead of
    0.5 (higher in the mean of three seeds on both), and the "bought before" offset (higher on both
    in the mean of three seeds), and each stream's own cross-entropy at weight 1 beside the joint
    one (higher on both in each of three seeds; the launch simulator then finds 77 % of the
    planted visual audiences and 87 % of the textual ones it finds under the paper's loss, late
    fusion 14 % and 57 %). ``benchmarks/quality.py``, ``benchmarks/seeds.py``; figures in the README.

    Attributes:
        dim: Width D of every modality stream.
        n_layers: Transformer layers per modality.
        n_heads: Attention heads.
        ffn_dim: Feed-forward width.
        dropout: Dropout on the streams and inside the encoders.
        n_experts: Experts K in each MoE.
        interval_scale: s in ``floor(s · log2(Δt + 1))``.
        max_interval_days: Longest gap with its own bucket (longer gaps share the last one).
        max_len: History window T.
        modalities: Modalities to use; content ones missing from the data are skipped.
        modality_weight_init: Initial Interactive-MoE weight of (id, text, image).
        use_imoe: Interactive MoE on (ablation switch).
        use_tmoe: Temporal MoE on the history (ablation switch).
        use_query_time: Temporal MoE on the moment being predicted (our extension, see module doc).
        absolute_time: How the Temporal MoE sees the date: ``"calendar"`` (position in the year,
            see :class:`~core.models.moe.TimeEncoder`) or ``"paper"`` (the reference's
            ``cos(ω ⊙ Linear(t))``).
        normalize_features: Centre every content feature matrix and scale it to a mean row norm of 1
            before the projection (see :func:`normalize_features`); False feeds the raw features,
            as the reference does.
        cp_weight: Weight of category prediction (0 disables it).
        idcl_weight: Weight of ID contrastive learning (0 disables it).
        pcl_weight: Weight of placeholder contrastive learning (0, the default, disables it).
        idcl_temperature: IDCL InfoNCE temperature.
        pcl_temperature: PCL InfoNCE temperature.
        pcl_ratio: Share of history positions replaced by placeholders in PCL.
        aux_rows: IDCL and PCL use at most this many of the positions the cross-entropy trains,
            drawn uniformly each step (their in-batch InfoNCE costs rows²; the reference trains
            1,024 rows a batch).
        loss: Next-item loss: ``"full"`` (cross-entropy over all N items at every position,
            O(P·N·M·D) per batch, and every item's M vectors computed each step) or ``"sampled"``
            (sampled softmax against ``n_negatives`` shared uniform negatives, and item vectors
            computed only for the items the batch touches: O(P·S·M·D + (B·T + S)·F·D)); see
            :mod:`core.models.losses`.
        n_negatives: Negatives S per batch with ``loss="sampled"`` (all items when S >= N).
        sampler: How negatives are drawn: ``"uniform"`` or ``"popularity"`` (logQ-corrected).
        content_weight_decay: Weight decay (AdamW, decoupled) on the content projections alone, on
            top of the trainer's: content that does not pay for its weights' norm fades, and the
            scores fall back to the ID stream (0: off).
        repeat_offset: Learn one "bought before" offset β added to the score of every product in
            the history window (:mod:`core.models.repeat`; our extension). It is part of the ID
            part: knowing which exact products were bought is the ID stream's knowledge, and a
            model without IDs has none.
        fusion: How the modality streams learn: ``"joint"`` (the default: the cross-entropy on
            the summed score trains them all, as the paper does, beside each stream's own at
            ``stream_weight``) or ``"late"`` (each stream is
            trained by its own cross-entropy, the ID one with the offset, and the score is
            ``Σ_m w_m s_m`` with learned weights w; :mod:`core.models.fusion`; our extension:
            better rankings with up to 80 epochs, but a new product's content then counts for
            little against the learned ID vectors, see the README). With one stream (e.g. IDs
            alone) the two are the same model, without weights.
        stream_weight: Under joint fusion, the weight of each modality stream's own next-item
            cross-entropy (the ID one with the offset), added to the joint one (our extension;
            the default 1; 0: the paper's loss). Each stream must then rank on its own, so the ID
            stream cannot lean on weak content, while the joint term keeps every stream trained
            for the summed score that ranks and explains. Content trained to rank alone is more
            generic, so a new product's audience is a little less its planted one (README).
            Cost: one more softmax per modality, O(P·N) each (full loss) or O(P·S) (sampled);
            measured 1.2-1.3x a step with the sampled loss, 1.65-1.9x with the full one at
            6,000-30,000 products (``benchmarks/stream_ce_cost.py``).
            Late fusion trains each stream by its own cross-entropy at 1 whatever this is.
        id_dropout: Under joint fusion, the share of products whose ID part (their ID score and
            "bought before" offset) is left out of the summed score's cross-entropy at each step,
            drawn afresh each step, as if they were new (our extension, after DropoutNet; 0: off).
            A new product is scored by its content alone against a catalogue scored with IDs; this
            trains the content streams for exactly that. Meant to keep launches reaching their
            planted audiences, it did not on the sample (fewer of them, README), so it is off.
    """

    dim: int = 64
    n_layers: int = 2
    n_heads: int = 2
    ffn_dim: int = 256
    dropout: float = 0.4
    n_experts: int = 4
    interval_scale: float = 100.0
    max_interval_days: float = 3650.0
    max_len: int = 50
    modalities: tuple[str, ...] = ("id", "text", "image")
    modality_weight_init: tuple[float, float, float] = (0.0, 1.0, 1.0)
    use_imoe: bool = True
    use_tmoe: bool = True
    use_query_time: bool = True
    absolute_time: str = "calendar"
    normalize_features: bool = True
    cp_weight: float = 0.1
    idcl_weight: float = 0.1
    pcl_weight: float = 0.0
    idcl_temperature: float = 0.2
    pcl_temperature: float = 1.0
    pcl_ratio: float = 0.3
    aux_rows: int = 1024
    loss: str = "full"
    n_negatives: int = 1024
    sampler: str = "uniform"
    content_weight_decay: float = 0.0
    repeat_offset: bool = True
    fusion: str = "joint"
    stream_weight: float = 1.0
    id_dropout: float = 0.0

    #: Named presets (``python -m core train --model hm4sr --preset NAME``): overrides of the defaults.
    #: ``paper``: the published model -- no query-time MoE, the reference's time encoding, raw features.
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {
        "paper": {"use_query_time": False, "absolute_time": "paper", "normalize_features": False,
                  "cp_weight": 1.0, "idcl_weight": 1.0, "pcl_weight": 1.0, "dropout": 0.5,
                  "repeat_offset": False, "fusion": "joint", "stream_weight": 0.0},
    }
    #: Values that reproduce runs stored before a field existed (see ``core.models.config.stored_config``).
    LEGACY: ClassVar[dict[str, Any]] = {"absolute_time": "paper", "repeat_offset": False, "fusion": "joint",
                                        "stream_weight": 0.0}

    def __post_init__(self):
        check_loss_config(self.loss, self.n_negatives, self.sampler)
        if self.content_weight_decay < 0:
            raise ValueError(f"content_weight_decay must be >= 0, got {self.content_weight_decay}")
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {self.fusion!r}")
        if self.stream_weight < 0:
            raise ValueError(f"stream_weight must be >= 0, got {self.stream_weight}")
        if not 0 <= self.id_dropout < 1:
            raise ValueError(f"id_dropout must be in [0, 1), got {self.id_dropout}")
        if self.id_dropout > 0 and (self.fusion != "joint" or "id" not in self.modalities
                                    or len(self.modalities) < 2):
            raise ValueError(f"id_dropout needs fusion='joint' and IDs with at least one content modality, got "
                             f"fusion={self.fusion!r}, modalities={tuple(self.modalities)}")


def _detached(offsets):
    """The "bought before" offsets (a tensor, a tuple of them, or None) cut from the graph."""
    if offsets is None:
        return None
    if isinstance(offsets, torch.Tensor):
        return offsets.detach()
    return tuple(x.detach() for x in offsets)


def _masked(offsets, kept: torch.Tensor):
    """The "bought before" offsets (``(P, N)`` or ``((P,), (P, S))``, or None) times ``kept``
    (``(N,)`` or ``(P, 1 + S)``, :meth:`HM4SR._kept_ids`): a product scored as new was never bought."""
    if offsets is None:
        return None
    if isinstance(offsets, torch.Tensor):
        return offsets * kept  # (P, N)
    return offsets[0] * kept[:, 0], offsets[1] * kept[:, 1:]  # (P,), (P, S)


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


class ContentDecayAdam(torch.optim.Adam):
    """Adam whose parameter groups flagged ``content_decay`` also shrink by ``lr · content_decay``
    per step, decoupled from the gradient (as AdamW decays), before Adam's update."""

    def __init__(self, params, lr: float, weight_decay: float, content_decay: float):
        super().__init__(params, lr=lr, weight_decay=weight_decay)
        self.content_decay = content_decay

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            if group.get("content_decay"):
                for p in group["params"]:
                    if p.grad is not None:
                        p.mul_(1 - group["lr"] * self.content_decay)
        return super().step(closure)


class HM4SR(LaterBuffers, Recommender):
    """The HM4SR model (see module docstring).

    Buffers ``feat_shift_<m>`` ``(F,)`` and ``feat_scale_<m>`` ``(1,)`` keep the normalisation of
    each content modality's training features (shift 0 and scale 1 without ``normalize_features``),
    so :meth:`score_new` treats a new product's features exactly as a training product's; they are
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

    def make_optimizer(self, lr: float, weight_decay: float) -> torch.optim.Optimizer:
        """Adam with the trainer's weight decay; with ``content_weight_decay`` > 0 the content
        projections get a second, decoupled decay (AdamW's ``p <- p - lr·wd·p``) on top."""
        if self.config.content_weight_decay == 0 or not self.content_modalities:
            return super().make_optimizer(lr, weight_decay)
        content = [p for p in self.proj.parameters() if p.requires_grad]
        decayed = {id(p) for p in content}
        others = [p for p in self.parameters() if p.requires_grad and id(p) not in decayed]
        return ContentDecayAdam([{"params": others}, {"params": content, "content_decay": True}],
                                lr=lr, weight_decay=weight_decay, content_decay=self.config.content_weight_decay)

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

    def _intervals(self, times: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        previous = F.pad(times[:, :-1], (1, 0))  # (B, T)
        has_previous = F.pad(valid[:, :-1], (1, 0))  # (B, T)
        return torch.where(valid & has_previous, times - previous, torch.zeros_like(times)).clamp(min=0)

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
            replaced = [self.placeholders[x](context) if x in self.placeholders else streams[:, i]
                        for i, x in enumerate(self.modalities)]
            mask = placeholder_at[valid][:, None, None]  # (P, 1, 1)
            streams = torch.where(mask, torch.stack(replaced, dim=1), streams)  # (P, M, D)
        inputs = self._scatter(torch.stack([self.dropout(norm(streams[:, i])) for i, norm in enumerate(self.norms)],
                                           dim=1), valid)  # (B, T, M, D), 0 at padding
        t_out = 1 if last_only else t
        states = [enc(inputs[:, :, i], valid, last_only=last_only)
                  if only is None or self.modalities[i] in only else inputs.new_zeros(b, t_out, inputs.shape[-1])
                  for i, enc in enumerate(self.encoders)]
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

    def loss(self, batch: Batch) -> dict[str, torch.Tensor]:
        cfg, n = self.config, self.spec.n_items
        sampled = cfg.loss == "sampled"
        negatives = lookup = log_q = None
        if sampled:
            log_q = getattr(self, "sample_log_q", None)  # (N,) popularity sampler, None: uniform
            negatives = draw(cfg.sampler, n, cfg.n_negatives, batch.items.device, log_q)  # (S,)
            tables, lookup = self._batch_tables(batch, negatives)  # (M, R, D), (N+1,)
        else:
            tables = self.item_tables()  # (M, N+1, D)
        next_times = self._next_times(batch)
        h, trace = self._encode(batch, tables, next_times, lookup=lookup, fuse=False)  # (B, T, M, D)
        keep = batch.targets != n  # (B, T)
        targets = batch.targets[keep]  # (P,)
        offsets = None
        if self.repeat is not None:
            offsets = (self.repeat.sampled_offsets(batch.items, keep, n, targets, negatives) if sampled
                       else self.repeat.full_offsets(batch.items, keep, n))  # ((P,), (P, S)) or (P, N)
        states = h[keep]  # (P, M, D)
        logits = partial(self._next_item_logits, targets=targets, negatives=negatives, lookup=lookup)
        ce = partial(self._next_item_ce, targets=targets, negatives=negatives, log_q=log_q)
        stream_weight = 1.0 if self.fusion is not None else cfg.stream_weight
        if len(self.modalities) == 1 or (stream_weight == 0 and cfg.id_dropout == 0):
            parts = {"ce": ce(logits(states, tables), offsets)}
        else:
            streams = [logits(states[:, i:i + 1], tables[i:i + 1]) for i in range(len(self.modalities))]
            if self.fusion is not None:  # late: the weights w learn on the detached sum, and nothing else does
                w = self.fusion.value  # (M,)
                parts = {"ce": ce(sum(w[i] * s.detach() for i, s in enumerate(streams)), _detached(offsets))}
            elif cfg.id_dropout > 0:  # joint, some products scored as if new: no ID part
                kept = self._kept_ids(targets, negatives)  # (N,) or (P, 1 + S)
                at = self.modalities.index("id")
                summed = sum(s * kept if i == at else s for i, s in enumerate(streams))  # (P, N) or (P, 1 + S)
                parts = {"ce": ce(summed, _masked(offsets, kept))}
            else:  # joint: the summed score trains every stream
                parts = {"ce": ce(sum(streams), offsets)}  # (P, N) or (P, 1 + S) logits
            if stream_weight > 0:  # each stream alone too (the ID one with the offset)
                for name, stream in zip(self.modalities, streams, strict=True):
                    parts[f"ce_{name}"] = ce(stream, offsets if name == "id" else None)
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
            ``(P, N)`` every item's logit, or ``(P, 1 + S)`` the target's then the negatives'
            (:func:`~core.models.losses.sampled_logits`).
        """
        if negatives is not None:
            vectors = tables.permute(1, 0, 2).flatten(1)  # (R, M'D)
            return sampled_logits(states.flatten(1), vectors[lookup[targets]], vectors[lookup[negatives]])
        return self._every_item(states, tables)  # (P, N)

    def _every_item(self, states: torch.Tensor, tables: torch.Tensor) -> torch.Tensor:
        """``(R, N)`` every item's score, summed over modalities, for states ``(R, M', D)`` and
        those modalities' item vectors ``tables`` ``(M', N+1, D)`` (the padding row is left out)."""
        n = self.spec.n_items
        return states.flatten(1) @ tables[:, :n].permute(1, 0, 2).reshape(n, -1).T  # (R, N)

    def _kept_ids(self, targets: torch.Tensor, negatives: torch.Tensor | None) -> torch.Tensor:
        """Which scored products keep their ID part this step (1.0) and which are scored as new (0.0).

        Each product is dropped with probability ``id_dropout``, the same draw for every row.

        Returns:
            ``(N,)`` for the full loss, or ``(P, 1 + S)`` aligned with the sampled logits
            (each row's target, then the negatives).
        """
        kept = (torch.rand(self.spec.n_items, device=targets.device) >= self.config.id_dropout).float()  # (N,)
        if negatives is None:
            return kept
        return torch.cat([kept[targets, None], kept[negatives].expand(len(targets), -1)], 1)  # (P, 1 + S)

    @staticmethod
    def _next_item_ce(logits: torch.Tensor, offsets, targets: torch.Tensor, negatives: torch.Tensor | None,
                      log_q: torch.Tensor | None) -> torch.Tensor:
        """Next-item cross-entropy of :meth:`_next_item_logits`.

        Args:
            logits: ``(P, N)`` (full loss) or ``(P, 1 + S)`` (sampled loss).
            offsets: The "bought before" offsets, ``(P, N)`` or ``((P,), (P, S))``; None: no offset.
            targets: ``(P,)`` target items.
            negatives: ``(S,)`` the sampled loss's negatives; None: the full loss.
            log_q: ``(N,)`` the sampler's log-probabilities, None for uniform (sampled loss).
        """
        if negatives is not None:
            return sampled_cross_entropy(logits, targets, negatives, log_q, offsets)
        return F.cross_entropy(logits if offsets is None else logits + offsets, targets)

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

    def score_parts(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Scores split by modality, ``{modality: (B, N)}`` (exact: they sum to :meth:`score_all`)."""
        parts, _ = self._split(batch)  # (B, M, N)
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
