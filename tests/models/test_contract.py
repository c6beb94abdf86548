"""Contract tests every registered model must pass (finite scores, shapes, save/load, learning)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from core.data.batches import eval_batches, pair_batches, sequence_batches
from core.models import MODELS, DataSpec, build_model

SMALL = {"sasrec": {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0},
         "hm4sr": {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0},
         "lightgcn": {"dim": 16}, "stair": {"dim": 16}}
#: The full-softmax sequential models again with the sampled softmax (fewer negatives than the 30 items).
SAMPLED = {f"{name}-sampled": (name, {**SMALL[name], "loss": "sampled", "n_negatives": 8})
           for name in ("sasrec", "hm4sr")}
SAMPLED.update({f"{name}-popularity": (name, {**config, "sampler": "popularity"})
                for name, (_, config) in [(n, SAMPLED[f"{n}-sampled"]) for n in ("sasrec", "hm4sr")]})
SAMPLED["hm4sr-late-sampled"] = ("hm4sr", {**SAMPLED["hm4sr-sampled"][1], "fusion": "late"})
SAMPLED["hm4sr-stream-sampled"] = ("hm4sr", {**SAMPLED["hm4sr-sampled"][1], "stream_weight": 0.5})


def _model(name, data):
    torch.manual_seed(0)
    model = build_model(name, DataSpec.of(data), SMALL.get(name, {}))
    model.prepare(data)
    return model


def _train_batches(model, data, seed=0):
    rng = np.random.default_rng(seed)
    if model.batch_kind == "sequence":
        return list(sequence_batches(data, model.max_len, 16, rng))
    return list(pair_batches(data, 16, rng))


@pytest.mark.parametrize("name", sorted(MODELS))
def test_scores_are_finite_with_the_right_shape(name, featured_data):
    model = _model(name, featured_data).eval()
    _, batch = next(eval_batches(featured_data, "test", model.max_len, 7))
    scores = model.score_all(batch)
    assert scores.shape == (7, featured_data.n_items)
    assert torch.isfinite(scores).all()


@pytest.mark.parametrize("name", sorted(MODELS))
def test_save_load_round_trip_gives_identical_scores(name, featured_data):
    model = _model(name, featured_data).eval()
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    buffer.seek(0)
    clone = build_model(name, DataSpec.of(featured_data), SMALL.get(name, {})).eval()
    clone.load_state_dict(torch.load(buffer, weights_only=True))
    clone.attach(featured_data)  # what a checkpoint leaves to the dataset
    _, batch = next(eval_batches(featured_data, "test", model.max_len, 16))
    assert torch.equal(model.score_all(batch), clone.score_all(batch))


TRAINABLE = [(n, SMALL.get(n, {})) for n, (cls, _) in sorted(MODELS.items()) if cls.batch_kind != "none"]


@pytest.mark.parametrize(("name", "config"), TRAINABLE + list(SAMPLED.values()),
                         ids=[n for n, _ in TRAINABLE] + list(SAMPLED))
def test_a_few_steps_lower_the_loss(name, config, featured_data):
    torch.manual_seed(0)
    model = build_model(name, DataSpec.of(featured_data), config)
    model.prepare(featured_data)
    model.train()
    optimizer = model.make_optimizer(lr=1e-2, weight_decay=0.0)
    batches = _train_batches(model, featured_data)
    with torch.no_grad():
        before = np.mean([model.loss(b)["loss"].item() for b in batches])
    for _ in range(15):
        for batch in batches:
            optimizer.zero_grad()
            model.loss(batch)["loss"].backward()
            optimizer.step()
    with torch.no_grad():
        after = np.mean([model.loss(b)["loss"].item() for b in batches])
    assert after < 0.7 * before


def test_unknown_config_key_raises(featured_data):
    with pytest.raises(ValueError, match=r"unknown SASRecConfig key\(s\) \['dimension'\]; valid keys are"):
        build_model("sasrec", DataSpec.of(featured_data), {"dimension": 32})
    with pytest.raises(ValueError, match="unknown model 'hm5sr'"):
        build_model("hm5sr", DataSpec.of(featured_data))


def test_popularity_scores_are_training_counts(featured_data):
    model = _model("popularity", featured_data)
    _, items = featured_data.train_pairs()
    expected = np.bincount(items, minlength=featured_data.n_items)
    _, batch = next(eval_batches(featured_data, "test", 50, 2))
    assert model.score_all(batch)[1].tolist() == expected.tolist()


# Model variants whose declared capabilities differ: every layer on, the time layers off, no gates.
CAPABILITY_CASES = [(name, SMALL.get(name, {})) for name in sorted(MODELS)] + [
    ("hm4sr", {**SMALL["hm4sr"], "use_tmoe": False, "use_query_time": False}),
    ("hm4sr", {**SMALL["hm4sr"], "use_imoe": False}),
    ("hm4sr", {**SMALL["hm4sr"], "modalities": ("id", "text")}),
    ("hm4sr", {**SMALL["hm4sr"], "fusion": "late"}),
]


def _prepared_for_scoring(name, config, data):
    """A freshly built, prepared model in eval mode (seed 0) and six test histories of ``data``."""
    torch.manual_seed(0)
    model = build_model(name, DataSpec.of(data), config)
    model.prepare(data)
    model.eval()
    return model, next(eval_batches(data, "test", model.max_len, 6))[1]


@pytest.mark.parametrize(("name", "config"), CAPABILITY_CASES)
@torch.no_grad()
def test_declared_capabilities_are_what_the_model_does(name, config, featured_data):
    model, batch = _prepared_for_scoring(name, config, featured_data)
    caps = model.capabilities
    n = featured_data.n_items
    split = model.score_parts(batch)
    assert tuple(split) == caps.parts  # the declared parts, in order, with no discovery pass
    torch.testing.assert_close(sum(split.values()), model.score_all(batch), rtol=1e-4, atol=1e-4)
    if caps.removable:
        assert model.score_without_each(batch, list(caps.parts)).shape == (len(caps.parts), 6, n)
    else:
        with pytest.raises(ValueError, match="no separable score parts"):
            model.score_without(batch, caps.parts[0])
    trace = model.explain(batch)
    assert (trace is not None) == caps.traced
    if trace is not None:
        assert trace.modalities == caps.parts
        assert (trace.gates is not None) == caps.gates and (trace.routes is not None) == caps.time_routes
        assert (trace.query_routes is not None) == caps.query_time
        torch.testing.assert_close(trace.scores, model.score_all(batch), rtol=1e-4, atol=1e-4)
    if not caps.time_aware:  # a model that declares no time dependence scores the same whatever the dates
        moved = type(batch)(users=batch.users, items=batch.items, times=batch.times * 3 + 86_400 * 40,
                            query_times=batch.query_times * 3 + 86_400 * 90)
        torch.testing.assert_close(model.score_all(moved), model.score_all(batch))


@pytest.mark.parametrize(("name", "config"), [*CAPABILITY_CASES, ("stair", {**SMALL["stair"], "use_mi": False})])
@torch.no_grad()
def test_new_products_are_scored_from_content_or_refused(name, config, featured_data):
    model, batch = _prepared_for_scoring(name, config, featured_data)
    caps = model.capabilities
    rng = np.random.default_rng(3)
    content = {m: torch.as_tensor(rng.normal(size=(4, x.shape[1])), dtype=torch.float32)
               for m, x in featured_data.features.items()}
    if not caps.new_items:
        with pytest.raises(ValueError, match="cannot score unseen products"):
            model.score_new(batch, content)
        return
    parts = model.score_new(batch, content)
    assert tuple(parts) == caps.parts
    for value in parts.values():
        assert value.shape == (6, 4) and torch.isfinite(value).all()
    total = sum(parts.values())  # (6, 4): the new products' scores
    assert total.abs().sum() > 0 and not torch.allclose(total[:, 0], total[:, 1])  # content tells them apart
    # A product lacking one modality (left out, or an all-zero row) is scored the same either way.
    dropped = {m: v for m, v in content.items() if m != "image"}
    zeroed = {**content, "image": torch.zeros_like(content["image"])}
    for a, b in zip(model.score_new(batch, dropped).values(), model.score_new(batch, zeroed).values()):
        torch.testing.assert_close(a, b)


@pytest.mark.parametrize("name", ["hm4sr", "stair"])
@torch.no_grad()
def test_a_checkpoint_from_before_new_products_loads_and_asks_to_retrain(name, featured_data):
    model = _model(name, featured_data).eval()
    state = {k: v for k, v in model.state_dict().items() if "shift" not in k and "scale" not in k
             and "check" not in k and "white_" not in k}
    assert len(state) < len(model.state_dict())  # the new buffers are really left out
    # such checkpoints still held the feature matrices that checkpoints now leave to the dataset
    state.update({k: v for k, v in model.named_buffers() if k.startswith(("feat_", "item_categories"))
                  and k not in model.state_dict()})
    clone = build_model(name, DataSpec.of(featured_data), SMALL.get(name, {})).eval()
    clone.load_state_dict(state)  # strict: a checkpoint lacking them still loads
    _, batch = next(eval_batches(featured_data, "test", model.max_len, 5))
    assert torch.equal(model.score_all(batch), clone.score_all(batch))
    content = {m: torch.ones(2, x.shape[1]) for m, x in featured_data.features.items()}
    with pytest.raises(ValueError, match=r"trained before scoring unseen products was supported.*retrain"):
        clone.score_new(batch, content)
