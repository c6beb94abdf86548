"""The training loop: artefacts, early stopping, learning, and resuming after an interruption."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

from core.training import RunDir, TrainConfig, open_run, train_run
from core.training.storage import load_checkpoint

TINY = {"dim": 16, "ffn_dim": 32, "max_len": 10, "dropout": 0.0}
FAST = TrainConfig(epochs=4, batch_size=16, lr=1e-2, patience=10, device="cpu")


@pytest.fixture(scope="module")
def sasrec_run(cyclic_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "sasrec"
    metrics = train_run(cyclic_data, "sasrec", out, TINY, FAST)
    return out, metrics


def test_run_directory_has_every_artefact(sasrec_run, cyclic_data):
    out, metrics = sasrec_run
    run = RunDir(out)
    info = run.info()
    assert info["status"] == "complete" and info["model"] == "sasrec"
    assert info["model_config"]["dim"] == 16 and info["data"]["k_core"] == 2
    assert [h["epoch"] for h in run.history()] == [1, 2, 3, 4]
    assert run.snapshot_epochs() == [0, 1, 2, 3, 4]
    assert run.snapshot(4).shape == (cyclic_data.n_items, 16)
    per_user = pd.read_csv(run.per_user_path)
    assert len(per_user) == cyclic_data.n_users
    assert per_user["ndcg@10"].mean() == pytest.approx(metrics["test"]["ndcg@10"])
    assert json.loads(run.metrics_path.read_text())["best_epoch"] == metrics["best_epoch"]
    state = load_checkpoint(run.last_path)  # weights_only=True inside
    assert state["epoch"] == 4 and "optimizer" in state


def test_sequential_model_learns_what_popularity_cannot(sasrec_run, cyclic_data, tmp_path):
    _, sasrec = sasrec_run
    pop = train_run(cyclic_data, "popularity", tmp_path / "pop", None, FAST)
    assert pop["epochs_run"] == 0
    # the successor rule is deterministic: SASRec should nearly always hit, popularity rarely
    assert sasrec["test"]["hr@5"] > 0.8
    assert sasrec["test"]["ndcg@10"] > 2 * pop["test"]["ndcg@10"]


def test_interrupted_run_resumes_to_the_same_result(cyclic_data, sasrec_run, tmp_path):
    out = tmp_path / "resumed"

    def crash_after_epoch_2(event):
        if event.kind == "epoch" and event.epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train_run(cyclic_data, "sasrec", out, TINY, FAST, progress=crash_after_epoch_2)
    assert RunDir(out).info()["status"] == "training"
    seen = []
    metrics = train_run(cyclic_data, "sasrec", out, TINY, FAST,
                        progress=lambda e: seen.append(e.epoch) if e.kind == "epoch" else None)
    assert seen == [3, 4]  # resumed, did not start over
    assert metrics["test"] == pytest.approx(sasrec_run[1]["test"])
    reference = load_checkpoint(RunDir(sasrec_run[0]).best_path)["model"]
    resumed = load_checkpoint(RunDir(out).best_path)["model"]
    assert all(torch.allclose(reference[k], resumed[k]) for k in reference)


def test_early_stopping_stops_after_patience(cyclic_data, tmp_path):
    cfg = TrainConfig(epochs=30, batch_size=16, lr=0.0, patience=2, device="cpu")  # lr 0: never improves
    metrics = train_run(cyclic_data, "sasrec", tmp_path / "stop", TINY, cfg)
    assert metrics["best_epoch"] == 1 and metrics["epochs_run"] == 3


def test_reopened_run_scores_like_the_trained_one(sasrec_run, cyclic_data):
    trained = open_run(sasrec_run[0], data=cyclic_data)
    from core.evaluation import evaluate
    result = evaluate(trained.model, cyclic_data, "test", max_len=10)
    assert result.summary == pytest.approx(sasrec_run[1]["test"])


def test_a_different_run_in_the_same_directory_is_refused(sasrec_run, cyclic_data):
    with pytest.raises(ValueError, match="already holds a different run"):
        train_run(cyclic_data, "sasrec", sasrec_run[0], {**TINY, "dim": 8}, FAST)


def test_a_run_whose_config_holds_tuples_is_recognised_as_the_same_run(featured_data, tmp_path):
    """run.json stores HM4SR's tuple fields (modalities) as lists; re-running must resume, not refuse."""
    config = {**TINY, "n_layers": 1, "cp_weight": 0.0, "idcl_weight": 0.0, "pcl_weight": 0.0}
    once = TrainConfig(epochs=1, batch_size=64, lr=1e-2, device="cpu")
    first = train_run(featured_data, "hm4sr", tmp_path / "hm4sr", config, once)
    again = train_run(featured_data, "hm4sr", tmp_path / "hm4sr", config, once)  # nothing left to train
    assert again["test"] == first["test"] and again["epochs_run"] == 1


@pytest.mark.parametrize("model, config, expected_steps", [
    ("sasrec", TINY, None),  # batches of batch_size
    ("lightgcn", {"dim": 8}, 128),  # graph models: the model's fixed number of steps
])
def test_steps_per_epoch_follow_the_config_or_the_model(cyclic_data, tmp_path, model, config, expected_steps):
    seen = []
    cfg = TrainConfig(epochs=1, batch_size=16, lr=1e-3, device="cpu")
    train_run(cyclic_data, model, tmp_path / model, config, cfg, seen.append)
    steps = {event.steps for event in seen if event.kind == "step"}
    if expected_steps is None:
        assert len(steps) == 1 and steps.pop() > 1
    else:  # every training pair used once, in batches of ceil(n / 128): at most 128 of them
        n = int(cyclic_data.train_mask().sum())
        assert n > expected_steps and steps == {-(-n // -(-n // expected_steps))}


def test_a_fixed_number_of_steps_covers_every_example_once(cyclic_data, tmp_path):
    seen = []
    cfg = TrainConfig(epochs=1, steps_per_epoch=3, lr=1e-3, device="cpu")
    train_run(cyclic_data, "lightgcn", tmp_path / "g", {"dim": 8}, cfg, seen.append)
    steps = [event for event in seen if event.kind == "step"]
    assert [event.step for event in steps] == [1, 2, 3] and steps[0].steps == 3


def test_steps_per_epoch_must_be_positive():
    with pytest.raises(ValueError, match="steps_per_epoch must be at least 1"):
        TrainConfig(steps_per_epoch=0)
