"""The learned "bought before" offset (core.models.repeat) and how the sequential models use it."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.data.batches import eval_batches, sequence_batches
from core.models import DataSpec, HM4SRConfig, SASRecConfig, build_model, preset, stored_config
from core.models.repeat import RepeatOffset, first_positions
from tests.conftest import train_steps, write_dataset

SMALL = {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0}
N = 5  # items 0..4, padding index 5
WINDOWS = torch.tensor([[5, 0, 2, 0],
                        [3, 1, 3, 4]])  # (B=2, T=4), left-padded


def _offset(beta: float) -> RepeatOffset:
    offset = RepeatOffset()
    with torch.no_grad():
        offset.theta.fill_(beta / RepeatOffset.SCALE)
    return offset


def test_first_positions_of_a_hand_made_window():
    first = first_positions(WINDOWS, N)
    assert first[0].tolist() == [1, 4, 2, 4, 4, 0]  # item 0 first at 1 (again at 3), item 2 at 2, pad at 0
    assert first[1].tolist() == [4, 1, 4, 0, 3, 4]  # 3 first at 0 (again at 2), 1 at 1, 4 at 3


def test_offsets_mark_the_products_bought_up_to_each_position():
    offset = _offset(-2.0)
    keep = torch.tensor([[False, True, True, False],
                         [True, False, True, False]])  # trained positions, row-major order = h[keep]
    full = offset.full_offsets(WINDOWS, keep, N)  # (4, 5)
    bought = [{0}, {0, 2}, {3}, {1, 3}]  # before the purchase predicted at (0,1) (0,2) (1,0) (1,2)
    expected = torch.tensor([[-2.0 if j in seen else 0.0 for j in range(N)] for seen in bought])
    torch.testing.assert_close(full, expected)
    targets, negatives = torch.tensor([2, 0, 1, 4]), torch.tensor([4, 0, 3])
    positive, negative = offset.sampled_offsets(WINDOWS, keep, N, targets, negatives)
    torch.testing.assert_close(positive, full[torch.arange(4), targets])
    torch.testing.assert_close(negative, full[:, negatives])
    scores = offset.scores(WINDOWS, N)  # (2, 5): the whole window
    torch.testing.assert_close(scores, torch.tensor([[-2.0, 0, -2.0, 0, 0], [0, -2.0, 0, -2.0, -2.0]]))


def _with_offset(name, data, beta, **config):
    torch.manual_seed(0)
    model = build_model(name, DataSpec.of(data), {**SMALL, **config, "repeat_offset": True})
    model.prepare(data)
    with torch.no_grad():
        model.repeat.theta.fill_(beta / RepeatOffset.SCALE)
    return model.eval()


@pytest.mark.parametrize("name", ["sasrec", "hm4sr"])
@torch.no_grad()
def test_the_offset_moves_exactly_the_bought_products(name, featured_data):
    model = _with_offset(name, featured_data, 3.0)
    _, batch = next(eval_batches(featured_data, "test", 10, 8))
    with_offset = model.score_all(batch)
    model.repeat.theta.zero_()
    bought = torch.zeros(8, featured_data.n_items + 1, dtype=torch.bool).scatter_(1, batch.items, True)[:, :-1]
    torch.testing.assert_close(with_offset - model.score_all(batch), 3.0 * bought.float())


@torch.no_grad()
def test_hm4sr_counts_the_offset_in_the_id_part_and_drops_it_with_the_ids(featured_data):
    model = _with_offset("hm4sr", featured_data, -4.0)
    _, batch = next(eval_batches(featured_data, "test", 10, 8))
    parts, total = model.score_parts(batch), model.score_all(batch)
    torch.testing.assert_close(sum(parts.values()), total, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(model.explain(batch).scores, total, rtol=1e-5, atol=1e-5)
    offsets = model.repeat.scores(batch.items, featured_data.n_items)  # (B, N)
    model.repeat.theta.zero_()
    plain = model.score_parts(batch)
    torch.testing.assert_close(parts["id"] - plain["id"], offsets)
    for modality in ("text", "image"):
        torch.testing.assert_close(parts[modality], plain[modality])
    without_ids, without_text = model.score_without(batch, "id"), model.score_without(batch, "text")
    model.repeat.theta.fill_(-4.0 / RepeatOffset.SCALE)
    torch.testing.assert_close(model.score_without(batch, "id"), without_ids)  # no IDs, no offset
    torch.testing.assert_close(model.score_without(batch, "text"), without_text + offsets)
    each = model.score_without_each(batch, ["text", "id"])
    torch.testing.assert_close(each[0], model.score_without(batch, "text"), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(each[1], model.score_without(batch, "id"), rtol=1e-5, atol=1e-5)


def test_hm4sr_without_ids_has_no_offset(featured_data):
    model = build_model("hm4sr", DataSpec.of(featured_data), {**SMALL, "modalities": ["text"], "repeat_offset": True})
    assert model.repeat is None


@pytest.mark.parametrize("name", ["sasrec", "hm4sr"])
def test_the_sampled_softmax_over_every_item_gives_the_full_loss_with_the_offset(name, featured_data):
    full = _with_offset(name, featured_data, -1.5, cp_weight=0.0, idcl_weight=0.0) if name == "hm4sr" \
        else _with_offset(name, featured_data, -1.5)
    config = {**SMALL, "repeat_offset": True, "loss": "sampled", "n_negatives": featured_data.n_items}
    if name == "hm4sr":
        config.update(cp_weight=0.0, idcl_weight=0.0)
    sampled = build_model(name, DataSpec.of(featured_data), config)
    sampled.prepare(featured_data)
    sampled.load_state_dict(full.state_dict())
    batch = next(iter(sequence_batches(featured_data, 10, 16, np.random.default_rng(0))))
    with torch.no_grad():
        torch.testing.assert_close(sampled.eval().loss(batch)["ce"], full.loss(batch)["ce"])


@pytest.mark.parametrize("loss", ["full", "sampled"])
def test_hm4sr_streams_losses_by_hand_the_offset_in_the_joint_and_the_id_terms_only(loss, featured_data):
    """Every cross-entropy of the default HM4SR loss against one composed by hand from its streams'
    scores: the offset counts in the summed score and in the ID stream's own term, in neither content term."""
    model = _with_offset("hm4sr", featured_data, -1.5, cp_weight=0.0, idcl_weight=0.0, loss=loss,
                         n_negatives=featured_data.n_items)  # with every item as a negative: the full loss
    batch = next(iter(sequence_batches(featured_data, 10, 16, np.random.default_rng(0))))
    n = featured_data.n_items
    with torch.no_grad():
        parts = model.loss(batch)
        tables = model.item_tables()  # (M, N+1, D)
        h, _ = model._encode(batch, tables, model._next_times(batch), fuse=False)  # (B, T, M, D)
        keep = batch.targets != n
        scores = torch.einsum("pmd,mnd->mpn", h[keep], tables[:, :n])  # (M, P, N)
        offset = model.repeat.full_offsets(batch.items, keep, n)  # (P, N)
    targets = batch.targets[keep]
    ce = torch.nn.functional.cross_entropy
    torch.testing.assert_close(parts["ce"], ce(scores.sum(0) + offset, targets))
    torch.testing.assert_close(parts["ce_id"], ce(scores[0] + offset, targets))
    torch.testing.assert_close(parts["ce_text"], ce(scores[1], targets))
    torch.testing.assert_close(parts["ce_image"], ce(scores[2], targets))
    assert offset.min() == -1.5 and parts["ce_id"] != ce(scores[0], targets)  # the offset moved the ID term


