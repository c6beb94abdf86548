"""LightGCN: simplified graph convolution for collaborative filtering (He et al., SIGIR 2020).

User and item ID embeddings ``E^0`` are propagated over the symmetric-normalised user-item graph
of the training interactions, ``E^{l+1} = Â E^l``, without transforms or non-linearities; the
final representation is the mean of the layers, ``(E^0 + ... + E^L) / (L + 1)``. Scores are inner
products; training is BPR with one uniformly drawn negative per interaction. Regularisation is
left to the optimiser (``weight_decay`` of the trainer, L2 through Adam as for every model).

State: ``Â`` is kept as an edge list in two buffers (``adj_index`` ``(2, E)``, ``adj_value``
``(E,)``). ``E`` is only known after :meth:`prepare`, so the buffers start empty and are resized by
``load_state_dict`` (:class:`~core.models.resizable.ResizableBuffers`): a fresh model that loads a
trained state dict scores identically without ``prepare``.

Efficiency: propagation is a few sparse-dense products over the whole graph; during training it
runs once per batch (with gradients); outside training it runs once and is cached until a
parameter or the graph changes (keyed on the tensors' version counters), so an evaluation pass
over many user batches propagates once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
from torch import nn

from core.data.dataset import Dataset
from core.models.base import DataSpec
from core.models.graph import GraphRecommender
from core.models.sparse import spmm_sym


@dataclass(frozen=True)
class LightGCNConfig:
    """LightGCN hyper-parameters.

    Attributes:
        dim: Embedding width D.
        n_layers: Propagation layers L.
        init_std: Standard deviation of the normal initialisation of the ID embeddings.
    """

    dim: int = 64
    n_layers: int = 3
    init_std: float = 0.1


class LightGCN(GraphRecommender):
    """LightGCN over ID embeddings (see the module docstring)."""

    batch_kind: ClassVar[str] = "pairs"

    def __init__(self, spec: DataSpec, config: LightGCNConfig):
        super().__init__(spec)
        self.config = config
        self.user_emb = nn.Parameter(torch.randn(spec.n_users, config.dim) * config.init_std)  # (U, D)
        self.item_emb = nn.Parameter(torch.randn(spec.n_items, config.dim) * config.init_std)  # (I, D)

    def prepare(self, data: Dataset) -> None:
        self._set_graph(data)

    def _propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        x = torch.cat([self.user_emb, self.item_emb])  # (U+I, D)
        if self.config.n_layers > 0:
            adj = self.adjacency()
            total, layer = x, x
            for _ in range(self.config.n_layers):
                layer = spmm_sym(adj, layer)
                total = total + layer
            x = total / (self.config.n_layers + 1)
        return x[:self.spec.n_users], x[self.spec.n_users:]
