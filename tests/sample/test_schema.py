"""The written files follow the canonical dataset layout (DESIGN.md section 2)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.sample import PERSONAS, PRODUCT_TYPES
from core.sample.customers import PERIOD_END, PERIOD_START
from tests.sample.support import SIGNAL_ITEMS, SIGNAL_USERS, Sample

TYPE_BY_KEY = {t.key: t for t in PRODUCT_TYPES}


def test_columns_are_exact(sample: Sample) -> None:
    assert list(sample.items.columns) == ["item_id", "title", "description", "categories",
                                          "image", "price"]
    assert list(sample.interactions.columns) == ["user_id", "item_id", "timestamp"]
    assert list(sample.truth_items.columns) == ["item_id", "colour", "pattern", "brand",
                                                "material", "product_type", "season", "cluster"]
    assert list(sample.truth_customers.columns) == ["user_id", "persona", "attribute"]


def test_items_table(sample: Sample) -> None:
    items = sample.items
    assert len(items) == SIGNAL_ITEMS
    assert items["item_id"].is_unique
    assert items["item_id"].str.fullmatch(r"P\d{4}").all()
    assert (items["image"] == "images/" + items["item_id"] + ".png").all()
    assert items["price"].str.fullmatch(r"\d+\.\d{2}").all()
    assert (items["price"].astype(float) > 0).all()
    assert (items["title"].str.len() > 10).all() and (items["description"].str.len() > 40).all()
    truth = sample.truth_items.set_index("item_id").loc[items["item_id"]]
    for categories, type_key, season in zip(items["categories"], truth["product_type"],
                                            truth["season"]):
        ptype = TYPE_BY_KEY[type_key]
        assert categories == "|".join(ptype.categories)
        assert len(categories.split("|")) >= 2
        assert season == ptype.season
    assert list(sample.truth_items["item_id"]) == list(items["item_id"])


def test_every_image_is_a_64px_rgb_png(sample: Sample) -> None:
    for rel in sample.items["image"]:
        with Image.open(sample.root / rel) as im:
            assert im.format == "PNG"
            assert im.size == (64, 64)
            assert im.mode == "RGB"


def test_interactions_table(sample: Sample) -> None:
    inter = sample.interactions
    assert not inter.duplicated(["user_id", "item_id"]).any(), "a customer bought an item twice"
    assert inter["user_id"].str.fullmatch(r"C\d{4}").all()
    assert set(inter["item_id"]) <= set(sample.items["item_id"])
    assert inter["user_id"].nunique() == SIGNAL_USERS
    assert inter.groupby("user_id").size().min() >= 6
    assert inter["timestamp"].between(PERIOD_START, PERIOD_END - 1).all()
    assert PERIOD_START == 1672531200 and PERIOD_END == 1735689600  # 2023-01-01, 2025-01-01 UTC
    ordered = inter.sort_values(["user_id", "timestamp"], kind="stable")
    assert ordered.index.equals(inter.index), "not sorted by user, then timestamp"
    assert not inter.duplicated(["user_id", "timestamp"]).any()


def test_summary_matches_files(sample: Sample) -> None:
    s = sample.summary
    assert (s.n_items, s.n_users, s.n_interactions) == (SIGNAL_ITEMS, SIGNAL_USERS,
                                                        len(sample.interactions))
    assert s.first_timestamp == sample.interactions["timestamp"].min()
    assert s.last_timestamp == sample.interactions["timestamp"].max()
    assert s.span_days > 600
    assert s.personas == sample.truth_customers["persona"].value_counts().to_dict()
    with pytest.raises(AttributeError):
        s.n_items = 1  # type: ignore[misc]


def test_personas_are_balanced_and_attributes_well_formed(sample: Sample) -> None:
    customers = sample.truth_customers
    assert list(customers["user_id"]) == sorted(sample.interactions["user_id"].unique())
    counts = customers["persona"].value_counts()
    assert set(counts.index) == set(PERSONAS)
    assert counts.max() - counts.min() <= 1
    truth = sample.truth_items
    pairs = {
        "visual": set(truth["colour"] + "/" + truth["pattern"]),
        "textual": set(truth["brand"] + "/" + truth["material"]),
        "collaborative": set(truth["cluster"].astype(str)),
        "seasonal": {"winter/summer"},
    }
    for persona, attribute in zip(customers["persona"], customers["attribute"]):
        assert attribute in pairs[persona], (persona, attribute)


def test_every_type_has_a_season_and_all_seasons_are_used(sample: Sample) -> None:
    assert {t.season for t in PRODUCT_TYPES} == {"winter", "summer", "all-season"}
    assert len(PRODUCT_TYPES) >= 12
    assert set(sample.truth_items["season"]) == {"winter", "summer", "all-season"}


def test_sessions_and_gaps_look_real(sample: Sample) -> None:
    gaps = sample.interactions.groupby("user_id")["timestamp"].diff().dropna().to_numpy()
    in_session = gaps < 3600
    assert 0.3 < in_session.mean() < 0.7, "purchases should come in sessions of 1-4 items"
    assert np.median(gaps[in_session]) < 15 * 60
    between = gaps[~in_session] / 86_400
    assert np.median(between) > 3 and np.quantile(between, 0.9) > 30
