"""The explanation hooks of the model contract: score_parts, score_without, time_aware, explain."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch

from tests.explain.tiny_models import SMALL, small_model


@torch.no_grad()
def test_hm4sr_parts_are_exact_and_dropping_a_modality_is_zeroing_its_input(featured_data, batch):
    model = small_model("hm4sr", featured_data, SMALL)
    parts = model.score_parts(batch)
    assert list(parts) == ["id", "text", "image"]
    torch.testing.assert_close(sum(parts.values()), model.score_all(batch), rtol=1e-4, atol=1e-4)
    # zeroing the text projection makes every text item vector 0: the same model without text input
    without = copy.deepcopy(model)
    without.proj["text"].weight.zero_()
    without.proj["text"].bias.zero_()
    torch.testing.assert_close(model.score_without(batch, "text"), without.score_all(batch), rtol=1e-4, atol=1e-4)
    without = copy.deepcopy(model)
    without.item_emb.weight.zero_()
    torch.testing.assert_close(model.score_without(batch, "id"), without.score_all(batch), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError, match="HM4SR has no modality 'sound'"):
        model.score_without(batch, "sound")
    assert model.capabilities.time_aware


@torch.no_grad()
def test_hm4sr_cached_item_tables_follow_weight_changes(featured_data, batch):
    model = small_model("hm4sr", featured_data, SMALL)
    before = sum(model.score_parts(batch).values())
    model.proj["image"].weight.add_(0.5)  # in place, as an optimiser step or load_state_dict would
    after = sum(model.score_parts(batch).values())
    assert not torch.allclose(before, after)
    torch.testing.assert_close(after, model.score_all(batch), rtol=1e-4, atol=1e-4)


def test_hm4sr_without_time_layers_is_not_time_aware(featured_data):
    model = small_model("hm4sr", featured_data, {**SMALL, "use_tmoe": False, "use_query_time": False})
    assert not model.capabilities.time_aware


@torch.no_grad()
def test_stair_bands_and_generic_defaults(featured_data, batch):
    stair = small_model("stair", featured_data, {"dim": 8})
    bands = stair.score_parts(batch)
    assert list(bands) == ["collaborative", "content"]
    torch.testing.assert_close(stair.score_without(batch, "collaborative"), bands["content"])
    assert not stair.capabilities.time_aware and stair.explain(batch) is None
    sasrec = small_model("sasrec", featured_data, {"dim": 16, "max_len": 8})
    np.testing.assert_allclose(sasrec.score_parts(batch)["score"].numpy(), sasrec.score_all(batch).numpy())
    with pytest.raises(ValueError, match="SASRec has no separable score parts"):
        sasrec.score_without(batch, "score")
    assert sasrec.explain(batch) is None and not sasrec.capabilities.time_aware
