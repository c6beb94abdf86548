"""First run on a fresh clone: no trained model -> the button trains the baselines, then shows them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import APP


def test_the_training_button_trains_the_baselines_and_the_overview_lists_them(monkeypatch, cyclic_dir, tmp_path):
    from pages.common import first_run

    # the real button and training loop, with the instant baseline only (SASRec's 50 epochs take ~40 s here)
    monkeypatch.setattr(first_run, "FIRST_RUN_MODELS", ("popularity",))
    monkeypatch.chdir(Path(APP).parent)
    monkeypatch.setenv("MODALITY_LENS_DATA", str(cyclic_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(tmp_path / "runs"))
    at = AppTest.from_file(APP, default_timeout=300).run()
    assert "Training the baseline models (popularity)" in at.info[0].value
    at.button(key="overview_train").click().run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table["model"].tolist() == ["popularity"]
    metrics = json.loads((tmp_path / "runs" / cyclic_dir.name / "popularity" / "metrics.json").read_text())
    assert table["test ndcg@10"].iloc[0] == pytest.approx(metrics["test"]["ndcg@10"])
    assert not any("No model has been trained" in i.value for i in at.info)
