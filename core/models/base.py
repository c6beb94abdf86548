"""The contract every recommender keeps, so one trainer, evaluator and explainer serve all.

A model is a ``torch.nn.Module`` built from a :class:`DataSpec` and its own frozen config. It
holds no training loop, picks no device, prints nothing:

- ``batch_kind``: which training batches it consumes (``"sequence"``, ``"pairs"`` or ``"none"``
  for models with nothing to learn by gradient descent).
- ``steps_per_epoch``: ``None`` (batches of the training config's size) or a fixed number of
  batches per epoch, for models whose every step costs the whole data (full-graph propagation):
  the batch then grows with the data, so an epoch's cost stays linear in the interactions.
- ``prepare(data)``: one-off set-up from the training data (counts, graphs, initialisation);
  called once by the trainer before the first epoch; must only read training interactions.
- ``attach(data)``: put back the frozen inputs a checkpoint leaves out because the dataset holds
  them (content feature matrices); called after every ``load_state_dict`` of a checkpoint
  (``prepare`` does it too). Checkpoints thus hold what was learned, not copies of the data.
- ``loss(batch) -> dict``: ``{"loss": scalar, ...named parts}`` for a training batch.
- ``loss_terms(batch) -> int``: how many terms that loss averages over (next-item targets, or
  triples), so a batch split across ranks weighs each share by its terms.
- ``score_all(batch) -> (B, n_items)``: a score for every item, higher is better.
- ``item_embeddings() -> (n_items, D) | None``: the current item representation, snapshotted
  every epoch for the drift view.
- ``make_optimizer(lr, weight_decay)``: the optimiser for its parameters.

What a model can explain is declared once, in ``capabilities`` (:class:`Capabilities`): the names
of its additive score parts, whether each part's input can be removed, and which gates and time
routes ``explain(batch)`` traces (a :class:`GateTrace`). The explainer reads only that, never a
model's name or attributes; the shared contract tests check every model keeps its declaration.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import torch
from torch import nn

from core.data.batches import Batch
from core.data.dataset import Dataset


@dataclass(frozen=True)
class DataSpec:
    """What a model needs to know about the data to build its layers.

    Attributes:
        n_users: Number of users.
        n_items: Number of items (the padding index equals this number).
        feature_dims: Modality name -> feature width, for the modalities the dataset provides.
        n_categories: Number of distinct item categories (for category-prediction tasks).
    """

    n_users: int
    n_items: int
    feature_dims: dict[str, int] = field(default_factory=dict)
    n_categories: int = 0

    @classmethod
    def of(cls, data: Dataset) -> DataSpec:
        return cls(n_users=data.n_users, n_items=data.n_items,
                   feature_dims={m: int(x.shape[1]) for m, x in sorted(data.features.items())},
                   n_categories=len(data.category_matrix()[0]))

    def to_dict(self) -> dict:
        return {"n_users": self.n_users, "n_items": self.n_items, "feature_dims": dict(self.feature_dims),
                "n_categories": self.n_categories}


@dataclass(frozen=True)
class Capabilities:
    """What a model's scores can be explained by.

    Attributes:
        parts: Names of the additive score parts, in order: :meth:`Recommender.score_parts`
            returns exactly these keys, and they sum to :meth:`Recommender.score_all`.
        removable: :meth:`Recommender.score_without` can remove each part's input.
        gates: :meth:`Recommender.explain` traces Interactive-MoE gates and modality weights.
        time_routes: ... and a Temporal-MoE route per history position (scores read purchase times).
        query_time: ... and a route for the moment predicted (scores read "now").
        new_items: :meth:`Recommender.score_new` scores products the model never saw in training,
            from their content features alone (a launch, or a held-out new product).
    """

    parts: tuple[str, ...] = ("score",)
    removable: bool = False
    gates: bool = False
    time_routes: bool = False
    query_time: bool = False
    new_items: bool = False

    @property
    def time_aware(self) -> bool:
        """Scores depend on ``batch.times`` / ``batch.query_times`` (the time-shift views apply)."""
        return self.time_routes or self.query_time

    @property
    def traced(self) -> bool:
        """:meth:`Recommender.explain` returns a :class:`GateTrace` (else None)."""
        return self.gates or self.time_routes or self.query_time


@dataclass(frozen=True)
class GateTrace:
    """Gates and routes of one forward pass over a batch of histories (CPU tensors).

    A field is None when its layer is off (see :class:`Capabilities`).

    Attributes:
        modalities: Names of the M streams, in order.
        valid: ``(B, T)`` True at real history positions.
        gates: ``(B, T, M, K)`` Interactive-MoE gate of every modality at every real position, 0 at
            padding.
        modality_weights: ``(M,)`` Interactive-MoE modality weights.
        intervals: ``(B, T)`` seconds since the previous purchase (0 at the first and at padding).
        buckets: ``(B, T)`` interval buckets, 0 at padding.
        routes: ``(B, T, K)`` Temporal-MoE routes per real position, 0 at padding.
        query_gap: ``(B,)`` seconds from the last purchase to the moment predicted.
        query_routes: ``(B, K)`` routes of the query-time MoE.
        parts: ``(B, M, N)`` every candidate's score split by modality; ``parts.sum(1)`` is the score.
        fusion_weights: ``(M,)`` late-fusion weights: each part is its modality stream's own score
            times its weight (None: the streams are trained jointly and add unweighted).
    """

    modalities: tuple[str, ...]
    valid: torch.Tensor
    gates: torch.Tensor | None
    modality_weights: torch.Tensor | None
    intervals: torch.Tensor
    buckets: torch.Tensor | None
    routes: torch.Tensor | None
    query_gap: torch.Tensor
    query_routes: torch.Tensor | None
    parts: torch.Tensor
    fusion_weights: torch.Tensor | None = None

    @property
    def scores(self) -> torch.Tensor:
        """``(B, N)`` total scores."""
        return self.parts.sum(dim=1)


class Recommender(nn.Module, ABC):
    """Base class of all models (see the module docstring for the contract)."""

    batch_kind: ClassVar[str] = "sequence"
    steps_per_epoch: ClassVar[int | None] = None

    def __init__(self, spec: DataSpec):
        super().__init__()
        self.spec = spec

    @property
    def max_len(self) -> int:
        """History window T the model reads; sequential models take it from their config."""
        return 50

    def prepare(self, data: Dataset) -> None:
        """One-off set-up from the training interactions; default: nothing."""

    def attach(self, data: Dataset) -> None:
        """Restore the frozen, data-derived inputs that checkpoints do not hold (see the module
        docstring); default: nothing. Raises ValueError when the data no longer matches them."""

    @abstractmethod
    def loss(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Training loss of a batch: ``{"loss": scalar tensor, ...parts}``."""

    def loss_terms(self, batch: Batch) -> int:
        """How many terms :meth:`loss` averages over: the real next-item targets of a sequence
        batch, else one per row (a triple). Distributed training weighs each rank's share of a
        batch by it, so the averaged gradient is the whole batch's; auxiliary losses averaged over
        other terms (in-batch contrastive ones) are weighed the same way, an approximation."""
        if batch.targets is not None:
            return int((batch.targets != self.spec.n_items).sum())
        return len(batch)

    @abstractmethod
    def score_all(self, batch: Batch) -> torch.Tensor:
        """``(B, n_items)`` scores of every item for every row of the batch."""

    def item_embeddings(self) -> torch.Tensor | None:
        """``(n_items, D)`` current item representation, or None if the model has none."""
        return None

    # ------------------------------------------------------------------ explanation capabilities
    # Generic hooks the explainer (core.explain) reads; a model states what it can explain in
    # ``capabilities`` and overrides the hooks that go with it, so the explainer never branches
    # on a model's name.

    @property
    def capabilities(self) -> Capabilities:
        """What this model's scores can be explained by (default: one part, nothing traced)."""
        return Capabilities()

    def score_parts(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Scores split into named additive parts: ``{part: (B, n_items)}`` summing to
        :meth:`score_all`. Default: one part, ``"score"``."""
        return {"score": self.score_all(batch)}

    def score_without(self, batch: Batch, part: str) -> torch.Tensor:
        """``(B, n_items)`` scores with one part's input zeroed (counterfactual re-scoring).

        Raises:
            ValueError: If the model cannot remove ``part`` (default: it has no separable parts).
        """
        raise ValueError(f"{type(self).__name__} has no separable score parts to remove (asked for {part!r})")

    def score_without_each(self, batch: Batch, parts: list[str]) -> torch.Tensor:
        """``(P, B, n_items)``: :meth:`score_without` for every part in ``parts`` (models may batch it).

        Raises:
            ValueError: As :meth:`score_without`, for a part the model cannot remove.
        """
        return torch.stack([self.score_without(batch, p) for p in parts])  # (P, B, N)

    def score_new(self, batch: Batch, content: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        """Score products the model never saw in training, from their content alone.

        Args:
            batch: The customers' histories (as for :meth:`score_all`).
            content: Modality -> ``(J, F_m)`` raw features of the J new products, from the same
                encoders as ``Dataset.features``; a modality left out (or an all-zero row) means
                the product lacks it.

        Returns:
            ``{part: (B, J)}`` for every part of ``capabilities.parts``, summing to the scores of
            the new products; a part the model cannot know for a new product (a learned ID
            vector) is 0.

        Raises:
            ValueError: When the model cannot score unseen products (``capabilities.new_items``
                is False): it learns one vector per product from purchases alone.
        """
        raise ValueError(f"{type(self).__name__} cannot score unseen products: it learns one vector per "
                         "product from its purchases, and a new product has none.")

    def explain(self, batch: Batch) -> GateTrace | None:
        """The gates and routes of a batch when ``capabilities.traced``, else None (the default)."""
        return None

    def repeat_offset(self) -> float | None:
        """The learned "bought before" offset added to the score of every product in a customer's
        history window (:mod:`core.models.repeat`), or None when the model has none (the default)."""
        return None

    def make_optimizer(self, lr: float, weight_decay: float) -> torch.optim.Optimizer | None:
        """The optimiser; None when the model has no trainable parameters."""
        params = [p for p in self.parameters() if p.requires_grad]
        if not params:
            return None
        return torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)


def feature_tensor(data_features: dict[str, np.ndarray], modality: str) -> torch.Tensor:
    """A dataset's feature matrix as a float32 tensor (helper for models that register buffers)."""
    return torch.as_tensor(np.ascontiguousarray(data_features[modality]), dtype=torch.float32)
