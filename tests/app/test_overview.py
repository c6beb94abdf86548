"""The overview page on a tiny dataset, with and without a trained run (streamlit AppTest)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.explain.screen_sentences import categories_sentence, metrics_sentence, monthly_sentence
from core.training import TrainConfig, train_run
from tests.app.headers import headers, jargon_on_screen
from tests.app.helpers import shown, vega_charts

APP = str(Path(__file__).resolve().parents[2] / "app.py")


@pytest.fixture()
def app_env(monkeypatch, cyclic_dir, tmp_path):
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(cyclic_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(tmp_path / "runs"))
    return tmp_path / "runs"


def _metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_overview_shows_the_catalogue_and_offers_training(app_env):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert _metric(at, "Customers") == "40"
    assert _metric(at, "Products") == "30"
    assert _metric(at, "Purchases") == "360"
    assert re.fullmatch(r"[A-Z][a-z]{2} \d\d–[A-Z][a-z]{2} \d\d", _metric(at, "Time span"))  # fits its column
    assert any("No model has been trained" in i.value for i in at.info)
    assert at.button(key="overview_train").label == "Train the starter models now"


def test_overview_lists_trained_runs_with_their_metrics(app_env, cyclic_data):
    from core.data import load_dataset
    data = load_dataset(cyclic_data.root, k=5)  # the app prepares with the default 5-core
    metrics = train_run(data, "popularity", app_env / data.name / "popularity", None,
                        TrainConfig(device="cpu"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["run"].tolist() == ["popularity"]
    assert table["ndcg@10"].iloc[0] == pytest.approx(metrics["test"]["ndcg@10"])  # exact values underneath
    config = json.loads(at.dataframe[0].proto.columns)  # rounded on screen for reading, one rounding per figure
    assert config["epoch seconds"]["type_config"]["format"] == "%.1f"
    assert config["ndcg@10"]["type_config"]["format"] == "%.3f"
    # a short table that fits the page, business headers with the technical name in the help
    assert headers(at.dataframe[0]) == ["Trained model", "Hit rate in top 10", "Ranking quality in top 10",
                                        "Position of the hit in top 10", "Seconds per epoch"]
    assert "NDCG@10" in config["ndcg@10"]["help"]
    assert not jargon_on_screen(at), jargon_on_screen(at)
    full = at.dataframe[1].value  # every measure, behind an expander; no empty "problem" column
    assert "problem" not in full.columns and "hr@50" in full.columns
    text = [shown(m.value).strip("*") for m in at.markdown]
    assert metrics_sentence("Hit rate in top 10", {"popularity": metrics["test"]["hr@10"]}) in text


def test_unreadable_dataset_shows_a_clear_message(monkeypatch, tmp_path):
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(tmp_path / "missing"))
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert any("dataset directory does not exist" in e.value for e in at.error)


def test_overview_opens_on_the_models_and_runs_only_the_open_tab(shop_app, shop_dir):
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    assert [t.label for t in at.tabs] == ["Trained models", "What sells when", "Best sellers"]
    # the first screen: numbers and the models; no chart library and no pictures to wait for
    assert [shown(s.value) for s in at.subheader] == ["Catalogue: tiny_shop"]
    assert sorted(at.dataframe[1].value["model"]) == ["hm4sr", "popularity"]  # every measure, with the model
    assert not at.get("image") and not vega_charts(at) and not at.get("plotly_chart")

    at.query_params["overview_tab"] = "Best sellers"  # a link to the tab, as the browser's URL holds it
    at.run()
    assert not at.exception
    assert len(at.get("image")) == 24  # 30 products with pictures: the 24 best sellers
    assert not at.dataframe and not vega_charts(at)


def test_overview_sales_tab_has_a_sentence_beside_each_chart_and_downloads(shop_app, shop_dir):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["overview_tab"] = "What sells when"
    at.run()
    assert not at.exception
    # a sentence beside each chart, from the numbers it draws
    text = [shown(m.value).strip("*") for m in at.markdown]
    from core.data import load_dataset
    from core.data.summary import category_mix, monthly_purchases, summarize

    data = load_dataset(shop_dir, k=5)
    mix = category_mix(data).head(15)
    total = summarize(data).interactions
    assert categories_sentence(mix["category"].tolist(), mix["purchases"].tolist(), total) in text
    monthly = monthly_purchases(data)
    assert monthly_sentence([f"{m:%b %Y}" for m in monthly["month"]], monthly["purchases"].tolist()) in text
    keys = {b.key for b in at.get("download_button")}
    assert {"overview_categories_download", "overview_monthly_download"} <= keys
    # drawn with Vega-Lite, not Plotly: the first page does not wait for Plotly's 4.7 MB of JavaScript
    assert set(vega_charts(at)) == {"Purchases by product category", "Purchases per month"}
    assert not at.get("plotly_chart") and not at.get("image")
