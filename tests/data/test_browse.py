"""Customer history, directory and thumbnails read from a tiny dataset (hand-checked values)."""

from __future__ import annotations

import pandas as pd
import pytest

from core.data import load_dataset
from core.data.browse import (
    catalogue_thumbnails,
    customer_directory,
    purchase_history,
    search_choices,
    search_customers,
    top_category,
)
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


def test_directory_lists_every_category_a_customer_bought_in(shop):
    directory = customer_directory(load_dataset(shop, k=1)).set_index("user_id")
    assert directory.loc["A", "categories"] == "Bags|Shoes"
    assert directory.loc["B", "categories"] == "Bags"
    assert search_choices(directory.reset_index()) == (["mostly Bags", "mostly Shoes"], ["Bags", "Shoes"])


def test_segments_break_ties_alphabetically(tmp_path):
    rows = [("A", "i1", T0), ("A", "i2", T0 + DAY), ("A", "i1", T0 + 2 * DAY), ("A", "i2", T0 + 3 * DAY),
            ("B", "i2", T0), ("B", "i3", T0 + DAY), ("B", "i1", T0 + 2 * DAY)]
    root = write_dataset(tmp_path / "tie", rows)
    items = pd.read_csv(root / "items.csv")
    items["categories"] = ["Zebra", "Apple", ""]
    items.to_csv(root / "items.csv", index=False)
    directory = customer_directory(load_dataset(root, k=1)).set_index("user_id")
    assert directory.loc["A", "segment"] == "mostly Apple"  # two Zebra, two Apple
    assert directory.loc["B", "segment"] == "mostly (none)"  # "(none)" < "Apple" < "Zebra"
    assert directory.loc["B", "categories"] == "(none)|Apple|Zebra"


# ---------------------------------------------------------------- search_customers on a hand-made directory
@pytest.fixture()
def people():
    return pd.DataFrame({
        "user_id": ["C001", "c002", "X010", "C011", "B100", "C012"],
        "segment": ["visual", "textual", "visual", "visual", "seasonal", "textual"],
        "categories": ["Bags|Shoes", "Shoes", "Bags", "Shoe Care", "Bags|Hats", "Hats"],
        "label": ["C001 · visual", "c002 · textual", "X010 · visual", "C011 · visual", "B100 · seasonal",
                  "C012 · textual"],
    })


def test_search_is_a_case_insensitive_substring_of_the_id(people):
    found = search_customers(people, "c0")
    assert found.ids == ["C001", "c002", "C011", "C012"]
    assert (found.total, found.listed, found.capped) == (4, 4, False)
    assert search_customers(people, "  01 ").ids == ["C001", "X010", "C011", "C012"]  # blanks ignored
    assert search_customers(people, "").ids == people["user_id"].tolist()  # empty: everyone
    assert search_customers(people, ".*").total == 0  # no regular expressions: a dot is a dot


def test_search_filters_by_segment_and_exact_category(people):
    assert search_customers(people, segment="visual").ids == ["C001", "X010", "C011"]
    assert search_customers(people, category="Shoes").ids == ["C001", "c002"]  # not "Shoe Care"
    assert search_customers(people, category="Shoe").total == 0
    assert search_customers(people, "c", segment="visual", category="Bags").ids == ["C001"]
    assert search_customers(people, segment="", category=None).total == 6


def test_search_is_capped_and_says_how_many_match(people):
    found = search_customers(people, "", limit=2)
    assert found.ids == ["C001", "c002"]
    assert (found.total, found.listed, found.capped) == (6, 2, True)


def test_the_current_customer_is_always_kept(people):
    outside = search_customers(people, "X", current="B100")  # does not match: put first, not counted
    assert outside.ids == ["B100", "X010"]
    assert (outside.total, outside.current_matches) == (1, False)
    beyond = search_customers(people, "", current="C012", limit=2)  # matches beyond the cap: put first
    assert beyond.ids == ["C012", "C001", "c002"]
    assert (beyond.total, beyond.listed, beyond.current_matches) == (6, 2, True)
    within = search_customers(people, "C0", current="c002")  # already listed: stays in place
    assert within.ids == ["C001", "c002", "C011", "C012"] and within.current_matches
    assert search_customers(people, "X", current="Z999").ids == ["X010"]  # unknown id: not invented
    assert search_customers(people, "nothing", current="C001").ids == ["C001"]


def test_a_locate_function_finds_the_current_customer_as_the_scan_does(people):
    rows = {u: n for n, u in enumerate(people["user_id"])}
    for text, current in (("c0", "B100"), ("c0", "C011"), ("", "C012"), ("zz", "nobody"), ("c0", None)):
        scanned = search_customers(people, text, current=current, limit=2)
        located = search_customers(people, text, current=current, limit=2, locate=rows.get)
        assert located == scanned
        assert people["user_id"].iloc[located.positions].tolist() == located.ids  # the rows of the listed ids
    assert search_customers(people, "c0", current="B100", limit=2, locate=rows.get).positions == [4, 0, 1]
