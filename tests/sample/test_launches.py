"""The planted launches: what each product shows, and who counts as its follower (hand-made truth)."""

from __future__ import annotations

import pandas as pd

from core.sample import BRANDS, COLOURS, MATERIALS, planted_launches


def test_visual_launches_show_a_photo_of_a_colour_and_textual_ones_name_a_brand_and_material():
    cases = planted_launches()
    assert [c.persona for c in cases] == ["visual"] * 4 + ["textual"] * 3
    for case in cases[:4]:
        assert case.draft.image is not None and not case.draft.description
        assert case.name.split()[0] in COLOURS
        assert not any(word in case.draft.title for word in (*BRANDS, *MATERIALS))  # a bare category title
    for case in cases[4:]:
        brand, material, _ = case.name.split()
        assert brand in BRANDS and material in MATERIALS and case.draft.image is None
        assert brand in case.draft.title and material in case.draft.description


def test_followers_count_the_persona_customers_who_follow_what_the_product_shows():
    truth = pd.DataFrame({"user_id": ["a", "b", "c", "d", "e", "f"],
                          "persona": ["visual", "visual", "textual", "textual", "textual", "visual"],
                          "attribute": ["black/solid", "red/stripes", "Verano/denim", "Nordvik/cotton",
                                        "Solenne/leather", "black/checks"]}).set_index("user_id")
    by_name = {c.name: c for c in planted_launches()}
    coat, verano = by_name["black solid coat"], by_name["Verano cotton Shirt"]
    assert coat.followers(["a", "b", "c", "f"], truth) == 2  # black follows black, whatever the pattern
    assert coat.followers(["b", "c", "d"], truth) == 0
    assert verano.followers(["c", "d", "e", "a"], truth) == 2  # its brand (c) or its material (d)
    assert verano.followers(["c", "unknown"], truth) == 1  # a customer missing from the truth follows nothing
