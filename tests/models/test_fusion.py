"""How the modality streams learn: late fusion (core/models/fusion.py: exact weighted parts, what each
loss moves, a planted fall-back) and joint fusion with each stream's own cross-entropy (stream_weight)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data import load_dataset
from core.data.batches import eval_batches, sequence_batches
from core.features.store import save_features
from core.models import DataSpec, HM4SRConfig, build_model, preset, stored_config
from core.models.fusion import FusionWeights
from tests.conftest import cyclic_interactions, train_steps, write_dataset

SMALL = {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0, "fusion": "late"}


def _late(data, **config):
    torch.manual_seed(0)
    model = build_model("hm4sr", DataSpec.of(data), {**SMALL, **config})
    model.prepare(data)
    return model


def _batch(data):
    return next(iter(sequence_batches(data, 10, 16, np.random.default_rng(0))))


def test_the_weights_start_at_one_and_scale_each_modality_alone():
    weights = FusionWeights(3)
    assert weights.value.tolist() == [1.0, 1.0, 1.0]
    with torch.no_grad():
        weights.theta.copy_(torch.log(torch.tensor([2.0, 0.5, 1.0])) / FusionWeights.SCALE)
    h = torch.ones(4, 5, 3, 2)  # (B, T, M, D)
    torch.testing.assert_close(weights.scale(h)[0, 0], torch.tensor([[2.0, 2.0], [0.5, 0.5], [1.0, 1.0]]))


def test_late_fusion_trains_each_stream_at_one_whatever_stream_weight_says(featured_data):
    model = _late(featured_data, stream_weight=0.0, cp_weight=0.0, idcl_weight=0.0)
    parts = model.loss(_batch(featured_data))
    torch.testing.assert_close(parts["loss"], parts["ce"] + parts["ce_id"] + parts["ce_text"] + parts["ce_image"])


def test_one_stream_has_nothing_to_fuse(featured_data):
    model = _late(featured_data, modalities=["id"], cp_weight=0.0, idcl_weight=0.0)
    assert model.fusion is None
    assert set(model.loss(_batch(featured_data))) == {"loss", "ce"}  # one cross-entropy, as joint training
    assert _late(featured_data, modalities=["id", "text"]).fusion.value.shape == (2,)


def test_each_part_scales_with_its_weight_and_the_parts_sum_to_the_score(featured_data):
    model = _late(featured_data).eval()
    _, batch = next(eval_batches(featured_data, "test", 10, 6))
    with torch.no_grad():
        before = model.score_parts(batch)
        model.repeat.theta.zero_()  # β = 0 on both sides, so every part is its stream's score times w
        plain = model.score_parts(batch)
        model.fusion.theta.copy_(torch.log(torch.tensor([3.0, 0.5, 0.25])) / FusionWeights.SCALE)
        scaled = model.score_parts(batch)
        total = model.score_all(batch)
    assert set(before) == {"id", "text", "image"}
    for name, w in zip(("id", "text", "image"), (3.0, 0.5, 0.25), strict=True):
        torch.testing.assert_close(scaled[name], w * plain[name])
    torch.testing.assert_close(sum(scaled.values()), total)


def test_the_summed_loss_moves_only_the_weights_and_each_stream_loss_leaves_them(featured_data):
    model = _late(featured_data, cp_weight=0.0, idcl_weight=0.0)
    parts = model.loss(_batch(featured_data))
    assert {"ce", "ce_id", "ce_text", "ce_image"} <= set(parts)
    torch.testing.assert_close(parts["loss"], parts["ce"] + parts["ce_id"] + parts["ce_text"] + parts["ce_image"])

    model.zero_grad()
    model.loss(_batch(featured_data))["loss"].backward()
    assert model.fusion.theta.grad.abs().sum() > 0
    assert model.proj["text"].weight.grad.abs().sum() > 0 and model.item_emb.weight.grad.abs().sum() > 0

    # the summed score's cross-entropy alone: gradients reach the weights and nothing else
    model.zero_grad(set_to_none=True)
    states_only = [p for n, p in model.named_parameters() if not n.startswith("fusion.")]
    summed, *streams = _live_cross_entropies(model, featured_data)
    grads = torch.autograd.grad(summed, [model.fusion.theta, *states_only], allow_unused=True, retain_graph=True)
    assert grads[0].abs().sum() > 0
    assert all(g is None or g.abs().sum() == 0 for g in grads[1:])
    # each stream's own cross-entropy: no gradient on the weights
    assert len(streams) == 3
    for stream in streams:
        (grad,) = torch.autograd.grad(stream, [model.fusion.theta], allow_unused=True, retain_graph=True)
        assert grad is None or grad.abs().sum() == 0


def _spied(model, method: str, batch) -> tuple[dict, list[torch.Tensor]]:
    """``model.loss(batch)`` with every return of ``model.<method>`` captured, live (in call order)."""
    captured = []
    original = getattr(model, method)

    def spy(*args, **kw):
        captured.append(original(*args, **kw))
        return captured[-1]

    setattr(model, method, spy)
    try:
        out = model.loss(batch)
    finally:
        delattr(model, method)
    return out, captured


def _live_cross_entropies(model, data) -> list[torch.Tensor]:
    """The loss's cross-entropy terms with a live graph (the loss dict holds them detached), in the
    order the loss computes them: the summed score's first, then each stream's."""
    return _spied(model, "_next_item_ce", _batch(data))[1]


def test_the_sampled_softmax_over_every_item_gives_each_full_loss(featured_data):
    full = _late(featured_data, cp_weight=0.0, idcl_weight=0.0)
    sampled = _late(featured_data, cp_weight=0.0, idcl_weight=0.0, loss="sampled",
                    n_negatives=featured_data.n_items)
    sampled.load_state_dict(full.state_dict())
    batch = _batch(featured_data)
    with torch.no_grad():
        a, b = full.eval().loss(batch), sampled.eval().loss(batch)
    for key in ("ce", "ce_id", "ce_text", "ce_image"):
        torch.testing.assert_close(a[key], b[key])


def _text_weight_ratio(root, text: np.ndarray, steps: int = 80) -> float:
    """w_text / w_id after training HM4SR (IDs and text, late fusion) on ``root`` with ``text`` features."""
    items = sorted({i for _, i, _ in cyclic_interactions()})
    save_features(root, items, {"text": text.astype(np.float32)})
    data = load_dataset(root, k=2)
    model = train_steps(_late(data, modalities=("id", "text"), cp_weight=0.0, idcl_weight=0.0), data, steps)
    w = model.fusion.value.detach()
    return float(w[1] / w[0])


def test_text_that_says_nothing_about_the_next_product_gets_a_small_weight(tmp_path):
    # Customers walk a cycle of 30 products (i -> i+1): IDs tell the next one exactly. Noise text:
    # each product's text is one of two random vectors, unrelated to the cycle. Telling text: a
    # one-hot of the product, as good as its ID.
    rng = np.random.default_rng(1)
    rows = cyclic_interactions()
    noise = rng.normal(size=(2, 16))[rng.integers(0, 2, size=30)]  # (30, 16)
    noise_ratio = _text_weight_ratio(write_dataset(tmp_path / "noise", rows), noise)
    telling_ratio = _text_weight_ratio(write_dataset(tmp_path / "telling", rows), np.eye(30))
    assert noise_ratio < 0.4  # measured 0.27
    assert telling_ratio > 1.5 * noise_ratio  # measured 0.56


@pytest.mark.parametrize("fusion", ["joint", "late"])
def test_fusion_is_checked_and_the_paper_and_older_runs_train_jointly(fusion):
    assert HM4SRConfig(fusion=fusion).fusion == fusion
    with pytest.raises(ValueError, match="fusion must be one of"):
        HM4SRConfig(fusion="early")
    assert stored_config(HM4SRConfig, {}).fusion == "joint"
    assert HM4SRConfig(**preset(HM4SRConfig, "paper")).fusion == "joint"


def _joint(data, **config):
    return _late(data, **{"fusion": "joint", "cp_weight": 0.0, "idcl_weight": 0.0, "stream_weight": 0.0, **config})


def test_stream_weight_adds_each_streams_cross_entropy_to_the_unchanged_joint_one(featured_data):
    plain, deep = _joint(featured_data), _joint(featured_data, stream_weight=0.5)
    deep.load_state_dict(plain.state_dict())
    batch = _batch(featured_data)
    torch.manual_seed(1)
    a = plain.loss(batch)
    torch.manual_seed(1)
    b = deep.loss(batch)
    assert set(a) == {"loss", "ce"} and {"ce", "ce_id", "ce_text", "ce_image"} <= set(b)
    torch.testing.assert_close(b["ce"], a["ce"])  # the summed score's term is the paper's loss
    torch.testing.assert_close(b["loss"], b["ce"] + 0.5 * (b["ce_id"] + b["ce_text"] + b["ce_image"]))
    assert b["ce_id"] != b["ce_text"] != b["ce_image"]  # each stream's own ranking, not the sum's

    # unlike late fusion, the summed score's cross-entropy trains the streams themselves
    summed, *streams = _live_cross_entropies(deep, featured_data)
    (grad,) = torch.autograd.grad(summed, [deep.proj["text"].weight], retain_graph=True)
    assert grad.abs().sum() > 0 and len(streams) == 3
    # and the ID stream's own term reaches no content projection
    grads = torch.autograd.grad(streams[0], [deep.item_emb.weight, deep.proj["text"].weight],
                                allow_unused=True, retain_graph=True)
    assert grads[0].abs().sum() > 0 and (grads[1] is None or grads[1].abs().sum() == 0)


def test_stream_weight_is_on_by_default_off_in_the_paper_and_older_runs_and_checked():
    assert HM4SRConfig().stream_weight == 1.0
    assert HM4SRConfig(**preset(HM4SRConfig, "paper")).stream_weight == 0.0  # the paper's loss
    assert stored_config(HM4SRConfig, {}).stream_weight == 0.0  # runs stored before the field: the paper's loss
    with pytest.raises(ValueError, match="stream_weight must be >= 0"):
        HM4SRConfig(stream_weight=-1.0)
