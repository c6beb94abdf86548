"""A product described on the spot is encoded exactly as the catalogue's stored products were."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from core.data import load_dataset
from core.data.errors import DataError
from core.features.draft import ProductDraft, draft_of, encode_draft, encode_edit, stored_content
from tests.features.helpers import product

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


@pytest.fixture(scope="module")
def sample():
    return load_dataset(SAMPLE)


def test_text_is_composed_as_for_catalogue_products():
    draft = ProductDraft(title=" Linen  dress ", description="Light and airy", categories=("Clothing", "Dresses"))
    assert draft.text == "Linen dress. Clothing > Dresses. Light and airy"
    assert ProductDraft().text == ""


def test_a_stored_product_described_again_gives_its_stored_features(sample):
    for item_id in ("P0001", "P0777"):
        draft = draft_of(sample, item_id)
        photo = Image.open(SAMPLE / sample.items["image"].iloc[sample.item_index(item_id)])
        again = encode_draft(ProductDraft(draft.title, draft.description, draft.categories, photo), sample)
        stored = stored_content(sample, item_id)
        assert set(again) == set(stored) == {"text", "image"}
        np.testing.assert_array_equal(again["image"], stored["image"])  # the same pixel encoder
        np.testing.assert_allclose(again["text"], stored["text"], atol=1e-6)  # the same MiniLM, same text


def test_an_edit_encodes_only_what_changes(sample):
    before, after = encode_edit(sample, "P0001", description="Now in a heavier weave.")
    np.testing.assert_array_equal(after["image"], before["image"])
    assert (after["text"] @ before["text"].T).item() < 0.999  # a new description, a new text vector
    before, after = encode_edit(sample, "P0001", image=product("blue", "stripes"))
    np.testing.assert_array_equal(after["text"], before["text"])
    assert not np.array_equal(after["image"], before["image"])


def test_a_draft_leaves_out_what_it_lacks(sample):
    assert set(encode_draft(ProductDraft(image=product("red")), sample)) == {"image"}
    assert encode_draft(ProductDraft(), sample) == {}


def test_features_from_another_encoder_are_named_with_the_fix(featured_data):
    # the toy catalogue's text features are 8-d, not MiniLM's 384-d: a new text cannot land in their space
    with pytest.raises(DataError, match=r"features/text\.npy: the catalogue's text features are 8-d, not the "
                                        r"384-d of all-MiniLM-L6-v2.*Fix: compute the features here"):
        encode_draft(ProductDraft(title="Anything"), featured_data)
    with pytest.raises(DataError, match=r"features/image\.npy: the catalogue's image features are 6-d, not the 226-d"):
        encode_edit(featured_data, featured_data.item_ids[0], image=product("red"))
