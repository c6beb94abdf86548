"""Caches follow the files: a dataset or run changed on disk while the dashboard runs is reloaded,
and a run that does not fit its dataset says why in plain words and what to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from core.training import RunDir
from core.training.runs import spec_mismatch
from core.training.storage import read_json, write_json
from tests.app.helpers import choose_run, messages, open_page, table_with
from tests.app.shop import copy_runs

USER = "U005"


@pytest.fixture()
def moved_shop(shop_app, shop_dir, shop_runs, tmp_path, monkeypatch):
    """A copy of the shop and of its runs (run.json pointing at the copy), served to the app."""
    data = tmp_path / "tiny_shop"
    shutil.copytree(shop_dir, data)
    runs = copy_runs(shop_runs, tmp_path / "runs", data)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(data))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(runs))
    return data, runs


def test_features_recomputed_while_the_dashboard_runs_are_picked_up(moved_shop):
    data, runs = moved_shop
    features = data / "features"
    shutil.move(features, data.parent / "features_aside")
    at = open_page("pages/explorer.py")
    choose_run(at, "hm4sr")
    text = messages(at)
    assert not at.exception
    assert ("field 'data.spec': the trained model hm4sr does not fit the dataset tiny_shop: it was trained with "
            "image features (6-d) and text features (8-d), and the dataset now has no features.") in text
    assert f"compute the features again (`python -m core features {data}`)" in text
    assert f"delete {runs / 'tiny_shop' / 'hm4sr'} and run `python -m core train --data {data} --model hm4sr" in text

    shutil.move(data.parent / "features_aside", features)  # features are back on disk: the next rerun sees them
    at.run()
    assert not at.exception and not at.error
    assert len(table_with(at, "share_text", "share_image")) == 10


def test_a_retrained_run_is_reopened(moved_shop):
    _, runs = moved_shop
    at = open_page("pages/overview.py")
    before = table_with(at, "run", "best epoch")
    assert before["best epoch"].tolist() == [1, 0]
    run = RunDir(runs / "tiny_shop" / "hm4sr")
    metrics = read_json(run.metrics_path)
    write_json(run.metrics_path, {**metrics, "best_epoch": 7})  # as a retraining would rewrite it
    at.run()
    assert table_with(at, "run", "best epoch")["best epoch"].tolist() == [7, 0]


def test_a_run_that_does_not_fit_says_why_in_plain_words():
    stored = {"n_users": 40, "n_items": 30, "feature_dims": {"text": 8}, "n_categories": 3}
    now = {"n_users": 38, "n_items": 30, "feature_dims": {"text": 8}, "n_categories": 3}
    info = {"model": "sasrec", "data": {"k_core": 5}}
    problem, fix = spec_mismatch(stored, now, "data/shop", Path("runs/shop/sasrec"), info)
    assert problem == ("the trained model sasrec does not fit the dataset shop: it was trained on 40 customers, and "
                       "the dataset now has 38 (the files changed, or another k-core filter is chosen).")
    assert fix == ("pick the k-core filter of 5 the run was trained with; or retrain the model on the data as it is "
                   "now: delete runs/shop/sasrec and run `python -m core train --data data/shop --model sasrec --out "
                   "runs/shop/sasrec`.")
    assert spec_mismatch(stored, dict(stored), "data/shop", Path("runs/shop/sasrec"), info) is None
