"""Sparse-graph maths shared by the graph recommenders (LightGCN, STAIR).

Nothing here ever materialises a dense users x items or items x items matrix:

- :func:`bipartite_edges` -- the symmetric-normalised user-item adjacency of the training
  interactions, as an edge list over ``n_users + n_items`` nodes (users first);
- :func:`cosine_knn` -- blockwise cosine top-k neighbours of feature rows;
- :func:`cosine_nearest` -- the same for new rows against the existing ones;
- :func:`knn_edges` -- union of per-modality kNN lists, symmetrised and normalised;
- :func:`normalized_edges` -- ``D^-1/2 A D^-1/2`` of a 0/1 edge list;
- :func:`to_sparse` / :func:`spmm_sym` -- a CSR matrix from an edge list and a sparse-dense
  product whose backward pass reuses the same (symmetric) matrix;
- :func:`stepwise_sum` -- the per-dimension Neumann form of STAIR's stepwise convolution.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch

# ----------------------------------------------------------------------------- edge lists

def normalized_edges(index: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Values of ``D^-1/2 A D^-1/2`` for a symmetric 0/1 adjacency given by its edges.

    Args:
        index: ``(2, E)`` long, every undirected edge listed in both directions, no duplicates.
        n: Number of nodes.

    Returns:
        ``(index, values)``: the same index and ``(E,)`` float32 values ``1/sqrt(deg_i deg_j)``.
        Isolated nodes simply have no entries (their rows of the matrix are zero).
    """
    deg = torch.bincount(index[0], minlength=n).to(torch.float32)  # (n,)
    inv = deg.clamp(min=1).rsqrt()
    return index, inv[index[0]] * inv[index[1]]


