"""Batched counterfactuals (``score_without_each``) give what one ``score_without`` call per part gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.explain import drop_modality, faithfulness, recommendations
from core.scoring import rank_of
from core.training import TrainConfig, open_run, train_run
from tests.explain.tiny_models import SMALL, small_model


@pytest.mark.parametrize("config", [SMALL, {**SMALL, "use_imoe": False, "use_tmoe": False},
                                    {**SMALL, "modalities": ("id", "image")}])
@torch.no_grad()
def test_hm4sr_one_pass_equals_one_pass_per_modality(featured_data, batch, config):
    model = small_model("hm4sr", featured_data, config)
    names = list(model.score_parts(batch))
    for parts in (names, names[::-1], names[1:], [names[0], names[0]]):
        batched = model.score_without_each(batch, parts)  # (P, B, N)
        assert batched.shape == (len(parts), len(batch.items), featured_data.n_items)
        one_by_one = torch.stack([model.score_without(batch, p) for p in parts])
        torch.testing.assert_close(batched, one_by_one, rtol=1e-5, atol=1e-5)
    # the variants really differ from the full model and from each other (the test is not vacuous)
    full = model.score_all(batch)
    batched = model.score_without_each(batch, names)
    for p in range(len(names)):
        assert (batched[p] - full).abs().max() > 1e-3
    with pytest.raises(ValueError, match="HM4SR has no modality 'sound'"):
        model.score_without_each(batch, [names[0], "sound"])
    assert model.score_without_each(batch, []).shape == (0, len(batch.items), featured_data.n_items)


@torch.no_grad()
def test_hm4sr_batched_variants_do_not_leak_between_rows(featured_data, batch):
    """Row r of part p depends only on row r's history: scoring one customer alone gives the same."""
    model = small_model("hm4sr", featured_data, SMALL)
    names = list(model.score_parts(batch))
    batched = model.score_without_each(batch, names)  # (P, B, N)
    for r in range(len(batch.items)):
        alone = type(batch)(users=batch.users[r:r + 1], items=batch.items[r:r + 1], times=batch.times[r:r + 1],
                            query_times=batch.query_times[r:r + 1])
        torch.testing.assert_close(model.score_without_each(alone, names)[:, 0], batched[:, r], rtol=1e-5, atol=1e-5)


@torch.no_grad()
def test_stair_and_single_score_models(featured_data, batch):
    stair = small_model("stair", featured_data, {"dim": 8})
    bands = stair.score_parts(batch)
    batched = stair.score_without_each(batch, ["content", "collaborative"])
    torch.testing.assert_close(batched[0], bands["collaborative"])  # what is left is the other band
    torch.testing.assert_close(batched, torch.stack([stair.score_without(batch, p)
                                                     for p in ["content", "collaborative"]]))
    with pytest.raises(ValueError, match="STAIR has no score band 'id'"):
        stair.score_without_each(batch, ["id"])
    sasrec = small_model("sasrec", featured_data, {"dim": 16, "max_len": 8, "dropout": 0.0})
    with pytest.raises(ValueError, match="SASRec has no separable score parts to remove"):
        sasrec.score_without_each(batch, ["score"])


@pytest.fixture(scope="module")
def hm4sr(featured_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("hm4sr")
    train_run(featured_data, "hm4sr", root, {**SMALL, "max_len": 6},
              TrainConfig(epochs=2, patience=5, seed=0, device="cpu"))
    return open_run(root, featured_data)


@pytest.mark.parametrize("user", ["U001", "U003", "U007"])
def test_drop_modality_equals_rescoring_one_part_at_a_time(hm4sr, user):
    recs = recommendations(hm4sr, user, k=3)
    c = hm4sr.scorer.history(user)
    seen = np.zeros(hm4sr.data.n_items, dtype=bool)
    seen[c.items] = True
    batch = hm4sr.scorer.batch(np.array([c.user]))
    for item in recs["item_id"]:
        frame = drop_modality(hm4sr, user, item).set_index("part")
        j = hm4sr.data.item_index(item)
        for part in ("id", "text", "image"):
            with torch.no_grad():
                alone = hm4sr.model.score_without(batch, part)[0].numpy().astype(np.float64)  # (N,)
            assert frame.loc[part, "new_score"] == pytest.approx(alone[j], rel=1e-5, abs=1e-6)
            assert frame.loc[part, "new_rank"] == rank_of(alone, j, seen)


def test_faithfulness_drops_equal_rescoring_one_part_at_a_time(hm4sr):
    frame = faithfulness(hm4sr, users=["U001", "U003"])
    for row in frame.itertuples():
        batch = hm4sr.scorer.batch(hm4sr.data.user_indices([row.user_id]))
        j = hm4sr.data.item_index(row.item_id)
        with torch.no_grad():
            base = float(sum(hm4sr.model.score_parts(batch).values())[0, j])
            for part, drop in ((row.top_part, row.top_drop), (row.least_part, row.least_drop)):
                assert drop == pytest.approx(base - float(hm4sr.model.score_without(batch, part)[0, j]),
                                             rel=1e-4, abs=1e-5)
