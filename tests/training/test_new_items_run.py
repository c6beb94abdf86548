"""`python -m core train --split new-items` end to end on the tiny featured shop, and reopening it."""

from __future__ import annotations

import json

import pytest

from core.cli import main
from core.data import load_dataset
from core.data.new_items import NewItemsConfig, hold_out_new_items
from core.training import open_run

TINY_HM4SR = ["--set", "dim=16", "--set", "ffn_dim=32", "--set", "max_len=10"]


@pytest.fixture(scope="module")
def runs(featured_dir, tmp_path_factory):
    root = tmp_path_factory.mktemp("new_items_runs")
    for model, extra in (("hm4sr", TINY_HM4SR), ("popularity", [])):
        assert main(["train", "--data", str(featured_dir), "--model", model, "--out", str(root / model),
                     "--k-core", "2", "--device", "cpu", "--epochs", "2", "--split", "new-items",
                     "--new-fraction", "0.2", "--seed", "1", *extra]) == 0
    return root


def test_a_new_items_run_reports_new_products_and_reopens_with_its_own_index(runs, featured_dir, capsys):
    data = load_dataset(featured_dir, k=2)
    split = hold_out_new_items(data, NewItemsConfig(fraction=0.2, seed=1))
    info = json.loads((runs / "hm4sr" / "run.json").read_text())
    assert info["split"] == {"kind": "new-items", "fraction": 0.2, "seed": 1, "quantile": 0.8}
    assert info["data"]["spec"]["n_items"] == data.n_items - len(split.item_ids) == 24
    section = json.loads((runs / "hm4sr" / "metrics.json").read_text())["new_items"]
    for half in ("valid", "test"):
        assert section[half]["targets"] == len(split.rows(half))
        assert 0 < section[half]["metrics"]["recall@20"] <= 1
        assert 0 < section[half]["random_order"]["ndcg@20"] <= 1
    trained = open_run(runs / "hm4sr", data=data)  # the dashboard hands over the full dataset
    assert trained.data.item_ids == split.data.item_ids
    assert not set(trained.data.item_ids) & set(split.item_ids)
    assert trained.new_items is not None and trained.new_items.item_ids == split.item_ids
    assert trained.scorer.top(trained.data.user_indices(["U000"]), k=3).items.shape == (1, 3)
    capsys.readouterr()
    assert main(["evaluate", str(runs / "hm4sr")]) == 0
    assert "new products (held out, never trained on)" in capsys.readouterr().out


def test_id_only_runs_say_they_cannot_score_new_products(runs, capsys):
    section = json.loads((runs / "popularity" / "metrics.json").read_text())["new_items"]
    assert section["test"]["metrics"].startswith("Popularity cannot score unseen products")
    assert section["test"]["random_order"]["recall@20"] > 0
    capsys.readouterr()
    assert main(["evaluate", str(runs / "popularity")]) == 0
    assert "cannot score unseen products" in capsys.readouterr().out


def test_the_run_table_shows_new_products_beside_a_random_order(runs):
    from core.training.run_table import runs_table

    table = runs_table([runs / "hm4sr", runs / "popularity"]).set_index("model")
    section = json.loads((runs / "hm4sr" / "metrics.json").read_text())["new_items"]["test"]
    value, random = section["metrics"]["ndcg@20"], section["random_order"]["ndcg@20"]
    expected = f"NDCG@20 {value:.4f}, {value / random:.2f}x a random order's {random:.4f}"
    assert table.loc["hm4sr", "new products"] == expected
    assert table.loc["popularity", "new products"].startswith("cannot score unseen products (random order")
