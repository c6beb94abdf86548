"""First run on a fresh clone: no trained model -> the button trains the starter models, then shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP


def test_the_training_button_trains_the_starter_models_and_the_overview_lists_them(monkeypatch, cyclic_dir, tmp_path):
    from core.training import TrainConfig
    from core.training.starter import STARTER_RUNS, StarterRun
    from pages.common import first_run

    # the real button, plan shape and training loop; HM4SR shrunk to one small epoch for speed
    assert [run.model for run in STARTER_RUNS] == ["popularity", "hm4sr"]
    small = StarterRun("hm4sr", "hm4sr", {**STARTER_RUNS[1].model_config, "dim": 8, "n_layers": 1, "ffn_dim": 16},
                       TrainConfig(epochs=1, device="cpu"))
    monkeypatch.setattr(first_run, "STARTER_RUNS", (STARTER_RUNS[0], small))
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(cyclic_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(APP, default_timeout=300).run()
    assert "Training the starter models (popularity, hm4sr)" in at.info[0].value
    at.button(key="overview_train").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert sorted(table["model"]) == ["hm4sr", "popularity"]
    info = json.loads((tmp_path / "runs" / cyclic_dir.name / "hm4sr" / "run.json").read_text())
    assert info["model_config"]["pcl_weight"] == 0.0
    metrics = json.loads((tmp_path / "runs" / cyclic_dir.name / "popularity" / "metrics.json").read_text())
    popularity = table.loc[table["model"] == "popularity"].iloc[0]
    assert popularity["test ndcg@10"] == pytest.approx(metrics["test"]["ndcg@10"])
    assert not any("No model has been trained" in i.value for i in at.info)