def _symmetric_unique(rows: np.ndarray, cols: np.ndarray, n: int) -> torch.Tensor:
    """``(2, E)`` long edge index of the undirected graph with edges (rows, cols), both directions,
    without duplicates or self-loops, sorted by row then column."""
    r = np.concatenate([rows, cols]).astype(np.int64)
    c = np.concatenate([cols, rows]).astype(np.int64)
    keep = r != c
    key = np.unique(r[keep] * n + c[keep])  # sorted, unique
    return torch.as_tensor(np.stack([key // n, key % n]))  # (2, E)


def bipartite_edges(users: np.ndarray, items: np.ndarray, n_users: int, n_items: int
                    ) -> tuple[torch.Tensor, torch.Tensor]:
    """Symmetric-normalised user-item adjacency of the given (training) interactions.

    Nodes are users ``0 .. n_users-1`` followed by items ``n_users .. n_users+n_items-1``; a pair
    bought several times is one edge of weight 1.

    Returns:
        ``(index (2, E), values (E,))`` with ``E = 2 x`` the number of distinct pairs.
    """
    n = n_users + n_items
    index = _symmetric_unique(np.asarray(users), np.asarray(items) + n_users, n)
    return normalized_edges(index, n)


def cosine_knn(x: np.ndarray | torch.Tensor, k: int, valid: np.ndarray | None = None,
               block_elems: int = 1 << 24) -> torch.Tensor:
    """The ``k`` most cosine-similar other rows of every row, computed block by block.

    Args:
        x: ``(n, F)`` feature rows.
        k: Neighbours per row.
        valid: Optional ``(n,)`` bool; invalid rows (e.g. items without this modality) neither
            get neighbours nor are anyone's neighbour.
        block_elems: Bound on the size of one ``(block, n)`` similarity slab.

    Returns:
        ``(n, k)`` long neighbour indices, most similar first; ``-1`` where a row has fewer than
        ``k`` valid neighbours (or is invalid itself).
    """
    x = torch.as_tensor(np.asarray(x), dtype=torch.float32)
    n = x.shape[0]
    out = torch.full((n, k), -1, dtype=torch.long)
    valid_t = torch.ones(n, dtype=torch.bool) if valid is None else torch.as_tensor(np.asarray(valid), dtype=torch.bool)
    k_eff = min(k, max(int(valid_t.sum()) - 1, 0))
    if k_eff == 0:
        return out
    unit = x / x.norm(dim=1, keepdim=True).clamp(min=1e-12)  # (n, F)
    block = max(1, block_elems // max(n, 1))
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        sims = unit[lo:hi] @ unit.T  # (b, n)
        if valid is not None:
            sims[:, ~valid_t] = -torch.inf
        sims[torch.arange(hi - lo), torch.arange(lo, hi)] = -torch.inf  # not your own neighbour
        top_val, top_idx = sims.topk(k_eff, dim=1)  # (b, k_eff)
        top_idx[~torch.isfinite(top_val)] = -1
        top_idx[~valid_t[lo:hi]] = -1
        out[lo:hi, :k_eff] = top_idx
    return out


def cosine_nearest(queries: torch.Tensor, keys: torch.Tensor, k: int, block_elems: int = 1 << 24) -> torch.Tensor:
    """``(J, k)`` indices of the ``k`` rows of ``keys`` ``(N, F)`` most cosine-similar to each row of
    ``queries`` ``(J, F)``, most similar first; computed in ``(block, N)`` slabs of at most
    ``block_elems`` similarities (O(J x N x F) time). ``k`` is capped at N."""
    k = min(k, len(keys))
    unit = keys / keys.norm(dim=1, keepdim=True).clamp(min=1e-12)  # (N, F)
    query = queries / queries.norm(dim=1, keepdim=True).clamp(min=1e-12)  # (J, F)
    block = max(1, block_elems // max(len(keys), 1))
    out = torch.zeros(len(queries), k, dtype=torch.long, device=queries.device)
    for lo in range(0, len(queries), block):
        out[lo:lo + block] = (query[lo:lo + block] @ unit.T).topk(k, dim=1).indices  # (b, k)
    return out


def knn_edges(neighbours: list[torch.Tensor], n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Union of kNN lists (one ``(n, k_m)`` per modality), symmetrised and normalised.

    Returns:
        ``(index (2, E), values (E,))`` of ``D^-1/2 A D^-1/2`` with ``A`` the 0/1 union graph.
    """
    rows, cols = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int64)]
    for nb in neighbours:
        nb = nb.cpu().numpy()
        r = np.repeat(np.arange(n), nb.shape[1])
        c = nb.reshape(-1)
        keep = c >= 0
        rows.append(r[keep])
        cols.append(c[keep])
    index = _symmetric_unique(np.concatenate(rows), np.concatenate(cols), n)
    return normalized_edges(index, n)


# ----------------------------------------------------------------------------- sparse algebra

def to_sparse(index: torch.Tensor, values: torch.Tensor, n: int) -> torch.Tensor:
    """An ``(n, n)`` sparse CSR matrix from an edge list (coalesced)."""
    coo = torch.sparse_coo_tensor(index, values, (n, n), check_invariants=False).coalesce()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Sparse CSR tensor support is in beta state")
        return coo.to_sparse_csr()


class _SymSpMM(torch.autograd.Function):
    """``A @ X`` for a symmetric sparse ``A``; the gradient wrt ``X`` is ``A @ grad``."""

    @staticmethod
    def forward(ctx, a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        ctx.a = a
        return a @ x

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return None, ctx.a @ grad


def spmm_sym(a: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``a @ x`` for a symmetric sparse matrix ``a`` and dense ``x``, differentiable in ``x``."""
    if x.requires_grad and torch.is_grad_enabled():
        return _SymSpMM.apply(a, x)
    return a @ x


def neumann_scale(beta: torch.Tensor, n_layers: int) -> torch.Tensor:
    """``(1 - beta) / (1 - beta^(L+1))``, with its limit ``1/(L+1)`` at ``beta = 1``."""
    denom = 1 - beta ** (n_layers + 1)
    near_one = (1 - beta).abs() < 1e-12
    return torch.where(near_one, torch.full_like(beta, 1.0 / (n_layers + 1)),
                       (1 - beta) / torch.where(near_one, torch.ones_like(denom), denom))


def stepwise_sum(a: torch.Tensor | None, x: torch.Tensor, beta: torch.Tensor, n_layers: int) -> torch.Tensor:
    """Per-dimension normalised Neumann sum ``c_j sum_{l=0..L} beta_j^l (A^l X)[:, j]``.

    Args:
        a: ``(n, n)`` symmetric sparse matrix (None is treated as zero).
        x: ``(n, d)`` dense.
        beta: ``(d,)`` strengths in ``[0, 1]``.
        n_layers: ``L``.

    Returns:
        ``(n, d)``; the identity when ``L = 0`` or ``beta = 0``.
    """
    out = x
    layer = x
    power = torch.ones_like(beta)
    for _ in range(n_layers):
        if a is None:
            break
        layer = spmm_sym(a, layer)
        power = power * beta
        out = out + layer * power
    return out * neumann_scale(beta, n_layers)
