"""The sampled softmax (core.models.losses) and its use by SASRec and HM4SR."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.data.batches import sequence_batches
from core.models import DataSpec, build_model
from core.models.losses import (
    draw,
    draw_negatives,
    popularity_log_q,
    sampled_bias,
    sampled_cross_entropy,
    sampled_softmax,
)

SMALL = {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0}


def test_with_every_other_item_as_negative_it_is_the_full_cross_entropy_by_hand():
    hidden = torch.tensor([[1.0, 0.0], [0.5, 2.0]], requires_grad=True)  # (P=2, D=2)
    items = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, 1.0]], requires_grad=True)  # (N=3, D)
    targets = torch.tensor([0, 2])
    negatives = draw_negatives(3, 5, "cpu")
    assert negatives.tolist() == [0, 1, 2]  # S >= N: every item, the target's own column masked
    loss = sampled_softmax(hidden, items[targets], targets, items[negatives], negatives)
    # Row 0 logits (1, 0, -1), target 0; row 1 logits (0.5, 2, 1.5), target 2.
    by_hand = (-(1 - math.log(math.e + 1 + math.exp(-1))) - (1.5 - math.log(math.exp(0.5) + math.exp(2)
                                                                            + math.exp(1.5)))) / 2
    assert loss.item() == pytest.approx(by_hand, rel=1e-6)
    assert loss.item() == pytest.approx(F.cross_entropy(hidden @ items.T, targets).item(), rel=1e-6)
    loss.backward()
    full_hidden, full_items = (x.detach().clone().requires_grad_() for x in (hidden, items))
    F.cross_entropy(full_hidden @ full_items.T, targets).backward()
    torch.testing.assert_close(hidden.grad, full_hidden.grad)
    torch.testing.assert_close(items.grad, full_items.grad)


def test_an_accidental_hit_is_masked_and_gets_no_gradient_as_a_negative():
    hidden = torch.tensor([[1.0, 2.0]])
    items = torch.tensor([[3.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    negatives = torch.tensor([0, 1])  # item 0 is the row's target: only item 1 is a negative
    loss = sampled_softmax(hidden, items[[0]], torch.tensor([0]), items[negatives], negatives)
    assert loss.item() == pytest.approx(-(5 - math.log(math.exp(5) + math.exp(2))), rel=1e-6)


def test_the_one_buffer_cross_entropy_equals_the_composed_one_in_value_and_gradients():
    """Hits (a whole row of them too), the logQ correction and a differentiable offset, against
    ``F.cross_entropy`` of the concatenated, masked logits; and torch's numerical gradient check."""
    torch.manual_seed(0)
    p, s, n = 6, 9, 12
    positive = torch.randn(p, dtype=torch.float64, requires_grad=True)
    negative = torch.randn(p, s, dtype=torch.float64, requires_grad=True)
    value = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)  # a learned offset
    targets = torch.tensor([0, 1, 2, 3, 3, 5])
    negatives = torch.tensor([3, 3, 3, 1, 7, 8, 9, 0, 3])  # row 3's target 3 appears three times
    log_q = torch.randn(n, dtype=torch.float64).log_softmax(0)
    bought = torch.rand(p, s) < 0.3  # (P, S) which negatives the offset applies to
    offsets = (value * torch.tensor([1.0, 0, 0, 1, 0, 1], dtype=torch.float64), value * bought)

    loss = sampled_cross_entropy(positive, negative, sampled_bias(targets, negatives, log_q), offsets)
    t = positive + offsets[0] - log_q[targets]  # (P,)
    x = (negative + offsets[1] - log_q[negatives]).masked_fill(negatives[None] == targets[:, None], float("-inf"))
    expected = F.cross_entropy(torch.cat([t[:, None], x], 1), torch.zeros(p, dtype=torch.long))
    assert loss.item() == pytest.approx(expected.item(), rel=1e-12)
    got = torch.autograd.grad(loss, (positive, negative, value), retain_graph=True)  # offsets are shared
    want = torch.autograd.grad(expected, (positive, negative, value))
    for a, b in zip(got, want, strict=True):
        torch.testing.assert_close(a, b)
    assert got[1][negatives[None] == targets[:, None]].abs().max() == 0  # a masked hit learns nothing
    bias = sampled_bias(targets, negatives)
    assert torch.autograd.gradcheck(lambda a, b: sampled_cross_entropy(a, b, bias), (positive, negative))

    all_hits = sampled_cross_entropy(torch.tensor([2.0]), torch.tensor([[5.0, 5.0]]),
                                     sampled_bias(torch.tensor([4]), torch.tensor([4, 4])))
    assert all_hits.item() == 0.0  # nothing to rank against: the target alone, probability 1


def test_negatives_are_distinct_items_drawn_anew_each_step():
    torch.manual_seed(0)
    first, second = draw_negatives(1000, 50, "cpu"), draw_negatives(1000, 50, "cpu")
    assert len(first) == 50 and len(set(first.tolist())) == 50 and first.min() >= 0 and first.max() < 1000
    assert not torch.equal(first, second)


