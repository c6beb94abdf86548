"""The base class of the graph recommenders (LightGCN, STAIR): :class:`GraphRecommender`.

It holds the user-item adjacency of the training interactions (edge-list buffers resized on load,
:mod:`core.models.resizable`), a CSR cache of it, BPR loss, inner-product scoring, and a cache of
the propagated embeddings outside training (:mod:`core.models.caching`). The sparse maths lives in
:mod:`core.models.sparse`.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F

from core.data.batches import Batch
from core.data.dataset import Dataset
from core.models.base import DataSpec, Recommender
from core.models.caching import KeyedCache, tensor_state_key
from core.models.resizable import ResizableBuffers
from core.models.sparse import bipartite_edges, to_sparse


class GraphRecommender(ResizableBuffers, Recommender):
    """Base of the graph models: the user-item adjacency of the training interactions (edge-list
    buffers resized on load, CSR cache), BPR loss, inner-product scoring, and a cache of the
    propagated embeddings outside training.

    Subclasses implement :meth:`_propagate`."""

    _resizable: ClassVar[tuple[str, ...]] = ("adj_index", "adj_value")
    #: Every step propagates over the whole graph, so an epoch is a fixed number of steps (the batch
    #: grows with the data) and its cost stays linear in the interactions; see ``Recommender``.
    steps_per_epoch: ClassVar[int | None] = 128

    def __init__(self, spec: DataSpec):
        super().__init__(spec)
        self.register_buffer("adj_index", torch.zeros(2, 0, dtype=torch.long))  # (2, E)
        self.register_buffer("adj_value", torch.zeros(0))  # (E,)
        self._adj_cache = KeyedCache()
        self._out_cache = KeyedCache()

    @property
    def n_nodes(self) -> int:
        return self.spec.n_users + self.spec.n_items

    def _set_graph(self, data: Dataset) -> None:
        users, items = data.train_pairs()
        index, value = bipartite_edges(users, items, data.n_users, data.n_items)
        device = self.adj_index.device
        self.adj_index = index.to(device)
        self.adj_value = value.to(device)

    def adjacency(self) -> torch.Tensor:
        """``(U+I, U+I)`` sparse CSR ``Â`` (users first), rebuilt only when the buffers change."""
        key = tensor_state_key([self.adj_index, self.adj_value])
        return self._adj_cache.get(key, lambda: to_sparse(self.adj_index, self.adj_value, self.n_nodes))

    def _propagate(self) -> tuple[torch.Tensor, torch.Tensor]:
        """``(users (U, D), items (I, D))`` final representations (with gradients)."""
        raise NotImplementedError

    def _cache_tensors(self) -> list[torch.Tensor]:
        return [*self.parameters(), *self.buffers()]

    def final_embeddings(self) -> tuple[torch.Tensor, torch.Tensor]:
        """Final user and item representations: fresh with gradients while training under
        autograd, otherwise computed once without gradients and cached until anything changes."""
        if self.training and torch.is_grad_enabled():
            return self._propagate()

        def compute():
            with torch.no_grad():
                return self._propagate()

        return self._out_cache.get(tensor_state_key(self._cache_tensors()), compute)

    def bpr(self, batch: Batch) -> dict[str, torch.Tensor]:
        users, items = self.final_embeddings()
        u = users[batch.users]  # (B, D)
        pos = (u * items[batch.pos]).sum(-1)  # (B,)
        neg = (u * items[batch.neg]).sum(-1)  # (B,)
        loss = -F.logsigmoid(pos - neg).mean()
        return {"loss": loss, "bpr": loss.detach()}

    def loss(self, batch: Batch) -> dict[str, torch.Tensor]:
        return self.bpr(batch)

    def score_all(self, batch: Batch) -> torch.Tensor:
        users, items = self.final_embeddings()
        return users[batch.users] @ items.T  # (B, N)

    def item_embeddings(self) -> torch.Tensor:
        with torch.no_grad():
            return self.final_embeddings()[1].detach()  # (N, D)