def _learned_offset(root, steps=40) -> float:
    data = load_dataset(root, k=2)
    torch.manual_seed(0)
    model = build_model("sasrec", DataSpec.of(data), {**SMALL, "repeat_offset": True})
    model.prepare(data)
    return train_steps(model, data, steps).repeat.value.item()


def test_the_offset_learns_whether_customers_buy_again(tmp_path):
    rng = np.random.default_rng(0)
    never, again = [], []
    for u in range(40):
        t = 1_700_000_000 + 86_400 * u
        favourite = [f"I{i:02d}" for i in rng.choice(30, size=3, replace=False)]
        for step, item in enumerate(rng.choice(30, size=9, replace=False)):  # nobody buys a product twice
            never.append((f"U{u:02d}", f"I{item:02d}", t + 3_600 * step))
        for step in range(9):  # everyone keeps rebuying the same three products
            again.append((f"U{u:02d}", favourite[step % 3], t + 3_600 * step))
    assert _learned_offset(write_dataset(tmp_path / "never", never)) < -1.0
    assert _learned_offset(write_dataset(tmp_path / "again", again)) > 1.0


@pytest.mark.parametrize("config", [SASRecConfig, HM4SRConfig])
def test_the_offset_is_on_by_default_and_off_in_the_paper_preset_and_in_older_runs(config):
    assert config().repeat_offset
    assert not preset(config, "paper")["repeat_offset"]
    assert not stored_config(config, {"dim": 16}).repeat_offset  # a run stored before the field existed
