"""The explanation API on tiny trained runs: exactness, consistency between views, generic models."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from core.cli import main
from core.data.batches import history_batch
from core.explain import (
    drop_modality,
    drop_purchase,
    evidence,
    explain_customer,
    gates,
    population_shares,
    recommendations,
    routing_by_interval,
    time_shift,
)
from core.training import TrainConfig, open_run, train_run

SMALL = {"dim": 16, "ffn_dim": 32, "max_len": 6, "dropout": 0.0, "n_layers": 1}


def _train(data, name, root, config):
    train_run(data, name, root, config, TrainConfig(epochs=2, patience=5, seed=0, device="cpu"))
    return open_run(root, data)


@pytest.fixture(scope="module")
def hm4sr(featured_data, tmp_path_factory):
    return _train(featured_data, "hm4sr", tmp_path_factory.mktemp("hm4sr"), SMALL)


@pytest.fixture(scope="module")
def stair(featured_data, tmp_path_factory):
    return _train(featured_data, "stair", tmp_path_factory.mktemp("stair"), {"dim": 8})


@pytest.fixture(scope="module")
def sasrec(featured_data, tmp_path_factory):
    return _train(featured_data, "sasrec", tmp_path_factory.mktemp("sasrec"),
                  {"dim": 16, "max_len": 6, "dropout": 0.0})


USER = "U003"


def customer_batch(trained, user_id):
    """The customer's whole history, built here from the raw arrays (independent of core.scoring)."""
    data = trained.data
    user = data.user_index(user_id)
    return history_batch(data, np.array([user]), np.array([data.offsets[user + 1]]), trained.model.max_len,
                         query_times=np.array([data.user_sequence(user)[1][-1]]))


def plain_top(trained, user_id, k):
    """``(items, scores)`` of the top-``k`` unbought items straight from ``score_all`` (a test oracle)."""
    with torch.no_grad():
        scores = trained.model.score_all(customer_batch(trained, user_id))[0].numpy().astype(np.float64)
    scores[trained.data.user_sequence(trained.data.user_index(user_id))[0]] = -np.inf
    order = np.argsort(-scores, kind="stable")[:k]
    return [trained.data.item_ids[i] for i in order], scores[order]


def test_part_names_come_from_the_model(hm4sr, stair, sasrec):
    assert hm4sr.model.capabilities.parts == ("id", "text", "image")
    assert stair.model.capabilities.parts == ("collaborative", "content")
    assert sasrec.model.capabilities.parts == ("score",)


