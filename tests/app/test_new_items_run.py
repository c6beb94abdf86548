"""A `--split new-items` run in the dashboard: its own item index on the customer pages, its new-products
column on the Overview (streamlit AppTest)."""

from __future__ import annotations

from pathlib import Path

import pytest

from core import explain
from tests.app.helpers import choose_run, open_page, table_with
from tests.app.shop import APP, copy_runs


@pytest.fixture()
def new_items_app(monkeypatch, shop_dir, shop_runs, tmp_path):
    from core.data import load_dataset
    from core.data.new_items import NewItemsConfig
    from core.training import TrainConfig, open_run, train_run

    runs = copy_runs(shop_runs, tmp_path / "runs", shop_dir)
    data = load_dataset(shop_dir, k=5)
    out = runs / "tiny_shop" / "popularity-new-items"
    train_run(data, "popularity", out, None, TrainConfig(epochs=1, device="cpu"),
              new_items=NewItemsConfig(fraction=0.2, seed=1))
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(runs))
    return open_run(out, data=data)


def test_the_explorer_lists_a_new_items_runs_products_by_its_own_index(new_items_app):
    trained = new_items_app
    held_out = set(trained.new_items.item_ids)
    assert len(held_out) == 6
    at = choose_run(open_page("pages/explorer.py", "U005"), "popularity-new-items")
    assert not at.exception
    table = table_with(at, "item_id", "score")
    expected = explain.recommendations(trained, "U005", k=10)
    assert table["item_id"].tolist() == expected["item_id"].tolist()
    assert table["title"].tolist() == [f"Item {i}" for i in expected["item_id"]]  # titles of the same products
    assert not held_out & set(table["item_id"])


def test_the_overview_says_an_id_only_model_cannot_score_new_products(new_items_app):
    at = open_page("pages/overview.py")
    assert not at.exception
    runs = table_with(at, "run", "new products").set_index("run")
    assert runs.loc["popularity-new-items", "new products"].startswith("cannot score unseen products")
    assert runs.loc["hm4sr", "new products"] == ""  # runs by their folder name
