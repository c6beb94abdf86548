"""The experts & modalities page on tiny trained runs (streamlit AppTest)."""

from __future__ import annotations

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import explain
from tests.app.conftest import APP, TINY_HM4SR
from tests.app.helpers import chart, charts, choose_run, messages, open_page, table_with, values

FUSION_CHART = "How much each modality's own score counts (late fusion)"


def test_gate_heatmaps_per_modality_and_population_shares(shop_app, shop_trained):
    at = open_page("pages/experts.py", "U002")
    assert not at.exception
    for modality in ("id", "text", "image"):
        spec = chart(at, f"Which expert reads each purchase — {modality} (U002)")
        z = values(spec["data"][0]["z"]).reshape(9, TINY_HM4SR["n_experts"])  # 9 purchases × experts
        np.testing.assert_allclose(z.sum(axis=1), 1.0, atol=1e-5)  # each purchase's gates add up to 1
        assert spec["layout"]["yaxis"]["title"]["text"] == "Purchase in the history (oldest at the top)"
    weights = chart(at, "How much weight the model gives each modality")
    assert weights["layout"]["xaxis"]["title"]["text"] == "Modality"
    assert FUSION_CHART not in charts(at)  # jointly trained streams add unweighted
    # population: the averages shown are the core's, and the segments are the planted personas
    population = explain.population_shares(shop_trained, k=10)
    shown = {m.label: m.value for m in at.metric}
    for p in ("id", "text", "image"):
        assert shown[f"Average share: {p}"] == f"{100 * population[f'share_{p}'].mean():.0f} %"
    segments = table_with(at, "segment", "users")
    assert sorted(segments["segment"]) == ["collaborative", "seasonal", "textual", "visual"]
    assert segments["users"].tolist() == [10, 10, 10, 10]
    np.testing.assert_allclose(segments[["share_id", "share_text", "share_image"]].sum(axis=1), 1.0, atol=1e-6)
    # the distribution is drawn from per-bin counts (its size does not grow with the customers)
    spec = chart(at, "How much each modality drives customers' top-10")
    bars = {trace["name"]: values(trace["y"]) for trace in spec["data"]}
    assert sorted(bars) == ["id", "image", "text"]
    assert all(len(y) == 40 and y.sum() == 40 for y in bars.values())  # 40 bins, every customer counted once


def test_a_late_fusion_run_shows_the_learned_weight_of_each_modality_score(shop_dir, private_runs):
    from core.data import load_dataset
    from core.training import TrainConfig, open_run, train_run

    data = load_dataset(shop_dir, k=5)
    run = private_runs / data.name / "hm4sr-late"
    train_run(data, "hm4sr", run, {**TINY_HM4SR, "fusion": "late"},
              TrainConfig(epochs=1, batch_size=64, device="cpu", eval_batch_size=64))
    learned = open_run(run, data=data).model.fusion.value.tolist()
    assert all(abs(w - 1.0) > 1e-3 for w in learned)  # one epoch moved every weight off its start
    at = choose_run(open_page("pages/experts.py"), "hm4sr-late")
    assert not at.exception
    bars = {trace["name"]: values(trace["y"]) for trace in chart(at, FUSION_CHART)["data"]}
    assert sorted(bars) == ["id", "image", "text"]
    np.testing.assert_allclose([bars[m][0] for m in ("id", "text", "image")], learned, rtol=1e-5)


def test_models_without_gates_get_a_friendly_note(shop_app):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/experts.py").run()
    choose_run(at, "popularity")
    assert not at.exception
    text = messages(at)
    assert "has no experts or gates" in text
    assert "no modality shares" in text
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("page", ["pages/experts.py", "pages/time_effects.py"])
def test_customer_pages_without_a_trained_run_offer_training(page, monkeypatch, shop_dir, tmp_path):
    from pathlib import Path

    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(tmp_path / "empty"))
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page).run()
    assert not at.exception
    assert "No model has been trained on tiny_shop yet" in messages(at)
