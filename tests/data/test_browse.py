"""Customer history, directory and thumbnails read from a tiny dataset (hand-checked values)."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data import load_dataset
from core.data.browse import catalogue_thumbnails, customer_directory, purchase_history, top_category
from tests.conftest import write_dataset

DAY = 86_400
T0 = 1_700_000_000


@pytest.fixture()
def shop(tmp_path):
    rows = [("A", "i1", T0), ("A", "i2", T0 + 2 * DAY), ("A", "i1", T0 + 5 * DAY),
            ("B", "i2", T0 + DAY), ("B", "i3", T0 + 3 * DAY), ("B", "i3", T0 + 4 * DAY)]
    root = write_dataset(tmp_path / "shop", rows)
    items = pd.read_csv(root / "items.csv")
    items["categories"] = ["Shoes|Boots", "Bags", "Bags|Totes"]
    items["image"] = ["images/i1.png", "", "images/i3.png"]
    items.to_csv(root / "items.csv", index=False)
    return root


def test_purchase_history_is_time_ordered_with_gaps_and_images(shop):
    data = load_dataset(shop, k=1)
    history = purchase_history(data, "A")
    assert history["position"].tolist() == [0, 1, 2]
    assert history["item_id"].tolist() == ["i1", "i2", "i1"]
    assert history["category"].tolist() == ["Shoes", "Bags", "Shoes"]
    assert history["days_since_previous"].tolist() == [0.0, 2.0, 3.0]
    assert history["image"].tolist() == ["images/i1.png", "", "images/i1.png"]
    assert history["date"].iloc[0] == pd.Timestamp(T0, unit="s")
    with pytest.raises(KeyError, match="user 'Z' is not in dataset"):
        purchase_history(data, "Z")


def test_directory_uses_the_favourite_category_without_personas(shop):
    directory = customer_directory(load_dataset(shop, k=1)).set_index("user_id")
    assert directory.loc["A", "segment"] == "mostly Shoes"  # 2 of 3 purchases
    assert directory.loc["B", "segment"] == "mostly Bags"
    assert directory.loc["B", "purchases"] == 3
    assert directory.loc["A", "label"] == "A · mostly Shoes · 3 purchases"
    assert directory.loc["A", "last_purchase"] == pd.Timestamp(T0 + 5 * DAY, unit="s")


def test_directory_prefers_the_planted_personas(shop):
    (shop / "truth").mkdir()
    pd.DataFrame({"user_id": ["A"], "persona": ["visual"]}).to_csv(shop / "truth" / "customers.csv", index=False)
    directory = customer_directory(load_dataset(shop, k=1)).set_index("user_id")
    assert directory.loc["A", "segment"] == "visual"
    assert directory.loc["B", "segment"] == "unknown"


def test_thumbnails_are_best_sellers_with_a_picture(shop):
    thumbs = catalogue_thumbnails(load_dataset(shop, k=1), n=5)
    assert thumbs["item_id"].tolist() == ["i1", "i3"]  # i2 sells as much but has no image
    assert thumbs["purchases"].tolist() == [2, 2]


def test_top_category_of_empty_paths():
    assert top_category(pd.Series(["A|B", "", None, " C "])).tolist() == ["A", "(none)", "(none)", "C"]
