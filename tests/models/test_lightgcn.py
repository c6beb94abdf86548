"""LightGCN and the shared sparse-graph helpers."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.data.batches import eval_batches, pair_batches
from core.models import DataSpec, build_model
from core.models.sparse import bipartite_edges, cosine_knn, knn_edges, spmm_sym, to_sparse
from tests.conftest import write_dataset


def _dense(index, value, n):
    out = np.zeros((n, n))
    out[index[0].numpy(), index[1].numpy()] = value.numpy()
    return out


def test_bipartite_adjacency_is_symmetric_normalised_and_deduplicated():
    users = np.array([0, 0, 1, 1])
    items = np.array([0, 1, 1, 1])  # user 1 bought item 1 twice: one edge
    index, value = bipartite_edges(users, items, n_users=2, n_items=2)
    a = _dense(index, value, 4)
    deg = np.array([2, 1, 1, 2])  # u0: i0,i1; u1: i1; i0: u0; i1: u0,u1
    expected = np.zeros((4, 4))
    for u, i in [(0, 0), (0, 1), (1, 1)]:
        expected[u, 2 + i] = expected[2 + i, u] = 1 / np.sqrt(deg[u] * deg[2 + i])
    np.testing.assert_allclose(a, expected, rtol=1e-6)


def test_cosine_knn_excludes_self_and_invalid_rows_and_works_blockwise():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(50, 6)).astype(np.float32)
    valid = np.ones(50, dtype=bool)
    valid[3] = False
    nb = cosine_knn(x, 4, valid=valid, block_elems=120)  # blocks of 2 rows
    unit = x / np.linalg.norm(x, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    sims[:, 3] = -np.inf
    expected = np.argsort(-sims, axis=1)[:, :4]
    assert (nb[3] == -1).all()
    keep = np.arange(50) != 3
    assert np.array_equal(nb.numpy()[keep], expected[keep])


def test_knn_edges_are_a_symmetric_union_without_self_loops():
    a = torch.tensor([[1], [0], [1]])  # 0-1, 1-0, 2-1
    b = torch.tensor([[2], [-1], [0]])  # 0-2, 2-0
    index, value = knn_edges([a, b], 3)
    dense = _dense(index, value, 3)
    adj = np.array([[0, 1, 1], [1, 0, 1], [1, 1, 0]], dtype=float)
    np.testing.assert_allclose(dense, adj / 2, rtol=1e-6)  # every degree is 2


def test_symmetric_spmm_gradient_matches_dense():
    index, value = bipartite_edges(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 2]), 3, 3)
    sparse = to_sparse(index, value, 6)
    dense = torch.as_tensor(_dense(index, value, 6), dtype=torch.float32)
    x = torch.randn(6, 4, requires_grad=True)
    w = torch.randn(6, 4)
    (spmm_sym(sparse, spmm_sym(sparse, x)) * w).sum().backward()
    grad_sparse = x.grad.clone()
    x.grad = None
    ((dense @ (dense @ x)) * w).sum().backward()
    torch.testing.assert_close(grad_sparse, x.grad)


@pytest.fixture(scope="module")
def small_data(tmp_path_factory):
    rows = [("U0", "A", 1), ("U0", "B", 2), ("U0", "C", 3), ("U0", "D", 4),
            ("U1", "B", 1), ("U1", "C", 2), ("U1", "A", 3),
            ("U2", "D", 1), ("U2", "C", 2), ("U2", "B", 3), ("U2", "A", 4)]
    return load_dataset(write_dataset(tmp_path_factory.mktemp("lgcn"), rows), k=1)


def test_lightgcn_propagation_matches_dense_formula(small_data):
    torch.manual_seed(0)
    model = build_model("lightgcn", DataSpec.of(small_data), {"dim": 8, "n_layers": 2})
    model.prepare(small_data)
    users, items = small_data.train_pairs()  # training interactions only
    n_u, n_i = small_data.n_users, small_data.n_items
    r = np.zeros((n_u, n_i))
    r[users, items] = 1
    a = np.block([[np.zeros((n_u, n_u)), r], [r.T, np.zeros((n_i, n_i))]])
    deg = a.sum(1)
    inv = np.where(deg > 0, deg, 1) ** -0.5
    a_hat = inv[:, None] * a * inv[None, :]
    e0 = torch.cat([model.user_emb, model.item_emb]).detach().double().numpy()
    final = (e0 + a_hat @ e0 + a_hat @ a_hat @ e0) / 3
    model.eval()
    _, batch = next(eval_batches(small_data, "test", 50, 10))
    expected = final[:n_u][batch.users.numpy()] @ final[n_u:].T
    np.testing.assert_allclose(model.score_all(batch).numpy(), expected, rtol=1e-4, atol=1e-6)


def test_eval_scores_are_cached_until_a_parameter_changes(small_data):
    torch.manual_seed(0)
    model = build_model("lightgcn", DataSpec.of(small_data), {"dim": 8})
    model.prepare(small_data)
    model.eval()
    first = model.final_embeddings()
    assert model.final_embeddings() is first  # one propagation per evaluation pass
    optimizer = model.make_optimizer(lr=0.1, weight_decay=0.0)
    model.train()
    batch = next(pair_batches(small_data, 8, np.random.default_rng(0)))
    model.loss(batch)["loss"].backward()
    optimizer.step()
    model.eval()
    second = model.final_embeddings()
    assert second is not first
    assert not torch.equal(second[1], first[1])
    assert torch.equal(model.item_embeddings(), second[1])


def test_lightgcn_state_dict_round_trip_without_prepare(small_data):
    torch.manual_seed(0)
    model = build_model("lightgcn", DataSpec.of(small_data), {"dim": 8})
    model.prepare(small_data)
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    clone = build_model("lightgcn", DataSpec.of(small_data), {"dim": 8})
    assert clone.adj_index.shape[1] == 0
    clone.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(clone.adj_index, model.adj_index)
    _, batch = next(eval_batches(small_data, "test", 50, 10))
    assert torch.equal(model.eval().score_all(batch), clone.eval().score_all(batch))
