"""The product directory and search (``core.data.browse``): id or title, any case, a category, a cap, and
the current product kept selectable."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.data.browse import product_directory, search_products


def directory() -> pd.DataFrame:
    return pd.DataFrame({"item_id": ["P1", "P2", "P10", "Q7"],
                         "title": ["Red linen dress", "Blue shirt", "red SHOES", "Scarf (p1 edition)"],
                         "category": ["Dresses", "Tops", "Shoes", "Accessories"]})


def test_text_matches_ids_and_titles_in_any_case():
    assert search_products(directory(), "RED").ids == ["P1", "P10"]  # titles
    assert search_products(directory(), " p1 ").ids == ["P1", "P10", "Q7"]  # ids and a title
    found = search_products(directory(), "")
    assert found.ids == ["P1", "P2", "P10", "Q7"] and found.total == 4 and not found.capped


def test_category_narrows_and_the_cap_says_how_many_match():
    assert search_products(directory(), "red", category="Shoes").ids == ["P10"]
    found = search_products(directory(), "p", limit=2)
    assert found.ids == ["P1", "P2"] and found.total == 4 and found.listed == 2 and found.capped


def test_the_current_product_stays_first_when_the_search_excludes_it():
    found = search_products(directory(), "red", current="P2")
    assert found.ids == ["P2", "P1", "P10"] and not found.current_matches and found.listed == 2
    assert search_products(directory(), "red", current="P10").current_matches
    assert search_products(directory(), "red", current="nobody").ids == ["P1", "P10"]


def test_the_directory_counts_purchases_per_product(cyclic_data):
    frame = product_directory(cyclic_data)
    assert frame["item_id"].tolist() == cyclic_data.item_ids
    expected = pd.Series(cyclic_data.flat_items).value_counts().reindex(range(cyclic_data.n_items), fill_value=0)
    np.testing.assert_array_equal(frame["purchases"].to_numpy(), expected.to_numpy())
    first = frame.iloc[0]
    assert first["label"] == f"{first['item_id']} · Item {first['item_id']} · {first['purchases']} purchases"
    assert first["category"] == "Things" and first["image"] == ""
