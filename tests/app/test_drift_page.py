"""The embedding-drift page on tiny trained runs (streamlit AppTest, page file run directly)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.explain import drift_statistics, projections
from core.explain.screen_sentences import bsc_sentence, drift_sentence, steps_sentence
from core.explain.words import pct
from core.training import TrainConfig, open_run, train_run
from tests.app.headers import headers, jargon_on_screen
from tests.app.helpers import shown

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "drift.py")
TINY_STAIR = {"dim": 8, "knn_text": 3, "knn_image": 2}


@pytest.fixture(scope="module")
def drift_runs(shop_dir, tmp_path_factory) -> Path:
    """``tiny_shop/popularity`` plus two tiny STAIR runs that differ only in backward smoothing."""
    from core.data import load_dataset

    runs = tmp_path_factory.mktemp("drift_page_runs")
    data = load_dataset(shop_dir, k=5)
    config = TrainConfig(epochs=3, batch_size=64, lr=0.01, device="cpu", eval_batch_size=64)
    train_run(data, "popularity", runs / data.name / "popularity", None, config)
    train_run(data, "stair", runs / data.name / "smooth", TINY_STAIR, config)
    train_run(data, "stair", runs / data.name / "plain", {**TINY_STAIR, "use_bsc": False}, config)
    return runs


@pytest.fixture()
def drift_app(monkeypatch, shop_dir, drift_runs):
    monkeypatch.chdir(Path(PAGE).parents[1])
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(drift_runs))
    return drift_runs


def _titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def _values(encoded) -> list[float]:
    """Plotly 6+ may send arrays as {"dtype", "bdata"} (base64); plain lists otherwise."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"]).tolist()
    return list(encoded)


def _open(run_dir: Path) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.query_params["run"] = f"tiny_shop/{run_dir.name}"
    return at.run()


def test_drift_page_shows_projection_curves_and_the_smoothing_comparison(drift_app, shop_dir):
    at = _open(drift_app / "tiny_shop" / "smooth")
    assert not at.exception, at.exception
    trained = open_run(drift_app / "tiny_shop" / "smooth")
    stats = drift_statistics(trained)
    # the slider offers every snapshot epoch and starts at the last one
    slider = at.select_slider(key="drift_epoch")
    assert list(slider.options) == ["before training", "after epoch 1", "after epoch 2", "after epoch 3"]
    assert slider.value == 3
    # metrics show the real last-epoch values
    metric = next(m for m in at.metric if m.label == "Same direction as at the start")
    assert metric.value == pct(stats["mean_cosine_to_init"].iloc[-1])
    # the drift table is the core's table, shares in %, under business headers
    element = next(d for d in at.dataframe if "mean_cosine_to_init" in d.value.columns
                   and "run" not in d.value.columns)
    table = element.value
    assert table["epoch"].tolist() == [0, 1, 2, 3]
    assert table["knn_overlap_content"].tolist() == (100 * stats["knn_overlap_content"]).round().tolist()
    assert headers(element)[:4] == ["Epoch", "Same direction as at the start (%)",
                                    "Nearest products kept from the start (%)",
                                    "Nearest products shared with the content (%)"]
    assert not jargon_on_screen(at), jargon_on_screen(at)
    # one sentence beside each chart, from the numbers it draws
    text = [shown(m.value).strip("*") for m in at.markdown]
    last = stats.iloc[-1]
    assert drift_sentence("stair", 3, last["mean_cosine_to_init"], last["knn_overlap_init"],
                          last["knn_overlap_content"]) in text
    steps = stats.dropna(subset=["mean_step"])
    assert steps_sentence(steps["epoch"].tolist(), steps["mean_step"].tolist()) in text
    plain = drift_statistics(open_run(drift_app / "tiny_shop" / "plain")).iloc[-1]
    assert bsc_sentence(last["knn_overlap_content"], plain["knn_overlap_content"], 3) in text
    # only one view until the neighbourhood view is computed: no one-option "View" radio
    assert not at.radio
    # the BSC pair was found by config and both runs are compared
    both = next(d.value for d in at.dataframe if "run" in d.value.columns)
    assert set(both["run"]) == {"with smoothing (tiny_shop/smooth)", "without smoothing (tiny_shop/plain)"}
    assert _titles(at) == ["Products after epoch 3 — stair",
                           "What each product keeps of its start and its content — stair",
                           "How far products moved in each epoch — stair",
                           "Content kept with and without backward smoothing",
                           "With smoothing, after epoch 3", "Without smoothing, after epoch 3"]
    # every chart and table can be downloaded
    downloads = [b.label for b in at.get("download_button")]
    assert downloads.count("Download chart (HTML)") == 6 and downloads.count("Download table (CSV)") == 2
    # on the sample, products can be coloured by the persona of their buyers (hidden truth)
    assert "Persona of most buyers (hidden truth)" in at.selectbox(key="drift_colour").options
    at.selectbox(key="drift_colour").set_value("main_buyer_persona").run()
    assert not at.exception
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    groups = {trace["name"] for trace in spec["data"]}
    assert groups and groups <= {"visual", "textual", "seasonal", "collaborative", "(none)"}
    # the projection was cached in the run directory by the page
    assert list((drift_app / "tiny_shop" / "smooth" / "explain").glob("projection_pca-*.npy"))


def test_moving_the_epoch_slider_redraws_that_epoch(drift_app):
    at = _open(drift_app / "tiny_shop" / "plain")
    at.select_slider(key="drift_epoch").set_value(0).run()
    assert not at.exception
    trained = open_run(drift_app / "tiny_shop" / "plain")
    first = projections(trained, "pca")
    assert _titles(at)[0] == "Products before training — stair"
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    share = 100 * first.attrs["explained"][0]
    assert spec["layout"]["xaxis"]["title"]["text"] == f"Main direction of difference ({share:.0f}% of the spread)"
    xs = sorted(x for trace in spec["data"] for x in _values(trace["x"]))
    assert xs == pytest.approx(sorted(first.loc[first["epoch"] == 0, "x"]))
    assert len(first[first["epoch"] == 0]) == trained.data.n_items


def test_a_model_without_embeddings_gets_a_friendly_note(drift_app):
    at = _open(drift_app / "tiny_shop" / "popularity")
    assert not at.exception
    assert any("no product embeddings that change during training" in i.value for i in at.info)


def test_both_pages_open_from_the_app_navigation(drift_app):
    at = AppTest.from_file(str(Path(PAGE).parents[1] / "app.py"), default_timeout=90).run()
    assert not at.exception
    at.switch_page("pages/drift.py").run()
    assert not at.exception
    assert at.title[0].value == "Embedding drift"
    at.switch_page("pages/comparison.py").run()
    assert not at.exception
    assert at.title[0].value == "Model comparison"
    assert _titles(at)[0] == "Test accuracy of every trained model"
