"""The experts & modalities page on tiny trained runs (streamlit AppTest)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core import explain
from core.explain.gates import expert_profile, name_experts
from core.explain.gates import gates as gate_view
from core.explain.screen_sentences import gate_sentence, lift_means_sentence
from core.explain.sentences import mix_sentence
from core.explain.words import part_label, pct
from tests.app.conftest import APP, TINY_HM4SR
from tests.app.headers import headers, jargon_on_screen
from tests.app.helpers import chart, charts, choose_run, messages, open_page, shown, table_with, values

FUSION_CHART = "How much each modality's own score counts (late fusion)"


def _markdown(at: AppTest) -> list[str]:
    return [shown(m.value).strip("*") for m in at.markdown]


def test_gate_heatmaps_name_the_experts_and_population_shares_are_signed(shop_app, shop_trained):
    at = open_page("pages/experts.py", "U002")
    assert not at.exception
    names = name_experts(expert_profile(shop_trained))
    by_index = dict(zip(names["expert"], names["name"]))
    assert all(n.startswith(f"Expert {e + 1} — ") for e, n in by_index.items())
    view = gate_view(shop_trained, "U002")
    text = _markdown(at)
    for modality in ("id", "text", "image"):
        spec = chart(at, f"Which expert reads each purchase — {part_label(modality)} (U002)")
        z = values(spec["data"][0]["z"]).reshape(9, TINY_HM4SR["n_experts"])  # 9 purchases × experts
        np.testing.assert_allclose(z.sum(axis=1), 100.0, atol=1e-3)  # each purchase's gates add up to 100 %
        # columns: the experts' names (computed from the data), rows: dates, not positions or unix seconds
        assert list(spec["data"][0]["x"]) == [f"Expert {e + 1}" for e in range(TINY_HM4SR["n_experts"])]
        hover = values(spec["data"][0]["customdata"]).reshape(9, -1)[0].tolist()  # the full names in the hover
        assert hover == [by_index[e] for e in range(TINY_HM4SR["n_experts"])]
        assert all(re.match(r"\d{1,2} [A-Z][a-z]{2} \d{4} · ", y) for y in spec["data"][0]["y"])
        # the sentence beside it is generated from the gates drawn
        rows = view.imoe[view.imoe["modality"] == modality]
        latest = rows[rows["position"] == rows["position"].max()]
        lead = latest.loc[latest["gate"].idxmax()]
        expected = gate_sentence("U002", f"their {part_label(modality).lower()}",
                                 {f"Expert {e + 1}": g for e, g in rows.groupby("expert")["gate"].mean().items()},
                                 (lead["title"], int(lead["time"]), f"Expert {int(lead['expert']) + 1}", lead["gate"]))
        assert expected in text
    gates_table = next(d for d in at.dataframe if "gate" in d.value.columns)
    assert headers(gates_table) == ["Purchase date", "Product", "Read through", "Expert", "Gate weight (%)"]
    assert gates_table.value["gate"].between(0, 100).all()
    assert set(gates_table.value["expert"]) <= set(by_index.values())
    # population: the averages shown are the core's signed means, in %, with the sentence made from them
    population = explain.population_shares(shop_trained, k=10)
    means = {p: population[f"share_{p}"].mean() for p in ("id", "text", "image")}
    metrics = {m.label: m.value for m in at.metric}
    for p in ("id", "text", "image"):
        assert metrics[f"Average share: {part_label(p)}"] == pct(means[p])
    assert mix_sentence(f"All {len(population)} customers", means) in text
    # the distribution is drawn from per-bin counts over -100..100 % (its size does not grow with the customers)
    spec = chart(at, "How much each part sets customers' top 10 apart")
    low, high = spec["layout"]["xaxis"]["range"]
    assert high == 100 and -100 <= low <= -25  # diverging: the "against" side always shows
    bars = {trace["name"]: (values(trace["x"]), values(trace["y"])) for trace in spec["data"]}
    assert sorted(bars) == sorted(part_label(p) for p in ("id", "text", "image"))
    assert all(len(y) == 40 and y.sum() == 40 and x.min() < 0 for x, y in bars.values())  # every customer once
    # the mean points per part: the same attribution, and its sentence
    lifts = {p: population[f"lift_{p}"].mean() for p in ("id", "text", "image")}
    bars = values(chart(at, "What each part adds to a recommended product")["data"][0]["y"])
    np.testing.assert_allclose(bars, [lifts[p] for p in ("id", "text", "image")], rtol=1e-5)
    assert lift_means_sentence("all 40 customers' top 10", lifts) in text
    # segments: the planted personas, signed shares in %, one sentence per segment from the table shown
    segments = table_with(at, "segment", "users")
    assert sorted(segments["segment"]) == ["Collaborative", "Seasonal", "Textual", "Visual"]
    assert segments["users"].tolist() == [10, 10, 10, 10]
    assert (segments[["share_id", "share_text", "share_image"]].abs().sum(axis=1) <= 100 + 1.5).all()
    core = explain.shares_by_segment(population, explain.persona_segments(shop_trained.data.root)).set_index("segment")
    for _, row in segments.iterrows():
        expected = mix_sentence(f"{row['segment']} (10 customers)",
                                {p: core.loc[row["segment"].lower(), f"share_{p}"] for p in ("id", "text", "image")})
        assert any(expected in t for t in text)
        assert row["share_image"] == round(100 * core.loc[row["segment"].lower(), "share_image"])
    assert not jargon_on_screen(at), jargon_on_screen(at)
    # the learned weights stay, behind an expander, next to why they cannot contradict the shares
    weights = chart(at, "How much weight the model gives each modality")
    assert weights["layout"]["xaxis"]["title"]["text"] == "Modality"
    assert any("Why a negative weight can sit next to a large share" in t for t in text)
    assert FUSION_CHART not in charts(at)  # jointly trained streams add unweighted


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
    assert sorted(bars) == sorted(part_label(p) for p in ("id", "text", "image"))
    np.testing.assert_allclose([bars[part_label(m)][0] for m in ("id", "text", "image")], learned, rtol=1e-5)


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
