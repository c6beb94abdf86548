"""Modalities the data lacks are not modelled; products without a modality's content are labelled so, and
their part for it (the model's default for such products) still adds up in the one attribution."""

from __future__ import annotations

import json
from contextlib import redirect_stdout
from io import StringIO

import numpy as np
import pandas as pd

from core.cli import main
from core.data import load_dataset
from core.features.store import save_features
from core.scoring import Scorer
from tests.conftest import cyclic_interactions, write_dataset
from tests.explain.tiny_models import SMALL, small_model


def _write(root, image_missing: np.ndarray):
    write_dataset(root, cyclic_interactions())
    ids = pd.read_csv(root / "items.csv")["item_id"].tolist()
    rng = np.random.default_rng(3)
    image = rng.normal(size=(len(ids), 6)).astype(np.float32)
    image[image_missing] = 0.0
    save_features(root, ids, {"text": rng.normal(size=(len(ids), 8)).astype(np.float32), "image": image},
                  missing={"image": image_missing})
    return root


def test_a_catalogue_without_a_single_image_has_no_image_modality(tmp_path, capsys):
    root = _write(tmp_path / "text_only", np.ones(30, dtype=bool))
    data = load_dataset(root, k=2)
    assert sorted(data.features) == ["text"]
    assert any("no product has image content" in line for line in data.report.lines())
    run = tmp_path / "run"
    assert main(["train", "--data", str(root), "--model", "hm4sr", "--out", str(run), "--k-core", "2",
                 "--epochs", "1", "--device", "cpu", "--set", "dim=8", "--set", "max_len=6"]) == 0
    capsys.readouterr()
    out = StringIO()
    with redirect_stdout(out):
        assert main(["explain", str(run), "--user", "U003", "--json"]) == 0
    report = json.loads(out.getvalue())
    assert report["parts"] == ["id", "text"]
    assert [r["part"] for r in report["drop_modality"]] == ["id", "text"]
    assert not any(k.endswith("_image") for k in report["recommendations"][0])
    with redirect_stdout(out := StringIO()):
        assert main(["explain", str(run), "--user", "U003"]) == 0
    assert "every score = id + text exactly" in out.getvalue() and "image" not in out.getvalue()


def test_products_without_an_image_are_labelled_and_still_add_up(tmp_path):
    lacks = np.arange(30) % 3 == 0  # a third of the products have no picture
    data = load_dataset(_write(tmp_path / "partly", lacks), k=2)
    assert data.feature_missing["image"].sum() == lacks.sum()
    scorer = Scorer(data, small_model("hm4sr", data, SMALL))
    top = scorer.top(np.arange(data.n_users), k=8)
    assert top.parts == ("id", "text", "image")
    without = data.feature_missing["image"][top.items]  # (B, K)
    assert without.any() and (~without).any()
    np.testing.assert_array_equal(top.available[..., 2], ~without)
    wide = top.wide(data, 0)
    np.testing.assert_array_equal(wide["lacks"] == "image", without[0])
    # the one attribution: average product + lifts = score, whatever the product lacks
    lifts = wide[["lift_id", "lift_text", "lift_image"]].sum(axis=1)
    np.testing.assert_allclose(wide["baseline"] + lifts, wide["score"], atol=1e-5)
    np.testing.assert_allclose(np.abs(top.shares).sum(-1), 1.0)
