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
- ``loss(batch) -> dict``: ``{"loss": scalar, ...named parts}`` for a training batch.
- ``score_all(batch) -> (B, n_items)``: a score for every item, higher is better.
- ``item_embeddings() -> (n_items, D) | None``: the current item representation, snapshotted
  every epoch for the drift view.
- ``make_optimizer(lr, weight_decay)``: the optimiser for its parameters.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

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
    def of(cls, data: Dataset) -> "DataSpec":
        return cls(n_users=data.n_users, n_items=data.n_items,
                   feature_dims={m: int(x.shape[1]) for m, x in sorted(data.features.items())},
                   n_categories=len(data.category_matrix()[0]))

    def to_dict(self) -> dict:
        return {"n_users": self.n_users, "n_items": self.n_items, "feature_dims": dict(self.feature_dims),
                "n_categories": self.n_categories}


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

    @abstractmethod
    def loss(self, batch: Batch) -> dict[str, torch.Tensor]:
        """Training loss of a batch: ``{"loss": scalar tensor, ...parts}``."""

    @abstractmethod
    def score_all(self, batch: Batch) -> torch.Tensor:
        """``(B, n_items)`` scores of every item for every row of the batch."""

    def item_embeddings(self) -> torch.Tensor | None:
        """``(n_items, D)`` current item representation, or None if the model has none."""
        return None

    # ------------------------------------------------------------------ explanation capabilities
    # Generic hooks the explainer (core.explain) reads; a model states what it can explain by
    # overriding them, so the explainer never branches on a model's name.

    time_aware: ClassVar[bool] = False
    """True when scores depend on ``batch.times`` / ``batch.query_times`` (time-shift views)."""

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

    def explain(self, batch: Batch) -> Any:
        """A trace of gates/routes for a batch, or None when the model has none (the default)."""
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