@pytest.mark.parametrize("name", ["sasrec", "hm4sr"])
def test_sampled_loss_with_every_item_as_negative_equals_the_full_loss(name, featured_data):
    """Exact through the models too: HM4SR's sampled path computes item vectors only for the batch's items."""
    spec = DataSpec.of(featured_data)
    torch.manual_seed(0)
    full = build_model(name, spec, SMALL)
    sampled = build_model(name, spec, {**SMALL, "loss": "sampled", "n_negatives": featured_data.n_items})
    sampled.load_state_dict(full.state_dict())
    for model in (full, sampled):
        model.prepare(featured_data)
        model.train()
    batch = next(sequence_batches(featured_data, full.max_len, 16, np.random.default_rng(0)))
    torch.manual_seed(1)
    expected = full.loss(batch)
    torch.manual_seed(1)
    got = sampled.loss(batch)
    assert set(got) == set(expected)
    for key in expected:
        torch.testing.assert_close(got[key], expected[key], rtol=1e-5, atol=1e-6)
    got["loss"].backward()
    expected["loss"].backward()
    grads = dict(sampled.named_parameters())
    for key, param in full.named_parameters():
        if param.grad is not None:
            torch.testing.assert_close(grads[key].grad, param.grad, rtol=1e-4, atol=1e-6)


def test_sampled_hm4sr_reads_only_the_items_of_the_batch(featured_data):
    model = build_model("hm4sr", DataSpec.of(featured_data), {**SMALL, "loss": "sampled", "n_negatives": 4})
    model.prepare(featured_data)
    batch = next(sequence_batches(featured_data, model.max_len, 2, np.random.default_rng(0)))
    negatives = torch.tensor([0, 1, 2, 3])
    tables, lookup = model._batch_tables(batch, negatives)
    read = set(batch.items.flatten().tolist()) | set(batch.targets.flatten().tolist()) | {0, 1, 2, 3}
    assert tables.shape[1] == len(read) < featured_data.n_items + 1
    assert set(torch.nonzero(lookup >= 0).flatten().tolist()) == read
    full = model.item_tables()  # (M, N+1, D)
    index = torch.tensor(sorted(read))
    torch.testing.assert_close(tables[:, lookup[index]], full[:, index])


@pytest.mark.parametrize("values", [{"loss": "softmax"}, {"n_negatives": 0}])
def test_a_bad_loss_setting_raises(values, featured_data):
    with pytest.raises(ValueError, match=r"unknown loss|n_negatives must"):
        build_model("sasrec", DataSpec.of(featured_data), {**SMALL, **values})
    with pytest.raises(ValueError, match=r"unknown loss|n_negatives must"):
        build_model("hm4sr", DataSpec.of(featured_data), {**SMALL, **values})


def test_the_logq_correction_by_hand_and_a_uniform_q_changes_nothing():
    hidden = torch.tensor([[1.0, 2.0]])
    items = torch.tensor([[3.0, 1.0], [0.0, 1.0], [1.0, 1.0]])
    negatives = torch.tensor([1, 2, 2])  # drawn with replacement: a repeat counts twice
    log_q = torch.log(torch.tensor([0.5, 0.3, 0.2]))
    loss = sampled_softmax(hidden, items[[0]], torch.tensor([0]), items[negatives], negatives, log_q)
    logits = [5 - math.log(0.5), 2 - math.log(0.3), 3 - math.log(0.2), 3 - math.log(0.2)]
    assert loss.item() == pytest.approx(-(logits[0] - math.log(sum(math.exp(x) for x in logits))), rel=1e-6)
    flat = torch.full((3,), math.log(1 / 3))
    assert sampled_softmax(hidden, items[[0]], torch.tensor([0]), items[negatives], negatives, flat).item() == \
        pytest.approx(sampled_softmax(hidden, items[[0]], torch.tensor([0]), items[negatives], negatives).item())


def test_the_popularity_sampler_draws_best_sellers_in_proportion():
    log_q = popularity_log_q(torch.tensor([99, 0, 899, 0]))
    torch.testing.assert_close(log_q.exp(), torch.tensor([100, 1, 900, 1]) / 1002.0)
    torch.manual_seed(0)
    drawn = draw("popularity", 4, 20_000, "cpu", log_q).bincount(minlength=4) / 20_000
    torch.testing.assert_close(drawn, log_q.exp(), atol=0.01, rtol=0.0)


@pytest.mark.parametrize("name", ["sasrec", "hm4sr"])
def test_popularity_sampled_models_learn_their_sampler_from_training_purchases(name, featured_data):
    torch.manual_seed(0)
    model = build_model(name, DataSpec.of(featured_data), {**SMALL, "loss": "sampled", "n_negatives": 8,
                                                           "sampler": "popularity"})
    model.prepare(featured_data)
    _, items = featured_data.train_pairs()
    counts = torch.as_tensor(np.bincount(items, minlength=featured_data.n_items))
    torch.testing.assert_close(model.sample_log_q, popularity_log_q(counts))
    batch = next(sequence_batches(featured_data, model.max_len, 16, np.random.default_rng(0)))
    loss = model.loss(batch)["loss"]
    loss.backward()
    assert torch.isfinite(loss)
    assert all(p.grad is not None for n, p in model.named_parameters() if "emb" in n)
    assert "sample_log_q" in model.state_dict()  # a resumed run keeps its sampler
    plain = build_model(name, DataSpec.of(featured_data), SMALL)
    assert "sample_log_q" not in plain.state_dict()  # checkpoints of other configs are unchanged
