"""The sampled softmax (core.models.losses) and its use by SASRec and HM4SR."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from core.data.batches import sequence_batches
from core.models import DataSpec, build_model
from core.models.losses import draw_negatives, sampled_softmax

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
