"""`make-sample` computes its features in the same command, with the text backend asked for."""

from __future__ import annotations

import pandas as pd
import pytest

from core.cli import main
from core.features import TextEncoder, item_text, load_features
from core.features.text import load_onnx_text_model


def test_make_sample_with_onnx_text_backend_writes_features_close_to_torch(tmp_path, onnx_cache, monkeypatch):
    monkeypatch.setenv("MODALITY_LENS_CACHE", str(onnx_cache))
    load_onnx_text_model.cache_clear()
    out = tmp_path / "shop"
    try:
        assert main(["make-sample", "--out", str(out), "--users", "8", "--items", "120",
                     "--text-backend", "onnx", "--batch-size", "32"]) == 0
    finally:
        load_onnx_text_model.cache_clear()
    stored = load_features(out)
    assert stored is not None and stored.item_ids[:2] == ["P0001", "P0002"]
    assert stored.matrices["text"].shape == (120, 384) and stored.matrices["image"].shape[0] == 120
    assert not stored.missing["text"].any() and not stored.missing["image"].any()
    texts = item_text(pd.read_csv(out / "items.csv", dtype=str, keep_default_na=False))[:16]
    reference = TextEncoder().encode(texts)  # (16, 384) torch float32
    cosine = (reference * stored.matrices["text"][:16]).sum(axis=1)
    assert cosine.min() >= 0.9999, cosine
    assert len(list((onnx_cache / "onnx").glob("*.onnx"))) == 1


def test_unknown_text_backend_is_refused_by_the_parser(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["features", str(tmp_path), "--text-backend", "int8"])
    assert "invalid choice: 'int8'" in capsys.readouterr().err
