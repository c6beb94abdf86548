"""HM4SR's frozen configuration: every hyper-parameter, the ``paper`` preset, and how runs stored
by older versions map onto it (``LEGACY`` for fields added since, ``REMOVED`` for fields taken out).

The model itself is :mod:`core.models.hm4sr`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from core.models.fusion import FUSIONS
from core.models.losses import check_loss_config

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
    fusion 14 % and 57 %). ``benchmarks/quality.py``, ``benchmarks/seeds.py``; figures in ``docs/results.md``.

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
            little against the learned ID vectors, see ``docs/results.md``). With one stream (e.g. IDs
            alone) the two are the same model, without weights.
        stream_weight: Under joint fusion, the weight of each modality stream's own next-item
            cross-entropy (the ID one with the offset), added to the joint one (our extension;
            the default 1; 0: the paper's loss). Each stream must then rank on its own, so the ID
            stream cannot lean on weak content, while the joint term keeps every stream trained
            for the summed score that ranks and explains. Content trained to rank alone is more
            generic, so a new product's audience is a little less its planted one (``docs/results.md``).
            Cost: one more softmax per modality, O(P·N) each (full loss) or O(P·S) (sampled);
            measured 1.2-1.3x a step with the sampled loss, 1.65-1.9x with the full one at
            6,000-30,000 products (``benchmarks/stream_ce_cost.py``), 1.12x a sampled step at
            60,000 products since its cross-entropy is computed in one buffer
            (``benchmarks/hm4sr_step_profile.py``).
            Late fusion trains each stream by its own cross-entropy at 1 whatever this is.
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
    repeat_offset: bool = True
    fusion: str = "joint"
    stream_weight: float = 1.0

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
    #: Fields removed after their experiment lost on validation, with the value every run now has:
    #: a stored run that set another value is refused (``core.models.config.stored_config``).
    #: ``id_dropout`` (products scored as if new in training) and ``content_weight_decay`` (a
    #: decoupled decay on the content projections): ``docs/results.md``, "Experiments removed".
    REMOVED: ClassVar[dict[str, Any]] = {"id_dropout": 0.0, "content_weight_decay": 0.0}

    def __post_init__(self):
        check_loss_config(self.loss, self.n_negatives, self.sampler)
        if self.fusion not in FUSIONS:
            raise ValueError(f"fusion must be one of {FUSIONS}, got {self.fusion!r}")
        if self.stream_weight < 0:
            raise ValueError(f"stream_weight must be >= 0, got {self.stream_weight}")
