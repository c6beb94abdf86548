"""Planted truth (issue 16, "Done when"): a simulated new product reaches the sample's planted followers of
what it shows. A product drawn in a visual persona's colour and pattern gets the visual customers who follow
that colour as the majority of its top-100; one whose text names a textual persona's brand and material gets
the textual customers who follow that brand or material.

A compact HM4SR is trained on the whole shipped sample (2,000 customers; ~50 s on one thread): the 150
customers per persona of the explanation tests' slice hold only ~19 followers of a colour, too few to fill
a top-100 (the whole sample: 58-68 per colour). Measured with this model (12 epochs; about 70 s in all;
top-100 by margin in SDs): colour followers 59 (black/solid coat), 58 (red/stripes shirt), 64 (yellow/dots
dress), 58 (pink/checks bag); brand-or-material followers 61 (Verano/cotton), 54 (Solenne/leather),
70 (Nordvik/denim); after 9 epochs the tightest is 51 (Solenne). STAIR does not hold (colour followers
1-5, brand-or-material 32-39 of 100), so it is not asserted here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from core.data import load_dataset
from core.explain.launch import launch_baseline, simulate_launch
from core.features.draft import ProductDraft, encode_draft
from core.sample import COLOURS
from core.sample.thumbnails import draw_thumbnail
from tests.explain.planted import SAMPLE, train_compact

TOP = 100

pytestmark = pytest.mark.skipif(not (SAMPLE / "truth" / "customers.csv").is_file(),
                                reason="needs the shipped sample catalogue")


@pytest.fixture(scope="module")
def sample_run(tmp_path_factory):
    data = load_dataset(SAMPLE)
    return train_compact(data, tmp_path_factory.mktemp("launch_run"))


@pytest.fixture(scope="module")
def baseline(sample_run):
    return launch_baseline(sample_run, k=10)


@pytest.fixture(scope="module")
def truth():
    return pd.read_csv(SAMPLE / "truth" / "customers.csv", dtype=str).set_index("user_id")


def followers(result, truth: pd.DataFrame, persona: str, matches) -> int:
    """How many of the product's top-100 customers are ``persona`` customers whose attribute ``matches``."""
    top = truth.reindex(result.top(TOP)["user_id"])
    return int(((top["persona"] == persona) & top["attribute"].map(matches)).sum())


@pytest.mark.parametrize(("colour", "pattern", "product_type", "categories"), [
    ("black", "solid", "coat", ("Clothing", "Outerwear", "Coat")),
    ("red", "stripes", "shirt", ("Clothing", "Tops", "Shirt")),
    ("yellow", "dots", "dress", ("Clothing", "Dresses", "Dress")),
    ("pink", "checks", "bag", ("Accessories", "Bags", "Bag")),
])
def test_a_product_drawn_in_a_colour_reaches_that_colours_visual_followers(sample_run, baseline, truth, colour,
                                                                          pattern, product_type, categories):
    photo = draw_thumbnail(product_type, COLOURS[colour], pattern, np.random.default_rng(0))
    draft = ProductDraft(title=categories[-1], categories=categories, image=photo)  # no brand, no material
    result = simulate_launch(sample_run, encode_draft(draft, sample_run.data), k=10, baseline=baseline)
    assert followers(result, truth, "visual", lambda a: a.startswith(f"{colour}/")) > TOP // 2
    assert result.zero_parts == ("id",)  # HM4SR has no learned ID vector for a product it never saw


@pytest.mark.parametrize(("brand", "material", "noun", "categories"), [
    ("Verano", "cotton", "Shirt", ("Clothing", "Tops", "Shirt")),
    ("Solenne", "leather", "Bag", ("Accessories", "Bags", "Bag")),
    ("Nordvik", "denim", "Trousers", ("Clothing", "Bottoms", "Trousers")),
])
def test_a_product_whose_text_names_a_brand_and_material_reaches_their_textual_followers(sample_run, baseline, truth,
                                                                                         brand, material, noun,
                                                                                         categories):
    draft = ProductDraft(title=f"{brand} {noun} in {material.title()}", categories=categories,
                         description=f"Made by {brand} in {material}, built for everyday wear.")  # no photo
    result = simulate_launch(sample_run, encode_draft(draft, sample_run.data), k=10, baseline=baseline)
    named = lambda a: a.split("/")[0] == brand or a.split("/")[-1] == material  # noqa: E731
    assert followers(result, truth, "textual", named) > TOP // 2
    # the text carries it: the image stream has nothing to say about a product without a photo
    assert result.ranking.head(TOP)["share_image"].max() == 0.0
