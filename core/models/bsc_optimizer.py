"""AdamW with backward stepwise convolution (BSC), the optimiser of STAIR.

For every parameter this is exactly AdamW (decoupled weight decay, bias-corrected moments,
``torch.optim.AdamW`` semantics, no amsgrad). For parameters in a group with ``smooth=True``
(STAIR's item embedding table, one row per graph node) the Adam direction
``Δ = m̂ / (sqrt(v̂) + ε)`` is first smoothed over an item-item graph, per dimension ``j``::

    Δ'[:, j] = (1 - β'_j) / (1 - β'_j^(L+1)) · Σ_{l=0..L} β'_j^l (Â^l Δ)[:, j]

and then applied: ``p ← p · (1 - lr·wd) - lr · Δ'``. Modality neighbours therefore move together
and the content structure of the item table is not forgotten.

The graph ``Â`` (symmetric-normalised, ``(n, n)`` sparse) may be given as a tensor or as a
zero-argument callable returning it at each step (STAIR builds its kNN graph in ``prepare``,
after the trainer has created the optimiser). A node without any edge is treated as its own only
neighbour (a self-loop), so its update passes unchanged: with a graph of isolated nodes this
optimiser equals ``torch.optim.AdamW`` step for step.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import torch

from core.models.sparse import stepwise_sum

GraphSource = torch.Tensor | Callable[[], torch.Tensor]


def isolated_rows(graph: torch.Tensor) -> torch.Tensor:
    """``(n,)`` bool: rows of a sparse (CSR or COO) matrix without any stored entry."""
    if graph.layout == torch.sparse_csr:
        return torch.diff(graph.crow_indices()) == 0
    rows = graph.coalesce().indices()[0]
    return torch.bincount(rows, minlength=graph.shape[0]) == 0


class BSCAdamW(torch.optim.Optimizer):
    """AdamW whose update of ``smooth`` parameter groups is smoothed over a graph.

    Args:
        params: Parameters or parameter groups; a group with ``smooth=True`` holds ``(n, d)``
            tables whose rows are the graph's nodes.
        graph: ``(n, n)`` symmetric-normalised sparse adjacency, or a callable returning it.
        smooth_betas: ``(d,)`` per-dimension smoothing strengths ``β'_j`` in ``[0, 1]``.
        n_layers: ``L``, the number of graph hops.
        lr, betas, eps, weight_decay: As in ``torch.optim.AdamW``.
    """

    def __init__(self, params: Iterable, graph: GraphSource, smooth_betas: torch.Tensor, n_layers: int,
                 lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2):
        if lr < 0 or eps < 0 or weight_decay < 0 or not (0 <= betas[0] < 1 and 0 <= betas[1] < 1):
            raise ValueError(f"invalid AdamW settings lr={lr}, betas={betas}, eps={eps}, weight_decay={weight_decay}")
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, smooth=False))
        self._graph = graph
        self.smooth_betas = torch.as_tensor(smooth_betas, dtype=torch.float32)
        self.n_layers = int(n_layers)
        self._iso_graph: torch.Tensor | None = None
        self._iso: torch.Tensor | None = None
        self._any_iso = False

    def graph(self) -> torch.Tensor:
        return self._graph() if callable(self._graph) else self._graph

    def smooth(self, update: torch.Tensor) -> torch.Tensor:
        """The smoothed direction ``Δ'`` of an ``(n, d)`` direction ``Δ``."""
        graph = self.graph()
        if self._iso_graph is not graph:  # holding the graph keeps this identity check sound
            self._iso, self._iso_graph = isolated_rows(graph).to(update.device), graph
            self._any_iso = bool(self._iso.any())
        betas = self.smooth_betas.to(update.device, update.dtype)
        out = stepwise_sum(graph, update, betas, self.n_layers)
        if self._any_iso:
            out = torch.where(self._iso[:, None], update, out)
        return out

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            lr, eps, wd = group["lr"], group["eps"], group["weight_decay"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                if p.grad.is_sparse:
                    raise RuntimeError("BSCAdamW does not support sparse gradients")
                grad = p.grad
                state = self.state[p]
                if not state:
                    state["step"] = torch.tensor(0.0)
                    state["exp_avg"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                    state["exp_avg_sq"] = torch.zeros_like(p, memory_format=torch.preserve_format)
                state["step"] += 1
                step = float(state["step"])
                exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
                p.mul_(1 - lr * wd)
                exp_avg.lerp_(grad, 1 - beta1)
                exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
                bias1 = 1 - beta1 ** step
                bias2_sqrt = (1 - beta2 ** step) ** 0.5
                denom = (exp_avg_sq.sqrt() / bias2_sqrt).add_(eps)
                direction = exp_avg / denom / bias1  # Δ = m̂ / (sqrt(v̂) + ε)
                if group["smooth"]:
                    direction = self.smooth(direction)
                p.add_(direction, alpha=-lr)
        return loss