@pytest.mark.parametrize("run", ["hm4sr", "stair", "sasrec"])
def test_recommendations_match_inference_and_parts_are_exact(run, request):
    trained = request.getfixturevalue(run)
    recs = recommendations(trained, USER, k=5)
    items, scores = plain_top(trained, USER, k=5)
    assert recs["item_id"].tolist() == items
    np.testing.assert_allclose(recs["score"], scores, rtol=1e-5, atol=1e-5)
    parts = [c for c in recs.columns if c.startswith("part_")]
    shares = [c for c in recs.columns if c.startswith("share_")]
    np.testing.assert_allclose(recs[parts].sum(axis=1), recs["score"], rtol=1e-4, atol=1e-4)
    lifts = [c for c in recs.columns if c.startswith("lift_")]
    np.testing.assert_allclose(recs["baseline"] + recs[lifts].sum(axis=1), recs["score"], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(recs[shares].abs().sum(axis=1), 1.0)
    assert (np.sign(recs[shares].to_numpy()) == np.sign(recs[lifts].to_numpy())).all()
    assert recs["rank"].tolist() == [1, 2, 3, 4, 5]
    assert recs["image"].tolist() == [""] * 5  # the tiny dataset has no image files


def test_shares_follow_the_documented_convention(hm4sr):
    data, model = hm4sr.data, hm4sr.model
    recs = recommendations(hm4sr, USER, k=3)
    with torch.no_grad():
        split = model.score_parts(customer_batch(hm4sr, USER))
    top = data.item_index(recs["item_id"].iloc[0])
    lift = np.array([float(split[p][0, top] - split[p][0].mean()) for p in ("id", "text", "image")])
    np.testing.assert_allclose(recs.loc[0, ["lift_id", "lift_text", "lift_image"]].to_numpy(float), lift,
                               rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(recs.loc[0, ["share_id", "share_text", "share_image"]].to_numpy(float),
                               lift / np.abs(lift).sum(), rtol=1e-4, atol=1e-5)
    baseline = sum(float(split[p][0].mean()) for p in ("id", "text", "image"))
    assert recs.loc[0, "baseline"] == pytest.approx(baseline, rel=1e-4, abs=1e-5)


def test_unknown_ids_raise_readable_key_errors(hm4sr):
    with pytest.raises(KeyError, match="user 'nobody' is not in dataset"):
        recommendations(hm4sr, "nobody")
    with pytest.raises(KeyError, match="item 'nothing' is not in dataset"):
        drop_modality(hm4sr, USER, "nothing")


def test_gates_are_distributions_over_the_history(hm4sr):
    view = gates(hm4sr, USER)
    n = len(hm4sr.data.user_sequence(hm4sr.data.user_index(USER))[0])
    t = min(n, SMALL["max_len"])
    assert sorted(view.imoe["position"].unique()) == list(range(n - t, n))
    np.testing.assert_allclose(view.imoe.groupby(["position", "modality"])["gate"].sum(), 1.0, rtol=1e-5)
    assert len(view.imoe) == t * 3 * 4  # positions x modalities x experts
    assert view.modality_weights["modality"].tolist() == ["id", "text", "image"]
    np.testing.assert_allclose(view.routes.groupby("position")["weight"].sum(), 1.0, rtol=1e-5)
    np.testing.assert_allclose(view.query_routes["weight"].sum(), 1.0, rtol=1e-5)
    # intervals are the ones the model reads: 0 at the window's first position, then the gaps
    times = hm4sr.data.user_sequence(hm4sr.data.user_index(USER))[1]
    interval = view.routes.groupby("position")["interval_days"].first()
    assert interval.iloc[0] == 0.0
    np.testing.assert_allclose(interval.iloc[1:], np.diff(times[n - t:]) / 86_400, rtol=1e-6)


def test_models_without_gates_or_time_say_so(stair, sasrec):
    assert gates(stair, USER) is None and gates(sasrec, USER) is None
    assert routing_by_interval(sasrec).empty
    assert time_shift(sasrec, USER).empty
    assert drop_modality(sasrec, USER, "I001").empty


def test_routing_by_interval_is_a_mean_route_per_bin(hm4sr):
    curve = routing_by_interval(hm4sr)
    np.testing.assert_allclose(curve.groupby("interval_days")["weight"].sum(), 1.0, rtol=1e-5)
    assert (curve["positions"] > 0).all()


def test_time_shift_zero_is_the_recommendation_list(hm4sr):
    recs = recommendations(hm4sr, USER, k=5)
    item = recs["item_id"].iloc[2]
    frame = time_shift(hm4sr, USER, months=[-6, 0, 6], k=5, item_id=item)
    assert frame["months"].tolist() == [-6.0, 0.0, 6.0]
    zero = frame[frame["months"] == 0].iloc[0]
    assert zero["top_k"] == recs["item_id"].tolist()
    assert zero["overlap"] == 1.0 and zero["item_rank"] == 3
    assert zero["item_score"] == pytest.approx(recs["score"].iloc[2], rel=1e-5)
    # a shifted "now" is what recommendations(now=...) sees
    now = int(hm4sr.data.user_sequence(hm4sr.data.user_index(USER))[1][-1]) + round(6 * 30.4375 * 86_400)
    six = frame[frame["months"] == 6].iloc[0]
    assert six["top_k"] == recommendations(hm4sr, USER, k=5, now=now)["item_id"].tolist()
    with pytest.raises(ValueError, match="purchase must be a history position the model reads"):
        time_shift(hm4sr, USER, purchase=0)


def test_drop_modality_matches_the_models_counterfactual(hm4sr, stair):
    recs = recommendations(hm4sr, USER, k=3)
    item = recs["item_id"].iloc[0]
    frame = drop_modality(hm4sr, USER, item)
    assert frame["part"].tolist() == ["id", "text", "image"]
    assert (frame["rank"] == 1).all()
    batch = customer_batch(hm4sr, USER)
    j = hm4sr.data.item_index(item)
    with torch.no_grad():
        expected = float(hm4sr.model.score_without(batch, "text")[0, j])
    row = frame.set_index("part").loc["text"]
    assert row["new_score"] == pytest.approx(expected, rel=1e-5)
    assert row["score_change"] == pytest.approx(expected - recs["score"].iloc[0], rel=1e-4, abs=1e-5)
    # STAIR's bands add up, so dropping one leaves exactly the other
    srecs = recommendations(stair, USER, k=1)
    sframe = drop_modality(stair, USER, srecs["item_id"].iloc[0]).set_index("part")
    assert sframe.loc["content", "new_score"] == pytest.approx(srecs["part_collaborative"].iloc[0], rel=1e-4, abs=1e-6)


def test_drop_purchase_rescores_the_shortened_history(hm4sr):
    data = hm4sr.data
    item = recommendations(hm4sr, USER, k=1)["item_id"].iloc[0]
    frame = drop_purchase(hm4sr, USER, item)
    user = data.user_index(USER)
    items, times = data.user_sequence(user)
    assert frame["position"].tolist() == list(range(max(0, len(items) - SMALL["max_len"]), len(items)))
    p = int(frame["position"].iloc[-1])  # drop the last purchase: the history is the one before it
    batch = history_batch(data, np.array([user]), np.array([data.offsets[user] + p]), SMALL["max_len"],
                          query_times=np.array([times[-1]]))
    with torch.no_grad():
        expected = float(hm4sr.model.score_all(batch)[0, data.item_index(item)])
    assert frame["new_score"].iloc[-1] == pytest.approx(expected, rel=1e-5)
    assert frame["removed_item_id"].iloc[-1] == data.item_ids[items[-1]]


def test_evidence_lists_nearest_past_items_per_space(hm4sr):
    data = hm4sr.data
    item = recommendations(hm4sr, USER, k=1)["item_id"].iloc[0]
    frame = evidence(hm4sr, USER, item, per_space=2)
    assert sorted(frame["space"].unique()) == ["image", "learned", "text"]
    past = {data.item_ids[i] for i in data.user_sequence(data.user_index(USER))[0]}
    assert set(frame["item_id"]) <= past
    text = frame[frame["space"] == "text"]
    feats = data.features["text"]
    j = data.item_index(item)
    cos = {i: float(feats[data.item_index(i)] @ feats[j] / np.linalg.norm(feats[data.item_index(i)])
                    / np.linalg.norm(feats[j])) for i in past}
    best = sorted(cos, key=cos.get, reverse=True)[:2]
    assert text["item_id"].tolist() == best
    np.testing.assert_allclose(text["similarity"], [cos[i] for i in best], rtol=1e-5)


def test_population_shares_agree_with_single_customers(hm4sr):
    frame = population_shares(hm4sr, users=["U001", USER], k=4)
    single = recommendations(hm4sr, USER, k=4)
    for p in ("id", "text", "image"):
        assert frame.loc[1, f"share_{p}"] == pytest.approx(single[f"share_{p}"].mean(), rel=1e-5)
    assert (frame.filter(like="share_").abs().sum(axis=1) <= 1.0 + 1e-9).all()  # a mean of signed shares


def test_explain_customer_bundles_and_serialises(hm4sr, stair):
    exp = explain_customer(hm4sr, USER, k=4)
    assert exp.item_id == exp.recommendations["item_id"].iloc[0]
    payload = json.loads(json.dumps(exp.to_dict()))
    assert payload["parts"] == ["id", "text", "image"]
    assert len(payload["recommendations"]) == 4 and len(payload["time_effects"]) == 25
    text = exp.to_text()
    assert f"Customer {USER}:" in text and "every score = id + text + image exactly" in text
    assert f"Why {exp.item_id}" in text and "without text" in text and "Temporal-MoE route" in text
    s = explain_customer(stair, USER, item_id="I005", k=3)
    assert s.item_id == "I005" and s.gates is None and s.time_effects.empty
    assert "this model has no gates" in s.to_text() and "does not read purchase times" in s.to_text()


def test_a_late_fusion_explanation_names_each_modality_weight(featured_data, hm4sr, tmp_path):
    late = _train(featured_data, "hm4sr", tmp_path, {**SMALL, "fusion": "late"})
    learned = late.model.fusion.value.tolist()
    exp = explain_customer(late, USER, k=3)
    assert exp.gates.fusion_weights["weight"].tolist() == pytest.approx(learned)
    payload = json.loads(json.dumps(exp.to_dict()))["gates"]["fusion_weights"]
    assert [r["modality"] for r in payload] == ["id", "text", "image"]
    assert [r["weight"] for r in payload] == pytest.approx(learned)
    weights = ", ".join(f"{m} {w:.3f}" for m, w in zip(("id", "text", "image"), learned, strict=True))
    assert f"Late fusion: each part is its modality's own score times a learned weight: {weights}" in exp.to_text()
    joint = explain_customer(hm4sr, USER, k=3)
    assert joint.gates.fusion_weights is None and "Late fusion" not in joint.to_text()


def test_an_already_bought_item_names_the_bought_before_offset_in_its_score(hm4sr, sasrec, stair):
    history = hm4sr.scorer.history(USER)
    bought = hm4sr.data.item_ids[history.items[-1]]  # the last purchase: always in the window
    never = next(i for i in hm4sr.data.item_ids if hm4sr.data.item_index(i) not in history.items)
    for trained in (hm4sr, sasrec):
        offset = trained.model.repeat_offset()
        assert offset is not None and offset != 0.0  # learned during the two epochs
        exp = explain_customer(trained, USER, item_id=bought, k=3)
        assert exp.bought_before_offset == offset
        assert json.loads(json.dumps(exp.to_dict()))["bought_before_offset"] == pytest.approx(offset)
        assert f'"bought before" offset ({offset:+.3f})' in exp.to_text()
        fresh = explain_customer(trained, USER, item_id=never, k=3)
        assert fresh.bought_before_offset is None and '"bought before"' not in fresh.to_text()
    assert explain_customer(stair, USER, item_id=bought, k=3).bought_before_offset is None  # STAIR has none


def test_cli_explain_text_json_and_errors(hm4sr, capsys):
    root = str(hm4sr.run.root)
    assert main(["explain", root, "--user", USER, "-k", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Customer {USER}:") and "Top 3 recommendations" in out and "Nearest past purchases" in out
    assert main(["explain", root, "--user", USER, "--item", "I007", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["item_id"] == "I007" and payload["user_id"] == USER
    assert {r["part"] for r in payload["drop_modality"]} == {"id", "text", "image"}
    with pytest.raises(SystemExit, match="user 'nobody' is not in dataset"):
        main(["explain", root, "--user", "nobody"])


def test_faithfulness_rows_agree_with_drop_modality(hm4sr, sasrec):
    from core.explain import faithfulness

    frame = faithfulness(hm4sr, users=["U001", USER])
    row = frame.iloc[1]
    recs = recommendations(hm4sr, USER, k=1)
    assert row["item_id"] == recs["item_id"].iloc[0]
    shares = recs[["share_id", "share_text", "share_image"]].iloc[0]
    assert row["top_part"] == shares.idxmax()[len("share_"):]
    assert row["least_part"] == shares.idxmin()[len("share_"):]
    drops = drop_modality(hm4sr, USER, row["item_id"]).set_index("part")["score_change"]
    assert row["top_drop"] == pytest.approx(-drops[row["top_part"]], rel=1e-4, abs=1e-5)
    assert row["least_drop"] == pytest.approx(-drops[row["least_part"]], rel=1e-4, abs=1e-5)
    assert faithfulness(sasrec).empty



def test_time_shift_of_one_purchase_rescores_with_that_timestamp_moved(hm4sr):
    from core.data.batches import padded_batch

    data = hm4sr.data
    user = data.user_index(USER)
    items, times = data.user_sequence(user)
    last = len(items) - 1
    item = recommendations(hm4sr, USER, k=1)["item_id"].iloc[0]
    frame = time_shift(hm4sr, USER, months=[0, 3], purchase=last, k=5, item_id=item)
    assert frame["top_k"].iloc[0] == recommendations(hm4sr, USER, k=5)["item_id"].tolist()
    moved = np.asarray(times, dtype=np.int64).copy()
    moved[last] += round(3 * 30.4375 * 86_400)
    batch = padded_batch(data, np.array([user]), [items], [moved], np.array([times[-1]]), hm4sr.model.max_len)
    with torch.no_grad():
        expected = float(hm4sr.model.score_all(batch)[0, data.item_index(item)])
    assert frame["item_score"].iloc[1] == pytest.approx(expected, rel=1e-5)
