"""HM4SR-specific behaviour: exact additivity, ablations, partial modalities, the SASRec reduction."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.data.batches import eval_batches, sequence_batches
from core.models import DataSpec, HM4SRConfig, build_model, stored_config
from core.models.moe import TimeEncoder, interval_buckets

SMALL = {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0}


def _trained_a_little(data, config, steps=3):
    torch.manual_seed(0)
    model = build_model("hm4sr", DataSpec.of(data), {**SMALL, **config})
    model.prepare(data)
    optimizer = model.make_optimizer(1e-2, 0.0)
    for batch in list(sequence_batches(data, 10, 32, np.random.default_rng(0)))[:steps]:
        optimizer.zero_grad()
        model.loss(batch)["loss"].backward()
        optimizer.step()
    return model.eval()


def test_modality_parts_sum_to_the_score(featured_data):
    model = _trained_a_little(featured_data, {})
    _, batch = next(eval_batches(featured_data, "test", 10, 16))
    trace = model.explain(batch)
    assert trace.modalities == ("id", "text", "image")
    assert trace.parts.shape == (16, 3, featured_data.n_items)
    assert (trace.parts.sum(1) - model.score_all(batch)).abs().max() < 1e-4
    t = batch.items.shape[1]
    assert trace.gates.shape == (16, t, 3, 4)
    valid = trace.valid
    assert torch.allclose(trace.gates[valid].sum(-1), torch.ones(int(valid.sum()), 3))
    assert (trace.gates[~valid] == 0).all() and (trace.routes[~valid] == 0).all()
    assert trace.routes.shape == (16, t, 4) and trace.query_routes.shape == (16, 4)
    assert trace.modality_weights.shape == (3,)
    # the text and image parts are not constant: content actually moves scores
    assert trace.parts[:, 1].std() > 0 and trace.parts[:, 2].std() > 0


def test_intervals_are_gaps_between_real_purchases_and_zero_elsewhere(featured_data):
    model = _trained_a_little(featured_data, {}, steps=0)
    _, batch = next(eval_batches(featured_data, "test", 10, 4))
    trace = model.explain(batch)
    times, valid = batch.times, trace.valid
    for row in range(4):
        real = times[row][valid[row]]
        got = trace.intervals[row][valid[row]]
        assert got[0] == 0 and torch.equal(got[1:], real[1:] - real[:-1])
        assert (trace.intervals[row][~valid[row]] == 0).all()
    assert trace.query_gap.tolist() == (batch.query_times - batch.times[:, -1]).tolist()


def test_interval_buckets_follow_the_log_formula_and_never_go_negative():
    gaps = torch.tensor([0, 1, 3, 86_400, -50])
    assert interval_buckets(gaps, 100.0, 10_000).tolist() == [0, 100, 200, int(np.floor(100 * np.log2(86_401))), 0]
    assert interval_buckets(torch.tensor([10**9]), 100.0, 50).tolist() == [49]


def test_temporal_experts_are_trained_and_saved(featured_data):
    model = _trained_a_little(featured_data, {})
    state = model.state_dict()
    assert "tmoe.experts" in state and "query_moe.experts" in state
    assert not torch.allclose(state["tmoe.experts"], torch.ones_like(state["tmoe.experts"]))


@pytest.mark.parametrize("switch", [{"use_imoe": False}, {"use_tmoe": False}, {"use_query_time": False},
                                    {"cp_weight": 0.0}, {"idcl_weight": 0.0},
                                    {"pcl_weight": 0.1},  # PCL is off by default: switched on here
                                    {"modalities": ["id", "text"]}, {"modalities": ["text", "image"]}])
def test_every_ablation_trains_and_scores(featured_data, switch):
    model = _trained_a_little(featured_data, switch)
    _, batch = next(eval_batches(featured_data, "test", 10, 8))
    trace = model.explain(batch)
    assert torch.isfinite(trace.parts).all()
    assert (trace.scores - model.score_all(batch)).abs().max() < 1e-4
    assert (trace.gates is None) == (switch.get("use_imoe") is False)
    assert (trace.routes is None) == (switch.get("use_tmoe") is False)


def test_text_only_data_trains_with_the_modalities_it_has(cyclic_data, featured_data, tmp_path):
    from core.data import load_dataset
    from core.features.store import save_features
    from tests.conftest import cyclic_interactions, write_dataset

    root = write_dataset(tmp_path / "textonly", cyclic_interactions())
    save_features(root, featured_data.item_ids, {"text": featured_data.features["text"]})
    data = load_dataset(root, k=2)
    model = _trained_a_little(data, {})
    assert model.modalities == ("id", "text")
    _, batch = next(eval_batches(data, "test", 10, 8))
    assert model.explain(batch).parts.shape == (8, 2, data.n_items)
    with pytest.raises(ValueError, match="none of the modalities"):
        build_model("hm4sr", DataSpec.of(cyclic_data), {"modalities": ["image"]})


def test_id_only_without_moe_or_aux_tasks_is_sasrec(featured_data):
    torch.manual_seed(0)
    spec = DataSpec.of(featured_data)
    sasrec = build_model("sasrec", spec, SMALL).eval()
    hm4sr = build_model("hm4sr", spec, {**SMALL, "modalities": ["id"], "use_imoe": False, "use_tmoe": False,
                                        "use_query_time": False, "cp_weight": 0.0, "idcl_weight": 0.0,
                                        "pcl_weight": 0.0}).eval()
    renamed = {k.replace("norm.", "norms.0.").replace("encoder.encoder", "encoders.0.encoder"): v
               for k, v in sasrec.state_dict().items()}
    hm4sr.load_state_dict(renamed)  # strict: the parameter sets are identical
    _, batch = next(eval_batches(featured_data, "test", 10, 16))
    assert torch.allclose(hm4sr.score_all(batch), sasrec.score_all(batch), atol=1e-5)


def test_shifting_now_changes_scores_only_through_the_query_time(featured_data):
    model = _trained_a_little(featured_data, {}, steps=10)
    _, batch = next(eval_batches(featured_data, "test", 10, 8))
    later = type(batch)(**{**batch.__dict__, "query_times": batch.query_times + 180 * 86_400})
    assert not torch.allclose(model.score_all(batch), model.score_all(later))
    paper = _trained_a_little(featured_data, {"use_query_time": False}, steps=2)
    assert torch.allclose(paper.score_all(batch), paper.score_all(later))


@pytest.mark.parametrize("name", ["hm4sr", "sasrec"])
def test_extra_left_padding_does_not_change_scores(featured_data, name):
    """Batches are trimmed to their longest history; positions count from the right, so it is exact."""
    torch.manual_seed(0)
    model = build_model(name, DataSpec.of(featured_data), {**SMALL, "max_len": 12}).eval()
    model.prepare(featured_data)
    _, batch = next(eval_batches(featured_data, "test", 12, 8))
    extra = 12 - batch.items.shape[1]
    assert extra > 0
    padded = type(batch)(users=batch.users, query_times=batch.query_times,
                         items=torch.nn.functional.pad(batch.items, (extra, 0), value=featured_data.pad),
                         times=torch.nn.functional.pad(batch.times, (extra, 0)))
    assert torch.allclose(model.score_all(batch), model.score_all(padded), atol=1e-5)


def test_feature_normalisation_centres_and_scales_but_keeps_geometry_and_missing_rows():
    from core.models.hm4sr import normalize_features

    features = torch.tensor([[1.0, 0.0], [3.0, 0.0], [2.0, 2.0], [0.0, 0.0]])
    missing = torch.tensor([False, False, False, True])
    out = normalize_features(features, missing)
    # mean of the present rows is (2, 2/3); centred rows (-1, -2/3), (1, -2/3), (0, 4/3) have mean norm
    # (2·sqrt(13)/3 + 4/3) / 3; the missing row stays 0
    scale = (2 * 13 ** 0.5 / 3 + 4 / 3) / 3
    expected = torch.tensor([[-1.0, -2 / 3], [1.0, -2 / 3], [0.0, 4 / 3], [0.0, 0.0]])
    expected[:3] /= scale
    assert torch.allclose(out, expected, atol=1e-6)
    # any shift and positive scale of the encoder's output gives the same normalised features
    assert torch.allclose(normalize_features(7.0 * features + 3.0, missing), out, atol=1e-5)


def test_normalised_features_are_what_the_model_projects(featured_data):
    raw = build_model("hm4sr", DataSpec.of(featured_data), {**SMALL, "normalize_features": False})
    normed = build_model("hm4sr", DataSpec.of(featured_data), SMALL)
    raw.prepare(featured_data)
    normed.prepare(featured_data)
    image = torch.as_tensor(featured_data.features["image"])
    assert torch.equal(raw.feat_image[:-1], image)
    assert normed.feat_image[:-1].norm(dim=1).mean() == pytest.approx(1.0, abs=1e-4)
    assert normed.feat_image[:-1].mean(0).abs().max() < 1e-5


def test_calendar_time_repeats_every_year_and_the_paper_encoding_does_not():
    torch.manual_seed(0)
    day = 86_400.0
    times = torch.tensor([10 * day, 100 * day, 200 * day])
    year = 365.25 * day
    calendar, paper = TimeEncoder(8, 100.0, 50, "calendar"), TimeEncoder(8, 100.0, 50, "paper")
    zero = torch.zeros(3)
    same = calendar(zero, times)[0], calendar(zero, times + 2 * year)[0]
    assert torch.allclose(*same, atol=1e-5)
    assert not torch.allclose(calendar(zero, times)[0], calendar(zero, times + 0.5 * year)[0], atol=1e-3)
    assert not torch.allclose(paper(zero, times)[0], paper(zero, times + 2 * year)[0], atol=1e-3)
    with pytest.raises(ValueError, match="absolute time encoding must be one of"):
        TimeEncoder(8, 100.0, 50, "weekly")


def test_a_stored_config_without_a_newer_field_keeps_the_old_behaviour():
    assert HM4SRConfig().absolute_time == "calendar"
    assert stored_config(HM4SRConfig, {"dim": 16}).absolute_time == "paper"  # stored before the field existed
    assert stored_config(HM4SRConfig, {"absolute_time": "calendar"}).absolute_time == "calendar"
    assert not stored_config(HM4SRConfig, {"dim": 16}).repeat_offset  # no "bought before" offset then


def test_a_stored_config_with_a_removed_field_opens_only_at_the_value_every_model_now_has():
    assert set(HM4SRConfig.REMOVED) == {"id_dropout", "content_weight_decay"}
    kept = stored_config(HM4SRConfig, {"dim": 16, "id_dropout": 0.0, "content_weight_decay": 0.0})
    assert kept == HM4SRConfig(dim=16, **HM4SRConfig.LEGACY)
    with pytest.raises(ValueError, match=r"id_dropout=0.3, an experiment that lost on validation and was removed"):
        stored_config(HM4SRConfig, {"id_dropout": 0.3})
    with pytest.raises(ValueError, match="content_weight_decay=1.0, .* opens only runs trained with "
                                         r"content_weight_decay=0.0: retrain it"):
        stored_config(HM4SRConfig, {"content_weight_decay": 1.0})
    with pytest.raises(ValueError, match=r"unknown HM4SRConfig key\(s\) \['id_dropout'\]"):
        build_model("hm4sr", DataSpec(n_users=3, n_items=5), {"id_dropout": 0.1})  # a new run cannot set it


def test_a_run_trained_before_the_removal_still_opens_and_one_that_used_it_says_why_not(featured_dir, tmp_path):
    import json

    from core.data import load_dataset
    from core.training import TrainConfig, open_run, train_run
    from core.training.errors import RunError

    data = load_dataset(featured_dir, k=2)
    run = tmp_path / "hm4sr"
    train_run(data, "hm4sr", run, {**SMALL, "n_layers": 1}, TrainConfig(epochs=1, device="cpu"))
    info = json.loads((run / "run.json").read_text())
    scores = open_run(run, data).model.score_all(next(eval_batches(data, "test", 10, 4))[1])
    for value in (0.0, 0.3):  # what a run trained before the removal stored
        info["model_config"].update(id_dropout=value, content_weight_decay=0.0)
        (run / "run.json").write_text(json.dumps(info))
        if value == 0.0:
            reopened = open_run(run, data).model
            torch.testing.assert_close(reopened.score_all(next(eval_batches(data, "test", 10, 4))[1]), scores)
        else:
            with pytest.raises(RunError, match=r"id_dropout=0.3, an experiment .* Fix: .*python -m core train"):
                open_run(run, data)


def test_scores_from_the_last_position_only_equal_those_of_the_full_encoding(featured_data):
    model = _trained_a_little(featured_data, {})
    _, batch = next(eval_batches(featured_data, "test", 10, 16))
    n = featured_data.n_items
    with torch.no_grad():
        tables = model.item_tables()  # (M, N+1, D)
        full, _ = model._encode(batch, tables, model._next_times(batch))  # (B, T, M, D), every position
        expected = full[:, -1].flatten(1) @ tables[:, :n].permute(1, 0, 2).reshape(n, -1).T  # (B, N)
        expected = expected + model.repeat.scores(batch.items, n)  # the "bought before" offset
        assert torch.allclose(model.score_all(batch), expected, atol=1e-4)


@torch.no_grad()
def test_auxiliary_losses_act_on_every_trained_position(featured_data):
    """IDCL is the InfoNCE of the ID state at every position the cross-entropy trains, not the last only."""
    from core.models.hm4sr import info_nce

    torch.manual_seed(0)
    model = build_model("hm4sr", DataSpec.of(featured_data), {"dim": 16, "ffn_dim": 32, "max_len": 8, "dropout": 0.0,
                                                               "pcl_weight": 0.0, "cp_weight": 0.0})
    model.prepare(featured_data)
    batch = next(sequence_batches(featured_data, 8, 16, np.random.default_rng(0)))
    n = featured_data.n_items
    keep = batch.targets != n  # (B, T)
    assert keep.sum() > len(batch)  # more trained positions than rows: the test tells the two apart
    h, _ = model._encode(batch, model.item_tables(), model._next_times(batch))  # (B, T, M, D)
    targets = batch.targets[keep]
    expected = info_nce(h[keep][:, 0], model.item_emb(targets), model.config.idcl_temperature,
                        targets[:, None] == targets[None, :])
    assert model.loss(batch)["idcl"] == pytest.approx(float(expected), rel=1e-5)


@torch.no_grad()
def test_pcl_placeholders_go_in_after_both_moes(featured_data):
    """Placeholders replace the MoEs' output (reference order), so the gates never see them."""
    torch.manual_seed(0)
    model = build_model("hm4sr", DataSpec.of(featured_data), {"dim": 16, "ffn_dim": 32, "max_len": 8,
                                                               "dropout": 0.0, "pcl_weight": 0.1})
    model.prepare(featured_data)
    model.eval()
    _, batch = next(eval_batches(featured_data, "test", 8, 6))
    tables, next_times = model.item_tables(), model._next_times(batch)
    valid = batch.items != featured_data.n_items
    everywhere = valid.clone()
    h, plain = model._encode(batch, tables, next_times)
    h_aug, augmented = model._encode(batch, tables, next_times, placeholder_at=everywhere)
    torch.testing.assert_close(augmented["gates"], plain["gates"])
    torch.testing.assert_close(augmented["routes"], plain["routes"])
    content = [i for i, m in enumerate(model.modalities) if m != "id"]
    assert not torch.allclose(h_aug[:, -1, content], h[:, -1, content])
    torch.testing.assert_close(h_aug[:, -1, 0], h[:, -1, 0])  # the ID stream keeps its input


@torch.no_grad()
def test_score_new_on_a_trained_products_own_features_gives_its_content_parts(featured_data):
    torch.manual_seed(0)
    model = build_model("hm4sr", DataSpec.of(featured_data), {"dim": 16, "ffn_dim": 32, "max_len": 10})
    model.prepare(featured_data)
    optimizer = model.make_optimizer(lr=1e-2, weight_decay=0.0)
    with torch.enable_grad():
        for batch in sequence_batches(featured_data, 10, 16, np.random.default_rng(0)):  # a few real steps
            optimizer.zero_grad()
            model.loss(batch)["loss"].backward()
            optimizer.step()
    model.eval()
    _, batch = next(eval_batches(featured_data, "test", 10, 8))
    items = np.array([0, 5, 17])
    known = model.score_parts(batch)
    new = model.score_new(batch, {m: torch.as_tensor(x[items]) for m, x in featured_data.features.items()})
    for part in ("text", "image"):
        torch.testing.assert_close(new[part], known[part][:, items], atol=1e-5, rtol=0)
    assert torch.equal(new["id"], torch.zeros(8, 3))  # a new product has no learned ID vector
    assert known["id"][:, items].abs().sum() > 0
