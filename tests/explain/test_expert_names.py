"""Experts named by what they do (core.explain.gates.name_experts / expert_profile)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.explain.gates import PROFILE_COLUMNS, expert_profile, name_experts
from core.training import TrainConfig, open_run, train_run


def _profile(positions: list[dict], gates: list[list[float]], modalities=("id", "text", "image")) -> pd.DataFrame:
    """One row per position × modality × expert; every modality's gate of a position is ``gates[i]``."""
    rows = []
    for pos, g in zip(positions, gates):
        for m in modalities:
            for e, w in enumerate(g):
                rows.append({"expert": e, "modality": m, "gate": w, **pos})
    return pd.DataFrame(rows, columns=PROFILE_COLUMNS)


def test_a_planted_pattern_is_recovered():
    rng = np.random.default_rng(0)
    positions, gates = [], []
    for _ in range(200):
        recent = rng.random() < 0.5
        same = rng.random() < 0.5
        positions.append({"days_before_last": rng.uniform(0, 10) if recent else rng.uniform(100, 300),
                          "gap_days": rng.uniform(1, 30), "same_category": float(same)})
        # expert 0 takes recent same-category purchases, expert 1 old cross-category ones, expert 2 everything
        if recent and same:
            gates.append([0.8, 0.0, 0.2])
        elif not recent and not same:
            gates.append([0.0, 0.8, 0.2])
        else:
            gates.append([0.2, 0.2, 0.6])
    names = name_experts(_profile(positions, gates)).set_index("expert")
    assert names.loc[0, "name"] == "Expert 1 — mostly recent, same-category purchases"
    assert names.loc[1, "name"] == "Expert 2 — mostly older, cross-category purchases"
    assert "gap" not in names.loc[0, "name"]  # the gaps were drawn independently of the gates
    assert names["weight"].sum() == pytest.approx(1.0)


def test_a_planted_modality_and_gap_are_named_and_uniform_gates_name_nothing():
    positions = [{"days_before_last": float(d), "gap_days": float(g), "same_category": 1.0}
                 for d, g in zip(range(40), [1, 60] * 20)]
    rows = []
    for pos in positions:
        for m in ("id", "image"):
            # expert 0: the image stream's purchases after short gaps; expert 1 the rest
            w0 = 1.0 if (m == "image" and pos["gap_days"] == 1) else 0.0
            rows += [{"expert": 0, "modality": m, "gate": w0, **pos},
                     {"expert": 1, "modality": m, "gate": 1 - w0, **pos}]
    names = name_experts(pd.DataFrame(rows, columns=PROFILE_COLUMNS)).set_index("expert")
    assert names.loc[0, "name"] == "Expert 1 — mostly purchases after short gaps, judged by their look"
    assert names.loc[0, "modality"] == "image" and names.loc[0, "modality_share"] == pytest.approx(1.0)
    uniform = name_experts(_profile(positions, [[0.5, 0.5]] * len(positions)))
    assert uniform["name"].tolist() == ["Expert 1 — an all-rounder (no clear pattern)",
                                        "Expert 2 — an all-rounder (no clear pattern)"]


def test_the_figures_are_gate_weighted_means_computed_by_hand():
    # two positions, one modality, two experts
    profile = pd.DataFrame({"expert": [0, 1, 0, 1], "modality": ["id"] * 4, "gate": [0.75, 0.25, 0.25, 0.75],
                            "days_before_last": [0.0, 0.0, 100.0, 100.0], "gap_days": [np.nan, np.nan, 4.0, 4.0],
                            "same_category": [1.0, 1.0, np.nan, np.nan]})
    out = name_experts(profile).set_index("expert")
    assert out.loc[0, "days_before_last"] == pytest.approx(25.0)  # (0.75 * 0 + 0.25 * 100) / 1
    assert out.loc[1, "days_before_last"] == pytest.approx(75.0)
    assert out.loc[0, "gap_days"] == pytest.approx(4.0)  # the unknown gap of the first purchase is left out
    assert out.loc[0, "same_category"] == pytest.approx(1.0)
    # standardised difference (25 - 50) / 50 = -0.5: "mostly recent"; expert 2: +0.5, "mostly older"
    assert out.loc[0, "traits"] == "mostly recent purchases"
    assert out.loc[1, "traits"] == "mostly older purchases"


@pytest.fixture(scope="module")
def hm4sr(featured_data, tmp_path_factory):
    root = tmp_path_factory.mktemp("hm4sr_names")
    train_run(featured_data, "hm4sr", root, {"dim": 16, "ffn_dim": 32, "max_len": 6, "dropout": 0.0, "n_layers": 1},
              TrainConfig(epochs=1, patience=5, seed=0, device="cpu"))
    return open_run(root, featured_data)


def test_the_profile_of_a_trained_model_reads_its_gates(hm4sr):
    profile = expert_profile(hm4sr, limit=20)
    assert list(profile.columns) == PROFILE_COLUMNS
    # every position and modality's gates add up to 1 over the experts
    k = profile["expert"].nunique()
    sums = profile["gate"].to_numpy().reshape(-1, k).sum(1)
    np.testing.assert_allclose(sums, 1.0, rtol=1e-5)
    assert (profile["days_before_last"] >= 0).all()
    assert profile["same_category"].dropna().isin([0.0, 1.0]).all()
    names = name_experts(profile)
    assert names["name"].str.startswith("Expert ").all() and len(names) == k


def test_time_experts_are_named_by_the_gaps_they_take():
    from core.explain.gates import INTERVAL_EDGES_DAYS, gap_label, name_time_experts

    edges = INTERVAL_EDGES_DAYS[:6]  # 0, 1, 3, 7, 14, 30
    # expert 0 takes short gaps (first two bins), expert 1 long ones (last bin), expert 2 a flat share
    w0 = [0.7, 0.65, 0.2, 0.1, 0.05, 0.05]
    w1 = [0.05, 0.05, 0.5, 0.6, 0.65, 0.7]
    w2 = [1 - a - b for a, b in zip(w0, w1)]
    routing = pd.DataFrame({"interval_days": np.repeat(edges, 3), "expert": np.tile([0, 1, 2], 6),
                            "weight": np.ravel(np.column_stack([w0, w1, w2])), "positions": 10})
    names = name_time_experts(routing).set_index("expert")
    assert names.loc[0, "name"] == "Time expert 1 — purchases less than 3 days after the one before"
    # expert 1: mean 0.425, halfway to its max 0.7 is 0.5625: the bins from 7 days (0.6) to the last (30-60 days)
    assert names.loc[1, "gaps"] == "7–60 days"
    assert names.loc[2, "name"] == "Time expert 3 — any gap between purchases"
    assert gap_label(480.0, None) == "480 days or more"
    assert gap_label(0.0, 1.0) == "less than 1 day"
