"""The embedding-drift page on a run that snapshots a subset of its products (streamlit AppTest)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from core.data import load_dataset
from core.training import RunDir, TrainConfig, train_run
from core.training import snapshots as snapshots_module

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "drift.py")


@pytest.fixture(scope="module")
def subset_runs(shop_dir, tmp_path_factory) -> Path:
    """A tiny SASRec run on the shop that follows half of its products."""
    runs = tmp_path_factory.mktemp("drift_subset_page_runs")
    data = load_dataset(shop_dir, k=5)
    patch = pytest.MonkeyPatch()
    patch.setattr(snapshots_module, "SNAPSHOT_ITEMS", data.n_items // 2)
    try:
        train_run(data, "sasrec", runs / data.name / "sasrec", {"dim": 8, "ffn_dim": 16, "max_len": 10},
                  TrainConfig(epochs=2, batch_size=64, device="cpu", eval_batch_size=64))
    finally:
        patch.undo()
    return runs


def test_the_map_shows_only_the_stored_products_and_says_so(monkeypatch, shop_dir, subset_runs):
    monkeypatch.chdir(Path(PAGE).parents[1])
    monkeypatch.setenv("MODALITY_LENS_DATA", str(shop_dir))
    monkeypatch.setenv("MODALITY_LENS_RUNS", str(subset_runs))
    at = AppTest.from_file(PAGE, default_timeout=90)
    at.query_params["run"] = "tiny_shop/sasrec"
    at.run()
    assert not at.exception, at.exception
    run = RunDir(subset_runs / "tiny_shop" / "sasrec")
    followed = len(run.snapshot_items())
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    ids = [i for trace in spec["data"] for i in _ids(trace)]
    assert len(ids) == followed
    data = load_dataset(shop_dir, k=5)
    assert set(ids) == set(np.asarray(data.item_ids, dtype=object)[run.snapshot_items()])
    assert any(f"follows {followed:,} of its {data.n_items:,} products" in c.value for c in at.caption)


def _ids(trace: dict) -> list[str]:
    """The item ids of a Plotly scatter trace (hover data ``item_id`` in ``customdata``)."""
    data = trace.get("customdata")
    if isinstance(data, dict):  # Plotly 6+ may send arrays base64-encoded
        data = np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return [row[0] for row in data]
