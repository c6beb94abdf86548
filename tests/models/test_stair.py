"""STAIR: modality initialisation, stepwise convolutions, the BSC optimiser, score bands."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.data.batches import eval_batches, pair_batches
from core.features.store import save_features
from core.models import DataSpec, build_model
from core.models.bsc_optimizer import BSCAdamW
from core.models.sparse import knn_edges, stepwise_sum, to_sparse
from core.models.stair import backward_betas, forward_betas, modality_init, whiten, whiten_with_map
from tests.conftest import cyclic_interactions, write_dataset

SMALL = {"dim": 16, "knn_text": 3, "knn_image": 1}


@pytest.fixture(scope="module")
def feature_data(tmp_path_factory):
    """Cyclic purchases over 30 items with 40-d text and 8-d image features (image narrower
    than ``dim``); item I005 has no image."""
    root = write_dataset(tmp_path_factory.mktemp("stair"), cyclic_interactions())
    ids = [f"I{i:03d}" for i in range(30)]
    rng = np.random.default_rng(1)
    text = rng.normal(size=(30, 40)).astype(np.float32)
    image = rng.normal(size=(30, 8)).astype(np.float32)
    image[5] = 0
    missing = np.zeros(30, dtype=bool)
    missing[5] = True
    save_features(root, ids, {"text": text, "image": image}, missing={"image": missing})
    return load_dataset(root, k=1)


def _stair(data, **overrides):
    torch.manual_seed(0)
    model = build_model("stair", DataSpec.of(data), {**SMALL, **overrides})
    model.prepare(data)
    return model


# ----------------------------------------------------------------------------- schedules, FSC

def test_beta_schedules():
    b, bb = forward_betas(64, 0.2), backward_betas(64, 0.2)
    assert b[0].item() == pytest.approx(0.9) and bb[0].item() == pytest.approx(0.1)
    assert (b.diff() < 0).all() and (bb.diff() > 0).all()
    torch.testing.assert_close(b + bb, torch.ones(64))  # β'_j = 1 - β_j
    j = 10
    assert b[j].item() == pytest.approx(0.9 * (1 - (j / 64) ** 0.2), rel=1e-6)


def test_stepwise_sum_is_identity_for_zero_layers_or_zero_beta():
    index, value = knn_edges([torch.tensor([[1], [2], [0], [1]])], 4)
    a = to_sparse(index, value, 4)
    x = torch.randn(4, 3)
    torch.testing.assert_close(stepwise_sum(a, x, torch.tensor([0.9, 0.5, 0.1]), 0), x)
    torch.testing.assert_close(stepwise_sum(a, x, torch.zeros(3), 3), x)


def test_stepwise_sum_matches_the_neumann_formula():
    index, value = knn_edges([torch.tensor([[1], [2], [0], [1]])], 4)
    a = to_sparse(index, value, 4)
    dense = a.to_dense().double()
    x = torch.randn(4, 3, dtype=torch.float64)
    beta = torch.tensor([0.9, 0.5, 0.0], dtype=torch.float64)
    expected = torch.zeros_like(x)
    for j in range(3):
        col = sum(beta[j] ** p * torch.linalg.matrix_power(dense, p) @ x[:, j] for p in range(4))
        expected[:, j] = (1 - beta[j]) / (1 - beta[j] ** 4) * col
    torch.testing.assert_close(stepwise_sum(a, x.float(), beta.float(), 3).double(), expected, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------- MI

def test_whitening_gives_orthogonal_columns_of_variance_one_over_d_in_singular_value_order():
    rng = np.random.default_rng(0)
    x = (rng.normal(size=(200, 12)) * np.linspace(5, 1, 12) + 3).astype(np.float32)
    w, sv = whiten(x, 8)
    w = w.double().numpy()
    np.testing.assert_allclose(w.mean(0), 0, atol=1e-6)
    np.testing.assert_allclose(w.T @ w / 200, np.eye(8) / 8, atol=1e-5)  # variance 1/d, uncorrelated
    expected_sv = np.linalg.svd(x - x.mean(0), compute_uv=False)[:8]
    np.testing.assert_allclose(sv.numpy(), expected_sv, rtol=1e-4)
    assert (np.diff(sv.numpy()) <= 0).all()
    u = np.linalg.svd(x - x.mean(0), full_matrices=False)[0][:, :8]
    same_up_to_sign = np.abs((u * np.sqrt(200 / 8) * w).sum(0)) / 200
    np.testing.assert_allclose(same_up_to_sign, 1 / 8, rtol=1e-4)


@pytest.mark.parametrize(("n", "f"), [(60, 10), (6, 10)])  # both Gram branches (F <= n, F > n)
def test_the_whitening_map_places_rows_where_whitening_put_them(n, f):
    x = (np.random.default_rng(1).normal(size=(n, f)) * np.linspace(4, 1, f) + 2).astype(np.float32)
    w, sv, mean, proj = whiten_with_map(x, 8, torch.Generator().manual_seed(0))
    r = len(sv)
    mapped = (torch.as_tensor(x) - mean) @ proj  # (n, 8): the training rows as if they were new
    torch.testing.assert_close(mapped[:, :r], w[:, :r], atol=1e-4, rtol=1e-4)
    assert torch.equal(mapped[:, r:], torch.zeros(n, 8 - r))  # noise columns: 0 for a new row


def test_whitening_pads_narrow_modalities_with_noise_of_the_same_scale():
    x = np.random.default_rng(0).normal(size=(500, 3)).astype(np.float32)
    w, sv = whiten(x, 8, torch.Generator().manual_seed(0))
    assert len(sv) == 3
    assert torch.isfinite(w).all() and (w[:, 3:].abs().sum(0) > 0).all()
    assert w[:, 3:].var(0).mean().item() == pytest.approx(1 / 8, rel=0.2)


def test_modality_init_weights_and_missing_rows():
    rng = np.random.default_rng(0)
    text, image = rng.normal(size=(50, 20)), rng.normal(size=(50, 20))
    missing = np.zeros(50, dtype=bool)
    missing[7] = True
    init = modality_init({"text": text, "image": image}, {"image": missing}, {"text": 5.0, "image": 1.0}, 8)
    wt, _ = whiten(text, 8)
    wi, _ = whiten(image[~missing], 8)
    keep = np.flatnonzero(~missing)
    torch.testing.assert_close(init[keep], (5 * wt[keep] + wi) / 6, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(init[7], wt[7], rtol=1e-4, atol=1e-5)  # only text available


def test_prepare_initialises_users_as_mean_of_training_items(feature_data):
    model = _stair(feature_data)
    users, items = feature_data.train_pairs()
    init = model.item_init
    torch.testing.assert_close(model.item_emb.detach(), init)
    for u in (0, 7, 39):
        expected = init[np.unique(items[users == u])].mean(0)
        torch.testing.assert_close(model.user_emb[u].detach(), expected, rtol=1e-5, atol=1e-6)


def test_without_features_or_mi_the_init_is_random(cyclic_data, feature_data):
    for model in (_stair(cyclic_data), _stair(feature_data, use_mi=False)):
        assert model.item_emb.std().item() == pytest.approx(0.1, rel=0.2)


def test_knn_buffers_exclude_self_and_items_without_the_modality(feature_data):
    model = _stair(feature_data)
    text, image = model.knn("text"), model.knn("image")
    assert text.shape == (30, 3) and image.shape == (30, 1)
    assert (text != torch.arange(30)[:, None]).all()
    assert image[5].item() == -1 and (image != 5).all()
    graph = model.item_graph().to_dense()
    torch.testing.assert_close(graph, graph.T)


# ----------------------------------------------------------------------------- BSC optimiser

def _adamw_pair(graph, wd=0.05):
    torch.manual_seed(0)
    users, items = torch.randn(5, 4), torch.randn(6, 4)
    a = [torch.nn.Parameter(users.clone()), torch.nn.Parameter(items.clone())]
    b = [torch.nn.Parameter(users.clone()), torch.nn.Parameter(items.clone())]
    ours = BSCAdamW([{"params": [a[0]]}, {"params": [a[1]], "smooth": True}], graph=graph,
                    smooth_betas=backward_betas(4, 0.2), n_layers=3, lr=0.01, weight_decay=wd)
    ref = torch.optim.AdamW(b, lr=0.01, weight_decay=wd)
    return a, b, ours, ref


@pytest.mark.parametrize("empty", ["no_edges", "callable"])
def test_bsc_with_isolated_nodes_equals_adamw_step_for_step(empty):
    graph = to_sparse(torch.zeros(2, 0, dtype=torch.long), torch.zeros(0), 6)
    a, b, ours, ref = _adamw_pair(graph if empty == "no_edges" else (lambda: graph))
    for _ in range(20):
        grads = [torch.randn_like(p) for p in a]
        for p, q, g in zip(a, b, grads):
            p.grad, q.grad = g.clone(), g.clone()
        ours.step()
        ref.step()
        for p, q in zip(a, b):
            torch.testing.assert_close(p, q, rtol=1e-5, atol=1e-6)


def test_bsc_smooths_the_item_update_as_computed_by_hand():
    # Path graph 0 - 1 - 2: degrees 1, 2, 1, so Â[0,1] = Â[1,2] = 1/sqrt(2).
    index, value = knn_edges([torch.tensor([[1], [2], [1]])], 3)
    graph = to_sparse(index, value, 3)
    item = torch.nn.Parameter(torch.zeros(3, 2))
    lr, beta = 0.1, torch.tensor([0.5, 0.0])
    opt = BSCAdamW([{"params": [item], "smooth": True}], graph=graph, smooth_betas=beta, n_layers=1,
                   lr=lr, eps=0.0, weight_decay=0.0)
    item.grad = torch.tensor([[2.0, -1.0], [-3.0, 4.0], [0.5, 0.5]])
    opt.step()
    # First Adam step: m̂ = g, v̂ = g², so Δ = sign(g).
    delta = np.array([[1.0, -1.0], [-1.0, 1.0], [1.0, 1.0]])
    s = 1 / np.sqrt(2)
    a_hat = np.array([[0, s, 0], [s, 0, s], [0, s, 0]])
    # Column 0: β = 0.5, L = 1 -> (1 - β)/(1 - β²) (Δ + β ÂΔ) = (2/3)(Δ + 0.5 ÂΔ); column 1: β = 0 -> Δ.
    col0 = (2 / 3) * (delta[:, 0] + 0.5 * a_hat @ delta[:, 0])
    expected = -lr * np.stack([col0, delta[:, 1]], axis=1)
    np.testing.assert_allclose(item.detach().numpy(), expected, rtol=1e-6, atol=1e-7)
    # Hand numbers: ÂΔ[:,0] = [-s, 2s, -s] -> col0 = (2/3)[1 - s/2, -1 + s, 1 - s/2].
    np.testing.assert_allclose(col0, (2 / 3) * np.array([1 - s / 2, -1 + s, 1 - s / 2]))


def test_make_optimizer_and_weight_decay_rule(feature_data):
    model = _stair(feature_data, weight_decay=0.2)
    opt = model.make_optimizer(lr=1e-3, weight_decay=0.0)
    assert isinstance(opt, BSCAdamW)
    assert [g["weight_decay"] for g in opt.param_groups] == [0.2, 0.2]  # config value when trainer says 0
    assert model.make_optimizer(lr=1e-3, weight_decay=0.05).param_groups[0]["weight_decay"] == 0.05
    assert [g["smooth"] for g in opt.param_groups] == [False, True]
    assert opt.param_groups[1]["params"][0] is model.item_emb
    plain = _stair(feature_data, use_bsc=False).make_optimizer(lr=1e-3, weight_decay=0.3)
    assert type(plain) is torch.optim.AdamW and plain.param_groups[0]["weight_decay"] == 0.3


def test_bsc_moves_modality_neighbours_together(feature_data):
    model = _stair(feature_data)
    opt = model.make_optimizer(lr=0.01, weight_decay=0.0)
    before = model.item_emb.detach().clone()
    model.item_emb.grad = torch.zeros_like(model.item_emb)
    model.item_emb.grad[0] = 1.0  # only item 0 has a gradient
    model.user_emb.grad = torch.zeros_like(model.user_emb)
    opt.step()
    moved = (model.item_emb.detach() - before).abs().sum(1) > 0
    neighbours = set(model.knn("text")[0].tolist()) | set(model.knn("image")[0].tolist())
    assert moved[0] and all(moved[i] for i in neighbours if i >= 0)


# ----------------------------------------------------------------------------- scoring

def test_score_bands_sum_to_the_score(feature_data):
    model = _stair(feature_data).eval()
    _, batch = next(eval_batches(feature_data, "test", 50, 16))
    parts = model.score_split(batch)
    expected_split = int((forward_betas(16, model.config.gamma) >= 0.5).sum())
    assert set(parts) == {"collaborative", "content"} and model.split_dim == min(max(expected_split, 1), 15)
    torch.testing.assert_close(parts["collaborative"] + parts["content"], model.score_all(batch), rtol=0, atol=1e-4)
    custom = _stair(feature_data, split_dim=3).eval()
    users, items = custom.final_embeddings()
    torch.testing.assert_close(custom.score_split(batch)["collaborative"],
                               users[batch.users, :3] @ items[:, :3].T)


def test_without_fsc_scores_are_plain_inner_products(feature_data):
    model = _stair(feature_data, use_fsc=False).eval()
    _, batch = next(eval_batches(feature_data, "test", 50, 8))
    expected = model.user_emb[batch.users] @ model.item_emb.T
    torch.testing.assert_close(model.score_all(batch), expected.detach())


def test_fsc_keeps_trailing_dimensions_close_to_the_input(feature_data):
    model = _stair(feature_data, dim=32, gamma=0.4).eval()
    items = model.item_embeddings()
    init = model.item_init
    corr = [torch.corrcoef(torch.stack([items[:, j], init[:, j]]))[0, 1].item() for j in range(32)]
    assert np.mean(corr[-8:]) > np.mean(corr[:8])


def test_state_dict_round_trip_with_features_without_prepare(feature_data):
    model = _stair(feature_data)
    opt = model.make_optimizer(lr=0.01, weight_decay=0.0)
    for batch in pair_batches(feature_data, 32, np.random.default_rng(0)):
        opt.zero_grad()
        model.loss(batch)["loss"].backward()
        opt.step()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    clone = build_model("stair", DataSpec.of(feature_data), SMALL)
    clone.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(clone.knn("text"), model.knn("text")) and torch.equal(clone.item_init, model.item_init)
    _, batch = next(eval_batches(feature_data, "test", 50, 16))
    assert torch.equal(model.eval().score_all(batch), clone.eval().score_all(batch))


def test_training_with_bsc_lowers_the_loss(feature_data):
    model = _stair(feature_data).train()
    opt = model.make_optimizer(lr=0.01, weight_decay=0.0)
    batches = list(pair_batches(feature_data, 32, np.random.default_rng(0)))
    with torch.no_grad():
        before = np.mean([model.loss(b)["loss"].item() for b in batches])
    for _ in range(10):
        for batch in batches:
            opt.zero_grad()
            model.loss(batch)["loss"].backward()
            opt.step()
    with torch.no_grad():
        after = np.mean([model.loss(b)["loss"].item() for b in batches])
    assert after < 0.7 * before


@torch.no_grad()
def test_a_trained_products_own_content_finds_its_place_again(featured_data):
    """dim 4 leaves no noise column (both modalities have more usable directions), so a product's
    own features reproduce its MI initialisation, and with one neighbour it is its own nearest."""
    items = np.array([0, 7, 19])
    content = {m: torch.as_tensor(x[items]) for m, x in featured_data.features.items()}
    _, batch = next(eval_batches(featured_data, "test", 50, 5))
    for mode in ("neighbours", "content", "mapped"):
        torch.manual_seed(0)
        model = build_model("stair", DataSpec.of(featured_data), {"dim": 4, "new_item_mode": mode, "new_item_k": 1})
        model.prepare(featured_data)
        model.item_emb.add_(0.1 * torch.randn_like(model.item_emb))  # the learned embeddings moved away
        model.eval()
        torch.testing.assert_close(model.content_init(content), model.item_init[items], atol=1e-4, rtol=1e-4)
        new = model.score_new(batch, content)
        assert tuple(new) == ("collaborative", "content") and new["content"].shape == (5, 3)
        if mode == "neighbours":  # its own final embedding: the same parts as a trained product
            known = model.score_parts(batch)
            for part in new:
                torch.testing.assert_close(new[part], known[part][:, items], atol=1e-5, rtol=1e-5)
        if mode == "content":  # an isolated node: FSC keeps only the 0-hop term
            expected = model.item_init[items] * stepwise_sum(None, torch.ones(1, 4), model.beta, model.config.n_layers)
            torch.testing.assert_close(model.new_item_embeddings(content), expected)
    with pytest.raises(ValueError, match="new_item_mode must be one of"):
        build_model("stair", DataSpec.of(featured_data), {"new_item_mode": "nearest"})
