"""The model-comparison page on tiny trained runs (streamlit AppTest, page file run directly)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.data import load_dataset
from core.data.browse import customer_directory
from core.explain import overlap_by_segment, overlap_matrix, pairwise_overlap, recommendations
from core.explain.screen_sentences import metrics_sentence, overlap_sentence, segment_agreement_sentence
from core.training import open_run
from tests.app.headers import headers, jargon_on_screen
from tests.app.helpers import shown as shown_text

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "comparison.py")


def _page(monkeypatch, shop_dir, runs: Path) -> AppTest:
    monkeypatch.chdir(Path(PAGE).parents[1])
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(runs))
    return AppTest.from_file(PAGE, default_timeout=90)


def _table(at: AppTest, column: str):
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_comparison_shows_metrics_and_top_k_overlap(monkeypatch, shop_dir, shop_runs):
    at = _page(monkeypatch, shop_dir, shop_runs)
    at.query_params["user"] = "U003"
    at.run()
    assert not at.exception, at.exception
    data = load_dataset(shop_dir, k=5)
    runs = [open_run(shop_runs / "tiny_shop" / name, data=data) for name in ("hm4sr", "popularity")]
    # metrics table: one row per run, the run's own test metrics
    metrics = _table(at, "ndcg@10")
    assert metrics["run"].tolist() == ["hm4sr", "popularity"]
    hit_rates = {}
    for trained in runs:
        test = json.loads((trained.run.root / "metrics.json").read_text())["test"]
        shown = metrics.loc[metrics["run"] == trained.name, "ndcg@10"].item()
        assert shown == pytest.approx(test["ndcg@10"])
        hit_rates[trained.name] = test["hr@10"]
    element = next(d for d in at.dataframe if "ndcg@10" in d.value.columns)
    assert headers(element) == ["Trained model", "Hit rate in top 10", "Ranking quality in top 10",
                                "Position of the hit in top 10", "Seconds per epoch"]
    assert not jargon_on_screen(at), jargon_on_screen(at)
    text = [shown_text(m.value) for m in at.markdown]
    assert any(f"**{metrics_sentence('Hit rate in top 10', hit_rates)}**" in t for t in text)
    # the customer's lists side by side, with shared products marked
    k = at.sidebar.slider(key="sidebar_k").value
    lists = _table(at, "rank")
    assert lists["rank"].tolist() == list(range(1, k + 1))
    top = {t.name: recommendations(t, "U003", k=k) for t in runs}
    assert [t.removesuffix(" ✓") for t in lists["popularity"]] == top["popularity"]["title"].tolist()
    shared = set(top["hm4sr"]["item_id"]) & set(top["popularity"]["item_id"])
    assert sum(t.endswith(" ✓") for t in lists["hm4sr"]) == len(shared)
    # the customer heatmap shows the hand-computed overlap
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    assert spec["layout"]["title"]["text"] == f"Products shared by the models' top-{k} for U003"
    z = spec["data"][0]["z"]
    assert 100.0 * len(shared) / k == pytest.approx(_matrix_value(z, 0, 1))
    # population: mean overlap over every customer equals the core's matrix
    summary = _table(at, "mean_overlap")
    expected = overlap_matrix(runs, data.user_ids, k=k).loc["hm4sr", "popularity"]
    assert summary["customers"].item() == data.n_users
    assert summary["mean_overlap"].item() == round(100 * expected)  # in %
    assert any(overlap_sentence("U003", {("hm4sr", "popularity"): len(shared) / k}, k) in t for t in text)
    assert any(overlap_sentence("the average customer", {("hm4sr", "popularity"): expected}, k) in t for t in text)
    # agreement by customer group: the tiny shop's personas, values from the core
    spec = next(json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["layout"]["title"]["text"].startswith("Agreement of the models"))
    pairs = pairwise_overlap(runs, data.user_ids, k=k)
    expected = overlap_by_segment(pairs, customer_directory(data).set_index("user_id")["segment"])
    assert list(spec["data"][0]["x"]) == expected["segment"].tolist()
    assert _values(spec["data"][0]["y"]) == pytest.approx((100 * expected["mean_overlap"]).tolist())
    assert set(expected["segment"]) == {"visual", "textual", "seasonal", "collaborative"}
    segments = dict(zip(expected["segment"], expected["mean_overlap"]))
    assert any(segment_agreement_sentence("hm4sr and popularity", segments, k) in t for t in text)
    downloads = [b.label for b in at.get("download_button")]
    assert downloads.count("Download chart (HTML)") == 5 and downloads.count("Download table (CSV)") == 4


def test_one_trained_model_is_not_compared(monkeypatch, shop_dir, tmp_path):
    from core.training import TrainConfig, train_run

    data = load_dataset(shop_dir, k=5)
    train_run(data, "popularity", tmp_path / "runs" / data.name / "popularity", None, TrainConfig(device="cpu"))
    at = _page(monkeypatch, shop_dir, tmp_path / "runs").run()
    assert not at.exception
    assert _table(at, "ndcg@10")["run"].tolist() == ["popularity"]
    assert any("Only one model is trained" in i.value for i in at.info)


def _values(encoded) -> list[float]:
    """A Plotly data array: a plain list, or the base64-encoded typed array Plotly 6+ may send."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"]).tolist()
    return list(encoded)


def _matrix_value(z, i: int, j: int) -> float:
    """Entry (i, j) of a heatmap's z: nested lists, or Plotly's base64-encoded typed array."""
    if isinstance(z, dict):
        shape = [int(n) for n in str(z["shape"]).split(",")]
        return float(np.frombuffer(base64.b64decode(z["bdata"]), dtype=z["dtype"]).reshape(shape)[i, j])
    return float(z[i][j])
