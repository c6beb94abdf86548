"""Item text and the offline sentence encoder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.features.text import TEXT_DIM, TextEncoder, distinct_texts, item_text, load_onnx_text_model


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    enc = TextEncoder()
    _ = enc.model  # load once for the module
    return enc


def test_item_text_joins_fields_and_renders_categories():
    items = pd.DataFrame({"title": ["Wool coat"], "description": ["Warm and long."],
                          "categories": ["Clothing|Outerwear| Coat"]})
    assert item_text(items) == ["Wool coat. Clothing > Outerwear > Coat. Warm and long."]


def test_item_text_handles_nan_none_empty_and_whitespace():
    items = pd.DataFrame({
        "title": ["Hat", np.nan, None, "  ", "Scarf!"],
        "description": [np.nan, "Only  a\ndescription", "", None, "Soft"],
        "categories": [None, "", "A||B|", np.nan, "Accessories"],
    })
    assert item_text(items) == ["Hat", "Only a description", "A > B", "", "Scarf! Accessories. Soft"]


def test_item_text_tolerates_absent_columns_but_not_all():
    assert item_text(pd.DataFrame({"title": ["x", "y"]})) == ["x", "y"]
    with pytest.raises(ValueError, match="none of the text columns"):
        item_text(pd.DataFrame({"name": ["x"]}))


def test_encoder_shape_dtype_unit_norm_and_deterministic(encoder):
    texts = ["wool winter coat", "a", "cotton summer sandals " * 40, ""]
    calls = []
    first = encoder.encode(texts, batch_size=2, progress=lambda d, t: calls.append((d, t)))
    second = encoder.encode(texts, batch_size=2)
    assert first.shape == (4, TEXT_DIM) and first.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    np.testing.assert_array_equal(first, second)
    assert calls == [(2, 4), (4, 4)]


def test_encoder_keeps_input_order(encoder):
    texts = ["short", "a much longer text about leather boots and laces"]
    both = encoder.encode(texts)
    np.testing.assert_allclose(both[0], encoder.encode(["short"])[0], atol=1e-5)
    np.testing.assert_allclose(both[1], encoder.encode([texts[1]])[0], atol=1e-5)


def test_encoder_is_semantically_sane(encoder):
    coat, overcoat, sandals = encoder.encode(["wool winter coat", "warm woollen overcoat",
                                              "cotton summer sandals"])
    assert coat @ overcoat > coat @ sandals + 0.1


def test_encoder_empty_input_and_bad_arguments(encoder):
    assert encoder.encode([]).shape == (0, TEXT_DIM)
    with pytest.raises(TypeError):
        encoder.encode(["ok", 3])  # type: ignore[list-item]
    with pytest.raises(ValueError):
        encoder.encode(["ok"], batch_size=0)


def test_distinct_texts_first_seen_order_and_inverse():
    distinct, inverse = distinct_texts(["b", "a", "b", "", "a", "b"])
    assert distinct == ["b", "a", ""]
    assert inverse.tolist() == [0, 1, 0, 2, 1, 0]


def test_duplicate_texts_are_encoded_once_and_share_their_row(encoder):
    texts = ["leather boots", "wool coat", "leather boots", "silk scarf", "wool coat", "leather boots"]
    calls = []
    many = encoder.encode(texts, batch_size=2, progress=lambda d, t: calls.append((d, t)))
    once = encoder.encode(["leather boots", "wool coat", "silk scarf"], batch_size=2)
    np.testing.assert_array_equal(many, once[[0, 1, 0, 2, 1, 0]])
    assert calls == [(4, 6), (6, 6)]  # longest first: "leather boots" x3 + "silk scarf", then "wool coat" x2


_FAST_TEXTS = ["Nordvik Wool Coat. Clothing > Outerwear > Coat. Fully lined, with a two-button front.",
               "Verano Relaxed Sandals in Leather. Shoes > Sandals. A flat, flexible sole for long days out.",
               "a", "Noise-cancelling wireless headphones with a 30-hour battery and a carrying case. " * 12]


def test_bf16_backend_stays_within_cosine_threshold(encoder):
    exact = encoder.encode(_FAST_TEXTS)
    fast = TextEncoder(backend="torch-bf16").encode(_FAST_TEXTS)
    assert fast.shape == exact.shape and fast.dtype == np.float32
    cosine = (exact * fast).sum(axis=1)
    assert cosine.min() >= 0.999, cosine
    assert not np.array_equal(exact, fast)  # the fast path really ran in another precision
    assert "torch-bf16" in TextEncoder(backend="torch-bf16").version and "bf16" not in encoder.version


def test_onnx_backend_matches_torch_and_exports_once(encoder, onnx_cache, monkeypatch):
    monkeypatch.setenv("MODALITY_LENS_CACHE", str(onnx_cache))
    load_onnx_text_model.cache_clear()
    try:
        fast = TextEncoder(backend="onnx").encode(_FAST_TEXTS, batch_size=3)  # the long text is truncated at 256
        exported = list((onnx_cache / "onnx").glob("*.onnx"))
        assert len(exported) == 1
        stamp = exported[0].stat().st_mtime_ns
        load_onnx_text_model.cache_clear()
        again = TextEncoder(backend="onnx").encode(_FAST_TEXTS[:2])
        assert exported[0].stat().st_mtime_ns == stamp  # reused, not exported again
    finally:
        load_onnx_text_model.cache_clear()
    exact = encoder.encode(_FAST_TEXTS, batch_size=3)
    cosine = (exact * fast).sum(axis=1)
    assert fast.dtype == np.float32 and cosine.min() >= 0.9999, cosine
    np.testing.assert_allclose(fast, exact, atol=1e-4)
    np.testing.assert_allclose(again, fast[:2], atol=1e-5)


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="backend must be one of"):
        TextEncoder(backend="int8")
